"""The window's version 2 features: lives and lag, history, follow-on years, calibration, the rent,
the valuation date, NPV per share, warnings and the risk pages' new targets."""

from __future__ import annotations

import copy
import json

import pytest
from PySide6.QtCore import Qt

from model import compute
from ui.formatting import format_kpi
from ui.risk.shared import target_label
from ui.risk.tornado_page import tornado_label
from ui.sheets import CLASS_COLUMNS
from ui.table_model import FOLLOW_ON, FOLLOWS, MARK_ROLE, SOLVED

SERVERS = "AI servers & accelerators"
POWER = "Data-centre power & cooling"
COLUMNS = list(CLASS_COLUMNS)


def class_cell(window, name, field):
    table = window.capex_panel.class_view.table_model
    row = [cls["name"] for cls in window.controller.model["asset_classes"]].index(name)
    return table, table.index(row, COLUMNS.index(field))


def model_class(controller, name):
    return next(cls for cls in controller.model["asset_classes"] if cls["name"] == name)


def settings_row(window, key):
    table = window.settings_panel.view.table_model
    return table, table.index(list(table.sheet.row_keys).index(key), 0)


@pytest.mark.parametrize(("field", "text", "value"), [("life", "8", 8), ("lag", "2", 2), ("tax_life", "6", 6)])
def test_class_fields_edit_and_undo(window, controller, field, text, value):
    before = copy.deepcopy(controller.model)
    table, index = class_cell(window, POWER, field)
    assert table.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert table.setData(index, text)
    assert model_class(controller, POWER)[field] == value
    assert index.data() == text
    controller.undo_stack.undo()
    assert controller.model == before


@pytest.mark.slow
def test_an_absent_economic_life_follows_the_book_life_greyed(window, controller):
    table, index = class_cell(window, POWER, "economic_life")
    assert "economic_life" not in model_class(controller, POWER)
    assert index.data() == "= book 10"
    assert index.data(MARK_ROLE) == FOLLOWS
    assert index.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "follows the book life" in index.data(Qt.ItemDataRole.ToolTipRole)
    # Giving it a value makes it explicit; undo makes it follow again.
    assert table.setData(index, "8")
    assert model_class(controller, POWER)["economic_life"] == 8
    assert index.data() == "8"
    controller.undo_stack.undo()
    assert "economic_life" not in model_class(controller, POWER)
    # A new book life is followed.
    _, life = class_cell(window, POWER, "life")
    assert table.setData(life, "12")
    assert index.data() == "= book 12"


@pytest.mark.slow
def test_delete_removes_an_explicit_life_in_one_undo_step(window, controller, qtbot):
    before = copy.deepcopy(controller.model)
    view = window.capex_panel.class_view
    _, economic = class_cell(window, SERVERS, "economic_life")
    _, tax = class_cell(window, SERVERS, "tax_life")
    assert model_class(controller, SERVERS)["tax_life"] == 0
    selection = view.selectionModel()
    selection.select(economic, selection.SelectionFlag.Select)
    selection.select(tax, selection.SelectionFlag.Select)
    view.setFocus()
    steps = controller.undo_stack.count()
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert "economic_life" not in model_class(controller, SERVERS)
    assert "tax_life" not in model_class(controller, SERVERS)
    assert tax.data() == "= book 5"
    assert controller.undo_stack.count() == steps + 1
    controller.undo_stack.undo()
    assert controller.model == before


@pytest.mark.slow
def test_delete_leaves_cells_that_must_hold_a_value(window, controller):
    view = window.capex_panel.class_view
    _, life = class_cell(window, SERVERS, "life")
    view.setCurrentIndex(life)
    assert not view.clear_selection()
    assert model_class(controller, SERVERS)["life"] == 5


@pytest.mark.slow
def test_expensed_class_has_no_lives(window):
    table, index = class_cell(window, "Model training & chip R&D", "economic_life")
    assert index.data() == "—"
    assert not table.flags(index) & Qt.ItemFlag.ItemIsEditable


@pytest.mark.slow
def test_history_block_edits_and_undo(window, controller):
    view = window.capex_panel.history_view
    table = view.table_model
    assert view.isVisible()
    assert table.rowCount() == 4  # the capitalized classes
    assert [table.headerData(c, Qt.Orientation.Horizontal) for c in range(2)] == ["FY24\nhistory", "FY25\nhistory"]
    index = table.index(0, 0)
    assert "Source:" in index.data(Qt.ItemDataRole.ToolTipRole)
    before = copy.deepcopy(controller.model)
    assert table.setData(index, "15")
    assert controller.model["history"]["capex"][SERVERS][0] == 15.0
    assert index.data() == "15.0"
    assert compute(controller.model).line("installed_revenue")[0] != compute(before).line("installed_revenue")[0]
    controller.undo_stack.undo()
    assert controller.model == before


