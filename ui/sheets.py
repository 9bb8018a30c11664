"""What each grid shows, built from the model, the selected scenario and the results.

Each builder returns a ``Sheet``: values in model units, how to format them, which cells take
input, where each number comes from (tooltips) and which cells are reported figures or scenario
overrides (marks). Nothing here computes a model figure: inputs come from the model, outputs from
``Results`` and capex totals from ``model.engine.capex_table``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from model import Results
from model.edits import RenameClass, SetCell, SetClassField, SetSetting
from model.engine import capex_table
from model.outputs import LINES
from model.schema import BASE_SCENARIO, DRIVERS, MAX_LIFE, MIN_LIFE, SETTINGS, TERMINAL_METHODS, TREATMENTS
from model.validation import Model, apply_scenario
from ui.formatting import MoneyDisplay, format_cell
from ui.table_model import OVERRIDDEN, SOURCED, TOTAL, Sheet, grid

JUDGMENT_PREFIX = "judgment"
UNIT_NAMES = {"%": "%", "x": "×", "years": "years", "RMB/USD": "RMB per USD", "bool": "yes / no", "": ""}
EMPHASISED_LINES = ("total_revenue", "ebita_margin", "fcf")
CLASS_COLUMNS = {
    "name": "Class",
    "treatment": "Treatment",
    "life": "Life (years)",
    "revenue_generating": "Earns revenue",
}


def unit_name(unit: str, money: MoneyDisplay) -> str:
    return money.label if unit == "money" else UNIT_NAMES.get(unit, unit)


def year_labels(years: list[int]) -> list[str]:
    return [f"FY{year % 100:02d}" for year in years]


def source_of(model: Model, path: str) -> dict[str, str] | None:
    return model["sources"].get(path)


def is_reported(source: dict[str, str] | None) -> bool:
    """A figure taken from a filing or a data provider, as opposed to the analyst's judgment."""
    return source is not None and not source["text"].strip().lower().startswith(JUDGMENT_PREFIX)


def source_note(source: dict[str, str] | None) -> str:
    if source is None:
        return "No source recorded: the analyst's own input."
    parts = [f"Source: {source['text']}"]
    if source.get("date"):
        parts.append(f"Date: {source['date']}")
    if source.get("url"):
        parts.append(source["url"])
    return "\n".join(parts)


def override_note(scenario: str, base_text: str) -> str:
    return f"{scenario} overrides this input (Base: {base_text}). Right-click › Reset to Base removes the override."


def _overrides(model: Model, scenario: str, section: str) -> dict[str, Any]:
    if scenario == BASE_SCENARIO:
        return {}
    return model["scenarios"][scenario].get(section, {})


def capex_sheet(model: Model, scenario: str, money: MoneyDisplay) -> Sheet:
    """Capex by class and year with a total row and a total column; the class-year cells take input."""
    values = capex_table(model, scenario)
    classes = list(model["capex"])
    horizon, base_year = model["horizon"], model["base_year"]
    units, editable = grid(values, "money"), grid(values, False)
    marks, tooltips = grid(values, ""), grid(values, "")
    editable[: len(classes), :horizon] = True
    marks[len(classes), :] = marks[:, horizon] = TOTAL
    tooltips[len(classes), :] = tooltips[:, horizon] = "Total capex (capex_total of the results)"
    overridden = _overrides(model, scenario, "capex")
    for row, name in enumerate(classes):
        source = source_of(model, f"capex.{name}")
        note = source_note(source)
        if name in overridden:
            base_total = format_cell(sum(model["capex"][name]), "money", money)
            note = f"{override_note(scenario, f'{base_total} over the plan')}\n{note}"
            marks[row, :horizon] = OVERRIDDEN
        elif is_reported(source):
            marks[row, :horizon] = SOURCED
        tooltips[row, :horizon] = note

    def edit_for(name: str, year: int, value: Any) -> SetCell:
        return SetCell("capex", name, year - base_year - 1, value)

    return Sheet(
        values=values,
        units=units,
        row_labels=[*classes, "Total"],
        column_labels=[*year_labels(list(values.columns[:horizon])), "Total"],
        editable=editable,
        marks=marks,
        tooltips=tooltips,
        edit_for=edit_for,
    )


def class_sheet(model: Model, scenario: str, money: MoneyDisplay) -> Sheet:
    """One row per class: name (rename), treatment, life and whether it earns revenue."""
    resolved = apply_scenario(model, scenario)
    names = [cls["name"] for cls in resolved["asset_classes"]]
    values = pd.DataFrame(
        [
            [cls["name"], cls["treatment"], cls.get("life"), cls["revenue_generating"]]
            for cls in resolved["asset_classes"]
        ],
        index=names,
        columns=list(CLASS_COLUMNS),
        dtype=object,
    )
    units, editable = grid(values, ""), grid(values, True)
    units[:, 0], units[:, 1], units[:, 2], units[:, 3] = "text", "choice", "integer", "bool"
    marks, tooltips = grid(values, ""), grid(values, "")
    overridden = _overrides(model, scenario, "asset_classes")
    choices, limits = {}, {}
    for row, cls in enumerate(resolved["asset_classes"]):
        source = source_of(model, f"asset_classes.{cls['name']}")
        editable[row, 2] = cls["treatment"] == "capitalized"
        choices[(row, 1)] = TREATMENTS
        limits[(row, 2)] = (MIN_LIFE, MAX_LIFE)
        for column, key in enumerate(CLASS_COLUMNS):
            if key in overridden.get(cls["name"], {}):
                marks[row, column] = OVERRIDDEN
                base_class = next(c for c in model["asset_classes"] if c["name"] == cls["name"])
                tooltips[row, column] = f"{override_note(scenario, str(base_class.get(key)))}\n{source_note(source)}"
            else:
                marks[row, column] = SOURCED if is_reported(source) and column else ""
                tooltips[row, column] = source_note(source)
        tooltips[row, 0] = "Type a new name to rename the class (every scenario and source follows)."

    def edit_for(name: str, key: str, value: Any) -> RenameClass | SetClassField:
        return RenameClass(name, value) if key == "name" else SetClassField(name, key, value)

    return Sheet(
        values=values,
        units=units,
        row_labels=[str(i + 1) for i in range(len(names))],
        column_labels=list(CLASS_COLUMNS.values()),
        editable=editable,
        marks=marks,
        tooltips=tooltips,
        edit_for=edit_for,
        choices=choices,
        limits=limits,
    )


