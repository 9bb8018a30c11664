"""The Risk tab: runs off the GUI thread, cancels, and shows what model.risk computes."""

from __future__ import annotations

import copy
from html import escape

import numpy as np
import pytest
from PySide6.QtCore import Qt

from model import risk
from model.edits import SetSetting, SetUncertainty
from tests.ui.helpers import run_monte_carlo
from ui.formatting import format_cell
from ui.risk.charts import BINS
from ui.risk.panel import RiskPanel


@pytest.fixture
def panel(window):
    found = window.findChild(RiskPanel)
    window.analysis_tabs.setCurrentWidget(found)
    yield found
    found.stop_run()


def test_the_pages_are_built_when_the_tab_is_first_shown(window, controller):
    risk = window.risk_panel
    assert not risk.is_built and risk.tabs.count() == 0  # not at start-up, nor by an edit
    assert controller.apply(SetSetting("wacc", 0.09), "Edit WACC")
    assert not risk.is_built
    window.analysis_tabs.setCurrentWidget(risk)
    assert risk.is_built and risk.tabs.count() == 5
    assert risk.tabs.currentWidget() is risk.monte_carlo_page
    assert risk.pages() is risk.pages()  # built once


@pytest.mark.slow
def test_the_panel_shows_the_numbers_of_model_risk(qtbot, panel, controller):
    run_monte_carlo(qtbot, panel.monte_carlo_page, 3_000, 17)
    expected = risk.monte_carlo(controller.model, controller.scenario, trials=3_000, seed=17)
    assert panel.monte_carlo_page.last_run.to_json() == expected.to_json()
    money = controller.money
    for column, statistic in enumerate(risk.STATISTICS):
        npv_cell = panel.monte_carlo_page.stats_model.index(0, column).data()
        irr_cell = panel.monte_carlo_page.stats_model.index(1, column).data()
        assert npv_cell == format_cell(expected.statistics.loc["npv", statistic], "money", money)
        assert irr_cell == format_cell(expected.statistics.loc["irr", statistic], "%", money)
    assert (
        f"P(NPV > 0) = {format_cell(expected.prob_npv_positive, '%', money)}" in panel.monte_carlo_page.summary.text()
    )
    assert panel.monte_carlo_page.run_button.isEnabled() and not panel.monte_carlo_page.cancel_button.isEnabled()


def test_the_summary_counts_the_left_out_trials_by_rule(qtbot, panel, controller):
    run_monte_carlo(qtbot, panel.monte_carlo_page, 2_000, 7)
    run = panel.monte_carlo_page.last_run
    rule = "the calibration of ebita_margin 2026 needs a negative AI cash opex rate"
    assert run.invalid_trials > 0 and run.invalid_by_rule == {rule: run.invalid_trials}
    left_out = f"{run.invalid_trials:,} left out for breaking a model rule ({run.invalid_trials:,}: {rule})"
    assert left_out in panel.monte_carlo_page.summary.text()


@pytest.mark.slow
def test_cancel_stops_a_run_and_leaves_the_window_usable(qtbot, panel, controller):
    panel.monte_carlo_page.trials_field.setValue(1_000_000)
    with qtbot.waitSignal(panel.monte_carlo_page.progress.valueChanged, timeout=30_000):
        assert panel.monte_carlo_page.run_monte_carlo()
    assert panel.monte_carlo_page.is_running and panel.monte_carlo_page.cancel_button.isEnabled()
    assert not panel.monte_carlo_page.run_monte_carlo()  # one run at a time
    qtbot.mouseClick(panel.monte_carlo_page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not panel.monte_carlo_page.is_running, timeout=30_000)
    assert panel.monte_carlo_page.last_run is None
    assert panel.monte_carlo_page.summary.text().startswith("Cancelled")
    assert panel.monte_carlo_page.progress.value() == 0
    # The window still takes edits, and a new run completes.
    assert controller.apply(SetSetting("wacc", 0.11), "Edit WACC")
    run_monte_carlo(qtbot, panel.monte_carlo_page, 1_000, 1)
    assert panel.monte_carlo_page.last_run.trials == 1_000


