"""Why a number is what it is: each output line (in a year) and each KPI as its formula in words
and the numbers that feed it directly (docs/model.md sections 4 to 6), down to the inputs and
their sources (section 3, ``sources``).

A number is named by a ``Ref``: a line in a fiscal year, a KPI, or an input (a setting, a driver
or a capex cell in a year, a history cell, an asset class's fields, a calibration target).
``explain(context, ref)`` gives its ``Explanation``; ``dependents(context, ref)`` what it feeds
directly, found by inverting every number's precedents, so the two never disagree.

Why the formulas live here and not in ``model.outputs``: the registry is a plain table that the
engine, the JSON, the window and the workbook all read; what feeds a line depends on the model's
classes and years (which classes the plan owns, which vintages exist by a year), which is code.
``FORMULAS`` is keyed by the registry's keys and a test fails when a line or KPI has no entry.
Formulas name the numbers they use as ``{key}`` placeholders (``{plan_revenue}``,
``{settings.wacc}``, ``{drivers.utilization}``), shown with the registry's labels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, NamedTuple

from model.document import Model
from model.engine import Results, plan_arrays
from model.errors import ModelError
from model.outputs import KPIS, LINES
from model.schema import BASE_SCENARIO, DRIVERS, SETTINGS
from model.validation import apply_scenario
from model.vintages import VintageTables, vintage_tables

RefKind = Literal["line", "kpi", "settings", "drivers", "capex", "history", "asset_classes", "calibration"]
INPUT_KINDS = ("settings", "drivers", "capex", "history", "asset_classes", "calibration")
Value = float | str | bool | None


class Ref(NamedTuple):
    """One number: a line or a driver, capex or history cell in fiscal ``year``; a KPI, a
    setting, an asset class (its fields) or a calibration target (``key``: the line it pins).
    A tuple: the dependents graph hashes tens of thousands of them."""

    kind: RefKind
    key: str
    year: int | None = None

    @property
    def is_input(self) -> bool:
        return self.kind in INPUT_KINDS

    @property
    def source_path(self) -> str:
        """Its key in the model's ``sources`` map."""
        return "calibration" if self.kind == "calibration" else f"{self.kind}.{self.key}"


@dataclass(frozen=True)
class Term:
    """A number as the explanation shows it: what it is, its value (in model units) and unit."""

    ref: Ref
    label: str
    value: Value
    unit: str  # a ``model.outputs.Unit`` value, a ``model.schema`` unit, or "bool"/"choice"/"integer"/"text"


@dataclass(frozen=True)
class SourceNote:
    """Where an input came from: an entry of ``sources`` (``path`` is its key)."""

    path: str
    text: str
    url: str = ""
    date: str = ""


@dataclass(frozen=True)
class Explanation:
    """A number, its formula in words (with the registry's labels), what feeds it directly, and
    for an input its sources: the model's, then the scenario's when the scenario overrides it."""

    term: Term
    formula: str
    precedents: tuple[Term, ...]
    words: str = ""  # the formula with its ``{key}`` placeholders (``with_values`` fills them in)
    sources: tuple[SourceNote, ...] = ()
    overridden_by: str | None = None
    reported: Term | None = None  # the reported figure of a line in a year (``actuals``)


@dataclass
class Context:
    """One model in one scenario with its results: everything an explanation reads."""

    model: Model
    scenario: str
    results: Results
    resolved: Model = field(init=False)

    def __post_init__(self) -> None:
        self.resolved = apply_scenario(self.model, self.scenario)

    @property
    def base_year(self) -> int:
        return int(self.model["base_year"])

    @property
    def horizon(self) -> int:
        return int(self.model["horizon"])

    @property
    def plan_years(self) -> int:
        return int(self.resolved["settings"]["plan_years"])

    @property
    def valuation_offset(self) -> int:
        return int(self.resolved["settings"]["valuation_year"]) - self.base_year

    @property
    def rent(self) -> bool:
        return bool(self.resolved["settings"]["infrastructure_charge"] == "rent")

    def classes(self, group: str) -> list[str]:
        """Class names of a group: all, capitalized, expensed, earning (capitalized and earning
        revenue), enabling (capitalized, earning none), cohort (the classes the plan owns)."""
        if group == "cohort":
            group = "earning" if self.rent else "capitalized"
        return self._groups[group]

    @cached_property
    def _groups(self) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = {"all": [], "capitalized": [], "expensed": [], "earning": [], "enabling": []}
        for cls in self.resolved["asset_classes"]:
            capitalized = cls["treatment"] == "capitalized"
            earning = capitalized and bool(cls.get("revenue_generating"))
            groups["all"].append(cls["name"])
            groups["capitalized" if capitalized else "expensed"].append(cls["name"])
            if capitalized:
                groups["earning" if earning else "enabling"].append(cls["name"])
        return groups

    @cached_property
    def history_years(self) -> list[int]:
        rows = self.resolved["history"]["capex"] if "history" in self.resolved else {}
        length = len(next(iter(rows.values()))) if rows else 0
        return list(range(self.base_year - length + 1, self.base_year + 1))

    @cached_property
    def _tables(self) -> VintageTables:
        plan = plan_arrays(self.resolved)
        return vintage_tables(
            tuple(plan.lives.astype(int)),
            tuple(plan.economic_lives.astype(int)),
            tuple(plan.lags.astype(int)),
            tuple(plan.tax_lives.astype(int)),
            len(self.history_years),
            self.horizon,
        )

    @cached_property
    def _class_rows(self) -> dict[str, tuple[int, bool]]:
        """Each class's row in the vintage tables and whether it is capitalized."""
        return {
            cls["name"]: (row, cls["treatment"] == "capitalized")
            for row, cls in enumerate(self.resolved["asset_classes"])
        }

    def works(self, name: str, v: int, t: int, uses: Iterable[str]) -> bool:
        """Whether the vintage of class ``name`` bought in year v weighs in year t in one of the
        vintage tables ``uses`` ("spent": an expensed class's spending, in its own year)."""
        row, capitalized = self._class_rows[name]
        if not capitalized:
            return "spent" in uses and v == t
        column = v + len(self.history_years) - 1
        return any(getattr(self._tables, use)[row, column, t - 1] != 0 for use in uses if use != "spent")

    def calibration_targets(self) -> dict[str, dict[str, Any]]:
        """The calibration targets by the setting each solves (``settings.KEY``)."""
        return {target["solve"]: dict(target) for target in self.model.get("calibration") or []}

    @cached_property
    def dependents_map(self) -> dict[Ref, list[Ref]]:
        """Every number's direct dependents: the precedents of every number, inverted."""
        inverted: dict[Ref, list[Ref]] = {}
        for ref in all_derived(self):
            for precedent in precedent_refs(self, ref):
                inverted.setdefault(precedent, []).append(ref)
        return inverted


