"""The analysis sheets of the exported workbook hold the runs they are given, as they were run."""

from __future__ import annotations

import copy
import io
import itertools

import numpy as np
import openpyxl
import pytest

from model import risk, validate_model
from model.risk import RunCancelled
from model.workbook import analysis_sheets, export_workbook, workbook_bytes
from model.workbook.risk_sheets import TRIAL_CHUNK, TRIALS_FIRST_ROW, histogram
from tests.model.test_export_libreoffice import recalculate, require_soffice

STATISTIC_COLUMNS = dict(zip(risk.STATISTICS, "CDEFGHI", strict=True))
SEED, TRIALS = 9_876, 700


def find_row(sheet, first_cell: str) -> int:
    return next(row[0].row for row in sheet.iter_rows(max_col=1) if row[0].value == first_cell)


def run_table(sheet) -> dict[str, object]:
    """The Monte Carlo sheet's "The run" table: label -> value."""
    first = find_row(sheet, "The run") + 1
    rows = itertools.takewhile(lambda row: row[0].value is not None, sheet.iter_rows(min_row=first, max_col=3))
    return {row[0].value: row[2].value for row in rows}


@pytest.fixture(scope="module")
def runs(request):
    from model import load_model
    from tests.conftest import BUNDLED_MODEL_PATH

    model = load_model(BUNDLED_MODEL_PATH)
    return model, {
        "montecarlo": risk.monte_carlo(model, trials=TRIALS, seed=SEED, sampler="random"),
        "tornado": risk.tornado(model),
        "grid": risk.grid(model, ("settings.wacc", [0.08, 0.1, 0.12]), ("drivers.price_change", [-0.02, 0.0])),
        "breakeven": risk.breakeven(model, "drivers.price_change", "npv", 0.0, -0.2, 0.1),
    }


@pytest.fixture(scope="module")
def exported(runs, tmp_path_factory):
    model, results = runs
    path = tmp_path_factory.mktemp("risk") / "plan.xlsx"
    export_workbook(model, path, None, analysis_sheets(results))
    return path


def test_each_analysis_has_its_sheet_and_the_trials_come_last(exported):
    names = openpyxl.load_workbook(exported).sheetnames
    assert names[-6:] == ["Model file", "Monte Carlo", "Tornado", "Grid", "Breakeven", "Trials"]


def test_the_trials_on_the_sheet_are_the_runs_own(runs, exported):
    run = runs[1]["montecarlo"]
    sheet = openpyxl.load_workbook(exported, data_only=True)["Trials"]
    header = [cell.value for cell in sheet[TRIALS_FIRST_ROW]]
    assert header[0] == "trial" and header[-2:] == ["npv (RMB bn)", "irr (%)"]
    rows = list(sheet.iter_rows(min_row=TRIALS_FIRST_ROW + 1, values_only=True))
    assert len(rows) == run.valid_trials == len(run.samples)
    assert sheet.auto_filter.ref == f"A{TRIALS_FIRST_ROW}:{sheet.cell(1, len(header)).column_letter}{sheet.max_row}"
    assert [row[0] for row in rows] == run.samples.index.tolist()
    for col, name in enumerate(run.samples.columns, start=1):
        written = np.array([np.nan if row[col] is None else row[col] for row in rows], dtype=float)
        # Exact: the workbook stores every number with all its digits.
        np.testing.assert_array_equal(written, run.samples[name].to_numpy(), err_msg=name)


def test_the_seed_and_sampler_printed_are_the_runs(runs, exported):
    run = runs[1]["montecarlo"]
    sheet = openpyxl.load_workbook(exported, data_only=True)["Monte Carlo"]
    table = run_table(sheet)
    assert table["Seed"] == SEED == run.seed  # not the model's default seed
    assert table["Seed"] != runs[0]["uncertainty"]["seed"]
    assert table["Trials"] == TRIALS and table["Valid trials"] == run.valid_trials
    assert table["Sampler"] == "random"
    assert f"seed {SEED}" in sheet["A2"].value


