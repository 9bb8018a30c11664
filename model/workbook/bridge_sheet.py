"""The Bridge sheet of the exported workbook: why a metric differs between two states (docs/bridge.md).

The sheet holds the bridge as it was computed (``model.risk.bridge``): the metric, the two states,
the start and end values, and one row per lever with its from and to values, unit and Shapley
contribution. The check that the contributions add up to end − start is a formula. The chart is a
waterfall drawn as stacked columns (XlsxWriter has no waterfall type): an invisible base lifts
each lever's bar to where the previous one ended, increases and decreases are coloured, the start
and end bars are grey, and each bar is labelled with its signed value. A bar that crosses zero is
drawn as a part above and a part below it, as stacked columns stack each sign from zero; the
chart workings below the levers compute those parts by formulas from the contributions.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from xlsxwriter.utility import xl_rowcol_to_cell

from model.outputs import KPIS, LINES, Unit
from model.risk import BridgeResults
from model.risk.bridge import LeverContribution
from model.workbook.formats import cached
from model.workbook.sheet_cells import (
    header_row,
    number_cell,
    print_summary,
    section,
    summary_row,
    value_format,
)

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

SHEET = "Bridge"
NEUTRAL, INCREASE, DECREASE = "#A6A6A6", "#63BE7B", "#E06666"
# The chart's series, in stacking order (the invisible base nearest zero), and their colours.
SERIES = (
    ("base", None),
    ("increase", INCREASE),
    ("increase below zero", INCREASE),
    ("decrease", DECREASE),
    ("decrease below zero", DECREASE),
    ("start and end", NEUTRAL),
)
LEGEND_HIDDEN = [0, 2, 4]  # the base, and the second part of a bar that crosses zero
VALUE_CHARS = 34  # characters of a lever's value on one line of its column


def metric_spec(metric: str) -> tuple[str, Unit, str]:
    """A bridge metric's label, unit and number format: ``npv`` is NPV in money,
    ``ebita_margin@2030`` is "EBITA margin FY2030" in percent."""
    key, _, year = metric.partition("@")
    if key in KPIS:
        return KPIS[key].label, KPIS[key].unit, KPIS[key].excel_format
    return f"{LINES[key].label} FY{year}", LINES[key].unit, LINES[key].excel_format


def signed(num_format: str) -> str:
    """The number format with an explicit sign: ``+12.3`` and ``-4.5``."""
    positive = num_format.split(";")[0]
    return f"+{positive};-{positive};{positive}"


def waterfall_parts(start: float, contributions: Sequence[float], end: float) -> NDArray[np.float64]:
    """The chart's series values, one row per bar (start, each lever, end) and one column per
    series of SERIES: a lever's bar runs from the running total before it to the one after it;
    the part at or above zero stacks up from the base, the part below zero down from it."""
    parts = np.zeros((len(contributions) + 2, len(SERIES)))
    parts[0, 5], parts[-1, 5] = start, end
    before = start
    for row, contribution in enumerate(contributions, start=1):
        after = before + contribution
        low, high = min(before, after), max(before, after)
        if low >= 0:
            base, above, below = low, high - low, 0.0
        elif high <= 0:
            base, above, below = high, 0.0, low - high
        else:
            base, above, below = 0.0, high, low
        column = 1 if contribution >= 0 else 3
        parts[row, 0], parts[row, column], parts[row, column + 1] = base, above, below
        before = after
    return parts


def value_text(value: Any, unit: str) -> str:
    """A lever's value that is not one number: a row of years, a choice, a flag, absent; a
    number in a row as the sheet shows it (a rate in percent)."""
    if value is None:
        return "(absent)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):  # a row of years, repeats written once: "85.0% x9"
        texts = [value_text(item, unit) for item in value]
        runs = [(text, len(list(group))) for text, group in itertools.groupby(texts)]
        return ", ".join(text if count == 1 else f"{text} x{count}" for text, count in runs)
    if isinstance(value, dict):
        return "; ".join(f"{key}: {value_text(item, '')}" for key, item in value.items())
    if isinstance(value, float | int):
        return f"{value:.1%}" if unit == "%" else f"{value:,.4g}"
    return str(value)


def _lever_name(lever: LeverContribution) -> str:
    if len(lever.changes) == 1:
        return lever.changes[0].label
    return f"{lever.lever} ({len(lever.changes)} inputs)"


def _lever_unit(lever: LeverContribution) -> str:
    units = {change.unit for change in lever.changes}
    return units.pop() if len(units) == 1 else ""


def write_bridge(writer: WorkbookWriter, result: BridgeResults) -> None:
    sheet, f = writer.add_sheet(SHEET), writer.formats
    name, unit, num_format = metric_spec(result.metric)
    metric_format = f.number_format(num_format)
    contribution_format = f.number_format(signed(num_format))
    writer.title(
        sheet,
        f"Bridge of {name}: {result.start_name} → {result.end_name}",
        "Each lever's Shapley contribution: its average effect over every order of the levers, so "
        "they add up exactly to the change and no order is chosen (docs/bridge.md).",
    )
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 3, 30)
    sheet.set_column(4, 4, 14)
    sheet.set_column(5, 5, 40)
    sheet.set_column(6, 12, 11)
    row = section(writer, sheet, 3, "The bridge")
    for label, text in (("Metric", f"{name} ({result.metric})"), ("From", result.start_name), ("To", result.end_name)):
        summary_row(writer, sheet, row, label, "", text)
        row += 1
    if result.grouped:
        summary_row(writer, sheet, row, "Levers", "", "grouped by section: more than 16 inputs differ")
        row += 1
    metric_unit = writer.unit_text(unit.value)
    start_cell, end_cell = xl_rowcol_to_cell(row, 2), xl_rowcol_to_cell(row + 1, 2)
    summary_row(writer, sheet, row, f"Start: {name} in {result.start_name}", unit.value, result.start, metric_format)
    summary_row(writer, sheet, row + 1, f"End: {name} in {result.end_name}", unit.value, result.end, metric_format)
    change_row, sum_row, check_row = row + 2, row + 3, row + 4
    levers_header = check_row + 3
    first, last = levers_header + 1, levers_header + len(result.levers)
    contributions = f"{xl_rowcol_to_cell(first, 4)}:{xl_rowcol_to_cell(max(first, last), 4)}"
    total = sum(lever.contribution for lever in result.levers)
    change = result.end - result.start
    for r, label, formula, value in (
        (change_row, "Change: end − start", f"={end_cell}-{start_cell}", change),
        (sum_row, "Sum of the contributions", f"=SUM({contributions})" if result.levers else "=0", total),
        (
            check_row,
            "Check: sum − change (0 up to rounding)",
            f"={xl_rowcol_to_cell(sum_row, 2)}-{xl_rowcol_to_cell(change_row, 2)}",
            total - change,
        ),
    ):
        writer.text(sheet, r, 0, label, f.kpi_label)
        writer.text(sheet, r, 1, metric_unit, f.unit)
        sheet.write_formula(r, 2, formula, contribution_format, cached(value))

    section(writer, sheet, levers_header - 1, "Levers, largest contribution first")
    header_row(writer, sheet, levers_header, ["lever", "unit", "from", "to", "contribution", "input"])
    # Wrapped at the bottom of the cell, as the other cells of the row (the sheet's wrap format is for notes).
    wrapped = writer.workbook.add_format({"font_name": "Calibri", "font_size": 10, "text_wrap": True})
    for offset, lever in enumerate(result.levers):
        r = first + offset
        lever_unit = _lever_unit(lever)
        writer.text(sheet, r, 0, _lever_name(lever), f.text)
        writer.text(sheet, r, 1, writer.unit_text(lever_unit), f.unit)
        lines = 1
        for col, value in ((2, lever.start), (3, lever.end)):
            if isinstance(value, float | int) and not isinstance(value, bool):
                number_cell(sheet, r, col, value, value_format(writer, lever_unit))
            else:
                text = value_text(value, lever_unit)
                writer.text(sheet, r, col, text, wrapped)
                lines = max(lines, -(-len(text) // VALUE_CHARS))
        if lines > 1:  # spreadsheets do not grow a row to its wrapped text on opening
            sheet.set_row(r, 13 * lines)
        number_cell(sheet, r, 4, lever.contribution, contribution_format)
        writer.text(sheet, r, 5, lever.lever, f.note)
    if not result.levers:
        writer.text(sheet, first, 0, "The two states have the same inputs: nothing to bridge.", f.note)
    bottom = _write_waterfall(writer, sheet, result, name, max(first, last) + 2, (start_cell, end_cell, first))
    print_summary(sheet, bottom, 12)


def _write_waterfall(
    writer: WorkbookWriter, sheet: Any, result: BridgeResults, name: str, top: int, cells: tuple[str, str, int]
) -> int:
    """The waterfall chart below the levers, then its workings (formulas over the contributions);
    returns the last row used."""
    f = writer.formats
    start_cell, end_cell, first_lever = cells
    _, unit, num_format = metric_spec(result.metric)
    total_format, lever_format = f.number_format(num_format), f.number_format(signed(num_format))
    bars = [result.start_name, *(_lever_name(lever) for lever in result.levers), result.end_name]
    parts = waterfall_parts(result.start, [lever.contribution for lever in result.levers], result.end)
    values = [_bar_value(result, index) for index in range(len(bars))]
    chart_rows = 22  # the chart's height in rows
    section(writer, sheet, top + chart_rows, "Chart workings: each bar's running total and its parts (formulas)")
    header = top + chart_rows + 1
    header_row(writer, sheet, header, ["bar", "", "value", "before", "after", "", *(n for n, _ in SERIES)])
    first = header + 1
    for index, label in enumerate(bars):
        r = first + index
        writer.text(sheet, r, 0, label, f.text)
        is_total = index in (0, len(bars) - 1)
        value = start_cell if index == 0 else end_cell if is_total else xl_rowcol_to_cell(first_lever + index - 1, 4)
        bar_format = total_format if is_total else lever_format
        sheet.write_formula(r, 2, f"={value}", bar_format, cached(values[index]))
        if is_total:
            for col in range(6, 11):
                sheet.write_number(r, col, 0, total_format)
            sheet.write_formula(r, 11, f"=C{r + 1}", total_format, cached(parts[index, 5]))
            continue
        # Excel rows are 1-based: row r + 1 is this bar, row r the one before.
        before = f"C{r}" if index == 1 else f"E{r}"
        sheet.write_formula(r, 3, f"={before}", total_format, cached(_running(result, index - 1)))
        sheet.write_formula(r, 4, f"=D{r + 1}+C{r + 1}", total_format, cached(_running(result, index)))
        low, high = f"MIN(D{r + 1},E{r + 1})", f"MAX(D{r + 1},E{r + 1})"
        base = f"IF({low}>=0,{low},IF({high}<=0,{high},0))"
        above = f"IF({low}>=0,{high}-{low},IF({high}<=0,0,{high}))"
        below = f"IF({low}>=0,0,IF({high}<=0,{low}-{high},{low}))"
        rising = f"C{r + 1}>=0"
        for col, formula in (
            (6, base),
            (7, f"IF({rising},{above},0)"),
            (8, f"IF({rising},{below},0)"),
            (9, f"IF({rising},0,{above})"),
            (10, f"IF({rising},0,{below})"),
        ):
            sheet.write_formula(r, col, f"={formula}", total_format, cached(parts[index, col - 6]))
        sheet.write_number(r, 11, 0, total_format)
    last = first + len(bars) - 1

    chart = writer.workbook.add_chart({"type": "column", "subtype": "stacked"})
    for position, (series_name, colour) in enumerate(SERIES):
        col = 6 + position
        series: dict[str, Any] = {
            "name": series_name,
            "categories": [SHEET, first, 0, last, 0],
            "values": [SHEET, first, col, last, col],
            "gap": 50,
        }
        if colour is None:
            series["fill"] = {"none": True}
            series["border"] = {"none": True}
        else:
            series["fill"] = {"color": colour}
            series["data_labels"] = {"value": True, "custom": _labels(parts, values, position, unit)}
        chart.add_series(series)
    unit_text = writer.unit_text(unit.value)
    chart.set_title({"name": f"Bridge of {name}: {result.start_name} → {result.end_name}"})
    chart.set_y_axis(
        {"name": f"{name} ({unit_text})", "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}}
    )
    chart.set_x_axis({"num_font": {"size": 8}, "label_position": "low"})
    chart.set_legend({"position": "bottom", "delete_series": LEGEND_HIDDEN})
    chart.set_size({"width": 900, "height": 420})
    sheet.insert_chart(top, 0, chart)
    return last


def _bar_value(result: BridgeResults, index: int) -> float:
    """The value a bar shows: the start, a lever's contribution, the end."""
    if index == 0:
        return result.start
    if index == len(result.levers) + 1:
        return result.end
    return result.levers[index - 1].contribution


