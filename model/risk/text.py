"""What a user types for an analysis, in the window's fields or on the command line, as values.

Both the window and ``main.py`` read the same text, so the parsing lives here, once; ``where``
names the field or option in the error. ``12%`` means 0.12 everywhere.
"""

from __future__ import annotations

import numpy as np

from model.errors import ModelError
from model.risk.analysis import METRICS


def parse_numbers(text: str, where: str) -> list[float]:
    """Comma-separated numbers; ``12%`` is 0.12, as the window reads a typed percentage."""
    if not text.strip():
        raise ModelError(where, "no values: type them separated by commas, e.g. 8%,10%,12%")
    numbers = []
    for part in text.split(","):
        item = part.strip()
        try:
            number = float(item.removesuffix("%"))
        except ValueError:
            number = None
        if number is None or "_" in item:  # Python reads 1_0 as 10; a spreadsheet reads it as text
            raise ModelError(where, f"{item!r} in {text!r} is not a number")
        if not np.isfinite(number):
            raise ModelError(where, f"{item!r} in {text!r} is not a finite number")
        numbers.append(number / 100 if item.endswith("%") else number)
    return numbers


def parse_axis(text: str, where: str) -> tuple[str, list[float]]:
    """``settings.wacc=0.08,0.1,0.12`` or ``settings.wacc=8%,10%,12%`` -> ("settings.wacc", [0.08, 0.1, 0.12])."""
    target, sign, values = text.rpartition("=")
    if not sign or not target or not values:
        raise ModelError(where, f"{text!r} is not TARGET=v1,v2,...")
    return target, parse_numbers(values, where)


def parse_goal(text: str, where: str = "goal") -> tuple[str, float]:
    """``npv=0``, ``irr=0.12`` or ``irr=12%`` -> (metric, value)."""
    metric, sign, value = text.partition("=")
    if not sign or metric not in METRICS:
        raise ModelError(where, f"{text!r} is not npv=VALUE or irr=RATE")
    numbers = parse_numbers(value, where)
    if len(numbers) != 1:
        raise ModelError(where, f"{text!r} is not npv=VALUE or irr=RATE")
    return metric, numbers[0]


def parse_range(text: str, where: str = "range") -> tuple[float, float]:
    """``LO,HI`` with LO < HI; ``30%,90%`` is (0.3, 0.9)."""
    numbers = parse_numbers(text, where)
    if len(numbers) != 2 or not numbers[0] < numbers[1]:
        raise ModelError(where, f"{text!r} is not LO,HI with LO < HI")
    return numbers[0], numbers[1]
