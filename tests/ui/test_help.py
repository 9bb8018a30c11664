"""The Help menu (shortcuts read from the actions, the user guide shipped with the workbench,
About) and where the file dialogs start."""

from __future__ import annotations

import fnmatch
import platform
import tomllib
from importlib.metadata import version
from pathlib import Path

import numpy
import PySide6
from PySide6.QtCore import QStandardPaths, qVersion
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from resources import user_guide_path
from ui.help import IN_A_TABLE, AboutDialog, ShortcutsDialog, UserGuideDialog, keys_text, plain, shortcut_rows

ROOT = Path(__file__).resolve().parents[2]


def help_action(window, name):
    return next(action for action in window.help_menu.actions() if plain(action.text()).startswith(name))


def test_help_is_the_last_menu(window):
    menus = [plain(action.text()) for action in window.menuBar().actions()]
    assert menus[-1] == "Help"
    assert [plain(action.text()) for action in window.help_menu.actions()] == [
        "Keyboard Shortcuts",
        "User Guide",
        "About Capex Workbench",
    ]


def test_shortcuts_are_read_from_the_actions_themselves(window):
    rows = shortcut_rows(window)
    assert (keys_text(window.export_action), "Export to Excel", "File") in rows
    assert (keys_text(window.fill_right_action), "Fill Right", "Edit") in rows
    assert ("Ctrl+D", "Fill Down", IN_A_TABLE) in rows
    assert ("Ctrl+Shift+Right", "Select right to the edge of the data", IN_A_TABLE) in rows
    assert ("Ctrl+PgDown", "Next view (tab)", IN_A_TABLE) in rows
    # Every action of the menus with a shortcut is listed, and nothing else from the menus.
    listed = {(keys, text) for keys, text, where in rows if where != IN_A_TABLE}
    in_menus = {
        (keys_text(action), plain(action.iconText()))
        for menu_action in window.menuBar().actions()
        for action in menu_action.menu().actions()
        if action.shortcuts()
    }
    assert listed == in_menus
    # A new action is listed as soon as it exists: the list cannot go stale.
    extra = QAction("Something new", window)
    extra.setShortcut(QKeySequence("Ctrl+Alt+J"))
    window.help_menu.addAction(extra)
    assert ("Ctrl+Alt+J", "Something new", "Help") in shortcut_rows(window)


def test_the_shortcuts_dialog_shows_every_row(window, qtbot):
    help_action(window, "Keyboard Shortcuts").trigger()
    dialog = window.findChild(ShortcutsDialog)
    qtbot.waitExposed(dialog)
    rows = shortcut_rows(window)
    table = dialog.table
    assert table.rowCount() == len(rows)
    shown = [tuple(table.item(row, column).text() for column in range(3)) for row in range(table.rowCount())]
    assert shown == rows
    assert not any(keys == "" for keys, _, _ in shown)
    dialog.close()


def test_the_user_guide_opens_inside_the_workbench(window, qtbot):
    action = help_action(window, "User Guide")
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.HelpContents)
    action.trigger()
    dialog = window.findChild(UserGuideDialog)
    qtbot.waitExposed(dialog)
    text = dialog.browser.toPlainText()
    assert text.startswith("Capex Workbench: user guide")
    assert "Scale suffixes." in text and "500m" in text
    assert dialog.browser.isReadOnly()
    dialog.close()


def test_the_user_guide_is_package_data():
    """``pip install .`` ships the guide: it matches a package-data pattern of its package."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["package-data"]["resources"]
    relative = user_guide_path().relative_to(ROOT / "resources").as_posix()
    assert user_guide_path().is_file()
    assert any(fnmatch.fnmatch(relative, pattern) for pattern in patterns)


def test_about_names_every_version(window, qtbot):
    help_action(window, "About").trigger()
    dialog = window.findChild(AboutDialog)
    qtbot.waitExposed(dialog)
    text = dialog.text.text()
    for expected in (
        f"Capex Workbench {version('capex-workbench')}",
        "capex-model version 2 (opens versions 1, 2)",
        f"Python</td><td>&nbsp;{platform.python_version()}",
        f"Qt</td><td>&nbsp;{qVersion()}",
        f"PySide6</td><td>&nbsp;{PySide6.__version__}",
        f"numpy</td><td>&nbsp;{numpy.__version__}",
    ):
        assert expected in text
    dialog.close()


def test_file_dialogs_start_in_the_last_folder_used_else_documents(window, monkeypatch, tmp_path):
    documents = tmp_path / "Documents"
    documents.mkdir()
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda location: str(documents))
    asked: list[str] = []

    def cancelled(_parent, _title, start, _filter):
        asked.append(start)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", cancelled)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancelled)
    window.open_file()
    window.export_to_excel()
    assert Path(asked[0]) == documents
    assert Path(asked[1]).parent == documents and asked[1].endswith(".xlsx")
    elsewhere = tmp_path / "reports"
    elsewhere.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args: (str(elsewhere / "plan.json"), ""))
    assert window.save_as()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancelled)
    window.open_file()
    window.export_to_excel()
    window.save_as()
    window.bridge_page.compare_with_file()
    assert Path(asked[2]) == elsewhere
    assert Path(asked[3]).parent == elsewhere
    assert Path(asked[4]) == elsewhere / "plan.json"
    assert Path(asked[5]) == elsewhere
