"""File > Export to Excel (Ctrl+E) writes the selected scenario; a failure is shown, not raised."""

from __future__ import annotations

import openpyxl
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox


def choose(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), "Excel workbooks"))


def test_export_writes_the_selected_scenario(window, tmp_path, monkeypatch):
    target = tmp_path / "bull.xlsx"
    window.controller.set_scenario("Bull")
    choose(monkeypatch, target)
    assert window.export_action.shortcut() == QKeySequence("Ctrl+E")
    assert window.export_action in window.file_menu.actions()

    window.export_action.trigger()

    book = openpyxl.load_workbook(target)
    assert book["Summary"]["B2"].value == "Bull"  # the named cell "scenario"
    assert f"Exported Bull to {target}" in window.statusBar().currentMessage()


def test_a_failed_export_is_shown_in_a_message(window, tmp_path, monkeypatch):
    shown = []
    choose(monkeypatch, tmp_path / "missing" / "plan.xlsx")
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))

    window.export_action.trigger()

    assert shown and shown[0][0] == "Cannot export the workbook"
    assert "does not exist" in shown[0][1]


def test_cancelling_the_dialog_writes_nothing(window, tmp_path, monkeypatch):
    choose(monkeypatch, "")
    assert window.export_to_excel() is False
    assert not list(tmp_path.glob("*.xlsx"))


def test_an_exported_workbook_opens_and_is_saved_as_a_model_file(window, tmp_path, monkeypatch):
    workbook = tmp_path / "plan.xlsx"
    choose(monkeypatch, workbook)
    window.export_action.trigger()
    model = window.controller.model

    assert window.open_file(str(workbook))
    assert window.controller.model == model
    saved_as = []
    monkeypatch.setattr(window, "save_as", lambda: saved_as.append(True) or True)
    window.save()
    assert saved_as  # never JSON written over the workbook
