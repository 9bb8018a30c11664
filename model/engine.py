"""The computation of docs/model.md sections 4 to 6: output lines, terminal value and KPIs.

Conventions (see docs/model.md):

* Years: index 0 of every array is projection year t = 1 (fiscal year base_year + 1).
* Money is in the model's currency and unit; rates are decimals.
* Cash flows fall at year end; with ``mid_year`` only the discount factor moves to t - 0.5.
* Signs: capex and funding needs are negative free cash flow; tax on a negative plan EBITA is
  negative (a shield against the group's other profits).

The arithmetic works on arrays with any number of leading batch dimensions, so the Monte Carlo
engine runs thousands of trials through exactly this code: a single model has settings of shape
``()``, drivers of shape ``(H,)`` and capex of shape ``(C, H)``; a batch adds ``(N, ...)`` in front.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from model.irr import irr_roots, nearest_root
from model.outputs import KPI_KEYS, LINE_KEYS
from model.schema import NUMERIC_SETTINGS, REQUIRED_DRIVERS
from model.validation import Model, apply_scenario


@dataclass
class PlanArrays:
    """The numbers the engine computes from, as arrays (see the module docstring for shapes).

    ``settings`` holds every numeric setting; ``drivers`` the four required drivers; ``capex``
    is classes x years and ``lives`` one life per class (ignored for expensed classes).
    """

    settings: dict[str, np.ndarray]
    drivers: dict[str, np.ndarray]
    capex: np.ndarray
    lives: np.ndarray
    capitalized: np.ndarray
    revenue_generating: np.ndarray
    cloud_market: np.ndarray
    mid_year: bool
    terminal_method: str
    class_names: list[str] = field(default_factory=list)


def plan_arrays(model: Model) -> PlanArrays:
    """Arrays of a valid model (apply a scenario first with ``apply_scenario``)."""
    classes = model["asset_classes"]
    market = model["drivers"].get("cloud_market") or [None] * model["horizon"]
    return PlanArrays(
        settings={key: np.float64(model["settings"][key]) for key in NUMERIC_SETTINGS},
        drivers={key: np.asarray(model["drivers"][key], dtype=float) for key in REQUIRED_DRIVERS},
        capex=np.array([model["capex"][c["name"]] for c in classes], dtype=float),
        lives=np.array([c.get("life", 1) for c in classes], dtype=float),
        capitalized=np.array([c["treatment"] == "capitalized" for c in classes]),
        revenue_generating=np.array([c["treatment"] == "capitalized" and c["revenue_generating"] for c in classes]),
        cloud_market=np.array([np.nan if v in (None, 0) else v for v in market], dtype=float),
        mid_year=bool(model["settings"]["mid_year"]),
        terminal_method=model["settings"]["terminal_method"],
        class_names=[c["name"] for c in classes],
    )


def vintage_weights(lives: np.ndarray, horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """Half-year-convention weights w(t - v, L) and remaining book fractions, (..., C, H_v, H_t).

    ``w`` is 0.5 in the year of purchase, 1 in the full years, 0.5 in year L and 0 after, so a
    vintage's weights sum to L. The remaining fraction after year t is 1 - min(k + 0.5, L) / L for
    k = t - v >= 0; computing net PP&E from it gives exactly 0 once an asset is fully depreciated.
    """
    years = np.arange(horizon)
    age = years[None, :] - years[:, None]  # k = t - v, rows are vintages v
    life = np.asarray(lives, dtype=float)[..., None, None]
    weight = np.where(age == 0, 0.5, np.where((age >= 1) & (age <= life - 1), 1.0, np.where(age == life, 0.5, 0.0)))
    remaining = np.where(age >= 0, 1.0 - np.minimum(age + 0.5, life) / life, 0.0)
    return weight, remaining


@functools.lru_cache(maxsize=64)
def _cached_vintage_weights(lives: tuple[float, ...], horizon: int) -> tuple[np.ndarray, np.ndarray]:
    """vintage_weights for one model: the window recomputes the same lives on every edit."""
    weight, remaining = vintage_weights(np.array(lives), horizon)
    weight.flags.writeable = remaining.flags.writeable = False
    return weight, remaining


def _cumprod_growth(base: np.ndarray, rates: np.ndarray) -> np.ndarray:
    return base[..., None] * np.cumprod(1.0 + rates, axis=-1)


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """numerator / denominator where ``valid``, NaN (reported as null) elsewhere."""
    shape = np.broadcast_shapes(np.shape(numerator), np.shape(denominator), np.shape(valid))
    # Dividing only where valid avoids 0/0; a subnormal denominator may still overflow to inf,
    # which is reported as null like any other non-finite value.
    with np.errstate(over="ignore"):
        return np.divide(numerator, denominator, out=np.full(shape, np.nan), where=valid)


def compute_lines(plan: PlanArrays) -> dict[str, np.ndarray]:
    """Every output line of docs/model.md section 4, each of shape (..., H)."""
    s, d = plan.settings, plan.drivers
    horizon = plan.capex.shape[-1]
    capex = plan.capex
    weight, remaining = (
        _cached_vintage_weights(tuple(plan.lives), horizon)
        if plan.lives.ndim == 1
        else vintage_weights(plan.lives, horizon)
    )
    # Depreciating base per class and year: sum over vintages of capex[v] * w(t - v, L).
    base_by_class = np.einsum("...cv,...cvt->...ct", capex, weight)
    book_by_class = np.einsum("...cv,...cvt->...ct", capex, remaining)
    cap, rev_gen = plan.capitalized, plan.revenue_generating

    lines: dict[str, np.ndarray] = {}
    lines["capex_capitalized"] = capex[..., cap, :].sum(axis=-2)
    lines["capex_expensed"] = capex[..., ~cap, :].sum(axis=-2)
    lines["capex_total"] = lines["capex_capitalized"] + lines["capex_expensed"]
    depreciation_by_class = np.where(cap[:, None], base_by_class / plan.lives[..., :, None], 0.0)
    lines["depreciation"] = depreciation_by_class.sum(axis=-2)
    lines["net_ppe"] = book_by_class[..., cap, :].sum(axis=-2)
    lines["capacity"] = base_by_class[..., rev_gen, :].sum(axis=-2)
    lines["revenue_yield"] = _cumprod_growth(s["ai_revenue_yield"], d["price_change"])
    lines["ai_revenue"] = lines["capacity"] * lines["revenue_yield"] * d["utilization"]
    lines["pull_through_revenue"] = s["pull_through"][..., None] * lines["ai_revenue"]
    lines["plan_revenue"] = lines["ai_revenue"] + lines["pull_through_revenue"]
    lines["core_revenue"] = _cumprod_growth(s["base_core_revenue"], d["core_growth"])
    lines["total_revenue"] = lines["core_revenue"] + lines["plan_revenue"]
    margin = d["core_ebita_margin"]
    lines["core_ebita"] = lines["core_revenue"] * margin
    lines["ai_cash_opex"] = (
        lines["capacity"] * s["ai_cash_opex_rate"][..., None]
        + lines["ai_revenue"] * s["ai_variable_cost_pct"][..., None]
    )
    lines["plan_ebita"] = (
        lines["ai_revenue"]
        - lines["ai_cash_opex"]
        - lines["depreciation"]
        - lines["capex_expensed"]
        + lines["pull_through_revenue"] * margin
    )
    lines["total_ebita"] = lines["core_ebita"] + lines["plan_ebita"]
    lines["ebita_margin"] = lines["total_ebita"] / lines["total_revenue"]
    lines["plan_ebita_margin"] = _safe_divide(lines["plan_ebita"], lines["plan_revenue"], lines["plan_revenue"] != 0)
    lines["tax"] = s["tax_rate"][..., None] * lines["plan_ebita"]
    lines["nopat"] = lines["plan_ebita"] - lines["tax"]
    plan_revenue_before = np.concatenate(
        [np.zeros_like(lines["plan_revenue"][..., :1]), lines["plan_revenue"][..., :-1]], axis=-1
    )
    lines["delta_nwc"] = s["nwc_pct"][..., None] * (lines["plan_revenue"] - plan_revenue_before)
    lines["fcf"] = lines["nopat"] + lines["depreciation"] - lines["capex_capitalized"] - lines["delta_nwc"]
    lines["cumulative_fcf"] = np.cumsum(lines["fcf"], axis=-1)
    lines["discount_factor"] = discount_factors(s["wacc"], horizon, plan.mid_year)
    lines["pv_fcf"] = lines["fcf"] * lines["discount_factor"]
    lines["cumulative_pv_fcf"] = np.cumsum(lines["pv_fcf"], axis=-1)
    net_ppe_before = np.concatenate([np.zeros_like(lines["net_ppe"][..., :1]), lines["net_ppe"][..., :-1]], axis=-1)
    average_ppe = (net_ppe_before + lines["net_ppe"]) / 2.0
    lines["roic"] = _safe_divide(lines["nopat"], average_ppe, average_ppe > 0)
    lines["implied_share"] = _safe_divide(
        lines["total_revenue"], plan.cloud_market, np.isfinite(plan.cloud_market) & (plan.cloud_market > 0)
    )
    lines["depreciation_by_class"] = depreciation_by_class
    return lines


def discount_factors(wacc: np.ndarray, horizon: int, mid_year: bool) -> np.ndarray:
    """(1 + wacc) ** -t, or ** -(t - 0.5) with mid-year discounting; shape (..., H)."""
    t = np.arange(1, horizon + 1) - (0.5 if mid_year else 0.0)
    return (1.0 + np.asarray(wacc)[..., None]) ** -t


def terminal_value(plan: PlanArrays, lines: Mapping[str, np.ndarray]) -> np.ndarray:
    """TV at the end of year H by the model's terminal method (docs/model.md section 5)."""
    s, method = plan.settings, plan.terminal_method
    if method == "book_value":
        return lines["net_ppe"][..., -1] + s["nwc_pct"] * lines["plan_revenue"][..., -1]
    if method == "gordon":
        g = s["terminal_growth"]
        return lines["fcf"][..., -1] * (1.0 + g) / (s["wacc"] - g)
    if method == "exit_multiple":
        return s["exit_multiple"] * lines["plan_ebita"][..., -1]
    return np.zeros_like(lines["fcf"][..., -1])


