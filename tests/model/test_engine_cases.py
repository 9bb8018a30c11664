"""Small models computed by hand (docs/model.md sections 4 to 6), each number derived in a comment.

Unless a test says otherwise the documents come from ``tests.factories.model_doc``: WACC 10 %,
no tax, no working capital, no terminal value, revenue yield 1, full utilization, flat prices,
core revenue 100 with no growth and no margin, one revenue-generating capitalized class.
"""

from __future__ import annotations

import math

import numpy_financial as npf
import pytest

from model.outputs import LINE_KEYS
from tests.factories import model_doc
from tests.model.helpers import assert_line, line, npv_year_end, run, year_end_flows

D1, D2, D3, D4, D5, D6, D7 = (1.1**-t for t in range(1, 8))  # year-end discount factors at 10 %


def servers(life: int) -> list[dict]:
    return [{"name": "Servers", "treatment": "capitalized", "life": life, "revenue_generating": True}]


# --------------------------------------------------------------------------- one class, life 1


def test_life_1_depreciates_half_in_the_year_of_purchase_and_half_the_next():
    doc = model_doc(3, asset_classes=servers(1), capex={"Servers": [100.0, 0.0, 0.0]})
    r = run(doc)
    # w(0, 1) = 0.5, w(1, 1) = 0.5: capacity 100·w = 50, 50, 0; depreciation = capacity / 1.
    assert_line(r, "capex_capitalized", [100, 0, 0])
    assert_line(r, "capex_total", [100, 0, 0])
    assert_line(r, "depreciation", [50, 50, 0])
    assert_line(r, "net_ppe", [50, 0, 0])  # 100 - 50; 100 - 100
    assert_line(r, "capacity", [50, 50, 0])
    assert_line(r, "ai_revenue", [50, 50, 0])  # capacity · yield 1 · utilization 1
    assert_line(r, "total_revenue", [150, 150, 100])  # core 100 + plan revenue
    assert_line(r, "plan_ebita", [0, 0, 0])  # revenue 50 - depreciation 50
    assert_line(r, "plan_ebita_margin", [0, 0, None])  # plan revenue 0 in year 3
    assert_line(r, "fcf", [-50, 50, 0])  # nopat 0 + depreciation 50 - capex 100; 0 + 50
    assert_line(r, "cumulative_fcf", [-50, 0, 0])
    assert_line(r, "roic", [0, 0, None])  # nopat 0 over (0+50)/2 and (50+0)/2; year 3: (0+0)/2 = 0
    # NPV = -50/1.1 + 50/1.21 = -45.4545 + 41.3223 = -4.1322
    assert r.kpis["npv"] == pytest.approx(-50 * D1 + 50 * D2, rel=1e-12)
    assert r.kpis["npv"] == pytest.approx(-4.132231, abs=1e-6)
    # -50 + 50x = 0 gives x = 1: IRR 0 %; cumulative FCF reaches 0 exactly at the end of year 2.
    assert r.irr_roots == pytest.approx([0.0], abs=1e-12)
    assert r.kpis["irr"] == pytest.approx(0.0, abs=1e-12)
    assert r.kpis["payback_years"] == pytest.approx(2.0)  # (2 - 1) + 50 / 50
    # Discounted: -45.45 then -45.45 + 41.32 = -4.13, never back to 0.
    assert r.kpis["discounted_payback_years"] is None


def test_results_are_read_by_line_and_fiscal_year_and_as_a_dataframe():
    r = run(model_doc(3, asset_classes=servers(1), capex={"Servers": [100.0, 0.0, 0.0]}))  # the life 1 case
    assert r.years == [2026, 2027, 2028]
    assert [r.value("fcf", year) for year in r.years] == [-50, 50, 0]
    assert r.value("total_revenue", 2028) == 100
    assert math.isnan(r.value("roic", 2028))  # undefined: no capital employed
    with pytest.raises(ValueError):
        r.value("fcf", 2029)  # a year outside the results is refused, never read from another year
    frame = r.lines  # the pandas view, built on first request
    assert list(frame.index) == list(LINE_KEYS) and list(frame.columns) == r.years
    assert frame.loc["fcf"].tolist() == [-50, 50, 0]
    assert frame.at["total_revenue", 2026] == 150
    assert math.isnan(frame.at["roic", 2028])


