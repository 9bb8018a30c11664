"""The distribution a new uncertain input starts with (model/risk/defaults.py): hand-checked
values, and for every target of any valid model a default that validates, is centred on the value
shown and leaves no trial out for breaking a rule of its own."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from model import ModelError, load_model, validate_model
from model.edits import SetSetting, SetUncertainty, apply_edit
from model.engine import plan_arrays
from model.risk.defaults import default_input, with_inputs_added, with_inputs_removed
from model.risk.recentre import off_centre
from model.risk.sampling import quantiles
from model.risk.targets import Target, apply_values_with_rules, target_paths
from model.schema import SETTINGS
from tests.conftest import BUNDLED_MODEL_PATH
from tests.factories import v2_model_doc, valid_models

BUNDLED_MODEL = load_model(BUNDLED_MODEL_PATH)
# The extreme draws of a distribution: a sampler's uniforms lie strictly inside (0, 1).
EXTREMES = np.array([1e-9, 0.5, 1 - 1e-9])


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("settings.wacc", {"dist": "triangular", "apply": "set", "low": 0.09, "mode": 0.1, "high": 0.11}),
        ("settings.exit_multiple", {"dist": "triangular", "apply": "set", "low": 10.8, "mode": 12.0, "high": 13.2}),
        ("life.AI servers & accelerators", {"dist": "triangular", "apply": "set", "low": 4, "mode": 5, "high": 6}),
        ("life.Data-centre buildings", {"dist": "triangular", "apply": "set", "low": 18, "mode": 20, "high": 22}),
        # A tax life of 0 (written off at once) cannot go below 0 years.
        ("tax_life.AI servers & accelerators", {"dist": "triangular", "apply": "set", "low": 0, "mode": 0, "high": 1}),
        ("drivers.utilization", {"dist": "normal", "apply": "shift", "mean": 0.0, "sd": 0.02}),
        # The reinvestment rate is 0 in every year and cannot go below it: the shift is cut at 0.
        ("drivers.reinvestment_rate", {"dist": "triangular", "apply": "shift", "low": 0, "mode": 0, "high": 0.06}),
        ("capex.Network equipment", {"dist": "lognormal", "apply": "scale", "mu": 0.0, "sigma": 0.1}),
    ],
)
def test_hand_checked_defaults_of_the_bundled_model(bundled_model, target, expected):
    assert default_input(bundled_model, target) == {"target": target, **expected}


@pytest.mark.parametrize(
    ("key", "value", "ends"),
    [
        ("terminal_growth", 0.0, (-0.01, 0.01)),  # at 0: one percentage point either side
        ("exit_multiple", 0.0, (0.0, 0.1)),  # at 0 and never negative: 0..0.1x
        ("tax_rate", 0.95, (0.855, 1.0)),  # cut at the top of its range
        ("nwc_pct", -0.05, (-0.055, -0.045)),  # a negative value: low below high all the same
    ],
)
def test_a_setting_at_0_or_near_its_bound_stays_in_its_range(bundled_model, key, value, ends):
    model, _ = apply_edit(bundled_model, SetSetting(key, value))
    entry = default_input(model, f"settings.{key}")
    assert (entry["low"], entry["mode"], entry["high"]) == (ends[0], value, ends[1])


def test_the_default_is_centred_on_the_scenario_shown(bundled_model):
    scenario = next(iter(bundled_model["scenarios"]))
    model, _ = apply_edit(bundled_model, SetSetting("wacc", 0.12), scenario)
    assert default_input(model, "settings.wacc", scenario)["mode"] == 0.12
    assert default_input(model, "settings.wacc")["mode"] == 0.1


def assert_every_default_is_valid(model: dict) -> None:
    """For each target alone: the section is accepted, centred, and its extreme draws break no
    rule of the input they move (nor wacc > terminal growth, nor the needs of capex)."""
    plan = plan_arrays(model)
    for path in target_paths(model):
        entry = default_input(model, path)
        section = with_inputs_added({**model, "uncertainty": None}, [path])
        edited, _ = apply_edit(model, SetUncertainty(section))
        assert edited["uncertainty"]["inputs"] == [entry]
        assert off_centre(edited) == [], path
        target = Target.parse(model, path, entry["apply"])
        values = quantiles(entry, EXTREMES)
        assert np.all(np.diff(values) > 0), (path, values)  # a real spread
        _, broken = apply_values_with_rules(plan, [target], values[:, None])
        assert list(broken) == ["", "", ""], (path, entry, list(broken))


def test_every_default_of_the_bundled_and_a_version_2_model_is_valid(bundled_model):
    assert_every_default_is_valid(bundled_model)
    assert_every_default_is_valid(validate_model(v2_model_doc()))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=valid_models(max_horizon=6, max_classes=3, v2=True))
def test_every_default_of_any_valid_model_is_valid(model):
    assert_every_default_is_valid(model)


@settings(max_examples=60, deadline=None)
@given(
    key=st.sampled_from(["wacc", "tax_rate", "terminal_growth", "exit_multiple", "nwc_pct", "pull_through"]),
    fraction=st.floats(0, 1),
)
def test_a_setting_anywhere_in_its_range_gets_a_default_inside_it(key, fraction):
    bundled_model = BUNDLED_MODEL  # read only: every edit makes a new model
    bound = SETTINGS[key].bound
    low, high = max(bound.low if bound.low is not None else -2.0, -2.0), min(bound.high or 2.0, 2.0)
    value = float(f"{low + fraction * (high - low):.6g}")
    assume(bound.violation(value) is None)
    try:
        model, _ = apply_edit(bundled_model, SetSetting(key, value))
    except ModelError:  # another rule refuses the value (the calibration, say): not a default's case
        assume(False)
    entry = default_input(model, f"settings.{key}")
    assert entry["low"] <= entry["mode"] == value <= entry["high"] and entry["low"] < entry["high"]
    assert all(bound.violation(float(v)) is None for v in quantiles(entry, EXTREMES))


def test_a_new_section_takes_the_defaults_of_validation(bundled_model):
    model = {**bundled_model, "uncertainty": None}
    section = with_inputs_added(model, ["settings.wacc", "drivers.utilization"])
    # The defaults a file without trials, seed or sampler gets (docs/model.md section 8).
    assert (section["trials"], section["seed"], section["sampler"]) == (10000, 0, "lhs")
    assert [e["target"] for e in section["inputs"]] == ["settings.wacc", "drivers.utilization"]
    assert section["correlations"] == []


def test_adding_an_input_already_uncertain_is_refused(bundled_model):
    held = bundled_model["uncertainty"]["inputs"][0]["target"]
    with pytest.raises(ModelError, match="already an uncertain input"):
        with_inputs_added(bundled_model, [held])


def test_removing_drops_the_correlations_and_source_notes_and_undo_restores_them(bundled_model):
    before = copy.deepcopy(bundled_model)
    pair = bundled_model["uncertainty"]["correlations"][0]
    section = with_inputs_removed(bundled_model, [pair[0]])
    assert pair[0] not in [e["target"] for e in section["inputs"]]
    assert all(pair[0] not in c[:2] for c in section["correlations"])
    assert len(section["correlations"]) == len(before["uncertainty"]["correlations"]) - 1
    edited, inverse = apply_edit(bundled_model, SetUncertainty(section))
    assert f"uncertainty.{pair[0]}" in before["sources"] and f"uncertainty.{pair[0]}" not in edited["sources"]
    restored, _ = apply_edit(edited, inverse)
    assert restored == before


def test_removing_the_last_input_leaves_an_empty_valid_section(bundled_model):
    targets = [e["target"] for e in bundled_model["uncertainty"]["inputs"]]
    section = with_inputs_removed(bundled_model, targets)
    edited, _ = apply_edit(bundled_model, SetUncertainty(section))
    assert edited["uncertainty"]["inputs"] == [] and edited["uncertainty"]["correlations"] == []
    assert edited["uncertainty"]["seed"] == bundled_model["uncertainty"]["seed"]
    assert not [key for key in edited["sources"] if key.startswith("uncertainty.")]


def test_removing_an_input_that_is_not_uncertain_is_refused(bundled_model):
    with pytest.raises(ModelError, match="is not an uncertain input"):
        with_inputs_removed(bundled_model, ["settings.exit_multiple"])
    with pytest.raises(ModelError, match="no uncertain inputs"):
        with_inputs_removed({**bundled_model, "uncertainty": None}, ["settings.wacc"])
