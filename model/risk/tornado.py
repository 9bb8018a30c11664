"""The tornado of docs/model.md section 8: each input moved alone to a low and a high value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from model.document import Model
from model.engine import PlanArrays, plain_number
from model.risk.analysis import Progress
from model.risk.batch import evaluate, resolved_plan, stack
from model.risk.sampling import quantiles
from model.risk.targets import DISPLAY_SETTINGS, LIFE_TARGET_FIELDS, Target, apply_values
from model.schema import ENGINE_DRIVERS, NUMERIC_SETTINGS
from model.validation import calibrated_paths

if TYPE_CHECKING:
    import pandas as pd

TORNADO_FACTORS = (0.9, 1.1)  # every input at 0.9x and 1.1x when the model has no uncertainty section


@dataclass(frozen=True)
class TornadoRequest:
    """The tornado has no options: its inputs and their ends come from the model."""


@dataclass(frozen=True)
class TornadoResults:
    """Each input moved alone to a low and a high value; npv at each end, largest swing first.

    ``table`` columns: target, apply, low, high (the input values), applied_low, applied_high
    (what the model was given: a life is a whole number of years, so P10 4.6 years of a PERT is
    applied as 5; the same as low and high for other inputs), npv_low, npv_high, swing
    (|npv_high − npv_low|; NaN when an end breaks a model rule, those rows come last).
    ``basis`` says where the ends come from: "P10/P90" of the uncertainty section, or "0.9x/1.1x".
    """

    base_npv: float
    basis: str
    table: pd.DataFrame

    def to_json(self) -> dict[str, Any]:
        return {
            "base_npv": plain_number(self.base_npv),
            "basis": self.basis,
            "inputs": [
                {k: (plain_number(v) if k not in ("target", "apply") else v) for k, v in row.items()}
                for row in self.table.to_dict("records")
            ],
        }


def tornado_inputs(model: Model) -> tuple[str, list[tuple[Target, float, float]]]:
    """The tornado's inputs with their low and high values, and the basis of those ends."""
    section = model.get("uncertainty")
    if section and section["inputs"]:
        ends = []
        for entry in section["inputs"]:
            with np.errstate(over="ignore", invalid="ignore"):
                low, high = quantiles(entry, np.array([0.1, 0.9]))
            ends.append((Target.parse(model, entry["target"], entry["apply"]), float(low), float(high)))
        return "P10/P90", ends
    solved = calibrated_paths(model)
    paths = [f"settings.{k}" for k in NUMERIC_SETTINGS if k not in DISPLAY_SETTINGS and f"settings.{k}" not in solved]
    # The drivers the model gives (an optional driver it leaves out is zeros, which 0.9x and 1.1x
    # leave unchanged); cloud_market changes no return.
    paths += [f"drivers.{k}" for k in ENGINE_DRIVERS if k in model["drivers"]]
    paths += [f"capex.{k}" for k in model["capex"]]
    low, high = TORNADO_FACTORS
    return "0.9x/1.1x", [(Target.parse(model, path, "scale"), low, high) for path in paths]


def applied_ends(batch: PlanArrays, target: Target, low: float, high: float) -> tuple[float, float]:
    """What a two-trial batch gave ``target`` at its low and high end: the ends themselves, but
    for a life, the whole number of years it was rounded to (section 8)."""
    if target.kind not in LIFE_TARGET_FIELDS:
        return low, high
    values = getattr(batch, LIFE_TARGET_FIELDS[target.kind])[:, batch.class_names.index(target.key)]
    return float(values[0]), float(values[1])


def _moved(base: PlanArrays, target: Target, low: float, high: float) -> tuple[PlanArrays, np.ndarray]:
    """The two-trial batch of ``target`` at its ends; an end that is not a finite number (the P90
    of a lognormal whose tail overflows) is an end that breaks a rule: its npv is NaN."""
    finite = np.isfinite([low, high])
    ends = np.where(finite, [low, high], 0.0)  # a placeholder the engine can hold; the trial is dropped
    with np.errstate(over="ignore", invalid="ignore"):
        batch, ok = apply_values(base, [target], ends[:, None])
    return batch, np.asarray(ok, dtype=bool) & finite


class Tornado:
    name: ClassVar[str] = "tornado"
    Request: ClassVar[type[TornadoRequest]] = TornadoRequest

    def run(
        self, model: Model, scenario: str | None, request: TornadoRequest, progress: Progress | None = None
    ) -> TornadoResults:
        """The tornado of section 8 (see TornadoResults)."""
        import pandas as pd  # imported on first use: the workbench starts without it

        resolved, base = resolved_plan(model, scenario)
        basis, ends = tornado_inputs(resolved)
        # Each input moves alone, so each gets its own two-trial batch; the base model is trial 0.
        moved = [_moved(base, target, low, high) for target, low, high in ends]
        batch = stack([base] + [b for b, _ in moved], [1] + [2] * len(moved))
        ok = np.concatenate([[True]] + [valid for _, valid in moved])
        npv = np.where(ok, evaluate(batch, len(ok), irr=False)["npv"], np.nan)
        low_npv, high_npv = npv[1::2], npv[2::2]
        applied = [
            tuple(v if np.isfinite(end) else np.nan for v, end in zip(applied_ends(b, *e), e[1:], strict=True))
            for (b, _), e in zip(moved, ends, strict=True)
        ]
        table = pd.DataFrame(
            {
                "target": [target.path for target, _, _ in ends],
                "apply": [target.apply for target, _, _ in ends],
                "low": [low for _, low, _ in ends],
                "high": [high for _, _, high in ends],
                "applied_low": [values[0] for values in applied],
                "applied_high": [values[1] for values in applied],
                "npv_low": low_npv,
                "npv_high": high_npv,
                "swing": np.abs(high_npv - low_npv),
            }
        )
        table = table.sort_values("swing", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
        return TornadoResults(float(npv[0]), basis, table)


def tornado(model: Model, scenario: str | None = None) -> TornadoResults:
    """The tornado of section 8 (see TornadoResults)."""
    return Tornado().run(model, scenario, TornadoRequest())
