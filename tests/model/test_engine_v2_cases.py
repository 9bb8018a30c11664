"""Version 2 of the engine on small models computed by hand from docs/model.md sections 2 to 7.

Every expected number is derived in a comment from the formulas of docs/model.md (section 4, 4a, 5
and 6), never copied from the engine. Unless a test says otherwise a document comes from
``v2``: WACC 10 %, no tax, no working capital, no terminal value, year-end timing, revenue yield
1, full utilization, flat prices, core revenue 100 with no growth and no margin, no opex, no
pull-through, one revenue-generating capitalized class "Servers", base year 2025.

Notation: w(a, L) is the half-year weight (0.5 at a = 0, 1 for 1 ≤ a ≤ L − 1, 0.5 at a = L);
a vintage x bought in year v with lag ℓ has age a = t − v − ℓ in year t.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from model import ModelError, results_json, validate_model
from tests.factories import model_doc
from tests.model.helpers import assert_line, line, npv_timed, run
from tests.model.test_cli import SPEC_KPIS, SPEC_LINES

D1, D2, D3, D4 = (1.1**-t for t in range(1, 5))  # year-end discount factors at 10 %


def v2(horizon: int = 3, settings: dict | None = None, **changes: Any) -> dict:
    """A version 2 document: the factory's, with mid_year false and ``settings`` merged in."""
    doc = model_doc(horizon, **changes)
    doc["version"] = 2
    doc["settings"] = {**doc["settings"], "mid_year": False, **(settings or {})}
    return doc


def servers(life: int, **fields: Any) -> dict:
    return {"name": "Servers", "treatment": "capitalized", "life": life, "revenue_generating": True, **fields}


def zeros(n: int) -> list[float]:
    return [0.0] * n


def refusal(doc: dict) -> ModelError:
    with pytest.raises(ModelError) as caught:
        validate_model(doc)
    return caught.value


# --------------------------------------------------------------------------- 1. lag


def test_lag_1_is_construction_in_progress_then_enters_service_half_a_year():
    doc = v2(5, asset_classes=[servers(2, lag=1)], capex={"Servers": [100.0, 0, 0, 0, 0]})
    r = run(doc)
    # Bought in year 1, lag 1: a = t - 2 = -1, 0, 1, 2, 3 in years 1..5.
    # Year 1 (a = -1): in construction, on the books at cost, no depreciation, no revenue.
    # Depreciation 100 · w(a, 2) / 2 = 0, 25, 50, 25, 0.
    assert_line(r, "depreciation", [0, 25, 50, 25, 0])
    assert_line(r, "tax_depreciation", [0, 25, 50, 25, 0])  # T = L = 2
    assert_line(r, "impairment", [0, 0, 0, 0, 0])
    # Book value: 100 (a < 0); 100 (1 - 0.5 / 2) = 75; 100 (1 - 1.5 / 2) = 25; 0; 0.
    assert_line(r, "net_ppe", [100, 75, 25, 0, 0])
    # Capacity 100 · w(a, 2) = 0, 50, 100, 50, 0: the half-year entry is in year 2.
    assert_line(r, "capacity", [0, 50, 100, 50, 0])
    assert_line(r, "capex_in_service", [0, 50, 100, 50, 0])
    assert_line(r, "ai_revenue", [0, 50, 100, 50, 0])
    assert_line(r, "plan_ebita", [0, 25, 50, 25, 0])  # revenue - depreciation
    assert_line(r, "fcf", [-100, 50, 100, 50, 0])  # ebita + depreciation - capex 100 in year 1
    # ROIC: nopat / average net PPE: 0 / 50; 25 / 87.5; 50 / 50; 25 / 12.5; average 0 -> null.
    assert_line(r, "roic", [0, 25 / 87.5, 1, 2, None])
    # NPV = -100/1.1 + 50/1.21 + 100/1.331 + 50/1.4641
    assert r.kpis["npv"] == pytest.approx(-100 * D1 + 50 * D2 + 100 * D3 + 50 * D4, rel=1e-12)


# --------------------------------------------------------------------------- 2. economic life < book life


def test_economic_life_shorter_than_book_life_impairs_the_rest_when_it_stops_earning():
    doc = v2(5, asset_classes=[servers(4, economic_life=2)], capex={"Servers": [100.0, 0, 0, 0, 0]})
    r = run(doc)
    # L = 4, E = 2, M = 2; a = t - 1 = 0..4.
    # Depreciation 100 · w(a, 2) / 4 = 12.5, 25, 12.5, 0, 0.
    assert_line(r, "depreciation", [12.5, 25, 12.5, 0, 0])
    # Impairment at a = E = 2 (year 3): 100 (1 - 2/4) = 50.
    assert_line(r, "impairment", [0, 0, 50, 0, 0])
    # Book value: 100 (1 - 0.5/4) = 87.5; 100 (1 - 1.5/4) = 62.5; 0 once a >= E.
    assert_line(r, "net_ppe", [87.5, 62.5, 0, 0, 0])
    # Tax depreciation (T = L = 4 > E): 100 w(a, 2) / 4 + 100 (1 - 2/4) at a = 2.
    assert_line(r, "tax_depreciation", [12.5, 25, 62.5, 0, 0])
    # Revenue only E = 2 years: capacity 100 · w(a, 2) = 50, 100, 50, 0, 0.
    assert_line(r, "ai_revenue", [50, 100, 50, 0, 0])
    # EBITA = revenue - depreciation - impairment: 37.5, 75, 50 - 12.5 - 50 = -12.5, 0, 0.
    assert_line(r, "plan_ebita", [37.5, 75, -12.5, 0, 0])
    # FCF = ebita + depreciation + impairment - capex: 37.5 + 12.5 - 100 = -50; 100; 50; 0; 0.
    assert_line(r, "fcf", [-50, 100, 50, 0, 0])
    # Taxable income = ebita + dep + imp - tax dep: 37.5 + 12.5 - 12.5 = 37.5; 75 + 25 - 25 = 75;
    # -12.5 + 12.5 + 50 - 62.5 = -12.5; 0; 0 (the tax write-off matches the impairment).
    assert_line(r, "taxable_income", [37.5, 75, -12.5, 0, 0])


# --------------------------------------------------------------------------- 3. economic life > book life


def test_economic_life_longer_than_book_life_earns_after_fully_depreciated():
    doc = v2(6, asset_classes=[servers(2, economic_life=4)], capex={"Servers": [100.0, *zeros(5)]})
    r = run(doc)
    # L = 2, E = 4, M = 2: depreciation 100 w(a, 2) / 2 = 25, 50, 25, 0...; no impairment.
    assert_line(r, "depreciation", [25, 50, 25, 0, 0, 0])
    assert_line(r, "impairment", zeros(6))
    assert_line(r, "net_ppe", [75, 25, 0, 0, 0, 0])
    # Capacity 100 w(a, 4) = 50, 100, 100, 100, 50, 0: revenue in years 4 and 5 at book value 0.
    assert_line(r, "ai_revenue", [50, 100, 100, 100, 50, 0])
    assert_line(r, "capex_in_service", [50, 100, 100, 100, 50, 0])
    # Tax life follows the book life (2): tax depreciation = depreciation.
    assert_line(r, "tax_depreciation", [25, 50, 25, 0, 0, 0])
    assert_line(r, "plan_ebita", [25, 50, 75, 100, 50, 0])
    assert_line(r, "fcf", [-50, 100, 100, 100, 50, 0])  # 25 + 25 - 100; 50 + 50; 75 + 25; ...
    # ROIC in year 4: nopat 100 over average net PPE (0 + 0) / 2 = 0 -> null.
    assert line(r, "roic")[3] is None


# --------------------------------------------------------------------------- 4. tax life


def test_tax_life_0_deducts_in_full_in_the_year_of_entry():
    doc = v2(
        4,
        asset_classes=[servers(2, tax_life=0)],
        capex={"Servers": [100.0, 0, 0, 0]},
        settings={"tax_rate": 0.25},
    )
    r = run(doc)
    # Book: depreciation 25, 50, 25, 0; revenue 50, 100, 50, 0; ebita 25, 50, 25, 0.
    assert_line(r, "plan_ebita", [25, 50, 25, 0])
    assert_line(r, "tax_depreciation", [100, 0, 0, 0])  # T = 0: x in the year a = 0
    # Taxable = ebita + dep - tax dep = 25 + 25 - 100 = -50; 50 + 50 = 100; 25 + 25 = 50; 0.
    assert_line(r, "taxable_income", [-50, 100, 50, 0])
    assert_line(r, "tax", [-12.5, 25, 12.5, 0])  # 25 %
    assert_line(r, "nopat", [37.5, 25, 12.5, 0])  # ebita - tax
    assert_line(r, "fcf", [-37.5, 75, 37.5, 0])  # nopat + dep - capex: 37.5 + 25 - 100; 25 + 50; 12.5 + 25


