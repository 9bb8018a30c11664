"""Model files from elsewhere are untrusted: each kind of hostile file is refused with the model's
own error, quickly, or loaded with its dangerous text kept harmless."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import openpyxl
import pytest

from model import ModelError, ModelFileError, fileio, load_model, save_model, validate_model
from model.fileio import MAX_FILE_BYTES, model_to_json
from model.workbook import export_workbook
from tests.factories import model_doc


def write_doc(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def refusal(path: Path) -> ModelError:
    with pytest.raises(ModelError) as caught:
        load_model(path)
    return caught.value


def test_a_file_over_50_mb_is_refused_without_being_parsed(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    with path.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    monkeypatch.setattr(fileio, "parse_json", lambda text: pytest.fail("parsed a file over the limit"))
    error = refusal(path)
    assert isinstance(error, ModelFileError)
    assert error.path == str(path)
    assert "files over 50 MB are refused" in error.rule


def test_a_file_that_grows_past_the_limit_while_read_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "growing.json"
    path.write_bytes(b" " * 100)
    real_stat = Path.stat
    # The size seen before opening is small; the bytes read are not.
    monkeypatch.setattr(Path, "stat", lambda self, **kw: os.stat_result((*real_stat(self)[:6], 10, 0, 0, 0)))
    with pytest.raises(ModelFileError, match="is over 0 MB"):
        fileio.read_limited(path, limit=50)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    path = tmp_path / "pipe.json"
    os.mkfifo(path)
    outcome: list[BaseException] = []
    reader = threading.Thread(target=lambda: outcome.append(refusal(path)), daemon=True)
    reader.start()
    reader.join(5)
    assert outcome, "the loader waited on a named pipe"
    assert "not a regular file" in outcome[0].rule


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs an endless device")
def test_an_endless_device_is_refused():
    assert "not a regular file" in refusal(Path("/dev/zero")).rule


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000, "[" * 1_000_000],
    ids=["lists", "objects", "unclosed"],
)
def test_deep_nesting_is_refused_as_a_file_error(tmp_path, text):
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    error = refusal(path)
    assert isinstance(error, ModelFileError)
    assert error.rule == "nested too deeply to be a model file"


def test_huge_arrays_and_strings_are_refused_by_their_type(tmp_path):
    path = tmp_path / "array.json"
    path.write_text("[" + ",".join(["1"] * 1_000_000) + "]", encoding="utf-8")
    assert refusal(path).rule == "a list is not an object"
    doc = model_doc(3, name="x" * 10_000_000)
    doc["drivers"]["utilization"] = [0.5] * 1_000_000
    error = refusal(write_doc(tmp_path / "long.json", doc))
    assert str(error) == "drivers.utilization: has 1000000 values; the horizon needs 3"


@pytest.mark.parametrize("digits", [400, 4301, 100_000])
def test_an_integer_too_long_for_a_float_is_refused_by_its_field(tmp_path, digits):
    path = tmp_path / "long_int.json"
    path.write_text(model_to_json(validate_model(model_doc(3))).replace('"horizon": 3', f'"horizon": {"9" * digits}'))
    assert str(refusal(path)) == "horizon: inf is not a finite number"


def test_long_digit_runs_in_text_do_not_change_the_numbers(tmp_path):
    doc = model_doc(3, name="Plan 12345678901234567890123")
    doc["uncertainty"] = {"seed": 4_294_967_295, "inputs": []}
    model = load_model(write_doc(tmp_path / "plan.json", doc))
    assert model["name"] == "Plan 12345678901234567890123"
    assert model["uncertainty"]["seed"] == 4_294_967_295
    assert isinstance(model["uncertainty"]["seed"], int)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_written_as_text_are_not_numbers(tmp_path, literal):
    doc = model_doc(3)
    doc["drivers"]["utilization"][2] = literal
    assert (
        str(refusal(write_doc(tmp_path / "plan.json", doc))) == f"drivers.utilization[2]: '{literal}' is not a number"
    )
    doc = model_doc(3)
    doc["settings"]["wacc"] = literal
    assert str(refusal(write_doc(tmp_path / "plan.json", doc))) == f"settings.wacc: '{literal}' is not a number"


def test_a_wrong_type_is_named_with_its_field(tmp_path):
    doc = model_doc(3)
    doc["capex"]["Servers"] = {"2025": 100}
    assert str(refusal(write_doc(tmp_path / "plan.json", doc))) == "capex.Servers: an object is not a list of 3 numbers"


def test_an_unknown_version_is_refused(tmp_path):
    assert str(refusal(write_doc(tmp_path / "v3.json", model_doc(3, version=3)))).startswith("version: version 3 is")
    assert str(refusal(write_doc(tmp_path / "v0.json", model_doc(3, version="1")))) == (
        "version: '1' is not a version number"
    )


@pytest.mark.parametrize(
    ("escape", "code"),
    [("\\u0000", "0000"), ("\\u001b", "001B"), ("\\ud800", "D800"), ("\\udfff", "DFFF"), ("\\uffff", "FFFF")],
)
def test_text_no_file_can_hold_is_refused(tmp_path, escape, code):
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(model_doc(3, name="Plan X")).replace("Plan X", f"Plan {escape}"), encoding="utf-8")
    error = refusal(path)
    assert error.path == "name"  # the field that holds it
    assert f"holds the character U+{code}, which no file can" in error.rule


def test_an_encoded_surrogate_in_the_bytes_is_refused(tmp_path):
    path = tmp_path / "plan.json"
    path.write_bytes(json.dumps(model_doc(3, name="Plan X")).encode().replace(b"Plan X", b"Plan \xed\xa0\x80"))
    assert "U+D800" in refusal(path).rule


def test_tabs_line_breaks_and_paired_surrogates_are_kept(tmp_path):
    path = tmp_path / "plan.json"
    name = "Plan\tA\r\nB 📈"
    path.write_text(json.dumps(model_doc(3, name=name)), encoding="utf-8")  # the emoji as a \ud83d\udcc8 pair
    assert "\\ud83d" in path.read_text(encoding="utf-8")
    assert load_model(path)["name"] == name


FORMULAS = ["=cmd|' /C calc'!A0", '=HYPERLINK("http://example.com","x")', "+SUM(1,2)", "@A1", "-1+1"]


def test_formula_text_in_names_loads_and_is_written_to_a_workbook_as_text(tmp_path):
    doc = model_doc(3, name=FORMULAS[0], currency=FORMULAS[3])
    doc["asset_classes"] = [
        {"name": name, "treatment": "capitalized", "life": 2, "revenue_generating": True} for name in FORMULAS
    ]
    doc["capex"] = {name: [10.0, 0.0, 0.0] for name in FORMULAS}
    doc["scenarios"] = {FORMULAS[1]: {"settings": {"wacc": 0.12}}}
    path = write_doc(tmp_path / "plan.json", doc)
    model = load_model(path)
    workbook = tmp_path / "plan.xlsx"
    export_workbook(model, workbook, FORMULAS[1])

    book = openpyxl.load_workbook(workbook)
    try:
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    finally:
        book.close()
    # Each name is a plain string cell somewhere, and no formula in the workbook contains one.
    texts = {cell.value for cell in cells if cell.data_type == "s"}
    formulas = [cell.value for cell in cells if cell.data_type == "f"]
    for name in FORMULAS:
        assert name in texts
        assert not any(name in str(formula) for formula in formulas)
    assert load_model(workbook) == model

    saved = tmp_path / "again.json"
    save_model(model, saved)
    assert load_model(saved) == model


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"peers": {"A": {"total_revenue": NaN}}}', "NaN is not a number JSON allows"),
        ('{"peers": {}, "peers": {}}', "peers: appears twice"),
    ],
    ids=["deep", "nan-literal", "repeated-key"],
)
def test_the_model_file_json_of_a_workbook_is_as_untrusted_as_a_file(tmp_path, payload, rule):
    path = tmp_path / "plan.xlsx"
    export_workbook(validate_model(model_doc(3)), path)
    book = openpyxl.load_workbook(path)
    row = next(c.row for c in book["Model file"]["A"] if c.value == "peers")
    book["Model file"][f"C{row}"] = payload
    book.save(path)
    error = refusal(path)
    assert error.path == f"Model file!A{row}"
    assert rule in error.rule
