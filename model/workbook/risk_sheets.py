"""The analysis sheets of the exported workbook: the analyses the analyst ran, as they were run.

``analysis_sheets(runs)`` takes results of ``model.risk`` by analysis name (``montecarlo``,
``tornado``, ``grid``, ``breakeven``, ``bridge``) and returns sheet writers for
``export_workbook(..., extra_sheets=...)``. Nothing is run again: each sheet holds the result it is
given (a Monte Carlo's own trials, seed and sampler), and an analysis that is not in ``runs`` has
no sheet. Each sheet opens with a summary table (units in their own column), then a native chart
where one helps: the NPV histogram, the tornado bars, the grid heat-mapped by conditional
formatting. The Monte Carlo's every valid trial is on one last sheet, Trials; its statistics on the
Monte Carlo sheet are AVERAGE, STDEV and PERCENTILE formulas over those rows (the workbench's
definitions: sample standard deviation, PERCENTILE interpolating linearly) that store the run's
values. Each sheet's print area is its summary, and Trials prints its first page only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from xlsxwriter.utility import xl_rowcol_to_cell

from model.outputs import KPIS, LINES
from model.risk import (
    FAN_PERCENTILES,
    PERCENTILES,
    STATISTICS,
    BreakevenResults,
    BridgeResults,
    GridResults,
    MonteCarloResults,
    RunCancelled,
    TornadoResults,
)
from model.risk.analysis import Progress, Result
from model.risk.targets import target_label, target_unit
from model.schema import DISTRIBUTIONS, LIFE_KINDS, format_number
from model.workbook.bridge_sheet import write_bridge
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
    from model.workbook.writer import SheetWriter, WorkbookWriter

TRIALS_SHEET = "Trials"
TRIALS_FIRST_ROW = 4  # below the title and the header row
PRINTED_TRIALS = 45  # Trials prints one page: the header and the first trials
TRIAL_CHUNK = 20_000  # trial rows written between two progress reports
HISTOGRAM_BINS = 24
METRIC_UNITS = {"npv": "money", "irr": "%"}
SAMPLER_NAMES = {"lhs": "lhs (Latin hypercube)", "random": "random"}
RED, GREEN = "#F8696B", "#63BE7B"


class _Steps:
    """Progress over the writing of the analysis sheets: one step for the model's own sheets (done
    when the first analysis sheet starts), one per sheet, and one per chunk of trial rows.
    ``progress`` returning False stops the export with RunCancelled."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.done, self.total, self.progress = 0, total, progress

    def step(self) -> None:
        self.done += 1
        if self.progress is not None and not self.progress(self.done, self.total):
            raise RunCancelled


