"""File > Export to Excel (Ctrl+E) writes the selected scenario and the analyses on screen, on a
worker thread with progress and Cancel; a failure is shown as a message on the GUI thread."""

from __future__ import annotations

import threading

import numpy as np
import openpyxl
import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from model.edits import SetSetting
from model.workbook import SHEETS, read_workbook
from tests.ui.helpers import run_monte_carlo
from ui.bridge.page import State
from ui.export import ExportRun

EXPORT_TIMEOUT_MS = 60_000


def choose(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(path), "Excel workbooks"))


def export(qtbot, window, expect_written: bool = True) -> None:
    """Trigger File > Export and wait for the worker to finish."""
    with qtbot.waitSignal(window.export_finished, timeout=EXPORT_TIMEOUT_MS) as finished:
        window.export_action.trigger()
    assert finished.args == [expect_written]


def test_export_writes_the_selected_scenario(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "bull.xlsx"
    window.controller.set_scenario("Bull")
    choose(monkeypatch, target)
    assert window.export_action.shortcut() == QKeySequence("Ctrl+E")
    assert window.export_action in window.file_menu.actions()

    export(qtbot, window)

    book = openpyxl.load_workbook(target)
    assert book["Summary"]["B2"].value == "Bull"  # the named cell "scenario"
    assert f"Exported Bull to {target}" in window.statusBar().currentMessage()


@pytest.mark.slow
def test_a_failed_export_is_shown_in_a_message(qtbot, window, tmp_path, monkeypatch):
    shown = []
    choose(monkeypatch, tmp_path / "missing" / "plan.xlsx")
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append((title, text)))

    export(qtbot, window, expect_written=False)

    assert shown and shown[0][0] == "Cannot export the workbook"
    assert "does not exist" in shown[0][1]


@pytest.mark.slow
def test_cancelling_the_dialog_writes_nothing(window, tmp_path, monkeypatch):
    choose(monkeypatch, "")
    assert window.export_to_excel() is False
    assert not list(tmp_path.glob("*.xlsx"))


@pytest.mark.slow
def test_an_exported_workbook_opens_and_is_saved_as_a_model_file(qtbot, window, tmp_path, monkeypatch):
    workbook = tmp_path / "plan.xlsx"
    choose(monkeypatch, workbook)
    export(qtbot, window)
    model = window.controller.model

    assert window.open_file(str(workbook))
    assert window.controller.model == model
    saved_as = []
    monkeypatch.setattr(window, "save_as", lambda: saved_as.append(True) or True)
    window.save()
    assert saved_as  # never JSON written over the workbook


# --------------------------------------------------------------------------- the analyses on screen