def test_tax_life_0_with_a_lag_deducts_when_the_asset_enters_service():
    doc = v2(
        4,
        asset_classes=[servers(2, tax_life=0, lag=1)],
        capex={"Servers": [100.0, 0, 0, 0]},
        settings={"tax_rate": 0.25},
    )
    r = run(doc)
    # a = t - 2: a = 0 in year 2. Depreciation 0, 25, 50, 25; revenue 0, 50, 100, 50.
    assert_line(r, "tax_depreciation", [0, 100, 0, 0])
    # Taxable = ebita + dep - tax dep: 0; 25 + 25 - 100 = -50; 50 + 50 = 100; 25 + 25 = 50.
    assert_line(r, "taxable_income", [0, -50, 100, 50])
    assert_line(r, "tax", [0, -12.5, 25, 12.5])


def test_tax_life_shorter_than_book_life():
    doc = v2(
        4,
        asset_classes=[servers(2, tax_life=1)],
        capex={"Servers": [100.0, 0, 0, 0]},
        settings={"tax_rate": 0.25},
    )
    r = run(doc)
    # T = 1 <= E = 2: 100 · w(a, 1) / 1 = 50, 50, 0, 0.
    assert_line(r, "tax_depreciation", [50, 50, 0, 0])
    # Taxable = ebita + dep - tax dep: 25 + 25 - 50 = 0; 50 + 50 - 50 = 50; 25 + 25 - 0 = 50; 0.
    assert_line(r, "taxable_income", [0, 50, 50, 0])
    assert_line(r, "tax", [0, 12.5, 12.5, 0])
    assert_line(r, "nopat", [25, 37.5, 12.5, 0])
    assert_line(r, "fcf", [-50, 87.5, 37.5, 0])  # 25 + 25 - 100; 37.5 + 50; 12.5 + 25


def test_tax_life_longer_than_the_economic_life_writes_the_rest_off_when_it_stops_earning():
    doc = v2(
        4,
        asset_classes=[servers(2, tax_life=4)],
        capex={"Servers": [100.0, 0, 0, 0]},
        settings={"tax_rate": 0.25},
    )
    r = run(doc)
    # T = 4 > E = 2: 100 w(a, 2) / 4 = 12.5, 25, 12.5, plus 100 (1 - 2/4) = 50 at a = 2 (year 3).
    assert_line(r, "tax_depreciation", [12.5, 25, 62.5, 0])
    # Taxable: 25 + 25 - 12.5 = 37.5; 50 + 50 - 25 = 75; 25 + 25 - 62.5 = -12.5; 0.
    assert_line(r, "taxable_income", [37.5, 75, -12.5, 0])
    assert_line(r, "tax", [9.375, 18.75, -3.125, 0])


# --------------------------------------------------------------------------- 5. compute cost change


def test_compute_cost_change_gives_later_vintages_more_capacity_per_money():
    doc = v2(
        4,
        capex={"Servers": [100.0, 100.0, 0, 0]},
        drivers={
            "core_growth": zeros(4),
            "core_ebita_margin": zeros(4),
            "utilization": [1.0] * 4,
            "price_change": zeros(4),
            "compute_cost_change": [0.0, -0.5, 0.0, 0.0],
        },
        settings={"ai_cash_opex_rate": 0.1},
    )
    r = run(doc)
    # K_1 = 1, K_2 = K_3 = K_4 = 0.5. Vintage 1: 100 / 1 = 100 units; vintage 2: 100 / 0.5 = 200.
    # Capacity: 100·0.5 = 50; 100·1 + 200·0.5 = 200; 100·0.5 + 200·1 = 250; 200·0.5 = 100.
    assert_line(r, "capacity", [50, 200, 250, 100])
    # Capex in service is money, not units: 50; 100 + 50 = 150; 50 + 100 = 150; 50.
    assert_line(r, "capex_in_service", [50, 150, 150, 50])
    assert_line(r, "ai_revenue", [50, 200, 250, 100])
    assert_line(r, "ai_cash_opex", [5, 15, 15, 5])  # 0.1 · capex in service
    # Depreciation is on money: 25; 50 + 25; 25 + 50; 25.
    assert_line(r, "depreciation", [25, 75, 75, 25])
    assert_line(r, "revenue_yield", [1, 1, 1, 1])
    assert_line(r, "new_vintage_yield", [1, 2, 2, 2])  # revenue_yield / K_t
    # New vintage yield moves by +100 % > 25 %: a warning says so.
    assert any("new vintage yield" in w.lower() for w in r.warnings)


def test_cost_index_is_that_of_the_purchase_year_not_the_year_of_entry():
    doc = v2(
        4,
        asset_classes=[servers(2, lag=1)],
        capex={"Servers": [100.0, 0, 0, 0]},
        drivers={
            "core_growth": zeros(4),
            "core_ebita_margin": zeros(4),
            "utilization": [1.0] * 4,
            "price_change": [0.0, 0.2, 0.0, 0.0],
            "compute_cost_change": [0.0, -0.5, 0.0, 0.0],
        },
    )
    r = run(doc)
    # Bought in year 1 (K_1 = 1), enters service in year 2 (K_2 = 0.5 is not its index).
    assert_line(r, "capacity", [0, 50, 100, 50])  # 100 / 1 · w(t - 2, 2)
    assert_line(r, "revenue_yield", [1, 1.2, 1.2, 1.2])  # price index 1, 1.2, 1.2, 1.2
    assert_line(r, "new_vintage_yield", [1, 2.4, 2.4, 2.4])  # 1.2 / 0.5
    assert_line(r, "ai_revenue", [0, 60, 120, 60])  # capacity · 1.2


# --------------------------------------------------------------------------- 6. history


def test_one_history_vintage_is_the_installed_fleet_outside_the_plan_returns():
    doc = v2(
        3,
        capex={"Servers": [100.0, 0, 0]},
        history={"capex": {"Servers": [100.0]}},
        drivers={
            "core_growth": zeros(3),
            "core_ebita_margin": [0.2] * 3,
            "utilization": [1.0] * 3,
            "price_change": zeros(3),
        },
        settings={"pull_through": 0.5},
    )
    r = run(doc)
    # History vintage v = 0: a = t = 1, 2, 3: capacity 100 w(a, 2) = 100, 50, 0.
    # Installed AI revenue 100, 50, 0; pull-through 50, 25, 0.
    assert_line(r, "installed_revenue", [150, 75, 0])
    # Installed EBITA = ai - depreciation (100 w(a,2)/2 = 50, 25, 0) + pull · margin:
    # 100 - 50 + 50·0.2 = 60; 50 - 25 + 25·0.2 = 30; 0.
    assert_line(r, "installed_ebita", [60, 30, 0])
    # Plan (vintage 1): capacity 50, 100, 50; ai 50, 100, 50; pull 25, 50, 25.
    assert_line(r, "plan_revenue", [75, 150, 75])
    assert_line(r, "depreciation", [25, 50, 25])  # the plan's vintages only
    assert_line(r, "net_ppe", [75, 25, 0])
    # Plan EBITA = ai - dep + pull · margin: 50 - 25 + 5 = 30; 100 - 50 + 10 = 60; 30.
    assert_line(r, "plan_ebita", [30, 60, 30])
    assert_line(r, "fcf", [-45, 110, 55])  # 30 + 25 - 100; 60 + 50; 30 + 25
    # Segment: core 100 (ebita 20) + installed + plan.
    assert_line(r, "total_revenue", [325, 325, 175])  # 100 + 150 + 75; 100 + 75 + 150; 100 + 0 + 75
    assert_line(r, "total_ebita", [110, 110, 50])  # 20 + 60 + 30; 20 + 30 + 60; 20 + 0 + 30
    assert_line(r, "ebita_margin", [110 / 325, 110 / 325, 50 / 175])
    assert_line(r, "capex_total", [100, 0, 0])  # history is not plan spending
    assert_line(r, "segment_capex", [100, 0, 0])
    assert r.kpis["npv"] == pytest.approx(-45 * D1 + 110 * D2 + 55 * D3, rel=1e-12)
    assert r.kpis["total_capex"] == pytest.approx(100.0)


# --------------------------------------------------------------------------- 7. plan years and follow-on


def test_plan_years_before_the_horizon_with_explicit_follow_on_capex():
    classes = [servers(2), {"name": "Software", "treatment": "expensed"}]
    doc = v2(
        4,
        asset_classes=classes,
        capex={"Servers": [100.0, 0, 50.0, 0], "Software": [10.0, 0, 20.0, 0]},
        settings={"plan_years": 2},
    )
    r = run(doc)
    # P = 2: the plan is year 1's 100 of servers and 10 of software; year 3 is follow-on.
    assert_line(r, "capex_capitalized", [100, 0, 0, 0])
    assert_line(r, "capex_expensed", [10, 0, 0, 0])
    assert_line(r, "capex_total", [110, 0, 0, 0])
    assert_line(r, "follow_on_capex", [0, 0, 70, 0])  # 50 + 20
    assert_line(r, "segment_capex", [110, 0, 70, 0])
    # Plan: capacity 50, 100, 50, 0; ebita = ai - dep - expensed: 50 - 25 - 10 = 15; 50; 25; 0.
    assert_line(r, "plan_revenue", [50, 100, 50, 0])
    assert_line(r, "plan_ebita", [15, 50, 25, 0])
    assert_line(r, "fcf", [-60, 100, 50, 0])  # 15 + 25 - 100 (software already in ebita); 50 + 50; 25 + 25
    # Follow-on servers 50 bought in year 3: capacity 25, 50 in years 3 and 4.
    assert_line(r, "follow_on_revenue", [0, 0, 25, 50])
    # Follow-on EBITA: 25 - 50·0.5/2 - 20 = -7.5; 50 - 25 = 25.
    assert_line(r, "follow_on_ebita", [0, 0, -7.5, 25])
    assert_line(r, "total_revenue", [150, 200, 175, 150])
    assert_line(r, "total_ebita", [15, 50, 17.5, 25])
    assert r.kpis["total_capex"] == pytest.approx(110.0)


