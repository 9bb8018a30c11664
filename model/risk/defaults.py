"""The distribution a new uncertain input starts with: a starting point an analyst then edits.

Each default is centred on the input's value in the scenario shown (so the off-centre note stays
quiet) and stays inside the input's valid range (docs/model.md section 3), so that it is accepted
and leaves no trial out for breaking a rule of its own:

- a **setting** is set by triangular(value × 0.9, value, value × 1.1): ±10 % of itself, the range
  the tornado uses without an uncertainty section; a setting at 0 gets ± one step of its unit
  (``ZERO_HALF_WIDTH``: 1 percentage point, 0.1x, 1 money unit), and both ends are kept inside
  the setting's range (a tax rate of 0 runs 0..1 %);
- a **life** is set by triangular(value − step, value, value + step) in whole years, the step
  10 % of the life rounded half up and at least one year (5 years: 4..6), kept in its range of
  years (book and economic 1..50, tax 0..50);
- a **driver** is shifted by normal(0, ``DRIVER_SHIFT_SD``) = 2 percentage points in every year:
  P10..P90 about ±2.6 points, a moderate move of a growth rate, margin, price or utilization.
  Where that would cross the driver's range in some year (a reinvestment rate at 0), it is a
  triangular shift from −3 sd to +3 sd cut at the range instead (utilization is clipped to
  0..1 by every analysis, so it keeps the normal);
- a **capex** class is scaled by lognormal(mu 0, sigma 0.1): a median of exactly the plan,
  P10..P90 about 0.88x..1.14x, never negative.

A new section takes the trials, seed and sampler the model's validation fills in for a section
that omits them, so a model with no uncertainty section and one with an empty section run alike.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import cast

from model.document import Model, UncertainInput, Uncertainty
from model.errors import ModelError
from model.risk.recentre import as_typed, current_value
from model.risk.targets import LIFE_TARGET_RANGES, Target, target_unit
from model.schema import DRIVERS, SETTINGS, Bound
from model.validation import apply_scenario, check_uncertainty

SETTING_SPREAD = 0.10  # ±10 % of the value
ZERO_HALF_WIDTH = {"%": 0.01, "x": 0.1, "RMB/USD": 0.1, "money": 1.0}  # a setting at 0: ± one step of its unit
LIFE_SPREAD = 0.10  # ±10 % of the life, at least one whole year
DRIVER_SHIFT_SD = 0.02  # two percentage points added to every year
DRIVER_SHIFT_REACH = 3.0  # a cut-off shift reaches ±3 sd, as far as a normal's draws go in practice
CAPEX_SCALE_SIGMA = 0.10
CLIPPED_DRIVERS = ("utilization",)  # clipped to 0..1 by every analysis, never out of range
Z_90 = 1.2815515655446004  # the standard normal's P90: P10..P90 of a normal is mean ± Z_90 sd

_LIFE_REASON = (
    f"Set by a triangular distribution in whole years, {LIFE_SPREAD:.0%} of the life (at least a year) "
    "either side of the value shown, kept in the range of lives."
)
# Why each kind of target starts as it does, in words for the window's tooltips.
DEFAULT_REASONS = {
    "settings": f"Set by a triangular distribution from {SETTING_SPREAD:.0%} below to {SETTING_SPREAD:.0%} above "
    "the value shown, kept in the setting's valid range (a setting at 0 gets one step of its unit).",
    "drivers": f"Shifted: a normal draw with mean 0 and sd {DRIVER_SHIFT_SD * 100:g} percentage points is added "
    f"to every year (P10..P90 about ±{Z_90 * DRIVER_SHIFT_SD * 100:.1f} points). Where that would leave the "
    "driver's range, a triangular shift cut at the range.",
    "capex": f"Scaled: every plan year multiplied by a lognormal draw with mu 0 and sigma {CAPEX_SCALE_SIGMA:g} "
    f"(median 1x, P10..P90 about {math.exp(-Z_90 * CAPEX_SCALE_SIGMA):.2f}x.."
    f"{math.exp(Z_90 * CAPEX_SCALE_SIGMA):.2f}x).",
} | dict.fromkeys(LIFE_TARGET_RANGES, _LIFE_REASON)


def default_input(model: Model, target: str, scenario: str | None = None) -> UncertainInput:
    """The starting distribution of ``target`` in a valid model, centred on its value in
    ``scenario`` (see the module's docstring for each kind and why)."""
    parsed = Target.parse(model, target)
    shown = apply_scenario(model, scenario)
    if parsed.kind == "capex":
        return {"target": target, "dist": "lognormal", "apply": "scale", "mu": 0.0, "sigma": CAPEX_SCALE_SIGMA}
    if parsed.kind == "drivers":
        return _driver_shift(shown, parsed)
    value = current_value(shown, target)
    assert value is not None  # a setting or a life always has one value
    if parsed.kind == "settings":
        half = abs(value) * SETTING_SPREAD or ZERO_HALF_WIDTH[target_unit(target, "set")]
        low, high = _inside(SETTINGS[parsed.key].bound, value - half, value + half)
    else:
        step = max(1, math.floor(value * LIFE_SPREAD + 0.5))
        shortest, longest = LIFE_TARGET_RANGES[parsed.kind]
        low, high = max(value - step, shortest), min(value + step, longest)
    return _triangular(target, low, value, high)


def with_inputs_added(model: Model, targets: Sequence[str], scenario: str | None = None) -> Uncertainty:
    """The uncertainty section with ``targets`` added at the end, each with its default; a model
    without the section gets one with the defaults of validation (trials, seed, sampler)."""
    existing = model.get("uncertainty")
    section = copy.deepcopy(existing) if existing else check_uncertainty(model, {})
    held = {entry["target"] for entry in section["inputs"]}
    for target in targets:
        if target in held:
            raise ModelError(f"uncertainty.{target}", "is already an uncertain input")
        section["inputs"].append(default_input(model, target, scenario))
        held.add(target)
    return section


def with_inputs_removed(model: Model, targets: Iterable[str]) -> Uncertainty:
    """The uncertainty section without ``targets`` and without any correlation naming one of
    them. Removing the last input leaves an empty, valid section: its trials, seed and sampler
    stay, and the tornado moves every input ±10 % again, as without a section."""
    section = copy.deepcopy(model.get("uncertainty"))
    if section is None:
        raise ModelError("uncertainty", "this model has no uncertain inputs to remove")
    gone = set(targets)
    if missing := gone - {entry["target"] for entry in section["inputs"]}:
        raise ModelError(f"uncertainty.{sorted(missing)[0]}", "is not an uncertain input")
    section["inputs"] = [entry for entry in section["inputs"] if entry["target"] not in gone]
    section["correlations"] = [pair for pair in section["correlations"] if not gone & {pair[0], pair[1]}]
    return section


def _driver_shift(shown: Model, target: Target) -> UncertainInput:
    row = cast(Mapping[str, Sequence[float | None]], shown["drivers"]).get(target.key) or [0.0]
    values = [float(v) for v in row if v is not None] or [0.0]
    reach = DRIVER_SHIFT_REACH * DRIVER_SHIFT_SD
    if target.key in CLIPPED_DRIVERS:
        low, high = -reach, reach
    else:
        bound = DRIVERS[target.key].bound
        low = -reach if bound.low is None else max(-reach, bound.low - min(values))
        high = reach if bound.high is None else min(reach, bound.high - max(values))
    if (low, high) == (-reach, reach):
        return {"target": target.path, "dist": "normal", "apply": "shift", "mean": 0.0, "sd": DRIVER_SHIFT_SD}
    return _triangular(target.path, low, 0.0, high, apply="shift")


def _inside(bound: Bound, low: float, high: float) -> tuple[float, float]:
    """``low`` and ``high`` (in either order) cut to the range ``bound`` allows."""
    low, high = min(low, high), max(low, high)
    if bound.low is not None:
        low = max(low, bound.low)
    if bound.high is not None:
        high = min(high, bound.high)
    return low, high


def _triangular(target: str, low: float, mode: float, high: float, apply: str = "set") -> UncertainInput:
    entry = {"target": target, "dist": "triangular", "apply": apply}
    return cast(UncertainInput, entry | {"low": as_typed(low), "mode": as_typed(mode), "high": as_typed(high)})
