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
    so an edit is checked and computed once. ``previous`` (optional) is the model before the edit,
    shown on undo in place of applying ``inverse``, for the one edit whose inverse the records
    cannot express (a driver row added where the model had none).
    """

    def __init__(
        self,
        controller: WorkbenchController,
        edit: Edit,
        inverse: Edit,
        scenario: str,
        edited: Model,
        label: str,
        previous: Model | None = None,
    ) -> None:
        super().__init__(label)
        self._controller = controller
        self._edit, self._inverse = edit, inverse
        self._scenario = scenario
        self._edited: Model | None = edited
        self._previous = previous

    def redo(self) -> None:
        edited, self._edited = self._edited, None
        if edited is None:
            edited, _ = apply_edit(self._controller.model, self._edit, self._scenario)
        self._controller.show_model(edited, self._scenario)

    def undo(self) -> None:
        if self._previous is not None:
            self._controller.show_model(self._previous, self._scenario)
            return
        restored, _ = apply_edit(self._controller.model, self._inverse, self._scenario)
        self._controller.show_model(restored, self._scenario)
