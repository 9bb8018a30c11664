"""The computation of docs/model.md sections 4 to 6: output lines, calibration, terminal value
and KPIs.

Conventions (docs/model.md section 2):

* Years: index 0 of every array is projection year t = 1 (fiscal year base_year + 1); history
  years are t = 1 - n .. 0.
* Money is in the model's currency and unit; rates are decimals.
* Signs: capex and funding needs are negative free cash flow; tax on a negative taxable income
  is negative (a shield against the group's other profits).

The arithmetic works on arrays with any number of leading batch dimensions, so the Monte Carlo
engine runs thousands of trials through exactly this code: a single model has settings of shape
``()``, drivers of shape ``(H,)`` and capex of shape ``(C, H)``; a batch adds ``(N, ...)`` in front.
The class lives and lags are one per class (a batch whose lives differ is computed in groups).
The follow-on recursion is the one loop, over years.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from model.document import Model
from model.errors import ModelError
from model.irr import go_forward_irr_roots, nearest_root
from model.outputs import KPI_KEYS, LINE_KEYS
from model.schema import ENGINE_DRIVERS, NUMERIC_SETTINGS, format_number
from model.validation import apply_scenario
from model.vintages import VintageTables, vintage_tables

if TYPE_CHECKING:
    import pandas as pd

# How far new_vintage_yield may move over the horizon before a warning says so (section 4).
VINTAGE_YIELD_DRIFT = 0.25


@dataclass(frozen=True)
class CalibrationTarget:
    """One target of ``calibration``: ``line`` in projection year ``t`` equals ``value``, by
    solving the setting ``solve`` (a key of ``settings``)."""

    line: str
    year: int
    t: int
    value: float
    solve: str


@dataclass
class PlanArrays:
    """The numbers the engine computes from, as arrays (see the module docstring for shapes).

    ``settings`` holds every numeric setting; ``drivers`` the drivers the engine reads (the
    optional ones as zeros when absent); ``capex`` is classes x years and ``history`` classes x
    history years (zeros for expensed classes). Lives, lags and flags are one per class;
    ``economic_follows`` and ``tax_follows`` mark the classes whose economic or tax life is not
    given and follows the book life (docs/model.md section 3).
    """

    settings: dict[str, NDArray[np.float64]]
    drivers: dict[str, NDArray[np.float64]]
    capex: NDArray[np.float64]
    history: NDArray[np.float64]
    lives: NDArray[np.float64]
    economic_lives: NDArray[np.float64]
    tax_lives: NDArray[np.float64]
    lags: NDArray[np.float64]
    economic_follows: NDArray[np.bool_]
    tax_follows: NDArray[np.bool_]
    capitalized: NDArray[np.bool_]
    revenue_generating: NDArray[np.bool_]
    cloud_market: NDArray[np.float64]
    mid_year: bool
    terminal_method: str
    plan_years: int
    valuation_offset: int
    rent: bool
    calibration: tuple[CalibrationTarget, ...] = ()
    class_names: list[str] = field(default_factory=list)


def calibration_targets(model: Model) -> tuple[CalibrationTarget, ...]:
    """The model's calibration targets in the order they are solved: revenue first."""
    targets = [
        CalibrationTarget(
            line=c["line"],
            year=c["year"],
            t=c["year"] - model["base_year"],
            value=float(c["value"]),
            solve=c["solve"].partition(".")[2],
        )
        for c in model.get("calibration") or []
    ]
    return tuple(sorted(targets, key=lambda target: target.line != "total_revenue"))