@pytest.mark.slow
def test_follow_on_years_are_shaded_and_labelled(window, controller):
    table = window.capex_panel.capex_view.table_model
    plan = controller.model["settings"]["plan_years"]
    assert plan == 3
    assert table.headerData(2, Qt.Orientation.Horizontal) == "FY28\nplan"
    assert table.headerData(3, Qt.Orientation.Horizontal) == "FY29\nfollow-on"
    assert table.index(0, 3).data(MARK_ROLE) == FOLLOW_ON
    assert table.index(0, 2).data(MARK_ROLE) != FOLLOW_ON
    assert table.index(0, 3).data(Qt.ItemDataRole.BackgroundRole) != table.index(0, 2).data(
        Qt.ItemDataRole.BackgroundRole
    )
    # The total row of a follow-on year is the results' follow-on capex (reinvestment included).
    total_row = table.rowCount() - 1
    assert table.index(total_row, 3).data() == f"{controller.results.value('follow_on_capex', 2029):,.1f}"
    settings_table, plan_years = settings_row(window, "plan_years")
    assert settings_table.setData(plan_years, "4")
    assert table.headerData(3, Qt.Orientation.Horizontal) == "FY29\nplan"
    assert table.index(0, 3).data(MARK_ROLE) != FOLLOW_ON


@pytest.mark.slow
def test_new_drivers_are_listed(window):
    keys = list(window.drivers_panel.view.table_model.sheet.row_keys)
    assert "reinvestment_rate" in keys and "compute_cost_change" in keys


@pytest.mark.slow
def test_an_absent_optional_driver_shows_zeros_and_edits_with_undo(qtbot, model_path):
    from ui.app import create_window

    document = json.loads(model_path.read_text())
    del document["drivers"]["compute_cost_change"]
    document["uncertainty"]["inputs"] = [
        entry for entry in document["uncertainty"]["inputs"] if entry["target"] != "drivers.compute_cost_change"
    ]
    document["uncertainty"]["correlations"] = []
    document["sources"].pop("drivers.compute_cost_change")
    document["sources"].pop("uncertainty.drivers.compute_cost_change")
    model_path.write_text(json.dumps(document))
    window = create_window(model_path)
    qtbot.addWidget(window)
    controller = window.controller
    table = window.drivers_panel.view.table_model
    row = list(table.sheet.row_keys).index("compute_cost_change")
    assert [table.index(row, c).data() for c in range(3)] == ["0.0%", "0.0%", "0.0%"]
    before = copy.deepcopy(controller.model)
    assert table.setData(table.index(row, 4), "-5%")
    assert controller.model["drivers"]["compute_cost_change"] == [0, 0, 0, 0, -0.05, 0, 0, 0, 0, 0]
    controller.undo_stack.undo()
    assert controller.model == before
    controller.undo_stack.redo()
    assert controller.model["drivers"]["compute_cost_change"][4] == -0.05
    controller.undo_stack.setClean()


@pytest.mark.slow
def test_the_plan_settings_come_first(window):
    table = window.settings_panel.view.table_model
    assert list(table.sheet.row_keys)[:4] == [
        "plan_years",
        "valuation_year",
        "shares_outstanding",
        "infrastructure_charge",
    ]
    assert table.index(1, 0).data(Qt.ItemDataRole.UserRole + 3) == (2025, 2034)  # the spin box's limits


def test_solved_settings_are_read_only_and_marked(window, controller):
    for key in ("ai_revenue_yield", "ai_cash_opex_rate"):
        table, index = settings_row(window, key)
        assert not table.flags(index) & Qt.ItemFlag.ItemIsEditable
        assert not table.setData(index, "0.5")
        assert index.data(MARK_ROLE) == SOLVED
        assert "Solved by the calibration" in index.data(Qt.ItemDataRole.ToolTipRole)
    table, index = settings_row(window, "ai_revenue_yield")
    assert index.data() == f"{controller.results.calibrated['settings.ai_revenue_yield']:.2f}"
    _, pull = settings_row(window, "pull_through")
    assert table.flags(pull) & Qt.ItemFlag.ItemIsEditable


def test_calibration_sentence_follows_an_edit_of_core_growth(window, controller):
    note = window.settings_panel.calibration_note
    solved = controller.results.calibrated["settings.ai_revenue_yield"]
    assert f"AI revenue yield {solved:.2f} is solved so that FY2026 total revenue = RMB 158.1 bn" in note.text()
    assert "FY2026 EBITA margin = 9.0%" in note.text()
    assert "lowers the solved yield" in note.text()
    table = window.drivers_panel.view.table_model
    row = list(table.sheet.row_keys).index("core_growth")
    assert table.setData(table.index(row, 0), "7%")
    lower = controller.results.calibrated["settings.ai_revenue_yield"]
    assert lower < solved  # more core revenue in FY2026: less left for the AI fleet to earn
    assert f"AI revenue yield {lower:.2f} is solved" in note.text()
    assert f"{lower:.2f}" != f"{solved:.2f}"


