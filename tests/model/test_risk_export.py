"""The Monte Carlo, Tornado and Grid sheets of the exported workbook."""

from __future__ import annotations

import copy

import numpy as np
import openpyxl
import pytest

from model import risk, validate_model
from model.workbook import export_workbook, risk_sheets
from tests.model.test_export_libreoffice import recalculate, require_soffice

STATISTIC_COLUMNS = dict(zip(risk.STATISTICS, "BCDEFGH", strict=True))


def find_row(sheet, first_cell: str) -> int:
    return next(row[0].row for row in sheet.iter_rows(max_col=1) if row[0].value == first_cell)


@pytest.fixture
def exported(bundled_model, tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(bundled_model, path, None, risk_sheets(bundled_model, sample_trials=200))
    return path


def test_the_risk_sheets_hold_the_analyses(bundled_model, exported):
    book = openpyxl.load_workbook(exported)
    assert book.sheetnames[-3:] == ["Monte Carlo", "Tornado", "Grid"]
    run = risk.monte_carlo(bundled_model)
    values = openpyxl.load_workbook(exported, data_only=True)
    monte_carlo = values["Monte Carlo"]
    npv_row = find_row(monte_carlo, "npv")
    for statistic, column in STATISTIC_COLUMNS.items():
        assert monte_carlo[f"{column}{npv_row}"].value == pytest.approx(run.statistics.loc["npv", statistic])

    tornado = risk.tornado(bundled_model)
    sheet = values["Tornado"]
    for offset, entry in enumerate(tornado.table.to_dict("records")):
        assert sheet.cell(5 + offset, 1).value == entry["target"]
        assert sheet.cell(5 + offset, 7).value == pytest.approx(entry["swing"])
    grid = values["Grid"]
    top = tornado.table.head(2)["target"].tolist()
    assert grid["A2"].value.startswith(f"Rows: {top[1]}") and f"columns: {top[0]}" in grid["A2"].value


def test_sample_statistics_are_formulas_over_the_sample(bundled_model, exported):
    formulas = openpyxl.load_workbook(exported)["Monte Carlo"]
    values = openpyxl.load_workbook(exported, data_only=True)["Monte Carlo"]
    header = find_row(formulas, "trial")
    npv_column = [c.value for c in formulas[header]].index("npv") + 1
    sample = np.array([values.cell(header + 1 + i, npv_column).value for i in range(200)])
    row = find_row(formulas, "Sample: the first 200 valid trials (formulas over the rows below)") + 1
    assert formulas[f"D{row}"].value.startswith("=PERCENTILE(")
    assert values[f"B{row}"].value == pytest.approx(sample.mean())
    assert values[f"C{row}"].value == pytest.approx(sample.std(ddof=1))
    assert values[f"D{row}"].value == pytest.approx(np.percentile(sample, 5))


def test_without_uncertainty_there_is_no_monte_carlo_sheet(bundled_model, tmp_path):
    doc = copy.deepcopy(bundled_model)
    doc["uncertainty"] = None
    doc["sources"] = {k: v for k, v in doc["sources"].items() if not k.startswith("uncertainty.")}
    model = validate_model(doc)
    export_workbook(model, tmp_path / "plan.xlsx", None, risk_sheets(model))
    assert openpyxl.load_workbook(tmp_path / "plan.xlsx").sheetnames[-2:] == ["Tornado", "Grid"]


@pytest.mark.libreoffice
def test_a_spreadsheet_recalculates_the_sample_statistics_to_the_stored_values(exported, tmp_path):
    require_soffice()
    (recalculated,) = recalculate([exported], tmp_path / "out", tmp_path / "profile")
    stored = openpyxl.load_workbook(exported, data_only=True)["Monte Carlo"]
    again = openpyxl.load_workbook(recalculated, data_only=True)["Monte Carlo"]
    row = find_row(stored, "Sample: the first 200 valid trials (formulas over the rows below)")
    for metric_row in (row + 1, row + 2):
        for column in STATISTIC_COLUMNS.values():
            cell = f"{column}{metric_row}"
            assert again[cell].value == pytest.approx(stored[cell].value, rel=1e-9, abs=1e-12)
