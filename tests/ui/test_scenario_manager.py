"""The Scenario menu (new, new from current, duplicate, rename, delete, each one undo step) and the
Scenarios view (every scenario beside Base, the figures the model computes and the overrides)."""

from __future__ import annotations

import copy

import pytest

from model import compute, scenario_names
from model.comparison import compared_figures
from ui.formatting import MoneyDisplay, format_cell
from ui.scenarios_view import ComparisonView, ScenariosView, deletion_warning, scenarios_sheet
from ui.table_model import MARK_ROLE, OVERRIDDEN, VALUE_ROLE

SERVERS = "AI servers & accelerators"


@pytest.fixture
def actions(window):
    return window.scenario_actions


def selector_items(window):
    selector = window.scenario_selector
    return [selector.itemText(i) for i in range(selector.count())]


def test_new_from_base_is_selected_and_undone(window, controller, actions):
    before = copy.deepcopy(controller.model)
    controller.set_scenario("Bull")
    assert actions.new_from_base("  Flat  ")
    assert controller.scenario == "Flat" and window.scenario_selector.currentText() == "Flat"
    assert controller.model["scenarios"]["Flat"] == {}
    assert selector_items(window)[-1] == "Flat"
    assert controller.undo_stack.count() == 1 and controller.undo_stack.undoText() == "New scenario Flat"
    assert controller.results.kpis == controller.base_results.kpis
    controller.undo_stack.undo()
    assert controller.model == before and controller.scenario == "Bull"
    assert "Flat" not in selector_items(window) and window.scenario_selector.currentText() == "Bull"
    controller.undo_stack.redo()
    assert controller.scenario == "Flat"


@pytest.mark.slow
def test_new_from_current_copies_the_overrides(controller, actions):
    controller.set_scenario("Bear")
    assert actions.new_from_current("Bear, slower")
    assert controller.scenario == "Bear, slower"
    assert controller.model["scenarios"]["Bear, slower"] == controller.model["scenarios"]["Bear"]
    assert controller.results.kpis["npv"] == compute(controller.model, "Bear").kpis["npv"]
    assert controller.undo_stack.undoText() == "New scenario Bear, slower from Bear"
    controller.undo_stack.undo()
    assert controller.scenario == "Bear" and "Bear, slower" not in controller.model["scenarios"]


@pytest.mark.slow
def test_duplicate_places_the_copy_after_the_original(controller, actions):
    controller.set_scenario("Bull")
    assert actions.duplicate()
    names = list(controller.model["scenarios"])
    assert controller.scenario == "Bull copy" and names[names.index("Bull") + 1] == "Bull copy"
    assert controller.model["sources"]["scenarios.Bull copy"] == controller.model["sources"]["scenarios.Bull"]
    controller.undo_stack.undo()
    assert controller.scenario == "Bull" and "Bull copy" not in controller.model["scenarios"]


@pytest.mark.slow
def test_rename_follows_in_the_selector_and_undoes(window, controller, actions):
    controller.set_scenario("Bull")
    position = selector_items(window).index("Bull")
    assert actions.rename("Optimist")
    assert controller.scenario == "Optimist" and selector_items(window)[position] == "Optimist"
    assert "scenarios.Optimist" in controller.model["sources"]
    assert controller.undo_stack.undoText() == "Rename scenario Bull to Optimist"
    controller.undo_stack.undo()
    assert controller.scenario == "Bull" and selector_items(window)[position] == "Bull"


def test_refused_name_changes_nothing_and_says_why(window, controller, actions):
    before = copy.deepcopy(controller.model)
    controller.set_scenario("Bull")
    for attempt, message in (
        (lambda: actions.rename("Bear"), "scenarios.Bear: 'Bear' is the name of another scenario"),
        (lambda: actions.new_from_base("Base"), 'scenarios.Base: "Base" is reserved for the model itself'),
        (lambda: actions.rename("base"), """scenarios.base: "Base" is reserved for the model itself (and 'base'"""),
        (lambda: actions.new_from_base("BASE"), """"Base" is reserved for the model itself (and 'BASE'"""),
        (lambda: actions.rename("Bull\tcase"), "'Bull\\tcase' holds the control character U+0009"),
        (lambda: actions.new_from_base("Two\nlines"), "'Two\\nlines' holds the control character U+000A"),
        (lambda: actions.new_from_base(" "), "scenarios: '' is not a non-empty text"),
    ):
        assert not attempt()
        assert message in window.statusBar().currentMessage()
    assert controller.model == before and controller.undo_stack.count() == 0 and controller.scenario == "Bull"


