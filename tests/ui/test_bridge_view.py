"""The Bridge tab: the waterfall and the review list show what model.risk computes, follow every
edit, take accepted changes into the model one undo step at a time and say why a bridge is refused."""

from __future__ import annotations

import copy

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from model import apply_scenario, risk, save_model, validate_model
from model.edits import RenameScenario, SetSetting, apply_edit, blank_model
from ui.bridge.page import State
from ui.bridge.waterfall import value_text
from ui.risk.charts import RiskChart


@pytest.fixture
def page(window):
    window.analysis_tabs.setCurrentWidget(window.bridge_page)
    return window.bridge_page


def base_to_bull(page):
    page.set_states("Base", State("Bull"))
    return page.last_bridge


def visible_labels(page):
    return [label.textItem.toPlainText() for label in page.waterfall.value_labels if label.isVisible()]


@pytest.mark.slow
def test_the_tab_sits_beside_risk_and_defaults_to_base_and_the_first_other_scenario(window, page, controller):
    tabs = [window.analysis_tabs.tabText(i) for i in range(window.analysis_tabs.count())]
    assert tabs[tabs.index("Risk") + 1] == "Bridge"
    assert isinstance(page.waterfall, RiskChart)
    others = [name for name in apply_scenario(controller.model, "Base")["scenarios"]]
    assert page.from_state == State("Base") and page.to_state == State(others[0])
    assert page.last_bridge.to_json() == risk.bridge(controller.model, "npv", "Base", others[0]).to_json()


def test_base_to_bull_contributions_sum_to_end_minus_start(page, controller, qtmodeltester):
    result = base_to_bull(page)
    assert result.to_json() == risk.bridge(controller.model, "npv", "Base", "Bull").to_json()
    assert sum(lever.contribution for lever in result.levers) == pytest.approx(result.end - result.start, abs=1e-9)
    # Start, one bar per lever, end, each with its signed value and unit.
    bars = page.waterfall.bars
    assert len(bars) == len(result.levers) + 2 and bars[0].total and bars[-1].total
    money = controller.money
    assert visible_labels(page) == [
        value_text(result.start, "money", money, signed=False),
        *(value_text(lever.contribution, "money", money, signed=True) for lever in result.levers),
        value_text(result.end, "money", money, signed=False),
    ]
    assert "+17.0 RMB bn" in visible_labels(page)  # the price change, as docs/bridge.md shows it
    assert bars[1].name == "Price change per year"  # readable names, not paths
    assert not page.message.isVisible() and not page.waterfall.is_empty
    # The review list: every changed input, in model order, with units.
    assert page.shown_changes == list(result.changes)
    qtmodeltester.check(page.change_model)
    wacc_row = [c.path for c in page.shown_changes].index("settings.wacc")
    cells = [page.change_model.index(wacc_row, column).data() for column in range(4)]
    bull_wacc = apply_scenario(controller.model, "Bull")["settings"]["wacc"]
    assert cells == ["Discount rate (WACC)", "10.0%", f"{bull_wacc * 100:.1f}%", "%"]


@pytest.mark.slow
def test_changing_the_metric_updates_the_bridge(page, controller):
    base_to_bull(page)
    page.set_metric("irr")
    assert page.last_bridge.to_json() == risk.bridge(controller.model, "irr", "Base", "Bull").to_json()
    assert all(text.endswith(("pt", "%")) for text in visible_labels(page))
    assert page.waterfall.title.text().startswith("Bridge of IRR")
    page.set_metric("ebita_margin", 2030)
    assert page.last_bridge.metric == "ebita_margin@2030" and page.year_combo.isEnabled()
    assert page.waterfall.title.text().startswith("Bridge of EBITA margin FY2030")
    page.set_metric("total_revenue", 2028)
    assert page.last_bridge.to_json() == risk.bridge(controller.model, "total_revenue@2028", "Base", "Bull").to_json()


@pytest.mark.slow
def test_an_edit_of_wacc_in_the_window_updates_the_bridge(page, controller):
    base_to_bull(page)
    assert controller.apply(SetSetting("wacc", 0.12), "Edit WACC")
    expected = risk.bridge(controller.model, "npv", "Base", "Bull")
    assert page.last_bridge.to_json() == expected.to_json()
    [wacc] = [lever for lever in page.last_bridge.levers if lever.lever == "settings.wacc"]
    assert (wacc.start, wacc.end) == (0.12, apply_scenario(controller.model, "Bull")["settings"]["wacc"])
    assert len(page.last_bridge.levers) <= 8  # the frame budget is measured in benchmarks/bench_bridge.py


def test_accept_applies_one_change_and_ctrl_z_undoes_it(window, page, controller, qtbot):
    base_to_bull(page)
    before = copy.deepcopy(controller.model)
    row = [c.path for c in page.shown_changes].index("settings.wacc")
    page.change_view.selectRow(row)
    assert page.accept_button.isEnabled()
    qtbot.mouseClick(page.accept_button, Qt.MouseButton.LeftButton)
    assert controller.model["settings"]["wacc"] == apply_scenario(before, "Bull")["settings"]["wacc"]
    assert controller.undo_stack.count() == 1 and controller.undo_stack.undoText() == "Accept Discount rate (WACC)"
    assert "settings.wacc" not in [c.path for c in page.shown_changes]
    assert len(page.shown_changes) == len(risk.diff(before, apply_scenario(before, "Bull"))) - 1
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert controller.model == before
    assert "settings.wacc" in [c.path for c in page.shown_changes]


