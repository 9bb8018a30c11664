"""The vectorised IRR against the single-model IRR (``model.irr``) on many random models."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import compute, risk, validate_model
from model.engine import plan_arrays
from model.irr import go_forward_irr_roots, irr_roots, nearest_root
from model.risk.irr import go_forward_irr_rows, irr_rows, sign_changes
from model.schema import TERMINAL_METHODS
from tests.factories import model_doc, valid_models


def random_model(rng: np.random.Generator, horizon: int) -> dict:
    """A random valid model; some spend again late in the plan, so their flows change sign twice."""
    capex = np.where(rng.random(horizon) < 0.4, rng.uniform(0, 150, horizon), 0.0)
    capex[0] = rng.uniform(20, 200)
    if rng.random() < 0.2:
        capex[-2] = rng.uniform(100, 400)
    wacc = rng.uniform(0.0, 0.2)
    settings = {
        "wacc": wacc,
        "tax_rate": rng.uniform(0, 0.35),
        "nwc_pct": rng.uniform(0, 0.1),
        "mid_year": bool(rng.random() < 0.5),
        "terminal_method": str(rng.choice(TERMINAL_METHODS)),
        "terminal_growth": wacc - rng.uniform(0.01, 0.05),
        "exit_multiple": rng.uniform(0, 15),
        "base_core_revenue": rng.uniform(10, 300),
        "ai_revenue_yield": rng.uniform(0.1, 1.5),
        "ai_cash_opex_rate": rng.uniform(0, 0.15),
        "ai_variable_cost_pct": rng.uniform(0, 0.3),
        "pull_through": rng.uniform(0, 1),
    }
    drivers = {
        "core_growth": list(rng.uniform(-0.05, 0.2, horizon)),
        "core_ebita_margin": list(rng.uniform(-0.1, 0.3, horizon)),
        "utilization": list(rng.uniform(0.2, 1.0, horizon)),
        "price_change": list(rng.uniform(-0.2, 0.05, horizon)),
    }
    classes = [
        {"name": "Servers", "treatment": "capitalized", "life": int(rng.integers(1, 15)), "revenue_generating": True}
    ]
    return validate_model(
        model_doc(horizon, settings=settings, drivers=drivers, asset_classes=classes, capex={"Servers": list(capex)})
    )


@pytest.mark.slow
def test_vectorised_irr_equals_single_model_irr_on_1000_random_models():
    rng = np.random.default_rng(20250224)
    checked = unique = 0
    for horizon in (5, 10, 20, 30):
        models = [random_model(rng, horizon) for _ in range(250)]
        results = [compute(m) for m in models]
        mid_year = [m["settings"]["mid_year"] for m in models]
        vectorised = np.empty(len(models))
        for timing in (False, True):  # one batch per timing: mid-year flows lie on a half-year grid
            rows = [i for i, mid in enumerate(mid_year) if mid == timing]
            fcf = np.array([results[i].line("fcf") for i in rows]).reshape(len(rows), horizon)
            tv = np.array([results[i].kpis["terminal_value"] for i in rows])
            wacc = np.array([models[i]["settings"]["wacc"] for i in rows])
            vectorised[rows] = go_forward_irr_rows(fcf, tv, wacc, timing)
        for result, rate in zip(results, vectorised, strict=True):
            single = result.kpis["irr"]
            if single is None:
                assert np.isnan(rate)
            else:
                assert rate == pytest.approx(single, abs=1e-9)
            unique += len(result.irr_roots) == 1
            checked += 1
    assert checked == 1000
    assert unique > 500  # most random plans have one root; the others are checked too


@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(valid_models())
def test_a_batch_of_one_is_the_model(model):
    """Every KPI of ``risk.evaluate`` matches ``compute`` on random models of every kind."""
    plan = plan_arrays(model)
    batch, valid = risk.apply_values(plan, [], np.empty((1, 0)))
    assert valid.all()
    evaluated = risk.evaluate(batch, 1)
    for key, expected in compute(model).kpis.items():
        got = evaluated[key][0]
        if expected is None:
            assert np.isnan(got)
        else:
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("row", "changes", "pivot"),
    [
        ([-1.0, 2.0, 3.0], 1, 0),
        ([0.0, -1.0, 0.0, 2.0], 1, 1),
        ([-1.0, -2.0, 0.0, 3.0, -1.0], 2, 1),
        ([1.0, 1.0, 0.0], 0, -1),
        ([0.0, 0.0, 0.0], 0, -1),
        ([2.0, 0.0, -3.0], 1, 0),
    ],
)
def test_sign_changes_skip_zeros(row, changes, pivot):
    counted, last_before = sign_changes(np.array([row]))
    assert (counted[0], last_before[0]) == (changes, pivot)


def test_sign_changes_of_a_batch_with_and_without_zeros_match_a_row_by_row_count():
    rows = np.random.default_rng(3).integers(-2, 3, size=(2_000, 6)).astype(float)
    rows[:500] = np.where(rows[:500] == 0, 1.0, rows[:500])  # some rows with no zero at all
    counted, last_before = sign_changes(rows)
    for row, count, pivot in zip(rows, counted, last_before, strict=True):
        nonzero = [(i, value) for i, value in enumerate(row) if value != 0]
        flips = [a for a, b in itertools.pairwise(nonzero) if (a[1] > 0) != (b[1] > 0)]
        assert (count, pivot) == (len(flips), flips[0][0] if flips else -1)


def test_rows_with_two_sign_changes_take_the_root_nearest_the_wacc():
    flows = np.array([[-100.0, 230.0, -132.0]] * 2)  # roots at 10 % and 20 %
    assert irr_rows(flows, np.array([0.08, 0.19])) == pytest.approx([0.1, 0.2], abs=1e-12)


def test_rows_without_a_root_in_the_interval_have_no_irr():
    flows = np.array([[-1.0, 100.0, 0.0], [1.0, 2.0, 3.0], [-1.0, 1e-9, 1e-9], [np.nan, 1.0, 1.0]])
    assert np.isnan(irr_rows(flows, np.full(4, 0.1))).all()


@settings(deadline=None, max_examples=200)
@given(
    st.lists(st.floats(1.0, 100.0), min_size=1, max_size=4),
    st.lists(st.floats(1.0, 100.0), min_size=1, max_size=8),
    st.lists(st.floats(0.01, 50.0), min_size=1, max_size=4),
    st.booleans(),
)
def test_rows_with_a_negative_tail_are_solved_together_as_one_model_would(spend, earn, tail, mid_year):
    """Spend, earn, then a small negative tail (two sign changes): the batch finds the root the
    single-model rule reports, with year-end and mid-year timing."""
    fcf = np.array([-v for v in spend] + earn + [-v for v in tail])
    rows = np.array([fcf, fcf * 2.0])
    got = go_forward_irr_rows(rows, np.zeros(2), np.array([0.1, 0.1]), mid_year)
    single = nearest_root(go_forward_irr_roots(fcf, 0.0, mid_year), 0.1)
    for rate in got:
        assert (np.isnan(rate) and single is None) or rate == pytest.approx(single, abs=1e-9)


def two_change_rows(rng: np.random.Generator, count: int) -> np.ndarray:
    """Rows of 10 flows that spend, earn, then spend again (two sign changes), of every scale:
    some with both roots in the interval, some with one, some with none; some hold zeros."""
    rows = np.zeros((count, 10))
    for row in rows:
        spend, earn = rng.integers(1, 4), rng.integers(1, 5)
        tail = rng.integers(1, 10 - spend - earn + 1)
        row[:spend] = -rng.uniform(1, 100, spend)
        row[spend : spend + earn] = rng.uniform(1, 100, earn) * rng.choice([0.5, 1.0, 3.0])
        row[spend + earn : spend + earn + tail] = -rng.uniform(0.001, 1, tail) * 10.0 ** rng.integers(-2, 3)
        row[rng.random(10) < 0.1] = 0.0
    return rows


def test_a_batch_of_rows_with_two_sign_changes_is_the_single_model_rule_row_by_row():
    rng = np.random.default_rng(16)
    rows = two_change_rows(rng, 3_000)
    wacc = rng.uniform(-0.5, 3.0, len(rows))  # some far from every root, some between two
    got = irr_rows(rows, wacc)
    changes, _ = sign_changes(rows)
    assert (changes == 2).sum() > 2_000
    both = 0
    for row, rate, target in zip(rows, got, wacc, strict=True):
        roots = irr_roots(row)
        both += len(roots) == 2
        single = nearest_root(roots, float(target))
        assert (np.isnan(rate) and single is None) or rate == pytest.approx(single, abs=1e-9)
    assert both > 300  # the rule chooses between two roots often


def test_the_root_beyond_the_peak_is_taken_when_it_is_nearer_the_wacc():
    flows = np.array([[-100.0, 230.0, -132.0]] * 4)  # roots at 10 % and 20 %, the peak between
    got = irr_rows(flows, np.array([-0.5, 0.14, 0.16, 3.0]))
    assert got == pytest.approx([0.1, 0.1, 0.2, 0.2], abs=1e-12)
