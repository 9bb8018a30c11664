"""The bridge of docs/model.md section 9 and the semantic diff beside it.

Hand-computed bridges derive every expected contribution in a comment from the Shapley formula

    φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (m(S ∪ {i}) − m(S))

(for two levers: φ_1 = ½ (m({1}) − m(∅)) + ½ (m({1,2}) − m({2}))). The documents come from
``v2`` of the version 2 engine cases: WACC 10 %, no tax, no working capital, no terminal value,
revenue yield 1, full utilization, flat prices, core revenue 100 with no growth and no margin,
one revenue-generating class "Servers" of book life 2 buying 100 in year 1, base year 2025.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from model import ModelError, compute, validate_model
from model.risk import ANALYSES, BridgeRequest, Change, apply_change, bridge, diff
from model.risk.bridge import Metric, evaluate_states, levers_of, shapley, state_document
from tests.conftest import ROOT
from tests.conftest import V1_MODEL_PATH as V1_MODEL
from tests.factories import valid_models
from tests.model.test_engine_v2_cases import v2

# --------------------------------------------------------------------------- helpers


def model(**changes) -> dict:
    """A validated ``v2`` document; ``settings`` are merged into v2's, other keys replace."""
    return validate_model(v2(3, **changes))


def contributions(result) -> dict[str, float]:
    return {lever.lever: lever.contribution for lever in result.levers}


def between(a: dict, b: dict, metric: str = "npv"):
    """The bridge from model ``a`` (Base) to model ``b`` (Base)."""
    return bridge(a, metric, against=b)


def metric_of(doc: dict, metric: str) -> float | None:
    """The metric of a model computed alone by ``compute``: the reference for every state."""
    results = compute(validate_model(doc))
    if "@" in metric:
        line, _, year = metric.partition("@")
        value = results.value(line, int(year))
        return None if math.isnan(value) else float(value)
    return results.kpis[metric]


def brute_force_shapley(a: dict, levers, metric: str) -> list[float]:
    """Shapley values by the formula, over subsets, each state computed alone (no batch, no bits)."""
    n = len(levers)
    value = {
        s: metric_of(state_document(a, levers, sum(1 << i for i in s)), metric)
        for k in range(n + 1)
        for s in itertools.combinations(range(n), k)
    }
    out = []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        total = 0.0
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for s in itertools.combinations(others, k):
                total += weight * (value[tuple(sorted((*s, i)))] - value[s])
        out.append(total)
    return out


# --------------------------------------------------------------------------- by hand


def test_two_levers_with_an_interaction():
    a = model()
    b = model(settings={"ai_revenue_yield": 2.0}, drivers={**v2(3)["drivers"], "utilization": [0.5, 0.5, 0.5]})
    result = between(a, b, "ai_revenue@2026")
    # ai_revenue 2026 = capacity 100 · w(0, 2) = 50, times yield Y times utilization U.
    # m(∅) = 50 · 1 · 1 = 50; m({Y}) = 50 · 2 · 1 = 100; m({U}) = 50 · 1 · 0.5 = 25; m({Y, U}) = 50.
    # A waterfall depends on the order: Y first gives +50 then −50; U first gives −25 then +25.
    # φ_Y = ½ (100 − 50) + ½ (50 − 25) = 37.5;  φ_U = ½ (25 − 50) + ½ (50 − 100) = −37.5.
    assert result.start == pytest.approx(50) and result.end == pytest.approx(50)
    assert contributions(result) == pytest.approx({"settings.ai_revenue_yield": 37.5, "drivers.utilization": -37.5})
    assert result.grouped is False
    yield_lever = result.levers[0]
    assert (yield_lever.start, yield_lever.end) == (1.0, 2.0)


