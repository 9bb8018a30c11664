"""The exported workbook's structure, formats and safe writing (no LibreOffice needed)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile

import numpy as np
import openpyxl
import pytest

from model import ModelError, ModelFileError, compute, validate_model
from model.outputs import KPI_KEYS, LINE_KEYS
from model.schema import NUMERIC_SETTINGS
from model.workbook import SHEETS, export_workbook, workbook_bytes
from model.workbook.projections import spreadsheet_irr
from tests.conftest import ROOT
from tests.factories import model_doc

FORMULA_LOOKING = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(1,2)")


def open_both(data: bytes):
    """The workbook with formulas, and the same workbook showing the stored (cached) values."""
    return openpyxl.load_workbook(io.BytesIO(data)), openpyxl.load_workbook(io.BytesIO(data), data_only=True)


def named_cells(book, name: str) -> list:
    (title, ref), *_ = book.defined_names[name].destinations
    cells = book[title][ref.replace("$", "")]
    if not isinstance(cells, tuple):
        return [cells]
    return [c for row in cells for c in (row if isinstance(row, tuple) else (row,))]


@pytest.fixture
def bull_workbook(bundled_model):
    return open_both(workbook_bytes(bundled_model, "Bull"))


def test_every_sheet_and_name_of_section_7_is_there(bull_workbook):
    formulas, _ = bull_workbook
    assert formulas.sheetnames == list(SHEETS)
    names = set(formulas.defined_names)
    assert {f"line_{key}" for key in LINE_KEYS} <= names
    assert {f"kpi_{key}" for key in KPI_KEYS} <= names
    assert {*NUMERIC_SETTINGS, "mid_year", "terminal_method", "utilization", "base_year"} <= names


def test_computed_cells_are_formulas_carrying_the_model_values(bundled_model, bull_workbook):
    formulas, stored = bull_workbook
    results = compute(bundled_model, "Bull")
    for key in LINE_KEYS:
        cells = named_cells(formulas, f"line_{key}")
        assert all(c.data_type == "f" for c in cells), key
        values = [c.value for c in named_cells(stored, f"line_{key}")]
        for got, expected in zip(values, results.line(key), strict=True):
            if np.isnan(expected):
                assert got in (None, ""), key  # a null line is an empty text
            else:
                assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), key
    for key in KPI_KEYS:
        (cell,) = named_cells(formulas, f"kpi_{key}")
        assert cell.data_type == "f" and cell.value.startswith("="), key
        (value,) = [c.value for c in named_cells(stored, f"kpi_{key}")]
        expected = results.kpis[key]
        assert value in (None, "") if expected is None else value == pytest.approx(expected, rel=1e-12), key


def test_formulas_read_like_the_model(bull_workbook):
    formulas, _ = bull_workbook
    (npv,) = named_cells(formulas, "kpi_npv")
    assert "NPV(wacc,line_fcf)" in npv.value
    assert named_cells(formulas, "line_tax")[0].value.startswith("=tax_rate*")


def test_the_summary_names_the_exported_scenario_and_its_overrides_drive_the_formulas(bull_workbook):
    formulas, stored = bull_workbook
    assert formulas["Summary"]["A2"].value == "Scenario: Bull"
    (title, ref), *_ = formulas.defined_names["wacc"].destinations
    wacc_row = int(ref.split("$")[-1])
    assert formulas[title][f"A{wacc_row}"].value == "scenario:settings.wacc"
    assert stored[title][ref.replace("$", "")].value == 0.09
    assert formulas[title][f"A{wacc_row - 1}"].value == "settings.wacc"  # the base row stays above


def test_text_that_looks_like_a_formula_is_written_as_text():
    doc = model_doc(name=FORMULA_LOOKING[0])
    doc["asset_classes"][0]["name"] = FORMULA_LOOKING[1]
    doc["capex"] = {FORMULA_LOOKING[1]: doc["capex"]["Servers"]}
    doc["sources"] = {"settings.wacc": {"text": FORMULA_LOOKING[2], "url": FORMULA_LOOKING[3]}}
    doc["scenarios"] = {FORMULA_LOOKING[3]: {"settings": {"wacc": 0.2}}}
    formulas, _ = open_both(workbook_bytes(validate_model(doc), FORMULA_LOOKING[3]))
    found = {
        cell.value: cell.data_type
        for sheet in formulas.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value in FORMULA_LOOKING
    }
    assert set(found) == set(FORMULA_LOOKING)
    assert set(found.values()) == {"s"}


def test_frozen_panes_number_formats_and_print_setup(bull_workbook):
    formulas, _ = bull_workbook
    projections = formulas["Projections"]
    assert projections.freeze_panes == "D4"
    assert formulas["Assumptions"].freeze_panes == "D4"
    assert named_cells(formulas, "line_total_revenue")[0].number_format == "#,##0.0;-#,##0.0"
    assert named_cells(formulas, "line_ebita_margin")[0].number_format == "0.0%"
    assert named_cells(formulas, "kpi_irr")[0].number_format == "0.0%"
    assert projections["D3"].value == "=base_year+1"
    for sheet in formulas.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
    assert projections.column_dimensions["B"].width > 30


def test_inputs_are_blue_on_a_light_fill(bull_workbook):
    formulas, _ = bull_workbook
    (wacc,) = named_cells(formulas, "wacc")
    assert wacc.font.color.rgb == "FF0000FF"
    assert wacc.fill.fgColor.rgb not in (None, "00000000", "FFFFFFFF")
    assert (
        named_cells(formulas, "line_fcf")[0].font.color is None
        or named_cells(formulas, "line_fcf")[0].font.color.rgb != "FF0000FF"
    )


def test_extra_sheets_are_added_after_the_standard_ones(bundled_model):
    def write_risk(writer):
        sheet = writer.add_sheet("Risk")
        sheet.write_formula(0, 0, f"={writer.line_cell('fcf', 1)}*2", writer.formats.money, 1.0)

    formulas, _ = open_both(workbook_bytes(bundled_model, extra_sheets=[write_risk]))
    assert formulas.sheetnames == [*SHEETS, "Risk"]
    fcf_first_year = named_cells(formulas, "line_fcf")[0].coordinate
    assert formulas["Risk"]["A1"].value == f"=Projections!{fcf_first_year}*2"


def test_the_spreadsheet_irr_mimic_finds_the_root_from_its_start():
    flows = [-100.0, 230.0, -132.0]  # roots at 10 % and 20 %
    assert spreadsheet_irr(flows, 0.05) == pytest.approx(0.1)
    assert spreadsheet_irr(flows, 0.3) == pytest.approx(0.2)
    assert spreadsheet_irr([-1.0, -1.0], 0.1) is None


# ------------------------------------------------------------------ writing safely


def test_a_failed_write_leaves_the_previous_file(bundled_model, tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"previous")

    def refuse(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ModelFileError, match="previous file is unchanged"):
        export_workbook(bundled_model, target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["plan.xlsx"]


def test_a_file_open_elsewhere_is_named(bundled_model, tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"previous")

    def locked(source, destination):
        raise PermissionError(13, "Permission denied", str(source), None, str(destination))

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(ModelFileError, match="open in another program") as raised:
        export_workbook(bundled_model, target)
    assert str(target) in str(raised.value)
    assert target.read_bytes() == b"previous"


def test_a_read_only_folder_is_named(bundled_model, tmp_path, monkeypatch):
    # Simulated: the tests may run as root, who can write into a read-only folder.
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".plan.xlsx.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    with pytest.raises(ModelFileError, match="the folder is read-only"):
        export_workbook(bundled_model, tmp_path / "plan.xlsx")


def test_a_missing_folder_is_named(bundled_model, tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        export_workbook(bundled_model, tmp_path / "nowhere" / "plan.xlsx")


def test_an_unknown_scenario_is_refused(bundled_model, tmp_path):
    with pytest.raises(ModelError, match="not a scenario"):
        export_workbook(bundled_model, tmp_path / "plan.xlsx", "Nope")
    assert not list(tmp_path.iterdir())


# ------------------------------------------------------------------ command line


def run_main(*args: str) -> subprocess.CompletedProcess:
    code = (
        "import sys, main\n"
        "status = main.main(sys.argv[1:])\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))], 'Qt was imported'\n"
        "sys.exit(status)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def test_command_line_export_writes_the_scenario_without_qt(tmp_path):
    target = tmp_path / "bull.xlsx"
    done = run_main("--scenario", "Bull", "--export", str(target))
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(target)
    assert book["Summary"]["A2"].value == "Scenario: Bull"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scenario", "Nope"), "error: scenario: 'Nope' is not a scenario"),
        ((), "does not exist"),
    ],
)
def test_command_line_export_errors_are_one_line(tmp_path, args, message):
    folder = tmp_path if args else tmp_path / "missing"
    done = run_main(*args, "--export", str(folder / "out.xlsx"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert message in done.stderr