def test_the_left_out_trials_are_counted_by_rule_under_their_total(runs, exported):
    run = runs[1]["montecarlo"]
    sheet = openpyxl.load_workbook(exported, data_only=True)["Monte Carlo"]
    total = find_row(sheet, "Left out for breaking a model rule")
    assert sheet.cell(total, 3).value == run.invalid_trials > 0
    assert run_table(sheet)["Valid trials without an IRR"] == run.trials_without_irr  # the rows below still read
    counted = {}
    for row in range(total + 1, total + 1 + len(run.invalid_by_rule)):
        assert sheet.cell(row, 1).value == "  of which, for the rule"
        counted[sheet.cell(row, 4).value] = sheet.cell(row, 3).value
    assert counted == run.invalid_by_rule
    assert counted == {"the calibration of ebita_margin 2026 needs a negative AI cash opex rate": run.invalid_trials}


def test_the_statistics_are_formulas_over_the_trials_storing_the_runs_values(runs, exported):
    run = runs[1]["montecarlo"]
    formulas = openpyxl.load_workbook(exported)["Monte Carlo"]
    values = openpyxl.load_workbook(exported, data_only=True)["Monte Carlo"]
    for metric, label in (("npv", "NPV"), ("irr", "IRR")):
        row = find_row(values, label)
        for statistic, column in STATISTIC_COLUMNS.items():
            assert formulas[f"{column}{row}"].value.startswith(
                ("=AVERAGE(Trials!", "=STDEV(Trials!", "=PERCENTILE(Trials!")
            )
            assert values[f"{column}{row}"].value == pytest.approx(run.statistics.loc[metric, statistic], rel=1e-12)
    row = find_row(values, "P(NPV > 0)")
    assert values[f"C{row}"].value == pytest.approx(run.prob_npv_positive)


def test_the_histogram_counts_every_valid_trial_once():
    values = np.array([-3.0, -1.0, 0.0, 0.0, 2.5, 7.0])
    edges, counts = histogram(values, bins=4)
    assert edges.tolist() == [-3.0, -0.5, 2.0, 4.5, 7.0]
    assert counts.tolist() == [2, 2, 1, 1]  # the last bin includes the largest value
    same = histogram(np.array([5.0, 5.0]), bins=3)[1]
    assert same.sum() == 2
    assert histogram(np.array([1.0, np.nan, np.inf, 2.0]), bins=2)[1].tolist() == [1, 1]
    assert histogram(np.array([np.nan]), bins=2)[1].tolist() == [0, 0]


def test_the_grid_and_breakeven_are_as_run(runs, exported):
    results = runs[1]
    book = openpyxl.load_workbook(exported, data_only=True)
    grid = book["Grid"]
    header = find_row(grid, "Price change per year \\ Discount rate (WACC)")
    assert [grid.cell(header, col).value for col in (3, 4, 5)] == [0.08, 0.1, 0.12]
    table = results["grid"].table.to_numpy()
    written = [[grid.cell(header + 1 + i, 3 + j).value for j in range(3)] for i in range(2)]
    np.testing.assert_array_equal(written, table)
    formats = openpyxl.load_workbook(exported)["Grid"].conditional_formatting
    assert any(rule.type == "colorScale" for entry in formats for rule in entry.rules)

    sheet = book["Breakeven"]
    answer = find_row(sheet, "The answer") + 1
    assert sheet.cell(answer, 3).value == results["breakeven"].value
    assert sheet.cell(answer, 2).value == "%"
    assert sheet.cell(find_row(sheet, "Range searched: from"), 3).value == -0.2