def test_three_levers_multiply():
    a = model()
    b = model(
        settings={"ai_revenue_yield": 2.0, "pull_through": 1.0},
        drivers={**v2(3)["drivers"], "utilization": [0.5, 0.5, 0.5]},
    )
    result = between(a, b, "plan_revenue@2026")
    # plan_revenue 2026 = 50 · Y · U · (1 + p): factors y ∈ {1, 2}, u ∈ {1, ½}, q = 1 + p ∈ {1, 2}.
    # m: ∅ 50, Y 100, U 25, P 100, YU 50, YP 200, UP 50, YUP 100. Weights 1/3 (|S| = 0 or 2), 1/6 (|S| = 1).
    # φ_Y = ⅓ (100 − 50) + ⅙ (50 − 25) + ⅙ (200 − 100) + ⅓ (100 − 50) = 325/6, and φ_P = φ_Y.
    # φ_U = ⅓ (25 − 50) + ⅙ (50 − 100) + ⅙ (50 − 100) + ⅓ (100 − 200) = −350/6.
    # Σ = 300/6 = 50 = m(N) − m(∅).
    assert contributions(result) == pytest.approx(
        {"settings.ai_revenue_yield": 325 / 6, "settings.pull_through": 325 / 6, "drivers.utilization": -350 / 6}
    )
    # Ordered by size, the tie of yield and pull-through in the model's order (schema order).
    assert [lever.lever for lever in result.levers] == [
        "drivers.utilization",
        "settings.ai_revenue_yield",
        "settings.pull_through",
    ]


def test_calibration_is_one_lever_applied_after_the_others():
    target = [{"line": "total_revenue", "year": 2026, "value": 200.0, "solve": "settings.ai_revenue_yield"}]
    a = model()
    b = model(settings={"ai_revenue_yield": 2.0}, calibration=target)
    result = between(a, b, "total_revenue@2026")
    # total_revenue 2026 = core 100 + AI revenue 50 · Y. m(∅) = 150, m({Y}) = 200 (Y = 2);
    # with the calibration the yield is solved to give 200 whatever it was: m({C}) = m({Y, C}) = 200.
    # φ_Y = ½ (200 − 150) + ½ (200 − 200) = 25;  φ_C = ½ (200 − 150) + ½ (200 − 200) = 25.
    assert contributions(result) == pytest.approx({"settings.ai_revenue_yield": 25, "calibration": 25})
    calibration = next(lever for lever in result.levers if lever.lever == "calibration")
    assert calibration.start is None and calibration.end == target


def test_history_rows_are_aligned_on_the_base_year():
    servers = {"name": "Servers", "treatment": "capitalized", "life": 2, "revenue_generating": True}
    a = model(asset_classes=[servers])
    b = model(asset_classes=[servers], history={"capex": {"Servers": [10.0, 80.0]}})
    result = between(a, b, "installed_revenue@2026")
    # Installed vintages of 2024 (10, age 2 in 2026: w = ½) and 2025 (80, age 1: w = 1): 5 + 80 = 85.
    assert contributions(result) == pytest.approx({"history.Servers": 85.0})
    assert result.levers[0].start is None and result.levers[0].end == [10.0, 80.0]
    c = model(asset_classes=[servers], history={"capex": {"Servers": [50.0]}})
    # From one year of history (50 in 2025: w = 1) to two: 85 − 50.
    assert contributions(between(c, b, "installed_revenue@2026")) == pytest.approx({"history.Servers": 35.0})


def test_a_lever_that_moves_nothing_contributes_zero():
    a = model()
    b = model(settings={"fx_rmb_per_usd": 7.0, "wacc": 0.12})
    result = between(a, b)
    assert contributions(result)["settings.fx_rmb_per_usd"] == 0.0
    assert contributions(result)["settings.wacc"] == pytest.approx(result.end - result.start, abs=1e-12)


def test_identical_states_give_no_levers(v1_model):
    result = bridge(v1_model, "npv", "Bull", "Bull")
    assert result.levers == () and result.start == result.end == compute(v1_model, "Bull").kpis["npv"]
    assert result.to_json()["levers"] == []


# --------------------------------------------------------------------------- the Alibaba model


def test_the_bundled_calibrated_model_bridges_base_to_bull_state_by_state(bundled_model):
    """With a calibration, every state is solved again (docs/model.md section 9): each of the
    bundled model's Base-to-Bull states, batched, is the state computed alone."""
    result = bridge(bundled_model, "npv", "Base", "Bull")
    assert result.start == pytest.approx(compute(bundled_model).kpis["npv"], abs=1e-9)
    assert result.end == pytest.approx(compute(bundled_model, "Bull").kpis["npv"], abs=1e-9)
    assert sum(contributions(result).values()) == pytest.approx(result.end - result.start, abs=1e-9)
    levers, _ = levers_of(diff(bundled_model, {**bundled_model, **_bull(bundled_model)}))
    states = evaluate_states(bundled_model, levers, Metric.parse("npv"))
    for state in range(len(states.values)):
        expected = metric_of(state_document(bundled_model, levers, state), "npv")
        assert states.values[state] == pytest.approx(expected, abs=1e-9)