# --------------------------------------------------------------------------- one class, life 2, every line


def life_2_doc() -> dict:
    """Life 2, capex 100 in year 1; every revenue and cost driver switched on."""
    return model_doc(
        4,
        asset_classes=servers(2),
        capex={"Servers": [100.0, 0.0, 0.0, 0.0]},
        settings={
            "wacc": 0.10,
            "tax_rate": 0.2,
            "nwc_pct": 0.1,
            "terminal_method": "none",
            "base_core_revenue": 100.0,
            "ai_revenue_yield": 2.0,
            "ai_cash_opex_rate": 0.05,
            "ai_variable_cost_pct": 0.1,
            "pull_through": 0.5,
        },
        drivers={
            "core_growth": [0.1, 0.0, 0.0, 0.0],
            "core_ebita_margin": [0.2, 0.2, 0.2, 0.2],
            "utilization": [0.8, 0.8, 0.8, 0.8],
            "price_change": [0.0, -0.5, 0.0, 0.0],
            "cloud_market": [None, 0, 1000.0, 2000.0],
        },
    )


def test_life_2_every_line_by_hand():
    r = run(life_2_doc())
    assert r.years == [2026, 2027, 2028, 2029]
    # Weights for life 2: 0.5, 1, 0.5, 0 -> capacity 50, 100, 50, 0; depreciation = capacity / 2.
    assert_line(r, "capacity", [50, 100, 50, 0])
    assert_line(r, "depreciation", [25, 50, 25, 0])
    assert_line(r, "net_ppe", [75, 25, 0, 0])  # 100 - 25, 100 - 75, 100 - 100
    assert_line(r, "capex_expensed", [0, 0, 0, 0])
    # Yield 2 · Π(1 + price change): 2, 2·0.5 = 1, 1, 1.
    assert_line(r, "revenue_yield", [2, 1, 1, 1])
    # AI revenue = capacity · yield · 0.8: 50·2·0.8 = 80, 100·1·0.8 = 80, 50·1·0.8 = 40, 0.
    assert_line(r, "ai_revenue", [80, 80, 40, 0])
    assert_line(r, "pull_through_revenue", [40, 40, 20, 0])  # 0.5 · AI revenue
    assert_line(r, "plan_revenue", [120, 120, 60, 0])
    assert_line(r, "core_revenue", [110, 110, 110, 110])  # 100 · 1.1, then flat
    assert_line(r, "total_revenue", [230, 230, 170, 110])
    assert_line(r, "core_ebita", [22, 22, 22, 22])  # 110 · 0.2
    # Cash opex = capacity · 0.05 + AI revenue · 0.1: 2.5 + 8, 5 + 8, 2.5 + 4, 0.
    assert_line(r, "ai_cash_opex", [10.5, 13, 6.5, 0])
    # Plan EBITA = AI rev - opex - depreciation - expensed + pull-through · core margin:
    # 80 - 10.5 - 25 + 8 = 52.5; 80 - 13 - 50 + 8 = 25; 40 - 6.5 - 25 + 4 = 12.5; 0.
    assert_line(r, "plan_ebita", [52.5, 25, 12.5, 0])
    assert_line(r, "total_ebita", [74.5, 47, 34.5, 22])
    assert_line(r, "ebita_margin", [74.5 / 230, 47 / 230, 34.5 / 170, 22 / 110])
    assert_line(r, "plan_ebita_margin", [52.5 / 120, 25 / 120, 12.5 / 60, None])  # plan revenue 0 in year 4
    assert_line(r, "tax", [10.5, 5, 2.5, 0])  # 20 %
    assert_line(r, "nopat", [42, 20, 10, 0])
    # ΔNWC = 0.1 · (plan revenue - last year's): 0.1·120, 0, 0.1·(-60), 0.1·(-60).
    assert_line(r, "delta_nwc", [12, 0, -6, -6])
    # FCF = NOPAT + depreciation - capitalized capex - ΔNWC:
    # 42 + 25 - 100 - 12 = -45; 20 + 50 = 70; 10 + 25 + 6 = 41; 0 + 6 = 6.
    assert_line(r, "fcf", [-45, 70, 41, 6])
    assert_line(r, "cumulative_fcf", [-45, 25, 66, 72])
    assert_line(r, "discount_factor", [D1, D2, D3, D4])
    pv = [-45 * D1, 70 * D2, 41 * D3, 6 * D4]  # -40.909, 57.851, 30.804, 4.098
    assert_line(r, "pv_fcf", pv)
    assert_line(r, "cumulative_pv_fcf", [pv[0], pv[0] + pv[1], sum(pv[:3]), sum(pv)])
    # ROIC = NOPAT / average net PP&E: 42/37.5, 20/50, 10/12.5; year 4 average (0+0)/2 is not > 0.
    assert_line(r, "roic", [1.12, 0.4, 0.8, None])
    # Implied share = total revenue / market; null where the market is null or 0.
    assert_line(r, "implied_share", [None, None, 0.17, 0.055])

    k = r.kpis
    assert k["npv"] == pytest.approx(sum(pv), rel=1e-12)
    assert k["npv"] == pytest.approx(51.844136, abs=1e-6)
    assert k["terminal_value"] == 0 and k["pv_terminal_value"] == 0
    assert k["payback_years"] == pytest.approx(1 + 45 / 70)  # 1.642857: year 2 repays the 45 left
    assert k["discounted_payback_years"] == pytest.approx(1 + 45 * D1 / (70 * D2))  # 1.7071
    assert k["total_capex"] == pytest.approx(100)
    assert k["peak_funding"] == pytest.approx(45)  # -min(cumulative FCF)
    assert k["moic"] == pytest.approx((70 + 41 + 6) / 45)  # 2.6
    assert k["profitability_index"] == pytest.approx(1 + sum(pv) / (100 * D1))  # 1.5703
    # One sign change, so one root; check it zeroes the year-end NPV and matches numpy-financial.
    assert len(r.irr_roots) == 1
    assert npv_year_end(k["irr"], [-45, 70, 41, 6]) == pytest.approx(0, abs=1e-9)
    assert k["irr"] == pytest.approx(npf.irr([-45, 70, 41, 6]), rel=1e-9)


