"""Editors for grid cells: a combo box for choices, a spin box for whole numbers, a line edit
for the rest. Limits and choices come from the item model through its roles."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QSpinBox, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from ui.formatting import CHOICE_LABELS
from ui.table_model import CHOICES_ROLE, LIMITS_ROLE, UNIT_ROLE, VALUE_ROLE

Index = QModelIndex | QPersistentModelIndex


class CellDelegate(QStyledItemDelegate):
    """Builds the editor a cell's unit calls for and hands the typed text to the model."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        choices = index.data(CHOICES_ROLE)
        if choices:
            combo = QComboBox(parent)
            for key in choices:
                combo.addItem(CHOICE_LABELS.get(key, key), key)
            # A choice is one click: commit as soon as it is made, as a spreadsheet's list cell does.
            combo.activated.connect(lambda _: self.commitData.emit(combo))
            return combo
        limits = index.data(LIMITS_ROLE)
        if limits:
            spin = QSpinBox(parent)
            spin.setRange(*limits)
            return spin
        editor = QLineEdit(parent)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        if index.data(UNIT_ROLE) == "%":
            editor.setPlaceholderText("12, 12% or 0.12")
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        text = index.data(Qt.ItemDataRole.EditRole) or ""
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(editor.findData(text))
        elif isinstance(editor, QSpinBox):
            # An empty entry (a life that follows the book life) starts from the value shown.
            value = index.data(VALUE_ROLE)
            editor.setValue(int(text) if text else int(value) if isinstance(value, int | float) else editor.minimum())
        else:
            editor.setText(text)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if isinstance(editor, QComboBox):
            text = editor.currentData()
        elif isinstance(editor, QSpinBox):
            text = str(editor.value())
            if not index.data(Qt.ItemDataRole.EditRole) and editor.value() == index.data(VALUE_ROLE):
                return  # a followed life left as it was stays following
        else:
            text = editor.text()
        if text != index.data(Qt.ItemDataRole.EditRole):
            model.setData(index, text, Qt.ItemDataRole.EditRole)