def test_bundled_base_to_bull_matches_each_state_computed_alone(v1_model):
    result = bridge(v1_model, "npv", "Base", "Bull")
    assert result.start == pytest.approx(compute(v1_model).kpis["npv"], abs=1e-9)
    assert result.end == pytest.approx(compute(v1_model, "Bull").kpis["npv"], abs=1e-9)
    assert sum(contributions(result).values()) == pytest.approx(result.end - result.start, abs=1e-9)
    assert set(contributions(result)) == {
        "settings.wacc",
        "settings.ai_revenue_yield",
        "settings.pull_through",
        "drivers.utilization",
        "drivers.price_change",
        "drivers.core_ebita_margin",
        "asset_classes.AI servers & accelerators.life",
    }
    sizes = [abs(lever.contribution) for lever in result.levers]
    assert sizes == sorted(sizes, reverse=True)
    # Every one of the 128 states, batched, is the state computed alone.
    a = v1_model
    levers, _ = levers_of(diff(a, {**a, **_bull(a)}))
    states = evaluate_states(a, levers, Metric.parse("npv"))
    for state in range(len(states.values)):
        assert states.values[state] == pytest.approx(metric_of(state_document(a, levers, state), "npv"), abs=1e-9)


def _bull(model: dict) -> dict:
    from model.validation import apply_scenario

    return apply_scenario(model, "Bull")


@pytest.mark.parametrize("metric", ["irr", "payback_years", "total_revenue@2028", "ebita_margin@2030"])
def test_bundled_metrics_sum_to_the_change(v1_model, metric):
    result = bridge(v1_model, metric, "Base", "Bull")
    assert sum(contributions(result).values()) == pytest.approx(result.end - result.start, abs=1e-9)
    assert len(result.levers) == 7


def _many_changes(model: dict, count: int) -> dict:
    """The model with ``count`` inputs changed a little: settings, then drivers, then capex."""
    doc = copy.deepcopy(model)
    settings = ["wacc", "tax_rate", "nwc_pct", "fx_rmb_per_usd", "base_core_revenue", "ai_revenue_yield"]
    settings += ["ai_cash_opex_rate", "ai_variable_cost_pct", "pull_through", "exit_multiple", "terminal_growth"]
    settings += ["shares_outstanding"]
    paths = [("settings", key) for key in settings] + [
        ("drivers", key) for key in ("core_growth", "core_ebita_margin", "utilization", "price_change")
    ]
    paths += [("capex", name) for name in model["capex"]]
    for section, key in paths[:count]:
        if section == "settings":
            doc["settings"][key] = doc["settings"][key] * 1.05 + 0.01
        elif key == "utilization":
            doc["drivers"][key] = [min(1.0, v + 0.02) for v in doc["drivers"][key]]
        else:
            doc[section][key] = [v * 1.05 + (0.01 if section == "drivers" else 0.0) for v in doc[section][key]]
    return validate_model(doc)


def test_sixteen_levers_are_exact(v1_model):
    b = _many_changes(v1_model, 16)
    result = between(v1_model, b)
    assert result.grouped is False and len(result.levers) == 16
    assert sum(contributions(result).values()) == pytest.approx(result.end - result.start, abs=1e-9)


def test_above_sixteen_levers_are_grouped_by_section(v1_model):
    b = _many_changes(v1_model, 17)
    result = between(v1_model, b)
    assert result.grouped is True
    assert set(contributions(result)) == {"settings", "drivers", "capex"}
    assert sum(contributions(result).values()) == pytest.approx(result.end - result.start, abs=1e-9)
    # The groups' Shapley values, each of the 8 group states computed alone.
    levers, grouped = levers_of(diff(v1_model, b))
    assert grouped and [lever.name for lever in levers] == ["settings", "drivers", "capex"]
    expected = brute_force_shapley(v1_model, levers, "npv")
    assert [contributions(result)[lever.name] for lever in levers] == pytest.approx(expected, abs=1e-9)
    settings_lever = next(lever for lever in result.levers if lever.lever == "settings")
    assert settings_lever.start["settings.wacc"] == 0.1 and len(settings_lever.end) == 12


# --------------------------------------------------------------------------- properties


