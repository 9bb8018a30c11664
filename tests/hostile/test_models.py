"""Every rule of the model file broken, extreme numbers, wrong types, huge arrays and control
characters: each bad model is refused with the model's own one-line error naming the field, or
loads and computes; no other exception, and every analysis copes with degenerate inputs."""

from __future__ import annotations

import contextlib
import io
import json
import math
import warnings

import numpy as np
import pytest

import main
from model import ModelError, compute, load_model, results_json, validate_model
from model.errors import printable
from model.risk import ANALYSES, BreakevenRequest, GridRequest, MonteCarloRequest, TornadoRequest
from model.risk.grid import MAX_AXIS_VALUES, MAX_GRID_CELLS
from tests.hostile.fuzz import classify
from tests.hostile.generators import bad_models, raw_literal_files, small

BAD = list(bad_models())
RAW = list(raw_literal_files())
CONTROL = "\x00\x1b\x7f\x9b\u202e\n\r\t"


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / "model.json"
    path.write_bytes(data)
    return path


def outcome(path) -> dict | ModelError:
    try:
        return load_model(path)
    except ModelError as error:
        return error


@pytest.mark.parametrize(("name", "doc"), BAD, ids=[printable(name)[:60] for name, _ in BAD])
def test_a_bad_model_is_refused_or_loads_and_computes(tmp_path, name, doc):
    path = write(tmp_path, name, json.dumps(doc).encode("utf-8", "surrogatepass"))
    result = outcome(path)
    if isinstance(result, ModelError):
        message = str(result)
        assert "\n" not in message and not any(c in message for c in CONTROL), message
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            output = results_json(result, None, compute(result))
        except ModelError:
            return
    json.dumps(output, allow_nan=False)  # null, never NaN or Infinity


def test_every_rule_breaker_that_must_be_refused_is_refused(tmp_path):
    """The deliberate breaks of section 3 (not the extreme-number ones, some of which are legal)."""
    legal_prefixes = ("settings.", "capex.", "drivers.", "horizon=", "asset_classes=", "control text")
    loaded = [
        name
        for name, doc in BAD
        if not name.startswith(legal_prefixes)
        and isinstance(outcome(write(tmp_path, name, json.dumps(doc).encode("utf-8", "surrogatepass"))), dict)
    ]
    assert loaded == []


@pytest.mark.parametrize(("name", "data"), RAW, ids=[name for name, _ in RAW])
def test_a_file_json_cannot_hold_is_refused_naming_the_file(tmp_path, name, data):
    result = outcome(write(tmp_path, name, data))
    assert isinstance(result, ModelError)
    assert "\n" not in str(result)


