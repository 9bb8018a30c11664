"""The Scenarios sheet: every scenario side by side, as the window's Scenarios view shows them.

The figures compared (KPIs, then the chosen lines in the first projection years) and the inputs
each scenario overrides come from ``model.comparison``, which the window uses too. Each figure
has a row of values and a row of its difference to Base. The column "Live" is formulas: the
figures and inputs of the scenario picked on the Summary (the named cell ``scenario``), so it
moves when a colleague picks another; the other columns are each scenario as Capex Workbench
computed it at export (values). A spending row (capex, history) is compared by its total and a
driver by its average over the years; each such cell's comment lists the years' values, and the
rows ↳ of Assumptions hold them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.comparison import (
    ComparedFigure,
    OverriddenInput,
    class_field,
    compared_figures,
    overridden_inputs,
    scenario_results,
)
from model.schema import BASE_SCENARIO
from model.workbook.formats import NUMBER_FORMATS, cached
from model.workbook.layout import ASSUMPTIONS, FIRST_YEAR_COL, HEADER_ROW, SCENARIO_NAME, span, year_col

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

SCENARIOS = "Scenarios"
LABEL_COL, UNIT_COL, LIVE_COL, FIRST_SCENARIO_COL = 0, 1, 2, 3
CHANGE_LABEL = "    change from Base"
MARKET = "drivers.cloud_market"


def write_scenarios(writer: WorkbookWriter) -> None:
    sheet, f, model = writer.sheets[SCENARIOS], writer.formats, writer.model
    results = scenario_results(model, {writer.scenario: writer.results})
    names = list(results)
    sheet.set_column(LABEL_COL, LABEL_COL, 56)
    sheet.set_column(UNIT_COL, UNIT_COL, 10)
    sheet.set_column(LIVE_COL, FIRST_SCENARIO_COL + len(names) - 1, 15)
    writer.text(sheet, 0, 0, "Scenarios side by side", f.title)
    live_note = (
        f'="Live column: the scenario picked on the Summary, now "&{SCENARIO_NAME}&" (formulas). The other '
        'columns: each scenario as Capex Workbench computed it at export (values)."'
    )
    sheet.write_formula(
        1,
        0,
        live_note,
        f.subtitle,
        f"Live column: the scenario picked on the Summary, now {writer.scenario} (formulas). The other columns: "
        "each scenario as Capex Workbench computed it at export (values).",
    )
    sheet.freeze_panes(HEADER_ROW + 1, LIVE_COL)
    sheet.set_row(HEADER_ROW, 30)  # scenario names wrap on two lines
    sheet.repeat_rows(HEADER_ROW)
    sheet.write_string(HEADER_ROW, LABEL_COL, "Figure", f.header_left)
    sheet.write_string(HEADER_ROW, UNIT_COL, "Unit", f.header_left)
    sheet.write_formula(HEADER_ROW, LIVE_COL, f'="Live: "&{SCENARIO_NAME}', f.header, f"Live: {writer.scenario}")
    for col, name in enumerate(names, start=FIRST_SCENARIO_COL):
        writer.text(sheet, HEADER_ROW, col, name, f.header)
    row = HEADER_ROW + 1
    for figure in compared_figures(model):
        values = [figure.value(results[name]) for name in names]
        fmt = f.kpi(figure.key) if figure.year is None else f.line(figure.key)
        writer.text(sheet, row, LABEL_COL, figure.label)
        writer.text(sheet, row, UNIT_COL, writer.unit_text(str(figure.unit)), f.unit)
        live_value = figure.value(writer.results)
        sheet.write_formula(row, LIVE_COL, _live_figure(writer, figure), fmt, cached(live_value))
        _write_values(writer, sheet, row, values, fmt)
        row += 1
        writer.text(sheet, row, LABEL_COL, CHANGE_LABEL, f.note)
        live, base = xl_rowcol_to_cell(row - 1, LIVE_COL), xl_rowcol_to_cell(row - 1, FIRST_SCENARIO_COL)
        base_value = values[0]
        change = None if live_value is None or base_value is None else live_value - base_value
        difference = f'=IF(AND(ISNUMBER({live}),ISNUMBER({base})),{live}-{base},"")'
        sheet.write_formula(row, LIVE_COL, difference, fmt, cached(change))
        changes = [None if v is None or base_value is None else v - base_value for v in values[1:]]
        _write_values(writer, sheet, row, [None, *changes], fmt, empty="")
        row += 1

    row += 1
    sheet.set_row(row, None, f.section)
    sheet.write_string(row, LABEL_COL, "Inputs each scenario overrides (an empty cell: as Base)", f.section)
    row += 1
    inputs = overridden_inputs(model)
    if not inputs:
        writer.text(sheet, row, LABEL_COL, "No scenario overrides any input.", f.note)
    for entry in inputs:
        unit, fmt = _input_unit(writer, entry)
        label = entry.label + _summary_words(writer, entry)
        writer.text(sheet, row, LABEL_COL, label)
        writer.text(sheet, row, UNIT_COL, unit, f.unit)
        in_force = _shown(entry, _in_force(writer, entry))
        cached_value = in_force if isinstance(in_force, str) else cached(in_force)
        sheet.write_formula(row, LIVE_COL, _live_input(writer, entry), fmt, cached_value)
        for col, name in enumerate(names, start=FIRST_SCENARIO_COL):
            value = entry.base if name == BASE_SCENARIO else entry.values.get(name)
            if value is None:
                continue
            shown = _shown(entry, value)
            if isinstance(shown, str):
                writer.text(sheet, row, col, shown, f.text)
            else:
                sheet.write_number(row, col, shown, fmt)
            if entry.is_row:
                sheet.write_comment(row, col, _years_text(writer, entry, value), {"x_scale": 2, "y_scale": 1.5})
        row += 1
    sheet.print_area(0, 0, row, FIRST_SCENARIO_COL + len(names) - 1)
    sheet.fit_to_pages(1, 0)


def _write_values(
    writer: WorkbookWriter, sheet: Worksheet, row: int, values: Sequence[float | None], fmt: Format, empty: str = "n/a"
) -> None:
    """One value per scenario column; an undefined one (no IRR, no payback) as ``empty``."""
    for col, value in enumerate(values, start=FIRST_SCENARIO_COL):
        if value is None:
            if empty:
                writer.text(sheet, row, col, empty, writer.formats.note)
        else:
            sheet.write_number(row, col, value, fmt)


def _live_figure(writer: WorkbookWriter, figure: ComparedFigure) -> str:
    if figure.year is None:
        return f"=kpi_{figure.key}"
    return f"=INDEX(line_{figure.key},{figure.year - writer.model['base_year']})"


def _in_force(writer: WorkbookWriter, entry: OverriddenInput) -> Any:
    """The value of an overridden input in the exported scenario (a life may follow the book life)."""
    section, _, rest = entry.path.partition(".")
    if section == "asset_classes":
        name, _, field = rest.rpartition(".")
        return class_field(next(c for c in writer.resolved["asset_classes"] if c["name"] == name), field)
    return entry.values.get(writer.scenario, entry.base)


def _is_spending(entry: OverriddenInput) -> bool:
    """A capex or history row: compared by its total, the plan's size (as in the window)."""
    return entry.path.startswith(("capex.", "history."))


