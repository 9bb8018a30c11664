"""The bridge of docs/model.md section 9: why a metric differs between two states of a model.

The levers are the inputs that differ between the from state A and the to state B
(``model.risk.diff``). For a set S of levers, m(S) is the metric of A with the levers in S taken
from B (the calibration solved afterwards, by the engine, as always). Each lever's contribution
is its Shapley value,

    φ_i = Σ_{S ⊆ N∖{i}} |S|! (n − |S| − 1)! / n! · (m(S ∪ {i}) − m(S)),

so the contributions depend on no order and sum to m(N) − m(∅) = metric(B) − metric(A).

How the 2^n states are computed: the state with bitmask s takes lever i from B when bit i of s
is set. Numeric levers (numeric settings, drivers, capex rows, history rows) are varied inside
one batch of ``PlanArrays``: each is ``where(bit, B, A)`` over the rows of the batch. Structural
levers (choices and flags of the settings, the fields of an asset class, the calibration) change
what the engine shares across a batch, so the states are split by their structural bits into
groups, each group one batch (groups whose arrays come out the same are merged: an economic
life written out equal to the book life it followed is computed once). The Python loops are over
levers and groups, never over states, except in the common case of none.

With more than ``MAX_EXACT_LEVERS`` levers, the levers of each section (settings, drivers, capex,
history, asset_classes, calibration) move together as one lever named by the section
(``grouped``), and the Shapley values are those of the groups.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, cast

import numpy as np
from numpy.typing import NDArray

from model.document import Document, Model
from model.engine import PlanArrays, compute_kpis, compute_lines, plain_number, plan_arrays
from model.errors import ModelError
from model.outputs import KPI_KEYS, LINE_KEYS
from model.risk.analysis import Progress, RunCancelled
from model.risk.diff import SECTIONS, Change, diff, set_input
from model.risk.irr import go_forward_irr_rows
from model.schema import BASE_SCENARIO
from model.validation import apply_scenario, describe, validate_model

MAX_EXACT_LEVERS = 16  # above this, levers are grouped by section (section 9)
CHUNK_STATES = 2048  # states per engine call: bounds memory, and small batches stay in cache (faster)
NAMED_STATES = 5  # how many null states a refusal lists


# --------------------------------------------------------------------------- metrics


@dataclass(frozen=True)
class Metric:
    """A KPI (``line`` None) or a line in a fiscal ``year``: ``npv``, ``total_revenue@2028``."""

    text: str
    key: str
    year: int | None

    @classmethod
    def parse(cls, text: Any) -> Metric:
        """The metric named by ``text``; refused (ModelError on ``metric``) unless it is a KPI of
        section 6 or LINE@YEAR with a line of section 4."""
        if isinstance(text, str):
            if text in KPI_KEYS:
                return cls(text, text, None)
            line, at, year = text.partition("@")
            if at and line in LINE_KEYS and year.strip().isdigit():
                return cls(text, line, int(year))
        raise ModelError(
            "metric", f"{describe(text)} is not a KPI (npv, irr, payback_years, ...) or LINE@YEAR (total_revenue@2028)"
        )

    def index(self, model: Model) -> int | None:
        """The projection-year index of a line metric in ``model`` (None for a KPI)."""
        if self.year is None:
            return None
        first, last = model["base_year"] + 1, model["base_year"] + model["horizon"]
        if not first <= self.year <= last:
            raise ModelError("metric", f"{self.text}: {self.year} is not a projection year ({first}..{last})")
        return self.year - first


# --------------------------------------------------------------------------- request and result


@dataclass(frozen=True)
class BridgeRequest:
    """The metric, the from and to scenarios, and the model B comes from.

    ``from_scenario`` None: the scenario the bridge is run on (``run``'s ``scenario``, Base by
    default); ``to_scenario`` None: Base. ``against`` a valid model (another file, a workbook read
    back) whose scenario ``to_scenario`` is B; None: B is a scenario of the model itself.
    """

    metric: str = "npv"
    from_scenario: str | None = None
    to_scenario: str | None = None
    against: Model | None = None

    def __post_init__(self) -> None:
        Metric.parse(self.metric)
        for where, name in (("from", self.from_scenario), ("to", self.to_scenario)):
            if name is not None and (not isinstance(name, str) or not name.strip()):
                raise ModelError(where, f"{describe(name)} is not a scenario name")
        if self.against is not None and not isinstance(self.against, Mapping):
            raise ModelError("against", f"{describe(self.against)} is not a model")


@dataclass(frozen=True)
class LeverContribution:
    """One lever of a bridge: its path (or section, when grouped), its value in A and in B (an
    object of the members' values when grouped) and its Shapley contribution."""

    lever: str
    start: Any
    end: Any
    contribution: float
    changes: tuple[Change, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "lever": self.lever,
            "from": self.start,
            "to": self.end,
            "contribution": plain_number(self.contribution),
        }


@dataclass(frozen=True)
class BridgeResults:
    """The metric in A (``start``) and B (``end``) and each lever's contribution, largest
    first (see ``ordered``); ``changes`` is the semantic diff of A and B, in model order."""

    metric: str
    start_name: str
    end_name: str
    start: float
    end: float
    grouped: bool
    levers: tuple[LeverContribution, ...]
    changes: tuple[Change, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "from": self.start_name,
            "to": self.end_name,
            "start": plain_number(self.start),
            "end": plain_number(self.end),
            "grouped": self.grouped,
            "levers": [lever.to_json() for lever in self.levers],
        }


# --------------------------------------------------------------------------- levers and states


@dataclass(frozen=True)
class Lever:
    """What one bit of a state moves: one change, or every change of a section when grouped."""

    name: str
    changes: tuple[Change, ...]

    @property
    def structural(self) -> bool:
        return any(not change.numeric for change in self.changes)


def levers_of(changes: Sequence[Change]) -> tuple[list[Lever], bool]:
    """The levers of a bridge and whether they are grouped by section (above 16 changes)."""
    if len(changes) <= MAX_EXACT_LEVERS:
        return [Lever(change.path, (change,)) for change in changes], False
    groups = [tuple(c for c in changes if c.section == section) for section in SECTIONS]
    return [Lever(group[0].section, group) for group in groups if group], True


def state_document(a: Model, levers: Sequence[Lever], state: int) -> Model:
    """The model document of one state: A with the levers whose bit is set in ``state`` taken
    from B (scenarios, uncertainty and sources dropped: they are no part of a state).

    Each input is A's or B's, so the document has the shape of a Model; it may still break a
    rule that ties inputs together, which ``validate_model`` or ``_structural_rule`` reports.
    """
    fields: Mapping[str, Any] = a
    doc: Document = {key: value for key, value in fields.items() if key not in ("scenarios", "uncertainty", "sources")}
    doc = {
        **doc,
        "settings": dict(a["settings"]),
        "drivers": dict(a["drivers"]),
        "capex": dict(a["capex"]),
        "asset_classes": [dict(c) for c in a["asset_classes"]],
        "scenarios": {},
    }
    if "history" in a:
        doc["history"] = {"capex": dict(a["history"]["capex"])}
    for i, lever in enumerate(levers):
        if state >> i & 1:
            for change in lever.changes:
                set_input(doc, change, change.new)
    return cast(Model, doc)


def describe_state(levers: Sequence[Lever], state: int) -> str:
    """A state as the set of levers it takes from B: ``{settings.wacc, drivers.utilization}``."""
    taken = [lever.name for i, lever in enumerate(levers) if state >> i & 1]
    if not taken:
        return "{} (the from state)"
    if len(taken) == len(levers):
        return "{" + ", ".join(taken) + "} (the to state)"
    return "{" + ", ".join(taken) + "}"


def _structural_key(plan: PlanArrays) -> tuple[Hashable, ...]:
    """What the engine shares across a batch: states whose structure gives equal keys are one batch."""
    return (
        plan.lives.tobytes(),
        plan.economic_lives.tobytes(),
        plan.tax_lives.tobytes(),
        plan.lags.tobytes(),
        plan.economic_follows.tobytes(),
        plan.tax_follows.tobytes(),
        plan.capitalized.tobytes(),
        plan.revenue_generating.tobytes(),
        plan.mid_year,
        plan.terminal_method,
        plan.plan_years,
        plan.valuation_offset,
        plan.rent,
        plan.calibration,
    )


def _structural_rule(doc: Model) -> str | None:
    """The rule of section 3 a state's structure alone breaks (before any number is moved)."""
    for cls in doc["asset_classes"]:
        if cls["treatment"] == "capitalized" and "life" not in cls:
            return f"asset_classes.{cls['name']}.life: a capitalized class needs a life"
    last = doc["base_year"] + doc["settings"]["plan_years"]
    for i, target in enumerate(doc.get("calibration") or []):
        if not doc["base_year"] < target["year"] <= last:
            return f"calibration[{i}].year: {target['year']} is outside {doc['base_year'] + 1}..{last} (the plan years)"
    return None


def _as_row(value: Any, length: int) -> NDArray[np.float64]:
    """A driver, capex or history row as numbers (absent: zeros; null: NaN), front-padded with
    zeros to ``length`` (history rows are aligned on the base year)."""
    if value is None:
        return np.zeros(length)
    row = np.array([np.nan if v is None else v for v in value], dtype=float)
    return np.concatenate([np.zeros(length - len(row)), row])


def _market_row(value: Any, horizon: int) -> NDArray[np.float64]:
    """cloud_market as the engine reads it: NaN where unknown (null, 0 or absent)."""
    if value is None:
        return np.full(horizon, np.nan)
    return np.array([np.nan if v in (None, 0) else v for v in value], dtype=float)


@dataclass
class _States:
    """The metric of every state, whether the state is a valid model, and why the first invalid
    one of each batch is not."""

    values: NDArray[np.float64]
    valid: NDArray[np.bool_]
    reasons: dict[int, str]


def _batch(plan: PlanArrays, levers: Sequence[Lever], on: NDArray[np.bool_], history_years: int) -> PlanArrays:
    """The plan of a group with the numeric levers of each row applied (``on``: rows x levers)."""
    rows = len(on)
    horizon = plan.capex.shape[-1]
    settings = {key: np.full(rows, value, dtype=float) for key, value in plan.settings.items()}
    drivers = dict(plan.drivers)
    capex, market = plan.capex, plan.cloud_market
    history = np.concatenate(
        [np.zeros((len(plan.class_names), history_years - plan.history.shape[-1])), plan.history], axis=-1
    )
    for i, lever in enumerate(levers):
        bit = on[:, i]
        for change in lever.changes:
            if not change.numeric:
                continue
            if change.section == "settings":
                settings[change.key] = np.where(bit, float(change.new), float(change.old))
            elif change.key == "cloud_market":
                market = np.where(bit[:, None], _market_row(change.new, horizon), _market_row(change.old, horizon))
            elif change.section == "drivers":
                drivers[change.key] = np.where(bit[:, None], _as_row(change.new, horizon), _as_row(change.old, horizon))
            else:
                length = horizon if change.section == "capex" else history_years
                moved = np.where(bit[:, None], _as_row(change.new, length), _as_row(change.old, length))
                row = plan.class_names.index(change.key)
                if change.section == "capex":
                    capex = np.array(np.broadcast_to(capex, (rows, *plan.capex.shape[-2:])))
                    capex[:, row] = moved
                else:
                    history = np.array(np.broadcast_to(history, (rows, *history.shape[-2:])))
                    history[:, row] = moved
    return replace(plan, settings=settings, drivers=drivers, capex=capex, history=history, cloud_market=market)


def _rules(plan: PlanArrays, rows: int) -> list[tuple[NDArray[np.bool_], str]]:
    """The cross rules of section 3 that mixing A and B can break, row by row."""
    s, d = plan.settings, plan.drivers
    checks: list[tuple[NDArray[np.bool_], str]] = []
    if plan.terminal_method == "gordon":
        checks.append(
            (
                s["wacc"] > s["terminal_growth"],
                "settings.wacc must be above terminal_growth for the Gordon terminal value",
            )
        )
    plan_capex = np.broadcast_to(plan.capex, (rows, *plan.capex.shape[-2:]))[..., : plan.plan_years].sum(axis=-1)
    if plan.rent:
        earning = plan.capitalized & plan.revenue_generating
        checks.append(
            (
                plan_capex[:, earning].sum(axis=-1) > 0,
                'settings.infrastructure_charge: "rent" needs some plan capex in a revenue-generating class',
            )
        )
    reinvesting = np.broadcast_to(d["reinvestment_rate"], (rows, plan.capex.shape[-1]))[:, plan.plan_years :] > 0
    checks.append(
        (
            ~reinvesting.any(axis=-1) | (plan_capex.sum(axis=-1) > 0),
            "drivers.reinvestment_rate: a positive rate after the plan needs some plan capex",
        )
    )
    return checks


def _metric_values(
    plan: PlanArrays, metric: Metric, index: int | None, rows: int
) -> tuple[NDArray[np.float64], NDArray[np.bool_], str]:
    """The metric of each row of a batch, whether the calibration could be solved, and why not."""
    computation = compute_lines(plan)
    solved = np.broadcast_to(computation.valid, rows)
    if index is not None:
        values = np.broadcast_to(computation.lines[metric.key][..., index], rows)
    else:
        kpis = compute_kpis(plan, computation)
        if metric.key == "irr":
            t0 = plan.valuation_offset
            horizon = plan.capex.shape[-1]
            flows = np.broadcast_to(computation.lines["fcf"][..., t0:], (rows, horizon - t0))
            terminal = np.broadcast_to(kpis["terminal_value"], rows)
            values = go_forward_irr_rows(flows, terminal, computation.settings["wacc"], plan.mid_year)
        else:
            values = np.broadcast_to(kpis[metric.key], rows)
    return values, solved, f"calibration: {computation.failure}"


def evaluate_states(a: Model, levers: Sequence[Lever], metric: Metric, progress: Progress | None = None) -> _States:
    """The metric in all 2^n states of the levers, by groups of equal structure (see the module
    docstring); NaN where a state is not a valid model or the metric is undefined."""
    n = len(levers)
    states = np.arange(1 << n, dtype=np.int64)
    on = ((states[:, None] >> np.arange(n)) & 1).astype(bool)
    index = metric.index(a)
    structural = [i for i, lever in enumerate(levers) if lever.structural]
    structural_mask = sum(1 << i for i in structural)
    history_years = max(
        [len(row) for row in (a["history"]["capex"].values() if "history" in a else ())]
        + [len(c.new or ()) for lever in levers for c in lever.changes if c.section == "history"]
        + [len(c.old or ()) for lever in levers for c in lever.changes if c.section == "history"]
        + [0]
    )
    # Each combination of structural bits, as a document (numeric levers at A), merged by structure.
    groups: dict[tuple[tuple[Hashable, ...], str | None], tuple[PlanArrays, str | None, list[int]]] = {}
    for combo in range(1 << len(structural)):
        bits = sum(1 << i for j, i in enumerate(structural) if combo >> j & 1)
        only_structure = [replace(lever, changes=tuple(c for c in lever.changes if not c.numeric)) for lever in levers]
        doc = state_document(a, only_structure, bits)
        plan = plan_arrays(doc)
        rule = _structural_rule(doc)
        key = (_structural_key(plan), rule)
        groups.setdefault(key, (plan, rule, []))[2].append(bits)

    values = np.full(len(states), np.nan)
    valid = np.zeros(len(states), dtype=bool)
    reasons: dict[int, str] = {}
    done = 0
    for plan, rule, patterns in groups.values():
        members = np.flatnonzero(np.isin(states & structural_mask, patterns))
        if rule is not None:
            reasons.update({int(s): rule for s in members})
            done += len(members)
            continue
        for start in range(0, len(members), CHUNK_STATES):
            rows = members[start : start + CHUNK_STATES]
            batch = _batch(plan, levers, on[rows], history_years)
            with np.errstate(all="ignore"):
                ok = np.ones(len(rows), dtype=bool)
                why = np.full(len(rows), "", dtype=object)
                for passed, reason in _rules(batch, len(rows)):
                    why[~passed & ok] = reason
                    ok &= passed
                result, solved, failure = _metric_values(batch, metric, index, len(rows))
            why[~solved & ok] = failure
            ok &= solved
            values[rows] = np.where(ok, result, np.nan)
            valid[rows] = ok
            reasons.update({int(s): str(w) for s, w in zip(rows[~ok], why[~ok], strict=True)})
            done += len(rows)
            if progress is not None and progress(done, len(states)) is False:
                raise RunCancelled
    return _States(values, valid, reasons)


# --------------------------------------------------------------------------- Shapley values


def shapley(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """The Shapley value of each of n players from the 2^n values of a game (index: bitmask of
    the players in the coalition), vectorised over coalitions: Σ φ = values[-1] − values[0]."""
    n = len(values).bit_length() - 1
    states = np.arange(len(values), dtype=np.int64)
    size = np.bitwise_count(states)
    weights = np.array([math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)])
    out = np.empty(n)
    for i in range(n):
        without = states[(states >> i) & 1 == 0]
        out[i] = np.dot(weights[size[without]], values[without | (1 << i)] - values[without])
    return out


# --------------------------------------------------------------------------- the analysis


def bridge_states(
    a: Model, b: Model, metric: str, start_name: str = "A", end_name: str = "B", progress: Progress | None = None
) -> BridgeResults:
    """The bridge from the valid model ``a`` to ``b`` (each as its scenario sees it) on ``metric``.

    Levers are ordered by the absolute size of their contribution, largest first; contributions
    whose sizes agree to 1e-10 keep the model's order (settings, drivers, capex, history, asset
    classes, calibration; within each, the order of ``model.schema`` and of A's classes).
    Refused (ModelError): models of another horizon, base year or class names; a state that is
    not a valid model (naming its levers and the rule); a metric null in some state (naming them).
    """
    parsed = Metric.parse(metric)
    changes = diff(a, b)
    levers, grouped = levers_of(changes)
    result = evaluate_states(a, levers, parsed, progress)
    invalid = np.flatnonzero(~result.valid)
    if len(invalid):
        sizes = np.bitwise_count(invalid)
        state = int(invalid[np.lexsort((invalid, sizes))[0]])
        raise ModelError("bridge", _invalid_message(a, levers, state, result.reasons.get(state, "")))
    null = np.flatnonzero(np.isnan(result.values))
    if len(null):
        named = "; ".join(describe_state(levers, int(s)) for s in null[:NAMED_STATES])
        more = f"; and {len(null) - NAMED_STATES} more" if len(null) > NAMED_STATES else ""
        raise ModelError(
            "metric", f"{parsed.text} is null in {len(null)} of {len(result.values)} states: {named}{more}"
        )
    contributions = shapley(result.values) if levers else np.zeros(0)
    entries = [
        LeverContribution(
            lever.name,
            *_lever_values(lever),
            float(contribution),
            lever.changes,
        )
        for lever, contribution in zip(levers, contributions, strict=True)
    ]
    entries.sort(key=lambda entry: -round(abs(entry.contribution), 10))
    return BridgeResults(
        parsed.text,
        start_name,
        end_name,
        float(result.values[0]),
        float(result.values[-1]),
        grouped,
        tuple(entries),
        tuple(changes),
    )


def _lever_values(lever: Lever) -> tuple[Any, Any]:
    if len(lever.changes) == 1 and lever.name == lever.changes[0].path:
        return lever.changes[0].old, lever.changes[0].new
    return {c.path: c.old for c in lever.changes}, {c.path: c.new for c in lever.changes}


def _invalid_message(a: Model, levers: Sequence[Lever], state: int, reason: str) -> str:
    """Which levers make a state invalid, and the rule it breaks (as the loader would say it)."""
    try:
        validate_model(state_document(a, levers, state))
    except ModelError as error:
        reason = str(error)
    return f"the state {describe_state(levers, state)} taken from the to state is not a valid model: {reason}"


def _scenario(model: Model, name: str, where: str) -> Model:
    """The model as scenario ``name`` sees it; an unknown name is refused on ``where``."""
    try:
        return apply_scenario(model, name)
    except ModelError as error:
        raise ModelError(where, error.rule) from None


class Bridge:
    name: ClassVar[str] = "bridge"
    Request: ClassVar[type[BridgeRequest]] = BridgeRequest

    def run(
        self, model: Model, scenario: str | None, request: BridgeRequest, progress: Progress | None = None
    ) -> BridgeResults:
        """The bridge of section 9 from scenario ``request.from_scenario`` (default: ``scenario``,
        else Base) of ``model`` to scenario ``request.to_scenario`` (default Base) of
        ``request.against`` (default: ``model``)."""
        start_name = request.from_scenario or scenario or BASE_SCENARIO
        end_name = request.to_scenario or BASE_SCENARIO
        a = _scenario(model, start_name, "from")
        b = _scenario(request.against if request.against is not None else model, end_name, "to")
        return bridge_states(a, b, request.metric, start_name, end_name, progress)


def bridge(
    model: Model,
    metric: str = "npv",
    from_scenario: str | None = None,
    to_scenario: str | None = None,
    against: Model | None = None,
) -> BridgeResults:
    """The bridge of section 9 (see ``Bridge.run``)."""
    return Bridge().run(model, None, BridgeRequest(metric, from_scenario, to_scenario, against))
