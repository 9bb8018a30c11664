"""Adding and removing uncertain inputs on the Risk tab's Uncertain inputs page: one undo step
each, a model without an uncertainty section gets one that runs, correlations go with an input."""

from __future__ import annotations

import copy
import json

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from model import risk
from model.risk.defaults import default_input
from model.risk.targets import moves_returns, target_label, target_paths
from tests.conftest import BUNDLED_MODEL_PATH
from tests.ui.helpers import run_monte_carlo
from ui.risk.inputs_page import AddInputDialog


@pytest.fixture
def page(window):
    window.analysis_tabs.setCurrentWidget(window.risk_panel)
    window.risk_panel.tabs.setCurrentWidget(window.risk_panel.inputs_page)
    yield window.risk_panel.inputs_page
    window.risk_panel.stop_run()


def held(controller) -> list[str]:
    return [entry["target"] for entry in (controller.model["uncertainty"] or {"inputs": []})["inputs"]]


def test_the_dialog_lists_every_allowed_target_not_yet_uncertain(page, controller, qtbot):
    dialog = AddInputDialog(controller, page)
    qtbot.addWidget(dialog)
    listed = [item.data(0, Qt.ItemDataRole.UserRole) for item in dialog._items()]
    allowed = target_paths(controller.model)
    assert listed == [path for path in allowed if path not in held(controller) and moves_returns(path)]
    assert "settings.exit_multiple" in listed and "settings.wacc" not in listed  # WACC is uncertain already
    # The share count and the exchange rate move no return: an analysis may target them, the list does not offer them.
    assert {"settings.shares_outstanding", "settings.fx_rmb_per_usd"} <= set(allowed) - set(listed)
    add = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not add.isEnabled()  # nothing chosen yet
    dialog.find_field.setText("book life")
    shown = [item.data(0, Qt.ItemDataRole.UserRole) for item in dialog._items() if not item.isHidden()]
    assert shown and all(path.startswith("life.") for path in shown)
    dialog.select(["life.Network equipment"])
    assert add.isEnabled() and dialog.chosen() == ["life.Network equipment"]


def test_add_through_the_dialog_is_one_undo_step_that_undo_restores_exactly(page, controller, qtbot):
    before = copy.deepcopy(controller.model)
    steps = controller.undo_stack.count()

    def choose_and_add():
        dialog = QApplication.activeModalWidget()
        dialog.select(["settings.exit_multiple"])
        dialog.accept()

    QTimer.singleShot(0, choose_and_add)
    assert page.add_input()
    assert controller.undo_stack.count() == steps + 1
    assert controller.undo_stack.undoText() == "Add uncertain input Exit multiple of plan EBITA"
    added = controller.model["uncertainty"]["inputs"][-1]
    # Hand-checked: an exit multiple of 12.0x starts as triangular 10.8 / 12.0 / 13.2.
    assert added == {"target": "settings.exit_multiple", "dist": "triangular", "apply": "set"} | {
        "low": 10.8,
        "mode": 12.0,
        "high": 13.2,
    }
    view = page.inputs_view
    assert view.selected_targets() == ["settings.exit_multiple"]  # ready to edit
    controller.undo_stack.undo()
    assert controller.model == before
    controller.undo_stack.redo()
    assert held(controller)[-1] == "settings.exit_multiple"


def test_cancelling_the_dialog_changes_nothing(page, controller):
    steps = controller.undo_stack.count()
    QTimer.singleShot(0, lambda: QApplication.activeModalWidget().reject())
    assert not page.add_input()
    assert controller.undo_stack.count() == steps


def test_adding_several_is_one_step_and_wacc_starts_at_9_10_11_percent(page, controller, qtbot):
    targets = held(controller)
    assert page.remove_inputs(["settings.wacc"])
    assert page.add_inputs(["settings.wacc", "capex.Network equipment"])
    assert controller.undo_stack.undoText() == "Add 2 uncertain inputs"
    wacc, capex = controller.model["uncertainty"]["inputs"][-2:]
    assert (wacc["dist"], wacc["low"], wacc["mode"], wacc["high"]) == ("triangular", 0.09, 0.1, 0.11)
    assert capex == {
        "target": "capex.Network equipment",
        "dist": "lognormal",
        "apply": "scale",
        "mu": 0.0,
        "sigma": 0.1,
    }
    assert set(page.inputs_view.selected_targets()) == {"settings.wacc", "capex.Network equipment"}
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert held(controller) == targets


def test_a_refused_add_says_why_and_changes_nothing(page, controller, qtbot):
    before, steps = copy.deepcopy(controller.model), controller.undo_stack.count()
    with qtbot.waitSignal(controller.error_reported) as refused:
        assert not page.add_inputs(["settings.wacc"])  # uncertain already
    assert "settings.wacc" in refused.args[0] and "already an uncertain input" in refused.args[0]
    assert controller.model == before and controller.undo_stack.count() == steps


@pytest.fixture
def bare_window(qtbot, tmp_path):
    """A window on the bundled model without its uncertainty section (nor the notes explaining it)."""
    from ui.app import create_window

    doc = json.loads(BUNDLED_MODEL_PATH.read_text(encoding="utf-8"))
    del doc["uncertainty"]
    doc["sources"] = {key: note for key, note in doc["sources"].items() if not key.startswith("uncertainty.")}
    path = tmp_path / "no_uncertainty.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    window = create_window(path)
    window.show()
    qtbot.waitExposed(window)
    window.analysis_tabs.setCurrentWidget(window.risk_panel)
    yield window
    window.risk_panel.stop_run()
    window.controller.undo_stack.setClean()
    window.close()
    window.deleteLater()


