"""Explain any number in the window: Ctrl+[ on a KPI opens the panel and its links lead down to an
input and its source; Ctrl+] lists what an input feeds; the panel follows edits, undo and the
scenario on screen."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from model.edits import RemoveClass, SetSetting
from model.explain import Ref
from ui.formatting import format_kpi

SERVERS = "AI servers & accelerators"


def press(qtbot, widget, key) -> None:
    """Ctrl + ``key`` on the widget that has the focus."""
    assert QApplication.focusWidget() is widget
    qtbot.keyClick(widget, key, Qt.KeyboardModifier.ControlModifier)


def rows(panel) -> list[str]:
    return [panel.table.item(row, 0).text()[2:] for row in range(panel.table.rowCount())]


def click_row(qtbot, panel, label: str) -> None:
    """Click the row of the number called ``label`` as the analyst would."""
    row = rows(panel).index(label)
    panel.table.scrollToItem(panel.table.item(row, 0))
    rect = panel.table.visualItemRect(panel.table.item(row, 0))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_ctrl_bracket_on_a_kpi_follows_the_links_down_to_an_input_and_its_source(window, qtbot):
    dock, panel = window.explain_dock, window.explain_dock.panel
    assert not dock.isVisible()
    tile = window.kpi_strip.tiles["npv"]
    window.activateWindow()
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)  # a click gives the tile the focus
    press(qtbot, tile, Qt.Key.Key_BracketLeft)
    assert dock.isVisible()
    assert panel.title.text() == "NPV  ·  Base"
    assert panel.value.text() == window.kpi_strip.value_labels["npv"].text()
    assert "[PV of FCF] over the years after the [Valuation year]" in panel.formula.text()
    assert rows(panel)[0] == "PV of FCF FY2026"

    click_row(qtbot, panel, "PV of FCF FY2026")
    assert panel.title.text().startswith("PV of FCF FY2026")
    click_row(qtbot, panel, "Plan free cash flow FY2026")
    click_row(qtbot, panel, "Capex, owned by the plan FY2026")
    click_row(qtbot, panel, f"Capex {SERVERS} FY2026")
    assert panel.title.text() == f"Capex {SERVERS} FY2026  ·  Base"
    assert panel.value.text() == "RMB 67.2 bn"
    assert panel.sources.isVisible()
    source = window.controller.model["sources"][f"capex.{SERVERS}"]
    assert source["text"][:40] in panel.sources.text().replace("&#x27;", "'")
    assert f"href='{source['url']}'" in panel.sources.text()
    assert panel.sources.openExternalLinks()

    for _ in range(4):
        qtbot.mouseClick(panel.back_button, Qt.MouseButton.LeftButton)
    assert panel.title.text() == "NPV  ·  Base"
    assert not panel.back_button.isEnabled()


def test_ctrl_close_bracket_on_an_input_lists_what_it_feeds(window, qtbot):
    view = window.drivers_panel.view
    window.assumption_tabs.setCurrentWidget(window.drivers_panel)
    keys = list(view.table_model.sheet.row_keys)
    view.setCurrentIndex(view.table_model.index(keys.index("utilization"), 1))  # FY2027
    window.activateWindow()
    view.setFocus()
    press(qtbot, view, Qt.Key.Key_BracketRight)
    panel = window.explain_dock.panel
    assert panel.title.text() == "Utilization of capacity FY2027  ·  Base"
    assert rows(panel) == ["Installed fleet revenue FY2027", "AI revenue FY2027"]
    # The values shown are the projections'.
    ai_revenue = window.controller.results.value("ai_revenue", 2027)
    assert panel.table.item(1, 1).text() == format_kpi(ai_revenue, "money", window.controller.money)
    # A dependent explains itself in turn, by a click or by Ctrl+[ on its row.
    click_row(qtbot, panel, "AI revenue FY2027")
    assert "[Utilization of capacity]" in panel.formula.text()
    panel.table.setFocus()
    panel.table.setCurrentCell(rows(panel).index("Revenue yield FY2027"), 0)
    press(qtbot, panel.table, Qt.Key.Key_BracketLeft)
    assert panel.title.text() == "Revenue yield FY2027  ·  Base"


def test_the_panel_follows_an_edit_and_its_undo(window, controller, qtbot):
    panel = window.explain_dock.panel
    window.explain_dock.open("precedents", Ref("kpi", "npv"))
    before = panel.value.text()
    assert controller.apply(SetSetting("wacc", 0.12), "Edit WACC")
    after = panel.value.text()
    assert after != before
    assert after == format_kpi(controller.results.kpis["npv"], "money", controller.money)
    controller.undo_stack.undo()
    assert panel.value.text() == before
    # Closed, it waits; shown again, it has caught up.
    window.explain_dock.hide()
    controller.undo_stack.redo()
    window.explain_dock.show()
    assert panel.value.text() == after


def test_the_panel_follows_the_scenario_and_says_what_it_overrides(window, controller):
    panel = window.explain_dock.panel
    window.explain_dock.open("precedents", Ref("settings", "wacc"))
    assert panel.value.text() == "10.0%"
    controller.set_scenario("Bull")
    assert panel.title.text().endswith("·  Bull")
    assert panel.value.text() == "9.0%"
    assert "Bull</b> overrides this input (Base: 10.0%)" in panel.sources.text()


def test_right_click_menus_offer_explain_on_cells_and_kpi_tiles(window):
    view = window.projections.view
    explain, trace = view.context_actions
    assert explain.text().startswith("Explain") and trace.text().startswith("Trace dependents")
    keys = list(view.table_model.sheet.row_keys)
    view.setCurrentIndex(view.table_model.index(keys.index("ebita_margin"), 0))
    explain.trigger()
    panel = window.explain_dock.panel
    assert panel.title.text() == "EBITA margin FY2026  ·  Base"
    assert "[Total EBITA] / [Total revenue]" in panel.formula.text()
    assert "Reported: 9.0%" in panel.formula.text()

    tile = window.kpi_strip.tiles["irr"]
    assert tile.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    tile.actions()[1].trigger()  # Trace dependents of a KPI that nothing uses
    assert panel.title.text() == "IRR  ·  Base"
    assert panel.table_caption.text() == "Nothing uses it."


def test_a_chart_point_lists_the_charts_numbers_in_that_year(window, qtbot):
    chart = window.charts.charts[2]  # free cash flow
    window.activateWindow()
    qtbot.mouseClick(chart.plot_widget.viewport(), Qt.MouseButton.LeftButton)  # a click gives the chart card the focus
    chart.show_year(2029)  # where the pointer is
    press(qtbot, chart, Qt.Key.Key_BracketLeft)
    panel = window.explain_dock.panel
    assert panel.title.text() == f"{chart.title.text()}  ·  FY2029"
    assert rows(panel) == ["Plan free cash flow FY2029", "Cumulative FCF FY2029", "PV of FCF FY2029"]
    click_row(qtbot, panel, "Cumulative FCF FY2029")
    assert panel.title.text().startswith("Cumulative FCF FY2029")


def test_a_cell_that_is_no_model_number_says_so(window):
    view = window.capex_panel.capex_view
    view.setFocus()
    view.setCurrentIndex(view.table_model.index(0, view.table_model.columnCount() - 1))  # a plan total
    assert not window.explain_dock.explain_focused("precedents")
    assert "Select a KPI" in window.statusBar().currentMessage()


def test_the_panel_follows_a_renamed_class_and_says_plainly_when_one_is_removed(window, controller):
    dock, panel = window.explain_dock, window.explain_dock.panel
    capex = window.capex_panel.capex_view
    capex.setFocus()
    capex.setCurrentIndex(capex.table_model.index(1, 0))  # Network equipment FY2026
    assert dock.explain_focused("precedents")
    assert panel.title.text() == "Capex Network equipment FY2026  ·  Base"
    value = panel.value.text()
    classes = window.capex_panel.class_view.table_model
    assert classes.setData(classes.index(1, 0), "Switches")
    assert panel.title.text() == "Capex Switches FY2026  ·  Base" and panel.value.text() == value
    controller.undo_stack.undo()
    assert panel.title.text() == "Capex Network equipment FY2026  ·  Base"
    dock.hide()  # hidden, it still follows the name, and catches up when shown
    controller.undo_stack.redo()
    dock.show()
    assert panel.title.text() == "Capex Switches FY2026  ·  Base"

    # Removed, with nothing to go back to: the message offers what can be done.
    panel.history.clear()
    assert controller.apply(RemoveClass("Switches"), "Remove class Switches")
    assert not panel.back_button.isEnabled()
    assert "No longer in the model" in panel.formula.text() and "Back" not in panel.formula.text()
    assert not panel.precedents_button.isEnabled() and not panel.dependents_button.isEnabled()
    controller.undo_stack.undo()  # the class is back, and so is its number
    assert panel.title.text() == "Capex Switches FY2026  ·  Base"
    window.explain_dock.open("precedents", Ref("kpi", "npv"))
    assert controller.apply(RemoveClass("Switches"), "Remove class Switches")
    panel.back()
    assert panel.back_button.isEnabled() is False and "Back" not in panel.formula.text()