# --------------------------------------------------------------------------- building blocks

Rule = Callable[[Context, int], list[Ref]]  # the precedents of a line in projection year t


def year_of(context: Context, t: int) -> int:
    return context.base_year + t


def lines(*keys: str) -> Rule:
    """Lines of the same year."""
    return lambda c, t: [Ref("line", key, year_of(c, t)) for key in keys]


def previous(*keys: str) -> Rule:
    """Lines of the year before (none in year 1, where they are taken as 0)."""
    return lambda c, t: [Ref("line", key, year_of(c, t - 1)) for key in keys] if t > 1 else []


def settings(*keys: str) -> Rule:
    return lambda c, t: [Ref("settings", key) for key in keys]


def drivers(*keys: str) -> Rule:
    """Drivers of the same year."""
    return lambda c, t: [Ref("drivers", key, year_of(c, t)) for key in keys]


def drivers_to_date(key: str, last: Callable[[Context, int], int] = lambda c, t: t) -> Rule:
    """A driver in years 1..last (a cumulative product: growth, price, cost of compute)."""
    return lambda c, t: [Ref("drivers", key, year_of(c, s)) for s in range(1, last(c, t) + 1)]


def capex_of(group: str, years: Callable[[Context, int], Iterable[int]]) -> Rule:
    """Capex cells of a group of classes in the given projection years."""
    return lambda c, t: [Ref("capex", name, year_of(c, v)) for v in years(c, t) for name in c.classes(group)]


def classes_of(group: str) -> Rule:
    """The fields (lives, lag, revenue) of a group of classes."""
    return lambda c, t: [Ref("asset_classes", name) for name in c.classes(group)]


def fleet(
    kind: Literal["capex", "history"], group: str, years: Callable[[Context, int], Iterable[int]], *uses: str
) -> Rule:
    """The vintages of a group of classes bought in ``years`` (projection years; history years
    are 1 - n .. 0) that year t reads: those with a non-zero weight in one of the engine's
    vintage tables ``uses`` (``model.vintages``), or "spent" (expensed spending of year t)."""
    return lambda c, t: [
        Ref(kind, name, year_of(c, v)) for v in years(c, t) for name in c.classes(group) if c.works(name, v, t, uses)
    ]


def plan_fleet(group: str, *uses: str) -> Rule:
    return fleet("capex", group, plan_vintages, *uses)


def installed_fleet(group: str, *uses: str) -> Rule:
    return fleet("history", group, lambda c, t: range(1 - len(c.history_years), 1), *uses)


BOOKS = ("depreciation", "impairment", "in_service")  # what a group's EBITA reads of a vintage


def plan_year_if_in_plan(c: Context, t: int) -> list[int]:
    """Year t when it is a plan year (capex lines are 0 after the plan)."""
    return [t] if t <= c.plan_years else []


def this_year(c: Context, t: int) -> list[int]:
    return [t]


def plan_vintages(c: Context, t: int) -> range:
    """The plan's vintage years bought by year t."""
    return range(1, min(c.plan_years, t) + 1)


def all_plan_years(c: Context, t: int) -> range:
    return range(1, c.plan_years + 1)


def follow_on_years(c: Context, t: int) -> range:
    """Follow-on vintage years bought by year t."""
    return range(c.plan_years + 1, t + 1)


def when(condition: Callable[[Context, int], bool], *rules: Rule) -> Rule:
    return lambda c, t: combine(*rules)(c, t) if condition(c, t) else []


def combine(*rules: Rule) -> Rule:
    return lambda c, t: [ref for rule in rules for ref in rule(c, t)]


def any_working(vintages: Rule) -> Callable[[Context, int], bool]:
    """Whether any of these vintages is in service in year t (else revenue and opex are 0)."""
    return lambda c, t: bool(vintages(c, t))


