"""Edits to a model: each applies through the model's own rules and its inverse restores the model."""

from __future__ import annotations

import copy
import dataclasses
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model import ModelError, compute, validate_model
from model.edits import (
    AddClass,
    AddScenario,
    EditBlock,
    RemoveClass,
    RemoveScenario,
    RenameClass,
    RenameScenario,
    SetCell,
    SetClassField,
    SetDriverRow,
    SetOverride,
    SetSetting,
    apply_edit,
    blank_model,
    duplicate_scenario,
    new_class,
    new_scenario,
    scenario_shown_after,
    unused_scenario_name,
)
from tests.factories import model_doc, valid_models

SERVERS = "AI servers & accelerators"


def round_trip(model, edit, scenario=None):
    """Apply ``edit``, then its inverse; the second model must equal the first."""
    before = copy.deepcopy(model)
    edited, inverse = apply_edit(model, edit, scenario)
    assert model == before, "the input model was changed"
    restored, again = apply_edit(edited, inverse, scenario)
    assert restored == model
    return edited, inverse, again


def test_set_capex_cell_changes_one_year_and_undoes(bundled_model):
    edited, inverse, _ = round_trip(bundled_model, SetCell("capex", SERVERS, 1, 80.0))
    assert edited["capex"][SERVERS][1] == 80.0
    assert edited["capex"][SERVERS][0] == bundled_model["capex"][SERVERS][0]
    assert inverse == SetCell("capex", SERVERS, 1, 70.0)


def test_set_driver_and_setting(bundled_model):
    edited, _, _ = round_trip(bundled_model, SetCell("drivers", "utilization", 0, 0.5))
    assert edited["drivers"]["utilization"][0] == 0.5
    edited, inverse, _ = round_trip(bundled_model, SetSetting("wacc", 0.12))
    assert edited["settings"]["wacc"] == 0.12
    assert inverse == SetSetting("wacc", 0.1)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (SetCell("drivers", "utilization", 3, 1.4), "drivers.utilization[3]: 1.4 is above 1"),
        (SetCell("capex", SERVERS, 0, -1.0), f"capex.{SERVERS}[0]: -1 is below 0"),
        (SetCell("capex", SERVERS, 0, "abc"), f"capex.{SERVERS}[0]: 'abc' is not a number"),
        (SetCell("capex", SERVERS, 0, None), f"capex.{SERVERS}[0]: null is not a number"),
        (SetCell("capex", SERVERS, 10, 1.0), f"capex.{SERVERS}[10]: the horizon has years 0..9"),
        (SetSetting("tax_rate", 1.0), "settings.tax_rate: 1 must be below 1"),
        (SetSetting("terminal_method", "perpetuity"), "settings.terminal_method: 'perpetuity' is not one of"),
        (SetClassField(SERVERS, "life", 0), f"asset_classes.{SERVERS}.life: 0 is outside 1..50"),
    ],
)
def test_refused_edits_raise_the_model_rule_and_change_nothing(bundled_model, edit, message):
    before = copy.deepcopy(bundled_model)
    with pytest.raises(ModelError, match=re.escape(message)):
        apply_edit(bundled_model, edit)
    assert bundled_model == before


def test_cross_rule_is_checked_on_the_whole_model(bundled_model):
    edited, _ = apply_edit(bundled_model, SetSetting("terminal_method", "gordon"))
    with pytest.raises(ModelError, match=r"settings.wacc: .* must be above terminal_growth"):
        apply_edit(edited, SetSetting("wacc", 0.02))


def test_block_is_all_or_nothing_and_names_the_first_bad_cell(bundled_model):
    block = EditBlock(
        (
            SetCell("drivers", "utilization", 0, 0.9),
            SetCell("drivers", "utilization", 1, 2.0),
            SetCell("drivers", "utilization", 2, -1.0),
        )
    )
    with pytest.raises(ModelError, match=r"drivers.utilization\[1\]: 2 is above 1"):
        apply_edit(bundled_model, block)
    good = EditBlock(tuple(SetCell("drivers", "utilization", i, 0.9) for i in range(3)))
    edited, inverse, _ = round_trip(bundled_model, good)
    assert edited["drivers"]["utilization"][:3] == [0.9, 0.9, 0.9]
    assert isinstance(inverse, EditBlock)


