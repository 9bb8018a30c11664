"""The checks every risk analysis of ``model.risk.ANALYSES`` must pass, on every model fixture.

A new analysis joins by its registry entry; it then needs a line in EXAMPLES (a small request and
a bad option) and an entry in main.py's ANALYSIS_REQUESTS, which the first tests demand.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

import main
from model import ModelError, validate_model
from model.risk import ANALYSES, BreakevenRequest, BridgeRequest, GridRequest, MonteCarloRequest, TornadoRequest
from tests.factories import model_doc, valid_models
from tests.model.test_engine_cases import life_2_doc, terminal_doc, two_root_doc

# Per analysis: a small request, options its Request must refuse, and the start of the message.
EXAMPLES: dict[str, tuple[Any, dict[str, Any], str]] = {
    "montecarlo": (MonteCarloRequest(trials=200, seed=7), {"trials": 0}, "trials: 0 is outside 1.."),
    "tornado": (TornadoRequest(), {"trials": 10}, "got an unexpected keyword argument 'trials'"),
    "grid": (
        GridRequest(("settings.wacc", (0.08, 0.12)), ("drivers.utilization", (-0.1, 0.0)), "irr"),
        {"x": ("settings.wacc", (0.1,)), "y": ("drivers.utilization", (0.0,)), "metric": "moic"},
        "metric: 'moic' is not npv or irr",
    ),
    "breakeven": (
        BreakevenRequest("settings.wacc", "npv", 0.0, 0.025, 0.5),
        {"target": "settings.wacc", "metric": "npv", "goal": 0.0, "low": 0.5, "high": 0.02},
        "range: 0.5,0.02 is not a range LO,HI with LO < HI",
    ),
    # From the scenario run on to Base: the bundled Bull gives seven levers, a fixture none.
    "bridge": (
        BridgeRequest("npv", None, "Base"),
        {"metric": "total_revenue@next_year"},
        "metric: 'total_revenue@next_year' is not a KPI",
    ),
}


def with_uncertainty(doc: dict) -> dict:
    """The model document with two uncertain inputs that every model has, validated."""
    first_class = next(iter(doc["capex"]))
    inputs = [
        {"target": "drivers.utilization", "dist": "normal", "apply": "shift", "mean": 0.0, "sd": 0.05},
        {"target": f"capex.{first_class}", "dist": "lognormal", "apply": "scale", "mu": 0.0, "sigma": 0.1},
    ]
    return validate_model({**doc, "uncertainty": {"inputs": inputs, "correlations": [], "seed": 1}})


MODELS = {
    "small": lambda: with_uncertainty(model_doc()),
    "every driver": lambda: with_uncertainty(life_2_doc()),
    "gordon, mid-year": lambda: with_uncertainty(terminal_doc("gordon", True)),
    "exit multiple": lambda: with_uncertainty(terminal_doc("exit_multiple", False)),
    "two IRR roots": lambda: with_uncertainty(two_root_doc(0.15)),
}


def checked_json(name: str, model: dict, scenario: str | None = None) -> dict:
    """The analysis's JSON, after checking that it is plain JSON and the same on a second run."""
    request = EXAMPLES[name][0]
    out = ANALYSES[name].run(model, scenario, request).to_json()
    text = json.dumps(out, allow_nan=False)  # refuses NaN and infinities
    assert json.loads(text) == out  # plain types only: nothing that JSON would change
    assert json.dumps(ANALYSES[name].run(model, scenario, request).to_json(), allow_nan=False) == text
    return out


def test_every_analysis_has_an_example_and_a_command_line():
    assert set(EXAMPLES) == set(ANALYSES)
    assert set(main.ANALYSIS_REQUESTS) == set(ANALYSES)
    for name, analysis in ANALYSES.items():
        assert analysis.name == name


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_a_request_is_frozen_and_refuses_a_bad_option(name):
    request, bad, message = EXAMPLES[name]
    assert type(request) is ANALYSES[name].Request
    assert dataclasses.is_dataclass(request) and type(request).__dataclass_params__.frozen
    with pytest.raises((ModelError, TypeError)) as error:
        ANALYSES[name].Request(**bad)
    assert message in str(error.value)
    with pytest.raises(TypeError, match="bogus"):
        ANALYSES[name].Request(bogus=1)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_the_bundled_model_in_a_scenario(name, bundled_model):
    checked_json(name, bundled_model, "Bull")


@pytest.mark.parametrize("name", list(EXAMPLES))
@pytest.mark.parametrize("model", list(MODELS))
def test_every_model_fixture(name, model):
    checked_json(name, MODELS[model]())


@pytest.mark.parametrize("name", list(EXAMPLES))
@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=valid_models(max_horizon=6, max_classes=3))
def test_random_models(name, model):
    checked_json(name, with_uncertainty(model))