def after_plan(c: Context, t: int) -> bool:
    return t > c.plan_years


def renting(c: Context, t: int) -> bool:
    return c.rent


def follow_on_spending(group: str, *uses: str) -> Rule:
    """What the follow-on vintages that year t reads are made of: the capex typed for them, the
    reinvestment of the year before's total revenue split by the plan's class mix, and the cost
    of compute of their year; plus the fields of the classes."""

    def rule(c: Context, t: int) -> list[Ref]:
        explicit = fleet("capex", group, follow_on_years, *uses)(c, t)
        working = [v for v in follow_on_years(c, t) if any(c.works(name, v, t, uses) for name in c.classes(group))]
        reinvested = [
            ref
            for v in working
            for ref in (
                Ref("drivers", "reinvestment_rate", year_of(c, v)),
                Ref("line", "total_revenue", year_of(c, v - 1)),
            )
        ]
        cost = drivers_to_date("compute_cost_change", lambda c, t: max(working, default=0))(c, t)
        return [*explicit, *reinvested, *capex_of("all", all_plan_years)(c, t), *cost, *classes_of(group)(c, t)]

    return when(after_plan, rule)


@dataclass(frozen=True)
class Formula:
    """A line's or KPI's formula in words (``{key}`` placeholders) and its direct precedents.
    ``precedents`` of a KPI receive t = 0 (KPIs have no year)."""

    words: str
    precedents: Rule


PLAN_CAPEX = "(0 after the plan's first {settings.plan_years})"
VINTAGES = (
    "over the plan's vintages (capex of its first {settings.plan_years}, bought by this year) of the classes the plan "
    "owns (the capitalized ones; only those earning revenue when {settings.infrastructure_charge} is rented), by "
    "their lives and lag"
)


def vintage_inputs(use: str) -> Rule:
    """What a line of the plan's vintages reads: the capex of the vintages that weigh in year t in
    the vintage table ``use``, the classes' lives and lag, and which classes the plan owns."""
    return combine(plan_fleet("cohort", use), classes_of("cohort"), settings("plan_years", "infrastructure_charge"))


GROUP_EBITA = (
    "AI revenue − AI cash opex (capex in service × {settings.ai_cash_opex_rate} + AI revenue × "
    "{settings.ai_variable_cost_pct}) − depreciation and impairment + pull-through revenue × "
    "{drivers.core_ebita_margin}"
)
GROUP_COSTS = combine(
    settings("ai_cash_opex_rate", "ai_variable_cost_pct", "pull_through"), drivers("core_ebita_margin")
)
GO_FORWARD = "over the years after the {settings.valuation_year}"


def go_forward(*keys: str) -> Rule:
    """Lines of every year after the valuation year (the KPIs' years)."""
    return lambda c, t: [
        Ref("line", key, year_of(c, s)) for s in range(c.valuation_offset + 1, c.horizon + 1) for key in keys
    ]


def last_year(*keys: str) -> Rule:
    return lambda c, t: [Ref("line", key, year_of(c, c.horizon)) for key in keys]


def kpis(*keys: str) -> Rule:
    return lambda c, t: [Ref("kpi", key) for key in keys]


def terminal_inputs(c: Context, t: int) -> list[Ref]:
    method = c.resolved["settings"]["terminal_method"]
    by_method: dict[str, Rule] = {
        "none": combine(),
        "book_value": combine(last_year("net_ppe", "plan_revenue"), settings("nwc_pct")),
        "gordon": combine(last_year("fcf"), settings("terminal_growth", "wacc")),
        "exit_multiple": combine(last_year("plan_ebita"), settings("exit_multiple")),
    }
    return [Ref("settings", "terminal_method"), *by_method[method](c, t)]


def payback_inputs(flow: str, cumulative: str) -> Rule:
    """The cumulative flow of every go-forward year and the flow of the year it turns non-negative."""

    def rule(c: Context, t: int) -> list[Ref]:
        refs = [Ref("settings", "valuation_year"), *go_forward(cumulative)(c, t)]
        for ref in go_forward(cumulative)(c, t):
            assert ref.year is not None  # a line's ref has its year
            value = _number(c.results.value(cumulative, ref.year))
            if value is not None and value >= 0:  # reached
                refs.append(Ref("line", flow, ref.year))
                break
        return refs

    return rule


