"""The Risk tab: runs off the GUI thread, cancels, and shows what model.risk computes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from model import risk
from model.edits import SetSetting
from ui.formatting import format_cell
from ui.risk_panel import RiskPanel


@pytest.fixture
def panel(window):
    found = window.findChild(RiskPanel)
    window.analysis_tabs.setCurrentWidget(found)
    yield found
    found.stop_run()


def run_to_end(qtbot, panel, trials: int, seed: int) -> None:
    panel.trials_field.setValue(trials)
    panel.seed_field.setValue(seed)
    with qtbot.waitSignal(panel.run_finished, timeout=60_000):
        assert panel.run_monte_carlo()
    qtbot.waitUntil(lambda: not panel.is_running)


def test_the_panel_shows_the_numbers_of_model_risk(qtbot, panel, controller):
    run_to_end(qtbot, panel, 3_000, 17)
    expected = risk.monte_carlo(controller.model, controller.scenario, trials=3_000, seed=17)
    assert panel.last_run.to_json() == expected.to_json()
    money = controller.money
    for column, statistic in enumerate(risk.STATISTICS):
        npv_cell = panel.stats_model.index(0, column).data()
        irr_cell = panel.stats_model.index(1, column).data()
        assert npv_cell == format_cell(expected.statistics.loc["npv", statistic], "money", money)
        assert irr_cell == format_cell(expected.statistics.loc["irr", statistic], "%", money)
    assert f"P(NPV > 0) = {format_cell(expected.prob_npv_positive, '%', money)}" in panel.summary.text()
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled()


def test_cancel_stops_a_run_and_leaves_the_window_usable(qtbot, panel, controller):
    panel.trials_field.setValue(1_000_000)
    with qtbot.waitSignal(panel.progress.valueChanged, timeout=30_000):
        assert panel.run_monte_carlo()
    assert panel.is_running and panel.cancel_button.isEnabled()
    assert not panel.run_monte_carlo()  # one run at a time
    qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.is_running, timeout=30_000)
    assert panel.last_run is None
    assert panel.summary.text().startswith("Cancelled")
    assert panel.progress.value() == 0
    # The window still takes edits, and a new run completes.
    assert controller.apply(SetSetting("wacc", 0.11), "Edit WACC")
    run_to_end(qtbot, panel, 1_000, 1)
    assert panel.last_run.trials == 1_000


def test_the_tornado_follows_every_edit(panel, controller):
    panel.tabs.setCurrentWidget(panel.tornado_chart.parentWidget())
    assert panel.last_tornado.to_json() == risk.tornado(controller.model).to_json()
    assert controller.apply(SetSetting("ai_revenue_yield", 0.7), "Edit yield")
    assert panel.last_tornado.base_npv == pytest.approx(controller.results.kpis["npv"], rel=1e-12)
    controller.undo_stack.undo()
    assert panel.last_tornado.base_npv == pytest.approx(controller.results.kpis["npv"], rel=1e-12)


def test_a_hidden_tornado_waits_until_it_is_shown(window, panel, controller):
    assert panel.last_tornado is None  # its tab has never been in front
    panel.tabs.setCurrentWidget(panel.tornado_chart.parentWidget())
    shown = panel.last_tornado
    window.analysis_tabs.setCurrentWidget(window.charts)
    assert controller.apply(SetSetting("wacc", 0.11), "Edit WACC")
    assert panel.last_tornado is shown and panel.tornado_refresher.stale
    window.analysis_tabs.setCurrentWidget(panel)
    assert panel.last_tornado.base_npv == pytest.approx(controller.results.kpis["npv"], rel=1e-12)
    assert not panel.tornado_refresher.stale


def test_hidden_charts_catch_up_when_shown(window, panel, controller):
    assert controller.apply(SetSetting("wacc", 0.12), "Edit WACC")
    assert window.charts.returns.refresher.stale
    window.analysis_tabs.setCurrentWidget(window.charts)
    assert window.charts.returns.wacc.value() == pytest.approx(12.0)


def test_grid_and_breakeven_match_model_risk(panel, controller):
    panel.grid_metric.setCurrentText("irr")
    assert panel.compute_grid()
    x = ("settings.wacc", [float(v) for v in panel.grid_x_values.text().split(",")])
    y = ("settings.ai_revenue_yield", [float(v) for v in panel.grid_y_values.text().split(",")])
    expected = risk.grid(controller.model, x, y, "irr")
    assert panel.last_grid.table.equals(expected.table)
    assert panel.grid_table.item(2, 2).text() == format_cell(expected.table.iat[2, 2], "%", controller.money)

    assert panel.find_breakeven()
    low, high = (float(v) for v in panel.breakeven_range.text().split(","))
    answer = risk.breakeven(controller.model, "settings.ai_revenue_yield", "npv", 0.0, low, high)
    assert panel.last_breakeven.value == answer.value
    assert f"{answer.value:.6g}" in panel.breakeven_answer.text()
    panel.breakeven_range.setText("0.1,0.2")
    assert panel.find_breakeven()
    assert "not reachable in this range" in panel.breakeven_answer.text()
    panel.breakeven_range.setText("oops")
    assert not panel.find_breakeven()


def test_uncertain_inputs_are_edited_with_validation_and_undo(qtbot, panel, controller):
    table = panel.inputs_view.table_model
    rows = list(table.sheet.values.index)
    wacc, high = rows.index("settings.wacc"), list(table.sheet.values.columns).index("high")
    assert table.setData(table.index(wacc, high), "12%")
    assert controller.model["uncertainty"]["inputs"][wacc]["high"] == pytest.approx(0.12)
    assert table.index(wacc, high).data() == "12.0%"
    with qtbot.waitSignal(controller.error_reported) as refused:
        assert not table.setData(table.index(wacc, high), "5%")  # below the mode
    assert "uncertainty.inputs" in refused.args[0]
    controller.undo_stack.undo()
    assert controller.model["uncertainty"]["inputs"][wacc]["high"] == pytest.approx(0.11)

    assert table.setData(table.index(wacc, 0), "normal")
    entry = controller.model["uncertainty"]["inputs"][wacc]
    assert entry["dist"] == "normal" and entry["mean"] == pytest.approx(0.10)
    controller.undo_stack.undo()
    assert controller.model["uncertainty"]["inputs"][wacc]["dist"] == "triangular"