def reinvestment_doc(rate: list[float]) -> dict:
    classes = [
        servers(1),
        {"name": "Software", "treatment": "expensed"},
        {"name": "Buildings", "treatment": "capitalized", "life": 2, "revenue_generating": False},
    ]
    return v2(
        4,
        asset_classes=classes,
        capex={"Servers": [60.0, 0, 0, 0], "Software": [20.0, 0, 0, 0], "Buildings": [20.0, 0, 0, 0]},
        drivers={
            "core_growth": zeros(4),
            "core_ebita_margin": zeros(4),
            "utilization": [1.0] * 4,
            "price_change": zeros(4),
            "reinvestment_rate": rate,
        },
        settings={"plan_years": 2},
    )


def test_reinvestment_rate_recursion_on_prior_year_total_revenue():
    # The 0.9 of year 1 is inside the plan (1..P) and has no effect.
    r = run(reinvestment_doc([0.9, 0.0, 0.5, 0.5]))
    # Plan mix (capex of years 1..2): servers 60, software 20, buildings 20 of 100 -> 0.6/0.2/0.2.
    # Plan: servers 60 with life 1: capacity 30, 30, 0, 0; total revenue 130, 130.
    assert_line(r, "plan_revenue", [30, 30, 0, 0])
    # Year 3: 0.5 · total_revenue_2 = 0.5 · 130 = 65 -> servers 39, software 13, buildings 13.
    # Servers 39 (life 1): capacity 19.5 in years 3 and 4. total_revenue_3 = 100 + 19.5 = 119.5.
    # Year 4: 0.5 · 119.5 = 59.75 -> servers 35.85 (capacity 17.925 in year 4), software and
    # buildings 11.95 each. follow_on_revenue_4 = 19.5 + 17.925 = 37.425.
    assert_line(r, "follow_on_capex", [0, 0, 65, 59.75])
    assert_line(r, "follow_on_revenue", [0, 0, 19.5, 37.425])
    assert_line(r, "total_revenue", [130, 130, 119.5, 137.425])
    # Follow-on EBITA, year 3: ai 19.5 - servers dep 39·0.5 = 19.5 - buildings dep 13·0.5/2 = 3.25
    #   - software 13 = -16.25.
    # Year 4: ai 37.425 - servers dep (19.5 + 35.85·0.5 = 37.425) - buildings dep (13·1/2 = 6.5
    #   + 11.95·0.5/2 = 2.9875) - software 11.95 = -21.4375.
    assert_line(r, "follow_on_ebita", [0, 0, -16.25, -21.4375])
    # Segment capex = plan 100 in year 1 + follow-on.
    assert_line(r, "segment_capex", [100, 0, 65, 59.75])
    # The plan's own lines do not see the follow-on.
    assert_line(r, "capex_total", [100, 0, 0, 0])
    # Servers 60 w(a, 1) = 30, 30, 0, 0 plus buildings 20 w(a, 2)/2 = 5, 10, 5, 0.
    assert_line(r, "depreciation", [35, 40, 5, 0])


def test_reinvestment_in_plan_years_has_no_effect():
    with_rate = run(reinvestment_doc([0.9, 2.0, 0.0, 0.0]))
    # No follow-on at all: only core 100 + plan revenue 30, 30, 0, 0.
    assert_line(with_rate, "follow_on_capex", [0, 0, 0, 0])
    assert_line(with_rate, "total_revenue", [130, 130, 100, 100])


# --------------------------------------------------------------------------- 8. rent


def rent_doc(wacc: float, horizon: int = 5, server_life: int = 2, **settings: Any) -> dict:
    classes = [
        servers(server_life),
        {"name": "Buildings", "treatment": "capitalized", "life": 4, "revenue_generating": False},
    ]
    return v2(
        horizon,
        asset_classes=classes,
        capex={"Servers": [100.0, *zeros(horizon - 1)], "Buildings": [50.0, *zeros(horizon - 1)]},
        settings={"wacc": wacc, "infrastructure_charge": "rent", **settings},
    )


def test_rent_at_zero_wacc():
    r = run(rent_doc(0.0))
    # k = 50 / 100 = 0.5; CRF(0, 4) = 1/4; rho = 0.125.
    # Capex in service of servers 100 w(a, 2) = 50, 100, 50, 0, 0; rent = 6.25, 12.5, 6.25, 0, 0.
    assert_line(r, "infrastructure_rent", [6.25, 12.5, 6.25, 0, 0])
    assert_line(r, "capex_capitalized", [150, 0, 0, 0, 0])
    assert_line(r, "capex_total", [150, 0, 0, 0, 0])
    assert_line(r, "enabling_capex", [50, 0, 0, 0, 0])
    assert_line(r, "cohort_capex", [100, 0, 0, 0, 0])  # servers only under "rent"
    assert_line(r, "depreciation", [25, 50, 25, 0, 0])  # servers only
    assert_line(r, "net_ppe", [75, 25, 0, 0, 0])
    # plan_ebita = ai - servers dep - rent: 50 - 25 - 6.25 = 18.75; 100 - 50 - 12.5 = 37.5; 18.75.
    assert_line(r, "plan_ebita", [18.75, 37.5, 18.75, 0, 0])
    # plan_segment_ebita: every plan vintage's depreciation, no rent. Buildings 50 w(a, 4)/4 =
    # 6.25, 12.5, 12.5, 12.5, 6.25: 50 - 25 - 6.25 = 18.75; 37.5; 50 - 25 - 12.5 = 12.5; -12.5; -6.25.
    assert_line(r, "plan_segment_ebita", [18.75, 37.5, 12.5, -12.5, -6.25])
    assert_line(r, "total_ebita", [18.75, 37.5, 12.5, -12.5, -6.25])  # core margin 0
    # FCF = plan_ebita + dep - cohort capex: 18.75 + 25 - 100 = -56.25; 87.5; 43.75; 0; 0.
    assert_line(r, "fcf", [-56.25, 87.5, 43.75, 0, 0])
    assert r.kpis["total_capex"] == pytest.approx(100.0)  # cohort capex + expensed
    assert r.kpis["npv"] == pytest.approx(-56.25 + 87.5 + 43.75, rel=1e-12)  # wacc 0


def test_cohort_charge_owns_the_buildings():
    r = run(rent_doc(0.0, infrastructure_charge="cohort"))
    assert_line(r, "infrastructure_rent", zeros(5))
    assert_line(r, "cohort_capex", [150, 0, 0, 0, 0])
    assert_line(r, "depreciation", [31.25, 62.5, 37.5, 12.5, 6.25])  # servers + buildings
    assert_line(r, "plan_ebita", [18.75, 37.5, 12.5, -12.5, -6.25])
    assert_line(r, "plan_segment_ebita", line(r, "plan_ebita"))
    # Buildings book value 50 (1 - (a + 0.5)/4): 43.75, 31.25, 18.75, 6.25, 0; plus servers.
    assert_line(r, "net_ppe", [118.75, 56.25, 18.75, 6.25, 0])


def test_rent_rate_is_the_capital_recovery_factor_at_the_wacc():
    r = run(rent_doc(0.1))
    crf = 0.1 / (1 - 1.1**-4)  # CRF(10 %, 4) = 0.315471
    rho = 0.5 * crf
    assert_line(r, "infrastructure_rent", [50 * rho, 100 * rho, 50 * rho, 0, 0])
    assert rho == pytest.approx(0.1577354, abs=1e-7)


def test_rent_makes_the_enabling_assets_earn_exactly_the_wacc_over_their_book_life():
    # docs/model.md section 4: "the rent makes the enabling assets earn exactly the WACC over their book
    # lives". Servers that outlive the horizon (economic life 10) fill the buildings: capex in
    # service 50, then 100 = all the revenue-generating plan capex for four full years 2..5.
    # The rent received in those L = 4 years, discounted at the WACC to the start of year 2, is
    # the buildings' cost: 50 · CRF(r, 4) · Σ_{j=1..4} (1 + r)^-j = 50.
    r = run(rent_doc(0.1, horizon=6, server_life=10))
    assert_line(r, "capex_in_service", [50, 100, 100, 100, 100, 100])
    rent = np.array(line(r, "infrastructure_rent"))
    pv = sum(rent[t] * 1.1**-(t) for t in range(1, 5))  # years 2..5 at 1, 2, 3, 4 years
    assert pv == pytest.approx(50.0, rel=1e-12)


# --------------------------------------------------------------------------- 9. calibration