FORMULAS: dict[str, Formula] = {
    # The segment (section 4, "The segment").
    "core_revenue": Formula(
        "{settings.base_core_revenue} × Π over years 1..t of (1 + {drivers.core_growth})",
        combine(settings("base_core_revenue"), drivers_to_date("core_growth")),
    ),
    "core_ebita": Formula(
        "{core_revenue} × {drivers.core_ebita_margin}", combine(lines("core_revenue"), drivers("core_ebita_margin"))
    ),
    "installed_revenue": Formula(
        "(AI revenue + pull-through) of the installed fleet (the capex bought before the plan): its "
        "capacity in service × {revenue_yield} × {drivers.utilization} × (1 + {settings.pull_through})",
        combine(
            installed_fleet("earning", "in_service"),
            classes_of("earning"),
            lines("revenue_yield"),
            drivers("utilization"),
            settings("pull_through"),
        ),
    ),
    "installed_ebita": Formula(
        "EBITA of the installed fleet: " + GROUP_EBITA + ", every capitalized class, no rent",
        combine(
            lines("installed_revenue"),
            installed_fleet("capitalized", *BOOKS),
            classes_of("capitalized"),
            when(any_working(installed_fleet("earning", "in_service")), GROUP_COSTS),
        ),
    ),
    "follow_on_revenue": Formula(
        "(AI revenue + pull-through) of the follow-on vintages (0 in the plan's first {settings.plan_years}): their "
        "capacity in service × {revenue_yield} × {drivers.utilization} × (1 + {settings.pull_through})",
        combine(
            settings("plan_years"),
            when(after_plan, lines("revenue_yield"), drivers("utilization"), settings("pull_through")),
            follow_on_spending("earning", "in_service"),
        ),
    ),
    "follow_on_ebita": Formula(
        "EBITA of the follow-on vintages (0 in the plan's first {settings.plan_years}): "
        + GROUP_EBITA
        + ", their expensed spending included",
        combine(
            settings("plan_years"),
            when(after_plan, lines("follow_on_revenue")),
            when(any_working(fleet("capex", "earning", follow_on_years, "in_service")), GROUP_COSTS),
            follow_on_spending("all", *BOOKS, "spent"),
        ),
    ),
    "total_revenue": Formula(
        "{core_revenue} + {installed_revenue} + {plan_revenue} + {follow_on_revenue}",
        lines("core_revenue", "installed_revenue", "plan_revenue", "follow_on_revenue"),
    ),
    "total_ebita": Formula(
        "{core_ebita} + {installed_ebita} + {plan_segment_ebita} + {follow_on_ebita}",
        lines("core_ebita", "installed_ebita", "plan_segment_ebita", "follow_on_ebita"),
    ),
    "ebita_margin": Formula("{total_ebita} / {total_revenue}", lines("total_ebita", "total_revenue")),
    "follow_on_capex": Formula(
        "0 in the plan's first {settings.plan_years}; after it, the capex typed for the year (all classes) + "
        "{drivers.reinvestment_rate} × {total_revenue} of the year before",
        combine(
            settings("plan_years"),
            when(after_plan, capex_of("all", this_year), drivers("reinvestment_rate"), previous("total_revenue")),
        ),
    ),
    "segment_capex": Formula("{capex_total} + {follow_on_capex}", lines("capex_total", "follow_on_capex")),
    "capex_intensity": Formula("{segment_capex} / {total_revenue}", lines("segment_capex", "total_revenue")),
    "implied_share": Formula(
        "{total_revenue} / {drivers.cloud_market} (n/a where the market is unknown)",
        combine(lines("total_revenue"), drivers("cloud_market")),
    ),
    # The plan's capex and fleet.
    "capex_capitalized": Formula(
        "Σ capex of the capitalized classes in the year " + PLAN_CAPEX,
        combine(settings("plan_years"), capex_of("capitalized", plan_year_if_in_plan)),
    ),
    "capex_expensed": Formula(
        "Σ capex of the expensed classes in the year " + PLAN_CAPEX,
        combine(settings("plan_years"), capex_of("expensed", plan_year_if_in_plan)),
    ),
    "capex_total": Formula("{capex_capitalized} + {capex_expensed}", lines("capex_capitalized", "capex_expensed")),
    "enabling_capex": Formula(
        "Σ capex of the capitalized classes that earn no revenue in the year " + PLAN_CAPEX,
        combine(settings("plan_years"), capex_of("enabling", plan_year_if_in_plan)),
    ),
    "cohort_capex": Formula(
        "Σ capex in the year of the classes the plan owns (the capitalized ones; only those earning revenue when "
        "{settings.infrastructure_charge} is rented) " + PLAN_CAPEX,
        combine(settings("plan_years", "infrastructure_charge"), capex_of("cohort", plan_year_if_in_plan)),
    ),
    "depreciation": Formula(
        "Σ of each vintage's capex × half-year weight / book life, " + VINTAGES, vintage_inputs("depreciation")
    ),
    "impairment": Formula(
        "Σ of capex × (1 − economic life / book life) in the year a vintage stops earning, " + VINTAGES,
        vintage_inputs("impairment"),
    ),
    "tax_depreciation": Formula(
        "Σ of each vintage's tax depreciation (capex over the tax life; a tax life of 0 deducts it in full "
        "in the year it enters service), " + VINTAGES,
        vintage_inputs("tax_depreciation"),
    ),
    "net_ppe": Formula(
        "Σ of each vintage's book value at the end of the year, " + VINTAGES, vintage_inputs("book_value")
    ),
    "capacity": Formula(
        "Σ over the plan's vintages of the revenue-earning classes of capex / K (Π of (1 + "
        "{drivers.compute_cost_change}) up to its purchase year) × half-year weight over its economic life",
        combine(
            plan_fleet("earning", "in_service"),
            classes_of("earning"),
            drivers_to_date(
                "compute_cost_change",
                lambda c, t: max(
                    (r.year - c.base_year for r in plan_fleet("earning", "in_service")(c, t) if r.year is not None),
                    default=0,
                ),
            ),
            settings("plan_years"),
        ),
    ),
    "capex_in_service": Formula(
        "Σ over the plan's vintages of the revenue-earning classes of capex × half-year weight over its "
        "economic life (money of capex in economic service)",
        combine(plan_fleet("earning", "in_service"), classes_of("earning"), settings("plan_years")),
    ),
    # The plan's revenue and EBITA.
    "revenue_yield": Formula(
        "{settings.ai_revenue_yield} × Π over years 1..t of (1 + {drivers.price_change})",
        combine(settings("ai_revenue_yield"), drivers_to_date("price_change")),
    ),
    "new_vintage_yield": Formula(
        "{revenue_yield} / Π over years 1..t of (1 + {drivers.compute_cost_change})",
        combine(lines("revenue_yield"), drivers_to_date("compute_cost_change")),
    ),
    "ai_revenue": Formula(
        "{capacity} × {revenue_yield} × {drivers.utilization}",
        combine(lines("capacity", "revenue_yield"), drivers("utilization")),
    ),
    "pull_through_revenue": Formula(
        "{settings.pull_through} × {ai_revenue}", combine(settings("pull_through"), lines("ai_revenue"))
    ),
    "plan_revenue": Formula("{ai_revenue} + {pull_through_revenue}", lines("ai_revenue", "pull_through_revenue")),
    "ai_cash_opex": Formula(
        "{capex_in_service} × {settings.ai_cash_opex_rate} + {ai_revenue} × {settings.ai_variable_cost_pct}",
        combine(lines("capex_in_service", "ai_revenue"), settings("ai_cash_opex_rate", "ai_variable_cost_pct")),
    ),
    "infrastructure_rent": Formula(
        "When {settings.infrastructure_charge} is rented: {capex_in_service} × the rent rate, Σ over the enabling "
        "classes of (their plan capex / the plan capex of the revenue-earning classes) × the capital recovery "
        "factor of {settings.wacc} over their book life; 0 when the plan owns them",
        combine(
            settings("infrastructure_charge"),
            when(
                renting,
                lines("capex_in_service"),
                settings("wacc"),
                capex_of("capitalized", all_plan_years),
                classes_of("enabling"),
            ),
        ),
    ),
    "plan_ebita": Formula(
        "{ai_revenue} − {ai_cash_opex} − {depreciation} − {impairment} − {infrastructure_rent} − {capex_expensed} "
        "+ {pull_through_revenue} × {drivers.core_ebita_margin}",
        combine(
            lines(
                "ai_revenue",
                "ai_cash_opex",
                "depreciation",
                "impairment",
                "infrastructure_rent",
                "capex_expensed",
                "pull_through_revenue",
            ),
            drivers("core_ebita_margin"),
        ),
    ),
    "plan_segment_ebita": Formula(
        "{ai_revenue} − {ai_cash_opex} − depreciation and impairment of every plan vintage (enabling classes too; "
        "{depreciation} and {impairment} are the plan's own) − {capex_expensed} + {pull_through_revenue} × "
        "{drivers.core_ebita_margin}; no rent",
        combine(
            lines("ai_revenue", "ai_cash_opex", "depreciation", "impairment", "capex_expensed", "pull_through_revenue"),
            drivers("core_ebita_margin"),
            when(renting, plan_fleet("enabling", *BOOKS), classes_of("enabling")),
        ),
    ),
    "plan_ebita_margin": Formula(
        "{plan_ebita} / {plan_revenue} (n/a when plan revenue ≤ 0)", lines("plan_ebita", "plan_revenue")
    ),
    # The plan's cash flow and returns.
    "taxable_income": Formula(
        "{plan_ebita} + {depreciation} + {impairment} − {tax_depreciation}",
        lines("plan_ebita", "depreciation", "impairment", "tax_depreciation"),
    ),
    "tax": Formula("{settings.tax_rate} × {taxable_income}", combine(settings("tax_rate"), lines("taxable_income"))),
    "nopat": Formula("{plan_ebita} − {tax}", lines("plan_ebita", "tax")),
    "delta_nwc": Formula(
        "{settings.nwc_pct} × ({plan_revenue} − plan revenue of the year before, 0 before year 1)",
        combine(settings("nwc_pct"), lines("plan_revenue"), previous("plan_revenue")),
    ),
    "fcf": Formula(
        "{nopat} + {depreciation} + {impairment} − {cohort_capex} − {delta_nwc}",
        lines("nopat", "depreciation", "impairment", "cohort_capex", "delta_nwc"),
    ),
    "cumulative_fcf": Formula(
        "Σ of {fcf} over the years after the {settings.valuation_year} up to this one (n/a up to it)",
        combine(
            settings("valuation_year"),
            lambda c, t: [Ref("line", "fcf", year_of(c, s)) for s in range(c.valuation_offset + 1, t + 1)],
        ),
    ),
    "discount_factor": Formula(
        "(1 + {settings.wacc}) ^ −(years after the {settings.valuation_year}, less 0.5 with {settings.mid_year}); "
        "0 up to it",
        settings("wacc", "mid_year", "valuation_year"),
    ),
    "pv_fcf": Formula("{fcf} × {discount_factor}", lines("fcf", "discount_factor")),
    "cumulative_pv_fcf": Formula(
        "Σ of {pv_fcf} over years 1..t", lambda c, t: [Ref("line", "pv_fcf", year_of(c, s)) for s in range(1, t + 1)]
    ),
    "roic": Formula(
        "{nopat} / average of {net_ppe} at the start and end of the year (n/a when that is ≤ 0)",
        combine(lines("nopat", "net_ppe"), previous("net_ppe")),
    ),
    # KPIs (section 6): the flows after the valuation year.
    "npv": Formula(
        "Σ of {pv_fcf} " + GO_FORWARD + " + {pv_terminal_value}",
        combine(go_forward("pv_fcf"), kpis("pv_terminal_value"), settings("valuation_year")),
    ),
    "irr": Formula(
        "The rate r at which Σ of {fcf} × (1 + r)^−τ " + GO_FORWARD + " + {terminal_value} × (1 + r)^−(H − t0) "
        "= 0 (τ − 0.5 with {settings.mid_year}); of several roots, the one nearest {settings.wacc}",
        combine(go_forward("fcf"), kpis("terminal_value"), settings("mid_year", "wacc", "valuation_year")),
    ),
    "payback_years": Formula(
        "Years after the {settings.valuation_year} until {cumulative_fcf} turns non-negative: the whole years "
        "before, + the share of that year (− cumulative FCF of the year before / {fcf} of the year)",
        payback_inputs("fcf", "cumulative_fcf"),
    ),
    "discounted_payback_years": Formula(
        "Years after the {settings.valuation_year} until {cumulative_pv_fcf} turns non-negative: the whole years "
        "before, + the share of that year (− the year before's / {pv_fcf} of the year)",
        payback_inputs("pv_fcf", "cumulative_pv_fcf"),
    ),
    "terminal_value": Formula(
        "By the {settings.terminal_method}: book value = {net_ppe} + {settings.nwc_pct} × {plan_revenue} of the last "
        "year; Gordon = {fcf} × (1 + {settings.terminal_growth}) / ({settings.wacc} − growth); exit multiple = "
        "{settings.exit_multiple} × {plan_ebita} of the last year; none = 0",
        terminal_inputs,
    ),
    "pv_terminal_value": Formula(
        "{terminal_value} × (1 + {settings.wacc})^−(years from the {settings.valuation_year} to the last year)",
        combine(kpis("terminal_value"), settings("wacc", "valuation_year")),
    ),
    "total_capex": Formula(
        "Σ of {cohort_capex} + {capex_expensed} " + GO_FORWARD,
        combine(go_forward("cohort_capex", "capex_expensed"), settings("valuation_year")),
    ),
    "peak_funding": Formula(
        "− the lowest {cumulative_fcf} " + GO_FORWARD + " (0 when it never goes below 0)",
        combine(go_forward("cumulative_fcf"), settings("valuation_year")),
    ),
    "moic": Formula(
        "(Σ positive {fcf} + positive {terminal_value}) / (Σ negative FCF + negative terminal value), " + GO_FORWARD,
        combine(go_forward("fcf"), kpis("terminal_value"), settings("valuation_year")),
    ),
    "profitability_index": Formula(
        "1 + {npv} / Σ of ({cohort_capex} + {capex_expensed}) × {discount_factor} " + GO_FORWARD,
        combine(
            kpis("npv"), go_forward("cohort_capex", "capex_expensed", "discount_factor"), settings("valuation_year")
        ),
    ),
    "npv_per_share": Formula(
        "{npv} / {settings.shares_outstanding} (n/a when no shares are given)",
        combine(kpis("npv"), settings("shares_outstanding")),
    ),
}


