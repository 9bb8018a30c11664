"""Properties every valid model must have, checked on random models (hypothesis)."""

from __future__ import annotations

import copy
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from model import compute, validate_model
from model.irr import IRR_HIGH, IRR_LOW
from model.outputs import LINES, Unit
from tests.factories import model_doc, valid_models
from tests.model.helpers import irr_flows, line, run

# Modest by default so the suite stays fast; MODEL_EXAMPLES=2000 for a deep run before a release.
FAST = settings(
    deadline=None,
    max_examples=int(os.environ.get("MODEL_EXAMPLES", "40")),
    suppress_health_check=[HealthCheck.too_slow],
)

MONEY_LINES = [key for key, spec in LINES.items() if spec.unit in (Unit.MONEY, Unit.COMPUTE)]
RATIO_LINES = [key for key in LINES if key not in MONEY_LINES]


@st.composite
def single_vintages(draw) -> tuple[dict, int, int, float]:
    """A one-class model with one purchase whose whole life fits in the horizon: (doc, life, year, cost)."""
    life = draw(st.integers(1, 29))
    horizon = draw(st.integers(max(3, life + 1), 30))
    year = draw(st.integers(1, horizon - life))  # the last weight falls in year + life <= horizon
    cost = draw(st.floats(0.01, 1e4, allow_nan=False))
    capex = [0.0] * horizon
    capex[year - 1] = cost
    doc = model_doc(
        horizon,
        asset_classes=[{"name": "Servers", "treatment": "capitalized", "life": life, "revenue_generating": True}],
        capex={"Servers": capex},
    )
    return doc, life, year, cost


@FAST
@given(single_vintages())
def test_a_vintage_depreciates_exactly_its_cost_over_its_life(case):
    doc, life, year, cost = case
    r = run(doc)
    depreciation = np.array(r.line("depreciation"))
    assert depreciation.sum() == pytest.approx(cost, rel=1e-12)
    # Nothing before the purchase, nothing after year + life; half a year's charge at either end.
    assert np.all(depreciation[: year - 1] == 0)
    assert np.all(depreciation[year + life :] == 0)
    assert depreciation[year - 1] == pytest.approx(0.5 * cost / life, rel=1e-12)
    # Fully depreciated once the life has run: the book is exactly empty.
    net_ppe = np.array(r.line("net_ppe"))
    assert np.all(net_ppe[year + life - 1 :] == 0)
    assert np.all(net_ppe[year - 1 : year + life - 1] > 0)


@FAST
@given(valid_models())
def test_book_value_is_never_negative_and_capex_is_conserved(model):
    r = compute(model)
    net_ppe = np.array(r.line("net_ppe"))
    assert np.all(net_ppe >= 0)
    # What was capitalized is either still on the book or has been depreciated.
    capitalized = np.array(r.line("capex_capitalized")).sum()
    assert net_ppe[-1] + np.array(r.line("depreciation")).sum() == pytest.approx(capitalized, rel=1e-9, abs=1e-9)
    # Per class, the depreciation charged is that of the vintages bought so far:
    # Σ_v capex[v] · min(H - v + 0.5, L) / L (half a year in the year of purchase).
    horizon = model["horizon"]
    for cls in model["asset_classes"]:
        charged = r.depreciation_by_class.loc[cls["name"]].sum()
        if cls["treatment"] == "expensed":
            assert charged == 0
            continue
        life = cls["life"]
        expected = sum(c * min(horizon - v + 0.5, life) / life for v, c in enumerate(model["capex"][cls["name"]], 1))
        assert charged == pytest.approx(expected, rel=1e-9, abs=1e-9)


@FAST
@given(valid_models())
def test_npv_is_zero_at_every_reported_irr_root(model):
    """With year-end and with mid-year timing alike (docs/model.md section 2)."""
    r = compute(model)
    amounts, times = irr_flows(r, model["settings"]["mid_year"])
    assert r.irr_roots == sorted(r.irr_roots)
    for root in r.irr_roots:
        assert IRR_LOW < root < IRR_HIGH
        discounted = amounts * (1.0 + root) ** -times
        assert abs(discounted.sum()) <= 1e-6 * np.abs(discounted).sum()
    if r.irr_roots:
        wacc = model["settings"]["wacc"]
        assert r.kpis["irr"] == min(r.irr_roots, key=lambda root: abs(root - wacc))
    else:
        assert r.kpis["irr"] is None


def npv_sign_changes(amounts: np.ndarray, times: np.ndarray) -> list[tuple[float, float]]:
    """Brackets (low, high) of rates in (-0.99, 10) where the NPV changes sign on a fine grid."""
    rates = np.expm1(np.linspace(np.log1p(IRR_LOW + 1e-6), np.log1p(IRR_HIGH - 1e-6), 4001))
    discount = (1.0 + rates[:, None]) ** -times[None, :]
    values = (amounts[None, :] * discount).sum(axis=1)
    scale = (np.abs(amounts[None, :]) * discount).sum(axis=1)
    signs = np.sign(np.where(np.abs(values) <= 1e-9 * scale, 0.0, values))
    brackets = []
    for i in np.flatnonzero(signs[:-1] * signs[1:] < 0):
        brackets.append((float(rates[i]), float(rates[i + 1])))
    return brackets


