"""The spreadsheet keys of every editable table: F2, Ctrl+D, Ctrl+Enter, Delete, Ctrl+Arrow,
Ctrl+PgUp/PgDn, Ctrl+C/Ctrl+V, each pressed as an analyst presses it."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLineEdit

from tests.ui.helpers import select
from ui.table_model import MARK_ROLE, OVERRIDDEN

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
SERVERS = "AI servers & accelerators"


def focused(window, qtbot, view):
    """``view`` with the keyboard, in the active window, as after a click on it."""
    assert view.isVisible()
    window.activateWindow()
    qtbot.waitActive(window)
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    return view


def driver_row(window, key):
    window.assumption_tabs.setCurrentWidget(window.drivers_panel)
    view = window.drivers_panel.view
    return view, list(view.table_model.sheet.row_keys).index(key)


def test_f2_edits_the_current_cell_with_its_text(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.capex_view)
    view.setCurrentIndex(view.table_model.index(0, 1))
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert view.state() == view.State.EditingState
    assert isinstance(editor, QLineEdit)
    assert editor.text() == "70"
    editor.setText("71")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: controller.model["capex"][SERVERS][1] == 71.0)
    assert controller.undo_stack.undoText() == f"Edit {SERVERS}, FY27 plan"


def test_ctrl_d_fills_the_top_row_down_in_one_step(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.capex_view)
    select(view, 1, 0, 3, 1)
    qtbot.keyClick(view, Qt.Key.Key_D, CTRL)
    capex = controller.model["capex"]
    assert [capex[name][:2] for name in list(capex)[1:4]] == [[8.4, 8.75]] * 3
    assert capex[SERVERS][:2] == [67.2, 70.0]
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.undoText() == "Fill down 4 cells"
    controller.undo_stack.undo()
    assert controller.model["capex"]["Data-centre buildings"][:2] == [19.2, 20.0]


def test_ctrl_d_on_one_row_copies_the_row_above(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.capex_view)
    select(view, 2, 0, 2, 2)
    qtbot.keyClick(view, Qt.Key.Key_D, CTRL)
    assert controller.model["capex"]["Data-centre power & cooling"][:3] == [8.4, 8.75, 9.45]


def test_ctrl_d_refuses_a_total_row_whole(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.capex_view)
    before = copy.deepcopy(controller.model)
    select(view, 4, 0, 5, 0)
    qtbot.keyClick(view, Qt.Key.Key_D, CTRL)
    assert controller.model == before
    assert "Total, FY26 plan is not an input" in window.statusBar().currentMessage()


def test_ctrl_enter_fills_the_selection_with_the_typed_value(window, qtbot, controller):
    view, row = driver_row(window, "utilization")
    focused(window, qtbot, view)
    select(view, row, 2, row, 6)
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.setText("(9)")  # an accounting negative is typed too; here it breaks the rule
    qtbot.keyClick(editor, Qt.Key.Key_Return, CTRL)
    assert "utilization[2]: -0.09 is below 0" in window.statusBar().currentMessage()
    assert controller.undo_stack.count() == 0
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    editor.setText("90%")
    qtbot.keyClick(editor, Qt.Key.Key_Return, CTRL)
    assert view.state() != view.State.EditingState
    assert controller.model["drivers"]["utilization"][2:7] == pytest.approx([0.9] * 5)
    assert controller.model["drivers"]["utilization"][1] == 0.8
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.undoText() == "Fill 5 cells"


def test_ctrl_enter_without_typing_fills_with_the_current_cell(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.capex_view)
    select(view, 1, 0, 3, 0)
    qtbot.keyClick(view, Qt.Key.Key_Enter, CTRL)
    assert [row[0] for row in list(controller.model["capex"].values())[:4]] == [67.2, 8.4, 8.4, 8.4]


def test_delete_in_a_scenario_removes_the_override(window, qtbot, controller):
    controller.set_scenario("Bull")
    view, row = driver_row(window, "utilization")
    focused(window, qtbot, view)
    assert view.table_model.index(row, 3).data(MARK_ROLE) == OVERRIDDEN
    select(view, row, 3, row, 3)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert "utilization" not in controller.model["scenarios"]["Bull"]["drivers"]
    assert view.table_model.index(row, 3).data(MARK_ROLE) != OVERRIDDEN
    assert view.table_model.index(row, 3).data() == "80.0%"  # Base's value
    assert controller.undo_stack.undoText() == "Reset Utilization of capacity (%) to Base"
    controller.undo_stack.undo()
    assert controller.model["scenarios"]["Bull"]["drivers"]["utilization"][3] == 0.85


def test_delete_of_a_class_override_in_a_scenario(window, qtbot, controller):
    controller.set_scenario("Bull")
    view = focused(window, qtbot, window.capex_panel.class_view)
    select(view, 0, 3, 0, 3)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert SERVERS not in controller.model["scenarios"]["Bull"].get("asset_classes", {})
    assert view.table_model.index(0, 3).data() == "5"
    assert controller.undo_stack.undoText() == f"Reset {SERVERS} to Base"


def test_delete_of_one_field_of_a_class_override_keeps_the_others(window, qtbot, controller):
    controller.set_scenario("Bull")
    view = focused(window, qtbot, window.capex_panel.class_view)
    table = view.table_model
    assert table.setData(table.index(0, 2), "7")  # the book life, beside Bull's economic life of 6
    assert controller.model["scenarios"]["Bull"]["asset_classes"][SERVERS] == {"economic_life": 6, "life": 7}
    select(view, 0, 3, 0, 3)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert controller.model["scenarios"]["Bull"]["asset_classes"][SERVERS] == {"life": 7}
    assert table.index(0, 2).data(MARK_ROLE) == OVERRIDDEN
    assert table.index(0, 3).data(MARK_ROLE) != OVERRIDDEN
    controller.undo_stack.undo()
    assert controller.model["scenarios"]["Bull"]["asset_classes"][SERVERS] == {"economic_life": 6, "life": 7}
    select(view, 0, 2, 0, 3)  # both fields: the class's override goes
    assert view.reset_to_base()
    assert SERVERS not in controller.model["scenarios"]["Bull"].get("asset_classes", {})


def test_delete_says_why_a_cell_cannot_be_empty(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.capex_view)
    before = copy.deepcopy(controller.model)
    select(view, 0, 0, 0, 1)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    message = window.statusBar().currentMessage()
    assert f"{SERVERS}, FY26 plan cannot be empty: it needs a number (type 0 for none)" in message
    assert controller.model == before
    classes = focused(window, qtbot, window.capex_panel.class_view)
    select(classes, 0, 0, 0, 0)
    qtbot.keyClick(classes, Qt.Key.Key_Delete)
    assert "cannot be empty: a class needs a name" in window.statusBar().currentMessage()
    projections = focused(window, qtbot, window.projections.view)
    select(projections, 0, 0, 0, 0)
    qtbot.keyClick(projections, Qt.Key.Key_Delete)
    assert controller.model == before
    assert controller.undo_stack.count() == 0


def test_delete_empties_an_optional_year(window, qtbot, controller):
    view, row = driver_row(window, "cloud_market")
    focused(window, qtbot, view)
    select(view, row, 0, row, 0)
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert controller.model["drivers"]["cloud_market"][0] is None
    assert controller.undo_stack.undoText() == "Clear Cloud market size (RMB bn), FY26 plan"


def test_ctrl_arrow_goes_to_the_edge_of_the_data(window, qtbot):
    view, row = driver_row(window, "cloud_market")  # FY26 known, the later years empty
    focused(window, qtbot, view)
    last = view.table_model.columnCount() - 1

    def press(key, modifiers=CTRL):
        qtbot.keyClick(view, key, modifiers)
        return view.currentIndex().row(), view.currentIndex().column()

    view.setCurrentIndex(view.table_model.index(row, 0))
    assert press(Qt.Key.Key_Right) == (row, last)  # across the empty years to the edge
    assert press(Qt.Key.Key_Left) == (row, 0)  # back across them to the value
    assert press(Qt.Key.Key_Up) == (0, 0)  # along a run of values to its end
    assert press(Qt.Key.Key_Down) == (row, 0)
    assert press(Qt.Key.Key_Down) == (row, 0)  # at the edge, it stays
    assert {(index.row(), index.column()) for index in view.selectionModel().selectedIndexes()} == {(row, 0)}
    select(view, 0, 2, 0, 2)
    assert press(Qt.Key.Key_Right, CTRL | SHIFT) == (0, last)
    assert press(Qt.Key.Key_Down, CTRL | SHIFT) == (row - 1, last)  # the market size is unknown there
    selected = {(index.row(), index.column()) for index in view.selectionModel().selectedIndexes()}
    assert selected == {(r, c) for r in range(row) for c in range(2, last + 1)}


def test_ctrl_page_down_and_up_switch_views(window, qtbot):
    tabs = window.assumption_tabs
    tabs.setCurrentIndex(0)
    view = focused(window, qtbot, window.capex_panel.capex_view)
    qtbot.keyClick(view, Qt.Key.Key_PageDown, CTRL)
    assert tabs.currentWidget() is window.drivers_panel
    assert window.drivers_panel.view.hasFocus()
    qtbot.keyClick(window.drivers_panel.view, Qt.Key.Key_PageDown, CTRL)
    assert tabs.currentWidget() is window.settings_panel
    qtbot.keyClick(window.settings_panel.view, Qt.Key.Key_PageDown, CTRL)
    assert tabs.currentWidget() is window.settings_panel  # the last view: no wrap, as in Excel
    qtbot.keyClick(window.settings_panel.view, Qt.Key.Key_PageUp, CTRL)
    assert tabs.currentWidget() is window.drivers_panel


def test_ctrl_c_and_ctrl_v_round_trip_a_block(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.capex_view)
    select(view, 0, 0, 1, 2)
    qtbot.keyClick(view, Qt.Key.Key_C, CTRL)
    assert QGuiApplication.clipboard().text() == "67.2\t70\t75.6\n8.4\t8.75\t9.45\n"
    select(view, 2, 3, 2, 3)
    qtbot.keyClick(view, Qt.Key.Key_V, CTRL)
    capex = controller.model["capex"]
    assert capex["Data-centre power & cooling"][3:6] == [67.2, 70.0, 75.6]
    assert capex["Data-centre buildings"][3:6] == [8.4, 8.75, 9.45]
    assert controller.undo_stack.undoText() == "Paste 6 cells"


def test_ctrl_v_takes_a_block_as_excel_puts_it_on_the_clipboard(window, qtbot, controller):
    """Excel's clipboard: CRLF line ends, a trailing one, accounting negatives, thousands,
    blank cells (which leave theirs as they are)."""
    view, row = driver_row(window, "price_change")
    focused(window, qtbot, view)
    before = list(controller.model["drivers"]["price_change"])
    QGuiApplication.clipboard().setText("(1.5%)\t\t2%\r\n")
    select(view, row, 0, row, 0)
    qtbot.keyClick(view, Qt.Key.Key_V, CTRL)
    assert controller.model["drivers"]["price_change"] == pytest.approx([-0.015, before[1], 0.02, *before[3:]])
    assert controller.undo_stack.count() == 1


def test_the_keys_are_listed_as_the_view_s_actions(window):
    keys = {action.shortcut().toString() for action in window.capex_panel.capex_view.key_actions}
    assert {"F2", "Ctrl+D", "Ctrl+Return", "Del", "Ctrl+Up", "Ctrl+Right", "Ctrl+PgDown", "Ctrl+PgUp"} <= keys
    read_only = {action.shortcut().toString() for action in window.projections.view.key_actions}
    assert "Ctrl+D" not in read_only
    assert "Ctrl+Right" in read_only


def test_ctrl_r_on_one_column_copies_the_column_on_its_left(window, qtbot, controller):
    view, row = driver_row(window, "utilization")
    focused(window, qtbot, view)
    first = controller.model["drivers"]["utilization"][0]
    select(view, row, 1, row, 1)
    qtbot.keyClick(view, Qt.Key.Key_R, CTRL)
    assert controller.model["drivers"]["utilization"][1] == first
    assert controller.undo_stack.undoText() == "Fill right 1 cell"


def test_ctrl_enter_in_a_whole_number_cell_fills_the_selected_lives(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.class_view)
    select(view, 0, 2, 1, 2)  # the book lives of the servers and the network
    qtbot.keyClick(view, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()  # a whole-number cell's plain editor
    assert isinstance(editor, QLineEdit)
    editor.setText("6")
    qtbot.keyClick(editor, Qt.Key.Key_Return, CTRL)
    assert [c["life"] for c in controller.model["asset_classes"][:2]] == [6, 6]
    assert controller.undo_stack.count() == 1


def test_ctrl_enter_on_one_cell_commits_it_as_enter_does(window, qtbot, controller):
    view = focused(window, qtbot, window.capex_panel.capex_view)
    select(view, 0, 3, 0, 3)
    qtbot.keyClick(view, Qt.Key.Key_Enter, CTRL)  # not typing: nothing to do
    assert controller.undo_stack.count() == 0
    qtbot.keyClick(view, Qt.Key.Key_F2)
    QApplication.focusWidget().setText("2bn")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return, CTRL)
    assert controller.model["capex"][SERVERS][3] == 2.0
    assert controller.undo_stack.undoText() == f"Edit {SERVERS}, FY29 follow-on"
