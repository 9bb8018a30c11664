"""Faults the hostile suite found beyond the issue's list, each fixed where it belongs: an
uncertain input's distribution that is not text, cash flows that overflow, a Monte Carlo whose
every trial breaks a rule, a number too large for a cell, and exports of degenerate models."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pytest

from model import ModelError, validate_model
from model.irr import irr_roots
from model.risk import ANALYSES, MonteCarloRequest
from tests.hostile.generators import BUNDLED, ROOT, small


@pytest.mark.parametrize("dist", [["normal"], {"a": 1}])
def test_an_uncertain_input_whose_dist_is_not_text_is_refused(dist):
    doc = small()
    doc["uncertainty"]["inputs"][0]["dist"] = dist
    with pytest.raises(ModelError, match=r"uncertainty\.inputs\[0\]\.dist"):
        validate_model(doc)


def test_irr_of_flows_that_overflowed_is_none_not_an_error():
    assert irr_roots(np.array([-np.inf, 0.0, 1.0])) == []


def test_montecarlo_with_every_trial_invalid_is_refused_with_a_message():
    doc = json.loads(BUNDLED.read_text(encoding="utf-8"))
    doc.pop("sources", None)
    # A tax rate of 200 to 300 % breaks its rule in every trial.
    doc["uncertainty"]["inputs"] = [{"target": "settings.tax_rate", "dist": "uniform", "low": 2.0, "high": 3.0}]
    doc["uncertainty"]["correlations"] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(ModelError, match="every one of the 50 trials broke a rule"):
            ANALYSES["montecarlo"].run(validate_model(doc), None, MonteCarloRequest(trials=50, seed=1))


def test_a_huge_number_can_be_formatted_for_a_cell():
    from ui.formatting import fixed

    assert fixed(1e308, 1)


def _export(tmp_path, doc: dict) -> subprocess.CompletedProcess:
    source = tmp_path / "model.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), str(source), "--export", str(tmp_path / "out.xlsx")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.slow
def test_exporting_a_model_whose_capex_is_all_zero(tmp_path):
    doc = small()
    doc["capex"]["Servers"] = [0.0] * 4
    done = _export(tmp_path, doc)
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert done.returncode == 0 or (done.returncode == 2 and done.stderr.count("\n") == 1)


@pytest.mark.slow
def test_exporting_a_model_with_a_single_uncertain_input(tmp_path):
    done = _export(tmp_path, small())
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    assert done.returncode == 0 or (done.returncode == 2 and done.stderr.count("\n") == 1)


@pytest.mark.parametrize(
    ("text", "item"), [("settings.wacc=1_0%", "1_0%"), ("capex.A=1,1_000", "1_000"), ("settings.wacc=0.1, 1_0", "1_0")]
)
def test_an_underscore_in_a_typed_number_is_not_a_digit_separator(text, item):
    """Python reads 1_000 as 1000; a spreadsheet, and so the grid, breakeven and command line, as text."""
    from model.risk import parse_axis

    with pytest.raises(ModelError, match=f"--x: '{item}' in .* is not a number"):
        parse_axis(text, "--x")


def test_a_whole_number_out_of_range_is_named_briefly():
    from model.validation import check_integer

    with pytest.raises(ModelError) as caught:
        check_integer(1e308, "settings.plan_years", 1, 10)
    assert str(caught.value) == "settings.plan_years: 1e+308 is outside 1..10"
