"""The --analysis options of the command line: JSON sections and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import openpyxl
import pytest

from tests.conftest import ROOT


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True, timeout=120, check=False
    )


V1_MODEL = str(ROOT / "tests" / "data" / "alibaba_v1.json")  # its AI revenue yield is an input, not solved


def test_every_analysis_adds_its_section():
    done = run(
        V1_MODEL,
        "--json",
        *("--analysis", "montecarlo", "--trials", "500", "--seed", "3"),
        *("--analysis", "tornado"),
        *("--analysis", "grid", "--x", "settings.wacc=0.08,0.1", "--y", "drivers.utilization=-0.1,0,0.1"),
        *("--analysis", "breakeven", "--target", "settings.ai_revenue_yield", "--goal", "npv=0", "--range", "0.3,1"),
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["montecarlo"]["trials"] == 500 and out["montecarlo"]["seed"] == 3
    assert set(out["montecarlo"]["npv"]) == {"mean", "sd", "p5", "p10", "p50", "p90", "p95"}
    assert {"prob_npv_positive", "prob_irr_above_wacc", "invalid_trials", "total_revenue"} <= set(out["montecarlo"])
    assert out["tornado"]["inputs"][0]["swing"] >= out["tornado"]["inputs"][-1]["swing"]
    assert len(out["grid"]["values"]) == 3 and len(out["grid"]["values"][0]) == 2
    assert out["breakeven"]["reachable"] is True
    assert out["kpis"]["npv"] == out["tornado"]["base_npv"]


@pytest.mark.slow
def test_percentages_mean_what_the_decimals_mean():
    def sections(*args: str) -> dict:
        done = run(V1_MODEL, "--json", *args)
        assert done.returncode == 0, done.stderr
        out = json.loads(done.stdout)
        return {"grid": out["grid"], "breakeven": out["breakeven"]}

    grid = ("--analysis", "grid", "--y", "drivers.utilization=-0.1,0")
    breakeven = ("--analysis", "breakeven", "--target", "settings.ai_revenue_yield")
    as_percent = sections(*grid, "--x", "settings.wacc=8%,10%", *breakeven, "--goal", "irr=12%", "--range", "30%,90%")
    as_decimal = sections(
        *grid, "--x", "settings.wacc=0.08,0.1", *breakeven, "--goal", "irr=0.12", "--range", "0.3,0.9"
    )
    assert as_percent == as_decimal
    assert as_percent["breakeven"]["reachable"] is True


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "names"),
    [
        (["--analysis", "grid", "--x", "settings.wacc=0.1"], "--y"),
        (["--analysis", "grid", "--x", "settings.wacc=a", "--y", "settings.tax_rate=0.1"], "--x"),
        (
            ["--analysis", "grid", "--x", "settings.wacc=8%,9x%", "--y", "settings.tax_rate=0.1"],
            "--x: '9x%' in '8%,9x%' is not a number",
        ),
        (["--analysis", "breakeven", "--target", "settings.wacc", "--goal", "irr=1 2%", "--range", "1%,2%"], "'1 2%'"),
        (["--analysis", "breakeven", "--target", "settings.wacc", "--goal", "npv=0", "--range", "0.2,0.1"], "--range"),
        (["--analysis", "montecarlo", "--trials", "0"], "trials"),
        (["--analysis", "montecarlo", "--seed", "x"], "--seed"),
        (["--analysis", "bogus"], "--analysis"),
    ],
)
def test_bad_arguments_are_one_line_errors(args, names):
    done = run(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert names in done.stderr


BUNDLED_OPTIONS_ERRORS = [
    (["--json", "--scenario", "nope"], "--scenario: 'nope' is not a scenario of this model"),
    (["--export", "{tmp}/out.xlsx", "--scenario", "nope"], "--scenario: 'nope' is not a scenario of this model"),
    (["--analysis", "montecarlo", "--trials", "0"], "--trials: 0 is outside 1..1000000"),
    (["--analysis", "montecarlo", "--seed", "-1"], "--seed: -1 is outside 0..4294967295"),
    (["--analysis", "grid", "--x", "settings.nope=1,2", "--y", "settings.wacc=2"], "--x: 'settings.nope' is not"),
    (["--analysis", "grid", "--x", "settings.wacc=1", "--y", "settings.nope=2"], "--y: 'settings.nope' is not"),
    (["--analysis", "grid", "--x", "settings.wacc=1", "--y", "settings.wacc=2"], "--y: the two targets"),
    (["--analysis", "grid", "--x", "settings.wacc=1", "--y", "settings.tax_rate=0.2", "--metric", "roic"], "--metric:"),
    (["--analysis", "breakeven", "--target", "settings.nope", "--goal", "npv=0", "--range", "0,1"], "--target: "),
    (["--analysis", "breakeven", "--target", "settings.wacc", "--goal", "irr=x", "--range", "0,1"], "--goal: "),
    (["--analysis", "breakeven", "--target", "settings.wacc", "--goal", "npv=0", "--range", "1,0"], "--range: "),
    (["--analysis", "bridge", "--metric", "total_revenue@1999"], "--metric: total_revenue@1999: 1999 is not"),
    (["--analysis", "bridge", "--metric", "npv", "--from", "nope"], "--from: 'nope' is not a scenario"),
    (["--analysis", "bridge", "--metric", "npv", "--to", "nope"], "--to: 'nope' is not a scenario"),
]


@pytest.mark.parametrize(("args", "message"), BUNDLED_OPTIONS_ERRORS)
def test_every_option_is_named_as_typed_in_its_error(args, message, capsys, tmp_path):
    import main

    with pytest.raises(SystemExit) as stopped:
        main.main([arg.replace("{tmp}", str(tmp_path)) for arg in args])
    assert stopped.value.code == 2
    assert capsys.readouterr().err.startswith(f"error: {message}")
    assert not (tmp_path / "out.xlsx").exists()


def test_a_model_file_named_like_an_option_keeps_its_name_in_the_error(capsys, tmp_path, monkeypatch):
    import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit):
        main.main(["target", "--json"])
    assert capsys.readouterr().err.startswith("error: target: cannot be read")


# --------------------------------------------------------------------------- --export with --analysis


def test_export_with_analyses_writes_their_sheets_with_the_runs_own_trials_and_seed(tmp_path):
    from model import load_model, risk

    target = tmp_path / "risk.xlsx"
    done = run(
        V1_MODEL,
        *("--analysis", "montecarlo", "--trials", "400", "--seed", "11"),
        *("--analysis", "grid", "--x", "settings.wacc=8%,10%", "--y", "drivers.utilization=-0.1,0"),
        *("--analysis", "breakeven", "--target", "settings.ai_revenue_yield", "--goal", "npv=0", "--range", "0.3,1"),
        *("--export", str(target)),
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # a workbook instead of the JSON
    book = openpyxl.load_workbook(target, data_only=True)
    assert book.sheetnames[-4:] == ["Monte Carlo", "Grid", "Breakeven", "Trials"]  # no tornado: not asked for
    expected = risk.monte_carlo(load_model(V1_MODEL), trials=400, seed=11)
    seed_row = next(row for row in book["Monte Carlo"].iter_rows(max_col=3, values_only=True) if row[0] == "Seed")
    assert seed_row[2] == 11
    rows = list(book["Trials"].iter_rows(min_row=5, values_only=True))
    assert [row[0] for row in rows] == expected.samples.index.tolist()
    assert [row[-2] for row in rows] == expected.samples["npv"].tolist()
    grid = book["Grid"]
    assert "Discount rate (WACC): settings.wacc (set)" in [cell.value for cell in grid["C"]]


def test_export_without_analyses_has_no_analysis_sheet(tmp_path):
    target = tmp_path / "plan.xlsx"
    done = run(V1_MODEL, "--export", str(target))
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(target).sheetnames[-1] == "Model file"


def test_a_refused_analysis_writes_no_workbook(tmp_path):
    target = tmp_path / "plan.xlsx"
    done = run(V1_MODEL, "--analysis", "grid", "--x", "settings.wacc=0.1", "--export", str(target))
    assert done.returncode == 2 and "--y" in done.stderr
    assert not target.exists()