def analysis_sheets(runs: Mapping[str, Result], progress: Progress | None = None) -> list[SheetWriter]:
    """Sheet writers of the analyses in ``runs`` (name -> result), in the Risk tab's order, then
    Trials when a Monte Carlo is among them. ``progress(done, total)`` is called as they are
    written; returning False stops the export with RunCancelled (nothing is written to disk)."""
    for name, result in runs.items():
        if name not in SHEET_WRITERS:
            raise ValueError(f"no workbook sheet for the analysis {name!r}")
        if not isinstance(result, SHEET_WRITERS[name][0]):
            raise ValueError(f"{name}: {type(result).__name__} is not the result of that analysis")
    monte_carlo = runs.get("montecarlo")
    chunks = -(-monte_carlo.valid_trials // TRIAL_CHUNK) if isinstance(monte_carlo, MonteCarloResults) else 0
    steps = _Steps(1 + len(runs) + chunks, progress)

    def sheet(write: Callable[[WorkbookWriter, Any], None], result: Result) -> SheetWriter:
        def written(writer: WorkbookWriter) -> None:
            if steps.done == 0:
                steps.step()  # the model's sheets are written
            write(writer, result)
            steps.step()

        return written

    writers = [sheet(SHEET_WRITERS[name][1], runs[name]) for name in SHEET_WRITERS if name in runs]
    if isinstance(monte_carlo, MonteCarloResults):
        writers.append(lambda writer: write_trials(writer, monte_carlo, steps.step))
    return writers


# --------------------------------------------------------------------------- Monte Carlo


def _trials_range(run: MonteCarloResults, column: str) -> str:
    """The absolute range of one column of the Trials sheet (all valid trials)."""
    col = 1 + list(run.samples.columns).index(column)
    first, last = TRIALS_FIRST_ROW, TRIALS_FIRST_ROW + run.valid_trials - 1
    return f"{TRIALS_SHEET}!{xl_rowcol_to_cell(first, col, True, True)}:{xl_rowcol_to_cell(last, col, True, True)}"


def _statistic_formula(statistic: str, cells: str) -> str:
    if statistic == "mean":
        return f"=AVERAGE({cells})"
    if statistic == "sd":
        return f"=STDEV({cells})"
    return f"=PERCENTILE({cells},{PERCENTILES[statistic] / 100:g})"


def _parameters(entry: Mapping[str, Any]) -> str:
    """A distribution's parameters in words: ``low 0.3, mode 0.5, high 0.6``."""
    return ", ".join(f"{name} {format_number(entry[name])}" for name in DISTRIBUTIONS[entry["dist"]])


def histogram(values: NDArray[np.float64], bins: int = HISTOGRAM_BINS) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Equal bins from the smallest to the largest value and the count in each, counted as the
    sheet's COUNTIFS count them: from <= value < to, the last bin including its upper end. A value
    that is not a number (an empty cell on the sheet) is in no bin."""
    values = values[np.isfinite(values)]
    low, high = (float(values.min()), float(values.max())) if values.size else (0.0, 0.0)
    if low == high:
        low, high = low - 0.5, high + 0.5
    edges = np.linspace(low, high, bins + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, bins - 1)
    return edges, np.bincount(index, minlength=bins).astype(np.int64)


def write_monte_carlo(writer: WorkbookWriter, run: MonteCarloResults) -> None:
    sheet, f = writer.add_sheet("Monte Carlo"), writer.formats
    currency = writer.unit_text("money")
    writer.title(
        sheet,
        f"Monte Carlo: {writer.scenario}",
        f"The run as it was made: {run.trials:,} trials ({run.sampler}, seed {run.seed}). Statistics over the "
        f"{run.valid_trials:,} valid trials, each on the {TRIALS_SHEET} sheet; npv in {currency}.",
    )
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 9, 11)
    row = section(writer, sheet, 3, "The run")
    # Each rule's count is followed by the rule, in the free cells to its right (too long for column A).
    for label, unit, value, rule in (
        ("Scenario", "", writer.scenario, ""),
        ("Trials", "count", run.trials, ""),
        ("Valid trials", "count", run.valid_trials, ""),
        ("Left out for breaking a model rule", "count", run.invalid_trials, ""),
        *(("  of which, for the rule", "count", count, rule) for rule, count in run.invalid_by_rule.items()),
        ("Valid trials without an IRR", "count", run.trials_without_irr, ""),
        ("Sampler", "", SAMPLER_NAMES.get(run.sampler, run.sampler), ""),
        ("Seed", "", run.seed, ""),
    ):
        fmt = f.number_format("#,##0") if unit == "count" else f.number_format("0")
        summary_row(writer, sheet, row, label, "", value, fmt)
        if rule:
            writer.text(sheet, row, 3, rule, f.text)
        row += 1

    row = section(writer, sheet, row + 1, "NPV and IRR over the valid trials (formulas over the Trials sheet)")
    header_row(writer, sheet, row, ["", "unit", *STATISTICS])
    for metric, unit in METRIC_UNITS.items():
        row += 1
        writer.text(sheet, row, 0, KPIS[metric].label, f.kpi_label)
        writer.text(sheet, row, 1, writer.unit_text(unit), f.unit)
        cells = _trials_range(run, metric)
        for col, statistic in enumerate(STATISTICS, start=2):
            stored = cached(float(run.statistics[statistic][metric]))
            sheet.write_formula(row, col, _statistic_formula(statistic, cells), f.number(unit), stored)
    row += 1
    writer.text(sheet, row, 0, "P(NPV > 0)", f.kpi_label)
    writer.text(sheet, row, 1, "%", f.unit)
    npv_cells = _trials_range(run, "npv")
    sheet.write_formula(
        row, 2, f'=COUNTIF({npv_cells},">0")/COUNT({npv_cells})', f.number("%"), cached(run.prob_npv_positive)
    )
    row += 1
    summary_row(writer, sheet, row, "P(IRR > WACC)", "%", run.prob_irr_above_wacc)
    writer.text(sheet, row, 3, "each trial's IRR against its own WACC", f.note)

    row = section(writer, sheet, row + 2, "Uncertain inputs")
    # Parameters and targets are long texts: each has empty cells to its right to run into.
    header_row(writer, sheet, row, ["input", "unit", "distribution", "parameters"])
    writer.text(sheet, row, 6, "target (applied by)", f.header_left)
    uncertainty = writer.model.get("uncertainty")
    for entry in uncertainty["inputs"] if uncertainty else ():
        row += 1
        writer.text(sheet, row, 0, target_label(entry["target"]), f.text)
        writer.text(sheet, row, 1, writer.unit_text(target_unit(entry["target"], entry["apply"])), f.unit)
        writer.text(sheet, row, 2, entry["dist"], f.text)
        writer.text(sheet, row, 3, _parameters(entry), f.text)
        writer.text(sheet, row, 6, f"{entry['target']} ({entry['apply']})", f.note)
    for first, second, rho in uncertainty.get("correlations", []) if uncertainty else ():
        row += 1
        writer.text(sheet, row, 0, "Rank correlation", f.text)
        sheet.write_number(row, 2, rho, f.number_format("General"))
        writer.text(sheet, row, 3, f"{target_label(first)} and {target_label(second)}", f.text)

    years = list(run.fans["fcf"].columns)
    row = section(writer, sheet, row + 2, "Per-year percentiles over the valid trials")
    header_row(writer, sheet, row, ["", "unit"])
    for col, year in enumerate(years, start=2):
        sheet.write_number(row, col, int(year), f.header)
    for line, fan in run.fans.items():
        for percentile in FAN_PERCENTILES:
            row += 1
            writer.text(sheet, row, 0, f"{LINES[line].label} {percentile}", f.text)
            writer.text(sheet, row, 1, writer.unit_text(LINES[line].unit.value), f.unit)
            for col, value in enumerate(fan.loc[percentile], start=2):
                number_cell(sheet, row, col, value, f.line(line))

    row = section(writer, sheet, row + 2, f"Histogram of NPV ({currency}): trials per bin")
    row = _write_histogram(writer, sheet, run, row)
    print_summary(sheet, row, max(9, 1 + len(years)))


def _write_histogram(writer: WorkbookWriter, sheet: Any, run: MonteCarloResults, row: int) -> int:
    """The bins of NPV as COUNTIFS over the trials, and a column chart of them; returns the row
    below the chart."""
    f = writer.formats
    edges, counts = histogram(run.samples["npv"].to_numpy(dtype=float))
    header_row(writer, sheet, row, ["bin", "", "from", "to", "trials", "share"])
    first = row + 1
    npv_cells = _trials_range(run, "npv")
    for index, count in enumerate(counts):
        r = first + index
        low, high = xl_rowcol_to_cell(r, 2), xl_rowcol_to_cell(r, 3)
        writer.text(sheet, r, 0, f"{edges[index]:,.1f} to {edges[index + 1]:,.1f}", f.text)
        sheet.write_number(r, 2, edges[index], f.number("money"))
        sheet.write_number(r, 3, edges[index + 1], f.number("money"))
        upper = '"<="' if index == len(counts) - 1 else '"<"'
        sheet.write_formula(
            r, 4, f'=COUNTIFS({npv_cells},">="&{low},{npv_cells},{upper}&{high})', f.number_format("0"), int(count)
        )
        sheet.write_formula(
            r, 5, f"={xl_rowcol_to_cell(r, 4)}/{run.valid_trials}", f.number("%"), count / run.valid_trials
        )
    last = first + len(counts) - 1
    chart = writer.workbook.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "trials",
            "categories": ["Monte Carlo", first, 2, last, 2],
            "values": ["Monte Carlo", first, 4, last, 4],
            "gap": 10,
            "fill": {"color": "#4472C4"},
        }
    )
    chart.set_title({"name": f"NPV over {run.valid_trials:,} valid trials (seed {run.seed})"})
    chart.set_x_axis(
        {"name": f"NPV, bins from ({writer.unit_text('money')})", "num_format": "#,##0", "num_font": {"rotation": -45}}
    )
    chart.set_y_axis({"name": "trials", "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
    chart.set_legend({"none": True})
    chart.set_size({"width": 760, "height": 380})
    sheet.insert_chart(last + 2, 0, chart)
    return last + 2 + 20


def write_trials(writer: WorkbookWriter, run: MonteCarloResults, step: Callable[[], None]) -> None:
    """Every valid trial: its number, the value drawn for each input, npv and irr; ``step`` after
    each chunk of rows."""
    sheet, f = writer.add_sheet(TRIALS_SHEET), writer.formats
    samples = run.samples
    writer.title(
        sheet,
        f"Trials of the Monte Carlo: {run.valid_trials:,} valid of {run.trials:,} ({run.sampler}, seed {run.seed})",
        f"One row per valid trial (the numbers of the {run.invalid_trials:,} left out are missing); an empty irr "
        f"has no IRR. The printout shows the first {PRINTED_TRIALS} trials.",
    )
    uncertainty = writer.model.get("uncertainty")
    applied = {entry["target"]: entry["apply"] for entry in (uncertainty["inputs"] if uncertainty else ())}
    names = ["trial", *samples.columns]
    units = [
        "",
        *(target_unit(name, applied.get(name, "set")) for name in samples.columns[:-2]),
        *METRIC_UNITS.values(),
    ]
    header = [
        name if not unit else f"{name} ({writer.unit_text(unit)})" for name, unit in zip(names, units, strict=True)
    ]
    header_row(writer, sheet, TRIALS_FIRST_ROW - 1, header)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, len(names) - 1, 16)
    formats = [f.number_format("0"), *(value_format(writer, unit) for unit in units[1:])]
    values = samples.to_numpy(dtype=float)
    numbers = samples.index.to_numpy()
    for start in range(0, len(values), TRIAL_CHUNK):
        for offset in range(start, min(start + TRIAL_CHUNK, len(values))):
            row = TRIALS_FIRST_ROW + offset
            sheet.write_number(row, 0, int(numbers[offset]), formats[0])
            for col, value in enumerate(values[offset], start=1):
                if np.isfinite(value):
                    sheet.write_number(row, col, float(value), formats[col])
        step()
    sheet.freeze_panes(TRIALS_FIRST_ROW, 1)
    sheet.autofilter(TRIALS_FIRST_ROW - 1, 0, TRIALS_FIRST_ROW - 1 + len(values), len(names) - 1)
    sheet.repeat_rows(TRIALS_FIRST_ROW - 1)
    print_summary(sheet, TRIALS_FIRST_ROW - 1 + min(PRINTED_TRIALS, len(values)), len(names) - 1)


# --------------------------------------------------------------------------- tornado


def write_tornado(writer: WorkbookWriter, result: TornadoResults) -> None:
    sheet, f = writer.add_sheet("Tornado"), writer.formats
    currency = writer.unit_text("money")
    ends = "its P10 and P90" if result.basis == "P10/P90" else "0.9x and 1.1x its value"
    writer.title(
        sheet,
        f"Tornado: {writer.scenario}",
        f"Each input moved alone to {ends} (a life to whole years, shown in brackets); NPV in {currency}, "
        "largest swing first.",
    )
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 9, 12)
    sheet.set_column(10, 10, 36)
    summary_row(writer, sheet, 3, "Base NPV", "money", result.base_npv)
    base = xl_rowcol_to_cell(3, 2, True, True)
    table_header = 5
    header_row(
        writer,
        sheet,
        table_header,
        ["input", "unit", "low end", "high end", "NPV at low", "NPV at high", "swing", "low − base", "high − base"],
    )
    writer.text(sheet, table_header, 10, "target (applied by)", f.header_left)
    first = table_header + 1
    for offset, entry in enumerate(result.table.to_dict("records")):
        row = first + offset
        path, apply = str(entry["target"]), str(entry["apply"])
        unit = target_unit(path, apply)
        label = target_label(path)
        if path.partition(".")[0] in LIFE_KINDS:  # applied as whole years
            label += f" ({entry['applied_low']:g} / {entry['applied_high']:g} yrs)"
        writer.text(sheet, row, 0, label, f.text)
        writer.text(sheet, row, 1, writer.unit_text(unit), f.unit)
        number_cell(sheet, row, 2, entry["low"], value_format(writer, unit))
        number_cell(sheet, row, 3, entry["high"], value_format(writer, unit))
        for col, key in ((4, "npv_low"), (5, "npv_high"), (6, "swing")):
            number_cell(sheet, row, col, entry[key], f.number("money"))
        for col, key in ((7, "npv_low"), (8, "npv_high")):
            source = xl_rowcol_to_cell(row, col - 3)
            value = cached(entry[key] - result.base_npv)
            sheet.write_formula(row, col, f'=IF({source}="","",{source}-{base})', f.number("money"), value)
        writer.text(sheet, row, 10, f"{path} ({apply})", f.note)
    last = first + len(result.table) - 1
    chart = writer.workbook.add_chart({"type": "bar", "subtype": "stacked"})
    for col, name, colour in ((7, "input at its low end", RED), (8, "input at its high end", GREEN)):
        chart.add_series(
            {
                "name": name,
                "categories": ["Tornado", first, 0, last, 0],
                "values": ["Tornado", first, col, last, col],
                "fill": {"color": colour},
                "gap": 40,
            }
        )
    chart.set_title({"name": f"Change of NPV from the base ({result.base_npv:,.1f} {currency})"})
    chart.set_x_axis({"name": f"NPV − base NPV ({currency})", "num_format": "#,##0"})
    chart.set_y_axis({"reverse": True, "label_position": "low", "num_font": {"size": 8}})
    chart.set_legend({"position": "bottom"})
    height = max(320, 60 + 24 * len(result.table))
    chart.set_size({"width": 900, "height": height})
    chart_row = last + 2
    sheet.insert_chart(chart_row, 0, chart)
    print_summary(sheet, chart_row + height // 20 + 1, 10)


# --------------------------------------------------------------------------- grid


def write_grid(writer: WorkbookWriter, result: GridResults) -> None:
    sheet, f = writer.add_sheet("Grid"), writer.formats
    metric_unit = METRIC_UNITS[result.metric]
    x_unit, y_unit = target_unit(result.x.path, result.x.apply), target_unit(result.y.path, result.y.apply)
    wacc = float(writer.resolved["settings"]["wacc"])
    writer.title(
        sheet,
        f"Two-way grid: {KPIS[result.metric].label} ({writer.scenario})",
        "The grid as it was run. An empty cell breaks a model rule or has no IRR.",
    )
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 2 + len(result.table.columns), 12)
    row = 3
    for label, unit, text in (
        ("Cells", metric_unit, KPIS[result.metric].label),
        ("Rows", y_unit, f"{target_label(result.y.path)}: {result.y.path} ({result.y.apply})"),
        ("Columns", x_unit, f"{target_label(result.x.path)}: {result.x.path} ({result.x.apply})"),
    ):
        summary_row(writer, sheet, row, label, unit, text)
        row += 1
    colours = (
        "red below 0, green above, the deeper the further"
        if result.metric == "npv"
        else f"red below the scenario's WACC ({wacc:.1%}), green above, the deeper the further"
    )
    summary_row(writer, sheet, row, "Colours", "", colours)

    header = row + 2
    writer.text(sheet, header, 0, f"{target_label(result.y.path)} \\ {target_label(result.x.path)}", f.header_left)
    writer.text(sheet, header, 1, writer.unit_text(y_unit), f.header)
    x_format = value_format(writer, x_unit)
    for col, x in enumerate(result.table.columns, start=2):
        sheet.write_number(header, col, float(x), x_format)
    y_format = value_format(writer, y_unit)
    cell_format = f.number(metric_unit)
    for offset, (y, values) in enumerate(zip(result.table.index, result.table.to_numpy(), strict=True), start=1):
        sheet.write_number(header + offset, 0, float(y), y_format)
        for col, value in enumerate(values, start=2):
            number_cell(sheet, header + offset, col, value, cell_format)
    last_row, last_col = header + len(result.table), 1 + len(result.table.columns)
    middle = 0.0 if result.metric == "npv" else wacc
    sheet.conditional_format(
        header + 1,
        2,
        last_row,
        last_col,
        {
            "type": "3_color_scale",
            "min_color": RED,
            "mid_type": "num",
            "mid_value": middle,
            "mid_color": "#FFFFFF",
            "max_color": GREEN,
        },
    )
    print_summary(sheet, last_row, last_col)


# --------------------------------------------------------------------------- breakeven


def write_breakeven(writer: WorkbookWriter, result: BreakevenResults) -> None:
    sheet, f = writer.add_sheet("Breakeven"), writer.formats
    target = result.target
    unit = target_unit(target.path, target.apply)
    goal = f"NPV = {result.goal:g}" if result.metric == "npv" else f"IRR = {result.goal:.2%}"
    writer.title(
        sheet,
        f"Breakeven: {target_label(target.path)} for {goal} ({writer.scenario})",
        "The search as it was run: the first value from the low end of the range at which the goal is met.",
    )
    sheet.set_column(0, 0, 36)
    sheet.set_column(1, 1, 10)
    sheet.set_column(2, 3, 16)
    row = section(writer, sheet, 3, "The question")
    input_format = value_format(writer, unit)
    for label, row_unit, value, fmt in (
        ("Input", "", f"{target_label(target.path)}: {target.path}", None),
        ("Applied by", "", target.apply, None),
        (f"Goal: {KPIS[result.metric].label}", METRIC_UNITS[result.metric], result.goal, None),
        ("Range searched: from", unit, result.low, input_format),
        ("Range searched: to", unit, result.high, input_format),
    ):
        summary_row(writer, sheet, row, label, row_unit, value, fmt)
        row += 1

    row = section(writer, sheet, row + 1, "The answer")
    if result.value is None:
        summary_row(writer, sheet, row, target_label(target.path), unit, result.message)
        print_summary(sheet, row, 4)
        return
    # The answer to more places than an input is shown: 4.37%, not 4.4%; all its digits are in the cell.
    answer_format = f.number_format("0.000%") if unit == "%" else f.number_format("0.0000")
    summary_row(writer, sheet, row, target_label(target.path), unit, result.value, answer_format)
    writer.text(sheet, row + 1, 0, result.message, f.note)
    row = section(writer, sheet, row + 3, "The model at that value")
    for key, kpi in (result.kpis or {}).items():
        writer.text(sheet, row, 0, KPIS[key].label, f.kpi_label)
        writer.text(sheet, row, 1, writer.unit_text(KPIS[key].unit.value), f.unit)
        number_cell(sheet, row, 2, kpi, f.kpi(key))
        row += 1
    print_summary(sheet, row, 4)


# Each analysis's result type and sheet, in the order of the sheets (the Risk tab's, then the Bridge).
SHEET_WRITERS: dict[str, tuple[type, Callable[[WorkbookWriter, Any], None]]] = {
    "montecarlo": (MonteCarloResults, write_monte_carlo),
    "tornado": (TornadoResults, write_tornado),
    "grid": (GridResults, write_grid),
    "breakeven": (BreakevenResults, write_breakeven),
    "bridge": (BridgeResults, write_bridge),
}
