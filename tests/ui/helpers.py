"""What several window tests do alike."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel


def select(view, top, left, bottom, right):
    """Select the block of cells from (top, left) to (bottom, right), the first one current."""
    model = view.table_model
    view.setCurrentIndex(model.index(top, left))
    selection = QItemSelection(model.index(top, left), model.index(bottom, right))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