def plan_arrays(model: Model) -> PlanArrays:
    """Arrays of a valid model (apply a scenario first with ``apply_scenario``)."""
    classes = model["asset_classes"]
    horizon = model["horizon"]
    settings = model["settings"]
    capitalized = np.array([c["treatment"] == "capitalized" for c in classes])
    market = model["drivers"].get("cloud_market") or [None] * horizon
    history = model["history"]["capex"] if "history" in model else {}
    history_years = len(next(iter(history.values()))) if history else 0
    book = [c.get("life", 1) for c in classes]
    return PlanArrays(
        settings={key: np.asarray(settings[key], dtype=np.float64) for key in NUMERIC_SETTINGS},
        drivers={key: np.asarray(model["drivers"].get(key, [0.0] * horizon), dtype=float) for key in ENGINE_DRIVERS},
        capex=np.array([model["capex"][c["name"]] for c in classes], dtype=float).reshape(len(classes), horizon),
        history=np.array([history.get(c["name"], [0.0] * history_years) for c in classes], dtype=float).reshape(
            len(classes), history_years
        ),
        lives=np.array(book, dtype=float),
        economic_lives=np.array(
            [c.get("economic_life", life) for c, life in zip(classes, book, strict=True)], dtype=float
        ),
        tax_lives=np.array([c.get("tax_life", life) for c, life in zip(classes, book, strict=True)], dtype=float),
        lags=np.array([c.get("lag", 0) for c in classes], dtype=float),
        economic_follows=np.array(["economic_life" not in c for c in classes]),
        tax_follows=np.array(["tax_life" not in c for c in classes]),
        capitalized=capitalized,
        revenue_generating=np.array([c["treatment"] == "capitalized" and c["revenue_generating"] for c in classes]),
        cloud_market=np.array([np.nan if v in (None, 0) else v for v in market], dtype=float),
        mid_year=bool(settings["mid_year"]),
        terminal_method=settings["terminal_method"],
        plan_years=int(settings["plan_years"]),
        valuation_offset=int(settings["valuation_year"]) - model["base_year"],
        rent=settings["infrastructure_charge"] == "rent",
        calibration=calibration_targets(model),
        class_names=[c["name"] for c in classes],
    )


