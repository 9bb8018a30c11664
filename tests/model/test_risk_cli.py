"""The --analysis options of the command line: JSON sections and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

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