@pytest.mark.slow
def test_the_tornado_follows_every_edit(panel, controller):
    panel.tabs.setCurrentWidget(panel.tornado_page.tornado_chart.parentWidget())
    assert panel.tornado_page.last_tornado.to_json() == risk.tornado(controller.model).to_json()
    assert controller.apply(SetSetting("ai_revenue_yield", 0.7), "Edit yield")
    assert panel.tornado_page.last_tornado.base_npv == pytest.approx(controller.results.kpis["npv"], rel=1e-12)
    controller.undo_stack.undo()
    assert panel.tornado_page.last_tornado.base_npv == pytest.approx(controller.results.kpis["npv"], rel=1e-12)


@pytest.mark.slow
def test_a_hidden_tornado_waits_until_it_is_shown(window, panel, controller):
    assert panel.tornado_page.last_tornado is None  # its tab has never been in front
    panel.tabs.setCurrentWidget(panel.tornado_page.tornado_chart.parentWidget())
    shown = panel.tornado_page.last_tornado
    window.analysis_tabs.setCurrentWidget(window.charts)
    assert controller.apply(SetSetting("wacc", 0.11), "Edit WACC")
    assert panel.tornado_page.last_tornado is shown and panel.tornado_page.tornado_refresher.stale
    window.analysis_tabs.setCurrentWidget(panel)
    assert panel.tornado_page.last_tornado.base_npv == pytest.approx(controller.results.kpis["npv"], rel=1e-12)
    assert not panel.tornado_page.tornado_refresher.stale


@pytest.mark.slow
def test_hidden_charts_catch_up_when_shown(window, panel, controller):
    assert controller.apply(SetSetting("wacc", 0.12), "Edit WACC")
    assert window.charts.returns.refresher.stale
    window.analysis_tabs.setCurrentWidget(window.charts)
    assert window.charts.returns.wacc.value() == pytest.approx(12.0)


def test_grid_and_breakeven_match_model_risk(panel, controller):
    panel.grid_page.grid_metric.setCurrentText("irr")
    assert panel.grid_page.compute_grid()
    x = risk.parse_axis(f"settings.wacc={panel.grid_page.grid_x_values.text()}", "x")
    # The bundled model calibrates the AI revenue yield, so the rows are the yearly price change.
    y = risk.parse_axis(f"drivers.price_change={panel.grid_page.grid_y_values.text()}", "y")
    expected = risk.grid(controller.model, x, y, "irr")
    assert panel.grid_page.last_grid.table.equals(expected.table)
    assert panel.grid_page.grid_model.index(2, 2).data() == format_cell(expected.table.iat[2, 2], "%", controller.money)

    assert panel.breakeven_page.find_breakeven()
    low, high = risk.parse_range(panel.breakeven_page.breakeven_range.text())
    answer = risk.breakeven(controller.model, "drivers.price_change", "npv", 0.0, low, high)
    assert panel.breakeven_page.last_breakeven.value == answer.value
    assert f"{answer.value * 100:.6g}%" in panel.breakeven_page.breakeven_answer.text()
    panel.breakeven_page.breakeven_range.setText("10%,20%")
    assert panel.breakeven_page.find_breakeven()
    assert "not reachable in this range" in panel.breakeven_page.breakeven_answer.text()
    panel.breakeven_page.breakeven_range.setText("oops")
    assert not panel.breakeven_page.find_breakeven()