def calibration_doc(calibration: Any, **settings: Any) -> dict:
    """Servers life 2, 100 in year 1; history 40 (v = 0); price +25 % in year 1, utilization 0.8,
    core growth +25 % in year 1, pull-through 0.5."""
    return v2(
        3,
        capex={"Servers": [100.0, 0, 0]},
        history={"capex": {"Servers": [40.0]}},
        drivers={
            "core_growth": [0.25, 0.0, 0.0],
            "core_ebita_margin": zeros(3),
            "utilization": [0.8] * 3,
            "price_change": [0.25, 0.0, 0.0],
        },
        settings={"pull_through": 0.5, **settings},
        calibration=calibration,
    )


def test_calibration_total_revenue_solves_the_ai_revenue_yield():
    target = {"line": "total_revenue", "year": 2026, "value": 370.0, "solve": "settings.ai_revenue_yield"}
    r = run(calibration_doc(target))
    # Year 1: capacity = installed 40 w(1, 2) = 40 + plan 100 w(0, 2) = 50 -> 90.
    # Coefficient = price 1.25 · utilization 0.8 · (1 + 0.5) · 90 = 135; core 100 · 1.25 = 125.
    # Y = (370 - 125) / 135 = 245 / 135 = 1.814814...
    assert r.calibrated == {"settings.ai_revenue_yield": pytest.approx(245 / 135, rel=1e-12)}
    assert line(r, "total_revenue")[0] == pytest.approx(370.0, rel=1e-9)


def test_calibration_total_revenue_solves_the_base_core_revenue():
    target = {"line": "total_revenue", "year": 2026, "value": 385.0, "solve": "settings.base_core_revenue"}
    r = run(calibration_doc(target))
    # AI revenue with Y = 1: 1.25 · 0.8 · 90 = 90, with pull-through 135. core_1 = 385 - 135 = 250,
    # base = 250 / 1.25 = 200.
    assert r.calibrated == {"settings.base_core_revenue": pytest.approx(200.0, rel=1e-12)}
    assert_line(r, "core_revenue", [250, 250, 250])
    assert line(r, "total_revenue")[0] == pytest.approx(385.0, rel=1e-9)


def margin_doc(calibration: Any, **settings: Any) -> dict:
    """Servers life 2, 100 in year 1; core 100 at a 10 % margin."""
    return v2(
        3,
        capex={"Servers": [100.0, 0, 0]},
        drivers={
            "core_growth": zeros(3),
            "core_ebita_margin": [0.1] * 3,
            "utilization": [1.0] * 3,
            "price_change": zeros(3),
        },
        settings=settings,
        calibration=calibration,
    )


def test_calibration_ebita_margin_solves_the_ai_cash_opex_rate():
    target = {"line": "ebita_margin", "year": 2026, "value": 0.2, "solve": "settings.ai_cash_opex_rate"}
    r = run(margin_doc(target))
    # Year 1: ai 50, dep 25, core ebita 10: Z = 10 + 50 - 25 = 35; S = capex in service 50;
    # revenue 150; r = (35 - 0.2 · 150) / 50 = 0.1.
    assert r.calibrated == {"settings.ai_cash_opex_rate": pytest.approx(0.1, rel=1e-12)}
    assert_line(r, "ai_cash_opex", [5, 10, 5])
    assert line(r, "ebita_margin")[0] == pytest.approx(0.2, abs=1e-9)


def test_calibration_ebita_margin_solves_the_ai_variable_cost():
    target = {"line": "ebita_margin", "year": 2026, "value": 0.1, "solve": "settings.ai_variable_cost_pct"}
    r = run(margin_doc(target))
    # Z = 35 (as above), AI revenue 50; target ebita 0.1 · 150 = 15; v = (35 - 15) / 50 = 0.4.
    assert r.calibrated == {"settings.ai_variable_cost_pct": pytest.approx(0.4, rel=1e-12)}
    assert line(r, "ebita_margin")[0] == pytest.approx(0.1, abs=1e-9)


def test_calibration_of_both_lines_solves_revenue_first():
    targets = [
        {"line": "ebita_margin", "year": 2026, "value": 0.5, "solve": "settings.ai_cash_opex_rate"},
        {"line": "total_revenue", "year": 2026, "value": 250.0, "solve": "settings.ai_revenue_yield"},
    ]
    r = run(margin_doc(targets))
    # Revenue first: (250 - 100) / capacity 50 = Y = 3; ai 150.
    # Then Z = 10 + 150 - 25 = 135; target ebita 0.5 · 250 = 125; r = (135 - 125) / 50 = 0.2.
    assert r.calibrated == {
        "settings.ai_revenue_yield": pytest.approx(3.0, rel=1e-12),
        "settings.ai_cash_opex_rate": pytest.approx(0.2, rel=1e-12),
    }
    assert line(r, "total_revenue")[0] == pytest.approx(250.0, rel=1e-9)
    assert line(r, "ebita_margin")[0] == pytest.approx(0.5, abs=1e-9)
    # Year 2: ai 3 · 100 = 300, opex 0.2 · 100 = 20, dep 50: total 400, ebita 10 + 300 - 20 - 50 = 240.
    assert line(r, "total_revenue")[1] == pytest.approx(400.0, rel=1e-12)
    assert line(r, "total_ebita")[1] == pytest.approx(240.0, rel=1e-12)


def test_calibration_holds_in_a_scenario_that_changes_utilization():
    target = {"line": "total_revenue", "year": 2026, "value": 370.0, "solve": "settings.ai_revenue_yield"}
    doc = calibration_doc(target)
    doc["scenarios"] = {"Low": {"drivers": {"utilization": [0.4] * 3}}}
    r = run(doc, "Low")
    # Coefficient halves to 67.5: Y = 245 / 67.5.
    assert r.calibrated == {"settings.ai_revenue_yield": pytest.approx(245 / 67.5, rel=1e-12)}
    assert line(r, "total_revenue")[0] == pytest.approx(370.0, rel=1e-9)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        # core 125 > 120: the AI revenue would have to be negative.
        ({"line": "total_revenue", "value": 120.0, "solve": "settings.ai_revenue_yield"}, "negative AI revenue yield"),
        # AI revenue with Y = 1 is 135 > 130: core would be -5 / 1.25 < 0.
        ({"line": "total_revenue", "value": 130.0, "solve": "settings.base_core_revenue"}, "core revenue"),
    ],
)
def test_calibration_revenue_refusals(target: dict, reason: str):
    error = refusal(calibration_doc({**target, "year": 2026}))
    assert error.path == "calibration"
    assert reason in str(error)
    assert "total_revenue 2026" in str(error)


def test_calibration_refusal_message_of_model_md():
    error = refusal(
        calibration_doc({"line": "total_revenue", "year": 2026, "value": 120, "solve": "settings.ai_revenue_yield"})
    )
    assert str(error) == "calibration: total_revenue 2026 = 120 needs a negative AI revenue yield"


def test_calibration_refused_with_no_compute_in_service():
    doc = margin_doc({"line": "total_revenue", "year": 2026, "value": 200.0, "solve": "settings.ai_revenue_yield"})
    doc["asset_classes"] = [servers(2, lag=1)]  # nothing in service in year 1: coefficient 0
    error = refusal(doc)
    assert error.path == "calibration"
    assert "total_revenue 2026" in str(error)


@pytest.mark.parametrize(
    ("value", "solve", "reason"),
    [
        # Z = 35, revenue 150: a margin of 0.3 needs ebita 45 > 35 -> r = -0.2 < 0.
        (0.3, "settings.ai_cash_opex_rate", "negative"),
        # v = (35 - 45) / 50 = -0.2 < 0.
        (0.3, "settings.ai_variable_cost_pct", "negative"),
        # margin -0.2: ebita -30, v = (35 + 30) / 50 = 1.3 >= 1.
        (-0.2, "settings.ai_variable_cost_pct", "100 %"),
    ],
)
def test_calibration_margin_refusals(value: float, solve: str, reason: str):
    error = refusal(margin_doc({"line": "ebita_margin", "year": 2026, "value": value, "solve": solve}))
    assert error.path == "calibration"
    assert "ebita_margin 2026" in str(error)
    assert reason in str(error)


def test_calibration_margin_refused_with_nothing_in_service():
    doc = margin_doc({"line": "ebita_margin", "year": 2026, "value": 0.1, "solve": "settings.ai_cash_opex_rate"})
    doc["asset_classes"] = [servers(2, lag=1)]  # S_1 = 0
    error = refusal(doc)
    assert error.path == "calibration"
    assert "ebita_margin 2026" in str(error)


def test_a_scenario_whose_calibration_fails_is_refused_with_its_name():
    target = {"line": "total_revenue", "year": 2026, "value": 370.0, "solve": "settings.ai_revenue_yield"}
    doc = calibration_doc(target)
    doc["scenarios"] = {"Boom": {"drivers": {"core_growth": [2.0, 0.0, 0.0]}}}  # core 300 ... fine
    doc["scenarios"]["Bust"] = {"drivers": {"core_growth": [3.0, 0.0, 0.0]}}  # core 400 > 370
    error = refusal(doc)
    assert "Bust" in str(error)
    assert "negative AI revenue yield" in str(error)


# --------------------------------------------------------------------------- 10. valuation year