def drivers_sheet(model: Model, scenario: str, money: MoneyDisplay) -> Sheet:
    """Each driver across the projection years; rates shown and typed as percentages."""
    resolved = apply_scenario(model, scenario)
    horizon, base_year = model["horizon"], model["base_year"]
    years = list(range(base_year + 1, base_year + horizon + 1))
    rows = {key: resolved["drivers"].get(key) or [None] * horizon for key in DRIVERS}
    values = pd.DataFrame(list(rows.values()), index=list(rows), columns=years, dtype=object)
    units, marks, tooltips = grid(values, ""), grid(values, ""), grid(values, "")
    overridden = _overrides(model, scenario, "drivers")
    for row, (key, spec) in enumerate(DRIVERS.items()):
        units[row, :] = spec.unit
        source = source_of(model, f"drivers.{key}")
        note = source_note(source)
        if spec.unit == "%":
            note += "\nType 12, 12% or 0.12 for 12 %."
        if spec.nullable:
            note += "\nLeave a year empty when it is unknown."
        if key in overridden:
            marks[row, :] = OVERRIDDEN
            note = f"{override_note(scenario, 'see Base')}\n{note}"
        elif is_reported(source):
            marks[row, :] = SOURCED
        tooltips[row, :] = note

    def edit_for(key: str, year: int, value: Any) -> SetCell:
        return SetCell("drivers", key, year - base_year - 1, value)

    return Sheet(
        values=values,
        units=units,
        row_labels=[f"{spec.label} ({unit_name(spec.unit, money)})" for spec in DRIVERS.values()],
        column_labels=year_labels(years),
        editable=grid(values, True),
        marks=marks,
        tooltips=tooltips,
        edit_for=edit_for,
    )


def settings_sheet(model: Model, scenario: str, money: MoneyDisplay) -> Sheet:
    """Every setting with its value, unit and source; the value column takes input."""
    resolved = apply_scenario(model, scenario)
    overridden = _overrides(model, scenario, "settings")
    rows, units, marks, tooltips, choices = [], [], [], [], {}
    for row, (key, spec) in enumerate(SETTINGS.items()):
        source = source_of(model, f"settings.{key}")
        kind = spec.unit if spec.kind == "number" else spec.kind
        rows.append(
            [
                resolved["settings"][key],
                unit_name(kind, money) if spec.kind != "choice" else "",
                source["text"] if source else "—",
            ]
        )
        units.append([kind, "text", "text"])
        note = source_note(source)
        mark = SOURCED if is_reported(source) else ""
        if key in overridden:
            base_text = format_cell(model["settings"][key], kind, money)
            note, mark = f"{override_note(scenario, base_text)}\n{note}", OVERRIDDEN
        marks.append([mark, "", ""])
        tooltips.append([note, note, note])
        if spec.kind == "choice":
            choices[(row, 0)] = TERMINAL_METHODS
    values = pd.DataFrame(rows, index=list(SETTINGS), columns=["value", "unit", "source"], dtype=object)
    editable = grid(values, False)
    editable[:, 0] = True

    def edit_for(key: str, _column: str, value: Any) -> SetSetting:
        return SetSetting(key, value)

    return Sheet(
        values=values,
        units=pd.DataFrame(units).to_numpy(dtype=object),
        row_labels=[spec.label for spec in SETTINGS.values()],
        column_labels=["Value", "Unit", "Source"],
        editable=editable,
        marks=pd.DataFrame(marks).to_numpy(dtype=object),
        tooltips=pd.DataFrame(tooltips).to_numpy(dtype=object),
        edit_for=edit_for,
        choices=choices,
    )


def projections_sheet(model: Model, results: Results, money: MoneyDisplay) -> Sheet:
    """Every output line across the projection years (read-only), with reported actuals in tooltips."""
    values = results.lines.astype(object)
    units, marks, tooltips = grid(values, ""), grid(values, ""), grid(values, "")
    row_tooltips = []
    for row, (key, spec) in enumerate(LINES.items()):
        label, unit = spec.label, spec.unit
        units[row, :] = unit
        if key in EMPHASISED_LINES:
            marks[row, :] = TOTAL
        row_tooltips.append(f"{label}: computed by the model from the inputs (line '{key}' of the JSON output).")
        for column, year in enumerate(results.years):
            actual = model["actuals"].get(str(year), {}).get(key)
            if actual is not None:
                source = source_of(model, f"actuals.{year}.{key}")
                tooltips[row, column] = (
                    f"Model: {format_cell(values.iat[row, column], unit, money)}; "
                    f"reported FY{year}: {format_cell(actual, unit, money)}\n{source_note(source)}"
                )
                marks[row, column] = SOURCED
    return Sheet(
        values=values,
        units=units,
        row_labels=[f"{spec.label} ({unit_name(spec.unit, money)})" for spec in LINES.values()],
        column_labels=year_labels(results.years),
        marks=marks,
        tooltips=tooltips,
        row_tooltips=row_tooltips,
    )