# --------------------------------------------------------------------------- one class, life 5, two vintages


def test_life_5_two_vintages_by_hand():
    doc = model_doc(
        7,
        asset_classes=servers(5),
        capex={"Servers": [100.0, 50.0, 0, 0, 0, 0, 0]},
        settings={**model_doc()["settings"], "ai_revenue_yield": 0.3},
    )
    r = run(doc)
    # Vintage 1 weights 0.5, 1, 1, 1, 1, 0.5, 0 · 100 = 50, 100, 100, 100, 100, 50, 0
    # vintage 2 (one year later) · 50         =  0,  25,  50,  50,  50, 50, 25
    assert_line(r, "capacity", [50, 125, 150, 150, 150, 100, 25])
    assert_line(r, "depreciation", [10, 25, 30, 30, 30, 20, 5])  # capacity / 5; sums to 150
    assert sum(line(r, "depreciation")) == pytest.approx(150)
    # Cumulative capex 100, 150, ... minus cumulative depreciation 10, 35, 65, 95, 125, 145, 150.
    assert_line(r, "net_ppe", [90, 115, 85, 55, 25, 5, 0])
    assert_line(r, "ai_revenue", [15, 37.5, 45, 45, 45, 30, 7.5])  # 0.3 · capacity
    assert_line(r, "plan_ebita", [5, 12.5, 15, 15, 15, 10, 2.5])  # revenue - depreciation
    # FCF = EBITA + depreciation - capex = revenue - capex.
    fcf = [15 - 100, 37.5 - 50, 45, 45, 45, 30, 7.5]
    assert_line(r, "fcf", fcf)
    assert_line(r, "cumulative_fcf", [-85, -97.5, -52.5, -7.5, 37.5, 67.5, 75])
    npv = sum(f * 1.1**-t for t, f in enumerate(fcf, start=1))
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    assert r.kpis["payback_years"] == pytest.approx(4 + 7.5 / 45)  # 4.1667
    assert r.kpis["peak_funding"] == pytest.approx(97.5)
    assert r.kpis["total_capex"] == pytest.approx(150)
    # ROIC year 1: NOPAT 5 / ((0 + 90)/2); year 7: 2.5 / ((5 + 0)/2).
    assert line(r, "roic")[0] == pytest.approx(5 / 45)
    assert line(r, "roic")[6] == pytest.approx(2.5 / 2.5)
    assert list(r.depreciation_by_class.loc["Servers"]) == pytest.approx([10, 25, 30, 30, 30, 20, 5])


