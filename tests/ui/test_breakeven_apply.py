"""Breakeven: the answer in the input's unit, and Apply as one undo step giving the model whose
KPIs the answer shows."""

from __future__ import annotations

import copy

import pytest

from model import compute
from ui.risk.panel import RiskPanel

SERVERS = "AI servers & accelerators"


@pytest.fixture
def page(window):
    panel = window.findChild(RiskPanel)
    window.analysis_tabs.setCurrentWidget(panel)
    return panel.breakeven_page


def find(page, target, goal, search_range):
    page.breakeven_target.setCurrentIndex(page.breakeven_target.findData(target))
    page.breakeven_goal.setCurrentIndex(0 if goal == "npv" else 1)
    if goal != "npv":
        page.breakeven_rate.setText(goal)
    page.breakeven_range.setText(search_range)
    assert page.find_breakeven()
    return page.last_breakeven


def test_apply_sets_a_shifted_driver_in_one_undo_step(page, controller):
    before = copy.deepcopy(controller.model)
    assert not page.apply_button.isEnabled()
    result = find(page, "drivers.price_change", "npv", "-5%,10%")
    shift = result.value
    assert page.breakeven_answer.text() == (
        f"Price change per year = {shift * 100:.6g}% (percentage points added to every year) gives NPV = 0."
    )
    assert page.apply_button.isEnabled()
    page.apply_button.click()
    assert controller.model["drivers"]["price_change"] == pytest.approx(
        [v + shift for v in before["drivers"]["price_change"]], abs=1e-15
    )
    assert compute(controller.model).kpis["npv"] == pytest.approx(0.0, abs=1e-6)
    assert controller.undo_stack.count() == 1
    assert controller.undo_stack.undoText() == "Apply breakeven Price change per year"
    assert not page.apply_button.isEnabled()  # the answer belonged to the model before
    controller.undo_stack.undo()
    assert controller.model == before


def test_apply_in_a_scenario_makes_an_override(page, controller):
    controller.set_scenario("Bull")
    before = copy.deepcopy(controller.model)
    result = find(page, f"capex.{SERVERS}", "8%", "0.1,3")
    assert (
        page.breakeven_answer.text() == f"Capex: {SERVERS} = ×{result.value:.6g} (every year scaled) gives IRR = 8.0%."
    )
    page.apply_button.click()
    assert controller.model["capex"] == before["capex"]
    override = controller.model["scenarios"]["Bull"]["capex"][SERVERS]
    assert override == pytest.approx([v * result.value for v in before["capex"][SERVERS]], abs=1e-15)
    assert compute(controller.model, "Bull").kpis["irr"] == pytest.approx(0.08, abs=1e-6)
    assert "capex" not in before["scenarios"]["Bull"]


def test_apply_keeps_utilization_within_0_and_1_as_the_search_did(page, controller):
    controller.set_scenario("Bull")
    result = find(page, "drivers.utilization", "npv", "-50%,50%")
    page.apply_button.click()
    utilization = controller.model["scenarios"]["Bull"]["drivers"]["utilization"]
    assert max(utilization) == 1.0  # 85% shifted by more than 15 points
    assert compute(controller.model, "Bull").kpis["npv"] == pytest.approx(result.kpis["npv"], abs=1e-6)
    assert result.kpis["npv"] == pytest.approx(0.0, abs=1e-6)


def test_a_life_is_applied_in_whole_years_as_the_search_applied_it(page, controller):
    result = find(page, f"economic_life.{SERVERS}", "npv", "1,20")
    assert result.value == pytest.approx(8.5)
    assert page.breakeven_answer.text() == f"Economic life: {SERVERS} = 8.5 years (applied as 9) gives NPV = 0."
    page.apply_button.click()
    servers = next(c for c in controller.model["asset_classes"] if c["name"] == SERVERS)
    assert servers["economic_life"] == 9
    assert compute(controller.model).kpis["npv"] == pytest.approx(result.kpis["npv"])


def test_no_answer_leaves_apply_off_and_a_changed_model_turns_it_off(page, controller):
    find(page, "drivers.price_change", "npv", "10%,20%")
    assert "not reachable" in page.breakeven_answer.text()
    assert not page.apply_button.isEnabled()
    find(page, "drivers.price_change", "npv", "-5%,10%")
    assert page.apply_button.isEnabled()
    controller.set_scenario("Bull")
    assert not page.apply_button.isEnabled()
    assert not page.apply_answer()
    assert controller.undo_stack.count() == 0
