"""The Bridge sheet of the exported workbook, and a bridge to a workbook edited in LibreOffice."""

from __future__ import annotations

import copy
import io
import json
import re
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from model import compute, load_model, risk, validate_model
from model.outputs import Unit
from model.workbook import analysis_sheets, export_workbook, workbook_bytes
from model.workbook.bridge_sheet import SERIES, number_text, signed, waterfall_parts
from tests.conftest import BUNDLED_MODEL_PATH, ROOT
from tests.model.test_export_libreoffice import SOFFICE, recalculate, require_soffice

EDITED_WACC = 0.115


def find_row(sheet, first_cell: str) -> int:
    return next(row[0].row for row in sheet.iter_rows(max_col=1) if row[0].value == first_cell)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="module")
def base_to_bull():
    model = load_model(BUNDLED_MODEL_PATH)
    return model, risk.bridge(model, "npv", "Base", "Bull")


@pytest.fixture(scope="module")
def exported(base_to_bull, tmp_path_factory):
    model, result = base_to_bull
    path = tmp_path_factory.mktemp("bridge") / "bridge.xlsx"
    export_workbook(model, path, None, analysis_sheets({"bridge": result}))
    return path


def test_the_sheet_holds_the_metric_states_values_and_one_row_per_lever(base_to_bull, exported):
    _, result = base_to_bull
    sheet = openpyxl.load_workbook(exported, data_only=True)["Bridge"]
    assert sheet["A1"].value == "Bridge of NPV: Base → Bull"
    assert sheet.cell(find_row(sheet, "From"), 3).value == "Base"
    assert sheet.cell(find_row(sheet, "To"), 3).value == "Bull"
    start = find_row(sheet, "Start: NPV in Base")
    assert [sheet.cell(start, col).value for col in (2, 3)] == ["RMB bn", result.start]
    assert sheet.cell(start + 1, 3).value == result.end
    first = find_row(sheet, "lever") + 1
    assert len(result.levers) >= 3
    for offset, lever in enumerate(result.levers):
        row = [sheet.cell(first + offset, col).value for col in range(1, 7)]
        assert row[0] == lever.changes[0].label
        assert row[4] == lever.contribution and row[5] == lever.lever
    wacc = next(i for i, lever in enumerate(result.levers) if lever.lever == "settings.wacc")
    assert [sheet.cell(first + wacc, col).value for col in (2, 3, 4)] == ["%", 0.1, 0.09]
    rows = next(i for i, lever in enumerate(result.levers) if lever.lever == "drivers.utilization")
    assert sheet.cell(first + rows, 4).value == "80.0%, 85.0% x9"  # a row of years, repeats once


def test_the_check_is_a_formula_and_the_contributions_sum_to_end_minus_start(base_to_bull, exported):
    _, result = base_to_bull
    formulas = openpyxl.load_workbook(exported)["Bridge"]
    values = openpyxl.load_workbook(exported, data_only=True)["Bridge"]
    total, check = (
        find_row(formulas, "Sum of the contributions"),
        find_row(formulas, "Check: sum − change (0 up to rounding)"),
    )
    assert formulas.cell(total, 3).value.startswith("=SUM(E")
    assert formulas.cell(check, 3).value == f"=C{total}-C{total - 1}"
    assert values.cell(total, 3).value == pytest.approx(result.end - result.start, abs=1e-9)
    assert abs(values.cell(check, 3).value) < 1e-9


