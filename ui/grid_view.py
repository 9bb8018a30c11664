"""A table view with a spreadsheet's habits: copy and paste tab-separated blocks, fill right,
Delete on cells whose value may be absent, and, in a scenario, Reset to Base on an overridden cell."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from model.edits import Edit, EditBlock, RenameClass
from ui.controller import WorkbenchController
from ui.delegates import CellDelegate
from ui.table_model import MARK_ROLE, OVERRIDDEN, DataFrameTableModel, Sheet

SheetBuilder = Callable[[WorkbenchController], Sheet]
ResetFactory = Callable[[object], Edit]


def parse_block(text: str) -> list[list[str]]:
    """Rows of cells from tab-separated text as Excel and LibreOffice put on the clipboard
    (quoted cells, CRLF line ends and the trailing line end they add)."""
    rows = list(csv.reader(io.StringIO(text.replace("\r\n", "\n")), delimiter="\t"))
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    return rows


def format_block(rows: list[list[str]]) -> str:
    return "".join("\t".join(row) + "\n" for row in rows)


class SheetView(QTableView):
    """Shows the sheet ``build(controller)`` and rebuilds it whenever the controller's state changes.

    ``reset_for(row_key)`` gives the edit that removes a scenario's override of a row (None: the
    grid has no overrides). Edits go to the controller as one undo step each; a paste or a fill
    is one step, refused whole.
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
        self.table_model = DataFrameTableModel(
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
        controller.results_changed.connect(self.refresh)
        controller.money_display_changed.connect(self.refresh)

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
        selected cell. One undo step; refused whole, naming the first bad cell."""
        block, rows = self.selected_block(), parse_block(text)
        if block is None or not rows:
            return False
        top, left, _, _ = block
        if len(rows) == 1 and len(rows[0]) == 1:
            indexes = self.selectionModel().selectedIndexes() or [self.currentIndex()]
            targets = sorted((index.row(), index.column(), rows[0][0]) for index in indexes)
        else:
            targets = [(top + i, left + j, cell) for i, row in enumerate(rows) for j, cell in enumerate(row)]
            height, width = len(rows), max(len(row) for row in rows)
            if top + height > self.table_model.rowCount() or left + width > self.table_model.columnCount():
                self._controller.report(
                    f"The pasted block ({height} × {width}) does not fit below and right of the selected cell; "
                    "nothing was pasted."
                )
                return False
        return self._submit_cells(targets, f"Paste {len(targets)} cells")

    def fill_right(self) -> bool:
        """Copy the first selected column into the other selected columns (Ctrl+R)."""
        block = self.selected_block()
        if block is None or block[1] == block[3]:
            return False
        top, left, bottom, right = block
        targets = [
            (row, column, self.table_model.index(row, left).data(Qt.ItemDataRole.EditRole))
            for row in range(top, bottom + 1)
            for column in range(left + 1, right + 1)
        ]
        return self._submit_cells(targets, f"Fill right {len(targets)} cells")

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

    def clear_selection(self) -> bool:
        """Delete: the selected cells that may be absent lose their value (an economic or tax life
        then follows the book life again), as one undo step. False when none of them may."""
        model = self.table_model
        indexes = self.selectionModel().selectedIndexes() or [self.currentIndex()]
        cells = sorted(
            {(i.row(), i.column()) for i in indexes if i.isValid() and model.is_clearable(i.row(), i.column())}
        )
        if not cells:
            return False
        edits = tuple(model.edit_at(row, column, None) for row, column in cells)
        label = model.describe_cell(*cells[0]) if len(cells) == 1 else f"{len(cells)} cells"
        return self._controller.apply(EditBlock(edits), f"Clear {label}")

    def keyPressEvent(self, event: QKeyEvent) -> None:
        deleting = event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
        if deleting and self.state() != self.State.EditingState and self.clear_selection():
            event.accept()
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------------ scenarios

    def overridden_rows(self) -> list[int]:
        indexes = self.selectionModel().selectedIndexes() or [self.currentIndex()]
        return sorted({index.row() for index in indexes if index.isValid() and index.data(MARK_ROLE) == OVERRIDDEN})

    def reset_to_base(self) -> bool:
        """Remove the selected rows' overrides, so the scenario uses the Base values again."""
        rows = self.overridden_rows()
        if self._reset_for is None or not rows:
            return False
        keys = self.table_model.sheet.values.index
        edits = tuple(self._reset_for(keys[row]) for row in rows)
        return self._controller.apply(EditBlock(edits), "Reset to Base")

    def _show_menu(self, position: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(self._action("Copy", QKeySequence.StandardKey.Copy, self.copy_selection))
        if self.table_model.sheet.edit_for is not None:
            menu.addAction(self._action("Paste", QKeySequence.StandardKey.Paste, self.paste))
            menu.addAction(self._action("Fill Right", QKeySequence("Ctrl+R"), self.fill_right))
        if self._reset_for is not None:
            reset = self._action("Reset to Base", None, self.reset_to_base)
            reset.setEnabled(bool(self.overridden_rows()))
            menu.addSeparator()
            menu.addAction(reset)
        if self.context_actions:
            menu.addSeparator()
            menu.addActions(self.context_actions)
        menu.exec(self.viewport().mapToGlobal(position))

    def _action(self, text: str, shortcut, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda: slot())
        return action