def margin_solve_precedents(other_opex_setting: str) -> Rule:
    """What a setting solved to pin an EBITA margin reads: the same lines and fleets whichever of
    the two opex settings is solved, and the other one as an input."""
    return combine(
        lines("total_revenue", "core_ebita", "installed_revenue", "plan_revenue", "capex_in_service", "capex_expensed"),
        settings("pull_through", other_opex_setting),
        drivers("core_ebita_margin"),
        installed_fleet("capitalized", *BOOKS),
        classes_of("capitalized"),
        plan_fleet("capitalized", "depreciation", "impairment"),
    )


# Settings a calibration solves (section 4a): what each is solved from, in its target year y.
SOLVED: dict[str, Formula] = {
    "ai_revenue_yield": Formula(
        "Solved so that total revenue of the target year equals the calibration target: (target − {core_revenue}) / "
        "(Π of (1 + {drivers.price_change}) × {drivers.utilization} × (1 + {settings.pull_through}) × capacity in "
        "service of the installed fleet and the plan ({capacity} is the plan's))",
        combine(
            lines("core_revenue", "capacity"),
            drivers_to_date("price_change"),
            drivers("utilization"),
            settings("pull_through"),
            installed_fleet("earning", "in_service"),
            classes_of("earning"),
        ),
    ),
    "base_core_revenue": Formula(
        "Solved so that total revenue of the target year equals the calibration target: (target − "
        "{installed_revenue} − {plan_revenue}) / Π of (1 + {drivers.core_growth})",
        combine(lines("installed_revenue", "plan_revenue"), drivers_to_date("core_growth")),
    ),
    "ai_cash_opex_rate": Formula(
        "Solved so that the EBITA margin of the target year equals the calibration target: (EBITA with no cash "
        "opex rate − target × {total_revenue}) / capex in service of the installed fleet and the plan "
        "({capex_in_service} is the plan's); that EBITA is {core_ebita} + AI revenue and pull-through of the "
        "installed fleet ({installed_revenue}) and the plan ({plan_revenue}) less {settings.ai_variable_cost_pct} × "
        "AI revenue, depreciation and impairment, and {capex_expensed}",
        margin_solve_precedents("ai_variable_cost_pct"),
    ),
    "ai_variable_cost_pct": Formula(
        "Solved so that the EBITA margin of the target year equals the calibration target: (EBITA with no "
        "variable cost − target × {total_revenue}) / AI revenue of the installed fleet ({installed_revenue}) and "
        "the plan ({plan_revenue}); that EBITA is {core_ebita} + AI revenue and pull-through less "
        "{settings.ai_cash_opex_rate} × capex in service ({capex_in_service}), depreciation and impairment, and "
        "{capex_expensed}",
        margin_solve_precedents("ai_cash_opex_rate"),
    ),
}

PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def placeholder_label(name: str) -> str:
    """The registry's label of a ``{key}`` placeholder (a line, a KPI, a setting or a driver),
    in square brackets as a spreadsheet names a cell, without the note in parentheses that some labels end with."""
    kind, _, key = name.rpartition(".")
    if kind == "settings":
        label = SETTINGS[key].label
    elif kind == "drivers":
        label = DRIVERS[key].label
    else:
        label = (LINES.get(key) or KPIS[key]).label
    return f"[{label.split(' (')[0]}]"


def render(words: str) -> str:
    """A formula's words with each placeholder replaced by its label."""
    return PLACEHOLDER.sub(lambda match: placeholder_label(match.group(1)), words)


def placeholders(words: str) -> list[str]:
    return PLACEHOLDER.findall(words)


# --------------------------------------------------------------------------- the graph


def solved_settings(context: Context) -> dict[str, dict[str, Any]]:
    """The settings the calibration solves (by key) and each one's target."""
    return {path.partition(".")[2]: target for path, target in context.calibration_targets().items()}


def all_derived(context: Context) -> list[Ref]:
    """Every number that has precedents: each line in each year, each KPI, each solved setting."""
    years = context.results.years
    return [
        *(Ref("line", key, year) for key in LINES for year in years),
        *(Ref("kpi", key) for key in KPIS),
        *(Ref("settings", key) for key in solved_settings(context)),
    ]