def test_the_chart_is_a_waterfall_of_stacked_columns_with_an_invisible_base(exported):
    with zipfile.ZipFile(exported) as archive:
        charts = [archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/charts/chart")]
    (chart,) = [chart for chart in charts if "Bridge of NPV" in chart]  # the others are the Summary's
    assert '<c:grouping val="stacked"/>' in chart and '<c:barDir val="col"/>' in chart
    assert chart.count("<c:ser>") == len(SERIES)
    first_series = chart.split("<c:ser>")[1]
    assert "<a:noFill/>" in first_series  # the base is invisible
    assert "+17.0" in chart and "-33.4" in chart  # labels with signed values, and the start's own value


@given(
    start=st.floats(-100, 100),
    contributions=st.lists(st.floats(-50, 50), min_size=0, max_size=8),
)
def test_each_bar_is_drawn_from_the_running_total_before_it_to_the_one_after(start, contributions):
    end = start + sum(contributions)
    parts = waterfall_parts(start, contributions, end)
    assert parts[0].tolist() == [0, 0, 0, 0, 0, start] and parts[-1].tolist() == [0, 0, 0, 0, 0, end]
    before = start
    for bar, contribution in zip(parts[1:-1], contributions, strict=True):
        after = before + contribution
        base, up, up_below, down, down_below, total = bar
        above, below = (up, up_below) if contribution >= 0 else (down, down_below)
        assert (down, down_below) == (0, 0) if contribution >= 0 else (up, up_below) == (0, 0)
        assert total == 0 and above >= 0 >= below
        # Stacked columns stack each sign from zero, the base first: the visible segments.
        segments = []
        if above > 0:
            segments.append((max(base, 0), max(base, 0) + above))
        if below < 0:
            segments.append((min(base, 0) + below, min(base, 0)))
        low, high = min(before, after), max(before, after)
        if high - low == 0:
            assert not segments
            before = after
            continue
        assert min(s[0] for s in segments) == pytest.approx(low, abs=1e-9)
        assert max(s[1] for s in segments) == pytest.approx(high, abs=1e-9)
        if len(segments) == 2:  # a bar across zero: its two parts meet there
            assert low < 0 < high and segments[0][0] == 0 == segments[1][1]
        before = after


def test_labels_read_as_the_sheet_shows_its_numbers():
    assert number_text(-23.44, Unit.MONEY) == "-23.4"
    assert number_text(38.27, Unit.MONEY, signed=True) == "+38.3"
    assert number_text(-0.0123, Unit.PERCENT, signed=True) == "-1.2%"
    assert signed("#,##0.0;-#,##0.0") == "+#,##0.0;-#,##0.0;#,##0.0"


def test_a_bridge_on_a_line_in_a_year_is_in_its_unit(base_to_bull):
    model, _ = base_to_bull
    result = risk.bridge(model, "ebita_margin@2030", "Base", "Bear")
    data = workbook_bytes(model, None, analysis_sheets({"bridge": result}))
    sheet = openpyxl.load_workbook(io.BytesIO(data), data_only=True)["Bridge"]
    assert sheet["A1"].value == "Bridge of EBITA margin FY2030: Base → Bear"
    assert sheet.cell(find_row(sheet, "Start: EBITA margin FY2030 in Base"), 2).value == "%"


def test_identical_states_have_an_empty_bridge_that_says_so(base_to_bull):
    model, _ = base_to_bull
    result = risk.bridge(model, "npv", "Base", "Base")
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(model, None, analysis_sheets({"bridge": result}))))[
        "Bridge"
    ]
    assert find_row(sheet, "The two states have the same inputs: nothing to bridge.")


@pytest.mark.libreoffice
def test_a_spreadsheet_recalculates_the_check_and_the_chart_workings_to_the_stored_values(exported, tmp_path):
    require_soffice()
    (recalculated,) = recalculate([exported], tmp_path / "out", tmp_path / "profile")
    stored = openpyxl.load_workbook(exported, data_only=True)["Bridge"]
    again = openpyxl.load_workbook(recalculated, data_only=True)["Bridge"]
    first = find_row(stored, "bar") + 1
    last = find_row(stored, "Bull")
    assert last > first
    for row in [find_row(stored, "Sum of the contributions"), *range(first, last + 1)]:
        for col in range(3, 13):
            want, got = stored.cell(row, col).value, again.cell(row, col).value
            if isinstance(want, float | int):
                assert got == pytest.approx(want, rel=1e-9, abs=1e-9), (row, col)


def test_the_command_line_exports_the_bridge_sheet(tmp_path):
    target = tmp_path / "bridge.xlsx"
    done = run("--analysis", "bridge", "--to", "Bull", "--metric", "npv", "--export", str(target))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    book = openpyxl.load_workbook(target)
    assert book.sheetnames[-1] == "Bridge" and book["Bridge"]["A1"].value == "Bridge of NPV: Base → Bull"


