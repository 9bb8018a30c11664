"""What the risk pages share: values in display units, axis titles and the names of targets."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from model.outputs import Unit
from model.schema import DRIVERS, SETTINGS
from ui.formatting import MoneyDisplay


def display(values: Any, unit: str, money: MoneyDisplay) -> np.ndarray:
    """Model values in the units charts show: money in the display currency, rates in percent."""
    values = np.asarray(values, dtype=float)
    return values / money.rate if unit == Unit.MONEY else values * 100.0 if unit == Unit.PERCENT else values


def error_text(message: str) -> str:
    """A refused request as the pages show it, in the charts' red."""
    return f"<span style='color:#c8453c'>{message}</span>"


# How the kinds of target that name a class read (docs/model.md section 8).
CLASS_TARGET_NAMES = {"capex": "Capex", "life": "Book life", "economic_life": "Economic life", "tax_life": "Tax life"}
LIFE_KINDS = ("life", "economic_life", "tax_life")


def target_label(path: str) -> str:
    """What the analyst calls a target: ``drivers.price_change`` is "Price change per year",
    ``economic_life.AI servers`` is "Economic life: AI servers"."""
    kind, _, key = path.partition(".")
    if kind == "settings":
        return SETTINGS[key].label
    if kind == "drivers":
        return DRIVERS[key].label
    return f"{CLASS_TARGET_NAMES.get(kind, kind.capitalize())}: {key}"


def is_life(path: str) -> bool:
    """A book, economic or tax life: applied as a whole number of years."""
    return path.partition(".")[0] in LIFE_KINDS


def default_target(paths: list[str], preferred: tuple[str, ...]) -> str:
    """The first of ``preferred`` that is a target of this model (a calibrated setting is not)."""
    return next((path for path in preferred if path in paths), paths[0] if paths else "")


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


def value_text(value: float, unit: str) -> str:
    """A value of a target as it is typed in the grid and breakeven fields (``10%``, ``0.6``)."""
    return f"{value * 100:.6g}%" if unit == "%" else f"{value:.6g}"


def fill_targets(combo: QComboBox, paths: list[str]) -> None:
    """The targets in a picker by name, with the key as data and tooltip; the choice is kept."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    for path in paths:
        combo.addItem(target_label(path), path)
        combo.setItemData(combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(combo.findData(current))
    combo.blockSignals(False)