def test_scenario_edits_become_overrides_and_reset_to_base(v1_model):
    edited, inverse, _ = round_trip(v1_model, SetCell("capex", SERVERS, 0, 99.0), "Bull")
    assert edited["capex"] == v1_model["capex"], "Base must not change"
    assert edited["scenarios"]["Bull"]["capex"][SERVERS][0] == 99.0
    assert edited["scenarios"]["Bull"]["capex"][SERVERS][1] == v1_model["capex"][SERVERS][1]
    assert inverse == SetOverride("capex", SERVERS, None)

    reset, undo_reset, _ = round_trip(edited, SetOverride("capex", SERVERS, None), "Bull")
    assert "capex" not in reset["scenarios"]["Bull"]
    assert undo_reset.value == edited["scenarios"]["Bull"]["capex"][SERVERS]


def test_scenario_setting_and_class_field_overrides(v1_model):
    edited, _, _ = round_trip(v1_model, SetSetting("wacc", 0.08), "Bear")
    assert edited["scenarios"]["Bear"]["settings"]["wacc"] == 0.08
    assert edited["settings"]["wacc"] == 0.1
    edited, _, _ = round_trip(v1_model, SetClassField(SERVERS, "revenue_generating", False), "Bull")
    assert edited["scenarios"]["Bull"]["asset_classes"][SERVERS] == {"life": 6, "revenue_generating": False}
    assert compute(edited, "Bull").kpis != compute(v1_model, "Bull").kpis


def test_base_has_no_overrides(bundled_model):
    with pytest.raises(ModelError, match="Base is the model itself"):
        apply_edit(bundled_model, SetOverride("settings", "wacc", None))


def test_unknown_scenario_is_refused(bundled_model):
    with pytest.raises(ModelError, match="scenario"):
        apply_edit(bundled_model, SetSetting("wacc", 0.1), "Sideways")


def test_add_rename_remove_class_round_trip(v1_model):
    edited, inverse, _ = round_trip(v1_model, new_class(v1_model))
    assert edited["asset_classes"][-1]["name"] == "New class"
    assert edited["capex"]["New class"] == [0.0] * 10
    assert inverse == RemoveClass("New class")
    assert new_class(edited).fields["name"] == "New class 2"

    renamed, inverse, _ = round_trip(v1_model, RenameClass(SERVERS, "GPU servers"))
    assert next(iter(renamed["capex"])) == "GPU servers"
    assert "sources" in renamed and "capex.GPU servers" in renamed["sources"]
    assert renamed["scenarios"]["Bull"]["asset_classes"] == {"GPU servers": {"life": 6}}
    assert any(entry["target"] == "life.GPU servers" for entry in renamed["uncertainty"]["inputs"])
    assert inverse == RenameClass("GPU servers", SERVERS)
    assert compute(renamed).kpis == compute(v1_model).kpis

    network = "Network equipment"
    removed, inverse, _ = round_trip(v1_model, RemoveClass(network))
    assert network not in removed["capex"]
    assert isinstance(inverse, AddClass) and inverse.position == 1
    assert "capex.Network equipment" in inverse.sources


def test_class_names_must_be_unique_and_uncertain_classes_stay(bundled_model):
    with pytest.raises(ModelError, match="is used by another class"):
        apply_edit(bundled_model, RenameClass(SERVERS, "Network equipment"))
    with pytest.raises(ModelError, match="not a non-empty text"):
        apply_edit(bundled_model, RenameClass(SERVERS, "  "))
    with pytest.raises(ModelError, match="is an uncertain input"):
        apply_edit(bundled_model, RemoveClass(SERVERS))


def test_treatment_change_gives_a_capitalized_class_a_life(v1_model):
    rnd = "Model training & chip R&D"
    edited, inverse, _ = round_trip(v1_model, SetClassField(rnd, "treatment", "capitalized"))
    assert edited["asset_classes"][4]["life"] == 5
    assert isinstance(inverse, EditBlock)


def test_blank_model_is_valid_and_computes():
    model = blank_model(2025)
    assert validate_model(model) == model
    assert compute(model).kpis["npv"] == 0


@settings(max_examples=40, deadline=None)
@given(model=valid_models(), data=st.data())
def test_random_cell_edits_round_trip(model, data):
    horizon = model["horizon"]
    section = data.draw(st.sampled_from(["capex", "drivers"]))
    key = data.draw(st.sampled_from(sorted(model[section])))
    index = data.draw(st.integers(0, horizon - 1))
    value = data.draw(st.floats(0, 1, allow_nan=False))
    round_trip(model, SetCell(section, key, index, value))