# --------------------------------------------------------------------------- expensed only, never positive


def test_expensed_only_plan_never_pays_back():
    doc = model_doc(
        3,
        asset_classes=[{"name": "R&D", "treatment": "expensed"}],
        capex={"R&D": [10.0, 10.0, 0.0]},
        settings={**model_doc()["settings"], "tax_rate": 0.2},
    )
    r = run(doc)
    assert_line(r, "capex_capitalized", [0, 0, 0])
    assert_line(r, "capex_expensed", [10, 10, 0])
    assert_line(r, "capex_total", [10, 10, 0])
    assert_line(r, "depreciation", [0, 0, 0])
    assert_line(r, "net_ppe", [0, 0, 0])
    assert_line(r, "capacity", [0, 0, 0])  # expensed spend buys no capacity
    assert_line(r, "plan_revenue", [0, 0, 0])
    assert_line(r, "plan_ebita", [-10, -10, 0])
    assert_line(r, "plan_ebita_margin", [None, None, None])  # plan revenue is 0 every year
    assert_line(r, "tax", [-2, -2, 0])  # a shield: 20 % of a loss
    assert_line(r, "nopat", [-8, -8, 0])
    assert_line(r, "fcf", [-8, -8, 0])  # nothing capitalized, nothing to add back
    assert_line(r, "roic", [None, None, None])  # no capital employed
    assert r.kpis["npv"] == pytest.approx(-8 * D1 - 8 * D2)
    assert r.kpis["payback_years"] is None
    assert r.kpis["discounted_payback_years"] is None
    assert r.kpis["irr"] is None and r.irr_roots == []
    assert r.kpis["peak_funding"] == pytest.approx(16)
    assert r.kpis["moic"] == 0  # nothing positive over 16 out
    # PI = 1 + NPV / PV(capex) = 1 + (-0.8 · PV(capex)) / PV(capex) = 0.2
    assert r.kpis["profitability_index"] == pytest.approx(0.2)


def test_a_plan_with_no_capex_has_no_moic_and_no_profitability_index():
    doc = model_doc(3, capex={"Servers": [0.0, 0.0, 0.0]})
    r = run(doc)
    assert_line(r, "fcf", [0, 0, 0])
    assert r.kpis["npv"] == 0
    assert r.kpis["moic"] is None  # 0 / 0
    assert r.kpis["profitability_index"] is None  # Σ capex · discount factor = 0
    assert r.kpis["irr"] is None and r.irr_roots == []
    assert r.kpis["peak_funding"] == 0


# --------------------------------------------------------------------------- terminal methods, mid-year


def terminal_doc(method: str, mid_year: bool) -> dict:
    """Life 5, capex 100 in year 1, yield 0.3, working capital 10 %, horizon 4 (book left at the end)."""
    settings = {
        **model_doc()["settings"],
        "ai_revenue_yield": 0.3,
        "nwc_pct": 0.1,
        "terminal_method": method,
        "terminal_growth": 0.02,
        "exit_multiple": 8.0,
        "mid_year": mid_year,
    }
    return model_doc(4, asset_classes=servers(5), capex={"Servers": [100.0, 0, 0, 0]}, settings=settings)


# Capacity 50, 100, 100, 100; depreciation 10, 20, 20, 20; net PP&E 90, 70, 50, 30;
# plan revenue 15, 30, 30, 30; plan EBITA 5, 10, 10, 10; ΔNWC 1.5, 1.5, 0, 0;
# FCF = 5 + 10 - 100 - 1.5 = -86.5, 10 + 20 - 1.5 = 28.5, 30, 30.
TERMINAL_FCF = [-86.5, 28.5, 30.0, 30.0]
TERMINAL_VALUES = {
    "none": 0.0,
    "book_value": 30 + 0.1 * 30,  # net PP&E 30 + working capital 10 % of 30 = 33
    "gordon": 30 * 1.02 / (0.10 - 0.02),  # 382.5
    "exit_multiple": 8 * 10,  # 8 x plan EBITA 10 = 80
}


