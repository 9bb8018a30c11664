"""Editing in the window: every figure shown comes from the model layer; refused input changes nothing."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QStyleOptionViewItem

from model import compute
from model.edits import SetCell, apply_edit
from ui.delegates import fitted_text
from ui.formatting import format_kpi
from ui.kpi_strip import STRIP
from ui.table_model import SOURCED, UNIT_ROLE

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


@pytest.mark.parametrize("keys", ["Ctrl+Shift+Z", "Ctrl+Y"])
def test_redo_answers_both_keys(window, controller, qtbot, keys):
    table, index = capex_cell(window, 0, 3)
    assert table.setData(index, "150")
    edited = copy.deepcopy(controller.model)
    controller.undo_stack.undo()
    window.activateWindow()
    sequence = QKeySequence(keys)
    qtbot.keyClick(window, sequence[0].key(), sequence[0].keyboardModifiers())
    assert controller.model == edited


def test_a_value_that_stays_undefined_is_no_change():
    from ui.table_model import Sheet, cell_table, changed_cells, grid

    def sheet(values: list) -> Sheet:
        columns = ["a", "b", "c", "d"]
        return Sheet(cell_table([values], 4), ["row"], columns, grid((1, 4), "money"), ["row"], columns)

    nan = float("nan")
    changed = changed_cells(sheet([nan, nan, 1.0, None]), sheet([float("nan"), 2.0, nan, nan]))
    assert changed.tolist() == [[False, True, True, True]]


def test_a_sheet_keeps_each_value_as_one_cell_and_refuses_cells_its_keys_do_not_fit():
    from ui.table_model import Sheet, cell_table, grid

    cells = cell_table([[1.0, [2.0, 3.0]], [None, "x"]], 2)  # a scenario's driver row is one cell
    assert cells.shape == (2, 2) and cells[0, 1] == [2.0, 3.0] and cells[1, 0] is None
    with pytest.raises(ValueError, match="2 x 2 cells for 2 rows x 3 columns"):
        Sheet(cells, ["a", "b"], [2026, 2027, 2028], grid((2, 2), "money"), ["a", "b"], ["FY26", "FY27", "FY28"])


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
    row = projections.sheet.row_keys.index("total_revenue")
    assert projections.index(row, 0).data() == f"{results.line('total_revenue')[0]:,.1f}"
    _, margin = window.charts.revenue.margin.getData()
    assert margin == pytest.approx(results.line("ebita_margin") * 100)
    _, cumulative = window.charts.cash_flow.cumulative.getData()
    assert cumulative == pytest.approx(results.line("cumulative_fcf"))


@pytest.mark.slow
def test_typing_into_a_cell_with_the_editor(window, controller, qtbot):
    view = window.drivers_panel.view
    window.assumption_tabs.setCurrentWidget(window.drivers_panel)
    row = list(view.table_model.sheet.row_keys).index("utilization")
    index = view.table_model.index(row, 2)
    view.setCurrentIndex(index)
    view.edit(index)
    # The open editor: an earlier one may still await deletion, hidden.
    (editor,) = [child for child in view.findChildren(QLineEdit) if not child.isHidden()]
    editor.selectAll()
    qtbot.keyClicks(editor, "65%")
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # Qt commits on its next turn of the event loop
    qtbot.waitUntil(lambda: controller.model["drivers"]["utilization"][2] == pytest.approx(0.65))
    assert index.data() == "65.0%"


@pytest.mark.slow
@pytest.mark.parametrize("text", ["0.12", "12%"])
def test_percent_cells_take_both_forms(window, controller, text):
    table = window.drivers_panel.view.table_model
    row = list(table.sheet.row_keys).index("core_growth")
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
    row = list(table.sheet.row_keys).index("utilization")
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
    keys = list(table.sheet.row_keys)
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
    keys = list(table.sheet.row_keys)
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
    assert rows[0].split("\t")[0] == f"{window.controller.results.lines_array[0, 0]:.10g}"


# --------------------------------------------------------------------------- typed as a user types
# Every editor of the window, typed into with values that must be taken exactly or refused with
# the rule they break, the old value kept. A spin box used to drop the keys it did not expect:
# 2.5 became 25 and -3 became 3 in the Life column.


def editor_cells(window) -> dict:
    """Editor kind -> (view, index) of one cell of that kind."""
    from ui.risk.panel import RiskPanel

    classes = window.capex_panel.class_view
    settings = window.settings_panel.view
    keys = list(settings.table_model.sheet.row_keys)
    risk = window.findChild(RiskPanel).inputs_page.inputs_view
    low = list(risk.table_model.sheet.column_keys).index("low")
    capex = window.capex_panel.capex_view
    return {
        "book life (whole years)": (classes, classes.table_model.index(0, 2)),
        "economic life (whole years, may follow)": (classes, classes.table_model.index(0, 3)),
        "plan years (whole number setting)": (settings, settings.table_model.index(keys.index("plan_years"), 0)),
        "capex (money)": (capex, capex.table_model.index(0, 0)),
        "WACC (percent)": (settings, settings.table_model.index(keys.index("wacc"), 0)),
        "uncertain input (percent parameter)": (risk, risk.table_model.index(0, low)),
        "class name (text)": (classes, classes.table_model.index(0, 0)),
    }


def type_into(qtbot, view, index, text: str) -> None:
    """Open the cell's editor, type ``text`` (set at once when long) and press Return."""
    from PySide6.QtWidgets import QAbstractItemView

    view.setCurrentIndex(index)
    view.edit(index)
    # The open editor: an earlier one may still await deletion, hidden.
    (editor,) = [child for child in view.findChildren(QLineEdit) if not child.isHidden()]
    editor.clear()
    if len(text) > 50 or not text.isprintable():  # typed, Escape would end the edit
        editor.setText(text)
    else:
        qtbot.keyClicks(editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.state() != QAbstractItemView.State.EditingState)