def test_without_analyses_run_the_workbook_has_only_the_model_sheets(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    choose(monkeypatch, target)
    export(qtbot, window)
    assert openpyxl.load_workbook(target).sheetnames == list(SHEETS)


def test_the_analyses_on_screen_are_exported_as_they_were_run(qtbot, window, tmp_path, monkeypatch):
    run = run_monte_carlo(qtbot, window.risk_panel.monte_carlo_page, trials=600, seed=4242)
    risk = window.risk_panel
    risk.grid_page.grid_x_values.setText("8%,10%")
    assert risk.grid_page.compute_grid()
    assert risk.breakeven_page.find_breakeven()
    window.analysis_tabs.setCurrentWidget(window.bridge_page)
    window.bridge_page.set_states("Base", State("Bull"))
    window.analysis_tabs.setCurrentWidget(risk)
    risk.tabs.setCurrentWidget(risk.tornado_page)
    target = tmp_path / "plan.xlsx"
    choose(monkeypatch, target)

    export(qtbot, window)

    book = openpyxl.load_workbook(target, data_only=True)
    assert book.sheetnames[-7:] == ["Model file", "Monte Carlo", "Tornado", "Grid", "Breakeven", "Bridge", "Trials"]
    monte_carlo = book["Monte Carlo"]
    labels = {row[0].value: row[2].value for row in monte_carlo.iter_rows(min_row=4, max_row=12, max_col=3)}
    assert labels["Seed"] == 4242 and labels["Trials"] == 600
    trials = book["Trials"]
    rows = np.array(
        [[cell.value for cell in row] for row in trials.iter_rows(min_row=5, values_only=False)], dtype=object
    )
    assert rows[:, 0].tolist() == run.samples.index.tolist()
    npv_column = 1 + list(run.samples.columns).index("npv")
    np.testing.assert_array_equal(rows[:, npv_column].astype(float), run.samples["npv"].to_numpy())
    grid = book["Grid"]
    assert [grid.cell(9, 3).value, grid.cell(9, 4).value] == [0.08, 0.1]  # the axis typed on the page
    assert book["Bridge"]["A1"].value == "Bridge of NPV: Base → Bull"
    assert window.statusBar().currentMessage() == (
        f"Exported Base to {target} with the Monte Carlo, tornado, two-way grid, breakeven, bridge"
    )


def test_a_run_made_before_an_edit_is_left_out_and_the_status_says_so(qtbot, window, tmp_path, monkeypatch):
    risk = window.risk_panel
    assert risk.grid_page.compute_grid()
    assert window.controller.apply(SetSetting("wacc", 0.11), "Edit WACC")
    assert risk.breakeven_page.find_breakeven()  # after the edit: current
    target = tmp_path / "plan.xlsx"
    choose(monkeypatch, target)

    export(qtbot, window)

    names = openpyxl.load_workbook(target).sheetnames
    assert "Breakeven" in names and "Grid" not in names
    assert "left out, as the model changed after they were run: two-way grid" in window.statusBar().currentMessage()


def test_the_window_is_free_while_the_workbook_is_built(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    choose(monkeypatch, target)
    with qtbot.waitSignal(window.export_finished, timeout=EXPORT_TIMEOUT_MS):
        assert window.export_to_excel()
        # Back on the GUI thread before the workbook exists: the build runs on a worker.
        assert not target.exists()
        assert isinstance(window.export_run, ExportRun) and window.export_run.thread.isRunning()
        assert window.export_run.dialog.minimumDuration() == 500  # shown only if it takes longer
        assert not window.export_to_excel()  # one export at a time
    assert target.exists() and window.export_run is None


def test_cancel_abandons_the_export_and_writes_nothing(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    choose(monkeypatch, target)
    with qtbot.waitSignal(window.export_finished, timeout=EXPORT_TIMEOUT_MS) as finished:
        assert window.export_to_excel()
        window.export_run.dialog.findChild(QPushButton).click()  # the progress dialog's Cancel
    assert finished.args == [False]
    assert not target.exists()
    assert "Export cancelled" in window.statusBar().currentMessage()


def test_progress_is_reported_and_cancel_stops_between_sheets(qtbot, window, tmp_path, monkeypatch):
    run_monte_carlo(qtbot, window.risk_panel.monte_carlo_page, trials=300, seed=1)
    target = tmp_path / "plan.xlsx"
    choose(monkeypatch, target)
    steps = []

    def cancel_at_first_step(done: int, total: int) -> None:
        steps.append((done, total))
        window.export_run.cancel()

    with qtbot.waitSignal(window.export_finished, timeout=EXPORT_TIMEOUT_MS) as finished:
        assert window.export_to_excel()
        window.export_run.worker.progressed.connect(cancel_at_first_step)
    assert finished.args == [False] and not target.exists()
    assert steps and steps[0][1] > 1


def test_an_unexpected_failure_on_the_worker_is_a_message_on_the_gui_thread(qtbot, window, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("model.workbook.workbook_bytes", broken)  # imported by the worker when it runs
    shown = []
    monkeypatch.setattr(
        QMessageBox,
        "warning",
        lambda parent, title, text: shown.append((title, text, threading.current_thread() is threading.main_thread())),
    )
    choose(monkeypatch, tmp_path / "plan.xlsx")

    export(qtbot, window, expect_written=False)

    assert len(shown) == 1
    title, text, on_gui_thread = shown[0]
    assert title == "Cannot export the workbook" and "disk on fire" in text and on_gui_thread
    assert not (tmp_path / "plan.xlsx").exists()


def test_a_monte_carlo_started_before_an_edit_is_left_out(qtbot, window, tmp_path, monkeypatch):
    page = window.risk_panel.monte_carlo_page
    page.trials_field.setValue(3_000)
    with qtbot.waitSignal(page.run_finished, timeout=EXPORT_TIMEOUT_MS):
        assert page.run_monte_carlo()
        assert window.controller.apply(SetSetting("wacc", 0.11), "Edit WACC")  # while it runs
    qtbot.waitUntil(lambda: not page.is_running)
    target = tmp_path / "plan.xlsx"
    choose(monkeypatch, target)

    export(qtbot, window)

    assert "Monte Carlo" not in openpyxl.load_workbook(target).sheetnames
    assert "Monte Carlo" in window.statusBar().currentMessage()


def test_edits_made_while_the_workbook_is_built_are_named_as_not_in_it(qtbot, window, tmp_path, monkeypatch):
    controller = window.controller
    wacc = controller.model["settings"]["wacc"]
    target = tmp_path / "plan.xlsx"
    choose(monkeypatch, target)
    with qtbot.waitSignal(window.export_finished, timeout=EXPORT_TIMEOUT_MS) as finished:
        assert window.export_to_excel()
        assert controller.apply(SetSetting("wacc", 0.11), "Edit WACC")  # while the worker builds
    assert finished.args == [True]
    message = window.statusBar().currentMessage()
    assert f"Exported Base to {target}" in message
    assert "it holds the model as it was when Export was chosen: later edits are not in it" in message
    assert read_workbook(target)["settings"]["wacc"] == wacc  # the WACC when Export was chosen

    # Undone before the export ends: the workbook is the model again, nothing to warn about.
    with qtbot.waitSignal(window.export_finished, timeout=EXPORT_TIMEOUT_MS):
        assert window.export_to_excel()
        assert controller.apply(SetSetting("wacc", 0.12), "Edit WACC")
        controller.undo_stack.undo()
    assert "later edits" not in window.statusBar().currentMessage()
