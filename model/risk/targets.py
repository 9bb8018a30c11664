"""The inputs an analysis moves (targets) and how N values of them enter the batch ``PlanArrays``.

A value is applied to a target by set, shift or scale (docs/model.md section 8); lives are rounded,
utilization is clipped, and each trial is checked against the rules of section 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from model.document import Model
from model.engine import PlanArrays
from model.errors import ModelError
from model.schema import (
    APPLY_MODES,
    ASSET_CLASS_LABELS,
    DEFAULT_APPLY,
    DRIVERS,
    ENGINE_DRIVERS,
    LIFE_KINDS,
    MAX_LIFE,
    MIN_LIFE,
    NON_NEGATIVE,
    NUMERIC_SETTINGS,
    SETTINGS,
)
from model.validation import calibrated_paths, parse_target

# Where each life target puts its value, and the whole years it is kept in (section 3).
LIFE_TARGET_FIELDS = {"life": "lives", "economic_life": "economic_lives", "tax_life": "tax_lives"}
LIFE_TARGET_RANGES = {"life": (MIN_LIFE, MAX_LIFE), "economic_life": (MIN_LIFE, MAX_LIFE), "tax_life": (0, MAX_LIFE)}


@dataclass(frozen=True)
class Target:
    """A model input that analyses move: ``settings.wacc``, ``drivers.KEY``, ``capex.CLASS``,
    ``life.CLASS``, ``economic_life.CLASS`` or ``tax_life.CLASS``, and how a value is applied to
    it (set, shift or scale)."""

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


# How the kinds of target that name a class read (docs/model.md section 8).
CLASS_TARGET_NAMES = {"capex": "Capex"} | {kind: ASSET_CLASS_LABELS[kind] for kind in LIFE_KINDS}


def target_label(path: str) -> str:
    """What the analyst calls a target: ``drivers.price_change`` is "Price change per year",
    ``economic_life.AI servers`` is "Economic life: AI servers"."""
    kind, _, key = path.partition(".")
    if kind == "settings":
        return SETTINGS[key].label
    if kind == "drivers":
        return DRIVERS[key].label
    return f"{CLASS_TARGET_NAMES.get(kind, kind.capitalize())}: {key}"


def target_unit(path: str, apply: str) -> str:
    """The unit a value of a target is written in: the target's own, a factor when it scales."""
    kind, _, key = path.partition(".")
    if apply == "scale":
        return "x"
    if kind == "settings":
        unit = SETTINGS[key].unit
        return unit if unit in ("%", "money", "RMB/USD") else "x"
    if kind == "drivers":
        return DRIVERS[key].unit
    return "money" if kind == "capex" else "years"


# Settings that change no return (section 8): the default tornado leaves them out, and the window
# does not offer them as new uncertain inputs.
DISPLAY_SETTINGS = ("shares_outstanding", "fx_rmb_per_usd")


def moves_returns(path: str) -> bool:
    """Whether the target ``path`` can change a return (every target but a display setting)."""
    kind, _, key = path.partition(".")
    return not (kind == "settings" and key in DISPLAY_SETTINGS)


def target_paths(model: Model) -> list[str]:
    """Every input an analysis can move, in the order the assumption tabs show them (never a
    setting the calibration solves)."""
    solved = calibrated_paths(model)
    paths = [f"settings.{k}" for k in NUMERIC_SETTINGS if f"settings.{k}" not in solved]
    paths += [f"drivers.{k}" for k in ENGINE_DRIVERS] + [f"capex.{name}" for name in model["capex"]]
    capitalized = [c["name"] for c in model["asset_classes"] if c["treatment"] == "capitalized"]
    paths += [f"{kind}.{name}" for kind in LIFE_TARGET_FIELDS for name in capitalized]
    return paths


def _applied(current: NDArray[np.float64], value: NDArray[np.float64], mode: str) -> NDArray[np.float64]:
    if mode == "shift":
        return current + value
    if mode == "scale":
        return current * value
    return np.broadcast_to(value, np.broadcast_shapes(np.shape(current), np.shape(value))).copy()


