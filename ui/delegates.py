"""Editors for grid cells, and how a number too wide for its column shows: as ``###``, as in a
spreadsheet, never cut to ``12,34…``, which reads as another number. A combo box for choices, a
line edit for the rest. Choices and the range of a whole-number cell come from the item model
through its roles.

Every typed text goes to the model layer as typed, which takes it exactly or refuses it with the
rule it breaks (the old value stays). A spin box is not used for whole numbers: it drops the
keys it does not expect, so ``2.5`` became 25 and ``-3`` became 3 without a word.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLineEdit,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from ui.formatting import CHOICE_LABELS
from ui.table_model import CHOICES_ROLE, LIMITS_ROLE, UNIT_ROLE, VALUE_ROLE

Index = QModelIndex | QPersistentModelIndex


TEXT_UNITS = ("text", "choice", "bool")
TEXT_MARGIN = 8  # the item's text margins, both sides, in pixels


def fitted_text(option: QStyleOptionViewItem, unit: str | None) -> str:
    """The text a cell paints: a number wider than its column as ``###`` (as wide as the column)."""
    room = option.rect.width() - TEXT_MARGIN
    metrics = option.fontMetrics
    if unit in TEXT_UNITS or not option.text or metrics.horizontalAdvance(option.text) <= room:
        return option.text
    return "#" * max(1, room // max(1, metrics.horizontalAdvance("#")))


class CellDelegate(QStyledItemDelegate):
    """Builds the editor a cell's unit calls for and hands the typed text to the model."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        shown = QStyleOptionViewItem(option)
        self.initStyleOption(shown, index)
        shown.text = fitted_text(shown, index.data(UNIT_ROLE))
        widget = shown.widget
        (widget.style() if widget else QApplication.style()).drawControl(
            QStyle.ControlElement.CE_ItemViewItem, shown, painter, widget
        )

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        choices = index.data(CHOICES_ROLE)
        if choices:
            combo = QComboBox(parent)
            for key in choices:
                combo.addItem(CHOICE_LABELS.get(key, key), key)
            # A choice is one click: commit as soon as it is made, as a spreadsheet's list cell does.
            combo.activated.connect(lambda _: self.commitData.emit(combo))
            return combo
        editor = QLineEdit(parent)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight)
        limits = index.data(LIMITS_ROLE)
        if limits:
            low, high = limits
            editor.setPlaceholderText(f"{low}..{high}")
            editor.setToolTip(f"A whole number from {low} to {high}")
        elif index.data(UNIT_ROLE) == "%":
            editor.setPlaceholderText("12, 12% or 0.12")
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        text = index.data(Qt.ItemDataRole.EditRole) or ""
        if isinstance(editor, QComboBox):
            editor.setCurrentIndex(editor.findData(text))
        else:
            editor.setText(text)
            value = index.data(VALUE_ROLE)
            if not text and isinstance(value, int | float) and not isinstance(value, bool):
                # A life that follows the book life: shown as the value it follows until one is typed.
                editor.setPlaceholderText(f"{value:g} (follows)")

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        text = editor.currentData() if isinstance(editor, QComboBox) else editor.text()
        if text != index.data(Qt.ItemDataRole.EditRole):
            model.setData(index, text, Qt.ItemDataRole.EditRole)