def test_small_model_from_factory_accepts_edits():
    model = validate_model(model_doc())
    edited, _ = apply_edit(model, SetCell("capex", "Servers", 2, 5.0))
    assert compute(edited).kpis["total_capex"] == 105.0


# --------------------------------------------------------------------------- version 2: history and lives


def test_history_cells_are_edited_and_undone_in_base_and_as_scenario_overrides(bundled_model):
    first = next(iter(bundled_model["history"]["capex"]))
    old = bundled_model["history"]["capex"][first][0]
    edited, inverse, _ = round_trip(bundled_model, SetCell("history", first, 0, old + 1.0))
    assert edited["history"]["capex"][first][0] == old + 1.0
    assert inverse == SetCell("history", first, 0, old)
    in_bull, _, _ = round_trip(bundled_model, SetCell("history", first, 0, old + 2.0), "Bull")
    assert in_bull["history"] == bundled_model["history"], "Base must not change"
    assert in_bull["scenarios"]["Bull"]["history"]["capex"][first][0] == old + 2.0
    with pytest.raises(ModelError, match=r"history\.R&D\[0\]: names no capitalized class with a history"):
        apply_edit(bundled_model, SetCell("history", "R&D", 0, 1.0))
    with pytest.raises(ModelError, match=r"the history has years 0\.\.1"):
        apply_edit(bundled_model, SetCell("history", first, 2, 1.0))


def test_class_structure_edits_keep_the_history_to_the_capitalized_classes():
    doc = model_doc(3, version=2)
    doc["settings"]["mid_year"] = False
    doc["asset_classes"] += [
        {"name": "Network", "treatment": "capitalized", "life": 5},
        {"name": "R&D", "treatment": "expensed"},
    ]
    doc["capex"].update({"Network": [10.0, 0.0, 0.0], "R&D": [5.0, 0.0, 0.0]})
    doc["history"] = {"capex": {"Servers": [40.0, 50.0], "Network": [4.0, 5.0]}}
    model = validate_model(doc)
    added, _, _ = round_trip(model, new_class(model))
    assert added["history"]["capex"][added["asset_classes"][-1]["name"]] == [0.0, 0.0]
    turned, _, _ = round_trip(model, SetClassField("Network", "treatment", "expensed"))
    assert list(turned["history"]["capex"]) == ["Servers"]
    back, _, _ = round_trip(turned, SetClassField("Network", "treatment", "capitalized"))
    assert back["history"]["capex"]["Network"] == [0.0, 0.0]  # its spending before was charged when spent
    capitalized, _, _ = round_trip(model, SetClassField("R&D", "treatment", "capitalized"))
    assert list(capitalized["history"]["capex"]) == ["Servers", "Network", "R&D"]
    renamed, _, _ = round_trip(model, RenameClass("Network", "Switches"))
    assert list(renamed["history"]["capex"]) == ["Servers", "Switches"]
    removed, _, _ = round_trip(model, RemoveClass("Network"))
    assert list(removed["history"]["capex"]) == ["Servers"]


def test_economic_and_tax_lives_are_set_and_removed_with_undo(bundled_model):
    servers = bundled_model["asset_classes"][0]["name"]
    edited, _, _ = round_trip(bundled_model, SetClassField(servers, "tax_life", 3))
    assert edited["asset_classes"][0]["tax_life"] == 3
    removed, _, _ = round_trip(bundled_model, SetClassField(servers, "economic_life", None))
    assert "economic_life" not in removed["asset_classes"][0]  # it follows the book life again
    with pytest.raises(ModelError, match=r"lag: 6 is outside 0\.\.5"):
        apply_edit(bundled_model, SetClassField(servers, "lag", 6))


# --------------------------------------------------------------------------- scenarios


def test_new_scenario_from_base_is_empty_last_and_computes_as_base(bundled_model):
    edited, inverse, _ = round_trip(bundled_model, new_scenario(bundled_model, "Flat"))
    assert list(edited["scenarios"]) == [*bundled_model["scenarios"], "Flat"]
    assert edited["scenarios"]["Flat"] == {}
    assert inverse == RemoveScenario("Flat")
    assert compute(edited, "Flat").kpis == compute(edited).kpis


def test_new_scenario_from_current_copies_its_overrides_not_its_source(bundled_model):
    edited, _, _ = round_trip(bundled_model, new_scenario(bundled_model, "My bull", "Bull"))
    assert edited["scenarios"]["My bull"] == bundled_model["scenarios"]["Bull"]
    assert "scenarios.My bull" not in edited["sources"]
    assert compute(edited, "My bull").kpis == compute(edited, "Bull").kpis


