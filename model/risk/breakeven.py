"""Breakeven of docs/model.md section 8: the value of one input at which npv or irr meets a goal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from model.document import Model
from model.engine import plain_number
from model.errors import ModelError
from model.outputs import KPI_KEYS
from model.risk.analysis import Progress, check_metric
from model.risk.batch import evaluate, resolved_plan
from model.risk.targets import Target, apply_values
from model.schema import format_number

BREAKEVEN_SCAN_POINTS = 41
NOT_REACHABLE = "not reachable in this range"


@dataclass(frozen=True)
class BreakevenRequest:
    """Search [low, high] for the value of the input ``target`` at which ``metric`` equals ``goal``."""

    target: str
    metric: str
    goal: float
    low: float
    high: float

    def __post_init__(self) -> None:
        check_metric(self.metric)
        low, high = self.low, self.high
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ModelError("range", f"{format_number(low)},{format_number(high)} is not a range LO,HI with LO < HI")


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


class Breakeven:
    name: ClassVar[str] = "breakeven"
    Request: ClassVar[type[BreakevenRequest]] = BreakevenRequest

    def run(
        self, model: Model, scenario: str | None, request: BreakevenRequest, progress: Progress | None = None
    ) -> BreakevenResults:
        """The breakeven of section 8 (see BreakevenResults).

        The range is scanned at evenly spaced points (one batch) to find the first sign change,
        which scipy's brentq then narrows to full precision.
        """
        target, metric, goal, low, high = request.target, request.metric, request.goal, request.low, request.high
        resolved, base = resolved_plan(model, scenario)
        moved = Target.parse(resolved, target)

        def at(values: NDArray[np.float64]) -> dict[str, NDArray[np.float64]]:
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
        gap_a, gap_b = gap(a), gap(b)
        if gap_a * gap_b < 0:
            value = float(optimize.brentq(gap, a, b, xtol=1e-14, rtol=1e-15))
        else:  # an end is the crossing itself, to the last bits (a batch sums in another order)
            value = float(a if abs(gap_a) <= abs(gap_b) else b)
        kpis = {key: plain_number(v[0]) for key, v in at(np.array([value])).items() if key in KPI_KEYS}
        message = f"{metric} = {format_number(goal)} at {target} = {format_number(value)}"
        return BreakevenResults(moved, metric, goal, low, high, value, kpis, message)


def breakeven(
    model: Model,
    target: str,
    metric: str,
    goal: float,
    low: float,
    high: float,
    scenario: str | None = None,
) -> BreakevenResults:
    """Search [low, high] for the value of ``target`` that makes ``metric`` equal ``goal``."""
    return Breakeven().run(model, scenario, BreakevenRequest(target, metric, goal, low, high))
