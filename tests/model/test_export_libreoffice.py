"""Exported workbooks recalculated by LibreOffice give the model layer's numbers (docs/model.md section 7).

LibreOffice keeps the values stored in a file unless told otherwise, which would let these tests
pass on the cached values alone. ``recalculate`` gives soffice a private profile that sets
OOXMLRecalcMode to 0 ("always recalculate on load"), and ``test_a_wrong_stored_value_is_corrected``
proves the formulas, not the stored values, produced the numbers compared. All workbooks are
converted by one soffice call, as starting LibreOffice is the slow part.
"""

from __future__ import annotations

import copy
import io
import math
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, Phase, given, settings

from model import compute, load_model, scenario_names, validate_model
from model.outputs import KPI_KEYS, LINE_KEYS
from model.schema import TERMINAL_METHODS
from model.workbook import workbook_bytes
from tests.conftest import BUNDLED_MODEL_PATH
from tests.factories import valid_models

pytestmark = pytest.mark.libreoffice

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item>
</oor:items>
"""
RANDOM_MODELS = 24
TAMPERED = "tampered-npv"
COLLEAGUE = "colleague-formula"  # a workbook whose WACC input a colleague replaced by a formula
WRONG_VALUE = 12345.678


def recalculate(paths: list[Path], out_dir: Path, profile: Path) -> list[Path]:
    """Open every workbook in headless LibreOffice, recalculate it and save it to ``out_dir``."""
    settings_file = profile / "user" / "registrymodifications.xcu"
    settings_file.parent.mkdir(parents=True, exist_ok=True)
    settings_file.write_text(RECALC_ALWAYS, encoding="utf-8")
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
    command += ["--convert-to", "xlsx", "--outdir", str(out_dir), *map(str, paths)]
    subprocess.run(command, check=True, capture_output=True, timeout=900)
    converted = [out_dir / path.name for path in paths]
    missing = [path.name for path in converted if not path.exists()]
    assert not missing, f"LibreOffice did not convert {missing}"
    return converted


def require_soffice() -> None:
    """Fail in CI (which installs LibreOffice), skip with a reason on a developer machine without it."""
    if SOFFICE:
        return
    message = "LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui"
    if os.environ.get("CI"):
        pytest.fail(message + " (required in CI)")
    pytest.skip(message + "; CI runs these tests")


def random_models() -> list[dict]:
    """Reproducible random valid models, adjusted so every terminal method, both timings and lives 1 and 30 occur."""
    found: list[dict] = []

    @settings(
        max_examples=RANDOM_MODELS,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(valid_models(max_horizon=30))
    def collect(model: dict) -> None:
        found.append(model)

    collect()
    models = []
    for i, model in enumerate(found[:RANDOM_MODELS]):
        doc = copy.deepcopy(model)
        doc["settings"]["terminal_method"] = TERMINAL_METHODS[i % len(TERMINAL_METHODS)]
        doc["settings"]["mid_year"] = (i // len(TERMINAL_METHODS)) % 2 == 1
        if i < 2:
            doc["asset_classes"][0]["life"] = (1, 30)[i]
        models.append(validate_model(doc))
    return models


BUNDLED = load_model(BUNDLED_MODEL_PATH)
CASES = {f"bundled-{name}": (BUNDLED, name) for name in scenario_names(BUNDLED)}
CASE_IDS = [*CASES, *(f"random-{i:02d}" for i in range(RANDOM_MODELS))]


@pytest.fixture(scope="session")
def recalculated(tmp_path_factory) -> dict[str, tuple[dict, str | None, Path]]:
    """Every case exported, plus a workbook with a wrong stored NPV, recalculated in one soffice call."""
    require_soffice()
    cases = dict(CASES)
    cases.update({f"random-{i:02d}": (model, None) for i, model in enumerate(random_models())})
    source_dir = tmp_path_factory.mktemp("exported")
    paths = []
    for case, (model, scenario) in cases.items():
        path = source_dir / f"{case}.xlsx"
        path.write_bytes(workbook_bytes(model, scenario))
        paths.append(path)
    tampered = source_dir / f"{TAMPERED}.xlsx"
    tampered.write_bytes(_with_wrong_stored_npv(workbook_bytes(BUNDLED)))
    colleague = source_dir / f"{COLLEAGUE}.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(BUNDLED)))
    wacc_row = next(cell.row for cell in book["Assumptions"]["A"] if cell.value == "settings.wacc")
    book["Assumptions"][f"D{wacc_row}"] = "=0.1+0.02"
    book.save(colleague)
    paths += [tampered, colleague]
    converted = recalculate(paths, tmp_path_factory.mktemp("recalculated"), tmp_path_factory.mktemp("profile"))
    out = {
        case: (model, scenario, path)
        for (case, (model, scenario)), path in zip(cases.items(), converted[:-2], strict=True)
    }
    out[TAMPERED] = (BUNDLED, None, converted[-2])
    out["tampered-source"] = (BUNDLED, None, tampered)
    edited = copy.deepcopy(BUNDLED)
    edited["settings"]["wacc"] = 0.12
    out[COLLEAGUE] = (validate_model(edited), None, converted[-1])
    return out


def _with_wrong_stored_npv(data: bytes) -> bytes:
    """The same workbook with the cached result of the NPV cell (Summary!B6) replaced by a wrong number."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(
                    rb'(<c r="B6"[^>]*><f>[^<]*</f><v>)[^<]*(</v>)', rb"\g<1>%r\g<2>" % WRONG_VALUE, content
                )
                assert count == 1
            target.writestr(item, content)
    return out.getvalue()