@st.composite
def model_pairs(draw) -> tuple[dict, dict]:
    """A random valid model and a second one with some of its inputs changed (numeric and structural)."""
    a = draw(valid_models(max_horizon=6, max_classes=3))
    doc = copy.deepcopy(a)
    h = a["horizon"]
    unit = st.floats(0.0, 1.0, allow_nan=False)
    moves = draw(st.sets(st.sampled_from(range(8)), min_size=0, max_size=5))
    if 0 in moves:
        doc["settings"]["ai_revenue_yield"] = draw(st.floats(0.0, 1.5, allow_nan=False))
    if 1 in moves:
        doc["settings"]["pull_through"] = draw(unit)
    if 2 in moves:
        doc["settings"]["tax_rate"] = draw(st.floats(0.0, 0.4, allow_nan=False))
    if 3 in moves:
        doc["drivers"]["utilization"] = draw(st.lists(unit, min_size=h, max_size=h))
    if 4 in moves:
        first = next(iter(doc["capex"]))
        doc["capex"][first] = [v * draw(st.floats(0.5, 2.0)) for v in doc["capex"][first]]
    if 5 in moves:
        doc["asset_classes"][0]["life"] = draw(st.integers(1, 30))
    if 6 in moves:
        doc["settings"]["mid_year"] = not doc["settings"]["mid_year"]
    if 7 in moves:
        doc["settings"]["terminal_method"] = draw(st.sampled_from(["none", "book_value"]))
    return a, validate_model(doc)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=model_pairs())
def test_properties_on_random_models(pair):
    a, b = pair
    result = between(a, b)
    scale = max(1.0, abs(result.start), abs(result.end))
    assert result.start == pytest.approx(compute(a).kpis["npv"], rel=1e-12, abs=1e-9)
    assert result.end == pytest.approx(compute(b).kpis["npv"], rel=1e-12, abs=1e-9)
    # Efficiency: the contributions sum to B − A.
    assert abs(sum(contributions(result).values()) - (result.end - result.start)) <= 1e-9 * scale
    # Identical states give no levers; swapping A and B negates every contribution.
    assert between(a, a).levers == ()
    swapped = contributions(between(b, a))
    assert swapped.keys() == contributions(result).keys()
    for lever, contribution in contributions(result).items():
        assert swapped[lever] == pytest.approx(-contribution, abs=1e-9 * scale)
    # The batched states and the bit tricks give the Shapley values of each state computed alone.
    levers, _ = levers_of(diff(a, b))
    assume(len(levers) <= 5)
    expected = brute_force_shapley(a, levers, "npv")
    assert [contributions(result)[lever.name] for lever in levers] == pytest.approx(expected, abs=1e-9 * scale)


@settings(max_examples=20, deadline=None)
@given(pair=model_pairs())
def test_a_lever_that_changes_nothing_contributes_zero(pair):
    a, b = pair
    b = validate_model({**b, "settings": {**b["settings"], "shares_outstanding": 7.0}})
    result = contributions(between(a, b))
    assert result["settings.shares_outstanding"] == pytest.approx(0.0, abs=1e-9)


def test_shapley_of_a_symmetric_game():
    # Three players, value 1 only when all three are in: each gets 1/3.
    values = np.zeros(8)
    values[7] = 1.0
    assert shapley(values) == pytest.approx([1 / 3] * 3)


# --------------------------------------------------------------------------- refusals


def refusal(a: dict, b: dict, metric: str = "npv") -> str:
    with pytest.raises(ModelError) as caught:
        between(a, b, metric)
    return str(caught.value)


def test_refuses_models_that_cannot_be_compared():
    a = model()
    assert refusal(a, validate_model(v2(4))) == (
        "horizon: 3 in the from state, 4 in the to state: a bridge needs the same horizon"
    )
    assert refusal(a, validate_model({**v2(3), "base_year": 2024})).startswith("base_year: 2025 in the from state")
    other = v2(3, asset_classes=[{"name": "GPUs", "treatment": "capitalized", "life": 2, "revenue_generating": True}])
    other["capex"] = {"GPUs": [100.0, 0, 0]}
    assert refusal(a, validate_model(other)) == (
        "asset_classes: 'Servers' is a class of the from state but not of the to state"
    )


def test_refuses_a_state_that_breaks_the_gordon_rule():
    a = model(settings={"wacc": 0.05, "terminal_growth": 0.12, "terminal_method": "book_value"})
    b = model(settings={"wacc": 0.15, "terminal_growth": 0.12, "terminal_method": "gordon"})
    assert refusal(a, b) == (
        "bridge: the state {settings.terminal_method} taken from the to state is not a valid model: "
        "settings.wacc: 0.05 must be above terminal_growth (0.12) for the Gordon terminal value"
    )


