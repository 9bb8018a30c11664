"""Risk analysis of MODEL.md section 8: Monte Carlo, tornado, two-way grid and breakeven.

Every analysis goes through one pair of functions: ``apply_values`` puts N values of some targets
into the model's arrays (set, shift or scale; lives rounded; utilization clipped; each trial
checked against the rules of section 3) and ``evaluate`` computes the N trials together with the
engine's own ``compute_lines``/``compute_kpis`` and the vectorised IRR. There is no second engine:
a trial is computed by exactly the code that computes the model on screen.

Results are DataFrames and plain numbers named after section 8's terms (npv, irr, mean, sd, p5 ...
p95, prob_npv_positive, prob_irr_above_wacc, invalid_trials); ``to_json`` gives the command-line
form, in which NaN becomes null.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from model.engine import PlanArrays, compute_kpis, compute_lines, irr_cash_flows, plan_arrays
from model.errors import ModelError
from model.outputs import KPI_KEYS
from model.risk_irr import irr_rows
from model.risk_sampling import correlated_uniforms, inverse_cdf, quantiles, values_at
from model.schema import (
    APPLY_MODES,
    DEFAULT_APPLY,
    DRIVERS,
    MAX_LIFE,
    MAX_TRIALS,
    MIN_LIFE,
    NON_NEGATIVE,
    NUMERIC_SETTINGS,
    REQUIRED_DRIVERS,
    SAMPLERS,
    SETTINGS,
    Bound,
    format_number,
)
from model.validation import Model, apply_scenario, correlation_matrix, parse_target

STATISTICS = ("mean", "sd", "p5", "p10", "p50", "p90", "p95")
PERCENTILES = {"p5": 5.0, "p10": 10.0, "p50": 50.0, "p90": 90.0, "p95": 95.0}
FAN_LINES = ("total_revenue", "ebita_margin", "fcf")
FAN_PERCENTILES = ("p10", "p50", "p90")
METRICS = ("npv", "irr")
CHUNK_TRIALS = 5_000  # small enough to stay in cache and to cancel promptly
TORNADO_FACTORS = (0.9, 1.1)  # every input at 0.9x and 1.1x when the model has no uncertainty section
BREAKEVEN_SCAN_POINTS = 41
NOT_REACHABLE = "not reachable in this range"
LIFE_RANGE = Bound(MIN_LIFE, MAX_LIFE)


class RunCancelled(Exception):  # noqa: N818 - it names what happened, like KeyboardInterrupt
    """The user stopped a Monte Carlo run; nothing was reported."""


# --------------------------------------------------------------------------- targets and values


@dataclass(frozen=True)
class Target:
    """A model input that analyses move: ``settings.wacc``, ``drivers.KEY``, ``capex.CLASS`` or
    ``life.CLASS``, and how a value is applied to it (set, shift or scale)."""

    path: str
    kind: str
    key: str
    apply: str

    @classmethod
    def parse(cls, model: Model, path: str, apply: str | None = None, where: str = "target") -> Target:
        """The target named by ``path`` in a valid model; ``apply`` defaults by kind (section 8)."""
        kind, key = parse_target(model, path, where)
        apply = apply or DEFAULT_APPLY[kind]
        if apply not in APPLY_MODES:
            raise ModelError(where, f"{apply!r} is not set, shift or scale")
        return cls(path, kind, key, apply)


def target_paths(model: Model) -> list[str]:
    """Every input an analysis can move, in the order the assumption tabs show them."""
    paths = [f"settings.{k}" for k in NUMERIC_SETTINGS] + [f"drivers.{k}" for k in REQUIRED_DRIVERS]
    paths += [f"capex.{name}" for name in model["capex"]]
    paths += [f"life.{c['name']}" for c in model["asset_classes"] if c["treatment"] == "capitalized"]
    return paths


def _applied(current: np.ndarray, value: np.ndarray, mode: str) -> np.ndarray:
    if mode == "shift":
        return current + value
    if mode == "scale":
        return current * value
    return np.broadcast_to(value, np.broadcast_shapes(np.shape(current), np.shape(value))).copy()


def apply_values(plan: PlanArrays, targets: Sequence[Target], values: np.ndarray) -> tuple[PlanArrays, np.ndarray]:
    """The plan with N values of each target applied, as a batch, and which trials are valid.

    ``values`` is (N, len(targets)); targets are applied in order. Lives are rounded to the nearest
    whole year (at least 1); utilization is clipped to [0, 1] afterwards. A trial is valid when
    every moved input still obeys its rule of MODEL.md section 3 (including wacc > terminal growth
    for the Gordon terminal value). Inputs no target moves keep their single-model shapes and
    broadcast, so untouched capex is not copied N times.
    """
    values = np.asarray(values, dtype=float).reshape(len(values), len(targets))
    trials = len(values)
    settings, drivers = dict(plan.settings), dict(plan.drivers)
    capex, lives = plan.capex, plan.lives
    valid = np.ones(trials, dtype=bool)
    for column, target in zip(values.T, targets, strict=True):
        if target.kind == "settings":
            settings[target.key] = _applied(settings[target.key], column, target.apply)
        elif target.kind == "drivers":
            drivers[target.key] = _applied(drivers[target.key], column[:, None], target.apply)
        elif target.kind == "capex":
            capex = np.array(np.broadcast_to(capex, (trials, *plan.capex.shape)))
            row = plan.class_names.index(target.key)
            capex[:, row] = _applied(capex[:, row], column[:, None], target.apply)
        else:
            lives = np.array(np.broadcast_to(lives, (trials, *plan.lives.shape)))
            row = plan.class_names.index(target.key)
            with np.errstate(invalid="ignore"):
                lives[:, row] = np.maximum(np.floor(_applied(lives[:, row], column, target.apply) + 0.5), MIN_LIFE)
            valid &= LIFE_RANGE.contains(lives[:, row])
    drivers["utilization"] = np.clip(drivers["utilization"], 0.0, 1.0)
    for target in targets:
        if target.kind == "settings":
            valid &= SETTINGS[target.key].bound.contains(settings[target.key])
        elif target.kind == "drivers":
            valid &= DRIVERS[target.key].bound.contains(drivers[target.key]).all(axis=-1)
        elif target.kind == "capex":
            valid &= NON_NEGATIVE.contains(capex[:, plan.class_names.index(target.key)]).all(axis=-1)
    if plan.terminal_method == "gordon":
        valid &= settings["wacc"] > settings["terminal_growth"]
    return replace(plan, settings=settings, drivers=drivers, capex=capex, lives=lives), valid


def _rows(plan: PlanArrays, rows: np.ndarray, lives: np.ndarray | None = None) -> PlanArrays:
    """The trials ``rows`` of a batch (inputs not batched are shared as they are)."""
    return replace(
        plan,
        settings={k: v[rows] if np.ndim(v) == 1 else v for k, v in plan.settings.items()},
        drivers={k: v[rows] if np.ndim(v) == 2 else v for k, v in plan.drivers.items()},
        capex=plan.capex[rows] if plan.capex.ndim == 3 else plan.capex,
        lives=plan.lives if lives is None else lives,
    )


def _life_groups(lives: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
    """Trials with equal lives, as (trial rows, lives); codes built column by column are much
    faster than ``np.unique(axis=0)`` and only classes whose life varies take part."""
    code = np.zeros(len(lives), dtype=np.int64)
    for column in np.flatnonzero((lives != lives[0]).any(axis=0)):
        _, code = np.unique(code * (MAX_LIFE + 1) + lives[:, column].astype(np.int64), return_inverse=True)
    first = np.unique(code, return_index=True)[1]
    return [(np.flatnonzero(code == code[row]), lives[row]) for row in first]


def stack(batches: Sequence[PlanArrays], sizes: Sequence[int]) -> PlanArrays:
    """One batch of all the trials of several batches, in order (so one engine call serves all)."""

    def joined(values: Sequence[np.ndarray], shape: tuple[int, ...]) -> np.ndarray:
        return np.concatenate([np.broadcast_to(v, (n, *shape)) for v, n in zip(values, sizes, strict=True)])

    first = batches[0]
    horizon = first.capex.shape[-1]
    return replace(
        first,
        settings={k: joined([b.settings[k] for b in batches], ()) for k in first.settings},
        drivers={k: joined([b.drivers[k] for b in batches], (horizon,)) for k in first.drivers},
        capex=joined([b.capex for b in batches], first.capex.shape[-2:]),
        lives=joined([b.lives for b in batches], first.lives.shape[-1:]),
    )


def evaluate(plan: PlanArrays, trials: int, lines: Sequence[str] = (), irr: bool = True) -> dict[str, np.ndarray]:
    """Every KPI, the IRR and the named lines of a batch of ``trials`` trials, shapes (N,) and (N, H).

    Without ``irr`` the IRR is left NaN (it is the one costly KPI and the tornado needs only npv).

    Trials whose lives differ are computed in groups of equal lives: the vintage weights are
    classes x years x years per life combination, and there are only a few combinations, whereas
    one set of weights per trial would not fit in memory for large runs.
    """
    horizon = plan.capex.shape[-1]
    out = {key: np.full(trials, np.nan) for key in KPI_KEYS}
    out.update({line: np.full((trials, horizon), np.nan) for line in lines})
    groups = _life_groups(plan.lives) if plan.lives.ndim == 2 else [(np.arange(trials), None)]
    for rows, life in groups:
        part = _rows(plan, rows, life)
        part_lines = compute_lines(part)
        kpis = compute_kpis(part, part_lines)
        flows = np.broadcast_to(part_lines["fcf"], (len(rows), horizon))
        if irr:
            tv = np.broadcast_to(kpis["terminal_value"], len(rows))
            kpis["irr"] = irr_rows(irr_cash_flows(flows, tv), part.settings["wacc"])
        for key in kpis.keys() & out.keys():
            out[key][rows] = kpis[key]
        for line in lines:
            out[line][rows] = part_lines[line]
    return out


def _plan(model: Model, scenario: str | None) -> tuple[Model, PlanArrays]:
    resolved = apply_scenario(model, scenario)
    return resolved, plan_arrays(resolved)


def _plain(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


# --------------------------------------------------------------------------- Monte Carlo


@dataclass(frozen=True)
class MonteCarloResults:
    """A Monte Carlo run (section 8). Statistics cover valid trials only.

    ``statistics``: rows npv and irr, columns mean, sd (sample, n − 1), p5 ... p95 (linear
    interpolation, as the spreadsheet's PERCENTILE); irr over the trials that have one.
    ``prob_irr_above_wacc``: share of valid trials whose IRR exists and exceeds that trial's WACC.
    ``fans``: per line, rows p10/p50/p90 and fiscal years as columns. ``convergence``: running mean
    and p50 of npv after the first n valid trials. ``samples``: each valid trial's input values,
    npv and irr, indexed by trial number (1-based; the numbers of invalid trials are missing).
    """

    trials: int
    seed: int
    sampler: str
    invalid_trials: int
    trials_without_irr: int
    statistics: pd.DataFrame
    prob_npv_positive: float
    prob_irr_above_wacc: float
    fans: dict[str, pd.DataFrame]
    convergence: pd.DataFrame
    samples: pd.DataFrame

    @property
    def valid_trials(self) -> int:
        return self.trials - self.invalid_trials

    def to_json(self) -> dict[str, Any]:
        return {
            "trials": self.trials,
            "seed": self.seed,
            "sampler": self.sampler,
            "valid_trials": self.valid_trials,
            "invalid_trials": self.invalid_trials,
            "trials_without_irr": self.trials_without_irr,
            **{m: {s: _plain(self.statistics.loc[m, s]) for s in STATISTICS} for m in METRICS},
            "prob_npv_positive": _plain(self.prob_npv_positive),
            "prob_irr_above_wacc": _plain(self.prob_irr_above_wacc),
            "years": [int(y) for y in self.fans[FAN_LINES[0]].columns],
            **{line: {p: [_plain(v) for v in fan.loc[p]] for p in FAN_PERCENTILES} for line, fan in self.fans.items()},
            "convergence": {col: [_plain(v) for v in self.convergence[col]] for col in self.convergence},
        }


def _statistics(values: np.ndarray) -> dict[str, float]:
    if values.size == 0:
        return dict.fromkeys(STATISTICS, np.nan)
    pcts = np.percentile(values, list(PERCENTILES.values()))
    sd = float(np.std(values, ddof=1)) if values.size > 1 else np.nan
    return {"mean": float(values.mean()), "sd": sd, **dict(zip(PERCENTILES, pcts, strict=True))}


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if flags.size else np.nan


def _convergence(npv: np.ndarray, points: int = 20) -> pd.DataFrame:
    if npv.size == 0:
        return pd.DataFrame({"trials": [], "mean": [], "p50": []})
    counts = np.unique(np.geomspace(min(10, npv.size), npv.size, points).astype(int))
    running_mean = np.cumsum(npv)[counts - 1] / counts
    running_p50 = [float(np.median(npv[:n])) for n in counts]
    return pd.DataFrame({"trials": counts, "mean": running_mean, "p50": running_p50})


def monte_carlo(
    model: Model,
    scenario: str | None = None,
    trials: int | None = None,
    seed: int | None = None,
    sampler: str | None = None,
    progress: Callable[[int, int], bool] | None = None,
) -> MonteCarloResults:
    """Run the model's uncertainty section; ``trials``, ``seed`` and ``sampler`` override it.

    ``progress(done, total)`` is called after each chunk of trials; returning False stops the
    run with RunCancelled. The trials are drawn before any is computed, so chunking (and
    cancelling) never changes which numbers a seed gives.
    """
    section = model.get("uncertainty")
    if not section or not section["inputs"]:
        raise ModelError("uncertainty", "the model has no uncertain inputs to simulate")
    trials = section["trials"] if trials is None else trials
    seed = section["seed"] if seed is None else seed
    sampler = section["sampler"] if sampler is None else sampler
    if not 1 <= trials <= MAX_TRIALS:
        raise ModelError("trials", f"{trials} is outside 1..{MAX_TRIALS}")
    if not 0 <= seed < 2**32:
        raise ModelError("seed", f"{seed} is outside 0..{2**32 - 1}")
    if sampler not in SAMPLERS:
        raise ModelError("sampler", f"{sampler!r} is not random or lhs")
    resolved, base = _plan(model, scenario)
    entries = section["inputs"]
    targets = [Target.parse(resolved, e["target"], e["apply"], f"uncertainty.{e['target']}") for e in entries]
    uniforms = correlated_uniforms(correlation_matrix(section), trials, seed, sampler)
    values = np.empty_like(uniforms)
    inverses = [inverse_cdf(entry) for entry in entries]

    valid = np.zeros(trials, dtype=bool)
    npv, irr, wacc = (np.full(trials, np.nan) for _ in range(3))
    horizon = base.capex.shape[-1]
    fans = {line: np.full((trials, horizon), np.nan) for line in FAN_LINES}

    def run_chunk(start: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        chunk = slice(start, start + CHUNK_TRIALS)
        values[chunk] = values_at(inverses, uniforms[chunk])
        batch, ok = apply_values(base, targets, values[chunk])
        rows = np.flatnonzero(ok)
        kept = _rows(batch, rows, batch.lives[rows] if batch.lives.ndim == 2 else None)
        result = evaluate(kept, len(rows), FAN_LINES)
        result["wacc"] = np.broadcast_to(kept.settings["wacc"], len(rows))
        return start + rows, result

    # numpy releases the GIL in its loops, so chunks computed on threads use every core.
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        chunks = [pool.submit(run_chunk, start) for start in range(0, trials, CHUNK_TRIALS)]
        for done, chunk in enumerate(chunks, start=1):
            rows, result = chunk.result()
            valid[rows] = True
            npv[rows], irr[rows], wacc[rows] = result["npv"], result["irr"], result["wacc"]
            for line in FAN_LINES:
                fans[line][rows] = result[line]
            if progress is not None and not progress(min(done * CHUNK_TRIALS, trials), trials):
                pool.shutdown(cancel_futures=True)
                raise RunCancelled
    return _summarise(resolved, targets, values, valid, npv, irr, wacc, fans, seed, sampler)


def _summarise(resolved, targets, values, valid, npv, irr, wacc, fans, seed, sampler) -> MonteCarloResults:
    trials = len(valid)
    npv, irr, wacc = npv[valid], irr[valid], wacc[valid]
    has_irr = np.isfinite(irr)
    statistics = pd.DataFrame([_statistics(npv), _statistics(irr[has_irr])], index=list(METRICS))
    years = [resolved["base_year"] + t for t in range(1, resolved["horizon"] + 1)]
    fan_tables = {}
    for line in FAN_LINES:
        kept = fans[line][valid]
        table = np.percentile(kept, [10, 50, 90], axis=0) if len(kept) else np.full((3, len(years)), np.nan)
        fan_tables[line] = pd.DataFrame(table, index=list(FAN_PERCENTILES), columns=years)
    samples = pd.DataFrame(values[valid], columns=[t.path for t in targets], index=np.flatnonzero(valid) + 1)
    samples["npv"], samples["irr"] = npv, irr
    return MonteCarloResults(
        trials=trials,
        seed=seed,
        sampler=sampler,
        invalid_trials=int(trials - valid.sum()),
        trials_without_irr=int((~has_irr).sum()),
        statistics=statistics,
        prob_npv_positive=_share(npv > 0),
        prob_irr_above_wacc=_share(has_irr & (irr > wacc)),
        fans=fan_tables,
        convergence=_convergence(npv),
        samples=samples,
    )


# --------------------------------------------------------------------------- tornado


@dataclass(frozen=True)
class TornadoResults:
    """Each input moved alone to a low and a high value; npv at each end, largest swing first.

    ``table`` columns: target, apply, low, high (the input values), npv_low, npv_high, swing
    (|npv_high − npv_low|; NaN when an end breaks a model rule, those rows come last).
    ``basis`` says where the ends come from: "P10/P90" of the uncertainty section, or "0.9x/1.1x".
    """

    base_npv: float
    basis: str
    table: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        return {
            "base_npv": _plain(self.base_npv),
            "basis": self.basis,
            "inputs": [
                {k: (_plain(v) if k not in ("target", "apply") else v) for k, v in row.items()}
                for row in self.table.to_dict("records")
            ],
        }


def tornado_inputs(model: Model) -> tuple[str, list[tuple[Target, float, float]]]:
    """The tornado's inputs with their low and high values, and the basis of those ends."""
    section = model.get("uncertainty")
    if section and section["inputs"]:
        ends = []
        for entry in section["inputs"]:
            low, high = quantiles(entry, np.array([0.1, 0.9]))
            ends.append((Target.parse(model, entry["target"], entry["apply"]), float(low), float(high)))
        return "P10/P90", ends
    paths = [f"settings.{k}" for k in NUMERIC_SETTINGS]
    paths += [f"drivers.{k}" for k in REQUIRED_DRIVERS] + [f"capex.{k}" for k in model["capex"]]
    low, high = TORNADO_FACTORS
    return "0.9x/1.1x", [(Target.parse(model, path, "scale"), low, high) for path in paths]


def tornado(model: Model, scenario: str | None = None) -> TornadoResults:
    """The tornado of section 8 (see TornadoResults)."""
    resolved, base = _plan(model, scenario)
    basis, ends = tornado_inputs(resolved)
    # Each input moves alone, so each gets its own two-trial batch; the base model is trial 0.
    moved = [apply_values(base, [target], np.array([[low], [high]])) for target, low, high in ends]
    batch = stack([base] + [b for b, _ in moved], [1] + [2] * len(moved))
    ok = np.concatenate([[True]] + [valid for _, valid in moved])
    npv = np.where(ok, evaluate(batch, len(ok), irr=False)["npv"], np.nan)
    low_npv, high_npv = npv[1::2], npv[2::2]
    table = pd.DataFrame(
        {
            "target": [target.path for target, _, _ in ends],
            "apply": [target.apply for target, _, _ in ends],
            "low": [low for _, low, _ in ends],
            "high": [high for _, _, high in ends],
            "npv_low": low_npv,
            "npv_high": high_npv,
            "swing": np.abs(high_npv - low_npv),
        }
    )
    table = table.sort_values("swing", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    return TornadoResults(float(npv[0]), basis, table)


# --------------------------------------------------------------------------- two-way grid


@dataclass(frozen=True)
class GridResults:
    """npv or irr at every pair of values of two targets: rows are y values, columns x values.

    A cell is NaN where the pair breaks a model rule (or, for irr, where there is no IRR).
    """

    x: Target
    y: Target
    metric: str
    table: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "x": {"target": self.x.path, "apply": self.x.apply, "values": [float(v) for v in self.table.columns]},
            "y": {"target": self.y.path, "apply": self.y.apply, "values": [float(v) for v in self.table.index]},
            "values": [[_plain(v) for v in row] for row in self.table.to_numpy()],
        }


def _check_metric(metric: str) -> str:
    if metric not in METRICS:
        raise ModelError("metric", f"{metric!r} is not npv or irr")
    return metric


def grid(
    model: Model,
    x: tuple[str, Sequence[float]],
    y: tuple[str, Sequence[float]],
    metric: str = "npv",
    scenario: str | None = None,
    apply: tuple[str | None, str | None] = (None, None),
) -> GridResults:
    """The two-way grid of section 8; ``x`` and ``y`` are (target path, values), ``apply`` their
    apply modes (default: by the target's kind)."""
    _check_metric(metric)
    resolved, base = _plan(model, scenario)
    x_target = Target.parse(resolved, x[0], apply[0], where="x")
    y_target = Target.parse(resolved, y[0], apply[1], where="y")
    if x_target.path == y_target.path:
        raise ModelError("y", "the two targets of a grid must differ")
    xs, ys = np.asarray(x[1], dtype=float), np.asarray(y[1], dtype=float)
    if xs.size == 0 or ys.size == 0:
        raise ModelError("x" if xs.size == 0 else "y", "needs at least one value")
    pairs = np.column_stack([np.tile(xs, ys.size), np.repeat(ys, xs.size)])
    batch, ok = apply_values(base, [x_target, y_target], pairs)
    result = np.where(ok, evaluate(batch, len(pairs), irr=metric == "irr")[metric], np.nan)
    table = pd.DataFrame(result.reshape(ys.size, xs.size), index=ys, columns=xs)
    return GridResults(x_target, y_target, metric, table)


# --------------------------------------------------------------------------- breakeven


@dataclass(frozen=True)
class BreakevenResults:
    """The value of ``target`` in [low, high] at which ``metric`` equals ``goal`` (section 8).

    ``value`` is None and ``message`` says "not reachable in this range" when the metric does not
    cross the goal there; otherwise ``kpis`` are the model's KPIs at that value. The first crossing
    from ``low`` is reported when there are several.
    """

    target: Target
    metric: str
    goal: float
    low: float
    high: float
    value: float | None
    kpis: dict[str, float | None] | None
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.target.path,
            "apply": self.target.apply,
            "goal": {"metric": self.metric, "value": self.goal},
            "range": [self.low, self.high],
            "reachable": self.value is not None,
            "value": self.value,
            "message": self.message,
            "kpis": self.kpis,
        }


