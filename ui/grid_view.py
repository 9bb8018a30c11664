"""A table view with a spreadsheet's habits: copy and paste tab-separated blocks (blank cells
leave theirs as they are), fill down and right, fill a selection with a typed value, Delete (a
scenario's override goes back to Base, an optional value is removed, and a cell that must hold a
value says so), F2, Ctrl+Arrow to the edge of the data and Ctrl+PgUp/PgDn between views.

Each key is a ``QAction`` of the view (``key_actions``), so the Help menu's list of shortcuts is
read from the keys themselves."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Callable
from functools import partial

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QMenu,
    QTableView,
    QTabWidget,
    QWidget,
)

from model.edits import Edit, EditBlock, RenameClass
from ui.controller import WorkbenchController
from ui.delegates import CellDelegate
from ui.formatting import is_missing
from ui.table_model import MARK_ROLE, OVERRIDDEN, Sheet, SheetTableModel

SheetBuilder = Callable[[WorkbenchController], Sheet]
# The edit that removes a scenario's override of some cells of one row: (row key, column keys).
ResetFactory = Callable[[object, frozenset[object]], Edit]
# Ctrl+Arrow: the step (rows, columns) of each arrow key.
EDGE_STEPS = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
# Why Delete cannot empty a cell of each unit (a cell whose value may be absent is cleared).
NEEDS_A_VALUE = {
    "text": "a class needs a name",
    "choice": "pick one of its choices instead",
    "bool": "tick or untick it instead",
}


def parse_block(text: str) -> list[list[str]]:
    """Rows of cells from tab-separated text as Excel and LibreOffice put on the clipboard
    (quoted cells, CRLF line ends and the trailing line end they add)."""
    rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n")), delimiter="\t"))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def count_cells(count: int) -> str:
    """How an undo step names the cells it changed: "1 cell", "6 cells"."""
    return f"{count} cell" if count == 1 else f"{count} cells"


def format_block(rows: list[list[str]]) -> str:
    return "".join("\t".join(row) + "\n" for row in rows)


class SheetView(QTableView):
    """Shows the sheet ``build(controller)`` and rebuilds it whenever the controller's state changes.

    ``reset_for(row_key, column_keys)`` gives the edit that removes a scenario's override of those
    cells of a row (None: the grid has no overrides). Edits go to the controller as one undo step
    each; a paste or a fill is one step, refused whole.
    """

    def __init__(
        self,
        controller: WorkbenchController,
        build: SheetBuilder,
        editable: bool = True,
        reset_for: ResetFactory | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller, self._build, self._reset_for = controller, build, reset_for
        self.table_model = SheetTableModel(
            build(controller), controller.money, controller.apply if editable else None, self
        )
        self.setModel(self.table_model)
        self.setItemDelegate(CellDelegate(self))
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setAlternatingRowColors(False)
        self.setWordWrap(False)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(24)
        self.horizontalHeader().setDefaultSectionSize(64)
        self.horizontalHeader().setHighlightSections(False)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._show_menu)
        self.context_actions: list[QAction] = []  # other panels' entries for the menu (Explain)
        self.key_actions = self._key_actions(editable)
        controller.results_changed.connect(self.refresh)
        controller.money_display_changed.connect(self.refresh)

    def _key_actions(self, editable: bool) -> list[QAction]:
        """The view's own keys (Shift with Ctrl+Arrow selects up to the edge)."""
        keys: list[tuple[str, tuple[str, ...], Callable[[], object]]] = [
            (
                f"{verb} {name} to the edge of the data",
                (f"{prefix}{name.capitalize()}",),
                partial(self.go_to_edge, step, select),
            )
            for verb, prefix, select in (("Go", "Ctrl+", False), ("Select", "Ctrl+Shift+", True))
            for name, step in EDGE_STEPS.items()
        ]
        keys += [
            ("Next view (tab)", ("Ctrl+PgDown",), lambda: self.switch_view(1)),
            ("Previous view (tab)", ("Ctrl+PgUp",), lambda: self.switch_view(-1)),
        ]
        menu_keys: list[tuple[str, tuple[str, ...], Callable[[], object]]] = [
            ("Fill Down", ("Ctrl+D",), self.fill_down),
            ("Fill the selection with the typed value", ("Ctrl+Return", "Ctrl+Enter"), self.fill_selection),
            ("Delete: back to Base in a scenario, or no value", ("Del", "Backspace"), self.clear_selection),
        ]
        if editable:
            keys[:0] = [("Edit the cell", ("F2",), self.edit_current), *menu_keys]
        actions = []
        for text, shortcuts, slot in keys:
            action = self._action(text, [QKeySequence(key) for key in shortcuts], slot)
            # Active while this table, or a cell editor in it, has the keyboard.
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
            actions.append(action)
        in_menu = {text for text, _, _ in menu_keys} if editable else set()
        self._menu_actions = [action for action in actions if action.text() in in_menu]
        return actions

    def refresh(self) -> None:
        self.table_model.set_sheet(self._build(self._controller), self._controller.money)

    # ------------------------------------------------------------------ clipboard

    def selected_block(self) -> tuple[int, int, int, int] | None:
        """Top, left, bottom, right of the selection (or of the current cell), inclusive."""
        indexes = self.selectionModel().selectedIndexes() or [self.currentIndex()]
        indexes = [index for index in indexes if index.isValid()]
        if not indexes:
            return None
        rows = [index.row() for index in indexes]
        columns = [index.column() for index in indexes]
        return min(rows), min(columns), max(rows), max(columns)

    def copy_selection(self) -> None:
        """Put the selected block on the clipboard as full-precision tab-separated text."""
        block = self.selected_block()
        if block is None:
            return
        top, left, bottom, right = block
        selection = self.selectionModel()
        rows = [
            [
                self.table_model.index(row, column).data(Qt.ItemDataRole.EditRole)
                if selection.isSelected(self.table_model.index(row, column)) or (top, left) == (bottom, right)
                else ""
                for column in range(left, right + 1)
            ]
            for row in range(top, bottom + 1)
        ]
        QGuiApplication.clipboard().setText(format_block(rows))

    def paste(self) -> bool:
        return self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> bool:
        """Excel's paste: a block lands at the selection's top-left; a single value fills every
        selected cell; a blank cell of the block leaves its cell as it is. One undo step; refused
        whole, naming the first bad cell."""
        try:
            rows = parse_block(text)
        except csv.Error as error:  # a cell longer than the reader's limit, say
            self._controller.report(f"The clipboard's text cannot be read as cells ({error}); nothing was pasted.")
            return False
        block = self.selected_block()
        if block is None or not rows:
            return False
        top, left, _, _ = block
        if len(rows) == 1 and len(rows[0]) == 1:
            targets = [(row, column, rows[0][0]) for row, column in self.selected_cells()]
        else:
            height, width = len(rows), max(len(row) for row in rows)
            if top + height > self.table_model.rowCount() or left + width > self.table_model.columnCount():
                self._controller.report(
                    f"The pasted block ({height} × {width}) does not fit below and right of the selected cell; "
                    "nothing was pasted."
                )
                return False
            targets = [
                (top + i, left + j, cell) for i, row in enumerate(rows) for j, cell in enumerate(row) if cell.strip()
            ]
        return bool(targets) and self._submit_cells(targets, f"Paste {count_cells(len(targets))}")

    def fill_down(self) -> bool:
        """Ctrl+D: the top row of the selection into the rows below it (one row: the row above into it)."""
        return self._fill(down=True)

    def fill_right(self) -> bool:
        """Ctrl+R: the first column of the selection into the columns right of it (one column: the
        column on its left into it)."""
        return self._fill(down=False)

    def _fill(self, down: bool) -> bool:
        block = self.selected_block()
        if block is None:
            return False
        top, left, bottom, right = block
        first, last = (top, bottom) if down else (left, right)
        source = first if last > first else first - 1
        if source < 0:
            return False
        cells = [(row, column) for row in range(top, bottom + 1) for column in range(left, right + 1)]
        targets = [
            (row, column, self._entry(source if down else row, column if down else source))
            for row, column in cells
            if (row if down else column) != source
        ]
        return self._submit_cells(targets, f"Fill {'down' if down else 'right'} {count_cells(len(targets))}")

    def fill_selection(self) -> bool:
        """Ctrl+Enter: every selected cell takes the value being typed (or, not typing, the
        current cell's), as one undo step."""
        editor = self._open_editor()
        if editor is not None:
            text = typed_text(editor)
            self.closeEditor(editor, QAbstractItemDelegate.EndEditHint.NoHint)
        else:
            current = self.currentIndex()
            if not current.isValid():
                return False
            text = self._entry(current.row(), current.column())
        targets = [(row, column, text) for row, column in self.selected_cells()]
        if len(targets) == 1:  # Ctrl+Enter on one cell commits it, as Enter does (not typing: nothing to do)
            row, column, _ = targets[0]
            return editor is not None and self._submit_cells(
                targets, f"Edit {self.table_model.describe_cell(row, column)}"
            )
        return self._submit_cells(targets, f"Fill {count_cells(len(targets))}")

    def _open_editor(self) -> QWidget | None:
        """The cell editor being typed into (the focus may be on a part of it, as in a spin box)."""
        widget = QApplication.focusWidget() if self.state() == self.State.EditingState else None
        while widget is not None and widget.parentWidget() is not self.viewport():
            widget = widget.parentWidget()
        return widget

    def _entry(self, row: int, column: int) -> str:
        return self.table_model.index(row, column).data(Qt.ItemDataRole.EditRole)

    def _submit_cells(self, targets: list[tuple[int, int, str]], label: str) -> bool:
        model, edits = self.table_model, []
        for row, column, text in targets:
            if not model.is_editable(row, column):
                self._controller.report(f"{model.describe_cell(row, column)} is not an input; nothing was changed.")
                return False
            edits.append(model.edit_at(row, column, model.parse(row, column, text)))
        # Renames go last: the other edits name their classes as the grid shows them.
        edits.sort(key=lambda edit: isinstance(edit, RenameClass))
        return self._controller.apply(EditBlock(tuple(edits)), label)

    def selected_cells(self) -> list[tuple[int, int]]:
        """(row, column) of every selected cell (or of the current cell), top to bottom."""
        indexes = self.selectionModel().selectedIndexes() or [self.currentIndex()]
        return sorted({(index.row(), index.column()) for index in indexes if index.isValid()})

    def clear_selection(self) -> bool:
        """Delete, as one undo step: in a scenario an overridden cell goes back to Base (its row's
        override is removed: an override is a whole row, setting or class); a cell whose value may
        be absent loses it (an economic or tax life then follows the book life again). Any other
        cell must hold a value: the Delete is refused whole, naming the first such cell and why."""
        model, sheet = self.table_model, self.table_model.sheet
        overridden: list[tuple[int, int]] = []
        cleared: dict[str, Edit] = {}
        for row, column in self.selected_cells():
            name = model.describe_cell(row, column)
            if not model.is_editable(row, column):
                return self._refuse(f"{name} is not an input; nothing was deleted.")
            if self._reset_for is not None and sheet.marks[row, column] == OVERRIDDEN:
                overridden.append((row, column))
            elif model.is_clearable(row, column):
                cleared[name] = model.edit_at(row, column, None)
            else:
                reason = NEEDS_A_VALUE.get(sheet.units[row, column], "it needs a number (type 0 for none)")
                return self._refuse(f"{name} cannot be empty: {reason}; nothing was deleted.")
        resets = self._resets(overridden)
        if resets and not cleared:
            label = f"Reset {', '.join(resets)} to Base"
        elif len(cleared) == 1 and not resets:
            label = f"Clear {next(iter(cleared))}"
        else:
            label = f"Clear {count_cells(len(resets) + len(cleared))}"
        return bool(resets or cleared) and self._controller.apply(
            EditBlock((*resets.values(), *cleared.values())), label
        )

    def _refuse(self, message: str) -> bool:
        self._controller.report(message)
        return False

    # ------------------------------------------------------------------ moving

    def edge_of_data(self, step: tuple[int, int]) -> QModelIndex:
        """Where Ctrl+Arrow goes from the current cell, ``step`` (rows, columns) at a time, as in a
        spreadsheet: along a run of values to its last one, or across empty cells to the next value
        (or the last cell)."""
        current = self.currentIndex()
        if not current.isValid():
            return current
        sheet, (d_row, d_column) = self.table_model.sheet, step

        def inside(r: int, c: int) -> bool:
            return 0 <= r < self.table_model.rowCount() and 0 <= c < self.table_model.columnCount()

        def filled(r: int, c: int) -> bool:
            return bool(sheet.texts[r, c]) or not is_missing(sheet.cells[r, c])

        row, column = current.row(), current.column()
        if not inside(row + d_row, column + d_column):
            return current
        run = filled(row, column) and filled(row + d_row, column + d_column)
        row, column = row + d_row, column + d_column
        while inside(row + d_row, column + d_column) and (
            filled(row + d_row, column + d_column) if run else not filled(row, column)
        ):
            row, column = row + d_row, column + d_column
        return self.table_model.index(row, column)

    def go_to_edge(self, step: tuple[int, int], select: bool = False) -> None:
        """Ctrl+Arrow: the current cell moves to the edge of the data; with Shift the selection
        stretches from its anchor (the corner opposite the current cell) to there."""
        edge, block, flags = self.edge_of_data(step), self.selected_block(), QItemSelectionModel.SelectionFlag
        if not edge.isValid() or block is None:
            return
        if not select:
            self.selectionModel().setCurrentIndex(edge, flags.ClearAndSelect)
            return
        top, left, bottom, right = block
        current = self.currentIndex()
        anchor = self.table_model.index(
            top if current.row() == bottom else bottom, left if current.column() == right else right
        )
        self.selectionModel().select(QItemSelection(anchor, edge), flags.ClearAndSelect)
        self.selectionModel().setCurrentIndex(edge, flags.NoUpdate)

    def edit_current(self) -> bool:
        """F2: edit the current cell (its text kept, the cursor at its end)."""
        return self.state() != self.State.EditingState and self.edit(self.currentIndex())

    def switch_view(self, step: int) -> bool:
        """Ctrl+PgDn / Ctrl+PgUp: the next or previous tab of the tabs this table sits in, with the
        keyboard in its first table."""
        tabs = self.parentWidget()
        while tabs is not None and not isinstance(tabs, QTabWidget):
            tabs = tabs.parentWidget()
        if tabs is None or not 0 <= tabs.currentIndex() + step < tabs.count():
            return False
        tabs.setCurrentIndex(tabs.currentIndex() + step)
        page = tabs.currentWidget()
        table = page if isinstance(page, SheetView) else page.findChild(SheetView)
        (table or page).setFocus()
        return True

    # ------------------------------------------------------------------ scenarios

    def overridden_cells(self) -> list[tuple[int, int]]:
        indexes = self.selectionModel().selectedIndexes() or [self.currentIndex()]
        return sorted(
            (index.row(), index.column())
            for index in indexes
            if index.isValid() and index.data(MARK_ROLE) == OVERRIDDEN
        )

    def _resets(self, cells: list[tuple[int, int]]) -> dict[str, Edit]:
        """The edits removing the overrides of ``cells``, one per row, by the row's name. A row's
        override is the whole row (a setting, a driver or capex row), or, for an asset class, the
        fields overridden: only the selected ones go back to Base."""
        if self._reset_for is None:
            return {}
        sheet, columns = self.table_model.sheet, defaultdict(set)
        for row, column in cells:
            columns[row].add(sheet.column_keys[column])
        reset_for, name = self._reset_for, self.table_model.row_name
        return {name(row): reset_for(sheet.row_keys[row], frozenset(keys)) for row, keys in columns.items()}

    def reset_to_base(self) -> bool:
        """Remove the selected cells' overrides, so the scenario uses the Base values again."""
        resets = self._resets(self.overridden_cells())
        return bool(resets) and self._controller.apply(EditBlock(tuple(resets.values())), "Reset to Base")

    def _show_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(self._action("Copy", QKeySequence.StandardKey.Copy, self.copy_selection))
        if self.table_model.sheet.edit_for is not None:
            menu.addAction(self._action("Paste", QKeySequence.StandardKey.Paste, self.paste))
            menu.addAction(self._action("Fill Right", QKeySequence("Ctrl+R"), self.fill_right))
            menu.addActions(self._menu_actions)
        if self._reset_for is not None:
            reset = self._action("Reset to Base", None, self.reset_to_base)
            reset.setEnabled(bool(self.overridden_cells()))
            menu.addSeparator()
            menu.addAction(reset)
        if self.context_actions:
            menu.addSeparator()
            menu.addActions(self.context_actions)
        menu.exec(self.viewport().mapToGlobal(position))

    def _action(self, text: str, shortcut, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        if isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda: slot())
        return action


def typed_text(editor: QWidget) -> str:
    """The entry an open cell editor holds, as the delegate would commit it."""
    if isinstance(editor, QComboBox):
        return str(editor.currentData())
    if isinstance(editor, (QLineEdit, QAbstractSpinBox)):
        return editor.text()
    return ""
