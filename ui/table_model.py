"""The one item model every grid uses: a table of values plus, cell by cell, how to show it.

A ``Sheet`` is what a grid shows, built from the controller's state by ``ui.sheets``; the
``SheetTableModel`` adapts it to Qt. Display text and edit text are separate roles; typed
text is parsed by the cell's unit, turned into an edit record by the sheet and submitted to the
controller, which validates it through the model layer and refuses it whole if it breaks a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from model.edits import Edit
from ui.formatting import MoneyDisplay, format_cell, format_entry, parse_entry

# Roles and flags as plain values: a view asks for seven roles of every cell it paints, and plain
# int comparisons keep that cheap.
Role = Qt.ItemDataRole
DISPLAY, EDIT, TOOLTIP, FONT = int(Role.DisplayRole), int(Role.EditRole), int(Role.ToolTipRole), int(Role.FontRole)
ALIGNMENT, BACKGROUND, CHECK_STATE = int(Role.TextAlignmentRole), int(Role.BackgroundRole), int(Role.CheckStateRole)
FOREGROUND = int(Role.ForegroundRole)
ALIGN_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
READ_ONLY = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
EDITABLE = READ_ONLY | Qt.ItemFlag.ItemIsEditable
CHECKABLE = READ_ONLY | Qt.ItemFlag.ItemIsUserCheckable

UNIT_ROLE = Role.UserRole + 1
CHOICES_ROLE = Role.UserRole + 2
LIMITS_ROLE = Role.UserRole + 3
MARK_ROLE = Role.UserRole + 4
VALUE_ROLE = Role.UserRole + 5
ANSWERED_ROLES = frozenset(
    {DISPLAY, EDIT, TOOLTIP, FONT, ALIGNMENT, BACKGROUND, CHECK_STATE, FOREGROUND}
    | {int(role) for role in (UNIT_ROLE, CHOICES_ROLE, LIMITS_ROLE, MARK_ROLE, VALUE_ROLE)}
)

# Cell marks: where a number comes from, shown as a background. SOLVED: a setting the calibration
# decides (read-only); FOLLOW_ON: a year after the plan (its capex is the follow-on, not the plan);
# FOLLOWS: an absent economic or tax life, shown as the book life it follows (grey text, no shade).
SOURCED, OVERRIDDEN, TOTAL = "sourced", "overridden", "total"
SOLVED, FOLLOW_ON, FOLLOWS = "solved", "follow-on", "follows"
MARK_COLOURS = {
    SOURCED: QColor("#e4eefb"),
    OVERRIDDEN: QColor("#fde9b8"),
    TOTAL: QColor("#eeeff1"),
    SOLVED: QColor("#e6def5"),
    FOLLOW_ON: QColor("#e3f1e6"),
}
MARK_LEGEND = {SOURCED: "reported figure (see tooltip)", OVERRIDDEN: "scenario override"}
GREY_TEXT = QColor("#8a909b")

Index = QModelIndex | QPersistentModelIndex
EditFactory = Callable[[Any, Any, Any], Edit]
Submit = Callable[[Edit, str], bool]


def grid(shape: tuple[int, int], fill: Any) -> np.ndarray:
    """A per-cell attribute array of ``shape``, filled with ``fill``."""
    return np.full(shape, fill, dtype=object)


def cell_table(rows: Sequence[Sequence[Any]], columns: int) -> np.ndarray:
    """Rows of ``columns`` values as an object array, each value kept as it is (a list stays one cell)."""
    table = np.empty((len(rows), columns), dtype=object)
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            table[row, column] = value
    return table


@dataclass
class Sheet:
    """The contents of one grid.

    ``cells`` holds the model's values (numbers in model units, text, bools, None) as an object
    array; ``row_keys`` and ``column_keys`` name its rows and columns as the model does (a line
    key, a class name, a fiscal year), and the other arrays have its shape. ``units`` decide
    formatting and parsing, ``marks`` the background, ``editable`` which cells take input.
    ``texts`` (optional) replaces a cell's shown text where it is not empty ("= book 5" for a life
    that follows the book life). ``clearable`` cells take Delete: their edit with the value None
    (which removes an optional field, or empties an unknown year), one undo step for the
    selection. ``edit_for(row_key, column_key, value)`` turns a parsed value into an edit record;
    ``choices`` and ``limits`` (by (row, column) position) feed the delegate's combo and spin boxes.
    """

    cells: np.ndarray
    row_keys: Sequence[Any]
    column_keys: Sequence[Any]
    units: np.ndarray
    row_labels: Sequence[str]
    column_labels: Sequence[str]
    editable: np.ndarray | None = None
    marks: np.ndarray | None = None
    tooltips: np.ndarray | None = None
    row_tooltips: Sequence[str] | None = None
    edit_for: EditFactory | None = None
    choices: Mapping[tuple[int, int], Sequence[str]] = field(default_factory=dict)
    limits: Mapping[tuple[int, int], tuple[int, int]] = field(default_factory=dict)
    texts: np.ndarray | None = None
    clearable: np.ndarray | None = None

    def __post_init__(self) -> None:
        shape = self.cells.shape
        if shape != (len(self.row_keys), len(self.column_keys)):
            rows, columns = len(self.row_keys), len(self.column_keys)
            raise ValueError(f"{shape[0]} x {shape[1]} cells for {rows} rows x {columns} columns")
        if self.texts is None:
            self.texts = grid(shape, "")
        if self.clearable is None:
            self.clearable = grid(shape, False)
        if self.editable is None:
            self.editable = grid(shape, False)
        if self.marks is None:
            self.marks = grid(shape, "")
        if self.tooltips is None:
            self.tooltips = grid(shape, "")

    def same_layout(self, other: Sheet) -> bool:
        return (
            list(self.row_labels) == list(other.row_labels)
            and list(self.column_labels) == list(other.column_labels)
            and list(self.row_keys) == list(other.row_keys)
            and list(self.column_keys) == list(other.column_keys)
        )


# What a cell shows besides its value, cell by cell: a change in any of these repaints the cell.
SHOWN_PER_CELL = ("units", "texts", "marks", "tooltips", "editable", "clearable")


def changed_cells(old: Sheet, new: Sheet) -> np.ndarray:
    """Which cells of two sheets of the same layout show something different (a boolean array);
    an undefined value (NaN) that stays undefined is no change."""
    if old.choices != new.choices or old.limits != new.limits:
        return np.ones(new.cells.shape, dtype=bool)
    # NaN is the one value unequal to itself.
    still_nan = (old.cells != old.cells) & (new.cells != new.cells)
    changed = np.asarray(old.cells != new.cells, dtype=bool) & ~still_nan
    for name in SHOWN_PER_CELL:
        changed |= np.asarray(getattr(old, name) != getattr(new, name), dtype=bool)
    return changed


class SheetTableModel(QAbstractTableModel):
    """Qt's view of a ``Sheet``; ``submit(edit, label)`` applies an edit and says if it was taken."""

    def __init__(self, sheet: Sheet, money: MoneyDisplay, submit: Submit | None = None, parent=None) -> None:
        super().__init__(parent)
        self._sheet, self._money, self._submit = sheet, money, submit

    @property
    def sheet(self) -> Sheet:
        return self._sheet

    @property
    def money(self) -> MoneyDisplay:
        return self._money

    def set_sheet(self, sheet: Sheet, money: MoneyDisplay) -> None:
        """Show new contents. The same rows and columns repaint only the cells that changed
        (keeping the selection and the cell being typed into); a different shape is a whole-frame
        replacement, a reset."""
        if not sheet.same_layout(self._sheet):
            self.beginResetModel()
            self._sheet, self._money = sheet, money
            self.endResetModel()
            return
        changed = changed_cells(self._sheet, sheet) | (money != self._money)
        self._sheet, self._money = sheet, money
        # One range a row, from its first changed cell to its last: a view repaints only those.
        for row in np.flatnonzero(changed.any(axis=1)):
            columns = np.flatnonzero(changed[row])
            self.dataChanged.emit(self.index(int(row), int(columns[0])), self.index(int(row), int(columns[-1])))

    # ------------------------------------------------------------------ Qt overrides

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else self._sheet.cells.shape[0]

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._sheet.cells.shape[1]

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        labels = self._sheet.column_labels if horizontal else self._sheet.row_labels
        if not 0 <= section < len(labels):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return labels[section]
        if role == Qt.ItemDataRole.ToolTipRole and not horizontal and self._sheet.row_tooltips:
            return self._sheet.row_tooltips[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        row, column = index.row(), index.column()
        if not self.is_editable(row, column):
            return READ_ONLY
        return CHECKABLE if self._sheet.units[row, column] == "bool" else EDITABLE

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if role not in ANSWERED_ROLES or not index.isValid():
            return None
        row, column = index.row(), index.column()
        sheet = self._sheet
        value, unit = sheet.cells[row, column], sheet.units[row, column]
        if role == DISPLAY:
            return sheet.texts[row, column] or format_cell(value, unit, self._money)
        if role == EDIT:
            # A life that follows the book life is copied as empty, so pasting it back keeps it following.
            return "" if sheet.marks[row, column] == FOLLOWS else format_entry(value, unit, self._money)
        if role == CHECK_STATE:
            return (Qt.CheckState.Checked if value else Qt.CheckState.Unchecked) if unit == "bool" else None
        if role == TOOLTIP:
            return sheet.tooltips[row, column] or None
        if role == BACKGROUND:
            colour = MARK_COLOURS.get(sheet.marks[row, column])
            return QBrush(colour) if colour else None
        if role == FOREGROUND:
            return QBrush(GREY_TEXT) if sheet.marks[row, column] == FOLLOWS else None
        if role == FONT:
            if sheet.marks[row, column] != TOTAL:
                return None
            font = QFont()
            font.setBold(True)
            return font
        if role == ALIGNMENT:
            return ALIGN_LEFT if unit in ("text", "choice", "bool") else ALIGN_RIGHT
        if role == UNIT_ROLE:
            return unit
        if role == CHOICES_ROLE:
            return list(sheet.choices.get((row, column), ())) or None
        if role == LIMITS_ROLE:
            return sheet.limits.get((row, column))
        if role == MARK_ROLE:
            return sheet.marks[row, column]
        return value  # VALUE_ROLE

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        """Parse, turn into an edit and submit; a refused value leaves the model as it was."""
        if not index.isValid() or not self.is_editable(index.row(), index.column()):
            return False
        if role == Qt.ItemDataRole.CheckStateRole:
            entry: Any = Qt.CheckState(value) == Qt.CheckState.Checked
        elif role == Qt.ItemDataRole.EditRole:
            entry = self.parse(index.row(), index.column(), str(value))
        else:
            return False
        return self.submit_edit(
            self.edit_at(index.row(), index.column(), entry), self.describe_cell(index.row(), index.column())
        )

    # ------------------------------------------------------------------ editing helpers

    def is_editable(self, row: int, column: int) -> bool:
        return self._submit is not None and self._sheet.edit_for is not None and bool(self._sheet.editable[row, column])

    def is_clearable(self, row: int, column: int) -> bool:
        return self.is_editable(row, column) and bool(self._sheet.clearable[row, column])

    def parse(self, row: int, column: int, text: str) -> Any:
        return parse_entry(text, self._sheet.units[row, column], self._money)

    def edit_at(self, row: int, column: int, value: Any) -> Edit:
        sheet = self._sheet
        return sheet.edit_for(sheet.row_keys[row], sheet.column_keys[column], value)

    def row_name(self, row: int) -> str:
        """A row as the analyst knows it: its label, or its key where rows are only numbered."""
        label = self._sheet.row_labels[row]
        return str(self._sheet.row_keys[row]) if label.isdigit() else label

    def describe_cell(self, row: int, column: int) -> str:
        """How the cell is named in the undo history and in messages: ``AI servers, FY27 plan``."""
        column_label = self._sheet.column_labels[column].replace("\n", " ")
        return f"{self.row_name(row)}, {column_label}".strip(", ")

    def submit_edit(self, edit: Edit, label: str) -> bool:
        return self._submit is not None and self._submit(edit, f"Edit {label}")