@pytest.mark.parametrize("mid_year", [False, True], ids=["year_end", "mid_year"])
@pytest.mark.parametrize("method", list(TERMINAL_VALUES))
def test_terminal_value_methods_and_mid_year(method, mid_year):
    r = run(terminal_doc(method, mid_year))
    assert_line(r, "net_ppe", [90, 70, 50, 30])
    assert_line(r, "fcf", TERMINAL_FCF)
    shift = 0.5 if mid_year else 0.0
    factors = [1.1 ** -(t - shift) for t in (1, 2, 3, 4)]
    assert_line(r, "discount_factor", factors)
    assert_line(r, "pv_fcf", [f * d for f, d in zip(TERMINAL_FCF, factors, strict=True)])
    tv = TERMINAL_VALUES[method]
    assert r.kpis["terminal_value"] == pytest.approx(tv, rel=1e-12, abs=1e-12)
    # The terminal value sits at the end of year 4 whatever the mid-year setting.
    assert r.kpis["pv_terminal_value"] == pytest.approx(tv * D4, rel=1e-12, abs=1e-12)
    npv = sum(f * d for f, d in zip(TERMINAL_FCF, factors, strict=True)) + tv * D4
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    assert r.kpis["profitability_index"] == pytest.approx(1 + npv / (100 * factors[0]), rel=1e-12)

    # IRR: the rate at which the NPV with the same timing is zero: every year's flow at t - 0.5
    # with mid-year timing, the terminal value at the end of year 4.
    def npv_timed(rate: float) -> float:
        flows = sum(f * (1 + rate) ** -(t - shift) for t, f in enumerate(TERMINAL_FCF, start=1))
        return flows + tv * (1 + rate) ** -4

    irr = r.kpis["irr"]
    assert npv_timed(irr) == pytest.approx(0, abs=1e-9)
    assert npv_timed(irr - 1e-4) > 0 > npv_timed(irr + 1e-4)
    if not mid_year:
        assert irr == pytest.approx(npf.irr([*TERMINAL_FCF[:3], TERMINAL_FCF[3] + tv]), rel=1e-9)
    # Payback ignores TV: cumulative -86.5, -58, -28, 2 -> 3 + 28 / 30.
    assert r.kpis["payback_years"] == pytest.approx(3 + 28 / 30)
    # MOIC: (28.5 + 30 + 30 + TV) / 86.5
    assert r.kpis["moic"] == pytest.approx((88.5 + tv) / 86.5)


def test_mid_year_moves_only_discounting():
    doc_off = life_2_doc()
    doc_on = life_2_doc()
    doc_on["settings"]["mid_year"] = True
    off, on = run(doc_off), run(doc_on)
    for key in ("fcf", "cumulative_fcf", "plan_ebita", "roic", "total_revenue"):
        assert line(on, key) == line(off, key)
    assert on.kpis["irr"] == pytest.approx(off.kpis["irr"], rel=1e-12)  # no terminal value: the half year cancels
    assert on.kpis["payback_years"] == off.kpis["payback_years"]
    # Every FCF is discounted half a year less: pv_fcf(on) = pv_fcf(off) · 1.1^0.5.
    assert_line(on, "pv_fcf", [v * 1.1**0.5 for v in line(off, "pv_fcf")])
    assert on.kpis["npv"] == pytest.approx(off.kpis["npv"] * 1.1**0.5)  # no terminal value here
    # FCF -45, 70, ...: mid-year PV -42.906, 60.674 -> 1 + 42.906/60.674; year-end PV -40.909, 57.851
    # -> 1 + 40.909/57.851. Both are 1 + 45·1.1/70 = 1.7071: the two flows move by the same 1.1^0.5.
    assert on.kpis["discounted_payback_years"] == pytest.approx(1 + (45 * 1.1**-0.5) / (70 * 1.1**-1.5))
    assert off.kpis["discounted_payback_years"] == pytest.approx(1 + (45 * D1) / (70 * D2))
    # PI = 1 + NPV / (100 · discount factor of year 1), the factor of the chosen timing.
    assert on.kpis["profitability_index"] == pytest.approx(1 + on.kpis["npv"] / (100 * 1.1**-0.5))