@pytest.mark.parametrize(("name", "doc"), BAD[::3], ids=[printable(name)[:60] for name, _ in BAD[::3]])
def test_the_command_line_code_answers_a_bad_model_with_one_error_line(tmp_path, name, doc):
    path = write(tmp_path, name, json.dumps(doc).encode("utf-8", "surrogatepass"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main.main([str(path), "--json"])
        except SystemExit as exit_:
            status = exit_.code
    kind, detail = classify(status, out.getvalue(), err.getvalue())
    assert kind in ("ok", "refused"), detail


# --------------------------------------------------------------------------- analyses, degenerate


def degenerate_models() -> list[tuple[str, dict]]:
    base = small()
    zero_capex = json.loads(json.dumps(base))
    zero_capex["capex"]["Servers"] = [0.0] * 4
    no_revenue = json.loads(json.dumps(base))
    no_revenue["settings"]["ai_revenue_yield"] = 0.0
    huge = json.loads(json.dumps(base))
    huge["capex"]["Servers"] = [1e300] * 4
    tiny = json.loads(json.dumps(base))
    tiny["capex"]["Servers"] = [5e-324] * 4
    one_input = json.loads(json.dumps(base))
    point = json.loads(json.dumps(base))
    point["uncertainty"]["inputs"][0].update(low=0.1, mode=0.1, high=0.1)
    wide = json.loads(json.dumps(base))
    wide["uncertainty"]["inputs"] = [{"target": "settings.wacc", "dist": "normal", "mean": 0.0, "sd": 1e308}]
    overflow = json.loads(json.dumps(base))
    overflow["uncertainty"]["inputs"] = [
        {"target": "capex.Servers", "dist": "lognormal", "mu": 709.0, "sigma": 1.0, "apply": "scale"}
    ]
    high_wacc = json.loads(json.dumps(base))
    high_wacc["settings"]["wacc"] = 1e308
    near_minus_one = json.loads(json.dumps(base))
    near_minus_one["settings"]["wacc"] = -0.999999999
    return [
        ("zero capex", zero_capex),
        ("no AI revenue", no_revenue),
        ("capex 1e300", huge),
        ("capex 5e-324", tiny),
        ("one uncertain input", one_input),
        ("a distribution that is one point", point),
        ("a normal with sd 1e308", wide),
        ("a lognormal whose P90 overflows", overflow),
        ("wacc 1e308", high_wacc),
        ("wacc -0.999999999", near_minus_one),
    ]


REQUESTS = {
    "montecarlo": MonteCarloRequest(trials=64, seed=1),
    "tornado": TornadoRequest(),
    "grid": GridRequest(("settings.wacc", [0.0, 0.1, 1e308]), ("settings.tax_rate", [0.0, 0.99]), "irr"),
    "breakeven": BreakevenRequest("settings.ai_revenue_yield", "npv", 0.0, 0.0, 1e308),
}


@pytest.mark.parametrize("analysis", sorted(REQUESTS))
@pytest.mark.parametrize(("name", "doc"), degenerate_models(), ids=[n for n, _ in degenerate_models()])
def test_every_analysis_copes_with_degenerate_inputs(name, doc, analysis):
    try:
        model = validate_model(doc)
    except ModelError:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = ANALYSES[analysis].run(model, None, REQUESTS[analysis])
        except ModelError as error:
            assert "\n" not in str(error)
            return
    json.dumps(result.to_json(), allow_nan=False)


def test_a_grid_over_the_cell_limit_is_refused_before_anything_is_allocated():
    values = list(np.linspace(0.01, 0.3, 3000))
    with pytest.raises(ModelError, match=r"500 rows x 500 columns is 250,000 cells; a grid holds at most 10,000"):
        GridRequest(("settings.wacc", values[:MAX_AXIS_VALUES]), ("settings.tax_rate", values[:MAX_AXIS_VALUES]))
    with pytest.raises(ModelError, match="a grid axis takes at most"):
        GridRequest(("settings.wacc", values), ("settings.tax_rate", values))
    side = math.isqrt(MAX_GRID_CELLS)
    GridRequest(("settings.wacc", values[:side]), ("settings.tax_rate", values[:side]))  # the limit itself is fine


def test_tornado_ends_at_infinity_give_no_figure_not_an_error():
    doc = small()
    doc["uncertainty"]["inputs"] = [
        {"target": "capex.Servers", "dist": "lognormal", "mu": 709.0, "sigma": 1.0, "apply": "scale"},
        {"target": "settings.wacc", "dist": "triangular", "low": 0.08, "mode": 0.1, "high": 0.12},
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = ANALYSES["tornado"].run(validate_model(doc), None, TornadoRequest())
    rows = {row["target"]: row for row in result.to_json()["inputs"]}
    assert rows["capex.Servers"]["npv_high"] is None  # the end is infinite: no figure
    assert rows["settings.wacc"]["npv_high"] is not None
    json.dumps(result.to_json(), allow_nan=False)


def test_control_characters_are_quoted_in_every_model_error():
    error = ModelError("\x1b[2Jkey\u202e", "bad\nrule\x00")
    assert str(error) == "\\x1b[2Jkey\\u202e: bad\\x0arule\\x00"
    assert error.path == "\x1b[2Jkey\u202e"  # the field itself is kept as given