def test_the_first_input_creates_a_section_that_runs_a_monte_carlo(bare_window, qtbot):
    controller, panel = bare_window.controller, bare_window.risk_panel
    monte_carlo, page = panel.monte_carlo_page, panel.inputs_page
    assert controller.model["uncertainty"] is None
    assert not monte_carlo.run_monte_carlo()
    assert "add one on the Uncertain inputs page (Add input…)" in monte_carlo.summary.text()
    assert "Add input" in page.correlations.text()
    assert not page.remove_button.isEnabled()

    assert page.add_inputs(["settings.wacc"])
    assert controller.undo_stack.undoText() == "Add uncertain input Discount rate (WACC)"
    section = controller.model["uncertainty"]
    # The trials, seed and sampler a file without them gets (docs/model.md section 8).
    assert (section["trials"], section["seed"], section["sampler"]) == (10000, 0, "lhs")
    assert section["inputs"] == [default_input(controller.model, "settings.wacc")]
    assert (monte_carlo.trials_field.value(), monte_carlo.seed_field.value()) == (10000, 0)
    assert page.remove_button.isEnabled()

    run_monte_carlo(qtbot, monte_carlo, 400, 5)
    expected = risk.monte_carlo(controller.model, controller.scenario, trials=400, seed=5)
    assert monte_carlo.last_run.to_json() == expected.to_json()
    assert expected.statistics.loc["npv", "sd"] > 0  # the new input moves the NPV

    controller.undo_stack.undo()
    assert controller.model["uncertainty"] is None


def test_an_input_the_calibration_solves_away_runs_and_draws_one_bar(bare_window, qtbot):
    """The bundled model pins revenue by calibrating the AI revenue yield, so shifting utilization
    alone leaves the NPV the same up to rounding noise: the run still ends and draws one bar."""
    panel = bare_window.risk_panel
    assert panel.inputs_page.add_inputs(["drivers.utilization"])
    monte_carlo = panel.monte_carlo_page
    run_monte_carlo(qtbot, monte_carlo, 300)
    npv = monte_carlo.last_run.statistics.loc["npv"]
    assert 0 <= npv["sd"] < 1e-9 * abs(npv["mean"])  # constant but for rounding
    counts = monte_carlo.npv_histogram._counts
    assert list(counts) == [300]


def test_remove_takes_the_input_its_correlations_and_its_note_in_one_step(page, controller):
    before = copy.deepcopy(controller.model)
    first, _, _ = before["uncertainty"]["correlations"][0]
    view = page.inputs_view
    view.selectRow(held(controller).index(first))
    assert view.selected_targets() == [first]
    page.remove_button.click()
    assert first not in held(controller)
    assert all(first not in pair[:2] for pair in controller.model["uncertainty"]["correlations"])
    assert f"uncertainty.{first}" not in controller.model["sources"]
    assert controller.undo_stack.undoText() == f"Remove uncertain input {target_label(first)}"
    controller.undo_stack.undo()
    assert controller.model == before


def test_delete_on_whole_rows_removes_them_and_on_a_cell_keeps_its_meaning(window, page, controller, qtbot):
    view, before = page.inputs_view, copy.deepcopy(controller.model)
    window.activateWindow()
    qtbot.waitActive(window)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    targets = held(controller)
    # Delete on a parameter cell: the grid's own rule (a parameter cannot be empty), nothing removed.
    row = targets.index("drivers.utilization")
    view.setCurrentIndex(view.table_model.index(row, 3))
    with qtbot.waitSignal(controller.error_reported) as refused:
        assert not view.clear_selection()
    assert "cannot be empty" in refused.args[0] and controller.model == before
    # Delete on two whole rows: both removed, one undo step.
    view.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in (0, 2):
        view.selectionModel().select(view.table_model.index(row, 0), flags)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert held(controller) == [t for i, t in enumerate(targets) if i not in (0, 2)]
    assert controller.undo_stack.undoText() == "Remove 2 uncertain inputs"
    controller.undo_stack.undo()
    assert controller.model == before


def test_removing_the_last_input_leaves_a_valid_empty_section(window, page, controller):
    before = copy.deepcopy(controller.model)
    page.inputs_view.selectAll()
    count = len(held(controller))
    assert {page.add_action, page.remove_action} <= set(page.inputs_view.context_actions)  # right-click
    page.remove_action.trigger()
    assert controller.undo_stack.undoText() == f"Remove {count} uncertain inputs"
    section = controller.model["uncertainty"]
    assert section["inputs"] == [] and section["correlations"] == []
    assert section["seed"] == before["uncertainty"]["seed"]  # the analyst's run settings stay
    assert not page.remove_button.isEnabled() and not page.remove_action.isEnabled()
    assert "Add input" in page.correlations.text()
    assert risk.tornado(controller.model).basis == "0.9x/1.1x"  # as without a section
    assert not window.risk_panel.monte_carlo_page.run_monte_carlo()
    assert "Add input" in window.risk_panel.monte_carlo_page.summary.text()
    controller.undo_stack.undo()
    assert controller.model == before