def test_mid_year_still_discounts_the_terminal_value_at_year_end():
    off, on = run(terminal_doc("gordon", False)), run(terminal_doc("gordon", True))
    # Year-end: -78.64, 23.55, 22.54, 20.49 -> cumulative never reaches 0 within four years.
    assert off.kpis["discounted_payback_years"] is None
    assert on.kpis["pv_terminal_value"] == off.kpis["pv_terminal_value"] == pytest.approx(382.5 * D4)


# --------------------------------------------------------------------------- two IRR roots


def two_root_doc(wacc: float, terminal_method: str = "none") -> dict:
    """FCF -100, 230, -132: the roots are 10 % and 20 %.

    Servers (life 1) cost 100 in year 1 and idle that year (utilization 0); in year 2 their
    capacity 50 earns yield 4.6 -> 230; R&D spends 132 in year 3 when capacity is gone.
    Year-end FCF: -100 (capex), 50 + 180 = 230 (depreciation + EBITA), -132.
    """
    return model_doc(
        3,
        asset_classes=[*servers(1), {"name": "R&D", "treatment": "expensed"}],
        capex={"Servers": [100.0, 0.0, 0.0], "R&D": [0.0, 0.0, 132.0]},
        settings={
            **model_doc()["settings"],
            "wacc": wacc,
            "ai_revenue_yield": 4.6,
            "terminal_method": terminal_method,
            "exit_multiple": 10.0,
        },
        drivers={**model_doc(3)["drivers"], "utilization": [0.0, 1.0, 1.0]},
    )


@pytest.mark.parametrize(("wacc", "nearest"), [(0.16, 0.2), (0.14, 0.1), (0.02, 0.1), (0.5, 0.2)])
def test_two_irr_roots_are_both_listed_and_irr_is_the_one_nearest_wacc(wacc, nearest):
    r = run(two_root_doc(wacc))
    assert_line(r, "fcf", [-100, 230, -132])
    # -100x + 230x² - 132x³ = 0  ->  132x² - 230x + 100 = 0  ->  x = (230 ± 10) / 264
    # x = 10/11 (r = 10 %) or 5/6 (r = 20 %).
    assert r.irr_roots == pytest.approx([0.1, 0.2], rel=1e-12)
    assert r.kpis["irr"] == pytest.approx(nearest, rel=1e-12)
    # Payback is the first year the cumulative FCF is >= 0: -100, 130 -> 1 + 100/230.
    assert r.kpis["payback_years"] == pytest.approx(1 + 100 / 230)
    assert r.kpis["peak_funding"] == pytest.approx(100)


def test_moic_counts_a_negative_terminal_value_as_an_outlay():
    r = run(two_root_doc(0.1, "exit_multiple"))
    # Plan EBITA in year 3 = -132 (R&D), so TV = 10 x -132 = -1320.
    assert r.kpis["terminal_value"] == pytest.approx(-1320)
    assert r.kpis["moic"] == pytest.approx(230 / (100 + 132 + 1320))
    npv = -100 * D1 + 230 * D2 - 132 * D3 - 1320 * D3
    assert r.kpis["npv"] == pytest.approx(npv)
    for root in r.irr_roots:
        assert npv_year_end(root, year_end_flows(r)) == pytest.approx(0, abs=1e-7 * 1452)


def test_payback_is_null_when_cash_never_turns_positive_even_with_a_terminal_value():
    doc = terminal_doc("book_value", False)
    doc["settings"]["ai_revenue_yield"] = 0.0  # no revenue: FCF -100 then 0 (depreciation added back)
    r = run(doc)
    # EBITA = -depreciation, FCF = -dep + dep - capex: -100, 0, 0, 0; TV = book 30.
    assert_line(r, "fcf", [-100, 0, 0, 0])
    assert r.kpis["payback_years"] is None
    assert r.kpis["discounted_payback_years"] is None
    # The IRR counts the book value recovered: -100x + 30x⁴ = 0 -> (1 + r)³ = 0.3.
    assert r.kpis["irr"] == pytest.approx(0.3 ** (1 / 3) - 1, rel=1e-9)
    assert math.isclose(r.kpis["terminal_value"], 30)