@pytest.mark.slow
def test_grid_and_breakeven_take_percentages(panel, controller):
    panel.grid_page.grid_x_values.setText("8%,10%,12%")
    assert panel.grid_page.compute_grid()
    assert list(panel.grid_page.last_grid.table.columns) == [0.08, 0.1, 0.12]
    grid_model = panel.grid_page.grid_model
    headers = [grid_model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert headers == ["8.0%", "10.0%", "12.0%"]  # the WACC as the rest of the window shows it
    assert grid_model.headerData(2, Qt.Orientation.Vertical) == "0.0%"  # a shift of the price change

    panel.grid_page.grid_x_values.setText("8%,abc,12%")
    assert not panel.grid_page.compute_grid()
    assert "'abc' in '8%,abc,12%' is not a number" in panel.grid_page.grid_message.text()
    panel.grid_page.grid_x_values.setText("")
    assert not panel.grid_page.compute_grid()
    message = panel.grid_page.grid_message.text()
    assert "columns: no values" in message and "settings.wacc" not in message  # the field, not the file's key

    panel.breakeven_page.breakeven_goal.setCurrentIndex(1)
    panel.breakeven_page.breakeven_rate.setText("12%")
    panel.breakeven_page.breakeven_range.setText("-5%,15%")
    assert panel.breakeven_page.find_breakeven()
    expected = risk.breakeven(controller.model, "drivers.price_change", "irr", 0.12, -0.05, 0.15)
    assert panel.breakeven_page.last_breakeven.to_json() == expected.to_json()


def background(panel, row: int, column: int):
    colour = panel.grid_page.grid_model.index(row, column).data(Qt.ItemDataRole.BackgroundRole).color()
    return colour.red(), colour.green()


@pytest.mark.slow
def test_npv_cells_are_coloured_by_sign(panel, controller):
    controller.set_scenario("Bear")  # every NPV of this grid is negative
    panel.grid_page.grid_x_values.setText("14%,16%,18%,20%")
    assert panel.grid_page.compute_grid()
    table = panel.grid_page.last_grid.table
    assert (table.to_numpy() < 0).all()
    for r in range(len(table.index)):
        for c in range(len(table.columns)):
            red, green = background(panel, r, c)
            assert red > green  # red, however close to the largest value
    deepest = table.abs().stack().idxmax()
    assert background(panel, table.index.get_loc(deepest[0]), table.columns.get_loc(deepest[1]))[1] == min(
        background(panel, r, c)[1] for r in range(len(table.index)) for c in range(len(table.columns))
    )
    assert "below 0" in panel.grid_page.grid_legend.text()

    controller.set_scenario("Base")
    assert panel.grid_page.compute_grid()
    table = panel.grid_page.last_grid.table
    for r in range(len(table.index)):
        for c in range(len(table.columns)):
            red, green = background(panel, r, c)
            assert (red > green) == (table.iat[r, c] < 0)


@pytest.mark.slow
def test_the_grid_model_is_a_well_behaved_table_model(qtmodeltester, panel):
    qtmodeltester.check(panel.grid_page.grid_model)  # empty, before the first grid
    assert panel.grid_page.compute_grid()
    qtmodeltester.check(panel.grid_page.grid_model)
    panel.grid_page.grid_x_values.setText("8%,12%")  # another shape: a reset
    assert panel.grid_page.compute_grid()
    qtmodeltester.check(panel.grid_page.grid_model)


@pytest.mark.slow
def test_irr_cells_are_coloured_against_their_wacc(panel, controller):
    panel.grid_page.grid_metric.setCurrentText("irr")
    panel.grid_page.grid_x_values.setText("6%,8%,10%,12%,14%")
    assert panel.grid_page.compute_grid()
    table = panel.grid_page.last_grid.table
    for r in range(len(table.index)):
        for c, wacc in enumerate(table.columns):
            red, green = background(panel, r, c)
            assert (red > green) == (table.iat[r, c] < wacc)
    assert "WACC" in panel.grid_page.grid_legend.text()


@pytest.mark.slow
def test_targets_are_shown_by_name_and_passed_by_key(panel, controller):
    combo = panel.breakeven_page.breakeven_target
    # The calibrated AI revenue yield is no target; the price change is the default question.
    assert combo.findData("settings.ai_revenue_yield") == -1
    assert combo.currentText() == "Price change per year"
    combo.setCurrentIndex(combo.findText("Price change per year"))
    assert combo.itemData(combo.currentIndex(), Qt.ItemDataRole.ToolTipRole) == "drivers.price_change"
    panel.breakeven_page.breakeven_range.setText("-5%,5%")
    assert panel.breakeven_page.find_breakeven()
    assert panel.breakeven_page.last_breakeven.target.path == "drivers.price_change"
    assert panel.breakeven_page.breakeven_answer.text().startswith("Price change per year = ")
    labels = [panel.grid_page.grid_x_target.itemText(i) for i in range(panel.grid_page.grid_x_target.count())]
    assert {
        "Book life: AI servers & accelerators",
        "Economic life: AI servers & accelerators",
        "Tax life: AI servers & accelerators",
        "Capex: AI servers & accelerators",
    } <= set(labels)
    assert not any("." in label and label.split(".")[0] in ("settings", "drivers") for label in labels)

    table = panel.inputs_page.inputs_view.table_model
    keys = list(table.sheet.row_keys)
    row = keys.index("economic_life.AI servers & accelerators")
    assert table.headerData(row, Qt.Orientation.Vertical) == "Economic life: AI servers & accelerators"
    tooltip = table.headerData(row, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    assert tooltip == "economic_life.AI servers & accelerators"


@pytest.mark.slow
def test_the_tornado_names_its_inputs(panel, controller, monkeypatch):
    drawn = {}
    draw = panel.tornado_page.tornado_chart.draw
    monkeypatch.setattr(
        panel.tornado_page.tornado_chart,
        "draw",
        lambda labels, *rest: drawn.update(labels=labels) or draw(labels, *rest),
    )
    panel.tabs.setCurrentWidget(panel.tornado_page.tornado_chart.parentWidget())
    keys = list(panel.tornado_page.last_tornado.table["target"])
    assert drawn["labels"][keys.index("drivers.price_change")] == "Price change per year"
    assert "Price change per year: drivers.price_change" in panel.tornado_page.tornado_chart.plot_widget.toolTip()
    # The P10 and P90 of the servers' economic life (4.2 and 5.8 years) are applied as whole years.
    life = keys.index("economic_life.AI servers & accelerators")
    assert drawn["labels"][life] == "Economic life: AI servers & accelerators (4 / 6 yrs)"


def monte_carlo_charts(panel):
    return (
        panel.monte_carlo_page.npv_histogram,
        panel.monte_carlo_page.irr_histogram,
        panel.monte_carlo_page.revenue_fan,
        panel.monte_carlo_page.margin_fan,
        panel.monte_carlo_page.fcf_fan,
        panel.monte_carlo_page.convergence,
    )


@pytest.mark.slow
def test_charts_are_empty_until_a_run(qtbot, panel):
    for chart in monte_carlo_charts(panel):
        assert chart.is_empty and chart.placeholder.toPlainText() == "Press Run to simulate"
        assert not any(item.isVisible() for item in chart.data_items)  # no p5/p50/p95 stacked at 0
        assert "(x" not in chart.plot.getAxis("left").labelString()  # no "trials (x0.001)"
    panel.monte_carlo_page.trials_field.setValue(1_000_000)
    with qtbot.waitSignal(panel.monte_carlo_page.progress.valueChanged, timeout=30_000):
        assert panel.monte_carlo_page.run_monte_carlo()
    panel.monte_carlo_page.cancel_run()
    qtbot.waitUntil(lambda: not panel.monte_carlo_page.is_running, timeout=30_000)
    assert all(chart.is_empty for chart in monte_carlo_charts(panel))
    run_monte_carlo(qtbot, panel.monte_carlo_page, 1_000, 1)
    for chart in monte_carlo_charts(panel):
        assert not chart.is_empty and chart.plot.getAxis("bottom").style["showValues"]


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1600, 1000), (1280, 800)])
def test_notes_and_headers_have_room(qtbot, window, panel, size):
    window.resize(*size)
    run_monte_carlo(qtbot, panel.monte_carlo_page, 1_000, 1)

    def laid_out(chart) -> bool:
        note, plot = chart.note, chart.plot_widget
        # Under the plot's axis title, and tall enough for every line of its text.
        return note.geometry().top() > plot.geometry().bottom() and note.height() >= note.heightForWidth(note.width())

    qtbot.waitUntil(lambda: all(laid_out(chart) for chart in monte_carlo_charts(panel)), timeout=2_000)
    panel.tabs.setCurrentWidget(panel.inputs_page.inputs_view.parentWidget())
    header = panel.inputs_page.inputs_view.horizontalHeader()
    assert header.sectionSize(0) > header.fontMetrics().horizontalAdvance("Distribution")


