"""The risk sheets of the exported workbook: Monte Carlo, Tornado and Grid.

``risk_sheets(model, scenario)`` runs the analyses and returns sheet writers for
``export_workbook(..., extra_sheets=...)``. The workbook's formulas model one scenario and cannot
rerun thousands of trials, so the run's statistics are values; below them a sample of the trials
is written out and its statistics are spreadsheet formulas over that sample (AVERAGE, STDEV,
PERCENTILE: the same definitions as the workbench, PERCENTILE interpolating linearly), so an
analyst can see how the summary is built and extend it. Tornado and grid are values with their
inputs stated, plus a tornado chart.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from xlsxwriter.utility import xl_rowcol_to_cell

from model.outputs import LINES
from model.risk import (
    FAN_PERCENTILES,
    PERCENTILES,
    STATISTICS,
    GridResults,
    MonteCarloResults,
    TornadoResults,
    grid,
    monte_carlo,
    tornado,
)
from model.validation import Model
from model.workbook.formats import cached

if TYPE_CHECKING:
    from model.workbook.writer import SheetWriter, WorkbookWriter

SAMPLE_TRIALS = 1_000
GRID_STEPS = 5
METRIC_UNITS = {"npv": "money", "irr": "%"}


def _write_value(sheet: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """A number, or an empty cell for NaN (no IRR, a rule broken), as elsewhere in the workbook."""
    number = cached(value)
    if number == "":
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_number(row, col, number, fmt)


def _sample_formula(statistic: str, cells: str) -> str:
    if statistic == "mean":
        return f"=AVERAGE({cells})"
    if statistic == "sd":
        return f"=STDEV({cells})"
    return f"=PERCENTILE({cells},{PERCENTILES[statistic] / 100:g})"


def _sample_statistic(statistic: str, values: np.ndarray) -> float:
    """The statistic over the finite values; NaN (an empty cell) when there is none (no IRR in
    any trial, say)."""
    values = values[np.isfinite(values)]
    if len(values) < (2 if statistic == "sd" else 1):
        return float("nan")
    if statistic == "mean":
        return float(values.mean())
    if statistic == "sd":
        return float(values.std(ddof=1))
    return float(np.percentile(values, PERCENTILES[statistic]))


def write_monte_carlo(writer: WorkbookWriter, run: MonteCarloResults, sample_trials: int = SAMPLE_TRIALS) -> None:
    sheet, f = writer.add_sheet("Monte Carlo"), writer.formats
    currency = f"{writer.model['currency']} {writer.model['unit']}"
    writer.title(
        sheet,
        f"Monte Carlo: {writer.scenario}",
        f"{run.trials:,} trials ({run.sampler}, seed {run.seed}); {run.valid_trials:,} valid, "
        f"{run.invalid_trials:,} left out for breaking a model rule. npv in {currency}.",
    )
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 12, 11)
    row = 3
    sheet.write_string(row, 0, "All trials", f.section)
    for col, statistic in enumerate(STATISTICS, start=1):
        sheet.write_string(row, col, statistic, f.header)
    for metric, unit in METRIC_UNITS.items():
        row += 1
        sheet.write_string(row, 0, metric, f.kpi_label)
        for col, statistic in enumerate(STATISTICS, start=1):
            _write_value(sheet, row, col, run.statistics.loc[metric, statistic], f.number(unit))
    for key in ("prob_npv_positive", "prob_irr_above_wacc"):
        row += 1
        sheet.write_string(row, 0, key, f.kpi_label)
        _write_value(sheet, row, 1, getattr(run, key), f.number("%"))

    row += 2
    years = list(run.fans["fcf"].columns)
    sheet.write_string(row, 0, "Per-year percentiles (all trials)", f.section)
    for col, year in enumerate(years, start=1):
        sheet.write_number(row, col, year, f.header)
    for line, fan in run.fans.items():
        for percentile in FAN_PERCENTILES:
            row += 1
            sheet.write_string(row, 0, f"{LINES[line].label} {percentile}", f.text)
            for col, value in enumerate(fan.loc[percentile], start=1):
                _write_value(sheet, row, col, value, f.line(line))

    sample = run.samples.head(sample_trials)
    columns = ["trial", *sample.columns]
    first_data_row = row + 7
    last_data_row = first_data_row + len(sample) - 1
    row += 2
    sheet.write_string(
        row, 0, f"Sample: the first {len(sample):,} valid trials (formulas over the rows below)", f.section
    )
    for col, statistic in enumerate(STATISTICS, start=1):
        sheet.write_string(row, col, statistic, f.header)
    for metric, unit in METRIC_UNITS.items():
        row += 1
        data_col = columns.index(metric)
        cells = (
            f"{xl_rowcol_to_cell(first_data_row, data_col, True, True)}:"
            f"{xl_rowcol_to_cell(last_data_row, data_col, True, True)}"
        )
        sheet.write_string(row, 0, metric, f.kpi_label)
        for col, statistic in enumerate(STATISTICS, start=1):
            value = _sample_statistic(statistic, sample[metric].to_numpy())
            sheet.write_formula(row, col, _sample_formula(statistic, cells), f.number(unit), cached(value))
    row = first_data_row - 1
    for col, name in enumerate(columns):
        sheet.write_string(row, col, name, f.header)
    for offset, (trial, values) in enumerate(sample.iterrows()):
        sheet.write_number(first_data_row + offset, 0, trial, f.integer)
        for col, name in enumerate(sample.columns, start=1):
            unit = METRIC_UNITS.get(name, "general")
            _write_value(sheet, first_data_row + offset, col, values[name], f.number(unit))
    sheet.freeze_panes(first_data_row, 0)


def write_tornado(writer: WorkbookWriter, result: TornadoResults) -> None:
    sheet, f = writer.add_sheet("Tornado"), writer.formats
    ends = "its P10 and P90" if result.basis == "P10/P90" else "0.9x and 1.1x its value"
    writer.title(
        sheet,
        f"Tornado: {writer.scenario}",
        f"Each input moved alone to {ends}; npv in {writer.model['currency']} {writer.model['unit']}; "
        f"base npv {result.base_npv:,.1f}.",
    )
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 8, 12)
    headers = ["target", "apply", "low", "high", "npv_low", "npv_high", "swing", "low − base", "high − base"]
    for col, name in enumerate(headers):
        sheet.write_string(3, col, name, f.header)
    sheet.write_string(2, 0, "base npv", f.kpi_label)
    sheet.write_number(2, 1, result.base_npv, f.money)
    base = xl_rowcol_to_cell(2, 1, True, True)
    for offset, entry in enumerate(result.table.to_dict("records")):
        row = 4 + offset
        sheet.write_string(row, 0, entry["target"], f.text)
        sheet.write_string(row, 1, entry["apply"], f.text)
        sheet.write_number(row, 2, entry["low"], f.general)
        sheet.write_number(row, 3, entry["high"], f.general)
        for col, key in ((4, "npv_low"), (5, "npv_high"), (6, "swing")):
            _write_value(sheet, row, col, entry[key], f.money)
        for col, key in ((7, "npv_low"), (8, "npv_high")):
            source = xl_rowcol_to_cell(row, col - 3)
            value = cached(entry[key] - result.base_npv)
            sheet.write_formula(row, col, f'=IF({source}="","",{source}-{base})', f.money, value)
    last = 3 + len(result.table)
    chart = writer.workbook.add_chart({"type": "bar", "subtype": "stacked"})
    for col, name in ((7, "at low"), (8, "at high")):
        chart.add_series(
            {
                "name": name,
                "categories": ["Tornado", 4, 0, last, 0],
                "values": ["Tornado", 4, col, last, col],
                "gap": 40,
            }
        )
    chart.set_title({"name": "npv change from base"})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    sheet.insert_chart(last + 2, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})


def write_grid(writer: WorkbookWriter, result: GridResults) -> None:
    sheet, f = writer.add_sheet("Grid"), writer.formats
    writer.title(
        sheet,
        f"Two-way grid: {result.metric} ({writer.scenario})",
        f"Rows: {result.y.path} ({result.y.apply}); columns: {result.x.path} ({result.x.apply}). "
        "An empty cell breaks a model rule or has no IRR.",
    )
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, len(result.table.columns), 12)
    sheet.write_string(3, 0, f"{result.y.path} \\ {result.x.path}", f.header_left)
    for col, x in enumerate(result.table.columns, start=1):
        sheet.write_number(3, col, x, f.header)
    for offset, (y, values) in enumerate(result.table.iterrows()):
        sheet.write_number(4 + offset, 0, y, f.general)
        for col, value in enumerate(values, start=1):
            _write_value(sheet, 4 + offset, col, value, f.number(METRIC_UNITS[result.metric]))
    sheet.conditional_format(
        4,
        1,
        3 + len(result.table),
        len(result.table.columns),
        {"type": "3_color_scale", "min_color": "#F8696B", "mid_color": "#FFEB84", "max_color": "#63BE7B"},
    )


def default_grid(model: Model, scenario: str | None, ranked: TornadoResults, metric: str = "npv") -> GridResults | None:
    """The grid of the two inputs with the largest tornado swing, each across its tornado range;
    None when fewer than two inputs can be moved (a single uncertain input, say): nothing to cross."""
    top = ranked.table.dropna(subset=["swing"]).head(2)
    if len(top) < 2:
        return None
    (x_row, y_row) = top.to_dict("records")
    return grid(
        model,
        # Rounded so that the headers read 0.02, not 0.019999999999999997.
        (x_row["target"], np.linspace(x_row["low"], x_row["high"], GRID_STEPS).round(10)),
        (y_row["target"], np.linspace(y_row["low"], y_row["high"], GRID_STEPS).round(10)),
        metric,
        scenario,
        apply=(x_row["apply"], y_row["apply"]),
    )


def risk_sheets(model: Model, scenario: str | None = None, sample_trials: int = SAMPLE_TRIALS) -> list[SheetWriter]:
    """Writers of the Monte Carlo (when the model has uncertain inputs), Tornado and Grid sheets."""
    writers: list[SheetWriter] = []
    section = model.get("uncertainty")
    if section and section["inputs"]:
        writers.append(partial(write_monte_carlo, run=monte_carlo(model, scenario), sample_trials=sample_trials))
    ranked = tornado(model, scenario)
    writers.append(partial(write_tornado, result=ranked))
    crossed = default_grid(model, scenario, ranked)
    if crossed is not None:
        writers.append(partial(write_grid, result=crossed))
    return writers
