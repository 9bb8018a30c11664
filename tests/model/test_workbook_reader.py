"""Reading exported workbooks back: equal models, a colleague's edits, and refusal of bad files."""

from __future__ import annotations

import io
import tempfile
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import openpyxl.xml
import pytest
from hypothesis import HealthCheck, given, settings

from model import ModelError, ModelFileError, load_model, scenario_names, validate_model
from model.workbook import export_workbook, read_workbook, workbook_bytes
from tests.factories import v2_model_doc, valid_models

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