def test_uncertain_inputs_are_edited_with_validation_and_undo(qtbot, panel, controller):
    table = panel.inputs_page.inputs_view.table_model
    rows = list(table.sheet.row_keys)
    wacc, high = rows.index("settings.wacc"), list(table.sheet.column_keys).index("high")
    assert table.setData(table.index(wacc, high), "12%")
    assert controller.model["uncertainty"]["inputs"][wacc]["high"] == pytest.approx(0.12)
    assert table.index(wacc, high).data() == "12.0%"
    with qtbot.waitSignal(controller.error_reported) as refused:
        assert not table.setData(table.index(wacc, high), "5%")  # below the mode
    assert "uncertainty.inputs" in refused.args[0]
    controller.undo_stack.undo()
    assert controller.model["uncertainty"]["inputs"][wacc]["high"] == pytest.approx(0.115)

    assert table.setData(table.index(wacc, 0), "normal")
    entry = controller.model["uncertainty"]["inputs"][wacc]
    assert entry["dist"] == "normal" and entry["mean"] == pytest.approx((0.09 + 0.10 + 0.115) / 3)
    controller.undo_stack.undo()
    assert controller.model["uncertainty"]["inputs"][wacc]["dist"] == "triangular"


# --------------------------------------------------------------------------- distributions off centre