def breakeven(
    model: Model,
    target: str,
    metric: str,
    goal: float,
    low: float,
    high: float,
    scenario: str | None = None,
) -> BreakevenResults:
    """Search [low, high] for the value of ``target`` that makes ``metric`` equal ``goal``.

    The range is scanned at evenly spaced points (one batch) to find the first sign change, which
    scipy's brentq then narrows to full precision.
    """
    _check_metric(metric)
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ModelError("range", f"{format_number(low)},{format_number(high)} is not a range LO,HI with LO < HI")
    resolved, base = _plan(model, scenario)
    moved = Target.parse(resolved, target)

    def at(values: np.ndarray) -> dict[str, np.ndarray]:
        batch, ok = apply_values(base, [moved], values[:, None])
        result = evaluate(batch, len(values))
        return {key: np.where(ok, value, np.nan) for key, value in result.items()}

    def gap(value: float) -> float:
        return float(at(np.array([value]))[metric][0] - goal)

    points = np.linspace(low, high, BREAKEVEN_SCAN_POINTS)
    gaps = at(points)[metric] - goal
    if not np.isfinite(gaps).any():
        raise ModelError("range", f"every value of {target} in this range breaks a rule of the model")
    crossing = np.flatnonzero((gaps[:-1] * gaps[1:] <= 0) & np.isfinite(gaps[:-1]) & np.isfinite(gaps[1:]))
    if crossing.size == 0:
        return BreakevenResults(moved, metric, goal, low, high, None, None, NOT_REACHABLE)
    from scipy import optimize  # imported here: it adds 0.2 s to the window's start-up

    a, b = points[crossing[0]], points[crossing[0] + 1]
    value = a if gaps[crossing[0]] == 0 else float(optimize.brentq(gap, a, b, xtol=1e-14, rtol=1e-15))
    kpis = {key: _plain(v[0]) for key, v in at(np.array([value])).items() if key in KPI_KEYS}
    message = f"{metric} = {format_number(goal)} at {target} = {format_number(value)}"
    return BreakevenResults(moved, metric, goal, low, high, value, kpis, message)


