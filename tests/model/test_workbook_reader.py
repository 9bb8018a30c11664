"""Reading exported workbooks back: equal models, a colleague's edits, and refusal of bad files."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest
from hypothesis import HealthCheck, given, settings

from model import ModelError, ModelFileError, compute, load_model, scenario_names, validate_model
from model.workbook import export_workbook, read_workbook, workbook_bytes
from model.workbook.reader import read_workbook_reporting
from tests.conftest import ROOT
from tests.factories import v2_model_doc, valid_models

# Exported by the version before scenarios were live: the Bull scenario on its visible rows, the
# Bear scenario and the sources only in hidden model_file rows.
OLD_WORKBOOK = ROOT / "tests" / "data" / "exported_before_live_scenarios.xlsx"

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">
<si><t>&lol9;</t></si></sst>
"""


def replace_part(data: bytes, part: str, content: bytes) -> bytes:
    """The same .xlsx file with one of its parts replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == part else source.read(item.filename))
    return out.getvalue()


def assumption_row(book, key: str) -> int:
    """The row number of a field on the Assumptions sheet (column A holds the field paths)."""
    sheet = book["Assumptions"]
    return next(cell.row for cell in sheet["A"] if cell.value == key)


@pytest.mark.parametrize("scenario", ["Base", "Upsized (RMB 460bn)", "Bull", "Bear"])
def test_export_then_import_gives_an_equal_model(v1_model, tmp_path, scenario):
    assert scenario in scenario_names(v1_model)
    path = tmp_path / "plan.xlsx"
    export_workbook(v1_model, path, scenario)
    assert load_model(path) == v1_model


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_models(max_horizon=30))
def test_random_models_survive_the_round_trip(model):
    with tempfile.TemporaryDirectory() as folder:  # hypothesis runs many examples in one test
        path = Path(folder) / "plan.xlsx"
        export_workbook(model, path)
        assert read_workbook(path) == model


def test_a_colleagues_edits_come_home(v1_model, tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(v1_model, path, "Bull")
    book = openpyxl.load_workbook(path)
    sheet = book["Assumptions"]
    sheet[f"D{assumption_row(book, 'settings.wacc')}"] = 0.12
    sheet[f"D{assumption_row(book, 'scenario:settings.pull_through')}"] = 0.7
    sheet[f"E{assumption_row(book, 'capex[0]')}"] = 80.0
    sheet[f"B{assumption_row(book, 'asset_classes[1]')}"] = "Network gear"
    book.save(path)

    model = load_model(path)
    assert model["settings"]["wacc"] == 0.12
    assert model["scenarios"]["Bull"]["settings"]["pull_through"] == 0.7
    assert model["capex"]["AI servers & accelerators"][1] == 80.0
    assert model["asset_classes"][1]["name"] == "Network gear"
    assert model["capex"]["Network gear"] == v1_model["capex"]["Network equipment"]


def test_a_bad_input_is_refused_naming_its_cell(bundled_model, tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(bundled_model, path)
    book = openpyxl.load_workbook(path)
    row = assumption_row(book, "drivers.utilization")
    book["Assumptions"][f"G{row}"] = 1.4
    book.save(path)
    with pytest.raises(ModelError) as raised:
        load_model(path)
    assert str(raised.value) == f"Assumptions!G{row}: drivers.utilization[3]: 1.4 is above 1"


def test_an_unknown_row_is_refused_naming_its_cell(bundled_model, tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(bundled_model, path)
    book = openpyxl.load_workbook(path)
    row = assumption_row(book, "settings.wacc")
    book["Assumptions"][f"A{row}"] = "settings.wac"
    book.save(path)
    with pytest.raises(ModelError, match=rf"^Assumptions!A{row}: 'settings.wac' is not a field"):
        load_model(path)


def test_a_workbook_that_is_not_ours_is_refused(tmp_path):
    path = tmp_path / "other.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "Assumptions"
    book.active["A1"] = "Quarterly budget"
    book.save(path)
    with pytest.raises(ModelError, match=r"^Assumptions!A1: .*not exported by Capex Workbench"):
        load_model(path)

    book.active.title = "Budget"
    book.save(path)
    with pytest.raises(ModelFileError, match="has no Assumptions sheet"):
        load_model(path)


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(b"not a zip file")
    with pytest.raises(ModelFileError, match="is not a readable Excel workbook"):
        load_model(path)


def test_the_reader_parses_xml_through_defusedxml():
    assert openpyxl.xml.DEFUSEDXML


def test_an_entity_expansion_bomb_is_refused_without_expanding_it(bundled_model, tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(replace_part(workbook_bytes(bundled_model), "xl/sharedStrings.xml", BILLION_LAUGHS))
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match="refused: its XML declares entities"):
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 100e6  # the work done: expanded, the text would take 3 GB


@pytest.mark.parametrize("scenario", ["Base", "Bull"])
def test_a_version_2_model_survives_the_round_trip(tmp_path, scenario):
    """History, class fields, settings, drivers, calibration and a scenario's history and class
    overrides all come back."""
    model = validate_model(v2_model_doc())
    path = tmp_path / "plan.xlsx"
    export_workbook(model, path, scenario)
    assert read_workbook(path) == model


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(valid_models(max_horizon=12, v2=True))
def test_random_version_2_models_survive_the_round_trip(model):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.xlsx"
        export_workbook(model, path)
        # A market size unknown in every year is a row of blank cells: read back as no row at all.
        if all(v is None for v in model["drivers"].get("cloud_market") or [0]):
            model["drivers"].pop("cloud_market", None)
        assert read_workbook(path) == model


@pytest.mark.parametrize("scenario", ["Base", "Bull", "Bear"])
def test_the_bundled_version_2_model_survives_the_round_trip(bundled_model, tmp_path, scenario):
    path = tmp_path / "plan.xlsx"
    export_workbook(bundled_model, path, scenario)
    assert read_workbook(path) == bundled_model


def test_a_class_switched_to_expensed_loses_its_history_rows(tmp_path):
    doc = v2_model_doc()
    doc["scenarios"]["Bull"]["history"] = {"capex": {"Network": [5.0, 6.0]}}
    model = validate_model(doc)
    path = tmp_path / "plan.xlsx"
    export_workbook(model, path, "Bull")
    book = openpyxl.load_workbook(path)
    book["Assumptions"][f"D{assumption_row(book, 'asset_classes[1]')}"] = "expensed"
    book.save(path)
    switched = read_workbook(path)
    assert switched["asset_classes"][1]["treatment"] == "expensed"  # its lives stay, ignored (section 3)
    assert "Network" not in switched["history"]["capex"]
    assert "history" not in switched["scenarios"]["Bull"]  # its only history row was the network's


# ---------------------------------------------------------------------- every scenario visible (issues 15, 16)


def model_file_row(book, key: str) -> int:
    return next(cell.row for cell in book["Model file"]["A"] if cell.value == key)


def scenario_row(book, key: str, scenario: str) -> int:
    """The row of ``scenario``'s override of the field ``key`` on Assumptions."""
    sheet = book["Assumptions"]
    return next(c.row for c in sheet["A"] if c.value == f"scenario:{key}" and sheet[f"B{c.row}"].value == scenario)