# --------------------------------------------------------------------------- an edit made in LibreOffice


def soffice_convert(path, to: str, out_dir, profile):
    """``path`` converted by headless LibreOffice to format ``to`` in ``out_dir``."""
    command = [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
    subprocess.run(
        [*command, "--convert-to", to, "--outdir", str(out_dir), str(path)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    converted = out_dir / f"{path.stem}.{to}"
    assert converted.exists(), f"LibreOffice did not convert {path.name} to {to}"
    return converted


def with_input_value(flat_ods: str, key: str, value: float) -> str:
    """The flat ODS document with the input ``key`` of the Assumptions sheet set to ``value``:
    the first number cell after the key's cell, in the key's row."""
    table = flat_ods.index('<table:table table:name="Assumptions"')
    at = flat_ods.index(f"<text:p>{key}</text:p>", table)
    row_end = flat_ods.index("</table:table-row>", at)
    cell = re.compile(r'office:value="[^"]*"(?P<rest>[^>]*>\s*)<text:p>[^<]*</text:p>')
    found = cell.search(flat_ods, at, row_end)
    assert found, f"no number cell in the row of {key}"
    edited = f'office:value="{value!r}"{found["rest"]}<text:p>{value:.1%}</text:p>'
    return flat_ods[: found.start()] + edited + flat_ods[found.end() :]


@pytest.mark.libreoffice
@pytest.mark.slow
def test_a_bridge_to_the_models_own_workbook_edited_in_libreoffice_names_exactly_that_edit(tmp_path):
    require_soffice()
    model_file = tmp_path / "plan.json"
    model_file.write_text(BUNDLED_MODEL_PATH.read_text(encoding="utf-8"), encoding="utf-8")
    exported = tmp_path / "plan.xlsx"
    assert run(str(model_file), "--export", str(exported)).returncode == 0
    profile = tmp_path / "profile"
    # LibreOffice opens the workbook and saves it as flat ODS; the colleague's edit is one input
    # cell of that document; LibreOffice writes it back as a workbook.
    flat = soffice_convert(exported, "fods", tmp_path / "fods", profile)
    edited_flat = tmp_path / "colleague.fods"
    edited_flat.write_text(
        with_input_value(flat.read_text(encoding="utf-8"), "settings.wacc", EDITED_WACC), encoding="utf-8"
    )
    edited = soffice_convert(edited_flat, "xlsx", tmp_path / "back", profile)

    done = run(str(model_file), "--json", "--analysis", "bridge", "--against", str(edited), "--metric", "npv")
    assert done.returncode == 0, done.stderr
    bridge = json.loads(done.stdout)["bridge"]
    model = load_model(model_file)
    moved = copy.deepcopy(model)
    moved["settings"]["wacc"] = EDITED_WACC
    npv = compute(model).kpis["npv"]
    npv_edited = compute(validate_model(moved)).kpis["npv"]
    assert [lever["lever"] for lever in bridge["levers"]] == ["settings.wacc"]
    (lever,) = bridge["levers"]
    assert (lever["from"], lever["to"]) == (0.1, EDITED_WACC)
    assert bridge["start"] == pytest.approx(npv, rel=1e-12)
    assert bridge["end"] == pytest.approx(npv_edited, rel=1e-9)
    assert lever["contribution"] == pytest.approx(npv_edited - npv, rel=1e-9, abs=1e-9)
    assert npv_edited != pytest.approx(npv)

    # The same bridge exported: the sheet names the edited workbook and its one lever.
    sheet_file = tmp_path / "review.xlsx"
    done = run(
        str(model_file),
        "--analysis",
        "bridge",
        "--against",
        str(edited),
        "--metric",
        "npv",
        "--export",
        str(sheet_file),
    )
    assert done.returncode == 0, done.stderr
    sheet = openpyxl.load_workbook(sheet_file, data_only=True)["Bridge"]
    assert sheet["A1"].value == "Bridge of NPV: Base → Base of colleague.xlsx"
    first = find_row(sheet, "lever") + 1
    assert [sheet.cell(first, col).value for col in (3, 4, 6)] == [0.1, EDITED_WACC, "settings.wacc"]
    assert sheet.cell(first + 1, 1).value is None