def test_a_typed_wacc_is_flagged_until_its_distribution_is_recentred_in_one_undo_step(qtbot, panel, controller):
    note = panel.off_centre_note
    assert note.isHidden()  # the bundled distributions are centred on the bundled inputs
    inputs = controller.model["uncertainty"]["inputs"]
    index = [e["target"] for e in inputs].index("settings.wacc")
    assert (inputs[index]["low"], inputs[index]["mode"], inputs[index]["high"]) == (0.09, 0.1, 0.115)

    assert controller.apply(SetSetting("wacc", 0.12), "Edit WACC")
    assert not note.isHidden()
    text = note.text.text()
    assert "Discount rate (WACC): its triangular distribution is centred on 10%, the model shown holds 12%" in text
    assert text.count("<br>") == 1  # that input only: shifts and scales follow every edit

    steps = controller.undo_stack.count()
    qtbot.mouseClick(note.recentre_button, Qt.MouseButton.LeftButton)
    moved = controller.model["uncertainty"]["inputs"][index]
    assert (moved["low"], moved["mode"], moved["high"]) == (0.11, 0.12, 0.135)  # +2 points each
    assert controller.model["settings"]["wacc"] == 0.12
    assert note.isHidden()
    assert controller.undo_stack.count() == steps + 1
    assert controller.undo_stack.undoText() == "Re-centre 1 distribution"
    # The Monte Carlo now draws around the WACC shown: its mode is the model's WACC.
    controller.undo_stack.undo()
    assert controller.model["uncertainty"]["inputs"][index]["mode"] == 0.1
    assert not note.isHidden()


def test_an_economic_life_typed_is_off_centre_in_years(qtbot, panel, controller):
    from model.edits import SetClassField

    servers = "AI servers & accelerators"
    assert controller.apply(SetClassField(servers, "economic_life", 7), "Edit economic life")
    text = panel.off_centre_note.text.text()
    assert escape(f"Economic life: {servers}: its triangular distribution is centred on 5 years") in text
    assert "the model shown holds 7 years" in text
    assert panel.off_centre_note.recentre()
    moved = next(e for e in controller.model["uncertainty"]["inputs"] if e["target"] == f"economic_life.{servers}")
    assert (moved["low"], moved["mode"], moved["high"]) == (5.5, 7.0, 8.5)
    assert panel.off_centre_note.isHidden()


def test_a_lognormal_that_cannot_be_recentred_is_refused_with_its_reason(qtbot, panel, controller):
    from model.edits import SetUncertainty

    section = copy.deepcopy(controller.model["uncertainty"])
    index = [e["target"] for e in section["inputs"]].index("settings.nwc_pct")
    section["inputs"][index] = {
        "target": "settings.nwc_pct",
        "dist": "lognormal",
        "mu": -3.0,
        "sigma": 0.1,
        "apply": "set",
    }
    assert controller.apply(SetUncertainty(section), "Edit inputs"), panel.window().statusBar().currentMessage()
    assert controller.apply(SetSetting("nwc_pct", -0.01), "Edit NWC")
    assert not panel.off_centre_note.isHidden()
    before = controller.model
    assert not panel.off_centre_note.recentre()
    assert controller.model == before
    assert "Not re-centred: uncertainty.settings.nwc_pct: a lognormal cannot be centred on -0.01" in (
        panel.window().statusBar().currentMessage()
    )


