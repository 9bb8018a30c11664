"""The Scenarios sheet: KPIs and overrides of every scenario side by side.

The live formulas model one scenario, so the other scenarios' KPIs are values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model.engine import compute
from model.outputs import KPIS
from model.schema import BASE_SCENARIO, DRIVERS, SETTINGS
from model.validation import Model, scenario_names
from model.workbook.formats import cached
from model.workbook.layout import HEADER_ROW

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter


def write_scenarios(writer: WorkbookWriter) -> None:
    sheet, f, model = writer.sheets["Scenarios"], writer.formats, writer.model
    names = scenario_names(model)
    writer.title(
        sheet,
        "Scenarios side by side",
        f"The {writer.scenario} column is live (it reads the Summary); the other columns are values computed "
        "by Capex Workbench, since the formulas of this workbook model one scenario.",
    )
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, len(names), 16)
    sheet.freeze_panes(HEADER_ROW + 1, 1)
    sheet.write_string(HEADER_ROW, 0, "KPI", f.header_left)
    for col, name in enumerate(names, start=1):
        writer.text(sheet, HEADER_ROW, col, name, f.header)
    results = {name: writer.results if name == writer.scenario else compute(model, name) for name in names}
    row = HEADER_ROW + 1
    for key, spec in KPIS.items():
        writer.text(sheet, row, 0, spec.label)
        fmt = f.kpi(key)
        for col, name in enumerate(names, start=1):
            value = cached(results[name].kpis[key])
            if name == writer.scenario:
                sheet.write_formula(row, col, f"=kpi_{key}", fmt, value)
            elif value == "":
                sheet.write_string(row, col, "n/a", f.note)
            else:
                sheet.write_number(row, col, value, fmt)
        row += 1
    row = writer.section(sheet, row + 1, "")
    sheet.write_string(row - 1, 0, "Overrides (blank: as Base)", f.section)
    for path, unit in _override_paths(model):
        writer.text(sheet, row, 0, path)
        for col, name in enumerate(names, start=1):
            value = _lookup(model if name == BASE_SCENARIO else model["scenarios"][name], path, name)
            if value is None:
                continue
            if isinstance(value, list):
                writer.text(sheet, row, col, "; ".join("" if v is None else f"{v:g}" for v in value), f.wrap)
            elif isinstance(value, (bool, str)):
                writer.text(sheet, row, col, str(value))
            else:
                sheet.write_number(row, col, value, f.number(unit))
        row += 1


def _override_paths(model: Model) -> list[tuple[str, str]]:
    """Every field some scenario overrides, with its unit, in the order first met."""
    paths: dict[str, str] = {}
    for overrides in model["scenarios"].values():
        for key in overrides.get("settings", {}):
            paths[f"settings.{key}"] = SETTINGS[key].unit
        for key in overrides.get("drivers", {}):
            paths[f"drivers.{key}"] = DRIVERS[key].unit
        for name in overrides.get("capex", {}):
            paths[f"capex.{name}"] = "money"
        for name in overrides.get("history", {}).get("capex", {}):
            paths[f"history.{name}"] = "money"
        for name, fields in overrides.get("asset_classes", {}).items():
            for field in fields:
                paths[f"asset_classes.{name}.{field}"] = ""
    return list(paths.items())


def _lookup(source: Model, path: str, scenario: str) -> Any:
    """The value at ``settings.KEY`` / ``capex.CLASS`` / ``history.CLASS`` /
    ``asset_classes.CLASS.FIELD`` of the model or of a scenario's overrides (None where the
    scenario keeps the base value)."""
    section, _, rest = path.partition(".")
    if section == "history":
        return (source.get("history") or {}).get("capex", {}).get(rest)
    if section != "asset_classes":
        return source.get(section, {}).get(rest)
    name, _, field = rest.rpartition(".")
    if scenario == BASE_SCENARIO:
        return next((c.get(field) for c in source["asset_classes"] if c["name"] == name), None)
    return source.get("asset_classes", {}).get(name, {}).get(field)