# --------------------------------------------------------------------------- text forms of the arguments


def _numbers(text: str, where: str) -> list[float]:
    """Comma-separated numbers; ``12%`` is 0.12, as the window reads a typed percentage."""
    numbers = []
    for part in text.split(","):
        item = part.strip()
        try:
            number = float(item.removesuffix("%"))
        except ValueError:
            raise ModelError(where, f"{item!r} in {text!r} is not a number") from None
        if not np.isfinite(number):
            raise ModelError(where, f"{item!r} in {text!r} is not a finite number")
        numbers.append(number / 100 if item.endswith("%") else number)
    return numbers


def parse_axis(text: str, where: str) -> tuple[str, list[float]]:
    """``settings.wacc=0.08,0.1,0.12`` or ``settings.wacc=8%,10%,12%`` -> ("settings.wacc", [0.08, 0.1, 0.12])."""
    target, sign, values = text.rpartition("=")
    if not sign or not target or not values:
        raise ModelError(where, f"{text!r} is not TARGET=v1,v2,...")
    return target, _numbers(values, where)


def parse_goal(text: str, where: str = "goal") -> tuple[str, float]:
    """``npv=0``, ``irr=0.12`` or ``irr=12%`` -> (metric, value)."""
    metric, sign, value = text.partition("=")
    if not sign or metric not in METRICS:
        raise ModelError(where, f"{text!r} is not npv=VALUE or irr=RATE")
    numbers = _numbers(value, where)
    if len(numbers) != 1:
        raise ModelError(where, f"{text!r} is not npv=VALUE or irr=RATE")
    return metric, numbers[0]