def precedent_refs(context: Context, ref: Ref) -> list[Ref]:
    """What feeds ``ref`` directly, each once, in the formula's order."""
    if ref.kind == "line":
        assert ref.year is not None
        found = FORMULAS[ref.key].precedents(context, ref.year - context.base_year)
    elif ref.kind == "kpi":
        found = FORMULAS[ref.key].precedents(context, 0)
    elif ref.kind == "settings" and ref.key in (solved := solved_settings(context)):
        target = solved[ref.key]
        found = [
            Ref("calibration", target["line"], target["year"]),
            *SOLVED[ref.key].precedents(context, target["year"] - context.base_year),
        ]
    else:
        found = []
    return list(dict.fromkeys(found))


def dependents(context: Context, ref: Ref) -> list[Ref]:
    """What ``ref`` feeds directly (Excel's trace dependents): lines, KPIs and solved settings."""
    return sorted(context.dependents_map.get(ref, []), key=_display_order(context))


def all_dependents(context: Context, ref: Ref) -> set[Ref]:
    """Everything ``ref`` feeds, directly or through other numbers."""
    found: set[Ref] = set()
    pending = [ref]
    while pending:
        for dependent in context.dependents_map.get(pending.pop(), []):
            if dependent not in found:
                found.add(dependent)
                pending.append(dependent)
    return found


def _display_order(context: Context) -> Callable[[Ref], tuple[int, int, int]]:
    """KPIs first, then lines in the registry's order by year, then inputs."""
    line_order = {key: i for i, key in enumerate(LINES)}
    kpi_order = {key: i for i, key in enumerate(KPIS)}

    def order(ref: Ref) -> tuple[int, int, int]:
        if ref.kind == "kpi":
            return (0, kpi_order[ref.key], 0)
        if ref.kind == "line":
            return (1, line_order[ref.key], ref.year or 0)
        return (2, 0, 0)

    return order


# --------------------------------------------------------------------------- terms and explanations


def _number(value: Any) -> float | None:
    number = float(value)
    return number if math.isfinite(number) else None


def class_summary(cls: dict[str, Any]) -> str:
    """An asset class's fields in words: ``capitalized; book life 5, economic life 5, ...``."""
    if cls["treatment"] != "capitalized":
        return "expensed (charged when spent)"
    life = cls["life"]
    return (
        f"capitalized; book life {life}, economic life {cls.get('economic_life', life)}, lag {cls.get('lag', 0)}, "
        f"tax life {cls.get('tax_life', life)}; {'earns' if cls.get('revenue_generating') else 'earns no'} revenue"
    )


def term(context: Context, ref: Ref) -> Term:
    """What ``ref`` is called, its value in model units and its unit; ModelError if the model has no such number."""
    try:
        return _term(context, ref)
    except (KeyError, IndexError, StopIteration) as error:
        raise ModelError(ref.source_path, "is not a number of this model") from error