def test_duplicate_sits_after_the_original_with_its_source(bundled_model):
    edit = duplicate_scenario(bundled_model, "Bull")
    edited, _, _ = round_trip(bundled_model, edit)
    names = list(edited["scenarios"])
    assert names[names.index("Bull") + 1] == "Bull copy"
    assert edited["sources"]["scenarios.Bull copy"] == bundled_model["sources"]["scenarios.Bull"]
    again = duplicate_scenario(edited, "Bull")
    assert again.name == "Bull copy 2"
    assert duplicate_scenario(bundled_model, "Base") == AddScenario("Base copy")


def test_rename_scenario_keeps_its_place_and_its_source(bundled_model):
    edited, inverse, _ = round_trip(bundled_model, RenameScenario("Bull", "Optimist"))
    assert list(edited["scenarios"]) == ["Optimist" if name == "Bull" else name for name in bundled_model["scenarios"]]
    assert edited["scenarios"]["Optimist"] == bundled_model["scenarios"]["Bull"]
    assert edited["sources"]["scenarios.Optimist"] == bundled_model["sources"]["scenarios.Bull"]
    assert "scenarios.Bull" not in edited["sources"]
    assert inverse == RenameScenario("Optimist", "Bull")


def test_remove_scenario_is_undone_with_its_overrides_source_and_position(bundled_model):
    names = list(bundled_model["scenarios"])
    edited, inverse, _ = round_trip(bundled_model, RemoveScenario("Bull"))
    assert "Bull" not in edited["scenarios"] and "scenarios.Bull" not in edited["sources"]
    assert inverse == AddScenario(
        "Bull", bundled_model["scenarios"]["Bull"], names.index("Bull"), bundled_model["sources"]["scenarios.Bull"]
    )
    restored, _ = apply_edit(edited, inverse)
    assert list(restored["scenarios"]) == names  # dict equality ignores the order; the selector does not


def test_scenario_edits_apply_whichever_scenario_is_shown(bundled_model):
    edited, inverse = apply_edit(bundled_model, RemoveScenario("Bear"), "Bear")
    restored, _ = apply_edit(edited, inverse, "Bull")
    assert restored == bundled_model


def test_a_scenario_cannot_remove_a_field_of_base_and_leaves_no_empty_override(bundled_model):
    before = copy.deepcopy(bundled_model)
    with pytest.raises(ModelError) as refusal:
        apply_edit(bundled_model, SetClassField("Network equipment", "economic_life", None), "Bull")
    assert str(refusal.value) == (
        "scenarios.Bull.asset_classes.Network equipment.economic_life: a scenario can set it but not remove "
        "Base's value (Delete on the scenario's own value returns it to Base)"
    )
    assert bundled_model == before


def test_a_scenario_renamed_to_its_own_name_in_another_case_keeps_its_overrides(bundled_model):
    edited, inverse = apply_edit(bundled_model, RenameScenario("Bull", "BULL"))
    assert list(edited["scenarios"]) == ["BULL" if name == "Bull" else name for name in bundled_model["scenarios"]]
    assert edited["scenarios"]["BULL"] == bundled_model["scenarios"]["Bull"]
    assert apply_edit(edited, inverse)[0] == bundled_model


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (AddScenario(""), "scenarios: '' is not a non-empty text"),
        (AddScenario("  "), "scenarios: '  ' is not a non-empty text"),
        (AddScenario("Base"), 'scenarios.Base: "Base" is reserved for the model itself'),
        (AddScenario("Bull"), "scenarios.Bull: 'Bull' is the name of another scenario"),
        (AddScenario("bULL"), "scenarios.bULL: 'bULL' is the name of another scenario ('Bull', in another case)"),
        (AddScenario("Bad\x07name"), "scenarios: 'Bad\\x07name' holds the character U+0007, which no file can"),
        (AddScenario("Rate", {"settings": {"wacc": -2}}), "scenarios.Rate.settings.wacc: -2 is below -1"),
        (
            AddScenario("Solved", {"settings": {"ai_revenue_yield": 0.5}}),
            "scenarios.Solved.settings.ai_revenue_yield: is solved by the calibration: a scenario cannot set it",
        ),
        (RenameScenario("Bull", "Bear"), "scenarios.Bear: 'Bear' is the name of another scenario"),
        (
            RenameScenario("Bull", "bear"),
            "scenarios.bear: 'bear' is the name of another scenario ('Bear', in another case)",
        ),
        (RenameScenario("Bull", "Base"), 'scenarios.Base: "Base" is reserved for the model itself'),
        (RenameScenario("Bull", ""), "scenarios: '' is not a non-empty text"),
        (RenameScenario("Nope", "Other"), "scenarios.Nope: names no scenario of this model"),
        (RemoveScenario("Base"), "scenarios.Base: names no scenario of this model"),
        (RemoveScenario("Nope"), "scenarios.Nope: names no scenario of this model"),
    ],
)
def test_scenario_edits_are_refused_with_the_rule(bundled_model, edit, message):
    before = copy.deepcopy(bundled_model)
    with pytest.raises(ModelError) as refusal:
        apply_edit(bundled_model, edit)
    assert str(refusal.value) == message
    assert bundled_model == before


