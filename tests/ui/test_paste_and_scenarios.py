"""Pasting blocks, filling right, scenarios and their overrides."""

from __future__ import annotations

import copy

import pytest

from model import compute
from tests.ui.helpers import select
from ui.formatting import format_kpi
from ui.kpi_strip import STRIP
from ui.table_model import MARK_ROLE, OVERRIDDEN

SERVERS = "AI servers & accelerators"


def test_paste_a_block_at_the_top_left_is_one_undo_step(window, controller):
    view = window.capex_panel.capex_view
    select(view, 0, 3, 0, 3)
    assert view.paste_text("10\t11\t12\r\n20\t21\t22\r\n")
    assert controller.model["capex"][SERVERS][3:6] == [10.0, 11.0, 12.0]
    assert controller.model["capex"]["Network equipment"][3:6] == [20.0, 21.0, 22.0]
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.undoText() == "Paste 6 cells"
    controller.undo_stack.undo()
    assert controller.model["capex"][SERVERS][3:6] == [0, 0, 0]


@pytest.mark.slow
def test_paste_of_a_whole_class_row_with_a_new_name(window, controller):
    view = window.capex_panel.class_view
    before = copy.deepcopy(controller.model)
    select(view, 1, 0, 1, 0)
    # A blank cell leaves its cell as it is (the economic life stays 5); the tax life is deducted at once (0).
    assert view.paste_text("Network gear\tcapitalized\t6\t\t1\t0\tTRUE\n"), window.statusBar().currentMessage()
    assert controller.model["asset_classes"][1] == {
        "name": "Network gear",
        "treatment": "capitalized",
        "life": 6,
        "economic_life": 5,
        "lag": 1,
        "tax_life": 0,
        "revenue_generating": True,
    }
    controller.undo_stack.undo()
    assert controller.model == before


@pytest.mark.slow
def test_paste_copied_from_excel_with_thousands_and_percent(window, controller):
    view = window.drivers_panel.view
    select(view, 0, 0, 0, 0)
    assert view.paste_text("6%\t0.07\t8.0%\n")
    assert controller.model["drivers"]["core_growth"][:3] == pytest.approx([0.06, 0.07, 0.08])


@pytest.mark.slow
def test_one_value_fills_every_selected_cell(window, controller):
    view = window.capex_panel.capex_view
    select(view, 0, 3, 3, 5)
    assert view.paste_text("5")
    for name in list(controller.model["capex"])[:4]:
        assert controller.model["capex"][name][3:6] == [5.0, 5.0, 5.0]
    assert controller.undo_stack.count() == 1


def test_refused_paste_changes_nothing_and_names_the_first_bad_cell(window, controller):
    view = window.capex_panel.capex_view
    before = copy.deepcopy(controller.model)
    select(view, 0, 0, 0, 0)
    assert not view.paste_text("1\t2\tx\t-4\n")
    assert controller.model == before
    assert f"capex.{SERVERS}[2]: 'x' is not a number" in window.statusBar().currentMessage()
    assert controller.undo_stack.count() == 0


@pytest.mark.slow
def test_paste_that_does_not_fit_or_hits_a_total_is_refused(window, controller):
    view = window.capex_panel.capex_view
    before = copy.deepcopy(controller.model)
    select(view, 4, 0, 4, 0)
    assert not view.paste_text("1\n2\n3\n")
    assert "does not fit" in window.statusBar().currentMessage()
    select(view, 4, 0, 4, 0)
    assert not view.paste_text("1\n2\n")
    assert "Total, FY26 plan is not an input" in window.statusBar().currentMessage()
    assert controller.model == before


@pytest.mark.slow
def test_fill_right_copies_the_first_column(window, controller):
    view = window.drivers_panel.view
    row = list(view.table_model.sheet.row_keys).index("utilization")
    select(view, row, 0, row, 9)
    view.setFocus()
    window.fill_right_action.trigger()
    assert controller.model["drivers"]["utilization"] == [0.8] * 10
    assert controller.undo_stack.count() == 1


@pytest.mark.slow
def test_scenario_switch_shows_its_numbers_and_shading(window, controller):
    window.scenario_selector.setCurrentText("Bull")
    window.scenario_selector.activated.emit(window.scenario_selector.currentIndex())
    assert controller.scenario == "Bull"
    bull, base = compute(controller.model, "Bull"), compute(controller.model)
    for spec in STRIP:
        assert window.kpi_strip.value_labels[spec.key].text() == format_kpi(
            spec.value(bull), spec.unit, controller.money
        )
    assert window.kpi_strip.change_labels["npv"].text().endswith("vs Base")
    assert bull.kpis["npv"] != base.kpis["npv"]

    drivers = window.drivers_panel.view.table_model
    keys = list(drivers.sheet.row_keys)
    assert drivers.index(keys.index("utilization"), 0).data(MARK_ROLE) == OVERRIDDEN
    assert drivers.index(keys.index("utilization"), 0).data() == "80.0%"
    assert drivers.index(keys.index("reinvestment_rate"), 0).data(MARK_ROLE) != OVERRIDDEN
    classes = window.capex_panel.class_view.table_model
    assert classes.index(0, 3).data(MARK_ROLE) == OVERRIDDEN  # the servers' economic life
    assert classes.index(0, 3).data() == "6"
    assert classes.index(0, 2).data(MARK_ROLE) != OVERRIDDEN

    controller.set_scenario("Base")
    assert window.kpi_strip.change_labels["npv"].text() == ""
    assert drivers.index(keys.index("utilization"), 0).data(MARK_ROLE) != OVERRIDDEN


