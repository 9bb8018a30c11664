"""The review list of the Bridge tab: every changed input of the semantic diff as one row of the
one table model (``ui.table_model``): field, old value, new value, unit.

Rows of years (drivers, capex, history) show only the years that differ, so a review reads as
"what moved"; the tooltip gives the whole row year by year.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from model.risk import Change
from model.validation import Model
from ui.formatting import CHOICE_LABELS, MoneyDisplay, format_cell
from ui.table_model import Sheet, cell_table, grid

COLUMNS = ("Field", "Old value", "New value", "Unit")
ABSENT = "absent"
MAX_YEARS_SHOWN = 3  # a row with more changed years shows its first and last changed years


def change_years(model: Model, change: Change) -> list[int] | None:
    """The fiscal year of each entry of a row-valued change (None for a single value): projection
    years for drivers and capex, the years up to the base year for history."""
    if change.section in ("drivers", "capex"):
        return [model["base_year"] + 1 + i for i in range(model["horizon"])]
    if change.section == "history":
        length = max(len(change.old or ()), len(change.new or ()))
        return [model["base_year"] - length + 1 + i for i in range(length)]
    return None


def unit_text(unit: str, money: MoneyDisplay) -> str:
    """The unit column: money as the display currency (``RMB bn``), the others as the model says."""
    return money.label if unit == "money" else unit


def single_text(value: Any, unit: str, money: MoneyDisplay) -> str:
    """One value of an input as the grids show it (``10.0%``, ``4.0``, ``yes``, ``Gordon growth``)."""
    if value is None:
        return ABSENT
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return CHOICE_LABELS.get(value, value)
    if isinstance(value, (int, float)):
        return format_cell(value, unit if unit in ("money", "%", "x", "years", "RMB/USD") else "", money)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return f"{len(value)} target{'s' if len(value) != 1 else ''}"  # the calibration
    return json.dumps(value)


def _aligned(row: Any, length: int) -> list:
    """A row front-padded with None to ``length`` (history rows are aligned on the base year)."""
    row = list(row or ())
    return [None] * (length - len(row)) + row


def row_texts(model: Model, change: Change, money: MoneyDisplay) -> tuple[str, str, str]:
    """The old and new cells of one change and its tooltip (rows of years: the years that differ)."""
    years = change_years(model, change)
    if years is None:
        old, new = single_text(change.old, change.unit, money), single_text(change.new, change.unit, money)
        tooltip = f"{change.path}\n{old} → {new}"
        if change.section == "calibration":
            tooltip = f"calibration\nold: {json.dumps(change.old)}\nnew: {json.dumps(change.new)}"
        return old, new, tooltip
    if change.old is None or change.new is None:
        side = "old" if change.old is None else "new"
        present = change.new if change.old is None else change.old
        cells = ", ".join(single_text(v, change.unit, money) for v in present)
        old = ABSENT if change.old is None else f"{len(present)} years"
        new = ABSENT if change.new is None else f"{len(present)} years"
        return old, new, f"{change.path}: absent on the {side} side; the other: {cells}"
    old_row, new_row = _aligned(change.old, len(years)), _aligned(change.new, len(years))
    moved = [i for i, (a, b) in enumerate(zip(old_row, new_row, strict=True)) if a != b]
    shown = moved if len(moved) <= MAX_YEARS_SHOWN else [moved[0], moved[-1]]
    joiner = ", " if len(moved) <= MAX_YEARS_SHOWN else " … "

    def cells(row: list) -> str:
        return joiner.join(f"FY{years[i] % 100:02d} {single_text(row[i], change.unit, money)}" for i in shown)

    lines = [
        f"FY{year}: {single_text(a, change.unit, money)} → {single_text(b, change.unit, money)}"
        + ("" if a == b else "  (changed)")
        for year, a, b in zip(years, old_row, new_row, strict=True)
    ]
    return cells(old_row), cells(new_row), "\n".join([change.path, *lines])


def change_sheet(model: Model, changes: Sequence[Change], money: MoneyDisplay) -> Sheet:
    """The review list as a read-only sheet (all cells text; ``model`` gives the years of rows)."""
    texts = [row_texts(model, change, money) for change in changes]
    values = cell_table(
        [
            [change.label, old, new, unit_text(change.unit, money)]
            for change, (old, new, _) in zip(changes, texts, strict=True)
        ],
        len(COLUMNS),
    )
    tooltips = grid(values.shape, "")
    for row, (_, _, tooltip) in enumerate(texts):
        tooltips[row, :] = tooltip
    return Sheet(
        cells=values,
        row_keys=list(range(len(changes))),
        column_keys=list(COLUMNS),
        units=grid(values.shape, "text"),
        row_labels=[str(i + 1) for i in range(len(changes))],
        column_labels=list(COLUMNS),
        tooltips=tooltips,
        row_tooltips=[change.path for change in changes],
    )