def test_a_seed_over_two_billion_is_shown_and_run_as_it_is_in_the_file(qtbot, panel, controller):
    """A spin box stopped at 2**31 - 1 and ran a larger seed of the file as that, silently."""
    from model.edits import SetUncertainty

    section = copy.deepcopy(controller.model["uncertainty"])
    section["seed"] = 2**32 - 1
    assert controller.apply(SetUncertainty(section), "Edit seed")
    page = panel.monte_carlo_page
    assert int(page.seed_field.value()) == 2**32 - 1
    page.trials_field.setValue(200)
    with qtbot.waitSignal(panel.run_finished, timeout=60_000):
        assert page.run_monte_carlo()
    qtbot.waitUntil(lambda: not page.is_running)
    expected = risk.monte_carlo(controller.model, controller.scenario, trials=200, seed=2**32 - 1)
    assert page.last_run.to_json() == expected.to_json()


def test_a_run_started_before_an_edit_is_shown_as_out_of_date(qtbot, panel, controller):
    page = panel.monte_carlo_page
    page.trials_field.setValue(2_000)
    with qtbot.waitSignal(panel.run_finished, timeout=60_000):
        assert page.run_monte_carlo()
        assert controller.apply(SetSetting("wacc", 0.11), "Edit WACC")  # while it runs
    qtbot.waitUntil(lambda: not page.is_running)
    assert "the model has changed since this run" in page.summary.text()
    # A run started after the edit describes the model as it is.
    run_monte_carlo(qtbot, panel.monte_carlo_page, 1_000, 1)
    assert "the model has changed" not in page.summary.text()


def test_a_run_is_drawn_against_the_model_it_simulated(qtbot, panel, controller):
    page = panel.monte_carlo_page
    page.trials_field.setValue(2_000)
    base_revenue = controller.results.line("total_revenue")
    base_wacc = controller.scenario_model["settings"]["wacc"]
    with qtbot.waitSignal(panel.run_finished, timeout=60_000):
        assert page.run_monte_carlo()
        controller.set_scenario("Bull")  # while it runs: Bull has its own revenue and WACC
    qtbot.waitUntil(lambda: not page.is_running)
    assert controller.scenario_model["settings"]["wacc"] != base_wacc
    _, entered = page.revenue_fan.deterministic.getData()
    assert entered == pytest.approx(base_revenue)
    assert page.irr_histogram.reference.value() == pytest.approx(base_wacc * 100)
    controller.set_display_currency("USD")  # redrawn in another currency, still against Base
    _, entered = page.revenue_fan.deterministic.getData()
    assert entered == pytest.approx(base_revenue / controller.money.rate)


def test_trials_that_all_give_one_value_show_one_visible_bar(panel, controller):
    chart = panel.monte_carlo_page.npv_histogram
    # Inputs that do not move the NPV (the follow-on's, say) give every trial the same NPV.
    chart.draw(np.full(500, -80.0), {"p5": -80.0, "p50": -80.0, "p95": -80.0}, 0.0, "", controller.money)
    assert list(chart.bars.opts["height"]) == [500]
    # At least as wide as an ordinary bin of the span from the value to the reference line.
    assert chart.bars.opts["width"] >= 80 / BINS


def test_the_tornado_says_why_an_input_has_no_bar(panel, controller):
    panel.tabs.setCurrentWidget(panel.tornado_page.tornado_chart.parentWidget())
    section = copy.deepcopy(controller.model["uncertainty"])
    entry = next(e for e in section["inputs"] if e["target"] == "drivers.core_growth")
    entry["high"] = 1e15  # accepted as a distribution, but the model refuses the growth it gives
    assert controller.apply(SetUncertainty(section), "Widen core growth")
    note = panel.tornado_page.tornado_chart.note.text()
    assert "No bar for Core revenue growth: the model refuses an end" in note
    controller.undo_stack.undo()
    assert "No bar" not in panel.tornado_page.tornado_chart.note.text()