def valuation_doc(valuation_year: int = 2026, **settings: Any) -> dict:
    """Servers life 2, 100 in years 1 and 2, yield 0.5: fcf -75, -25, 75, 25, 0."""
    return v2(
        5,
        capex={"Servers": [100.0, 100.0, 0, 0, 0]},
        settings={"ai_revenue_yield": 0.5, "valuation_year": valuation_year, **settings},
    )


def test_valuation_year_later_than_the_base_year_sinks_earlier_flows():
    r = run(valuation_doc(2026))
    # Capacity 50, 150, 150, 50, 0; ai (yield 0.5) 25, 75, 75, 25, 0; dep 25, 75, 75, 25, 0: ebita 0.
    # FCF = dep - capex = -75, -25, 75, 25, 0.
    assert_line(r, "fcf", [-75, -25, 75, 25, 0])
    # t0 = 1: factor 0 for t <= 1, then 1.1^-(t - 1).
    assert_line(r, "discount_factor", [0, D1, D2, D3, D4])
    assert_line(r, "pv_fcf", [0, -25 * D1, 75 * D2, 25 * D3, 0])
    assert_line(r, "cumulative_fcf", [None, -25, 50, 75, 75])
    total = -25 * D1 + 75 * D2 + 25 * D3
    assert_line(r, "cumulative_pv_fcf", [0, -25 * D1, -25 * D1 + 75 * D2, total, total])
    npv = -25 * D1 + 75 * D2 + 25 * D3  # = -22.727 + 61.983 + 18.783 = 58.039
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    # IRR: -25 x + 75 x^2 + 25 x^3 = 0 with x = 1/(1 + r): x^2 + 3x - 1 = 0, x = (sqrt(13) - 3)/2,
    # 1 + r = (sqrt(13) + 3)/2, r = (sqrt(13) + 1)/2 = 2.3028.
    assert r.kpis["irr"] == pytest.approx((math.sqrt(13) + 1) / 2, rel=1e-9)
    # Payback: cumulative -25 then 50 at tau = 2: (2 - 1) + 25 / 75 = 1.3333.
    assert r.kpis["payback_years"] == pytest.approx(1 + 25 / 75, rel=1e-12)
    # Discounted: -25 D1 = -22.727, then + 75 D2 = 61.983 at tau = 2: 1 + 22.727 / 61.983.
    assert r.kpis["discounted_payback_years"] == pytest.approx(1 + 25 * D1 / (75 * D2), rel=1e-12)
    assert r.kpis["total_capex"] == pytest.approx(100.0)  # year 2 only
    assert r.kpis["peak_funding"] == pytest.approx(25.0)
    assert r.kpis["moic"] == pytest.approx((75 + 25) / 25)
    assert r.kpis["profitability_index"] == pytest.approx(1 + npv / (100 * D1), rel=1e-12)


def test_moving_the_valuation_year_by_one_discounts_the_go_forward_flows_by_one_more_year():
    # Servers life 4 and a book-value terminal value. Capacity 50, 150, 200, 200, 150; AI revenue
    # (yield 0.5) 25, 75, 100, 100, 75; no tax, so FCF = AI revenue - capex.
    doc0 = valuation_doc(2025, terminal_method="book_value")
    doc0["asset_classes"] = [servers(4)]
    doc1 = valuation_doc(2026, terminal_method="book_value")
    doc1["asset_classes"] = [servers(4)]
    r0, r1 = run(doc0), run(doc1)
    fcf = np.array([-75.0, -25.0, 100.0, 100.0, 75.0])
    assert_line(r0, "fcf", list(fcf))
    assert_line(r1, "fcf", list(fcf))  # the flows do not move
    tv = r0.kpis["terminal_value"]
    # Life 4: net_ppe_5 = 100 (1 - 4/4)... vintage 1 a = 4 -> 0; vintage 2 a = 3 -> 100 (1 - 3.5/4) = 12.5.
    assert tv == pytest.approx(12.5, rel=1e-12)
    by_hand_1 = sum(fcf[t - 1] * 1.1 ** -(t - 1) for t in range(2, 6)) + tv * 1.1**-4
    by_hand_0 = sum(fcf[t - 1] * 1.1**-t for t in range(1, 6)) + tv * 1.1**-5
    assert r1.kpis["npv"] == pytest.approx(by_hand_1, rel=1e-12)
    assert r0.kpis["npv"] == pytest.approx(by_hand_0, rel=1e-12)
    # One year later: NPV_0 = (fcf_1 + NPV_1) / 1.1.
    assert r0.kpis["npv"] == pytest.approx((fcf[0] + r1.kpis["npv"]) * D1, rel=1e-12)


def test_valuation_year_with_mid_year_timing():
    r = run(valuation_doc(2026, mid_year=True))
    # t0 = 1: factors 0, 1.1^-0.5, 1.1^-1.5, 1.1^-2.5, 1.1^-3.5.
    assert_line(r, "discount_factor", [0] + [1.1 ** -(k - 0.5) for k in range(1, 5)])
    npv = -25 * 1.1**-0.5 + 75 * 1.1**-1.5 + 25 * 1.1**-2.5
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    # IRR: the year-end root shifted by half a year cancels (each flow times (1 + r)^0.5).
    assert r.kpis["irr"] == pytest.approx((math.sqrt(13) + 1) / 2, rel=1e-9)


# --------------------------------------------------------------------------- 11. mid-year IRR with TV


def test_mid_year_irr_with_a_terminal_value_solves_the_mid_year_equation():
    doc = v2(3, asset_classes=[servers(4)], settings={"mid_year": True, "terminal_method": "book_value"})
    r = run(doc)
    # Life 4, 100 in year 1: capacity 50, 100, 100; dep 12.5, 25, 25; ebita 37.5, 75, 75;
    # fcf = 37.5 + 12.5 - 100 = -50, 100, 100; net_ppe_3 = 100 (1 - 2.5/4) = 37.5 = TV.
    assert_line(r, "fcf", [-50, 100, 100])
    assert r.kpis["terminal_value"] == pytest.approx(37.5)
    # NPV with mid-year flows and the TV at the end of year 3.
    npv = -50 * 1.1**-0.5 + 100 * 1.1**-1.5 + 100 * 1.1**-2.5 + 37.5 * 1.1**-3
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    assert r.kpis["pv_terminal_value"] == pytest.approx(37.5 * 1.1**-3, rel=1e-12)

    def f(rate: float) -> float:
        return -50 * (1 + rate) ** -0.5 + 100 * (1 + rate) ** -1.5 + 100 * (1 + rate) ** -2.5 + 37.5 * (1 + rate) ** -3

    # f is decreasing in r here... find the root by bisection: f(0) = 187.5 > 0, f(9) < 0.
    low, high = 0.0, 9.0
    assert f(low) > 0 > f(high)
    for _ in range(200):
        mid = (low + high) / 2
        low, high = (mid, high) if f(mid) > 0 else (low, mid)
    irr = r.kpis["irr"]
    assert irr == pytest.approx(low, rel=1e-9)
    assert abs(f(irr)) < 1e-9
    amounts, times = np.array([-50.0, 100.0, 100.0, 37.5]), np.array([0.5, 1.5, 2.5, 3.0])
    assert npv_timed(irr, amounts, times) == pytest.approx(0.0, abs=1e-9)


# --------------------------------------------------------------------------- 12. npv per share


def test_npv_per_share():
    doc = v2(3, settings={"shares_outstanding": 20.0})
    r = run(doc)
    # Life 2, 100 in year 1: fcf -50, 100, 50 (ebita 25, 50, 25 + dep 25, 50, 25 - capex 100).
    npv = -50 * D1 + 100 * D2 + 50 * D3
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    assert r.kpis["npv_per_share"] == pytest.approx(npv / 20, rel=1e-12)
    # No shares counted: per-share value not shown.
    assert run(v2(3)).kpis["npv_per_share"] is None


# --------------------------------------------------------------------------- 13. JSON


def json_of(doc: dict, scenario: str | None = None) -> dict:
    model = validate_model(doc)
    return results_json(model, scenario, run(doc, scenario))


def test_json_has_calibrated_only_with_a_calibration_and_always_warnings():
    plain = json_of(v2(3))
    assert "calibrated" not in plain
    assert plain["warnings"] == []
    target = {"line": "ebita_margin", "year": 2026, "value": 0.2, "solve": "settings.ai_cash_opex_rate"}
    calibrated = json_of(margin_doc(target))
    assert calibrated["calibrated"] == {"settings.ai_cash_opex_rate": pytest.approx(0.1, rel=1e-12)}
    assert calibrated["warnings"] == []


def test_json_warns_of_a_gordon_terminal_value():
    doc = v2(3, settings={"terminal_method": "gordon", "terminal_growth": 0.02})
    out = json_of(doc)
    assert len(out["warnings"]) == 1
    assert "Gordon" in out["warnings"][0]
    # TV = fcf_3 · 1.02 / (0.10 - 0.02) = 50 · 1.02 / 0.08 = 637.5
    assert out["kpis"]["terminal_value"] == pytest.approx(637.5, rel=1e-12)


def test_json_warns_of_an_exit_multiple_terminal_value():
    out = json_of(v2(3, settings={"terminal_method": "exit_multiple", "exit_multiple": 10.0}))
    assert len(out["warnings"]) == 1
    assert "exit multiple" in out["warnings"][0]
    assert out["kpis"]["terminal_value"] == pytest.approx(250.0)  # 10 · plan_ebita_3 = 10 · 25