def test_refuses_a_state_of_rent_without_revenue_generating_plan_capex():
    classes = [
        {"name": "Servers", "treatment": "capitalized", "life": 2, "revenue_generating": True},
        {"name": "Buildings", "treatment": "capitalized", "life": 20},
    ]
    a = model(asset_classes=classes, capex={"Servers": [100.0, 0, 0], "Buildings": [50.0, 0, 0]})
    a = validate_model({**a, "settings": {**a["settings"], "infrastructure_charge": "rent"}})
    b = model(asset_classes=classes, capex={"Servers": [0.0, 0, 0], "Buildings": [50.0, 0, 0]})
    message = refusal(a, b)
    assert message.startswith("bridge: the state {capex.Servers} taken from the to state is not a valid model: ")
    assert '"rent" needs some plan capex in a revenue-generating class' in message


def test_refuses_a_state_whose_calibration_cannot_be_solved():
    target = [{"line": "total_revenue", "year": 2026, "value": 200.0, "solve": "settings.ai_revenue_yield"}]
    a = model(capex={"Servers": [0.0, 100.0, 0.0]})
    b = model(calibration=target)
    assert refusal(a, b) == (
        "bridge: the state {calibration} taken from the to state is not a valid model: calibration: "
        "total_revenue 2026 = 200 cannot be solved by the AI revenue yield: no compute in service"
    )


def test_refuses_a_metric_null_in_some_state():
    a = model()
    b = model(settings={"ai_revenue_yield": 0.0, "wacc": 0.2})
    # With no revenue, every flow but the purchase is 0: no IRR and no payback.
    assert refusal(a, b, "irr") == (
        "metric: irr is null in 2 of 4 states: {settings.ai_revenue_yield}; "
        "{settings.wacc, settings.ai_revenue_yield} (the to state)"
    )
    assert refusal(a, b, "payback_years").startswith("metric: payback_years is null in 2 of 4 states")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"metric": "nvp"}, "metric: 'nvp' is not a KPI (npv, irr, payback_years, ...) or LINE@YEAR"),
        ({"metric": "revenue@2028"}, "metric: 'revenue@2028' is not a KPI"),
        ({"metric": "total_revenue@2040"}, "metric: total_revenue@2040: 2040 is not a projection year (2026..2035)"),
        ({"to_scenario": "Nope"}, "to: 'Nope' is not a scenario of this model"),
        ({"from_scenario": "Nope"}, "from: 'Nope' is not a scenario of this model"),
        ({"from_scenario": ""}, "from: '' is not a scenario name"),
        ({"against": [1]}, "against: a list is not a model"),
    ],
)
def test_refuses_bad_options(v1_model, options, message):
    with pytest.raises(ModelError) as caught:
        ANALYSES["bridge"].run(v1_model, None, BridgeRequest(**{"metric": "npv", **options}))
    assert str(caught.value).startswith(message)


# --------------------------------------------------------------------------- the semantic diff


def test_diff_names_every_changed_input_with_its_unit(v1_model):
    a = v1_model
    b = copy.deepcopy(a)
    b["settings"]["wacc"] = 0.11
    b["drivers"]["compute_cost_change"] = [-0.1] * 10
    b["capex"]["Network equipment"] = [1.0] * 10
    b["asset_classes"][0]["economic_life"] = 4
    b["name"] = "Someone else's copy"
    b["sources"] = {}
    b = validate_model(b)
    changes = diff(a, b)
    assert [(c.path, c.old, c.new, c.unit) for c in changes] == [
        ("settings.wacc", 0.1, 0.11, "%"),
        ("drivers.compute_cost_change", None, [-0.1] * 10, "%"),
        ("capex.Network equipment", a["capex"]["Network equipment"], [1.0] * 10, "money"),
        ("asset_classes.AI servers & accelerators.economic_life", None, 4, "years"),
    ]
    assert changes[0].label == "Discount rate (WACC)"
    assert json.loads(json.dumps(changes[1].to_json()))["path"] == "drivers.compute_cost_change"
    # Accepting every change, one at a time, makes A into B; each can be undone by its inverse.
    accepted = a
    for change in changes:
        undone = apply_change(apply_change(accepted, change), change.inverted())
        assert diff(undone, accepted) == []
        accepted = apply_change(accepted, change)
    assert diff(accepted, b) == []
    assert a["settings"]["wacc"] == 0.1  # the model it was given is never changed