def test_edits_in_a_scenario_become_overrides_and_reset_to_base(window, controller):
    controller.set_scenario("Bear")
    base_capex = copy.deepcopy(controller.model["capex"])
    view = window.capex_panel.capex_view
    table = view.table_model
    assert table.setData(table.index(0, 0), "90")
    assert controller.model["capex"] == base_capex
    assert controller.model["scenarios"]["Bear"]["capex"][SERVERS][0] == 90.0
    assert table.index(0, 0).data(MARK_ROLE) == OVERRIDDEN

    select(view, 0, 1, 0, 1)
    assert view.reset_to_base()
    assert "capex" not in controller.model["scenarios"]["Bear"]
    assert table.index(0, 0).data() == "67.2"
    assert table.index(0, 0).data(MARK_ROLE) != OVERRIDDEN
    controller.undo_stack.undo()
    assert controller.model["scenarios"]["Bear"]["capex"][SERVERS][0] == 90.0


@pytest.mark.slow
def test_undo_returns_to_the_scenario_the_edit_was_made_in(window, controller):
    controller.set_scenario("Bull")
    table = window.settings_panel.view.table_model
    assert table.setData(table.index(list(table.sheet.row_keys).index("wacc"), 0), "8%")
    assert controller.model["scenarios"]["Bull"]["settings"]["wacc"] == pytest.approx(0.08)
    controller.set_scenario("Base")
    controller.undo_stack.undo()
    assert controller.scenario == "Bull"
    assert window.scenario_selector.currentText() == "Bull"
    assert controller.model["scenarios"]["Bull"]["settings"]["wacc"] == 0.09


def test_blank_cells_of_a_pasted_block_leave_their_cells(window, controller):
    view = window.capex_panel.capex_view
    select(view, 0, 3, 0, 3)
    assert view.paste_text("10\t\t12\r\n\t21\t \r\n")  # as Excel copies a block with empty cells
    assert controller.model["capex"][SERVERS][3:6] == [10.0, 0.0, 12.0]
    assert controller.model["capex"]["Network equipment"][3:6] == [0.0, 21.0, 0.0]
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.undoText() == "Paste 3 cells"


def test_paste_of_amounts_with_scale_suffixes(window, controller):
    view = window.capex_panel.capex_view
    select(view, 0, 3, 0, 3)
    # The model is in RMB bn: 500m is 0.5, 1.2bn is 1.2.
    assert view.paste_text("500m\t1.2bn\t2,500m\n")
    assert controller.model["capex"][SERVERS][3:6] == pytest.approx([0.5, 1.2, 2.5])
    assert view.table_model.index(0, 3).data() == "0.5"
    controller.set_display_currency("USD")  # typed in US dollars, kept in RMB at the model's FX rate
    fx = controller.model["settings"]["fx_rmb_per_usd"]
    select(view, 1, 3, 1, 3)
    assert view.paste_text("100m")
    assert controller.model["capex"]["Network equipment"][3] == pytest.approx(0.1 * fx)


def test_refused_paste_names_the_cell_and_the_rule(window, controller):
    view = window.capex_panel.capex_view
    before = copy.deepcopy(controller.model)
    select(view, 0, 3, 0, 3)
    assert not view.paste_text("1\t\t(2.5)\n")  # an accounting negative is read, and capex is never negative
    assert f"capex.{SERVERS}[5]: -2.5 is below 0" in window.statusBar().currentMessage()
    drivers = window.drivers_panel.view
    select(drivers, 0, 0, 0, 0)
    assert not drivers.paste_text("5%\t5m\n")  # a scale belongs to money only
    assert "drivers.core_growth[1]: '5m' is not a number" in window.statusBar().currentMessage()
    assert controller.model == before
    assert controller.undo_stack.count() == 0


def test_undo_names_the_step_with_its_ampersand_and_the_toolbar_keeps_its_place(window, controller):
    toolbar = window.toolbar
    button = toolbar.widgetForAction(window.redo_action)
    before = button.geometry()
    table = window.capex_panel.capex_view.table_model
    assert table.setData(table.index(0, 3), "5")
    assert window.undo_action.text() == f"&Undo Edit {SERVERS.replace('&', '&&')}, FY29 follow-on"
    assert window.undo_action.toolTip() == f"Undo Edit {SERVERS}, FY29 follow-on"
    assert toolbar.widgetForAction(window.undo_action).text() == "Undo"
    assert button.geometry() == before
    window.undo_action.trigger()
    assert controller.model["capex"][SERVERS][3] == 0.0
    assert window.redo_action.isEnabled() and not window.undo_action.isEnabled()
    assert window.redo_action.text() == f"&Redo Edit {SERVERS.replace('&', '&&')}, FY29 follow-on"
    window.redo_action.trigger()
    assert controller.model["capex"][SERVERS][3] == 5.0


def test_paste_of_text_too_long_for_a_cell_is_refused_with_a_message(window, controller):
    view = window.capex_panel.capex_view
    before = copy.deepcopy(controller.model)
    select(view, 0, 0, 0, 0)
    assert not view.paste_text("x" * 200_000)  # more than a tab-separated reader takes in one cell
    assert "nothing was pasted" in window.statusBar().currentMessage()
    assert controller.model == before


def test_an_undo_step_of_one_cell_says_cell(window, controller):
    view = window.capex_panel.capex_view
    select(view, 0, 3, 0, 3)
    assert view.paste_text("5")
    assert controller.undo_stack.undoText() == "Paste 1 cell"
    select(view, 1, 3, 1, 3)
    assert view.fill_down()  # one cell takes the value above it
    assert controller.undo_stack.undoText() == "Fill down 1 cell"