# --------------------------------------------------------------------------- 14. validation


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(history={"capex": {"Servers": [1.0]}}), "history"),
        (
            lambda d: d.update(calibration={"line": "total_revenue", "year": 2026, "value": 200, "solve": "x"}),
            "calibration",
        ),
        (lambda d: d["asset_classes"][0].update(economic_life=3), "asset_classes[0].economic_life"),
        (lambda d: d["asset_classes"][0].update(lag=1), "asset_classes[0].lag"),
        (lambda d: d["asset_classes"][0].update(tax_life=0), "asset_classes[0].tax_life"),
        (lambda d: d["settings"].update(plan_years=2), "settings.plan_years"),
        (lambda d: d["settings"].update(valuation_year=2026), "settings.valuation_year"),
        (lambda d: d["settings"].update(shares_outstanding=10), "settings.shares_outstanding"),
        (lambda d: d["settings"].update(infrastructure_charge="cohort"), "settings.infrastructure_charge"),
        (lambda d: d["drivers"].update(compute_cost_change=[0.0] * 3), "drivers.compute_cost_change"),
        (lambda d: d["drivers"].update(reinvestment_rate=[0.0] * 3), "drivers.reinvestment_rate"),
    ],
)
def test_version_1_refuses_version_2_fields_by_name(change, field: str):
    doc = model_doc(3)
    change(doc)
    error = refusal(doc)
    assert error.path == field
    assert 'needs "version": 2' in str(error)


def test_version_2_needs_the_required_settings():
    doc = v2(3)
    del doc["settings"]["mid_year"]
    assert refusal(doc).path == "settings.mid_year"


def two_class_doc(**changes: Any) -> dict:
    classes = [
        servers(2),
        {"name": "Buildings", "treatment": "capitalized", "life": 4, "revenue_generating": False},
        {"name": "R&D", "treatment": "expensed"},
    ]
    doc = v2(3, asset_classes=classes, capex={"Servers": [100.0, 0, 0], "Buildings": [50.0, 0, 0], "R&D": zeros(3)})
    doc.update(changes)
    return doc


@pytest.mark.parametrize(
    ("change", "path", "words"),
    [
        (lambda d: d["asset_classes"][0].update(lag=6), "asset_classes[0].lag", "0..5"),
        (lambda d: d["asset_classes"][0].update(tax_life=-1), "asset_classes[0].tax_life", "0..50"),
        (lambda d: d["asset_classes"][0].update(economic_life=0), "asset_classes[0].economic_life", "1..50"),
        (lambda d: d["settings"].update(plan_years=0), "settings.plan_years", "1..3"),
        (lambda d: d["settings"].update(plan_years=4), "settings.plan_years", "1..3"),
        (lambda d: d["settings"].update(valuation_year=2024), "settings.valuation_year", "2025..2027"),
        (lambda d: d["settings"].update(valuation_year=2028), "settings.valuation_year", "2025..2027"),
        (
            lambda d: d.update(history={"capex": {"Servers": [1.0], "Buildings": [1.0], "R&D": [1.0]}}),
            "history.capex.R&D",
            "expensed",
        ),
        (
            lambda d: d.update(history={"capex": {"Servers": [1.0, 2.0], "Buildings": [1.0]}}),
            "history.capex.Buildings",
            "2",
        ),
        (
            lambda d: d.update(history={"capex": {"Servers": [1.0]}}),
            "history.capex.Buildings",
            "missing",
        ),
        (
            lambda d: (d["settings"].update(infrastructure_charge="rent"), d["capex"].update(Servers=[0, 0, 0])),
            "settings.infrastructure_charge",
            "revenue-generating",
        ),
        (
            lambda d: d["drivers"].update(reinvestment_rate=[0.0, 0.0, 2.5]),
            "drivers.reinvestment_rate[2]",
            "2",
        ),
        (
            lambda d: (
                d["settings"].update(plan_years=1),
                d["capex"].update(Servers=[0, 100.0, 0], Buildings=[0, 0, 0]),
                d["drivers"].update(reinvestment_rate=[0.0, 0.0, 0.3]),
            ),
            "drivers.reinvestment_rate[2]",
            "plan capex",
        ),
        (
            lambda d: (
                d["settings"].update(plan_years=1),
                d.update(
                    calibration={
                        "line": "total_revenue",
                        "year": 2027,
                        "value": 200,
                        "solve": "settings.ai_revenue_yield",
                    }
                ),
            ),
            "calibration[0].year",
            "2026..2026",
        ),
        (
            lambda d: d.update(
                calibration={"line": "total_revenue", "year": 2026, "value": 200, "solve": "settings.ai_cash_opex_rate"}
            ),
            "calibration[0].solve",
            "ai_cash_opex_rate",
        ),
        (
            lambda d: d.update(
                calibration={"line": "ebita_margin", "year": 2026, "value": 0.1, "solve": "settings.ai_revenue_yield"}
            ),
            "calibration[0].solve",
            "ai_revenue_yield",
        ),
        (
            lambda d: d.update(
                calibration={"line": "ebita_margin", "year": 2026, "value": 1.0, "solve": "settings.ai_cash_opex_rate"}
            ),
            "calibration[0].value",
            "1",
        ),
        (
            lambda d: d.update(
                calibration={"line": "total_revenue", "year": 2026, "value": 0, "solve": "settings.ai_revenue_yield"}
            ),
            "calibration[0].value",
            "0",
        ),
        (
            lambda d: d.update(
                calibration={"line": "total_revenue", "year": 2026, "value": 150, "solve": "settings.ai_revenue_yield"},
                scenarios={"Bull": {"settings": {"ai_revenue_yield": 2.0}}},
            ),
            "scenarios.Bull.settings.ai_revenue_yield",
            "calibration",
        ),
    ],
)
def test_version_2_validation_rules(change, path: str, words: str):
    doc = two_class_doc()
    change(doc)
    error = refusal(doc)
    assert error.path == path, str(error)
    assert words in error.rule


def test_rent_in_a_scenario_without_revenue_generating_plan_capex_is_refused():
    doc = two_class_doc(scenarios={"Cut": {"capex": {"Servers": [0.0, 0.0, 0.0]}}})
    doc["settings"]["infrastructure_charge"] = "rent"
    error = refusal(doc)
    assert "Cut" in error.path
    assert error.path.endswith("settings.infrastructure_charge")
    assert "revenue-generating" in error.rule


def test_positive_reinvestment_with_only_expensed_plan_capex_is_allowed():
    # "a positive value in a later year needs some plan capex (it sets the class mix)": R&D counts.
    doc = two_class_doc()
    doc["settings"]["plan_years"] = 1
    doc["capex"] = {"Servers": [0.0, 0, 0], "Buildings": [0.0, 0, 0], "R&D": [10.0, 0, 0]}
    doc["drivers"]["reinvestment_rate"] = [0.0, 0.1, 0.0]
    r = run(doc)
    # Year 2: 0.1 · total revenue 1 (core 100) = 10, all R&D (mix 1): follow-on ebita -10.
    assert_line(r, "follow_on_capex", [0, 10, 0])
    assert_line(r, "follow_on_ebita", [0, -10, 0])


# --------------------------------------------------------------------------- everything together


def combined_doc(**settings: Any) -> dict:
    """GPU: life 4, economic life 2, lag 1, tax life 0, revenue-generating; DC: life 5 enabling;
    R&D expensed. History (v = 0): GPU 40, DC 10. Plan P = 2: GPU 100, DC 50, R&D 50 in year 1;
    GPU 20 in year 3 (follow-on), reinvestment 10 % in year 4 (and 50 % in year 1, ignored).
    Compute cost -50 % in year 2. WACC 0, tax 20 %, nwc 10 %, pull-through 0.5, core 100 at 20 %,
    variable cost 10 % of AI revenue. Rent; valuation year 2026; 10 shares; mid-year.
    Calibrated: revenue 2027 = 235 (yield 1), margin 2027 = 75.5 / 235 (variable cost 10 %)."""
    classes = [
        {
            "name": "GPU",
            "treatment": "capitalized",
            "life": 4,
            "economic_life": 2,
            "lag": 1,
            "tax_life": 0,
            "revenue_generating": True,
        },
        {"name": "DC", "treatment": "capitalized", "life": 5, "revenue_generating": False},
        {"name": "R&D", "treatment": "expensed"},
    ]
    return v2(
        4,
        asset_classes=classes,
        capex={"GPU": [100.0, 0, 20.0, 0], "DC": [50.0, 0, 0, 0], "R&D": [50.0, 0, 0, 0]},
        history={"capex": {"GPU": [40.0], "DC": [10.0]}},
        drivers={
            "core_growth": zeros(4),
            "core_ebita_margin": [0.2] * 4,
            "utilization": [1.0] * 4,
            "price_change": zeros(4),
            "compute_cost_change": [0.0, -0.5, 0.0, 0.0],
            "reinvestment_rate": [0.5, 0.0, 0.0, 0.1],
        },
        calibration=[
            {"line": "total_revenue", "year": 2027, "value": 235.0, "solve": "settings.ai_revenue_yield"},
            {"line": "ebita_margin", "year": 2027, "value": 75.5 / 235, "solve": "settings.ai_variable_cost_pct"},
        ],
        settings={
            "wacc": 0.0,
            "tax_rate": 0.2,
            "nwc_pct": 0.1,
            "pull_through": 0.5,
            "ai_revenue_yield": 0.7,  # replaced by the calibration
            "ai_variable_cost_pct": 0.3,  # replaced by the calibration
            "plan_years": 2,
            "valuation_year": 2026,
            "shares_outstanding": 10.0,
            "infrastructure_charge": "rent",
            "mid_year": True,
            **settings,
        },
    )


