"""Many trials of one model computed together: selecting, stacking and evaluating batches.

``evaluate`` computes N trials with the engine's own ``compute_lines``/``compute_kpis`` and the
vectorised IRR. There is no second engine: a trial is computed by exactly the code that computes
the model on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any, TypedDict

import numpy as np
from numpy.typing import NDArray

from model.document import Model
from model.engine import PlanArrays, compute_kpis, compute_lines, plan_arrays
from model.outputs import KPI_KEYS
from model.risk.irr import go_forward_irr_rows
from model.schema import MAX_LIFE
from model.validation import apply_scenario


def resolved_plan(model: Model, scenario: str | None) -> tuple[Model, PlanArrays]:
    """The model with the scenario applied, and its arrays: the base every analysis moves from."""
    resolved = apply_scenario(model, scenario)
    return resolved, plan_arrays(resolved)


LIFE_FIELDS = ("lives", "economic_lives", "tax_lives")  # the class lives an analysis may move


class Lives(TypedDict, total=False):
    """Class lives of a batch, by the field of PlanArrays they replace (``LIFE_FIELDS``)."""

    lives: NDArray[np.float64]
    economic_lives: NDArray[np.float64]
    tax_lives: NDArray[np.float64]


def select_rows(plan: PlanArrays, rows: NDArray[np.intp]) -> PlanArrays:
    """The trials ``rows`` of a batch (inputs not batched are shared as they are)."""

    def class_rows(values: NDArray[np.float64]) -> NDArray[np.float64]:
        return values[rows] if values.ndim == 2 else values

    return replace(
        plan,
        settings={k: v[rows] if np.ndim(v) == 1 else v for k, v in plan.settings.items()},
        drivers={k: v[rows] if np.ndim(v) == 2 else v for k, v in plan.drivers.items()},
        capex=plan.capex[rows] if plan.capex.ndim == 3 else plan.capex,
        lives=class_rows(plan.lives),
        economic_lives=class_rows(plan.economic_lives),
        tax_lives=class_rows(plan.tax_lives),
    )


def _life_groups(plan: PlanArrays, trials: int) -> list[tuple[NDArray[np.intp], Lives]]:
    """Trials with equal class lives, as (trial rows, the lives of those trials, one per class).

    Codes built column by column are much faster than ``np.unique(axis=0)``, and only classes
    whose life varies take part.
    """
    lives = np.concatenate(
        [np.broadcast_to(getattr(plan, name), (trials, len(plan.class_names))) for name in LIFE_FIELDS], axis=-1
    )
    code = np.zeros(trials, dtype=np.int64)
    for column in np.flatnonzero((lives != lives[0]).any(axis=0)):
        _, code = np.unique(code * (MAX_LIFE + 1) + lives[:, column].astype(np.int64), return_inverse=True)
    first = np.unique(code, return_index=True)[1]
    classes = len(plan.class_names)
    return [
        (
            np.flatnonzero(code == code[row]),
            {
                "lives": lives[row, :classes],
                "economic_lives": lives[row, classes : 2 * classes],
                "tax_lives": lives[row, 2 * classes : 3 * classes],
            },
        )
        for row in first
    ]


def stack(batches: Sequence[PlanArrays], sizes: Sequence[int]) -> PlanArrays:
    """One batch of all the trials of several batches, in order (so one engine call serves all)."""

    def joined(values: Sequence[NDArray[np.float64]], shape: tuple[int, ...]) -> NDArray[np.float64]:
        return np.concatenate([np.broadcast_to(v, (n, *shape)) for v, n in zip(values, sizes, strict=True)])

    first = batches[0]
    horizon = first.capex.shape[-1]
    classes = (len(first.class_names),)
    return replace(
        first,
        settings={k: joined([b.settings[k] for b in batches], ()) for k in first.settings},
        drivers={k: joined([b.drivers[k] for b in batches], (horizon,)) for k in first.drivers},
        capex=joined([b.capex for b in batches], first.capex.shape[-2:]),
        lives=joined([b.lives for b in batches], classes),
        economic_lives=joined([b.economic_lives for b in batches], classes),
        tax_lives=joined([b.tax_lives for b in batches], classes),
    )


def evaluate(plan: PlanArrays, trials: int, lines: Sequence[str] = (), irr: bool = True) -> dict[str, NDArray[Any]]:
    """Every KPI, the IRR and the named lines of a batch of ``trials`` trials, shapes (N,) and (N, H).

    Without ``irr`` the IRR is left NaN (it is the one costly KPI and the tornado needs only npv).
    ``"solved"`` says which trials the calibration could solve (section 4a); the others are NaN;
    ``"broken_rule"`` names the calibration rule an unsolved trial breaks ("" where solved).
    Every array is of float64 but ``"solved"``, of bool, and ``"broken_rule"``, of str objects.

    Trials whose lives differ are computed in groups of equal lives: the vintage weights are
    classes x years x years per life combination, and there are only a few combinations, whereas
    one set of weights per trial would not fit in memory for large runs.
    """
    horizon = plan.capex.shape[-1]
    t0 = plan.valuation_offset
    out: dict[str, NDArray[Any]] = {key: np.full(trials, np.nan) for key in KPI_KEYS}
    out.update({line: np.full((trials, horizon), np.nan) for line in lines})
    out["solved"] = np.zeros(trials, dtype=bool)
    out["broken_rule"] = np.full(trials, "", dtype=object)
    batched = any(getattr(plan, name).ndim == 2 for name in LIFE_FIELDS)
    groups: list[tuple[NDArray[np.intp], Lives]] = _life_groups(plan, trials) if batched else [(np.arange(trials), {})]
    for rows, lives in groups:
        part = replace(select_rows(plan, rows) if batched else plan, **lives)
        computation = compute_lines(part)
        kpis = compute_kpis(part, computation)
        if irr:
            flows = np.broadcast_to(computation.lines["fcf"][..., t0:], (len(rows), horizon - t0))
            tv = np.broadcast_to(kpis["terminal_value"], len(rows))
            kpis["irr"] = go_forward_irr_rows(flows, tv, computation.settings["wacc"], part.mid_year)
        for key in kpis.keys() & out.keys():
            out[key][rows] = kpis[key]
        for line in lines:
            out[line][rows] = computation.lines[line]
        out["solved"][rows] = computation.valid
        out["broken_rule"][rows] = computation.broken_rules
    return out