def two_scenario_model():
    doc = v2_model_doc()
    doc["scenarios"]["Bear"] = {"settings": {"wacc": 0.11}, "drivers": {"utilization": [0.6] * 8}}
    doc["scenarios"]["Same as Base"] = {}
    return validate_model(doc)


def test_every_scenario_is_read_from_its_visible_rows(tmp_path):
    model = two_scenario_model()
    path = tmp_path / "plan.xlsx"
    export_workbook(model, path, "Bull")
    book = openpyxl.load_workbook(path)
    assert "model_file" not in [c.value for c in book["Assumptions"]["A"]]
    assert "scenarios" not in json.loads(book["Model file"][f"C{model_file_row(book, 'sources')}"].value or "{}")
    book["Assumptions"][f"D{scenario_row(book, 'settings.wacc', 'Bear')}"] = 0.125  # not the exported scenario
    book.save(path)
    read = read_workbook_reporting(path)
    assert read.warnings == ()
    assert read.model["scenarios"]["Bear"]["settings"]["wacc"] == 0.125
    assert read.model["scenarios"]["Same as Base"] == {}
    assert list(read.model["scenarios"]) == ["Bull", "Bear", "Same as Base"]
    assert read.model["scenarios"]["Bull"] == model["scenarios"]["Bull"]


