"""The one undo command: it wraps an edit record and its inverse (both from ``model.edits``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QUndoCommand

from model.edits import Edit, apply_edit
from model.validation import Model

if TYPE_CHECKING:
    from ui.controller import WorkbenchController


class EditCommand(QUndoCommand):
    """Applies ``edit`` on redo and ``inverse`` on undo, in the scenario the edit was made in.

    The first redo (when the command is pushed) uses the model the controller already validated,
    so an edit is checked and computed once.
    """

    def __init__(
        self,
        controller: WorkbenchController,
        edit: Edit,
        inverse: Edit,
        scenario: str,
        edited: Model,
        label: str,
        shown_after: str | None = None,
    ) -> None:
        super().__init__(label)
        self._controller = controller
        self._edit, self._inverse = edit, inverse
        self._scenario = scenario
        # A scenario edit shows another scenario afterwards (a new or renamed one, Base once the
        # shown one is removed); the inverse is applied there, where that scenario exists.
        self._shown_after = shown_after or scenario
        self._edited: Model | None = edited

    def redo(self) -> None:
        edited, self._edited = self._edited, None
        if edited is None:
            edited, _ = apply_edit(self._controller.model, self._edit, self._scenario)
        self._controller.show_model(edited, self._shown_after)

    def undo(self) -> None:
        restored, _ = apply_edit(self._controller.model, self._inverse, self._shown_after)
        self._controller.show_model(restored, self._scenario)
