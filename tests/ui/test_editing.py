"""Editing in the window: every figure shown comes from the model layer; refused input changes nothing."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QStyleOptionViewItem

from model import compute
from model.edits import SetCell, apply_edit
from ui.formatting import format_kpi
from ui.kpi_strip import STRIP
from ui.table_model import SOURCED

SERVERS = "AI servers & accelerators"


def shown_kpis(window) -> dict[str, str]:
    return {key: label.text() for key, label in window.kpi_strip.value_labels.items()}


def expected_kpis(model, scenario, money) -> dict[str, str]:
    """The KPI texts for what the model layer computes, formatted as the strip formats them."""
    results = compute(model, scenario)
    return {spec.key: format_kpi(spec.value(results), spec.unit, money) for spec in STRIP}


def capex_cell(window, row, column):
    table = window.capex_panel.capex_view.table_model
    return table, table.index(row, column)


def test_editing_a_cell_shows_what_the_model_computes_and_undo_redo(window, controller):
    before_model = copy.deepcopy(controller.model)
    before = shown_kpis(window)
    assert before == expected_kpis(before_model, None, controller.money)

    table, index = capex_cell(window, 0, 3)
    assert table.setData(index, "150")

    edited, _ = apply_edit(before_model, SetCell("capex", SERVERS, 3, 150.0))
    assert controller.model == edited
    assert shown_kpis(window) == expected_kpis(edited, None, controller.money)
    assert shown_kpis(window) != before
    assert index.data() == "150.0"
    assert window.windowTitle().endswith("alibaba.json*")

    controller.undo_stack.undo()
    assert controller.model == before_model
    assert shown_kpis(window) == before
    assert not window.windowTitle().endswith("*")
    controller.undo_stack.redo()
    assert shown_kpis(window) == expected_kpis(edited, None, controller.money)


def test_a_value_that_stays_undefined_is_no_change():
    import numpy as np
    import pandas as pd

    from ui.table_model import Sheet, changed_cells

    def sheet(values: list) -> Sheet:
        frame = pd.DataFrame([values], dtype=object)
        return Sheet(frame, np.full(frame.shape, "money", dtype=object), ["row"], ["a", "b", "c", "d"])

    nan = float("nan")
    changed = changed_cells(sheet([nan, nan, 1.0, None]), sheet([float("nan"), 2.0, nan, nan]))
    assert changed.tolist() == [[False, True, True, True]]


def test_an_edit_announces_the_cells_it_changed_and_no_others(window):
    table, index = capex_cell(window, 0, 3)
    rows, columns = table.rowCount(), table.columnCount()

    def shown() -> dict[tuple[int, int], tuple]:
        return {
            (r, c): (table.index(r, c).data(), table.index(r, c).data(Qt.ItemDataRole.ToolTipRole))
            for r in range(rows)
            for c in range(columns)
        }

    before, announced = shown(), set()
    table.dataChanged.connect(
        lambda top_left, bottom_right: announced.update(
            (r, c)
            for r in range(top_left.row(), bottom_right.row() + 1)
            for c in range(top_left.column(), bottom_right.column() + 1)
        )
    )
    assert table.setData(index, "150")
    after = shown()
    changed = {cell for cell in before if before[cell] != after[cell]}
    assert (0, 3) in changed and changed <= announced
    # Another class's plan years (the first three are before the edited year) are not repainted.
    assert not announced & {(1, 0), (1, 1), (1, 2)}


@pytest.mark.slow
def test_projections_and_charts_follow_an_edit(window, controller):
    table, index = capex_cell(window, 0, 0)
    table.setData(index, "100")
    results = compute(controller.model)
    projections = window.projections.view.table_model
    row = list(results.lines.index).index("total_revenue")
    assert projections.index(row, 0).data() == f"{results.lines.iloc[row, 0]:,.1f}"
    _, margin = window.charts.revenue.margin.getData()
    assert margin == pytest.approx(results.lines.loc["ebita_margin"].to_numpy() * 100)
    _, cumulative = window.charts.cash_flow.cumulative.getData()
    assert cumulative == pytest.approx(results.lines.loc["cumulative_fcf"].to_numpy())


@pytest.mark.slow
def test_typing_into_a_cell_with_the_editor(window, controller, qtbot):
    view = window.drivers_panel.view
    window.assumption_tabs.setCurrentWidget(window.drivers_panel)
    row = list(view.table_model.sheet.values.index).index("utilization")
    index = view.table_model.index(row, 2)
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.findChild(QLineEdit)
    assert editor is not None
    editor.selectAll()
    qtbot.keyClicks(editor, "65%")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Qt commits on its next turn of the event loop
    qtbot.waitUntil(lambda: controller.model["drivers"]["utilization"][2] == pytest.approx(0.65))
    assert index.data() == "65.0%"


@pytest.mark.slow
@pytest.mark.parametrize("text", ["0.12", "12%"])
def test_percent_cells_take_both_forms(window, controller, text):
    table = window.drivers_panel.view.table_model
    row = list(table.sheet.values.index).index("core_growth")
    # FY2027: a 12 % core growth in the calibration year FY2026 would leave no room for AI opex.
    assert table.setData(table.index(row, 1), text)
    assert controller.model["drivers"]["core_growth"][1] == pytest.approx(0.12)


@pytest.mark.slow
def test_money_cells_take_thousands_separators(window, controller):
    table, index = capex_cell(window, 1, 1)  # FY2027: FY2026, the calibration year, stays as reported
    assert table.setData(index, "1,234.5")
    assert controller.model["capex"]["Network equipment"][1] == 1234.5


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("abc", f"capex.{SERVERS}[0]: 'abc' is not a number"),
        ("-5", f"capex.{SERVERS}[0]: -5 is below 0"),
        ("", f"capex.{SERVERS}[0]: null is not a number"),
    ],
)
def test_refused_input_keeps_the_model_and_shows_the_rule(window, controller, text, rule):
    before, kpis = copy.deepcopy(controller.model), shown_kpis(window)
    table, index = capex_cell(window, 0, 0)
    assert not table.setData(index, text)
    assert controller.model == before
    assert shown_kpis(window) == kpis
    assert index.data() == "67.2"
    assert rule in window.statusBar().currentMessage()
    assert controller.undo_stack.count() == 0


@pytest.mark.slow
def test_out_of_range_driver_is_refused_with_its_rule(window, controller):
    table = window.drivers_panel.view.table_model
    row = list(table.sheet.values.index).index("utilization")
    assert not table.setData(table.index(row, 3), "140%")
    assert "drivers.utilization[3]: 1.4 is above 1" in window.statusBar().currentMessage()


@pytest.mark.slow
def test_totals_are_read_only(window):
    table = window.capex_panel.capex_view.table_model
    total_row = table.rowCount() - 1
    assert not table.flags(table.index(total_row, 0)) & Qt.ItemFlag.ItemIsEditable
    assert not table.setData(table.index(total_row, 0), "5")


@pytest.mark.slow
def test_settings_combo_and_check_box(window, controller):
    table = window.settings_panel.view.table_model
    keys = list(table.sheet.values.index)
    method = table.index(keys.index("terminal_method"), 0)
    assert table.data(method, Qt.ItemDataRole.UserRole + 2) == ["none", "book_value", "gordon", "exit_multiple"]
    assert table.setData(method, "gordon")
    assert controller.model["settings"]["terminal_method"] == "gordon"
    assert method.data() == "Gordon growth"  # keys read as words
    view = window.settings_panel.view
    combo = view.itemDelegate().createEditor(view.viewport(), QStyleOptionViewItem(), method)
    view.itemDelegate().setEditorData(combo, method)
    assert combo.currentText() == "Gordon growth"
    assert [combo.itemText(i) for i in range(combo.count())][1] == "book value"
    combo.setCurrentIndex(combo.findText("exit multiple"))
    view.itemDelegate().setModelData(combo, table, method)
    assert controller.model["settings"]["terminal_method"] == "exit_multiple"
    combo.deleteLater()
    assert table.setData(method, "Gordon growth")  # the words, typed or pasted, work too
    assert controller.model["settings"]["terminal_method"] == "gordon"
    mid_year = table.index(keys.index("mid_year"), 0)
    assert table.setData(mid_year, Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    assert controller.model["settings"]["mid_year"] is True
    # The Gordon cross rule: WACC must stay above terminal growth.
    assert not table.setData(table.index(keys.index("wacc"), 0), "2%")
    assert "must be above terminal_growth" in window.statusBar().currentMessage()


@pytest.mark.slow
def test_sources_show_as_tooltips_and_marks(window):
    table = window.settings_panel.view.table_model
    keys = list(table.sheet.values.index)
    fx = table.index(keys.index("fx_rmb_per_usd"), 0)
    assert "Business Wire" in fx.data(Qt.ItemDataRole.ToolTipRole)
    assert fx.data(Qt.ItemDataRole.UserRole + 4) == SOURCED
    wacc = table.index(keys.index("wacc"), 0)
    assert wacc.data(Qt.ItemDataRole.UserRole + 4) == ""
    assert wacc.data(Qt.ItemDataRole.ToolTipRole).startswith("Source: Judgment")


@pytest.mark.slow
def test_currency_toggle_is_display_only(window, controller):
    model = copy.deepcopy(controller.model)
    table, index = capex_cell(window, 0, 1)
    window.currency_actions["USD"].trigger()
    assert index.data() == f"{70.0 / 6.9:,.1f}"
    assert window.kpi_strip.value_labels["npv"].text().startswith("USD ")
    assert controller.model == model
    assert table.setData(index, "10")  # typed in USD
    assert controller.model["capex"][SERVERS][1] == pytest.approx(69.0)
    window.currency_actions["RMB"].trigger()
    assert index.data() == "69.0"


@pytest.mark.slow
def test_class_table_add_rename_remove_with_undo(window, controller):
    panel = window.capex_panel
    classes = panel.class_view.table_model
    assert panel.add_class()
    assert list(controller.model["capex"])[-1] == "New class"
    assert classes.rowCount() == 6
    assert panel.capex_view.table_model.rowCount() == 7  # six classes and the total
    assert classes.setData(classes.index(5, 0), "Cooling retrofit")
    assert "Cooling retrofit" in controller.model["capex"]
    assert not classes.setData(classes.index(5, 0), "Network equipment")
    assert "is used by another class" in window.statusBar().currentMessage()
    life = classes.index(5, 2)
    assert classes.setData(life, "7")
    assert controller.model["asset_classes"][5]["life"] == 7
    revenue = classes.index(5, 6)
    assert classes.setData(revenue, Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert controller.model["asset_classes"][5]["revenue_generating"] is False

    panel.class_view.setCurrentIndex(classes.index(1, 0))
    assert panel.remove_selected_class()
    assert "Network equipment" not in controller.model["capex"]
    for _ in range(5):
        controller.undo_stack.undo()
    assert list(controller.model["capex"]) == [cls["name"] for cls in controller.model["asset_classes"]]
    assert len(controller.model["capex"]) == 5
    assert "New class" not in controller.model["capex"]


def test_copy_puts_a_tab_separated_block_on_the_clipboard(window):
    view = window.projections.view
    view.setFocus()
    view.selectionModel().select(view.table_model.index(0, 0), view.selectionModel().SelectionFlag.Select)
    view.selectionModel().select(view.table_model.index(1, 1), view.selectionModel().SelectionFlag.Select)
    view.selectAll()
    window.copy_action.trigger()
    text = QApplication.clipboard().text()
    rows = text.rstrip("\n").split("\n")
    assert len(rows) == view.table_model.rowCount()
    assert len(rows[0].split("\t")) == view.table_model.columnCount()
    assert rows[0].split("\t")[0] == f"{window.controller.results.lines.iat[0, 0]:.10g}"
