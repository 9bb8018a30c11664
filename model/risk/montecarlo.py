"""Monte Carlo simulation of the model's uncertainty section (docs/model.md section 8).

Results are named after section 8's terms (npv, irr, mean, sd, p5 ... p95, prob_npv_positive,
prob_irr_above_wacc, invalid_trials); ``invalid_by_rule`` counts the left-out trials by the rule
they break.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from model.document import Model
from model.engine import plain_number
from model.errors import ModelError
from model.risk.analysis import METRICS, Progress, RunCancelled
from model.risk.batch import evaluate, resolved_plan, select_rows
from model.risk.sampling import correlated_uniforms, inverse_cdf, values_at
from model.risk.targets import Target, apply_values_with_rules
from model.schema import MAX_TRIALS, SAMPLERS
from model.validation import correlation_matrix

if TYPE_CHECKING:
    import pandas as pd

STATISTICS = ("mean", "sd", "p5", "p10", "p50", "p90", "p95")
PERCENTILES = {"p5": 5.0, "p10": 10.0, "p50": 50.0, "p90": 90.0, "p95": 95.0}
FAN_LINES = ("total_revenue", "ebita_margin", "fcf")
FAN_PERCENTILES = ("p10", "p50", "p90")
CHUNK_TRIALS = 5_000  # small enough to stay in cache and to cancel promptly


@dataclass(frozen=True)
class MonteCarloRequest:
    """The run's trials, seed and sampler; None takes the model's uncertainty section's value."""

    trials: int | None = None
    seed: int | None = None
    sampler: str | None = None

    def __post_init__(self) -> None:
        if self.trials is not None and not 1 <= self.trials <= MAX_TRIALS:
            raise ModelError("trials", f"{self.trials} is outside 1..{MAX_TRIALS}")
        if self.seed is not None and not 0 <= self.seed < 2**32:
            raise ModelError("seed", f"{self.seed} is outside 0..{2**32 - 1}")
        if self.sampler is not None and self.sampler not in SAMPLERS:
            raise ModelError("sampler", f"{self.sampler!r} is not random or lhs")


