"""What the risk pages share: values in display units, axis titles and the names of targets."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from model.outputs import Unit

# Re-exported: the pages name and unit targets as the workbook does, from the model layer.
from model.risk.targets import target_label as target_label
from model.risk.targets import target_unit as target_unit
from ui.formatting import MoneyDisplay


def display(values: Any, unit: str, money: MoneyDisplay) -> np.ndarray:
    """Model values in the units charts show: money in the display currency, rates in percent."""
    values = np.asarray(values, dtype=float)
    return values / money.rate if unit == Unit.MONEY else values * 100.0 if unit == Unit.PERCENT else values


def error_text(message: str) -> str:
    """A refused request as the pages show it, in the charts' red."""
    return f"<span style='color:#c8453c'>{message}</span>"


LIFE_KINDS = ("life", "economic_life", "tax_life")


def is_life(path: str) -> bool:
    """A book, economic or tax life: applied as a whole number of years."""
    return path.partition(".")[0] in LIFE_KINDS


def default_target(paths: list[str], preferred: tuple[str, ...]) -> str:
    """The first of ``preferred`` that is a target of this model (a calibrated setting is not)."""
    return next((path for path in preferred if path in paths), paths[0] if paths else "")


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