def test_everything_together():
    r = run(combined_doc())
    # Installed GPU 40 (v = 0, lag 1): a = t - 1; w(a, 2) = 0.5, 1, 0.5, 0: capacity 20, 40, 20, 0
    # (K = 1); dep 40 w / 4 = 5, 10, 5, 0; impairment 40 (1 - 2/4) = 20 at a = 2 (year 3).
    # Installed DC 10 (v = 0): a = t = 1..4, w(a, 5) = 1: dep 2 a year.
    # Plan GPU 100 (v = 1, lag 1): a = t - 2: construction in year 1; capacity 0, 50, 100, 50
    # (K_1 = 1); dep 100 w(a, 2)/4 = 0, 12.5, 25, 12.5; impairment 50 in year 4; book 100, 87.5,
    # 62.5, 0; tax dep 100 in year 2 (a = 0, T = 0).
    # Plan DC 50 (v = 1): dep 50 w(a, 5)/5 = 5, 10, 10, 10 (enabling: not in the plan's lines).
    #
    # Calibration, year 2: capacity installed 40 + plan 50 = 90, coefficient 90 · 1.5 = 135;
    # Y = (235 - 100) / 135 = 1. Margin: with v = 0, Z = core 20 + AI 90 + pull 45 · 0.2 = 9
    # - written off (installed 10 + 2, plan 12.5 + 10) = 84.5; target ebita 75.5; v = 9 / 90 = 0.1.
    assert r.calibrated == {
        "settings.ai_revenue_yield": pytest.approx(1.0, rel=1e-12),
        "settings.ai_variable_cost_pct": pytest.approx(0.1, rel=1e-12),
    }
    assert_line(r, "capacity", [0, 50, 100, 50])
    assert_line(r, "capex_in_service", [0, 50, 100, 50])
    assert_line(r, "new_vintage_yield", [1, 2, 2, 2])  # 1 / K_t
    assert_line(r, "depreciation", [0, 12.5, 25, 12.5])
    assert_line(r, "impairment", [0, 0, 0, 50])
    assert_line(r, "tax_depreciation", [0, 100, 0, 0])
    assert_line(r, "net_ppe", [100, 87.5, 62.5, 0])
    assert_line(r, "capex_capitalized", [150, 0, 0, 0])
    assert_line(r, "capex_expensed", [50, 0, 0, 0])
    assert_line(r, "capex_total", [200, 0, 0, 0])
    assert_line(r, "enabling_capex", [50, 0, 0, 0])
    assert_line(r, "cohort_capex", [100, 0, 0, 0])
    # Rent: k = 50 / 100, CRF(0, 5) = 1/5: rho = 0.1; rent 0.1 · capex in service.
    assert_line(r, "infrastructure_rent", [0, 5, 10, 5])
    assert_line(r, "ai_revenue", [0, 50, 100, 50])
    assert_line(r, "pull_through_revenue", [0, 25, 50, 25])
    assert_line(r, "plan_revenue", [0, 75, 150, 75])
    assert_line(r, "ai_cash_opex", [0, 5, 10, 5])  # 10 % of AI revenue
    # plan_ebita = ai - opex - dep - imp - rent - R&D + pull · 0.2:
    # -50; 50 - 5 - 12.5 - 5 + 5 = 32.5; 100 - 10 - 25 - 10 + 10 = 65; 50 - 5 - 12.5 - 50 - 5 + 5 = -17.5.
    assert_line(r, "plan_ebita", [-50, 32.5, 65, -17.5])
    # plan_segment_ebita: DC dep 5, 10, 10, 10 instead of the rent: -55, 27.5, 65, -22.5.
    assert_line(r, "plan_segment_ebita", [-55, 27.5, 65, -22.5])
    # Taxable = ebita + dep + imp - tax dep: -50; 32.5 + 12.5 - 100 = -55; 65 + 25 = 90;
    # -17.5 + 12.5 + 50 = 45. Tax 20 %: -10, -11, 18, 9. NOPAT: -40, 43.5, 47, -26.5.
    assert_line(r, "taxable_income", [-50, -55, 90, 45])
    assert_line(r, "tax", [-10, -11, 18, 9])
    assert_line(r, "nopat", [-40, 43.5, 47, -26.5])
    assert_line(r, "delta_nwc", [0, 7.5, 7.5, -7.5])  # 10 % of the change in plan revenue
    # FCF = nopat + dep + imp - cohort capex - delta nwc:
    # -40 - 100 = -140; 43.5 + 12.5 - 7.5 = 48.5; 47 + 25 - 7.5 = 64.5; -26.5 + 62.5 + 7.5 = 43.5.
    assert_line(r, "fcf", [-140, 48.5, 64.5, 43.5])
    # ROIC: average net PPE 50, 93.75, 75, 31.25.
    assert_line(r, "roic", [-40 / 50, 43.5 / 93.75, 47 / 75, -26.5 / 31.25])
    # Installed: ai 20, 40, 20, 0; revenue · 1.5 = 30, 60, 30, 0. EBITA = ai - 10 % - dep - imp
    # + pull · 0.2: 20 - 2 - 7 + 2 = 13; 40 - 4 - 12 + 4 = 28; 20 - 2 - 5 - 20 - 2 + 2 = -7; -2.
    assert_line(r, "installed_revenue", [30, 60, 30, 0])
    assert_line(r, "installed_ebita", [13, 28, -7, -2])
    # Follow-on: year 3 explicit GPU 20 (K_3 = 0.5: 40 units, lag 1 -> in service from year 4:
    # capacity 40 · 0.5 = 20). Year 4: 0.1 · total_revenue_3 (100 + 30 + 150 + 0 = 280) = 28,
    # split by the plan mix GPU 100 : DC 50 : R&D 50 -> 14, 7, 7.
    assert_line(r, "follow_on_capex", [0, 0, 20, 28])
    # Year 4 follow-on: ai 20, pull 10 -> revenue 30; ebita = 20 - 2 (10 %) - GPU dep 20·0.5/4
    # = 2.5 - DC 7 · 0.5 / 5 = 0.7 - R&D 7 + pull 10 · 0.2 = 9.8.
    assert_line(r, "follow_on_revenue", [0, 0, 0, 30])
    assert_line(r, "follow_on_ebita", [0, 0, 0, 9.8])
    assert_line(r, "total_revenue", [130, 235, 280, 205])
    # total EBITA = core 20 + installed + plan segment + follow-on:
    # 20 + 13 - 55 = -22; 20 + 28 + 27.5 = 75.5; 20 - 7 + 65 = 78; 20 - 2 - 22.5 + 9.8 = 5.3.
    assert_line(r, "total_ebita", [-22, 75.5, 78, 5.3])
    assert line(r, "ebita_margin")[1] == pytest.approx(75.5 / 235, abs=1e-9)
    assert_line(r, "segment_capex", [200, 0, 20, 28])
    # Valuation at the end of 2026 (t0 = 1), WACC 0: year 1 is sunk.
    assert_line(r, "discount_factor", [0, 1, 1, 1])
    assert_line(r, "cumulative_fcf", [None, 48.5, 113, 156.5])
    assert_line(r, "cumulative_pv_fcf", [0, 48.5, 113, 156.5])
    assert r.kpis["npv"] == pytest.approx(156.5, rel=1e-12)  # terminal method "none"
    assert r.kpis["npv_per_share"] == pytest.approx(15.65, rel=1e-12)
    assert r.kpis["irr"] is None  # every go-forward flow is positive
    assert r.kpis["total_capex"] == pytest.approx(0.0)
    assert r.kpis["profitability_index"] is None
    assert r.kpis["peak_funding"] == pytest.approx(0.0)
    assert r.kpis["payback_years"] == pytest.approx(0.0)


def test_everything_together_valued_at_the_base_year_with_a_book_value_terminal_value():
    r = run(combined_doc(valuation_year=2025, terminal_method="book_value", wacc=0.1))
    # The WACC changes the rent: rho = 0.5 · CRF(10 %, 5) = 0.5 · 0.1 / (1 - 1.1^-5) = 0.131899.
    rho = 0.5 * 0.1 / (1 - 1.1**-5)
    rent = [0, 50 * rho, 100 * rho, 50 * rho]
    assert_line(r, "infrastructure_rent", rent)
    # FCF moves by -(1 - 20 %) · (rent - rent at WACC 0 of 0, 5, 10, 5).
    fcf = [
        -140 - 0.8 * (rent[0] - 0),
        48.5 - 0.8 * (rent[1] - 5),
        64.5 - 0.8 * (rent[2] - 10),
        43.5 - 0.8 * (rent[3] - 5),
    ]
    assert_line(r, "fcf", fcf)
    # TV = net_ppe_4 (0) + 10 % · plan revenue_4 (75) = 7.5, at the end of year 4.
    assert r.kpis["terminal_value"] == pytest.approx(7.5, rel=1e-12)
    npv = sum(f * 1.1 ** -(t + 0.5) for t, f in enumerate(fcf)) + 7.5 * 1.1**-4
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    amounts = np.array([*fcf, 7.5])
    times = np.array([0.5, 1.5, 2.5, 3.5, 4.0])
    assert npv_timed(r.kpis["irr"], amounts, times) == pytest.approx(0.0, abs=1e-9)
    assert r.kpis["npv_per_share"] == pytest.approx(npv / 10, rel=1e-12)