@dataclass(frozen=True)
class MonteCarloResults:
    """A Monte Carlo run (section 8). Statistics cover valid trials only.

    ``invalid_by_rule``: how many trials were left out for each rule (in words, without the
    trial's numbers), most frequent first; the counts add up to ``invalid_trials``.
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
    invalid_by_rule: dict[str, int]
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
            "invalid_by_rule": dict(self.invalid_by_rule),
            "trials_without_irr": self.trials_without_irr,
            **{m: {s: plain_number(self.statistics.loc[m, s]) for s in STATISTICS} for m in METRICS},
            "prob_npv_positive": plain_number(self.prob_npv_positive),
            "prob_irr_above_wacc": plain_number(self.prob_irr_above_wacc),
            "years": [int(y) for y in self.fans[FAN_LINES[0]].columns],
            **{
                line: {p: [plain_number(v) for v in fan.loc[p]] for p in FAN_PERCENTILES}
                for line, fan in self.fans.items()
            },
            "convergence": {col: [plain_number(v) for v in self.convergence[col]] for col in self.convergence},
        }


def _statistics(values: NDArray[np.float64]) -> dict[str, float]:
    if values.size == 0:
        return dict.fromkeys(STATISTICS, np.nan)
    pcts = np.percentile(values, list(PERCENTILES.values()))
    sd = float(np.std(values, ddof=1)) if values.size > 1 else np.nan
    return {"mean": float(values.mean()), "sd": sd, **dict(zip(PERCENTILES, pcts, strict=True))}


def _share(flags: NDArray[np.bool_]) -> float:
    return float(flags.mean()) if flags.size else np.nan


def _convergence(npv: NDArray[np.float64], points: int = 20) -> pd.DataFrame:
    import pandas as pd  # imported on first use: the workbench starts without it

    if npv.size == 0:
        return pd.DataFrame({"trials": [], "mean": [], "p50": []})
    counts = np.unique(np.geomspace(min(10, npv.size), npv.size, points).astype(int))
    running_mean = np.cumsum(npv)[counts - 1] / counts
    running_p50 = [float(np.median(npv[:n])) for n in counts]
    return pd.DataFrame({"trials": counts, "mean": running_mean, "p50": running_p50})


class MonteCarlo:
    name: ClassVar[str] = "montecarlo"
    Request: ClassVar[type[MonteCarloRequest]] = MonteCarloRequest

    def run(
        self, model: Model, scenario: str | None, request: MonteCarloRequest, progress: Progress | None = None
    ) -> MonteCarloResults:
        """Run the model's uncertainty section with the request's overrides.

        ``progress(done, total)`` is called after each chunk of trials; returning False stops the
        run with RunCancelled. The trials are drawn before any is computed, so chunking (and
        cancelling) never changes which numbers a seed gives.
        """
        section = model.get("uncertainty")
        if not section or not section["inputs"]:
            raise ModelError("uncertainty", "the model has no uncertain inputs to simulate")
        trials = section["trials"] if request.trials is None else request.trials
        seed = section["seed"] if request.seed is None else request.seed
        sampler = section["sampler"] if request.sampler is None else request.sampler
        resolved, base = resolved_plan(model, scenario)
        entries = section["inputs"]
        targets = [Target.parse(resolved, e["target"], e["apply"], f"uncertainty.{e['target']}") for e in entries]
        uniforms = correlated_uniforms(correlation_matrix(section), trials, seed, sampler)
        values = np.empty_like(uniforms)
        inverses = [inverse_cdf(entry) for entry in entries]

        valid = np.zeros(trials, dtype=bool)
        broken = np.full(trials, "", dtype=object)  # the rule each left-out trial breaks
        npv, irr, wacc = (np.full(trials, np.nan) for _ in range(3))
        horizon = base.capex.shape[-1]
        fans = {line: np.full((trials, horizon), np.nan) for line in FAN_LINES}

        def run_chunk(start: int) -> tuple[NDArray[np.float64], dict[str, NDArray[np.float64]]]:
            chunk = slice(start, start + CHUNK_TRIALS)
            values[chunk] = values_at(inverses, uniforms[chunk])
            batch, broken[chunk] = apply_values_with_rules(base, targets, values[chunk])
            rows = np.flatnonzero(broken[chunk] == "")
            kept = select_rows(batch, rows)
            result = evaluate(kept, len(rows), FAN_LINES)
            result["wacc"] = np.broadcast_to(kept.settings["wacc"], len(rows))
            solved = result.pop("solved")  # a trial whose calibration cannot be solved is invalid
            broken[start + rows] = result.pop("broken_rule")
            return start + rows[solved], {key: value[solved] for key, value in result.items()}

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
        return _summarise(resolved, targets, values, valid, broken, npv, irr, wacc, fans, seed, sampler)


def monte_carlo(
    model: Model,
    scenario: str | None = None,
    trials: int | None = None,
    seed: int | None = None,
    sampler: str | None = None,
    progress: Progress | None = None,
) -> MonteCarloResults:
    """The Monte Carlo run of the model's uncertainty section; ``trials``, ``seed`` and ``sampler``
    override it (see MonteCarlo.run)."""
    return MonteCarlo().run(model, scenario, MonteCarloRequest(trials, seed, sampler), progress)


def _summarise(
    resolved: Model,
    targets: Sequence[Target],
    values: NDArray[np.float64],
    valid: NDArray[np.bool_],
    broken: NDArray[np.object_],
    npv: NDArray[np.float64],
    irr: NDArray[np.float64],
    wacc: NDArray[np.float64],
    fans: Mapping[str, NDArray[np.float64]],
    seed: int,
    sampler: str,
) -> MonteCarloResults:
    import pandas as pd  # imported on first use: the workbench starts without it

    trials = len(valid)
    if not valid.any():
        raise ModelError(
            "uncertainty", f"every one of the {trials} trials broke a rule of the model (no statistic to report)"
        )
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
        invalid_by_rule=dict(Counter(broken[~valid].tolist()).most_common()),
        trials_without_irr=int((~has_irr).sum()),
        statistics=statistics,
        prob_npv_positive=_share(npv > 0),
        prob_irr_above_wacc=_share(has_irr & (irr > wacc)),
        fans=fan_tables,
        convergence=_convergence(npv),
        samples=samples,
    )
