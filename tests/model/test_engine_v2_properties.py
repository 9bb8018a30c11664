"""Properties of the version 2 engine that hold for any lives, lags and calibrations (docs/model.md
section 4 and 4a), checked on random models with hypothesis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from model import ModelError, validate_model
from tests.factories import finite, model_doc
from tests.model.helpers import line, run

HORIZON = 30


def one_vintage_doc(life: int, economic: int, lag: int, tax: int, amount: float, year: int, tax_rate: float) -> dict:
    capex = [0.0] * HORIZON
    capex[year - 1] = amount
    doc = model_doc(
        HORIZON,
        asset_classes=[
            {
                "name": "Servers",
                "treatment": "capitalized",
                "life": life,
                "economic_life": economic,
                "lag": lag,
                "tax_life": tax,
                "revenue_generating": True,
            }
        ],
        capex={"Servers": capex},
    )
    doc["version"] = 2
    doc["settings"].update(mid_year=False, tax_rate=tax_rate)
    return doc


vintage = st.tuples(
    st.integers(1, 10),  # book life
    st.integers(1, 10),  # economic life
    st.integers(0, 5),  # lag
    st.integers(0, 10),  # tax life
    finite(1.0, 500.0),  # amount
    st.integers(1, 3),  # purchase year
    finite(0.0, 0.4),  # tax rate
)


@settings(max_examples=300, deadline=None)
@given(vintage)
def test_one_vintage_writes_off_its_cost_exactly_once(params):
    life, economic, lag, tax, amount, year, tax_rate = params
    r = run(one_vintage_doc(life, economic, lag, tax, amount, year, tax_rate))
    depreciation = np.array(line(r, "depreciation"))
    impairment = np.array(line(r, "impairment"))
    tax_depreciation = np.array(line(r, "tax_depreciation"))
    net_ppe = np.array(line(r, "net_ppe"))
    # Purchase year + lag + max life + 1 <= 3 + 5 + 10 + 1 = 19 < 30: every life has run.
    assert math.isclose(depreciation.sum() + impairment.sum(), amount, rel_tol=1e-12)
    assert math.isclose(tax_depreciation.sum(), amount, rel_tol=1e-12)
    assert (depreciation >= 0).all() and (impairment >= 0).all() and (tax_depreciation >= 0).all()
    # Book value never negative; 0 before purchase; the cost while in construction; 0 from the
    # year the vintage stops earning (a = E when E < L) or is fully depreciated (a = L).
    assert (net_ppe >= -1e-12).all()
    t = np.arange(1, HORIZON + 1)
    age = t - year - lag
    assert (net_ppe[t < year] == 0).all()
    assert np.allclose(net_ppe[(t >= year) & (age < 0)], amount, rtol=1e-12)
    retired = age >= min(life, economic)
    assert np.allclose(net_ppe[retired], 0.0, atol=1e-9)
    assert (net_ppe[(age >= 0) & ~retired] > 0).all()
    # Book value falls by exactly depreciation + impairment each year after purchase.
    previous = np.concatenate([[0.0], net_ppe[:-1]])
    capex = np.where(t == year, amount, 0.0)
    assert np.allclose(previous + capex - depreciation - impairment, net_ppe, atol=1e-9)
    # Revenue (capacity) only in economic service, summing to E years of the amount.
    capacity = np.array(line(r, "capacity"))
    assert math.isclose(capacity.sum(), amount * economic, rel_tol=1e-12)
    assert (capacity[(age < 0) | (age > economic)] == 0).all()
    # Over the whole life the tax is tax_rate times the pre-tax profit (no timing leak).
    tax_paid = np.array(line(r, "tax")).sum()
    assert math.isclose(tax_paid, tax_rate * np.array(line(r, "plan_ebita")).sum(), rel_tol=1e-9, abs_tol=1e-9)


@st.composite
def calibrated_models(draw) -> dict:
    """One revenue-generating class bought in year 1 (in service in year 1, so the calibration can
    solve), a history, random drivers, a revenue and a margin target, and two scenarios."""
    horizon = draw(st.integers(3, 8))
    plan_years = draw(st.integers(1, horizon))
    year = draw(st.integers(1, plan_years))
    life = draw(st.integers(year, 10))  # still in service in the calibration year

    def series(low: float, high: float) -> list[float]:
        return draw(st.lists(finite(low, high), min_size=horizon, max_size=horizon))

    capex = [draw(finite(10.0, 200.0)), *series(0.0, 100.0)[1:]]
    growth = series(-0.1, 0.2)
    core = 100.0 * math.prod(1 + g for g in growth[:year])
    revenue_target = core * draw(finite(1.05, 3.0))
    revenue_solve = draw(st.sampled_from(["settings.ai_revenue_yield", "settings.base_core_revenue"]))
    margin_solve = draw(st.sampled_from(["settings.ai_cash_opex_rate", "settings.ai_variable_cost_pct"]))
    targets = []
    if draw(st.booleans()):
        targets.append({"line": "total_revenue", "year": 2025 + year, "value": revenue_target, "solve": revenue_solve})
    if draw(st.booleans()) or not targets:
        targets.append(
            {"line": "ebita_margin", "year": 2025 + year, "value": draw(finite(-0.5, 0.5)), "solve": margin_solve}
        )
    doc = model_doc(
        horizon,
        asset_classes=[
            {"name": "Servers", "treatment": "capitalized", "life": life, "revenue_generating": True},
            {"name": "Buildings", "treatment": "capitalized", "life": 20, "lag": 1, "revenue_generating": False},
            {"name": "R&D", "treatment": "expensed"},
        ],
        capex={"Servers": capex, "Buildings": series(0.0, 50.0), "R&D": series(0.0, 20.0)},
        history={"capex": {"Servers": [draw(finite(0.0, 50.0))], "Buildings": [draw(finite(0.0, 50.0))]}},
        drivers={
            "core_growth": growth,
            "core_ebita_margin": series(0.0, 0.3),
            "utilization": series(0.3, 1.0),
            "price_change": series(-0.2, 0.1),
            "compute_cost_change": series(-0.3, 0.0),
            "reinvestment_rate": series(0.0, 0.3),
        },
        calibration=targets,
        scenarios={
            "Bull": {"drivers": {"utilization": series(0.3, 1.0)}, "settings": {"pull_through": draw(finite(0, 1))}},
            "Bear": {
                "drivers": {"price_change": series(-0.2, 0.1)},
                "asset_classes": {"Servers": {"economic_life": life + 1}},
            },
        },
    )
    doc["version"] = 2
    doc["settings"].update(
        mid_year=draw(st.booleans()),
        plan_years=plan_years,
        pull_through=draw(finite(0.0, 1.0)),
        ai_cash_opex_rate=draw(finite(0.0, 0.2)),
        ai_variable_cost_pct=draw(finite(0.0, 0.5)),
        infrastructure_charge=draw(st.sampled_from(["cohort", "rent"])),
    )
    return doc


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(calibrated_models())
def test_the_calibrated_lines_equal_their_targets_in_every_scenario(doc):
    try:
        model = validate_model(doc)
    except ModelError as error:
        # Refused only because a calibration has no valid solution (section 4a), never otherwise.
        assert error.path.endswith("calibration"), str(error)
        assume(False)
    for scenario in (None, "Bull", "Bear"):
        r = run(model, scenario)
        for target in model["calibration"]:
            value = line(r, target["line"])[target["year"] - 2026]
            assert value is not None
            assert math.isclose(value, target["value"], rel_tol=1e-9, abs_tol=1e-9), (scenario, target, value)
        assert set(r.calibrated) == {target["solve"] for target in model["calibration"]}