# --------------------------------------------------------------------------- scenarios and defaults


def test_economic_and_tax_lives_follow_a_scenarios_book_life_when_not_given():
    doc = v2(4, capex={"Servers": [100.0, 0, 0, 0]})
    doc["scenarios"] = {"Long": {"asset_classes": {"Servers": {"life": 4}}}}
    r = run(doc, "Long")
    # L = E = T = 4: capacity 100 w(a, 4) = 50, 100, 100, 100; dep = tax dep = 12.5, 25, 25, 25.
    assert_line(r, "capacity", [50, 100, 100, 100])
    assert_line(r, "depreciation", [12.5, 25, 25, 25])
    assert_line(r, "tax_depreciation", [12.5, 25, 25, 25])
    assert_line(r, "impairment", zeros(4))


def test_an_explicit_economic_life_stays_when_a_scenario_moves_the_book_life():
    doc = v2(4, asset_classes=[servers(2, economic_life=2)], capex={"Servers": [100.0, 0, 0, 0]})
    doc["scenarios"] = {"Long": {"asset_classes": {"Servers": {"life": 4}}}}
    r = run(doc, "Long")
    # L = 4, E = 2 (given), T = 4 (follows L): as the economic-life test: impairment 50 in year 3.
    assert_line(r, "depreciation", [12.5, 25, 12.5, 0])
    assert_line(r, "impairment", [0, 0, 50, 0])
    assert_line(r, "tax_depreciation", [12.5, 25, 62.5, 0])
    assert_line(r, "capacity", [50, 100, 50, 0])


def test_installed_vintages_have_a_cost_index_of_1():
    doc = v2(
        3,
        capex={"Servers": [100.0, 0, 0]},
        history={"capex": {"Servers": [100.0]}},
        drivers={
            "core_growth": zeros(3),
            "core_ebita_margin": zeros(3),
            "utilization": [1.0] * 3,
            "price_change": zeros(3),
            "compute_cost_change": [-0.5, 0.0, 0.0],
        },
    )
    r = run(doc)
    # Installed: 100 w(t, 2) = 100, 50, 0 whatever the cost change (K = 1 for v <= 0).
    assert_line(r, "installed_revenue", [100, 50, 0])
    # Plan vintage 1: K_1 = 0.5, 200 units: capacity 100, 200, 100.
    assert_line(r, "capacity", [100, 200, 100])
    assert_line(r, "capex_in_service", [50, 100, 50])


def test_a_scenario_overrides_the_history():
    doc = v2(3, capex={"Servers": [100.0, 0, 0]}, history={"capex": {"Servers": [100.0]}})
    doc["scenarios"] = {"Small": {"history": {"capex": {"Servers": [50.0]}}}}
    assert_line(run(doc), "installed_revenue", [100, 50, 0])
    assert_line(run(doc, "Small"), "installed_revenue", [50, 25, 0])  # 50 w(t, 2)
    assert_line(run(doc, "Small"), "installed_ebita", [25, 12.5, 0])  # less dep 50 w / 2 = 25, 12.5


def test_reinvestment_buys_capacity_at_the_follow_on_years_cost_index():
    doc = reinvestment_doc([0.0, 0.0, 0.5, 0.5])
    doc["drivers"]["compute_cost_change"] = [0.0, 0.0, -0.5, 0.0]
    r = run(doc)
    # K_3 = K_4 = 0.5. Year 3: 0.5 · 130 = 65 -> servers 39 = 78 units, capacity 39 in years 3, 4.
    # total_revenue_3 = 139; year 4: 0.5 · 139 = 69.5 -> servers 41.7 = 83.4 units -> 41.7.
    assert_line(r, "follow_on_capex", [0, 0, 65, 69.5])
    assert_line(r, "follow_on_revenue", [0, 0, 39, 80.7])
    assert_line(r, "total_revenue", [130, 130, 139, 180.7])


def test_reinvestment_mix_is_the_scenarios_plan_capex():
    doc = reinvestment_doc([0.0, 0.0, 0.5, 0.5])
    doc["scenarios"] = {"NoSoftware": {"capex": {"Software": [0.0, 0, 0, 0]}}}
    r = run(doc, "NoSoftware")
    # Mix: servers 60/80 = 0.75, buildings 0.25. Year 3: 65 -> servers 48.75, capacity 24.375;
    # total_revenue_3 = 124.375; year 4: 62.1875 -> servers 46.640625, capacity 23.3203125.
    assert_line(r, "follow_on_capex", [0, 0, 65, 62.1875])
    assert_line(r, "follow_on_revenue", [0, 0, 24.375, 47.6953125])


def test_valuation_year_mid_year_and_book_value_terminal_value():
    doc = valuation_doc(2026, mid_year=True, terminal_method="book_value")
    doc["asset_classes"] = [servers(4)]
    r = run(doc)
    # FCF -75, -25, 100, 100, 75 (see the valuation-year test with life 4); TV 12.5 at the end
    # of year 5, i.e. 4 years after the valuation date, whatever mid_year says.
    assert_line(r, "fcf", [-75, -25, 100, 100, 75])
    assert r.kpis["pv_terminal_value"] == pytest.approx(12.5 * 1.1**-4, rel=1e-12)
    npv = -25 * 1.1**-0.5 + 100 * 1.1**-1.5 + 100 * 1.1**-2.5 + 75 * 1.1**-3.5 + 12.5 * 1.1**-4
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    amounts, times = np.array([-25.0, 100, 100, 75, 12.5]), np.array([0.5, 1.5, 2.5, 3.5, 4.0])
    assert npv_timed(r.kpis["irr"], amounts, times) == pytest.approx(0.0, abs=1e-9)


def test_no_irr_when_every_flow_is_zero():
    r = run(v2(3, capex={"Servers": [0.0, 0, 0]}))
    assert r.irr_roots == []
    assert r.kpis["irr"] is None


def test_version_1_with_mid_year_uses_mid_year_timing_for_the_irr():
    doc = model_doc(3, asset_classes=[servers(4)])
    doc["settings"].update(mid_year=True, terminal_method="book_value")
    r = run(doc)
    # As the version 2 mid-year test: fcf -50, 100, 100, TV 37.5 at the end of year 3.
    amounts, times = np.array([-50.0, 100.0, 100.0, 37.5]), np.array([0.5, 1.5, 2.5, 3.0])
    assert npv_timed(r.kpis["irr"], amounts, times) == pytest.approx(0.0, abs=1e-9)
    # ... and not the year-end equation.
    assert abs(npv_timed(r.kpis["irr"], amounts, np.array([1.0, 2.0, 3.0, 3.0]))) > 1e-3


def test_json_has_every_line_and_kpi_and_null_for_sunk_cumulative_fcf():
    out = json_of(valuation_doc(2026))
    assert set(out["lines"]) == set(SPEC_LINES)
    assert set(out["kpis"]) == set(SPEC_KPIS)
    assert out["lines"]["cumulative_fcf"] == [None, -25, 50, 75, 75]
    assert out["irr_roots"] == [pytest.approx((math.sqrt(13) + 1) / 2, rel=1e-9)]
    assert out["warnings"] == []


def test_two_targets_on_one_line_are_refused():
    target = {"line": "total_revenue", "year": 2026, "value": 200.0, "solve": "settings.ai_revenue_yield"}
    error = refusal(margin_doc([target, {**target, "solve": "settings.base_core_revenue"}]))
    assert error.path == "calibration[1].line"


def test_history_of_31_years_is_refused():
    doc = v2(3, history={"capex": {"Servers": [1.0] * 31}})
    error = refusal(doc)
    assert error.path == "history.capex.Servers"
    assert "1..30" in error.rule


def test_an_expensed_class_ignores_lives_lag_and_revenue_flag():
    classes = [
        servers(2),
        {
            "name": "R&D",
            "treatment": "expensed",
            "life": 3,
            "economic_life": 1,
            "lag": 2,
            "tax_life": 0,
            "revenue_generating": True,
        },
    ]
    r = run(v2(3, asset_classes=classes, capex={"Servers": [100.0, 0, 0], "R&D": [10.0, 0, 0]}))
    # As if plain expensed: charged in year 1, no vintage, no capacity.
    assert_line(r, "capex_expensed", [10, 0, 0])
    assert_line(r, "depreciation", [25, 50, 25])
    assert_line(r, "capacity", [50, 100, 50])
    assert_line(r, "plan_ebita", [15, 50, 25])  # 50 - 25 - 10; 100 - 50; 50 - 25