def _summary_words(writer: WorkbookWriter, entry: OverriddenInput) -> str:
    if _is_spending(entry):
        return ", total"
    if entry.is_row:
        return ", average over the years"
    return ""


def _input_unit(writer: WorkbookWriter, entry: OverriddenInput) -> tuple[str, Format]:
    """The unit words and the number format of an overridden input's cells."""
    f = writer.formats
    if entry.unit in ("money", "%", "x", "years"):
        fmt = f.number_format(NUMBER_FORMATS["integer"]) if entry.unit == "years" else f.number(entry.unit)
        return writer.unit_text(entry.unit), fmt
    if entry.unit == "RMB/USD":
        return entry.unit, f.number_format("0.00")
    return "", f.text if entry.unit in ("bool", "choice") else f.number("general")


def _shown(entry: OverriddenInput, value: Any) -> float | str:
    """A value of an overridden input as its cell shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    if _is_spending(entry):
        return float(sum(value))
    if entry.path == MARKET:  # a market size of null or 0 is unknown: the average of the known years
        known = [v for v in value if v]
        return sum(known) / len(known) if known else ""
    if entry.is_row:  # an optional driver the model does not give is zeros
        return sum(v or 0.0 for v in value) / len(value)
    return float(value)


def _years_text(writer: WorkbookWriter, entry: OverriddenInput, values: Sequence[Any]) -> str:
    """The years' values of a row input, for the comment of its cell."""
    history = entry.path.startswith("history.")
    first = writer.model["base_year"] + (1 - len(values) if history else 1)
    unit = entry.unit
    parts = []
    for k, value in enumerate(values):
        if value is None:
            text = "unknown"
        elif unit == "%":
            text = f"{value:.1%}"
        else:
            text = f"{value:,.2f}"
        parts.append(f"FY{first + k}: {text}")
    return f"{entry.label}\n" + "\n".join(parts)


def _live_input(writer: WorkbookWriter, entry: OverriddenInput) -> str:
    """A formula of the input in force in the scenario picked on the Summary (the rows in use)."""
    section, _, rest = entry.path.partition(".")
    names = [cls["name"] for cls in writer.model["asset_classes"]]
    if section == "settings":
        return f'=IF({rest},"yes","no")' if entry.unit == "bool" else f"={rest}"
    if entry.path == MARKET:
        return f'=IFERROR(AVERAGEIF({rest},">0"),"")'
    if section == "drivers":
        return f"=AVERAGE({rest})"
    if section == "capex":
        r = writer.capex_rows[names.index(rest)]
        return f"=SUM({span(ASSUMPTIONS, r, year_col(1), r, year_col(writer.horizon))})"
    if section == "history":
        r = writer.history_rows[names.index(rest)]
        return f"=SUM({span(ASSUMPTIONS, r, FIRST_YEAR_COL, r, FIRST_YEAR_COL + writer.history_years - 1)})"
    name, _, field = rest.rpartition(".")
    ref = writer.class_cells[names.index(name)][field]
    return f'=IF({ref},"yes","no")' if entry.unit == "bool" else f"={ref}"