def test_the_tornado_is_the_result_given(runs, exported):
    result = runs[1]["tornado"]
    sheet = openpyxl.load_workbook(exported, data_only=True)["Tornado"]
    first = find_row(sheet, "input") + 1
    for offset, entry in enumerate(result.table.to_dict("records")):
        assert sheet.cell(first + offset, 11).value.startswith(entry["target"])
        assert sheet.cell(first + offset, 7).value == pytest.approx(entry["swing"])
    labels = [sheet.cell(first + offset, 1).value for offset in range(len(result.table))]
    assert "Economic life: AI servers & accelerators (4 / 6 yrs)" in labels  # the whole years applied
    assert "Discount rate (WACC)" in labels


def test_the_printout_is_the_summaries(exported):
    book = openpyxl.load_workbook(exported)
    trials = book["Trials"]
    last_printed = int(trials.print_area.split("$")[-1])
    assert last_printed < 60 < trials.max_row  # one page of trials, not all of them
    for name in ("Monte Carlo", "Tornado", "Grid", "Breakeven"):
        assert book[name].print_area, name


def test_an_analysis_not_run_has_no_sheet(runs):
    model, results = runs
    only = {"breakeven": results["breakeven"]}
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(model, None, analysis_sheets(only))))
    assert book.sheetnames[-2:] == ["Model file", "Breakeven"]
    with pytest.raises(ValueError, match="not the result of that analysis"):
        analysis_sheets({"grid": results["tornado"]})


def test_progress_counts_the_sheets_and_chunks_and_can_stop_the_export(runs):
    model, results = runs
    reports = []
    workbook_bytes(model, None, analysis_sheets(results, lambda done, total: reports.append((done, total)) or True))
    chunks = -(-results["montecarlo"].valid_trials // TRIAL_CHUNK)
    total = 1 + len(results) + chunks
    assert reports == [(done, total) for done in range(1, total + 1)]
    with pytest.raises(RunCancelled):
        workbook_bytes(model, None, analysis_sheets(results, lambda done, total: done < 3))


def test_without_uncertainty_a_model_still_exports_its_tornado(bundled_model, tmp_path):
    doc = copy.deepcopy(bundled_model)
    doc["uncertainty"] = None
    doc["sources"] = {k: v for k, v in doc["sources"].items() if not k.startswith("uncertainty.")}
    model = validate_model(doc)
    export_workbook(model, tmp_path / "plan.xlsx", None, analysis_sheets({"tornado": risk.tornado(model)}))
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames[-1] == "Tornado"


@pytest.mark.libreoffice
def test_a_spreadsheet_recalculates_the_statistics_and_histogram_to_the_stored_values(exported, tmp_path):
    require_soffice()
    (recalculated,) = recalculate([exported], tmp_path / "out", tmp_path / "profile")
    stored = openpyxl.load_workbook(exported, data_only=True)["Monte Carlo"]
    again = openpyxl.load_workbook(recalculated, data_only=True)["Monte Carlo"]
    for label in ("NPV", "IRR"):
        row = find_row(stored, label)
        for column in STATISTIC_COLUMNS.values():
            cell = f"{column}{row}"
            assert again[cell].value == pytest.approx(stored[cell].value, rel=1e-9, abs=1e-12)
    first = find_row(stored, "bin") + 1
    counts = [again.cell(first + i, 5).value for i in range(24)]
    assert counts == [stored.cell(first + i, 5).value for i in range(24)]
    assert sum(counts) == stored["C" + str(find_row(stored, "Valid trials"))].value


def test_a_breakeven_not_reachable_says_so_with_the_range_searched(runs):
    model, _ = runs
    result = risk.breakeven(model, "drivers.price_change", "npv", 0.0, -0.2, -0.1)
    assert result.value is None
    data = workbook_bytes(model, None, analysis_sheets({"breakeven": result}))
    sheet = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["Breakeven"]
    answer = find_row(sheet, "The answer") + 1
    assert sheet.cell(answer, 3).value == "not reachable in this range"
    assert [sheet.cell(find_row(sheet, f"Range searched: {end}"), 3).value for end in ("from", "to")] == [-0.2, -0.1]