@pytest.mark.slow
def test_accept_goes_into_the_scenario_being_edited_only(page, controller):
    page.set_states("Bull", State("Base"))
    assert not page.accept_change(0)  # Base is being edited, the bridge starts from Bull
    assert controller.undo_stack.count() == 0 and "scenario being edited (Base)" in page.message.text()
    controller.set_scenario("Bull")
    wacc = [c.path for c in page.shown_changes].index("settings.wacc")
    assert page.accept_change(wacc)
    assert controller.model["scenarios"]["Bull"]["settings"].get("wacc") == controller.model["settings"]["wacc"]


@pytest.mark.slow
def test_reject_hides_a_change_and_leaves_the_model_alone(page, controller):
    base_to_bull(page)
    count, model = len(page.shown_changes), controller.model
    page.change_view.selectRow(0)
    page.reject_selected()
    assert len(page.shown_changes) == count - 1 and controller.model is model
    assert controller.undo_stack.count() == 0 and len(page.last_bridge.levers) == count
    assert page.restore_button.isEnabled() and "1 rejected" in page.change_title.text()
    page.show_rejected()
    assert len(page.shown_changes) == count


@pytest.mark.slow
def test_compare_with_file_lists_exactly_the_edit_of_a_saved_copy(page, controller, tmp_path):
    copy_path = tmp_path / "colleague.json"
    edited, _ = apply_edit(controller.model, SetSetting("ai_revenue_yield", 0.7))
    save_model(edited, copy_path)
    assert page.compare_with_file(copy_path)
    assert page.to_state == State("Base", "colleague.json")
    assert [(c.path, c.old, c.new) for c in page.shown_changes] == [
        ("settings.ai_revenue_yield", controller.model["settings"]["ai_revenue_yield"], 0.7)
    ]
    [lever] = page.last_bridge.levers
    assert lever.contribution == pytest.approx(page.last_bridge.end - page.last_bridge.start, abs=1e-9)
    assert page.to_combo.currentText() == "Base (colleague.json)"
    # Accepting it makes the model the colleague's: nothing is left to bridge.
    assert page.accept_change(0)
    assert page.shown_changes == [] and page.last_bridge.levers == ()
    assert "nothing to bridge" in page.message.text()


@pytest.mark.slow
def test_a_refused_bridge_shows_its_message_not_a_dialog(page, controller, tmp_path):
    base_to_bull(page)
    page.set_metric("payback_years")
    assert page.last_bridge is None and page.waterfall.is_empty
    assert page.message.isVisible() and "payback_years is null in 8 of 128 states" in page.message.text()
    assert "drivers.compute_cost_change" in page.message.text()  # the states are named by their levers
    assert page.shown_changes, "the changes are still listed for review"
    assert QApplication.activeModalWidget() is None
    page.set_metric("npv")
    assert page.last_bridge is not None and not page.message.isVisible()
    # Another horizon: the states cannot be compared at all.
    save_model(blank_model(controller.model["base_year"], horizon=5), tmp_path / "shorter.json")
    assert page.compare_with_file(tmp_path / "shorter.json")
    assert page.last_bridge is None and "horizon" in page.message.text() and page.shown_changes == []
    assert not page.compare_with_file(tmp_path / "missing.json")
    assert "Cannot compare with missing.json" in page.message.text()


@pytest.mark.slow
def test_more_than_16_changes_are_grouped_and_say_so(page, controller, tmp_path):
    doc = copy.deepcopy(controller.model)
    for key, row in doc["drivers"].items():
        if isinstance(row, list) and key != "cloud_market":
            doc["drivers"][key] = [v * 1.01 if v else v for v in row]
    for key in doc["capex"]:
        doc["capex"][key] = [v * 1.02 for v in doc["capex"][key]]
    for key in ("wacc", "tax_rate", "nwc_pct", "ai_cash_opex_rate", "ai_variable_cost_pct", "pull_through"):
        doc["settings"][key] *= 1.01
    save_model(validate_model(doc), tmp_path / "many.json")
    assert page.compare_with_file(tmp_path / "many.json")
    result = page.last_bridge
    assert result.grouped and len(result.changes) > 16 and len(result.levers) <= 6
    assert "Grouped by section" in page.message.text() and page.waterfall.note.text().startswith("Grouped")
    names = sorted(bar.name for bar in page.waterfall.bars[1:-1])
    assert names == ["Capex plan (5 inputs)", "Drivers (6 inputs)", "Settings (6 inputs)"]
    assert len(page.shown_changes) == len(result.changes)


def test_the_same_state_on_both_sides_shows_the_message_and_no_bars(page, controller):
    base_to_bull(page)
    page.set_states("Bull", State("Bull"))
    assert page.last_bridge.levers == ()
    assert page.waterfall.is_empty and page.waterfall.bars == () and visible_labels(page) == []
    assert page.message.isVisible() and "Bull and Bull have the same inputs: nothing to bridge." in page.message.text()
    assert page.waterfall.title.text() == "Bridge of NPV: Bull → Bull"
    page.set_states("Base", State("Bull"))  # a real bridge draws again
    assert not page.waterfall.is_empty and len(page.waterfall.bars) > 2 and not page.message.isVisible()


def test_a_renamed_scenario_stays_chosen_and_undo_renames_it_back(page, controller):
    page.set_states("Base", State("Bull"))
    assert controller.apply(RenameScenario("Bull", "Bull case"), "Rename")
    page.refresh_bridge()
    assert page.to_state == State("Bull case") and page.to_combo.currentText() == "Bull case"
    controller.undo_stack.undo()
    page.refresh_bridge()
    assert page.to_state == State("Bull") and page.to_combo.currentText() == "Bull"