def named_values(book, name: str) -> list:
    """The values of a workbook-scope defined name, resolved to its cells."""
    values = []
    for title, ref in book.defined_names[name].destinations:
        cells = book[title][ref.replace("$", "")]
        rows = cells if isinstance(cells, tuple) else ((cells,),)
        values += [c.value for row in rows for c in (row if isinstance(row, tuple) else (row,))]
    return values


def relative_error(got, expected) -> float:
    """0 when both are null; the error relative to max(|expected|, 1) otherwise (inf if one is null).

    NaN and infinity from the model layer are null, as in its JSON output (docs/model.md section 7).
    """
    if expected is None or not math.isfinite(expected):
        return 0.0 if got in (None, "") else math.inf
    if isinstance(got, bool) or not isinstance(got, (int, float)):
        return math.inf
    return abs(got - expected) / max(abs(expected), 1.0)


def largest_error(book, model: dict, scenario: str | None) -> tuple[float, str]:
    """The largest relative error over every line_* row and kpi_* cell, and where it is."""
    results = compute(model, scenario)
    worst = (0.0, "")
    for key in LINE_KEYS:
        got = named_values(book, f"line_{key}")
        assert len(got) == len(results.years), key
        for year, g, e in zip(results.years, got, results.line(key), strict=True):
            worst = max(worst, (relative_error(g, float(e)), f"line_{key} {year}: {g!r} vs {e!r}"))
    for key in KPI_KEYS:
        (got,) = named_values(book, f"kpi_{key}")
        worst = max(worst, (relative_error(got, results.kpis[key]), f"kpi_{key}: {got!r} vs {results.kpis[key]!r}"))
    return worst


@pytest.mark.parametrize("case", CASE_IDS)
def test_every_line_and_kpi_matches_the_model(recalculated, case):
    model, scenario, path = recalculated[case]
    book = openpyxl.load_workbook(path, data_only=True)
    error, where = largest_error(book, model, scenario)
    assert error <= 1e-9, where


def test_the_random_models_cover_every_terminal_method_timing_and_life(recalculated):
    models = [recalculated[case][0] for case in CASE_IDS if case.startswith("random")]
    assert {m["settings"]["terminal_method"] for m in models} == set(TERMINAL_METHODS)
    assert {m["settings"]["mid_year"] for m in models} == {False, True}
    lives = {c["life"] for m in models for c in m["asset_classes"] if c["treatment"] == "capitalized"}
    assert {1, 30} <= lives
    assert len(models) >= 20


def test_a_wrong_stored_value_is_corrected(recalculated):
    _, _, source = recalculated["tampered-source"]
    (stored,) = named_values(openpyxl.load_workbook(source, data_only=True), "kpi_npv")
    assert stored == WRONG_VALUE  # the file really carried the wrong number

    _, _, path = recalculated[TAMPERED]
    (recalculated_npv,) = named_values(openpyxl.load_workbook(path, data_only=True), "kpi_npv")
    assert relative_error(recalculated_npv, compute(BUNDLED).kpis["npv"]) <= 1e-9


@pytest.mark.parametrize("case", CASE_IDS)
def test_every_stored_value_is_what_the_formula_computes(recalculated, case):
    """Viewers that never recalculate show the stored values: they must be the recalculated ones."""
    model, scenario, path = recalculated[case]
    data = workbook_bytes(model, scenario)
    formulas = openpyxl.load_workbook(io.BytesIO(data))
    stored = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    recalculated_book = openpyxl.load_workbook(path, data_only=True)
    checked = 0
    for sheet in formulas.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                got = recalculated_book[sheet.title][cell.coordinate].value
                cached = stored[sheet.title][cell.coordinate].value
                if isinstance(cached, (int, float)):
                    assert relative_error(got, cached) <= 1e-9, (
                        f"{sheet.title}!{cell.coordinate}: {got!r} vs {cached!r}"
                    )
                else:
                    assert (got or "") == (cached or ""), f"{sheet.title}!{cell.coordinate}: {got!r} vs {cached!r}"
                checked += 1
    assert checked > 100


@pytest.mark.parametrize("case", list(CASES))
def test_a_workbook_saved_by_libreoffice_reads_back_as_its_model(recalculated, case):
    _, _, path = recalculated[case]
    assert load_model(path) == BUNDLED


def test_a_formula_a_colleague_typed_reads_back_as_its_value(recalculated):
    model, _, path = recalculated[COLLEAGUE]
    assert load_model(path) == model
    error, where = largest_error(openpyxl.load_workbook(path, data_only=True), model, None)
    assert error <= 1e-9, where
