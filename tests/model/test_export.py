"""The exported workbook's structure, formats and safe writing (no LibreOffice needed)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import tempfile
import zipfile

import numpy as np
import openpyxl
import pytest

from model import ModelError, ModelFileError, compute, load_model, validate_model
from model.comparison import compared_figures, overridden_inputs
from model.outputs import KPI_KEYS, KPIS, LINE_KEYS, LINES
from model.schema import NUMERIC_SETTINGS
from model.validation import scenario_names
from model.workbook import SHEETS, export_workbook, workbook_bytes
from model.workbook.layout import CLASS_FIELD_COLS, MODEL_FILE_KEYS
from model.workbook.projections import spreadsheet_irr
from model.workbook.scenarios import CHANGE_LABEL
from tests.conftest import ROOT
from tests.factories import model_doc, v2_model_doc

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
    assert npv.value == "=SUM(line_pv_fcf)+kpi_pv_terminal_value"
    assert named_cells(formulas, "line_tax")[0].value.startswith("=tax_rate*")


def test_the_summary_names_the_exported_scenario_and_its_overrides_drive_the_formulas(bundled_model, bull_workbook):
    formulas, stored = bull_workbook
    (scenario,) = named_cells(formulas, "scenario")
    assert scenario.parent.title == "Summary" and scenario.coordinate == "B2"
    assert scenario.value == "Bull"
    (validation,) = [v for v in formulas["Summary"].data_validations.dataValidation if "B2" in v.sqref]
    assert validation.type == "list" and validation.formula1 == "scenario_names"
    assert [c.value for c in named_cells(formulas, "scenario_names")] == scenario_names(bundled_model)
    # WACC: the base row, one row per scenario that sets it, and the row in use, which the name points to.
    (title, ref), *_ = formulas.defined_names["wacc"].destinations
    live = int(ref.split("$")[-1])
    sheet = formulas[title]
    assert sheet[f"A{live}"].value == "live:settings.wacc"
    assert stored[title][ref.replace("$", "")].value == 0.09  # the exported scenario's value is cached
    setting = [
        n for n in scenario_names(bundled_model) if "wacc" in bundled_model["scenarios"].get(n, {}).get("settings", {})
    ]
    base = live - len(setting) - 1
    assert sheet[f"A{base}"].value == "settings.wacc"
    rows = range(base + 1, live)
    assert [sheet[f"A{r}"].value for r in rows] == ["scenario:settings.wacc"] * len(setting)
    assert [sheet[f"B{r}"].value for r in rows] == setting  # the names, shown "↳ Bull"
    assert sheet[f"B{base + 1}"].number_format == '"↳ "@'
    expected = f"D{base}"
    for r in reversed(rows):
        expected = f"IF(EXACT(scenario,$B${r}),D{r},{expected})"
    assert sheet[f"D{live}"].value == "=" + expected


def test_every_overridden_input_has_a_row_per_scenario_and_a_row_in_use(v2_model, bundled_model):
    for model in (v2_model, bundled_model):
        formulas, _ = open_both(workbook_bytes(model))
        keys = [c.value for c in formulas["Assumptions"]["A"]]
        for entry in overridden_inputs(model):
            section, _, rest = entry.path.partition(".")
            if section in ("capex", "history", "asset_classes"):
                index = [c["name"] for c in model["asset_classes"]].index(
                    rest.rsplit(".", 1)[0] if section == "asset_classes" else rest
                )
                key = f"{section}[{index}]"
            else:
                key = entry.path
            assert keys.count(f"live:{key}") == 1, key
            assert keys.count(f"scenario:{key}") >= len(entry.values), key


def test_nothing_is_hidden(v2_model):
    formulas, _ = open_both(workbook_bytes(v2_model, "Bull"))
    for sheet in formulas.worksheets:
        assert sheet.sheet_state == "visible", sheet.title
        assert not [r for r, d in sheet.row_dimensions.items() if d.hidden], sheet.title
        assert not [c for c, d in sheet.column_dimensions.items() if d.hidden], sheet.title
    sheet = formulas["Model file"]
    assert "Assumptions" in sheet["A2"].value and "truth" in sheet["A2"].value
    assert [sheet.cell(row=r, column=1).value for r in range(5, 10)] == list(MODEL_FILE_KEYS)


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
    (tax_rate,) = named_cells(formulas, "tax_rate")  # no scenario sets it: the name is the input
    assert tax_rate.font.color.rgb == "FF0000FF"
    assert tax_rate.fill.fgColor.rgb not in (None, "00000000", "FFFFFFFF")
    (wacc,) = named_cells(formulas, "wacc")  # the row in use: a formula, black
    assert wacc.data_type == "f" and (wacc.font.color is None or wacc.font.color.rgb != "FF0000FF")
    scenario_wacc = wacc.parent.cell(row=wacc.row - 1, column=wacc.column)  # the last scenario's WACC: an input
    assert scenario_wacc.font.color.rgb == "FF0000FF"
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
    assert book["Summary"]["B2"].value == "Bull"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scenario", "Nope"), "error: --scenario: 'Nope' is not a scenario"),
        ((), "does not exist"),
    ],
)
def test_command_line_export_errors_are_one_line(tmp_path, args, message):
    folder = tmp_path if args else tmp_path / "missing"
    done = run_main(*args, "--export", str(folder / "out.xlsx"))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: ")
    assert message in done.stderr


# ------------------------------------------------------------------ version 2


@pytest.fixture(scope="module")
def v2_model():
    return validate_model(v2_model_doc())


def assumption_row(book, key: str) -> int:
    return next(c.row for c in book["Assumptions"]["A"] if c.value == key)


def test_a_version_2_workbook_names_every_line_kpi_and_setting(v2_model):
    formulas, stored = open_both(workbook_bytes(v2_model, "Bull"))
    assert formulas.sheetnames == list(SHEETS)
    names = set(formulas.defined_names)
    assert {f"line_{key}" for key in LINE_KEYS} | {f"kpi_{key}" for key in KPI_KEYS} <= names
    assert {"plan_years", "valuation_year", "shares_outstanding", "infrastructure_charge", "rent_rate"} <= names
    assert {"compute_cost_change", "reinvestment_rate"} <= names
    results = compute(v2_model, "Bull")
    (per_share,) = named_cells(stored, "kpi_npv_per_share")
    assert per_share.value == pytest.approx(results.kpis["npv_per_share"], rel=1e-12)
    assert named_cells(formulas, "line_discount_factor")[0].number_format == "0.0000"
    assert named_cells(formulas, "line_capacity")[0].number_format == LINES["capacity"].excel_format


def test_number_formats_come_from_the_output_registry(v2_model):
    formulas, _ = open_both(workbook_bytes(v2_model))
    for key in LINE_KEYS:
        assert named_cells(formulas, f"line_{key}")[0].number_format == LINES[key].excel_format, key
    for key in KPI_KEYS:
        assert named_cells(formulas, f"kpi_{key}")[0].number_format == KPIS[key].excel_format, key


def test_a_calibrated_setting_is_a_formula_and_its_written_value_stays_an_input(v2_model):
    formulas, stored = open_both(workbook_bytes(v2_model))
    (solved,) = named_cells(formulas, "ai_revenue_yield")
    assert solved.data_type == "f" and "ai_revenue_yield" not in solved.value  # no circular reference
    assert formulas["Assumptions"][f"A{solved.row}"].value == "solved:settings.ai_revenue_yield"
    (value,) = named_cells(stored, "ai_revenue_yield")
    assert value.value == pytest.approx(compute(v2_model).calibrated["settings.ai_revenue_yield"], rel=1e-12)
    written = assumption_row(formulas, "settings.ai_revenue_yield")
    assert formulas["Assumptions"][f"D{written}"].value == v2_model["settings"]["ai_revenue_yield"]


def test_a_life_that_follows_the_book_life_is_a_formula_and_stays_absent(v2_model, tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(v2_model, path)
    book = openpyxl.load_workbook(path)
    row = assumption_row(book, "asset_classes[2]")  # Buildings: no economic or tax life
    economic, tax = CLASS_FIELD_COLS["economic_life"] + 1, CLASS_FIELD_COLS["tax_life"] + 1
    life_cell = book["Assumptions"].cell(row=row, column=CLASS_FIELD_COLS["life"] + 1).coordinate
    assert book["Assumptions"].cell(row=row, column=economic).value == f"={life_cell}"
    assert book["Assumptions"].cell(row=row, column=tax).value == f"={life_cell}"
    book["Assumptions"][life_cell] = 18
    book["Assumptions"].cell(row=row, column=tax, value=7)  # a number typed there sets the tax life
    book.save(path)
    buildings = load_model(path)["asset_classes"][2]
    assert buildings["life"] == 18 and buildings["tax_life"] == 7
    assert "economic_life" not in buildings


def test_the_history_calibration_and_scenario_overrides_are_inputs(v2_model):
    formulas, _ = open_both(workbook_bytes(v2_model, "Bull"))
    sheet = formulas["Assumptions"]
    keys = [c.value for c in sheet["A"]]
    assert {"history", "history[0]", "scenario:history[0]", "calibration[0]", "calibration[1]"} <= set(keys)
    assert "scenario:asset_classes[0]" in keys
    row = assumption_row(formulas, "history[0]")
    assert [sheet.cell(row=row, column=4 + k).value for k in range(2)] == v2_model["history"]["capex"]["Servers"]


def test_the_terminal_value_warning_is_on_the_summary(v2_model):
    formulas, _ = open_both(workbook_bytes(v2_model))
    texts = [c.value for row in formulas["Summary"].iter_rows() for c in row if isinstance(c.value, str)]
    (warning,) = compute(v2_model).warnings
    assert f"Warning (Base): {warning}" in texts


def test_chart_titles_are_literal_text_never_cell_references():
    doc = model_doc(currency="=Summary!A1", unit="Sheet1!B2")
    data = workbook_bytes(validate_model(doc))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        charts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/chart")]
    assert charts
    for xml in charts:
        references = re.findall(r"<c:f>([^<]*)</c:f>", xml)
        assert all(ref.startswith("Projections!") for ref in references), references
        assert "=Summary!A1 Sheet1!B2" in xml  # the axis title, as text


@pytest.mark.slow
def test_no_formula_has_more_arguments_than_a_spreadsheet_takes():
    from tests.model.test_export_libreoffice import many_classes_model

    formulas, _ = open_both(workbook_bytes(many_classes_model()))
    longest = max(
        cell.value.count(",")
        for sheet in formulas.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    )
    assert longest < 255


def test_the_scenarios_sheet_shows_every_scenario_side_by_side(bundled_model):
    formulas, stored = open_both(workbook_bytes(bundled_model, "Bull"))
    sheet, values = formulas["Scenarios"], stored["Scenarios"]
    names = scenario_names(bundled_model)
    header = [sheet.cell(row=3, column=4 + i).value for i in range(len(names))]
    assert header == names
    assert sheet["C3"].value == '="Live: "&scenario' and values["C3"].value == "Live: Bull"
    assert "scenario" in sheet["A2"].value  # the line saying which scenario is live is a formula
    labels = [c.value for c in sheet["A"]]
    results = {name: compute(bundled_model, name) for name in names}
    for figure in compared_figures(bundled_model):
        row = labels.index(figure.label) + 1
        assert labels[row] == CHANGE_LABEL
        base = figure.value(results["Base"])
        for i, name in enumerate(names):
            expected = figure.value(results[name])
            got = values.cell(row=row, column=4 + i).value
            assert got == "n/a" if expected is None else got == pytest.approx(expected, rel=1e-12), (figure, name)
            change = values.cell(row=row + 1, column=4 + i).value
            if i and expected is not None and base is not None:
                assert change == pytest.approx(expected - base, rel=1e-12, abs=1e-12)
        live = sheet.cell(row=row, column=3).value
        assert live == (
            f"=kpi_{figure.key}" if figure.year is None else f"=INDEX(line_{figure.key},{figure.year - 2025})"
        )
    start = labels.index("Inputs each scenario overrides (an empty cell: as Base)") + 1
    inputs = overridden_inputs(bundled_model)
    assert len([label for label in labels[start:] if label]) == len(inputs)
    wacc = start + 1
    assert labels[wacc - 1] == "Discount rate (WACC)"
    assert sheet.cell(row=wacc, column=3).value == "=wacc"
    assert [values.cell(row=wacc, column=4 + i).value for i in range(len(names))] == [
        bundled_model["settings"]["wacc"]
        if name == "Base"
        else bundled_model["scenarios"][name].get("settings", {}).get("wacc")
        for name in names
    ]


@pytest.mark.parametrize("mid_year", [False, True])
def test_amounts_near_the_largest_number_give_null_kpis_and_a_valid_workbook(mid_year):
    """A Gordon value of capex near 1.7e308 overflows: NPV and IRR are null, with no warning
    (the suite turns warnings into errors), and the workbook stores no infinite value."""
    doc = model_doc(horizon=3)
    doc["settings"].update(terminal_method="gordon", terminal_growth=-0.03, wacc=0.0, mid_year=mid_year)
    doc["capex"]["Servers"] = [1.7e308, 0.0, 0.0]
    model = validate_model(doc)
    results = compute(model)
    assert results.kpis["npv"] is None and results.kpis["irr"] is None
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(model)), data_only=True)
    stored = [c.value for row in book["Projections"].iter_rows() for c in row if isinstance(c.value, float)]
    assert stored and all(np.isfinite(stored))