def _term(context: Context, ref: Ref) -> Term:
    resolved, year = context.resolved, ref.year
    if ref.kind == "line":
        assert year is not None
        spec = LINES[ref.key]
        return Term(ref, f"{spec.label} FY{year}", _number(context.results.value(ref.key, year)), spec.unit.value)
    if ref.kind == "kpi":
        kpi = KPIS[ref.key]
        return Term(ref, kpi.label, context.results.kpis[ref.key], kpi.unit.value)
    if ref.kind == "settings":
        setting = SETTINGS[ref.key]
        value = context.results.calibrated.get(ref.source_path, resolved["settings"][ref.key])  # type: ignore[literal-required]
        return Term(ref, setting.label, value, setting.unit if setting.kind == "number" else setting.kind)
    assert year is not None or ref.kind in ("asset_classes",)
    if ref.kind == "drivers":
        driver = DRIVERS[ref.key]
        row: Sequence[float | None] = (
            resolved["drivers"].get(ref.key) or [None if driver.nullable else 0.0] * context.horizon
        )
        return Term(ref, f"{driver.label} FY{year}", row[_index(context, year)], driver.unit)
    if ref.kind == "capex":
        return Term(ref, f"Capex {ref.key} FY{year}", resolved["capex"][ref.key][_index(context, year)], "money")
    if ref.kind == "history":
        assert year is not None
        row = resolved["history"]["capex"][ref.key]
        return Term(ref, f"History capex {ref.key} FY{year}", row[context.history_years.index(year)], "money")
    if ref.kind == "asset_classes":
        cls = next(c for c in resolved["asset_classes"] if c["name"] == ref.key)
        return Term(ref, f"Asset class {ref.key}", class_summary(dict(cls)), "text")
    target = next(t for t in context.model.get("calibration") or [] if t["line"] == ref.key)
    line = LINES[ref.key]
    return Term(ref, f"Calibration target: {line.label} FY{target['year']}", target["value"], line.unit.value)


def _index(context: Context, year: int | None) -> int:
    assert year is not None
    index = year - context.base_year - 1
    if not 0 <= index < context.horizon:
        raise IndexError(year)
    return index


INPUT_WORDS = {
    "settings": "An input of the Settings tab.",
    "drivers": "An input of the Drivers tab, for this year.",
    "capex": "An input of the capex plan (Capex plan tab), for this year.",
    "history": "Capex bought before the plan (the installed fleet): an input of the Capex plan tab.",
    "asset_classes": "An input of the Capex plan tab: the class's treatment, lives, lag and whether it earns revenue.",
    "calibration": (
        "A reported figure the model is calibrated to (docs/model.md section 4a): it decides the solved setting."
    ),
}


def overriding_scenario(context: Context, ref: Ref) -> str | None:
    """The scenario on screen when it overrides the input ``ref``, else None."""
    if context.scenario == BASE_SCENARIO or ref.kind not in (
        "settings",
        "drivers",
        "capex",
        "history",
        "asset_classes",
    ):
        return None
    overrides: dict[str, Any] = dict(context.model["scenarios"][context.scenario])
    section = overrides.get(ref.kind, {})
    if ref.kind == "history":
        section = section.get("capex", {})
    return context.scenario if ref.key in section else None


def source_note(model: Model, path: str) -> SourceNote | None:
    source = model["sources"].get(path)
    if source is None:
        return None
    return SourceNote(path, source["text"], source.get("url", ""), source.get("date", ""))


def explain(context: Context, ref: Ref) -> Explanation:
    """``ref`` in words: its formula, what feeds it (with values) and, for an input, its sources."""
    shown = term(context, ref)
    precedents = tuple(term(context, precedent) for precedent in precedent_refs(context, ref))
    words = ""
    if ref.kind in ("line", "kpi"):
        words = FORMULAS[ref.key].words
    elif ref.kind == "settings" and ref.key in solved_settings(context):
        words = SOLVED[ref.key].words
    formula = render(words) if words else INPUT_WORDS[ref.kind]
    overridden_by = overriding_scenario(context, ref)
    paths = [ref.source_path] if ref.is_input else []
    reported = None
    if ref.kind == "line":
        actual = context.model["actuals"].get(str(ref.year), {}).get(ref.key)
        if actual is not None:
            reported = Term(ref, f"Reported FY{ref.year}", actual, shown.unit)
            paths.append(f"actuals.{ref.year}.{ref.key}")
    if overridden_by is not None:
        paths.append(f"scenarios.{overridden_by}")
    notes = tuple(note for path in paths if (note := source_note(context.model, path)) is not None)
    return Explanation(shown, formula, precedents, words, notes, overridden_by, reported)


def with_values(explanation: Explanation, shown: Callable[[Term], str]) -> str | None:
    """The formula with each number it names replaced by its value (``shown`` formats one),
    e.g. ``73.1 − 13.3 − 39.4``; None when a name stands for several numbers (a line over many
    years) or for none, where only the words can say it."""
    by_name: dict[tuple[str, str], list[Term]] = {}
    for precedent in explanation.precedents:
        by_name.setdefault((precedent.ref.kind, precedent.ref.key), []).append(precedent)
    names = placeholders(explanation.words)
    found = [by_name.get(placeholder_key(name), []) for name in names]
    if not names or any(len(terms) != 1 for terms in found):
        return None
    values = iter(shown(terms[0]) for terms in found)
    return PLACEHOLDER.sub(lambda _: next(values), explanation.words)


def placeholder_key(name: str) -> tuple[str, str]:
    """The (kind, key) of a Ref that a ``{name}`` placeholder stands for."""
    kind, _, key = name.rpartition(".")
    return (kind or ("line" if key in LINES else "kpi"), key)
