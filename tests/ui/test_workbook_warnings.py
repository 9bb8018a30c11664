"""A workbook that contradicts itself opens with its visible cells, and the window says where."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from tests.model.test_workbook_reader import conflicted_workbook


def test_opening_a_conflicted_workbook_shows_where_and_uses_the_visible_cells(window, tmp_path):
    path = conflicted_workbook(tmp_path / "plan.xlsx")
    assert window.open_file(str(path))
    assert window.controller.model["settings"]["wacc"] == 0.1
    box = window.open_warnings
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "Model file!A" in box.informativeText() and "'settings' is not read from here" in box.informativeText()
    box.close()


def test_a_workbook_without_conflicts_opens_without_a_box(window, tmp_path):
    from model.workbook import export_workbook

    path = tmp_path / "clean.xlsx"
    export_workbook(window.controller.model, path)
    assert window.open_file(str(path))
    assert window.open_warnings is None


def test_comparing_with_a_conflicted_workbook_says_where(window, tmp_path):
    page = window.bridge_page
    assert page.compare_with_file(conflicted_workbook(tmp_path / "plan.xlsx"))
    assert page.against["settings"]["wacc"] == 0.1
    assert "'settings' is not read from here" in page.against_warnings.informativeText()
    page.against_warnings.close()


def test_starting_on_a_conflicted_workbook_shows_where(qtbot, tmp_path):
    from ui.app import create_window

    window = create_window(conflicted_workbook(tmp_path / "plan.xlsx"))
    qtbot.addWidget(window)
    assert window.controller.model["settings"]["wacc"] == 0.1
    assert "'settings' is not read from here" in window.open_warnings.informativeText()
    window.open_warnings.close()