def apply_values(
    plan: PlanArrays, targets: Sequence[Target], values: NDArray[np.float64]
) -> tuple[PlanArrays, NDArray[np.bool_]]:
    """The plan with N values of each target applied, as a batch, and which trials are valid
    (see ``apply_values_with_rules``)."""
    batch, broken = apply_values_with_rules(plan, targets, values)
    return batch, broken == ""


def apply_values_with_rules(
    plan: PlanArrays, targets: Sequence[Target], values: NDArray[np.float64]
) -> tuple[PlanArrays, NDArray[np.object_]]:
    """The plan with N values of each target applied, as a batch, and the rule each trial breaks
    ("" for a valid trial; the first rule broken, in words, without the trial's numbers).

    ``values`` is (N, len(targets)); targets are applied in order. Lives are rounded half up to a
    whole year and kept in their range (book and economic 1..50, tax 0..50); a book life moves
    the economic and tax lives that follow it (those the model does not give). Utilization is
    clipped to [0, 1] afterwards. A trial is valid when every moved input still obeys its rule
    of section 3 (including wacc > terminal growth for the Gordon terminal value); the
    calibration is applied when the batch is computed. Inputs no target moves keep their
    single-model shapes and broadcast, so untouched capex is not copied N times.
    """
    values = np.asarray(values, dtype=float).reshape(len(values), len(targets))
    trials = len(values)
    settings, drivers = dict(plan.settings), dict(plan.drivers)
    capex = plan.capex
    lives = {field: getattr(plan, field) for field in LIFE_TARGET_FIELDS.values()}
    follows = {"economic_lives": plan.economic_follows.copy(), "tax_lives": plan.tax_follows.copy()}
    broken = np.full(trials, "", dtype=object)

    def check(ok: NDArray[np.bool_] | np.bool_, rule: str) -> None:
        broken[(broken == "") & ~ok] = rule

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
            row = plan.class_names.index(target.key)
            field = LIFE_TARGET_FIELDS[target.kind]
            low, high = LIFE_TARGET_RANGES[target.kind]
            moved = {field} | ({f for f, follow in follows.items() if follow[row]} if target.kind == "life" else set())
            with np.errstate(invalid="ignore"):
                whole = np.clip(np.floor(_applied(lives[field][..., row], column, target.apply) + 0.5), low, high)
            check(np.isfinite(whole), f"{target.path} is not a number of years")
            for name in moved:
                lives[name] = np.array(np.broadcast_to(lives[name], (trials, len(plan.class_names))))
                lives[name][:, row] = np.nan_to_num(whole, nan=low)
            if field in follows:
                follows[field][row] = False  # set by the analysis: no longer follows the book life
    drivers["utilization"] = np.clip(drivers["utilization"], 0.0, 1.0)
    for target in targets:
        if target.kind == "settings":
            check(SETTINGS[target.key].bound.contains(settings[target.key]), f"{target.path} is outside its range")
        elif target.kind == "drivers":
            in_range = DRIVERS[target.key].bound.contains(drivers[target.key]).all(axis=-1)
            check(in_range, f"{target.path} is outside its range in some year")
        elif target.kind == "capex":
            spent = capex[:, plan.class_names.index(target.key)]
            check(NON_NEGATIVE.contains(spent).all(axis=-1), f"{target.path} is negative in some year")
    if plan.terminal_method == "gordon":
        check(
            settings["wacc"] > settings["terminal_growth"], "the Gordon terminal value needs wacc above terminal_growth"
        )
    plan_capex = capex[..., : plan.plan_years].sum(axis=-1)
    if plan.rent:
        check(
            plan_capex[..., plan.revenue_generating].sum(axis=-1) > 0, "rent needs some plan capex that earns revenue"
        )
    if np.any(drivers["reinvestment_rate"][..., plan.plan_years :] > 0):
        check(plan_capex.sum(axis=-1) > 0, "a positive reinvestment rate after the plan needs some plan capex")
    return replace(plan, settings=settings, drivers=drivers, capex=capex, **lives), broken
