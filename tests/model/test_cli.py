"""The command line of docs/model.md section 7, run as a user would: ``python main.py ... --json``."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from model import compute, load_model, validate_model
from model.workbook import export_workbook
from resources import bundled_model_path
from tests.factories import model_doc
from tests.model.test_engine_cases import life_2_doc

# Every test reads one fixture that starts some twenty processes: make test-fast leaves the module
# out, and its real-process checks there are those of test_export, test_risk_cli and hostile/test_cli.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = bundled_model_path()

# Written out from docs/model.md sections 4 and 6 rather than read from the code under test.
SPEC_LINES = [
    # The plan (section 4)
    "capex_capitalized",
    "capex_expensed",
    "capex_total",
    "enabling_capex",
    "cohort_capex",
    "depreciation",
    "impairment",
    "tax_depreciation",
    "net_ppe",
    "capacity",
    "capex_in_service",
    "revenue_yield",
    "new_vintage_yield",
    "ai_revenue",
    "pull_through_revenue",
    "plan_revenue",
    "ai_cash_opex",
    "infrastructure_rent",
    "plan_ebita",
    "plan_segment_ebita",
    "plan_ebita_margin",
    "taxable_income",
    "tax",
    "nopat",
    "delta_nwc",
    "fcf",
    "cumulative_fcf",
    "discount_factor",
    "pv_fcf",
    "cumulative_pv_fcf",
    "roic",
    # The segment
    "core_revenue",
    "core_ebita",
    "installed_revenue",
    "follow_on_capex",
    "installed_ebita",
    "follow_on_revenue",
    "follow_on_ebita",
    "total_revenue",
    "total_ebita",
    "ebita_margin",
    "segment_capex",
    "capex_intensity",
    "implied_share",
]
SPEC_KPIS = [
    "npv",
    "irr",
    "payback_years",
    "discounted_payback_years",
    "terminal_value",
    "pv_terminal_value",
    "total_capex",
    "peak_funding",
    "moic",
    "profitability_index",
    "npv_per_share",
]
# Section 7: "calibrated" is there when the model has a calibration; "warnings" always.
TOP_KEYS = {"model", "scenario", "currency", "unit", "years", "lines", "kpis", "irr_roots", "warnings"}


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", *args], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def strict_json(text: str) -> dict:
    def refuse(name: str):
        raise AssertionError(f"{name} in the output")

    return json.loads(text, parse_constant=refuse)


def write(path: Path, doc: dict) -> str:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """Every command of this module, run once and side by side (each start-up costs about a second).

    Faults already covered in-process (huge numbers, folders, every validation rule) are not
    repeated here; these check what only a real process shows: exit status, streams, no traceback.
    """
    folder = tmp_path_factory.mktemp("cli")
    bad_value = model_doc(4)
    bad_value["drivers"]["utilization"][3] = 1.4
    (folder / "broken.json").write_text('{"format": "capex-model",', encoding="utf-8")
    commands = {
        "base": ("--json",),
        "small": (write(folder / "small.json", life_2_doc()), "--json"),
        "help": ("--help",),
        "missing-file": (str(folder / "missing.json"), "--json"),
        "bad-json": (str(folder / "broken.json"), "--json"),
        "invalid-value": (write(folder / "bad_value.json", bad_value), "--json"),
        "unknown-scenario": ("--scenario", "Nope", "--json"),
        "base-by-name": ("--scenario", "Base", "--json"),
        "unknown-option": ("--json", "--frobnicate"),
        "scenario-without-name": ("--json", "--scenario"),
        "two-models": (str(BUNDLED), str(BUNDLED), "--json"),
        "export-no-name": ("--export", ""),
        "export-not-xlsx": ("--export", str(folder / "plan.txt")),
        "export-over-its-model": (str(folder / "plan.xlsx"), "--export", str(folder / "plan.xlsx")),
        "export-and-json": ("--json", "--export", str(folder / "also.xlsx")),
        "trials-without-analysis": ("--json", "--trials", "500"),
        "trials-with-tornado": ("--json", "--analysis", "tornado", "--trials", "500"),
    }
    export_workbook(load_model(BUNDLED), folder / "plan.xlsx")
    for name in load_model(BUNDLED)["scenarios"]:
        commands[f"scenario:{name}"] = ("--scenario", name, "--json")
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {key: pool.submit(run_cli, *args) for key, args in commands.items()}
        return {key: future.result() for key, future in futures.items()}


def check_output(out: dict, model: dict, scenario: str) -> None:
    horizon = model["horizon"]
    assert set(out) == TOP_KEYS | ({"calibrated"} if model.get("calibration") else set())
    assert all(isinstance(sentence, str) for sentence in out["warnings"])
    assert out["model"] == model["name"]
    assert out["scenario"] == scenario
    assert out["currency"] == model["currency"] and out["unit"] == model["unit"]
    assert out["years"] == [model["base_year"] + t for t in range(1, horizon + 1)]
    assert set(out["lines"]) == set(SPEC_LINES)
    for key, values in out["lines"].items():
        assert len(values) == horizon, key
        assert all(v is None or (isinstance(v, (int, float)) and math.isfinite(v)) for v in values), key
    assert set(out["kpis"]) == set(SPEC_KPIS)
    assert all(v is None or isinstance(v, (int, float)) for v in out["kpis"].values())
    assert isinstance(out["irr_roots"], list)
    if out["kpis"]["irr"] is not None:
        assert out["kpis"]["irr"] in out["irr_roots"]


def test_json_of_the_bundled_model(runs):
    result = runs["base"]
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    out = strict_json(result.stdout)
    model = load_model(BUNDLED)
    check_output(out, model, "Base")
    # The printed numbers are the engine's, unrounded.
    results = compute(model)
    assert out["kpis"] == results.kpis
    assert out["irr_roots"] == results.irr_roots
    assert out["lines"]["total_revenue"] == list(results.line("total_revenue"))
    assert strict_json(runs["base-by-name"].stdout)["kpis"] == out["kpis"]


def test_undefined_values_print_as_null(runs):
    result = runs["small"]
    assert result.returncode == 0, result.stderr
    out = strict_json(result.stdout)
    check_output(out, validate_model(life_2_doc()), "Base")
    assert out["lines"]["plan_ebita_margin"][3] is None  # plan revenue 0 in year 4
    assert out["lines"]["roic"][3] is None
    assert out["lines"]["implied_share"][:2] == [None, None]
    assert out["lines"]["fcf"] == pytest.approx([-45, 70, 41, 6])


def test_every_scenario_of_the_bundled_model(runs):
    model = load_model(BUNDLED)
    assert model["scenarios"], "the bundled model has scenarios"
    for name in model["scenarios"]:
        result = runs[f"scenario:{name}"]
        assert result.returncode == 0, (name, result.stderr)
        out = strict_json(result.stdout)
        check_output(out, model, name)
        assert out["kpis"] == compute(model, name).kpis
        # (Goldman's bear case is the announced RMB 380 bn: the same numbers as Base, named.)


BAD = {
    "missing-file": "missing.json",
    "bad-json": "not valid JSON",
    "invalid-value": "drivers.utilization[3]: 1.4 is above 1",
    "unknown-scenario": "'Nope' is not a scenario",
    "unknown-option": "--frobnicate",
    "scenario-without-name": "--scenario",
    "two-models": "unrecognized arguments",
    "export-no-name": "--export: '' does not end in .xlsx",
    "export-not-xlsx": "plan.txt' does not end in .xlsx",
    "export-over-its-model": "plan.xlsx' is the model file itself",
    "export-and-json": "--export writes a workbook and prints nothing",
    "trials-without-analysis": "--trials works only with --analysis montecarlo",
    "trials-with-tornado": "--trials works only with --analysis montecarlo",  # the tornado would ignore it
}


@pytest.mark.parametrize(("case", "mentions"), BAD.items(), ids=list(BAD))
def test_bad_input_is_one_line_and_status_2(runs, case, mentions):
    result = runs[case]
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert mentions in lines[0]


def test_a_refused_export_writes_nothing_and_keeps_its_model(runs):
    folder = Path(runs["export-over-its-model"].args[2]).parent
    assert load_model(folder / "plan.xlsx") == load_model(BUNDLED)
    assert not (folder / "plan.txt").exists() and not (folder / "also.xlsx").exists()


def test_the_documented_error_line(runs):
    assert runs["invalid-value"].stderr == "error: drivers.utilization[3]: 1.4 is above 1\n"


def test_a_bad_file_is_named_in_the_error(runs):
    assert runs["bad-json"].stderr.startswith("error: ") and "broken.json: not valid JSON" in runs["bad-json"].stderr


def test_help_explains_every_option_with_an_example(runs):
    import main

    result = runs["help"]
    assert result.returncode == 0
    assert result.stderr == ""
    options = [s for action in main.build_parser()._actions for s in action.option_strings if s.startswith("--")]
    assert {"--json", "--scenario", "--help"} <= set(options)
    for option in options:
        assert option in result.stdout, option
    assert "MODEL" in result.stdout
    assert "python main.py" in result.stdout  # at least one example
