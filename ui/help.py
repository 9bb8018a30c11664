"""The Help menu: every keyboard shortcut (read from the window's own actions, so the list cannot
go stale), the user guide shipped with the workbench (shown inside it: a fresh install may have
no browser) and About (versions of the workbench, its model format and the libraries it runs on)."""

from __future__ import annotations

import platform

import numpy
import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMainWindow,
    QMenu,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from model.schema import FORMAT, VERSION, VERSIONS
from resources import user_guide_path
from ui.grid_view import SheetView

APPLICATION = "Capex Workbench"
DISTRIBUTION = "capex-workbench"
IN_A_TABLE = "In a table"


def add_help_menu(window: QMainWindow) -> QMenu:
    """Help > Keyboard Shortcuts, User Guide (F1) and About, last on the window's menu bar."""
    menu = window.menuBar().addMenu("&Help")
    for text, slot, shortcut in (
        ("&Keyboard Shortcuts", lambda: ShortcutsDialog(window).open(), None),
        ("&User Guide", lambda: UserGuideDialog(window).open(), QKeySequence.StandardKey.HelpContents),
        (f"&About {APPLICATION}", lambda: AboutDialog(window).open(), None),
    ):
        action = QAction(text, window)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
    return menu


def shortcut_rows(window: QMainWindow) -> list[tuple[str, str, str]]:
    """(keys, what they do, where) for every action of the window that has a shortcut: its menus'
    actions, then the keys of its tables."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, where: str) -> None:
        for action in menu.actions():
            if action.menu() is not None:
                walk(action.menu(), f"{where} > {plain(action.menu().title())}")
            elif action.shortcuts():
                rows.append((keys_text(action), plain(action.iconText()), where))

    for action in window.menuBar().actions():
        if action.menu() is not None:
            walk(action.menu(), plain(action.menu().title()))
    tables = window.findChildren(SheetView)
    if tables:
        # Every table has the same keys; an editable one has them all.
        table = max(tables, key=lambda view: len(view.key_actions))
        rows.extend((keys_text(action), action.text(), IN_A_TABLE) for action in table.key_actions)
    return rows


def plain(text: str) -> str:
    """Menu text without its mnemonic marks ("&Edit" is "Edit", "&&" is "&")."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def keys_text(action: QAction) -> str:
    """The action's keys as this platform writes them."""
    return ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts())


class ShortcutsDialog(QDialog):
    """Every keyboard shortcut of the window in one table: keys, what they do, where."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Keys", "Does", "Where"])
        for row, cells in enumerate(rows):
            for column, text in enumerate(cells):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        note = QLabel(
            "In a table, typing replaces the cell, Enter commits and Esc cancels; Tab moves on. "
            "The Edit menu's keys work on the table that has the keyboard."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(close_buttons(self))
        self.resize(720, 760)


class UserGuideDialog(QDialog):
    """The user guide, read-only, from the file that ships with the workbench."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"{APPLICATION} — User Guide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setMarkdown(user_guide_path().read_text(encoding="utf-8"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(close_buttons(self))
        self.resize(820, 760)


def about_text() -> str:
    """The versions a bug report needs: the workbench, its model format and its libraries."""
    # Imported here: importlib.metadata would add about 60 ms to the window's start-up.
    from importlib.metadata import PackageNotFoundError, version

    try:
        own = version(DISTRIBUTION)
    except PackageNotFoundError:
        own = "not installed (run from its source folder)"
    readable = ", ".join(str(v) for v in VERSIONS)
    return (
        f"<h3>{APPLICATION} {own}</h3>"
        "<p>Models a capital expenditure plan and its returns, live.</p>"
        "<table>"
        f"<tr><td>Model files</td><td>&nbsp;{FORMAT} version {VERSION} (opens versions {readable})</td></tr>"
        f"<tr><td>Python</td><td>&nbsp;{platform.python_version()}</td></tr>"
        f"<tr><td>Qt</td><td>&nbsp;{qVersion()}</td></tr>"
        f"<tr><td>PySide6</td><td>&nbsp;{PySide6.__version__}</td></tr>"
        f"<tr><td>numpy</td><td>&nbsp;{numpy.__version__}</td></tr>"
        f"<tr><td>System</td><td>&nbsp;{platform.system()} {platform.release()}</td></tr>"
        "</table>"
    )


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"About {APPLICATION}")
        self.text = QLabel(about_text())
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)  # to paste into a report
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(close_buttons(self))


def close_buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
    buttons.rejected.connect(dialog.reject)
    return buttons