def test_scenario_shown_after_an_edit():
    assert scenario_shown_after(AddScenario("New"), "Bull") == "New"
    assert scenario_shown_after(RenameScenario("Bear", "Worst"), "Bull") == "Worst"
    assert scenario_shown_after(RemoveScenario("Bull"), "Bull") == "Base"
    assert scenario_shown_after(RemoveScenario("Bear"), "Bull") == "Bull"
    assert scenario_shown_after(SetSetting("wacc", 0.1), "Bull") == "Bull"


def test_unused_scenario_name_skips_base_and_taken_names(bundled_model):
    assert unused_scenario_name(bundled_model) == "New scenario"
    assert unused_scenario_name(bundled_model, "Bull") == "Bull 2"
    assert unused_scenario_name(bundled_model, "Base") == "Base 2"


# --------------------------------------------------------------------------- accepting a change of the semantic diff


def test_an_accepted_change_is_one_edit_whose_inverse_is_the_inverted_change(bundled_model):
    from model import apply_scenario
    from model.edits import AcceptChange
    from model.risk import diff

    changes = diff(bundled_model, apply_scenario(bundled_model, "Bull"))
    for change in changes:
        edited, inverse, again = round_trip(bundled_model, AcceptChange(change))
        assert inverse == AcceptChange(change.inverted())
        assert again == AcceptChange(change)
        assert diff(edited, apply_scenario(bundled_model, "Bull")) == [c for c in changes if c != change]


def test_an_accepted_change_in_a_scenario_becomes_its_override(bundled_model):
    from model import apply_scenario
    from model.edits import AcceptChange
    from model.risk import diff

    [wacc] = [c for c in diff(bundled_model, apply_scenario(bundled_model, "Bull")) if c.path == "settings.wacc"]
    moved = AcceptChange(dataclasses.replace(wacc, new=0.125))
    edited, _, _ = round_trip(bundled_model, moved, "Bull")
    assert edited["settings"]["wacc"] == bundled_model["settings"]["wacc"], "Base must not change"
    assert edited["scenarios"]["Bull"]["settings"]["wacc"] == 0.125
    calibration = dataclasses.replace(wacc, path="calibration", section="calibration", key="calibration", new=[])
    with pytest.raises(ModelError, match=r"scenarios\.Bull\.calibration: belongs to the model itself"):
        apply_edit(bundled_model, AcceptChange(calibration), "Bull")


def test_an_accepted_change_that_breaks_a_rule_is_refused_naming_the_field(bundled_model):
    from model.edits import AcceptChange
    from model.risk import Change

    doc = copy.deepcopy(bundled_model)
    doc["settings"]["terminal_method"] = "gordon"
    model = validate_model(doc)
    growth = model["settings"]["terminal_growth"]
    wacc = Change("settings.wacc", "settings", "wacc", None, model["settings"]["wacc"], growth / 2, "%", "WACC")
    with pytest.raises(ModelError, match="terminal_growth"):
        apply_edit(model, AcceptChange(wacc))


def test_the_first_edit_of_an_optional_driver_is_undone_by_removing_its_row(v1_model):
    assert "compute_cost_change" not in v1_model["drivers"]
    edited, inverse, _ = round_trip(v1_model, SetCell("drivers", "compute_cost_change", 2, -0.1))
    assert edited["drivers"]["compute_cost_change"] == [0.0, 0.0, -0.1] + [0.0] * 7  # zeros: its default
    assert inverse == SetDriverRow("compute_cost_change", None)
    in_bull, _, _ = round_trip(v1_model, SetCell("drivers", "reinvestment_rate", 5, 0.2), "Bull")
    assert in_bull["scenarios"]["Bull"]["drivers"]["reinvestment_rate"][5] == 0.2
