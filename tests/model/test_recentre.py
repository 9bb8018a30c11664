"""Distributions centred away from the model shown (docs/risk.md): which inputs, and re-centring
each kind by hand-computed cases."""

from __future__ import annotations

import math

import pytest

from model import ModelError, validate_model
from model.edits import SetSetting, apply_edit
from model.risk.recentre import OffCentre, centre, current_value, off_centre, recentred, recentred_section
from tests.hostile.generators import bundled, small


def entry(dist: str, **parameters: float) -> dict:
    return {"target": "settings.wacc", "dist": dist, "apply": "set", **parameters}


@pytest.mark.parametrize(
    ("given", "middle"),
    [
        (entry("normal", mean=0.1, sd=0.01), 0.1),
        (entry("lognormal", mu=math.log(0.1), sigma=0.2), 0.1),  # the median, exp(mu)
        (entry("triangular", low=0.08, mode=0.1, high=0.13), 0.1),  # the mode, not the mean 0.1033
        (entry("pert", low=4, mode=5, high=8), 5),
        (entry("uniform", low=0.08, high=0.14), 0.11),
    ],
)
def test_the_centre_of_each_kind(given, middle):
    assert centre(given) == pytest.approx(middle, rel=1e-15)


@pytest.mark.parametrize(
    ("given", "value", "expected"),
    [
        # normal: the mean moves, the sd stays
        (entry("normal", mean=0.1, sd=0.01), 0.12, {"mean": 0.12, "sd": 0.01}),
        # lognormal: mu = ln(0.12) = -2.120263536, sigma stays (the same relative spread)
        (entry("lognormal", mu=math.log(0.1), sigma=0.2), 0.12, {"mu": -2.120263536, "sigma": 0.2}),
        # triangular: low, mode and high move by 0.12 - 0.10 = 0.02
        (entry("triangular", low=0.08, mode=0.1, high=0.13), 0.12, {"low": 0.1, "mode": 0.12, "high": 0.15}),
        # pert of a life: 4, 5, 8 centred on 7 is 6, 7, 10
        (entry("pert", low=4, mode=5, high=8), 7.0, {"low": 6.0, "mode": 7.0, "high": 10.0}),
        # uniform: midpoint 0.11 to 0.09, both ends move by -0.02
        (entry("uniform", low=0.08, high=0.14), 0.09, {"low": 0.06, "high": 0.12}),
    ],
)
def test_recentring_each_kind_by_hand(given, value, expected):
    moved = recentred(given, value)
    assert {k: moved[k] for k in expected} == expected  # exact: ten significant digits, no binary noise
    assert centre(moved) == pytest.approx(value, rel=1e-9)
    assert given == recentred(given, centre(given))  # a centred input is left as it is
    assert moved["target"] == given["target"] and moved["dist"] == given["dist"] and moved["apply"] == "set"


def test_a_lognormal_cannot_be_centred_on_zero_or_below():
    with pytest.raises(ModelError, match=r"uncertainty.settings.wacc: a lognormal cannot be centred on -0.01"):
        recentred(entry("lognormal", mu=0.0, sigma=0.1), -0.01)


def test_a_new_wacc_puts_its_distribution_off_centre_and_recentring_is_one_edit():
    model = validate_model(bundled())
    assert off_centre(model) == []  # the bundled distributions are centred on the bundled inputs
    edited, _ = apply_edit(model, SetSetting("wacc", 0.12))
    index = [e["target"] for e in model["uncertainty"]["inputs"]].index("settings.wacc")
    assert off_centre(edited) == [OffCentre(index, "settings.wacc", 0.1, 0.12)]
    section = recentred_section(edited)
    # triangular 9 %, 10 %, 11.5 % moved by +2 points: 11 %, 12 %, 13.5 %
    assert section["inputs"][index] == {
        **model["uncertainty"]["inputs"][index],
        "low": 0.11,
        "mode": 0.12,
        "high": 0.135,
    }
    others = [e for i, e in enumerate(section["inputs"]) if i != index]
    assert others == [e for i, e in enumerate(model["uncertainty"]["inputs"]) if i != index]
    recentred_model = validate_model({**edited, "uncertainty": section})
    assert off_centre(recentred_model) == []


def test_shifts_and_scales_follow_every_edit_and_are_never_off_centre():
    doc = bundled()
    doc["drivers"]["core_growth"] = [g + 0.01 for g in doc["drivers"]["core_growth"]]
    doc["capex"]["AI servers & accelerators"] = [1.05 * c for c in doc["capex"]["AI servers & accelerators"]]
    assert off_centre(validate_model(doc)) == []


def test_a_life_that_follows_the_book_life_is_compared_with_the_book_life():
    doc = bundled()
    servers = doc["asset_classes"][0]
    del servers["economic_life"]  # now follows the book life of 5
    servers["life"] = 6
    model = validate_model(doc)
    index = [e["target"] for e in model["uncertainty"]["inputs"]].index("economic_life.AI servers & accelerators")
    assert current_value(model, "economic_life.AI servers & accelerators") == 6.0
    assert off_centre(model) == [OffCentre(index, "economic_life.AI servers & accelerators", 5, 6.0)]
    assert recentred_section(model)["inputs"][index] == {
        "target": "economic_life.AI servers & accelerators",
        "dist": "triangular",
        "apply": "set",
        "low": 4.5,
        "mode": 6.0,
        "high": 7.5,
    }


def test_the_scenario_shown_is_the_one_compared():
    doc = small()
    doc["scenarios"] = {"High rate": {"settings": {"wacc": 0.11}}}
    model = validate_model(doc)  # its wacc distribution is triangular 8 %, 10 %, 12 % around 10 %
    assert off_centre(model) == [] and off_centre(model, "Base") == []
    assert off_centre(model, "High rate") == [OffCentre(0, "settings.wacc", 0.1, 0.11)]


def test_a_set_on_a_row_that_varies_by_year_has_no_single_value():
    doc = small()
    doc["uncertainty"]["inputs"] = [
        {"target": "drivers.utilization", "dist": "normal", "mean": 0.5, "sd": 0.1, "apply": "set"}
    ]
    doc["drivers"]["utilization"] = [0.5, 0.6, 0.7, 0.8]
    assert off_centre(validate_model(doc)) == []
    doc["drivers"]["utilization"] = [0.6] * 4
    assert off_centre(validate_model(doc)) == [OffCentre(0, "drivers.utilization", 0.5, 0.6)]
