"""The one undo command: it wraps an edit record and its inverse (both from ``model.edits``);
and the Undo and Redo actions that name the step they take."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from model.edits import Edit, apply_edit
from model.errors import ModelError
from model.validation import Model

if TYPE_CHECKING:
    from ui.controller import WorkbenchController

log = logging.getLogger(__name__)


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
        self._run(self._edit, edited, "redone", self._scenario, self._shown_after)

    def undo(self) -> None:
        self._run(self._inverse, None, "undone", self._shown_after, self._scenario)

    def _run(self, edit: Edit, edited: Model | None, done: str, applied_in: str, shown: str) -> None:
        """Apply ``edit`` in scenario ``applied_in`` (or show ``edited``, already applied), then
        show scenario ``shown``; an error is a message, not a crash.

        An exception inside the undo stack would end the process (Qt cannot unwind through it):
        instead the model on screen stays as it was, the message says why, and the command,
        which no longer matches the model, leaves the stack.
        """
        try:
            if edited is None:
                with np.errstate(all="ignore"):
                    edited, _ = apply_edit(self._controller.model, edit, applied_in)
            self._controller.edit_shown.emit(edit)
            self._controller.show_model(edited, shown)
        except Exception as error:
            if not isinstance(error, ModelError):
                log.exception("%s could not be %s", self.text(), done)
            self.setObsolete(True)
            self._controller.report(f"{error} ({self.text()} could not be {done}; nothing changed)")


class UndoAction(QAction):
    """Edit > Undo (or Redo) named after its step: "Undo Edit AI servers & accelerators, FY26".

    Unlike ``QUndoStack.createUndoAction`` it keeps a label's "&" (which Qt would read as a
    mnemonic; "&&" in menu text), and a toolbar button shows only "Undo", so the toolbar keeps
    its width whatever the step is called; the step is in the tooltip.
    """

    def __init__(self, stack: QUndoStack, parent: QWidget, redo: bool = False) -> None:
        self._verb = "Redo" if redo else "Undo"
        super().__init__(f"&{self._verb}", parent)
        self.setIconText(self._verb)
        # Redo answers Ctrl+Shift+Z and Excel's Ctrl+Y on every platform, each bound once: a key
        # bound twice (the platform's Redo is Ctrl+Y on Windows) is ambiguous and does nothing.
        redo_keys = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        self.setShortcuts(redo_keys if redo else [QKeySequence(QKeySequence.StandardKey.Undo)])
        # Slots of this object: Qt disconnects them when the action goes, though the stack stays.
        (stack.redoTextChanged if redo else stack.undoTextChanged).connect(self.name_step)
        (stack.canRedoChanged if redo else stack.canUndoChanged).connect(self.setEnabled)
        self.triggered.connect(stack.redo if redo else stack.undo)
        self.name_step(stack.redoText() if redo else stack.undoText())
        self.setEnabled(stack.canRedo() if redo else stack.canUndo())

    def name_step(self, label: str) -> None:
        self.setText(f"&{self._verb} {label.replace('&', '&&')}".strip())
        self.setToolTip(f"{self._verb} {label}".strip())