def test_buildings_and_power_charge_choice_and_rent_rate(window, controller):
    table, index = settings_row(window, "infrastructure_charge")
    assert index.data(Qt.ItemDataRole.UserRole + 2) == ["cohort", "rent"]
    assert index.data() == "rented"
    results = controller.results
    rate = results.value("infrastructure_rent", 2026) / results.value("capex_in_service", 2026)
    note = window.settings_panel.charge_note
    assert f"rented: {rate * 100:.1f}% of the plan's capex in service a year" in note.text()
    assert table.setData(index, "owned by the plan")
    assert controller.model["settings"]["infrastructure_charge"] == "cohort"
    assert "owned by the plan" in note.text()


def test_kpi_strip_names_the_valuation_date_and_npv_per_share(window, controller):
    strip = window.kpi_strip
    assert strip.tiles["npv"].title.text() == "NPV at end FY2025"
    per_share = strip.tiles["npv_per_share"]
    assert per_share.isVisible()
    npv = controller.results.kpis["npv"]
    assert controller.results.kpis["npv_per_share"] == pytest.approx(npv / 2.39)
    assert per_share.value.text() == format_kpi(npv / 2.39, "per share", controller.money)
    assert per_share.value.text().endswith("per share") and per_share.value.text().startswith("RMB ")
    window.currency_actions["USD"].trigger()
    assert per_share.value.text() == f"USD {npv / 2.39 / 6.9:.2f} per share"
    table, valuation = settings_row(window, "valuation_year")
    assert table.setData(valuation, "2026")
    assert strip.tiles["npv"].title.text() == "NPV at end FY2026"
    _, shares = settings_row(window, "shares_outstanding")
    assert table.setData(shares, "0")
    assert not per_share.isVisible()


def test_warning_banner_shows_the_results_warnings(window, controller):
    banner = window.warning_banner
    assert controller.results.warnings == []
    assert not banner.isVisible()
    table, method = settings_row(window, "terminal_method")
    assert table.setData(method, "gordon")
    assert controller.results.warnings
    assert banner.isVisible()
    assert "Gordon growth terminal value" in banner.text()
    controller.undo_stack.undo()
    assert not banner.isVisible()


def test_charts_show_fleet_groups_impairment_and_capex_intensity(window, controller):
    results = controller.results
    revenue = window.charts.revenue
    assert list(revenue.group_bars) == ["core_revenue", "installed_revenue", "plan_revenue", "follow_on_revenue"]
    follow_on = revenue.group_bars["follow_on_revenue"].opts["height"]
    assert follow_on == pytest.approx(results.line("follow_on_revenue"))
    capex = window.charts.capex
    _, impairment = capex.impairment.getData()
    assert impairment == pytest.approx(results.line("impairment"))
    _, intensity = capex.intensity.getData()
    assert intensity == pytest.approx(results.line("capex_intensity") * 100)
    assert capex.plot.getAxis("right").labelText == "Capex intensity (%)"
    assert revenue.plot.getAxis("left").labelText == "Revenue (RMB bn)"


@pytest.mark.slow
def test_risk_targets_of_version_2(window, controller):
    assert target_label("economic_life.AI servers") == "Economic life: AI servers"
    assert target_label("tax_life.AI servers") == "Tax life: AI servers"
    assert target_label("life.AI servers") == "Book life: AI servers"
    assert target_label("drivers.reinvestment_rate") == "Follow-on capex, % of prior-year revenue"
    from ui.risk.panel import RiskPanel

    risk = window.findChild(RiskPanel)
    picker = risk.breakeven_page.breakeven_target
    paths = [picker.itemData(i) for i in range(picker.count())]
    assert "settings.ai_revenue_yield" not in paths and "settings.ai_cash_opex_rate" not in paths
    assert f"economic_life.{SERVERS}" in paths and f"tax_life.{SERVERS}" in paths
    assert "drivers.compute_cost_change" in paths and "drivers.reinvestment_rate" in paths
    assert picker.currentData() == "drivers.price_change"
    grid_rows = risk.grid_page.grid_y_target
    assert grid_rows.currentData() == "drivers.price_change"


def test_tornado_says_which_whole_year_life_was_applied():
    row = {"target": f"economic_life.{SERVERS}", "applied_low": 4.0, "applied_high": 6.0}
    assert tornado_label(row) == f"Economic life: {SERVERS} (4 / 6 yrs)"
    assert tornado_label({"target": "settings.wacc", "applied_low": 0.09, "applied_high": 0.11}) == (
        "Discount rate (WACC)"
    )