@pytest.mark.slow
def test_delete_the_selected_scenario_selects_base_and_undo_restores_it(window, controller, actions, monkeypatch):
    before = copy.deepcopy(controller.model)
    names = list(before["scenarios"])
    controller.set_scenario("Bull")
    asked = []
    monkeypatch.setattr(actions, "confirm_delete", lambda name: asked.append(name) or False)
    assert not actions.delete()  # cancelled
    assert asked == ["Bull"] and controller.model == before
    monkeypatch.setattr(actions, "confirm_delete", lambda name: True)
    assert actions.delete()
    assert controller.scenario == "Base" and window.scenario_selector.currentText() == "Base"
    assert "Bull" not in selector_items(window)
    assert controller.undo_stack.undoText() == "Delete scenario Bull"
    controller.undo_stack.undo()
    assert controller.model == before and list(controller.model["scenarios"]) == names
    assert controller.scenario == "Bull" and selector_items(window) == scenario_names(before)


def test_deletion_warning_says_what_is_lost(bundled_model):
    text = deletion_warning(bundled_model, "Bull")
    assert "“Bull”" in text and "Discount rate (WACC)" in text and "source note" in text and "Undo" in text
    assert "7 overrides" in text


@pytest.mark.slow
def test_base_cannot_be_renamed_or_deleted(window, controller, actions):
    assert controller.scenario == "Base"
    assert not actions.rename_action.isEnabled() and not actions.delete_action.isEnabled()
    assert not actions.rename("Other") and not actions.delete(confirmed=True)
    assert controller.undo_stack.count() == 0


@pytest.mark.slow
def test_menu_actions_ask_for_a_name(window, controller, actions, monkeypatch):
    monkeypatch.setattr(actions, "ask_name", lambda title, prompt, suggested: suggested)
    actions.new_action.trigger()
    assert controller.scenario == "New scenario"
    monkeypatch.setattr(actions, "ask_name", lambda title, prompt, suggested: None)  # cancelled
    actions.rename_action.trigger()
    assert controller.scenario == "New scenario" and controller.undo_stack.count() == 1
    assert "&Scenario" in [action.text() for action in window.menuBar().actions()]


# --------------------------------------------------------------------------- the view


@pytest.fixture
def scenarios_page(window, qtbot):
    tabs = window.analysis_tabs
    page = next(tabs.widget(i) for i in range(tabs.count()) if tabs.tabText(i) == "Scenarios")
    tabs.setCurrentWidget(page)
    qtbot.waitUntil(page.view.isVisible)
    return page


def row_of(sheet, key):
    return list(sheet.row_keys).index(key)


@pytest.mark.slow
def test_view_shows_every_scenario_with_the_npv_the_model_computes(controller, scenarios_page, qtmodeltester):
    table = scenarios_page.view.table_model
    qtmodeltester.check(table)
    names = scenario_names(controller.model)
    assert list(table.sheet.column_labels) == names
    npv_row = row_of(table.sheet, "npv")
    base_npv = compute(controller.model).kpis["npv"]
    for column, name in enumerate(names):
        npv = compute(controller.model, name).kpis["npv"]
        assert table.index(npv_row, column).data(VALUE_ROLE) == pytest.approx(npv, abs=1e-9)
        assert table.index(npv_row, column).data() == format_cell(npv, "money", controller.money)
        if column:
            change = table.index(npv_row + 1, column)
            assert change.data(VALUE_ROLE) == pytest.approx(npv - base_npv, abs=1e-9)
            shown = format_cell(abs(npv - base_npv), "money", controller.money)
            assert change.data() in (shown, f"+{shown}", f"-{shown}")
            assert change.data()[0] == ("+" if npv > base_npv else "-") or shown == "0.0"