def test_an_input_written_on_the_model_file_sheet_is_ignored_and_reported(tmp_path):
    """Issue 15: WACC 10 % visible while the JSON says 50 %: the visible cell wins, and the user is told."""
    model = validate_model(v2_model_doc())
    path = tmp_path / "plan.xlsx"
    export_workbook(model, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Model file"]
    row = sheet.max_row + 1
    sheet[f"A{row}"] = "settings"
    sheet[f"C{row}"] = json.dumps({"wacc": 0.5})
    sheet[f"A{row + 1}"] = "scenarios"
    sheet[f"C{row + 1}"] = json.dumps({"Bull": {"settings": {"wacc": 0.5}}})
    book["Assumptions"][f"D{assumption_row(book, 'settings.wacc')}"] = 0.1
    book.save(path)
    read = read_workbook_reporting(path)
    assert read.model["settings"]["wacc"] == 0.1
    assert read.model["scenarios"] == model["scenarios"]
    assert read.warnings == (
        f"Model file!A{row}: 'settings' is not read from here: the inputs and scenarios are the cells of the "
        "Assumptions sheet, which are used",
        f"Model file!A{row + 1}: 'scenarios' is not read from here: the inputs and scenarios are the cells of the "
        "Assumptions sheet, which are used",
    )


def test_a_damaged_model_file_section_is_refused_naming_its_cell(tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(validate_model(v2_model_doc()), path)
    book = openpyxl.load_workbook(path)
    row = model_file_row(book, "actuals")
    book["Model file"][f"C{row}"] = '{"2026": '
    book.save(path)
    with pytest.raises(ModelError, match=rf"^Model file!A{row}: damaged: "):
        read_workbook(path)


def test_a_scenario_row_of_a_scenario_not_listed_is_refused_naming_its_cell(tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(two_scenario_model(), path)
    book = openpyxl.load_workbook(path)
    row = scenario_row(book, "settings.wacc", "Bear")
    book["Assumptions"][f"B{row}"] = "Baer"
    book.save(path)
    with pytest.raises(ModelError) as raised:
        read_workbook(path)
    assert str(raised.value) == (
        f"Assumptions!B{row}: 'Baer' is not a scenario listed under Scenarios (Bull, Bear, Same as Base)"
    )


def test_a_workbook_exported_before_scenarios_were_live_is_read_with_a_warning():
    """Hidden model_file rows of an older export: read (the other scenarios are there only), the
    exported scenario from its visible rows, and the user told that hidden rows were read."""
    doc = v2_model_doc()
    doc["scenarios"]["Bear"] = {"settings": {"wacc": 0.11}, "drivers": {"utilization": [0.6] * 8}}
    read = read_workbook_reporting(OLD_WORKBOOK)
    assert read.model == validate_model(doc)
    (warning,) = read.warnings
    assert re.fullmatch(r"Assumptions!A\d+: hidden model_file rows of an older export were read .*", warning)


def test_an_older_exports_visible_rows_win_over_its_hidden_json(tmp_path):
    book = openpyxl.load_workbook(OLD_WORKBOOK)
    sheet = book["Assumptions"]
    rows = [c.row for c in sheet["A"] if c.value == "model_file"]
    extras = json.loads("".join(sheet[f"D{r}"].value for r in rows))
    extras["scenarios"]["Bull"] = {"settings": {"wacc": 0.5}}
    text = json.dumps(extras)
    for i, r in enumerate(rows):
        sheet[f"D{r}"] = text if i == 0 else ""
    path = tmp_path / "old.xlsx"
    book.save(path)
    read = read_workbook_reporting(path)
    assert read.model["scenarios"]["Bull"]["settings"]["wacc"] == 0.08  # the visible row
    assert any("the rows on the sheet are used" in w for w in read.warnings)


def conflicted_workbook(path: Path) -> Path:
    """A workbook whose Model file sheet holds WACC 50 % while Assumptions shows 10 %."""
    export_workbook(validate_model(v2_model_doc()), path)
    book = openpyxl.load_workbook(path)
    row = book["Model file"].max_row + 1
    book["Model file"][f"A{row}"] = "settings"
    book["Model file"][f"C{row}"] = json.dumps({"wacc": 0.5})
    book["Assumptions"][f"D{assumption_row(book, 'settings.wacc')}"] = 0.1
    book.save(path)
    return path


def test_the_command_line_prints_each_conflict_on_standard_error(tmp_path):
    path = conflicted_workbook(tmp_path / "plan.xlsx")
    done = subprocess.run(
        [sys.executable, "main.py", str(path), "--json"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kpis"]["npv"] == compute(read_workbook(path)).kpis["npv"]
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"warning: {path}: Model file!A") and "'settings' is not read from here" in line


def test_a_source_edited_on_assumptions_wins_over_the_model_file_and_is_reported(bundled_model, tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(bundled_model, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Assumptions"]
    column = next(c.column_letter for c in sheet[3] if c.value == "Source")
    wacc, tax = assumption_row(book, "settings.wacc"), assumption_row(book, "settings.tax_rate")
    sheet[f"{column}{wacc}"] = "House view, May 2026"
    sheet[f"{column}{tax}"] = None
    book.save(path)
    read = read_workbook_reporting(path)
    assert read.model["sources"]["settings.wacc"]["text"] == "House view, May 2026"
    assert read.model["sources"]["settings.wacc"].get("url") == bundled_model["sources"]["settings.wacc"].get("url")
    assert "settings.tax_rate" not in read.model["sources"]
    assert read.warnings == (
        f"Assumptions!{column}{wacc}: the source of settings.wacc differs from the Model file's; the text here is used",
        f"Assumptions!{column}{tax}: the source of settings.tax_rate was cleared here; the Model file's is dropped",
    )


def test_a_reported_figure_edited_on_the_actuals_sheet_wins_and_is_reported(bundled_model, tmp_path):
    path = tmp_path / "plan.xlsx"
    export_workbook(bundled_model, path)
    book = openpyxl.load_workbook(path)
    sheet = book["Actuals"]
    actual = next(
        r
        for r in range(4, sheet.max_row + 1)
        if sheet[f"A{r}"].value == 2026 and sheet[f"B{r}"].value == "Total revenue"
    )
    peers_title = next(r for r in range(4, sheet.max_row + 1) if sheet[f"A{r}"].value == "Peers (reference figures)")
    peer = peers_title + 1
    name, peer_value = sheet[f"A{peer}"].value, sheet[f"C{peer}"].value
    key = {"EBITA margin": "ebita_margin", "Total revenue": "total_revenue"}[sheet[f"B{peer}"].value]
    before = bundled_model["actuals"]["2026"]["total_revenue"]
    sheet[f"C{actual}"] = 160.0
    sheet[f"C{peer}"] = 0.3
    book.save(path)
    read = read_workbook_reporting(path)
    assert read.model["actuals"]["2026"]["total_revenue"] == 160.0
    assert read.model["peers"][name][key] == 0.3
    assert read.warnings == (
        f"Actuals!C{actual}: actuals.2026.total_revenue is {before!r} in the Model file; the value here is used",
        f"Actuals!C{peer}: peers.{name}.{key} is {peer_value!r} in the Model file; the value here is used",
    )