def payback_years(flows: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """(t - 1) + (-cumulative[t-1]) / flows[t] at the first t with cumulative >= 0; NaN if never."""
    reached = cumulative >= 0
    first = np.argmax(reached, axis=-1)
    before = np.take_along_axis(cumulative, np.maximum(first - 1, 0)[..., None], axis=-1)[..., 0]
    before = np.where(first == 0, 0.0, before)
    flow = np.take_along_axis(flows, first[..., None], axis=-1)[..., 0]
    fraction = _safe_divide(-before, flow, before < 0)
    years = first + np.where(before < 0, fraction, 0.0)
    return np.where(reached.any(axis=-1), years, np.nan)


def compute_kpis(plan: PlanArrays, lines: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every KPI of docs/model.md section 6 except the IRR (which needs a root finder)."""
    horizon = lines["fcf"].shape[-1]
    fcf = lines["fcf"]
    tv = terminal_value(plan, lines)
    kpis: dict[str, np.ndarray] = {}
    kpis["terminal_value"] = tv
    kpis["pv_terminal_value"] = tv * (1.0 + plan.settings["wacc"]) ** -horizon
    kpis["npv"] = lines["pv_fcf"].sum(axis=-1) + kpis["pv_terminal_value"]
    kpis["payback_years"] = payback_years(fcf, lines["cumulative_fcf"])
    kpis["discounted_payback_years"] = payback_years(lines["pv_fcf"], lines["cumulative_pv_fcf"])
    kpis["total_capex"] = lines["capex_total"].sum(axis=-1)
    kpis["peak_funding"] = -np.minimum(0.0, lines["cumulative_fcf"].min(axis=-1))
    gains = np.where(fcf > 0, fcf, 0.0).sum(axis=-1) + np.maximum(tv, 0.0)
    outlays = np.where(fcf < 0, -fcf, 0.0).sum(axis=-1) + np.maximum(-tv, 0.0)
    kpis["moic"] = _safe_divide(gains, outlays, outlays != 0)
    discounted_capex = (lines["capex_total"] * lines["discount_factor"]).sum(axis=-1)
    kpis["profitability_index"] = 1.0 + _safe_divide(kpis["npv"], discounted_capex, discounted_capex != 0)
    return kpis


def irr_cash_flows(fcf: np.ndarray, tv: float) -> np.ndarray:
    """The flows whose IRR is reported: FCF by year with the terminal value added in year H."""
    flows = np.array(fcf, dtype=float)
    flows[..., -1] += tv
    return flows


# Built once: pandas spends longer inferring an index from a list than the engine spends computing.
LINE_INDEX = pd.Index(LINE_KEYS)


@dataclass(frozen=True)
class Results:
    """What one computation of one scenario produced.

    ``lines`` has the line keys of docs/model.md section 4 as rows and fiscal years as columns (NaN
    where a line is undefined); ``kpis`` maps every KPI key to a float or None.
    """

    years: list[int]
    lines: pd.DataFrame
    kpis: dict[str, float | None]
    irr_roots: list[float]
    class_names: list[str]
    depreciation_by_class_array: np.ndarray

    def line(self, key: str) -> np.ndarray:
        return self.lines.loc[key].to_numpy()

    @property
    def depreciation_by_class(self) -> pd.DataFrame:
        """Depreciation per asset class (rows) and fiscal year; zero for expensed classes.

        Built on request: most callers never need it, and a DataFrame costs more than the maths.
        """
        return pd.DataFrame(self.depreciation_by_class_array, index=self.class_names, columns=self.years)


def plain_number(value: Any) -> float | None:
    """The value as a float, or None for NaN and infinities (JSON has neither)."""
    value = float(value)
    return value if np.isfinite(value) else None


def compute(model: Model, scenario: str | None = None) -> Results:
    """Compute a validated model (optionally one of its scenarios): lines, KPIs and IRR roots."""
    resolved = apply_scenario(model, scenario)
    plan = plan_arrays(resolved)
    lines = compute_lines(plan)
    kpis_raw = compute_kpis(plan, lines)
    roots = irr_roots(irr_cash_flows(lines["fcf"], float(kpis_raw["terminal_value"])))
    kpis = {key: plain_number(kpis_raw[key]) for key in KPI_KEYS if key != "irr"}
    kpis["irr"] = nearest_root(roots, float(plan.settings["wacc"]))
    years = [model["base_year"] + t for t in range(1, model["horizon"] + 1)]
    table = pd.DataFrame(
        np.vstack([lines[key] for key in LINE_KEYS]), index=LINE_INDEX, columns=pd.Index(years), copy=False
    )
    return Results(
        years=years,
        lines=table,
        kpis={key: kpis[key] for key in KPI_KEYS},
        irr_roots=roots,
        class_names=plan.class_names,
        depreciation_by_class_array=lines["depreciation_by_class"],
    )


def results_json(model: Model, scenario: str | None, results: Results) -> dict[str, Any]:
    """The command-line JSON object of docs/model.md section 7 (NaN and infinity become null)."""
    return {
        "model": model["name"],
        "scenario": scenario or "Base",
        "currency": model["currency"],
        "unit": model["unit"],
        "years": results.years,
        "lines": {key: [plain_number(v) for v in results.line(key)] for key in LINE_KEYS},
        "kpis": dict(results.kpis),
        "irr_roots": list(results.irr_roots),
    }


def capex_table(model: Model, scenario: str | None = None) -> pd.DataFrame:
    """Capex by asset class (rows, in class order) and fiscal year (columns) as ``scenario`` sees
    it, with a "Total" row (capex_total of section 4) and a "Total" column (each class's plan total).
    """
    resolved = apply_scenario(model, scenario)
    years = [model["base_year"] + t for t in range(1, model["horizon"] + 1)]
    names = [c["name"] for c in resolved["asset_classes"]]
    table = pd.DataFrame([resolved["capex"][name] for name in names], index=names, columns=years, dtype=float)
    # concat rather than .loc["Total"]: a class may itself be called "Total".
    table = pd.concat([table, table.sum(axis=0).to_frame("Total").T])
    table["Total"] = table.sum(axis=1)
    return table
