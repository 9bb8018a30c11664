"""The two-way grid of docs/model.md section 8: npv or irr at every pair of values of two inputs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from model.document import Model
from model.engine import plain_number
from model.errors import ModelError
from model.risk.analysis import Progress, check_metric
from model.risk.batch import evaluate, resolved_plan
from model.risk.targets import Target, apply_values

if TYPE_CHECKING:
    import pandas as pd

Axis = tuple[str, Sequence[float]]  # a target path and its values (kept as a tuple of floats)

# The grid is computed as one batch, about 6 kB a cell for a 10-year model (more for 30 years and
# many classes): 10,000 cells take a few hundred MB at most and under a second. A request over
# either limit is refused before anything is allocated.
MAX_AXIS_VALUES = 500
MAX_GRID_CELLS = 10_000


@dataclass(frozen=True)
class GridRequest:
    """The columns ``x`` and rows ``y`` as (target path, values), the metric, and the two targets'
    apply modes (None: by the target's kind)."""

    x: Axis
    y: Axis
    metric: str = "npv"
    apply: tuple[str | None, str | None] = (None, None)

    def __post_init__(self) -> None:
        check_metric(self.metric)
        if self.x[0] == self.y[0]:
            raise ModelError("y", "the two targets of a grid must differ")
        for where, (path, values) in (("x", self.x), ("y", self.y)):
            if len(values) == 0:
                raise ModelError(where, "needs at least one value")
            if len(values) > MAX_AXIS_VALUES:
                raise ModelError(where, f"has {len(values):,} values; a grid axis takes at most {MAX_AXIS_VALUES:,}")
            object.__setattr__(self, where, (path, tuple(float(v) for v in values)))  # frozen: set once here
        cells = len(self.x[1]) * len(self.y[1])
        if cells > MAX_GRID_CELLS:
            raise ModelError(
                "y",
                f"{len(self.y[1]):,} rows x {len(self.x[1]):,} columns is {cells:,} cells; "
                f"a grid holds at most {MAX_GRID_CELLS:,} (for example 100 x 100)",
            )


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
            "values": [[plain_number(v) for v in row] for row in self.table.to_numpy()],
        }


class Grid:
    name: ClassVar[str] = "grid"
    Request: ClassVar[type[GridRequest]] = GridRequest

    def run(
        self, model: Model, scenario: str | None, request: GridRequest, progress: Progress | None = None
    ) -> GridResults:
        """The two-way grid of section 8 (see GridResults)."""
        import pandas as pd  # imported on first use: the workbench starts without it

        resolved, base = resolved_plan(model, scenario)
        x_target = Target.parse(resolved, request.x[0], request.apply[0], where="x")
        y_target = Target.parse(resolved, request.y[0], request.apply[1], where="y")
        xs, ys = np.asarray(request.x[1]), np.asarray(request.y[1])
        pairs = np.column_stack([np.tile(xs, ys.size), np.repeat(ys, xs.size)])
        batch, ok = apply_values(base, [x_target, y_target], pairs)
        metric = request.metric
        result = np.where(ok, evaluate(batch, len(pairs), irr=metric == "irr")[metric], np.nan)
        table = pd.DataFrame(result.reshape(ys.size, xs.size), index=ys, columns=xs)
        return GridResults(x_target, y_target, metric, table)


def grid(
    model: Model,
    x: Axis,
    y: Axis,
    metric: str = "npv",
    scenario: str | None = None,
    apply: tuple[str | None, str | None] = (None, None),
) -> GridResults:
    """The two-way grid of section 8; ``x`` and ``y`` are (target path, values), ``apply`` their
    apply modes (default: by the target's kind)."""
    return Grid().run(model, scenario, GridRequest(x, y, metric, apply))
