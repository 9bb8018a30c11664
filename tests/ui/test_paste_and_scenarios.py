"""Pasting blocks, filling right, scenarios and their overrides."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import QItemSelection, QItemSelectionModel

from model import compute
from ui.formatting import format_kpi
from ui.kpi_strip import STRIP
from ui.table_model import MARK_ROLE, OVERRIDDEN

SERVERS = "AI servers & accelerators"


def select(view, top, left, bottom, right):
    model = view.table_model
    view.setCurrentIndex(model.index(top, left))
    selection = QItemSelection(model.index(top, left), model.index(bottom, right))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


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


def test_paste_copied_from_excel_with_thousands_and_percent(window, controller):
    view = window.drivers_panel.view
    select(view, 0, 0, 0, 0)
    assert view.paste_text("6%\t0.07\t8.0%\n")
    assert controller.model["drivers"]["core_growth"][:3] == pytest.approx([0.06, 0.07, 0.08])


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


def test_fill_right_copies_the_first_column(window, controller):
    view = window.drivers_panel.view
    row = list(view.table_model.sheet.values.index).index("utilization")
    select(view, row, 0, row, 9)
    view.setFocus()
    window.fill_right_action.trigger()
    assert controller.model["drivers"]["utilization"] == [0.8] * 10
    assert controller.undo_stack.count() == 1


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
    keys = list(drivers.sheet.values.index)
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


def test_undo_returns_to_the_scenario_the_edit_was_made_in(window, controller):
    controller.set_scenario("Bull")
    table = window.settings_panel.view.table_model
    assert table.setData(table.index(list(table.sheet.values.index).index("wacc"), 0), "8%")
    assert controller.model["scenarios"]["Bull"]["settings"]["wacc"] == pytest.approx(0.08)
    controller.set_scenario("Base")
    controller.undo_stack.undo()
    assert controller.scenario == "Bull"
    assert window.scenario_selector.currentText() == "Bull"
    assert controller.model["scenarios"]["Bull"]["settings"]["wacc"] == 0.09