def test_accepting_a_change_that_breaks_a_rule_is_refused():
    a = model(settings={"wacc": 0.05, "terminal_growth": 0.12})
    change = Change("settings.terminal_method", "settings", "terminal_method", None, "none", "gordon", "", "")
    with pytest.raises(ModelError, match=r"settings\.wacc: 0\.05 must be above terminal_growth"):
        apply_change(a, change)


def test_a_history_row_accepted_into_a_model_without_history():
    a = model()
    b = model(history={"capex": {"Servers": [40.0]}})
    [change] = diff(a, b)
    assert change.path == "history.Servers" and change.numeric
    assert apply_change(a, change)["history"] == {"capex": {"Servers": [40.0]}}
    assert "history" not in apply_change(b, change.inverted())


# --------------------------------------------------------------------------- the command line


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=120, check=False
    )


def test_command_line_base_to_bull():
    done = run(str(V1_MODEL), "--json", "--analysis", "bridge", "--to", "Bull", "--metric", "npv")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    section = out["bridge"]
    assert list(section) == ["metric", "from", "to", "start", "end", "grouped", "levers"]
    assert (section["metric"], section["from"], section["to"], section["grouped"]) == ("npv", "Base", "Bull", False)
    assert section["start"] == out["kpis"]["npv"]
    assert round(section["start"], 1) == -23.4 and round(section["end"], 1) == 103.8
    assert all(list(lever) == ["lever", "from", "to", "contribution"] for lever in section["levers"])
    total = sum(lever["contribution"] for lever in section["levers"])
    assert total == pytest.approx(section["end"] - section["start"], abs=1e-9)
    wacc = next(lever for lever in section["levers"] if lever["lever"] == "settings.wacc")
    assert (wacc["from"], wacc["to"]) == (0.1, 0.09)


@pytest.mark.slow
def test_command_line_against_another_file(tmp_path):
    doc = json.loads((V1_MODEL).read_text())
    doc["settings"]["tax_rate"] = 0.25
    doc["name"] = "A colleague's copy"
    other = tmp_path / "colleague.json"
    other.write_text(json.dumps(doc))
    done = run(
        str(V1_MODEL), "--json", "--analysis", "bridge", "--against", str(other), "--metric", "ebita_margin@2030"
    )
    assert done.returncode == 0, done.stderr
    section = json.loads(done.stdout)["bridge"]
    # Tax is below EBITA: the margin does not move, and the one lever is exactly the edit.
    assert [(lever["lever"], lever["from"], lever["to"]) for lever in section["levers"]] == [
        ("settings.tax_rate", 0.15, 0.25)
    ]
    assert section["levers"][0]["contribution"] == 0.0
    done = run(
        str(V1_MODEL), "--json", "--analysis", "bridge", "--against", str(other), "--to", "Bull", "--metric", "irr"
    )
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["bridge"]["levers"]) == 8


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--analysis", "bridge", "--to", "Bull"], "error: --metric: --analysis bridge needs --metric"),
        (["--analysis", "bridge", "--metric", "npv@2028"], "error: --metric: 'npv@2028' is not a KPI"),
        (["--analysis", "bridge", "--to", "Bullish", "--metric", "npv"], "error: --to: 'Bullish' is not a scenario"),
        (["--to", "Bull", "--metric", "npv"], "error: --metric works only with --analysis grid or bridge"),
        (
            ["--analysis", "grid", "--x", "settings.wacc=0.1", "--y", "settings.tax_rate=0.1", "--metric", "moic"],
            "error: --metric: 'moic' is not npv or irr",
        ),
    ],
)
def test_command_line_errors(args, message):
    done = run(str(V1_MODEL), "--json", *args)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(message) and done.stderr.count("\n") == 1


@pytest.mark.slow
def test_command_line_refuses_another_horizon(tmp_path):
    doc = json.loads((V1_MODEL).read_text())
    doc["horizon"] = 9
    for section in ("capex", "drivers"):
        doc[section] = {key: row[:9] for key, row in doc[section].items()}
    doc.pop("scenarios")
    other = tmp_path / "short.json"
    other.write_text(json.dumps(doc))
    done = run(str(V1_MODEL), "--json", "--analysis", "bridge", "--against", str(other), "--metric", "npv")
    assert done.returncode == 2
    assert done.stderr == "error: horizon: 10 in the from state, 9 in the to state: a bridge needs the same horizon\n"