@pytest.mark.slow
def test_view_lists_the_overrides_with_base_and_scenario_values(controller, scenarios_page):
    table = scenarios_page.view.table_model
    sheet = table.sheet
    names = list(sheet.column_labels)
    wacc = row_of(sheet, "settings.wacc")
    assert sheet.row_labels[wacc] == "Discount rate (WACC) (%)"
    assert table.index(wacc, 0).data() == "10.0%"
    assert table.index(wacc, names.index("Bull")).data() == "9.0%"
    assert table.index(wacc, names.index("Bull")).data(MARK_ROLE) == OVERRIDDEN
    assert table.index(wacc, names.index("Upsized (RMB 480bn)")).data() == ""  # uses Base
    life = row_of(sheet, "asset_classes.AI servers & accelerators.economic_life")
    assert sheet.row_labels[life] == "AI servers & accelerators: economic life (years)"
    assert table.index(life, 0).data() == "5"
    assert table.index(life, names.index("Bear")).data() == "4"
    utilization = row_of(sheet, "drivers.utilization")
    assert table.index(utilization, names.index("Bull")).data() == "80.0% → 85.0%"
    assert "FY27 85.0%" in table.index(utilization, names.index("Bull")).data(2 + 1)  # tooltip
    capex = row_of(sheet, "capex.AI servers & accelerators")
    upsized = table.index(capex, names.index("Upsized (RMB 480bn)"))
    assert upsized.data(MARK_ROLE) == OVERRIDDEN
    assert upsized.data(VALUE_ROLE) == pytest.approx(
        sum(controller.model["scenarios"]["Upsized (RMB 480bn)"]["capex"][SERVERS])
    )
    assert table.index(capex, 0).data() == format_cell(
        sum(controller.model["capex"][SERVERS]), "money", controller.money
    )
    assert "FY27 95.2" in upsized.data(2 + 1)


@pytest.mark.slow
def test_view_follows_edits_and_scenario_operations(controller, scenarios_page, actions, qtmodeltester):
    table = scenarios_page.view.table_model
    assert actions.new_from_base("Cheap money")
    assert table.sheet.column_labels[-1] == "Cheap money"
    from model.edits import SetSetting

    assert controller.apply(SetSetting("wacc", 0.07), "WACC")
    wacc = row_of(table.sheet, "settings.wacc")
    assert table.index(wacc, len(table.sheet.column_labels) - 1).data() == "7.0%"
    npv = table.index(row_of(table.sheet, "npv"), len(table.sheet.column_labels) - 1).data(VALUE_ROLE)
    assert npv == pytest.approx(compute(controller.model, "Cheap money").kpis["npv"])
    qtmodeltester.check(table)
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert "Cheap money" not in table.sheet.column_labels


@pytest.mark.slow
def test_hidden_view_does_not_compute_until_shown(controller, qtbot):
    view = ComparisonView(controller)
    qtbot.addWidget(view)
    assert view._computed is None  # nothing computed while off screen
    view.show()
    qtbot.waitExposed(view)
    assert view._computed is not None and view._computed[0] is controller.model


def test_sheet_of_a_model_without_scenarios(bundled_model):
    bundled_model["scenarios"] = {}
    sheet = scenarios_sheet(bundled_model, {"Base": compute(bundled_model)}, MoneyDisplay("RMB", "bn"))
    assert list(sheet.column_labels) == ["Base"]
    assert sheet.row_labels[-1] == "No scenarios yet: Scenario › New"
    assert len([f for f in compared_figures(bundled_model)]) * 2 + 3 == len(sheet.row_labels)


@pytest.mark.slow
def test_scenarios_page_widget(controller, qtbot):
    page = ScenariosView(controller)
    qtbot.addWidget(page)
    page.show()
    qtbot.waitExposed(page)
    assert page.view.table_model.rowCount() > 30
