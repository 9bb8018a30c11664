"""Uncertain inputs whose distribution is centred away from the input's value in the model shown.

A distribution applied by **set** (settings and lives by default, docs/model.md section 8) holds
absolute values: it describes a WACC of 10 % whatever the WACC is now. Once the analyst types a
WACC of 12 %, a Monte Carlo or tornado run from it no longer describes the model on screen. A
**shift** (drivers) or **scale** (capex) moves the current value, whatever it is, so it follows
every edit and is never off centre.

The centre of each kind is the value an analyst reads as "the base case": the mean of a normal,
the median ``exp(mu)`` of a lognormal, the mode of a triangular or PERT, the midpoint of a
uniform. Re-centring moves the distribution by the difference and keeps its shape and spread (a
lognormal keeps its sigma: the same spread relative to the centre). Nothing is re-centred
without being asked: ``off_centre`` lists, ``recentred_section`` is the edit the window offers.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from model.document import Model, UncertainInput, Uncertainty
from model.errors import ModelError
from model.validation import apply_scenario, parse_target

# Relative gap below which a centre is the value itself (binary noise, ten-digit rounding).
TOLERANCE = 1e-9


@dataclass(frozen=True)
class OffCentre:
    """One uncertain input (``uncertainty.inputs[index]``) centred at ``centre`` while the model
    shown holds ``current``."""

    index: int
    target: str
    centre: float
    current: float


def centre(entry: UncertainInput) -> float:
    """The value a distribution is centred on: mean, median of a lognormal, mode, or midpoint."""
    dist = entry["dist"]
    if dist == "normal":
        return entry["mean"]
    if dist == "lognormal":
        return math.exp(entry["mu"])
    if dist in ("triangular", "pert"):
        return entry["mode"]
    return (entry["low"] + entry["high"]) / 2.0


def current_value(model: Model, target: str) -> float | None:
    """The value a **set** target holds in ``model`` (a resolved scenario): a setting, a life (an
    absent economic or tax life is the book life it follows), or a driver or capex row that is the
    same every year; None for a row that varies by year, which has no single value to centre on."""
    kind, key = parse_target(model, target, "target")
    if kind == "settings":
        return float(cast(Mapping[str, float], model["settings"])[key])
    if kind in ("drivers", "capex"):
        row = cast(Mapping[str, list[float]], model["drivers"] if kind == "drivers" else model["capex"])[key]
        return float(row[0]) if row and all(value == row[0] for value in row) else None
    cls = cast(Mapping[str, int], next(c for c in model["asset_classes"] if c["name"] == key))
    return float(cls.get(kind, cls["life"]))


def off_centre(model: Model, scenario: str | None = None) -> list[OffCentre]:
    """The uncertain inputs applied by set whose centre is not the input's value in ``scenario``."""
    section = model.get("uncertainty")
    if not section:
        return []
    resolved = apply_scenario(model, scenario)
    found = []
    for index, entry in enumerate(section["inputs"]):
        if entry["apply"] != "set":
            continue
        current = current_value(resolved, entry["target"])
        middle = centre(entry)
        if current is not None and not _same(middle, current):
            found.append(OffCentre(index, entry["target"], middle, current))
    return found


def recentred(entry: UncertainInput, value: float) -> UncertainInput:
    """``entry`` moved so that its centre is ``value``, its shape and spread kept."""
    out = copy.deepcopy(entry)
    dist = entry["dist"]
    if _same(centre(entry), value):
        return out
    if dist == "normal":
        out["mean"] = as_typed(value)
    elif dist == "lognormal":
        if value <= 0:
            raise ModelError(
                f"uncertainty.{entry['target']}", f"a lognormal cannot be centred on {value:g}: its values are above 0"
            )
        out["mu"] = as_typed(math.log(value))
    else:
        step = value - centre(entry)
        parameters = cast(dict[str, float], out)
        for parameter in ("low", "mode", "high") if dist != "uniform" else ("low", "high"):
            parameters[parameter] = as_typed(parameters[parameter] + step)
    return out


def recentred_section(model: Model, scenario: str | None = None) -> Uncertainty:
    """The uncertainty section with every off-centre input re-centred on its value in ``scenario``
    (one edit: the window applies it as one undo step)."""
    section = copy.deepcopy(model.get("uncertainty"))
    if section is None:
        raise ModelError("uncertainty", "this model has no uncertain inputs to re-centre")
    for found in off_centre(model, scenario):
        section["inputs"][found.index] = recentred(section["inputs"][found.index], found.current)
    return section


def _same(centre: float, value: float) -> bool:
    return abs(centre - value) <= TOLERANCE * max(1.0, abs(value))


def as_typed(value: float) -> float:
    """Ten significant digits, as ``with_distribution`` writes them: what an analyst would type,
    without binary noise (0.09 + 0.02 is 0.11, not 0.11000000000000001)."""
    return float(f"{value:.10g}")