def _cumprod_growth(base: NDArray[np.float64], rates: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(base)[..., None] * np.cumprod(1.0 + rates, axis=-1, dtype=np.float64)


def _safe_divide(
    numerator: NDArray[np.float64], denominator: NDArray[np.float64], valid: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """numerator / denominator where ``valid``, NaN (reported as null) elsewhere."""
    shape = np.broadcast_shapes(np.shape(numerator), np.shape(denominator), np.shape(valid))
    # Dividing only where valid avoids 0/0; a subnormal denominator may still overflow to inf,
    # which is reported as null like any other non-finite value.
    with np.errstate(over="ignore"):
        quotient: NDArray[np.float64] = np.divide(numerator, denominator, out=np.full(shape, np.nan), where=valid)
    return quotient


def _before(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Each year's previous value, 0 before year 1."""
    return np.concatenate([np.zeros_like(values[..., :1]), values[..., :-1]], axis=-1)


@dataclass(frozen=True)
class Fleet:
    """What a group of vintages (installed, plan or follow-on) does each year, by class (..., C, H)."""

    depreciation: NDArray[np.float64]
    impairment: NDArray[np.float64]
    in_service: NDArray[np.float64]  # money of capex in economic service (revenue classes)
    capacity: NDArray[np.float64]  # compute units in service (revenue classes)
    book_value: NDArray[np.float64] | None = None
    tax_depreciation: NDArray[np.float64] | None = None

    def totals(self) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Compute units in service, capex in service and depreciation plus impairment of every
        class together, by year (..., H)."""
        return (
            self.capacity.sum(axis=-2),
            self.in_service.sum(axis=-2),
            (self.depreciation + self.impairment).sum(axis=-2),
        )


def _fleet(
    spend: NDArray[np.float64],
    tables: VintageTables,
    vintages: slice,
    plan: PlanArrays,
    cost_index: NDArray[np.float64] | None,
    full: bool = False,
) -> Fleet:
    """The fleet bought by ``spend`` (..., C, V) in the vintage years ``vintages`` of the tables.

    ``cost_index`` is K_v of those vintage years (None: K = 1, the installed fleet).
    """
    spend = spend * plan.capitalized[:, None]

    def through(table: NDArray[np.float64], amount: NDArray[np.float64] = spend) -> NDArray[np.float64]:
        # A batch goes through BLAS (ten times faster); one model is faster without planning the path.
        flows: NDArray[np.float64] = np.einsum(
            "...cv,cvt->...ct", amount, table[:, vintages, :], optimize=amount.ndim > 2
        )
        return flows

    earning = spend * plan.revenue_generating[:, None]
    compute_units = earning if cost_index is None else earning / cost_index[..., None, :]
    return Fleet(
        depreciation=through(tables.depreciation),
        impairment=through(tables.impairment),
        in_service=through(tables.in_service, earning),
        capacity=through(tables.in_service, compute_units),
        book_value=through(tables.book_value) if full else None,
        tax_depreciation=through(tables.tax_depreciation) if full else None,
    )


def _capital_recovery(rate: NDArray[np.float64], life: NDArray[np.float64]) -> NDArray[np.float64]:
    """CRF(r, L) = r / (1 - (1 + r) ** -L), and 1 / L at r = 0: the level yearly charge that
    repays one unit of cost over L years at the rate r."""
    rate = np.asarray(rate, dtype=float)[..., None]
    # expm1 and log1p keep it exact for a rate near 0, where 1 - (1 + r) ** -L cancels.
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        factor = rate / -np.expm1(-life * np.log1p(rate))
    recovery: NDArray[np.float64] = np.where(rate == 0, 1.0 / life, factor)
    return recovery


@dataclass(frozen=True)
class Computation:
    """The lines of one model or batch, the settings after calibration, and which trials the
    calibration could solve (``failure`` says why the first one could not; ``broken_rules`` names
    the calibration rule each trial breaks, without the target's value, "" where solved)."""

    lines: dict[str, NDArray[np.float64]]
    settings: dict[str, NDArray[np.float64]]
    valid: NDArray[np.bool_]
    failure: str | None
    broken_rules: NDArray[np.object_]


def _calibrate(
    plan: PlanArrays,
    settings: dict[str, NDArray[np.float64]],
    core_index: NDArray[np.float64],
    price_index: NDArray[np.float64],
    fleet_totals: tuple[NDArray[np.float64], ...],
    plan_expensed: NDArray[np.float64],
) -> tuple[NDArray[np.bool_], str | None, NDArray[np.object_]]:
    """Solve each calibration target in closed form (docs/model.md section 4a), in place in
    ``settings``; returns which trials could be solved, the first reason one could not, and the
    rule each trial breaks ("" where solved).

    ``fleet_totals`` are the installed and plan fleets' ``Fleet.totals`` added together: the
    calibration year lies in the plan, before any follow-on.
    """
    d = plan.drivers
    shape = np.broadcast_shapes(
        *(np.shape(v) for v in settings.values()),
        *(d[key].shape[:-1] for key in ("utilization", "core_ebita_margin")),
        core_index.shape[:-1],
        price_index.shape[:-1],
        plan_expensed.shape[:-1],
        *(total.shape[:-1] for total in fleet_totals),
    )
    valid = np.ones(shape, dtype=bool)
    failure: str | None = None
    broken = np.full(shape, "", dtype=object)
    for target in plan.calibration:
        y = target.t - 1
        capacity, in_service, written_off = (total[..., y] for total in fleet_totals)
        per_yield = price_index[..., y] * d["utilization"][..., y] * capacity  # AI revenue per unit of yield
        s = settings
        core = s["base_core_revenue"] * core_index[..., y]
        ai = s["ai_revenue_yield"] * per_yield
        wanted = target.value
        checks: tuple[tuple[NDArray[np.bool_], str], ...]  # each condition and why a trial fails it
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if target.solve == "ai_revenue_yield":
                coefficient = per_yield * (1.0 + s["pull_through"])
                solved = (wanted - core) / coefficient
                checks = (
                    (coefficient > 0, "cannot be solved by the AI revenue yield: no compute in service"),
                    (solved >= 0, "needs a negative AI revenue yield"),
                )
            elif target.solve == "base_core_revenue":
                solved = (wanted - ai * (1.0 + s["pull_through"])) / core_index[..., y]
                checks = ((solved > 0, "needs a core revenue of zero or less"),)
            else:
                margin = d["core_ebita_margin"][..., y]
                revenue = core + ai * (1.0 + s["pull_through"])
                ebita = core * margin + ai + s["pull_through"] * ai * margin - written_off - plan_expensed[..., y]
                if target.solve == "ai_cash_opex_rate":
                    base = ebita - ai * s["ai_variable_cost_pct"]
                    solved = (base - wanted * revenue) / in_service
                    checks = (
                        (in_service > 0, "cannot be solved by the AI cash opex rate: no capex in service"),
                        (solved >= 0, "needs a negative AI cash opex rate"),
                    )
                else:
                    base = ebita - in_service * s["ai_cash_opex_rate"]
                    solved = (base - wanted * revenue) / ai
                    checks = (
                        (ai > 0, "cannot be solved by the AI variable cost: no AI revenue"),
                        (solved >= 0, "needs a negative AI variable cost"),
                        (solved < 1, "needs an AI variable cost of 100 % of AI revenue or more"),
                    )
        # A coefficient that is barely positive gives a solution too large to be a number.
        checks = (*checks, (np.isfinite(solved), "cannot be solved: the solution is not a finite number"))
        for ok, reason in checks:
            if failure is None and not np.all(ok):
                failure = f"{target.line} {target.year} = {format_number(target.value)} {reason}"
            broken = np.where(valid & ~ok, f"the calibration of {target.line} {target.year} {reason}", broken)
            valid = valid & ok
        settings[target.solve] = np.where(valid, solved, np.nan)
    return valid, failure, broken


def compute_lines(plan: PlanArrays) -> Computation:
    """Every output line of docs/model.md section 4, each of shape (..., H), after calibration."""
    s, d = dict(plan.settings), plan.drivers
    horizon = plan.capex.shape[-1]
    history_years = plan.history.shape[-1]
    plan_years = plan.plan_years
    tables = vintage_tables(
        tuple(plan.lives.astype(int)),
        tuple(plan.economic_lives.astype(int)),
        tuple(plan.lags.astype(int)),
        tuple(plan.tax_lives.astype(int)),
        history_years,
        horizon,
    )
    cap, earning = plan.capitalized, plan.revenue_generating
    in_plan = np.arange(1, horizon + 1) <= plan_years
    plan_capex = plan.capex[..., :plan_years]
    # The dtype changes nothing (the drivers are float64): numpy's stubs widen cumprod's result.
    cost_index = np.cumprod(1.0 + d["compute_cost_change"], axis=-1, dtype=np.float64)  # K_t, t = 1..H
    price_index = np.cumprod(1.0 + d["price_change"], axis=-1, dtype=np.float64)
    core_index = np.cumprod(1.0 + d["core_growth"], axis=-1, dtype=np.float64)
    margin = d["core_ebita_margin"]
    utilization = d["utilization"]

    installed = _fleet(plan.history, tables, slice(0, history_years), plan, None).totals()
    cohort_fleet = _fleet(
        plan_capex,
        tables,
        slice(history_years, history_years + plan_years),
        plan,
        cost_index[..., :plan_years],
        full=True,
    )
    by_class = np.where(in_plan, plan.capex, 0.0)
    plan_expensed = by_class[..., ~cap, :].sum(axis=-2)

    cohort_totals = cohort_fleet.totals()
    both = tuple(a + b for a, b in zip(installed, cohort_totals, strict=True))
    valid, failure, broken_rules = _calibrate(plan, s, core_index, price_index, both, plan_expensed)

    revenue_yield = _cumprod_growth(s["ai_revenue_yield"], d["price_change"])
    pull = np.asarray(s["pull_through"])[..., None]
    opex_rate = np.asarray(s["ai_cash_opex_rate"])[..., None]
    variable = np.asarray(s["ai_variable_cost_pct"])[..., None]
    core_revenue = np.asarray(s["base_core_revenue"])[..., None] * core_index

    def group(
        totals: tuple[NDArray[np.float64], ...], expensed: NDArray[np.float64] | float = 0.0
    ) -> dict[str, NDArray[np.float64]]:
        """Revenue, opex and reported EBITA of a group of vintages (every class, no rent)."""
        capacity, in_service, written_off = totals
        ai = capacity * revenue_yield * utilization
        opex = in_service * opex_rate + ai * variable
        return {
            "capacity": capacity,
            "in_service": in_service,
            "ai": ai,
            "pull": pull * ai,
            "opex": opex,
            "revenue": ai + pull * ai,
            "ebita": ai - opex - written_off - expensed + pull * ai * margin,
        }

    inst = group(installed)
    plan_group = group(cohort_totals, plan_expensed)

    # Follow-on: explicit capex after the plan, plus reinvestment of the prior year's revenue,
    # split by the plan's class mix; revenue of year t - 1 includes earlier follow-on vintages.
    follow_years = horizon - plan_years
    explicit = plan.capex[..., plan_years:]
    plan_total = plan_capex.sum(axis=-1)
    all_plan = plan_total.sum(axis=-1, keepdims=True)
    mix = plan_total / np.where(all_plan > 0, all_plan, 1.0)  # 0 without plan capex
    follow_slice = slice(history_years + plan_years, history_years + horizon)
    follow_cost = cost_index[..., plan_years:]
    total_revenue = core_revenue + inst["revenue"] + plan_group["revenue"]
    reinvested = np.zeros((*np.broadcast_shapes(total_revenue.shape[:-1], mix.shape[:-1]), follow_years))
    if follow_years:
        if np.any(explicit):
            total_revenue = (
                total_revenue + group(_fleet(explicit, tables, follow_slice, plan, follow_cost).totals())["revenue"]
            )
        rate = d["reinvestment_rate"][..., plan_years:]
        if np.any(rate):
            # Revenue in every year per unit reinvested in each follow-on year (..., V, H).
            per_unit = (
                np.einsum("...c,cvt->...vt", mix * earning, tables.in_service[:, follow_slice, :])
                / follow_cost[..., :, None]
                * (revenue_yield * utilization * (1.0 + pull))[..., None, :]
            )
            total_revenue = np.array(np.broadcast_to(total_revenue, (*reinvested.shape[:-1], horizon)))
            for k in range(follow_years):
                t = plan_years + k  # index of year P + 1 + k
                reinvested[..., k] = rate[..., k] * total_revenue[..., t - 1]
                total_revenue = total_revenue + reinvested[..., k, None] * per_unit[..., k, :]
    follow_spend = explicit + mix[..., :, None] * reinvested[..., None, :]
    follow_expensed = np.concatenate(
        [np.zeros((*follow_spend.shape[:-2], plan_years)), follow_spend[..., ~cap, :].sum(axis=-2)], axis=-1
    )
    follow = group(_fleet(follow_spend, tables, follow_slice, plan, follow_cost).totals(), follow_expensed)

    cohort = cap & earning if plan.rent else cap
    lines: dict[str, NDArray[np.float64]] = {}
    lines["capex_capitalized"] = by_class[..., cap, :].sum(axis=-2)
    lines["capex_expensed"] = plan_expensed
    lines["capex_total"] = lines["capex_capitalized"] + lines["capex_expensed"]
    lines["enabling_capex"] = by_class[..., cap & ~earning, :].sum(axis=-2)
    lines["cohort_capex"] = by_class[..., cohort, :].sum(axis=-2)
    depreciation_by_class = np.where(cohort[:, None], cohort_fleet.depreciation, 0.0)
    lines["depreciation"] = depreciation_by_class.sum(axis=-2)
    lines["impairment"] = cohort_fleet.impairment[..., cohort, :].sum(axis=-2)
    tax_depreciation, book_value = cohort_fleet.tax_depreciation, cohort_fleet.book_value
    assert tax_depreciation is not None and book_value is not None  # computed: the cohort fleet is full
    lines["tax_depreciation"] = tax_depreciation[..., cohort, :].sum(axis=-2)
    lines["net_ppe"] = book_value[..., cohort, :].sum(axis=-2)
    lines["capacity"] = plan_group["capacity"]
    lines["capex_in_service"] = plan_group["in_service"]
    lines["revenue_yield"] = revenue_yield
    lines["new_vintage_yield"] = revenue_yield / cost_index
    lines["ai_revenue"] = plan_group["ai"]
    lines["pull_through_revenue"] = plan_group["pull"]
    lines["plan_revenue"] = plan_group["revenue"]
    lines["ai_cash_opex"] = plan_group["opex"]
    if plan.rent:
        earning_total = plan_total[..., earning].sum(axis=-1, keepdims=True)
        share = plan_total / np.where(earning_total > 0, earning_total, 1.0)  # k_c; validation ensures > 0
        enabling = cap & ~earning
        rent_rate = (share * _capital_recovery(s["wacc"], plan.lives))[..., enabling].sum(axis=-1)
        lines["infrastructure_rent"] = rent_rate[..., None] * lines["capex_in_service"]
    else:
        lines["infrastructure_rent"] = np.zeros_like(lines["capex_in_service"])
    lines["plan_segment_ebita"] = plan_group["ebita"]
    lines["plan_ebita"] = (
        lines["ai_revenue"]
        - lines["ai_cash_opex"]
        - lines["depreciation"]
        - lines["impairment"]
        - lines["infrastructure_rent"]
        - lines["capex_expensed"]
        + lines["pull_through_revenue"] * margin
    )
    lines["plan_ebita_margin"] = _safe_divide(lines["plan_ebita"], lines["plan_revenue"], lines["plan_revenue"] > 0)
    lines["taxable_income"] = (
        lines["plan_ebita"] + lines["depreciation"] + lines["impairment"] - lines["tax_depreciation"]
    )
    lines["tax"] = s["tax_rate"][..., None] * lines["taxable_income"]
    lines["nopat"] = lines["plan_ebita"] - lines["tax"]
    lines["delta_nwc"] = s["nwc_pct"][..., None] * (lines["plan_revenue"] - _before(lines["plan_revenue"]))
    lines["fcf"] = (
        lines["nopat"] + lines["depreciation"] + lines["impairment"] - lines["cohort_capex"] - lines["delta_nwc"]
    )
    go_forward = np.arange(1, horizon + 1) > plan.valuation_offset
    lines["cumulative_fcf"] = np.where(go_forward, np.cumsum(np.where(go_forward, lines["fcf"], 0.0), axis=-1), np.nan)
    lines["discount_factor"] = discount_factors(s["wacc"], horizon, plan.mid_year, plan.valuation_offset)
    # Sunk years are 0, not the -0.0 that a negative flow times a factor of 0 would give.
    lines["pv_fcf"] = np.where(go_forward, lines["fcf"] * lines["discount_factor"], 0.0)
    lines["cumulative_pv_fcf"] = np.cumsum(lines["pv_fcf"], axis=-1)
    average_ppe = (_before(lines["net_ppe"]) + lines["net_ppe"]) / 2.0
    lines["roic"] = _safe_divide(lines["nopat"], average_ppe, average_ppe > 0)

    lines["core_revenue"] = core_revenue
    lines["core_ebita"] = core_revenue * margin
    lines["installed_revenue"] = inst["revenue"]
    lines["installed_ebita"] = inst["ebita"]
    lines["follow_on_capex"] = np.concatenate(
        [np.zeros((*follow_spend.shape[:-2], plan_years)), follow_spend.sum(axis=-2)], axis=-1
    )
    lines["follow_on_revenue"] = follow["revenue"]
    lines["follow_on_ebita"] = follow["ebita"]
    lines["total_revenue"] = (
        lines["core_revenue"] + lines["installed_revenue"] + lines["plan_revenue"] + lines["follow_on_revenue"]
    )
    lines["total_ebita"] = (
        lines["core_ebita"] + lines["installed_ebita"] + lines["plan_segment_ebita"] + lines["follow_on_ebita"]
    )
    lines["ebita_margin"] = _safe_divide(lines["total_ebita"], lines["total_revenue"], lines["total_revenue"] != 0)
    lines["segment_capex"] = lines["capex_total"] + lines["follow_on_capex"]
    lines["capex_intensity"] = _safe_divide(lines["segment_capex"], lines["total_revenue"], lines["total_revenue"] != 0)
    lines["implied_share"] = _safe_divide(
        lines["total_revenue"], plan.cloud_market, np.isfinite(plan.cloud_market) & (plan.cloud_market > 0)
    )
    lines["depreciation_by_class"] = depreciation_by_class
    return Computation(lines=lines, settings=s, valid=valid, failure=failure, broken_rules=broken_rules)


def discount_factors(
    wacc: NDArray[np.float64], horizon: int, mid_year: bool, valuation_offset: int = 0
) -> NDArray[np.float64]:
    """(1 + wacc) ** -(t - t0), or ** -(t - t0 - 0.5) with mid-year timing; 0 for t <= t0
    (sunk flows); shape (..., H)."""
    t = np.arange(1, horizon + 1)
    periods = t - valuation_offset - (0.5 if mid_year else 0.0)
    return np.where(t > valuation_offset, (1.0 + np.asarray(wacc)[..., None]) ** -periods, 0.0)


def terminal_value(
    plan: PlanArrays, settings: Mapping[str, NDArray[np.float64]], lines: Mapping[str, NDArray[np.float64]]
) -> NDArray[np.float64]:
    """TV at the end of year H by the model's terminal method (docs/model.md section 5)."""
    s, method = settings, plan.terminal_method
    if method == "book_value":
        return lines["net_ppe"][..., -1] + s["nwc_pct"] * lines["plan_revenue"][..., -1]
    if method == "gordon":
        g = s["terminal_growth"]
        return lines["fcf"][..., -1] * (1.0 + g) / (s["wacc"] - g)
    if method == "exit_multiple":
        return s["exit_multiple"] * lines["plan_ebita"][..., -1]
    return np.zeros_like(lines["fcf"][..., -1])


def payback_years(flows: NDArray[np.float64], cumulative: NDArray[np.float64]) -> NDArray[np.float64]:
    """(tau - 1) + (-cumulative[tau-1]) / flows[tau] at the first tau with cumulative >= 0, on
    go-forward years (tau = 1 is the first year after the valuation date); NaN if never."""
    reached = cumulative >= 0
    first = np.argmax(reached, axis=-1)
    before = np.take_along_axis(cumulative, np.maximum(first - 1, 0)[..., None], axis=-1)[..., 0]
    before = np.where(first == 0, 0.0, before)
    flow = np.take_along_axis(flows, first[..., None], axis=-1)[..., 0]
    fraction = _safe_divide(-before, flow, before < 0)
    years = first + np.where(before < 0, fraction, 0.0)
    return np.where(reached.any(axis=-1), years, np.nan)


def compute_kpis(plan: PlanArrays, computation: Computation) -> dict[str, NDArray[np.float64]]:
    """Every KPI of docs/model.md section 6 except the IRR (which needs a root finder), on the
    flows after the valuation date."""
    # Valid but extreme inputs (amounts near 1e±300) can overflow: such a KPI is infinite or NaN,
    # which every output shows as null, never as a warning.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        return _kpis_after_valuation(plan, computation)


def _kpis_after_valuation(plan: PlanArrays, computation: Computation) -> dict[str, NDArray[np.float64]]:
    lines, s = computation.lines, computation.settings
    horizon = lines["fcf"].shape[-1]
    t0 = plan.valuation_offset
    fcf = lines["fcf"][..., t0:]
    pv_fcf = lines["pv_fcf"][..., t0:]
    cumulative = lines["cumulative_fcf"][..., t0:]
    spent = (lines["cohort_capex"] + lines["capex_expensed"])[..., t0:]
    tv = terminal_value(plan, s, lines)
    kpis: dict[str, NDArray[np.float64]] = {}
    kpis["terminal_value"] = tv
    kpis["pv_terminal_value"] = tv * (1.0 + s["wacc"]) ** -(horizon - t0)
    kpis["npv"] = pv_fcf.sum(axis=-1) + kpis["pv_terminal_value"]
    kpis["payback_years"] = payback_years(fcf, cumulative)
    kpis["discounted_payback_years"] = payback_years(pv_fcf, lines["cumulative_pv_fcf"][..., t0:])
    kpis["total_capex"] = spent.sum(axis=-1)
    kpis["peak_funding"] = 0.0 - np.minimum(0.0, cumulative.min(axis=-1))  # 0.0 - 0.0 is 0, never -0.0
    gains = np.where(fcf > 0, fcf, 0.0).sum(axis=-1) + np.maximum(tv, 0.0)
    outlays = np.where(fcf < 0, -fcf, 0.0).sum(axis=-1) + np.maximum(-tv, 0.0)
    kpis["moic"] = _safe_divide(gains, outlays, outlays != 0)
    discounted_capex = (spent * lines["discount_factor"][..., t0:]).sum(axis=-1)
    kpis["profitability_index"] = 1.0 + _safe_divide(kpis["npv"], discounted_capex, discounted_capex != 0)
    shares = s["shares_outstanding"]
    kpis["npv_per_share"] = _safe_divide(kpis["npv"], shares, shares > 0)
    return kpis


def plain_number(value: Any) -> float | None:
    """A float for JSON: None where the value is NaN or infinite."""
    value = float(value)
    return value if np.isfinite(value) else None


def calibrated_settings(plan: PlanArrays, computation: Computation) -> dict[str, float | None]:
    """Each solved setting's path and value (docs/model.md section 7, ``calibrated``)."""
    return {f"settings.{t.solve}": plain_number(computation.settings[t.solve]) for t in plan.calibration}


def warnings_for(plan: PlanArrays, lines: Mapping[str, NDArray[np.float64]]) -> list[str]:
    """The plain sentences of docs/model.md section 7 ``warnings`` for one computed model."""
    warnings = []
    if plan.terminal_method in ("gordon", "exit_multiple"):
        method = "Gordon growth" if plan.terminal_method == "gordon" else "exit multiple"
        warnings.append(
            f"The {method} terminal value treats the plan as a steady business, but it is a cohort of "
            "vintages that ramps down and retires; book value or none are the methods for a cohort."
        )
    nvy = lines["new_vintage_yield"]
    if nvy[0] > 0 and abs(nvy[-1] / nvy[0] - 1.0) > VINTAGE_YIELD_DRIFT:
        warnings.append(
            f"The new vintage yield moves by {(nvy[-1] / nvy[0] - 1.0) * 100:+.0f} % over the horizon "
            f"({nvy[0]:.3g} to {nvy[-1]:.3g}): price and cost of compute drifting apart compound."
        )
    return warnings


# The row of each line in ``Results.lines_array``.
LINE_ROWS = {key: row for row, key in enumerate(LINE_KEYS)}


@dataclass(frozen=True)
class Results:
    """What one computation of one scenario produced.

    ``lines_array`` has the line keys of docs/model.md section 4 as rows (in ``LINE_KEYS`` order)
    and ``years`` as columns (NaN where a line is undefined); ``line(key)`` is one row and
    ``value(key, year)`` one figure. ``kpis`` maps every KPI key to a float or None;
    ``calibrated`` each solved setting's path and value; ``warnings`` plain sentences.
    """

    years: list[int]
    lines_array: NDArray[np.float64]
    kpis: dict[str, float | None]
    irr_roots: list[float]
    class_names: list[str]
    depreciation_by_class_array: NDArray[np.float64]
    calibrated: dict[str, float | None] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def line(self, key: str) -> NDArray[np.float64]:
        row: NDArray[np.float64] = self.lines_array[LINE_ROWS[key]]
        return row

    def value(self, key: str, year: int) -> float:
        """Line ``key`` in fiscal ``year`` (NaN where the line is undefined)."""
        return float(self.lines_array[LINE_ROWS[key], self.years.index(year)])

    @functools.cached_property
    def lines(self) -> pd.DataFrame:
        """``lines_array`` as a pandas DataFrame: line keys as rows, fiscal years as columns.

        Built on first request, for analysis in a notebook: pandas takes longer to import than the
        workbench takes to start, so nothing the window or the command line does asks for it.
        """
        import pandas as pd

        return pd.DataFrame(self.lines_array, index=pd.Index(LINE_KEYS), columns=pd.Index(self.years), copy=False)

    @property
    def depreciation_by_class(self) -> pd.DataFrame:
        """Depreciation per asset class (rows) and fiscal year; zero for expensed classes.

        Built on request (with pandas): no caller of the workbench needs it.
        """
        import pandas as pd

        return pd.DataFrame(self.depreciation_by_class_array, index=self.class_names, columns=self.years)


def compute_plan(plan: PlanArrays) -> Computation:
    """compute_lines for one model: a calibration that cannot be solved is refused by name."""
    computation = compute_lines(plan)
    if computation.failure is not None:
        raise ModelError("calibration", computation.failure)
    return computation


def compute(model: Model, scenario: str | None = None) -> Results:
    """Compute a validated model (optionally one of its scenarios): lines, KPIs and IRR roots."""
    resolved = apply_scenario(model, scenario)
    plan = plan_arrays(resolved)
    computation = compute_plan(plan)
    lines = computation.lines
    kpis_raw = compute_kpis(plan, computation)
    t0 = plan.valuation_offset
    roots = go_forward_irr_roots(lines["fcf"][t0:], float(kpis_raw["terminal_value"]), plan.mid_year)
    kpis = {key: plain_number(kpis_raw[key]) for key in KPI_KEYS if key != "irr"}
    kpis["irr"] = nearest_root(roots, float(plan.settings["wacc"]))
    years = [model["base_year"] + t for t in range(1, model["horizon"] + 1)]
    return Results(
        years=years,
        lines_array=np.vstack([lines[key] for key in LINE_KEYS]),
        kpis={key: kpis[key] for key in KPI_KEYS},
        irr_roots=roots,
        class_names=plan.class_names,
        depreciation_by_class_array=lines["depreciation_by_class"],
        calibrated=calibrated_settings(plan, computation),
        warnings=warnings_for(plan, lines),
    )


def results_json(model: Model, scenario: str | None, results: Results) -> dict[str, Any]:
    """The command-line JSON object of docs/model.md section 7 (NaN and infinity become null)."""
    out: dict[str, Any] = {
        "model": model["name"],
        "scenario": scenario or "Base",
        "currency": model["currency"],
        "unit": model["unit"],
        "years": results.years,
        "lines": {key: [plain_number(v) for v in results.line(key)] for key in LINE_KEYS},
        "kpis": dict(results.kpis),
        "irr_roots": list(results.irr_roots),
    }
    if model.get("calibration"):
        out["calibrated"] = dict(results.calibrated)
    out["warnings"] = list(results.warnings)
    return out


@dataclass(frozen=True)
class CapexTable:
    """Capex by asset class (rows of ``values``, in class order) and fiscal year (columns) as one
    scenario sees it."""

    classes: list[str]
    years: list[int]
    values: NDArray[np.float64]


def capex_table(model: Model, scenario: str | None = None) -> CapexTable:
    """The capex of ``scenario`` (None: Base) by class and fiscal year."""
    resolved = apply_scenario(model, scenario)
    years = [model["base_year"] + t for t in range(1, model["horizon"] + 1)]
    names = [c["name"] for c in resolved["asset_classes"]]
    values = np.array([resolved["capex"][name] for name in names], dtype=float).reshape(len(names), len(years))
    return CapexTable(names, years, values)