def parse_range(text: str, where: str = "range") -> tuple[float, float]:
    """``LO,HI`` with LO < HI; ``30%,90%`` is (0.3, 0.9)."""
    numbers = _numbers(text, where)
    if len(numbers) != 2 or not numbers[0] < numbers[1]:
        raise ModelError(where, f"{text!r} is not LO,HI with LO < HI")
    return numbers[0], numbers[1]


def analysis_json(model: Model, scenario: str | None, analysis: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """One analysis as its command-line JSON section; ``options`` holds the option texts."""
    if analysis == "montecarlo":
        return monte_carlo(model, scenario, trials=options.get("trials"), seed=options.get("seed")).to_json()
    if analysis == "tornado":
        return tornado(model, scenario).to_json()
    if analysis == "grid":
        for option in ("x", "y"):
            if not options.get(option):
                raise ModelError(f"--{option}", "--analysis grid needs --x TARGET=v1,... and --y TARGET=v1,...")
        x, y = parse_axis(options["x"], "--x"), parse_axis(options["y"], "--y")
        return grid(model, x, y, options.get("metric") or "npv", scenario).to_json()
    if analysis == "breakeven":
        for option in ("target", "goal", "range"):
            if not options.get(option):
                raise ModelError(f"--{option}", "--analysis breakeven needs --target, --goal and --range")
        metric, goal = parse_goal(options["goal"], "--goal")
        low, high = parse_range(options["range"], "--range")
        return breakeven(model, options["target"], metric, goal, low, high, scenario).to_json()
    raise ModelError("--analysis", f"{analysis!r} is not montecarlo, tornado, grid or breakeven")