REFUSALS = {  # typed text -> the rule, for the numeric editors (a class name takes most of them as text)
    "2.5": "2.5 is not a whole number",
    "-3": "-3 is outside",
    "1e308": "1e+308 is outside",
    "nan": "nan is not a finite number",
    "inf": "inf is not a finite number",
    "five": "'five' is not a number",
    "1_000": "'1_000' is not a number",
    "9" * 400: "inf is not a finite number",
    "x" * 100_000: "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' is not a number",
}


WHOLE_NUMBER_CASES = [("book life (whole years)", text) for text in REFUSALS] + [
    (kind, text)
    for kind in ("economic life (whole years, may follow)", "plan years (whole number setting)")
    for text in ("2.5", "-3", "1e308")
]


@pytest.mark.parametrize(("kind", "text"), WHOLE_NUMBER_CASES, ids=lambda v: v[:12])
def test_a_whole_number_cell_refuses_what_is_not_one_and_keeps_its_value(window, controller, qtbot, kind, text):
    view, index = editor_cells(window)[kind]
    before, shown = copy.deepcopy(controller.model), index.data()
    type_into(qtbot, view, index, text)
    assert controller.model == before
    assert index.data() == shown
    assert controller.undo_stack.count() == 0
    assert REFUSALS[text] in window.statusBar().currentMessage()


@pytest.mark.parametrize(
    ("kind", "text", "rule"),
    [
        ("capex (money)", "-3", "-3 is below 0"),
        ("capex (money)", "nan", "nan is not a finite number"),
        ("capex (money)", "inf", "inf is not a finite number"),
        ("capex (money)", "", "null is not a number"),
        ("capex (money)", "1_000", "'1_000' is not a number"),
        ("capex (money)", "x" * 100_000, "is not a number"),
        ("capex (money)", "1e308", "Not changed"),  # refused by the calibration or the ±1e18 display bound
        ("WACC (percent)", "1e308", "beyond what the workbench can show"),
        ("WACC (percent)", "nan", "nan is not a finite number"),
        ("WACC (percent)", "", "null is not a number"),
        ("WACC (percent)", "ten", "'ten' is not a number"),
        ("uncertain input (percent parameter)", "inf", "inf is not a finite number"),
        ("uncertain input (percent parameter)", "", "null is not a number"),
        ("uncertain input (percent parameter)", "1e308", "low ≤ mode ≤ high is not true"),
        ("class name (text)", "", "is not a non-empty text"),
        ("class name (text)", "bad\x1bname", "Not changed"),
    ],
    ids=lambda v: v[:24] if isinstance(v, str) else v,
)
def test_every_editor_refuses_bad_values_with_the_rule_and_keeps_the_old_one(
    window, controller, qtbot, kind, text, rule
):
    view, index = editor_cells(window)[kind]
    before, shown = copy.deepcopy(controller.model), index.data()
    type_into(qtbot, view, index, text)
    assert controller.model == before
    assert index.data() == shown
    assert controller.undo_stack.count() == 0
    assert rule in window.statusBar().currentMessage()