@FAST
@given(valid_models())
def test_no_irr_root_is_missed(model):
    """Every clear sign change of the NPV between -99 % and 1000 % holds a reported root."""
    r = compute(model)
    for low, high in npv_sign_changes(*irr_flows(r, model["settings"]["mid_year"])):
        assert any(low <= root <= high for root in r.irr_roots), (low, high, r.irr_roots)


def with_scenario(model: dict, overrides: dict) -> dict:
    doc = copy.deepcopy(model)
    doc["scenarios"] = {"Same": overrides}
    return validate_model(doc)


def assert_same_results(a, b) -> None:
    assert a.years == b.years
    assert np.array_equal(a.lines_array, b.lines_array, equal_nan=True)
    assert a.kpis == b.kpis
    assert a.irr_roots == b.irr_roots


@FAST
@given(valid_models())
def test_a_scenario_without_overrides_equals_the_base(model):
    model = with_scenario(model, {})
    assert_same_results(compute(model, "Same"), compute(model))
    assert_same_results(compute(model, "Base"), compute(model, None))


@FAST
@given(valid_models())
def test_a_scenario_that_restates_base_values_equals_the_base(model):
    name = model["asset_classes"][0]["name"]
    overrides = {
        "settings": {"wacc": model["settings"]["wacc"]},
        "drivers": {"utilization": model["drivers"]["utilization"]},
        "capex": {name: model["capex"][name]},
        # Every field a scenario may override (not the name or the treatment), as Base has it.
        "asset_classes": {name: {k: v for k, v in model["asset_classes"][0].items() if k not in ("name", "treatment")}},
    }
    model = with_scenario(model, overrides)
    assert_same_results(compute(model, "Same"), compute(model))


@FAST
@given(valid_models())
def test_validation_is_idempotent(model):
    assert validate_model(copy.deepcopy(model)) == model


def scaled(model: dict, k: float) -> dict:
    doc = copy.deepcopy(model)
    doc["capex"] = {name: [k * v for v in values] for name, values in doc["capex"].items()}
    doc["settings"]["base_core_revenue"] *= k
    if doc["drivers"].get("cloud_market"):
        doc["drivers"]["cloud_market"] = [None if v is None else k * v for v in doc["drivers"]["cloud_market"]]
    return validate_model(doc)


def tame(model: dict) -> dict:
    """The model with every input below 1e-6 in size set to 0.

    Scaling must stay representable: 5e-324 · 0.25 underflows to 0 and products of inputs near
    1e-300 lose bits, which would test float arithmetic rather than the model.
    """

    def t(value):
        return 0.0 if isinstance(value, float) and abs(value) < 1e-6 else value

    doc = copy.deepcopy(model)
    doc["settings"] = {key: t(value) for key, value in doc["settings"].items()}
    doc["capex"] = {name: [t(v) for v in values] for name, values in doc["capex"].items()}
    doc["drivers"] = {key: [t(v) for v in values] for key, values in doc["drivers"].items()}
    return validate_model(doc)


@st.composite
def models_with_markets(draw) -> dict:
    model = draw(valid_models())
    market = draw(
        st.lists(
            st.one_of(st.none(), st.just(0.0), st.floats(1.0, 5000.0)),
            min_size=model["horizon"],
            max_size=model["horizon"],
        )
    )
    model["drivers"]["cloud_market"] = market
    return tame(model)


def times(factor: float, value: float | None) -> float | None:
    return None if value is None else factor * value


@FAST
@given(models_with_markets(), st.sampled_from([0.25, 0.5, 2.0, 4.0, 8.0]))
def test_scaling_capex_and_core_revenue_by_a_power_of_two_scales_money_exactly(model, k):
    """Money lines and money KPIs scale by k; margins, shares, ROIC, IRR, payback, MOIC and PI do not move.

    Multiplying by a power of two is exact in binary floating point, so every result must match
    exactly, including which IRR roots are found and the year a payback is reached.
    """
    base, r = compute(model), compute(scaled(model, k))
    for key in MONEY_LINES:
        assert line(r, key) == [times(k, v) for v in line(base, key)], key
    for key in RATIO_LINES:
        assert line(r, key) == line(base, key), key
    for key in ("npv", "terminal_value", "pv_terminal_value", "total_capex", "peak_funding"):
        assert r.kpis[key] == times(k, base.kpis[key]), key
    for key in ("irr", "payback_years", "discounted_payback_years", "moic", "profitability_index"):
        assert r.kpis[key] == base.kpis[key], key
    assert r.irr_roots == base.irr_roots


@FAST
@given(models_with_markets(), st.floats(0.1, 10.0))
def test_scaling_by_any_factor_scales_money_lines_to_rounding(model, k):
    base, r = compute(model), compute(scaled(model, k))
    # Lines such as plan EBITA are differences of larger terms: allow rounding on the model's scale.
    size = max(abs(v) for key in MONEY_LINES for v in line(base, key) if v is not None)
    for key in MONEY_LINES:
        for got, want in zip(line(r, key), line(base, key), strict=True):
            assert got == pytest.approx(k * want, rel=1e-9, abs=1e-12 * k * size), key
    assert r.kpis["npv"] == pytest.approx(k * base.kpis["npv"], rel=1e-9, abs=1e-12 * k * size)
    assert r.kpis["total_capex"] == pytest.approx(k * base.kpis["total_capex"], rel=1e-12)