def _running(result: BridgeResults, levers: int) -> float:
    """The running total after the first ``levers`` levers."""
    return result.start + sum(lever.contribution for lever in result.levers[:levers])


def _labels(parts: NDArray[np.float64], values: Sequence[float], position: int, unit: Unit) -> list[dict[str, Any]]:
    """Custom data labels of one series: each bar's value (a lever's with its sign), written out
    as text (LibreOffice shows no label that refers to a cell), on the one series that draws the
    bar's larger part; none elsewhere."""
    labels: list[dict[str, Any]] = []
    for index, (row, value) in enumerate(zip(parts, values, strict=True)):
        visible = np.abs(row[1:])
        holder = 1 + int(np.argmax(visible)) if visible.any() else len(SERIES) - 1
        if holder != position:
            labels.append({"delete": True})
        else:
            total = index in (0, len(values) - 1)
            labels.append({"value": number_text(value, unit, signed=not total)})
    return labels


LABEL_FORMATS = {Unit.MONEY: ",.1f", Unit.PERCENT: ".1%", Unit.YEARS: ".1f", Unit.RATIO: ".3f", Unit.PER_SHARE: ",.2f"}


def number_text(value: float, unit: Unit, signed: bool = False) -> str:
    """A chart label as the sheet's number format shows the value: ``-23.4``, ``+12.5%``."""
    return format(value, ("+" if signed else "") + LABEL_FORMATS.get(unit, ",.4g"))