@pytest.mark.parametrize(
    ("kind", "text", "read"),
    [
        ("book life (whole years)", "7", 7),
        ("book life (whole years)", "7.0", 7),  # 7.0 is the whole number 7, as the file format reads it
        ("book life (whole years)", " 8 ", 8),
        ("plan years (whole number setting)", "+2", 2),
        ("capex (money)", "2.5", 2.5),
        ("WACC (percent)", "9.5", 0.095),  # a plain number of 1 or more in a percent cell is percent (Excel)
        ("WACC (percent)", "0.095", 0.095),
    ],
)
def test_a_good_value_is_taken_exactly(window, controller, qtbot, kind, text, read):
    view, index = editor_cells(window)[kind]
    type_into(qtbot, view, index, text)
    servers = next(c for c in controller.model["asset_classes"] if c["name"] == SERVERS)
    taken = {
        "book life (whole years)": lambda: servers["life"],
        "plan years (whole number setting)": lambda: controller.model["settings"]["plan_years"],
        "capex (money)": lambda: controller.model["capex"][SERVERS][0],
        "WACC (percent)": lambda: controller.model["settings"]["wacc"],
    }[kind]()
    assert taken == pytest.approx(read, rel=0, abs=1e-15) and type(taken) is type(read)
    assert controller.undo_stack.count() == 1


def test_a_followed_life_left_empty_stays_following(window, controller, qtbot):
    view, _ = editor_cells(window)["economic life (whole years, may follow)"]
    row = next(i for i, c in enumerate(controller.model["asset_classes"]) if "life" in c and "economic_life" not in c)
    index = view.table_model.index(row, 3)
    before = copy.deepcopy(controller.model)
    type_into(qtbot, view, index, "")
    assert controller.model == before and controller.undo_stack.count() == 0


# A rename rebuilds the class table under the open editor; Qt then warns of an editor that is gone.
@pytest.mark.qt_log_ignore("commitData called with an editor that does not belong", "propagateSizeHints")
def test_a_class_name_that_looks_like_a_number_or_a_formula_is_taken_as_typed(window, controller, qtbot):
    view, index = editor_cells(window)["class name (text)"]
    for name in ("2.5", '=HYPERLINK("http://example.com","x")'):
        type_into(qtbot, view, index, name)
        # The rename lands once the rebuilt class table has settled under the closed editor.
        qtbot.waitUntil(lambda name=name: controller.model["asset_classes"][0]["name"] == name)
        index = view.table_model.index(0, 0)
    assert controller.undo_stack.count() == 2


@pytest.mark.parametrize(
    ("name", "rule"),
    [("", "is not a non-empty text"), ("a\x1b[31mb", "Not changed"), ("Bull", "is the name of another scenario")],
)
def test_the_scenario_manager_refuses_a_bad_name_and_keeps_the_model(window, controller, name, rule):
    before = copy.deepcopy(controller.model)
    assert not window.scenario_actions.new_from_base(name)
    assert controller.model == before and controller.undo_stack.count() == 0
    assert rule in window.statusBar().currentMessage()


@pytest.mark.parametrize(
    ("key", "labels"),
    [
        ("terminal_method", "is not one of none, book value, Gordon growth, exit multiple"),
        ("infrastructure_charge", "is not one of owned by the plan, rented"),
    ],
)
def test_a_wrong_choice_is_refused_naming_the_labels_the_cells_show(window, controller, key, labels):
    table = window.settings_panel.view.table_model
    cell = table.index(list(table.sheet.row_keys).index(key), 0)
    before = copy.deepcopy(controller.model)
    assert not table.setData(cell, "perpetuity")
    assert controller.model == before
    assert f"'perpetuity' {labels}" in window.statusBar().currentMessage()


def test_a_number_wider_than_its_column_shows_as_hashes_never_cut_short(window, controller):
    view = window.capex_panel.capex_view
    table = view.table_model
    assert table.setData(table.index(0, 1), "12345.6")  # FY27: FY26 is calibrated

    def shown(row: int, column: int) -> str:
        option = QStyleOptionViewItem()
        option.initFrom(view)
        option.rect = view.visualRect(table.index(row, column))
        view.itemDelegate().initStyleOption(option, table.index(row, column))
        return fitted_text(option, table.index(row, column).data(UNIT_ROLE))

    assert table.index(0, 1).data() == "12,345.6"
    assert set(shown(0, 1)) == {"#"}  # as a spreadsheet shows it, not "12,34…"
    assert shown(0, 2) == table.index(0, 2).data()  # a number that fits is shown as it is
    view.resizeColumnToContents(1)
    assert shown(0, 1) == "12,345.6"
