"""The edits an analyst makes to a model, as plain records, and the pure function that applies one.

``apply_edit(model, edit, scenario)`` returns the edited model and the edit that undoes it, so an
undo stack needs nothing but these records. The input model is never changed. Every value is
checked by the same per-field rule the file loader applies, naming the field (so a refused paste
names its first bad cell), and the whole edited model is then validated, so nothing is ever
computed from a model that breaks a rule.

With a scenario other than Base, value edits (cells, settings, class fields) become that
scenario's overrides: an override replaces a whole capex or driver row, a whole setting or the
named fields of a class (docs/model.md section 3). Adding, renaming and removing a class changes the
model's structure, which every scenario shares, so those edits apply to the model itself.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from model.document import Document, Model, editable
from model.errors import ModelError
from model.risk.diff import Change, apply_change
from model.schema import (
    BASE_SCENARIO,
    DRIVERS,
    FORMAT,
    NON_NEGATIVE,
    REQUIRED_SETTINGS,
    SCENARIO_SECTIONS,
    SETTINGS,
    TREATMENTS,
    VERSION,
)
from model.validation import (
    check_asset_class_fields,
    check_number,
    check_scenario_name,
    check_scenario_name_free,
    check_setting,
    check_text,
    validate_model,
)

CELL_SECTIONS = ("capex", "drivers", "history")
CLASS_FIELDS = ("treatment", "life", "economic_life", "lag", "tax_life", "revenue_generating")
# Class fields that may be absent: no economic or tax life means it follows the book life.
OPTIONAL_CLASS_FIELDS = ("life", "economic_life", "tax_life", "lag")
NEW_CLASS_LIFE = 5  # years; the life of servers, the commonest class of a cloud build-out


@dataclass(frozen=True)
class SetCell:
    """One year of a capex row (``section="capex"``, key = class) or of a driver (key = driver).

    ``index`` counts projection years from 0 (fiscal year base_year + 1). ``value`` is a number,
    or None for an unknown year of an optional driver (the cloud market).
    """

    section: str
    key: str
    index: int
    value: Any


@dataclass(frozen=True)
class SetSetting:
    key: str
    value: Any


@dataclass(frozen=True)
class SetClassField:
    """Treatment, life or revenue_generating of one asset class."""

    name: str
    field: str
    value: Any


@dataclass(frozen=True)
class AddClass:
    """A new asset class at ``position`` (None: last) with its capex row (None: zeros).

    Undoing a removal restores everything the class carried: ``overrides`` maps a scenario to its
    ``{"capex": row, "asset_classes": fields}`` for this class, ``sources`` maps source paths to
    their entries.
    """

    fields: Mapping[str, Any]
    position: int | None = None
    capex: tuple[float, ...] | None = None
    history: tuple[float, ...] | None = None
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class RenameClass:
    old: str
    new: str


@dataclass(frozen=True)
class RemoveClass:
    name: str


@dataclass(frozen=True)
class SetHistoryRow:
    """A capitalized class's whole row of history (docs/model.md section 3); None removes it.

    The history holds exactly the capitalized classes, so a class turned expensed loses its row
    and a class turned capitalized gets one of zeros: this record is how the inverse of such a
    change puts the row back.
    """

    name: str
    row: tuple[float, ...] | None


@dataclass(frozen=True)
class SetDriverRow:
    """An optional driver's whole row (``compute_cost_change``, ``reinvestment_rate``,
    ``cloud_market``); None removes it, so the model falls back to the default. It undoes the
    first edit of a driver the model did not hold."""

    key: str
    row: tuple[float | None, ...] | None


@dataclass(frozen=True)
class SetOverride:
    """A scenario's override of one setting, driver row, capex row or class (fields dict).

    ``value`` None removes the override, so the scenario falls back to Base ("Reset to Base").
    """

    section: str
    key: str
    value: Any


@dataclass(frozen=True)
class EditBlock:
    """Several cell or setting edits made as one (a paste, a fill): all are applied or none.

    The values are checked in order, so a refusal names the first bad cell.
    """

    edits: tuple[Edit, ...]


@dataclass(frozen=True)
class SetUncertainty:
    """The whole ``uncertainty`` section (section 8) replaced; None removes it.

    It belongs to the model, not to a scenario, whichever scenario is selected. The source notes
    of inputs it no longer holds (``uncertainty.TARGET``) go with them; ``sources`` puts such
    notes back (the undo of a removal).
    """

    section: Mapping[str, Any] | None
    sources: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class AddScenario:
    """A new scenario ``name`` holding ``overrides`` (empty: the same numbers as Base).

    ``position`` (None: last) and ``source`` (the ``scenarios.NAME`` note) let the inverse of a
    removal put a scenario back exactly where and as it was.
    """

    name: str
    overrides: Mapping[str, Any] = field(default_factory=dict)
    position: int | None = None
    source: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class RenameScenario:
    """A scenario renamed; its source note (``scenarios.NAME``) follows it."""

    old: str
    new: str


@dataclass(frozen=True)
class RemoveScenario:
    name: str


@dataclass(frozen=True)
class AcceptChange:
    """One change of the semantic diff (``model.risk.diff``) taken into the model: its input set
    to ``change.new``. In Base the inverse is the inverted change; in another scenario the input
    becomes that scenario's override (the calibration and removing a field are Base's alone)."""

    change: Change


Edit = (
    AcceptChange
    | SetCell
    | SetSetting
    | SetClassField
    | AddClass
    | RenameClass
    | RemoveClass
    | SetOverride
    | SetHistoryRow
    | SetDriverRow
    | EditBlock
    | SetUncertainty
    | AddScenario
    | RenameScenario
    | RemoveScenario
)


def apply_edit(model: Model, edit: Edit, scenario: str | None = None) -> tuple[Model, Edit]:
    """The model with ``edit`` applied, validated, and the edit that restores ``model``.

    ``scenario`` None or "Base" edits the model itself; another name turns value edits into that
    scenario's overrides. Raises ModelError (the model layer's own message, naming the field)
    when the edit or the edited model breaks a rule; ``model`` is never changed.
    """
    scenario = None if scenario in (None, BASE_SCENARIO) else scenario
    if scenario is not None and scenario not in model["scenarios"]:
        raise ModelError("scenario", f"{scenario!r} is not a scenario of this model")
    if isinstance(edit, AcceptChange) and scenario is None:
        return apply_change(model, edit.change), AcceptChange(edit.change.inverted())
    doc = editable(model)
    inverse = _apply(doc, edit, scenario)
    return validate_model(doc), inverse


def _apply(doc: Document, edit: Edit, scenario: str | None) -> Edit:
    """Check ``edit``'s values, change ``doc`` in place and return the inverse edit."""
    if isinstance(edit, EditBlock):
        inverses = [_apply(doc, part, scenario) for part in edit.edits]
        return EditBlock(tuple(reversed(inverses)))
    if isinstance(edit, SetCell):
        return _set_cell(doc, edit, scenario)
    if isinstance(edit, SetSetting):
        return _set_setting(doc, edit, scenario)
    if isinstance(edit, SetClassField):
        return _set_class_field(doc, edit, scenario)
    if isinstance(edit, SetOverride):
        return _set_override(doc, edit, scenario)
    if isinstance(edit, SetHistoryRow):
        return _set_history_row(doc, edit)
    if isinstance(edit, SetDriverRow):
        return _set_driver_row(doc, edit)
    if isinstance(edit, AddClass):
        return _add_class(doc, edit)
    if isinstance(edit, RenameClass):
        return _rename_class(doc, edit)
    if isinstance(edit, RemoveClass):
        return _remove_class(doc, edit)
    if isinstance(edit, AcceptChange):
        if scenario is None:  # apply_edit takes Base's acceptances through apply_change
            raise TypeError("a change accepted in Base is applied by apply_edit")
        return _accept_in_scenario(doc, edit.change, scenario)
    if isinstance(edit, SetUncertainty):
        previous, doc["uncertainty"] = doc.get("uncertainty"), copy.deepcopy(edit.section)
        kept = {f"uncertainty.{entry['target']}" for entry in (edit.section or {}).get("inputs", [])}
        dropped = {key: doc["sources"].pop(key) for key in list(doc["sources"]) if _drops_note(key, kept)}
        doc["sources"].update(copy.deepcopy(dict(edit.sources)))
        return SetUncertainty(previous, dropped)
    if isinstance(edit, AddScenario | RenameScenario | RemoveScenario):
        return _edit_scenarios(doc, edit)
    raise TypeError(f"not an edit: {edit!r}")


def _accept_in_scenario(doc: Document, change: Change, scenario: str) -> Edit:
    """A diff change accepted as ``scenario``'s override, through the edit of its kind (whose
    inverse puts the previous override back)."""
    path = f"{_prefix(scenario)}{change.path}"
    if change.section not in SCENARIO_SECTIONS:
        raise ModelError(path, f"belongs to the model itself, not to a scenario; accept it in {BASE_SCENARIO}")
    if change.new is None:
        raise ModelError(path, f"a scenario cannot remove an input; accept the change in {BASE_SCENARIO}")
    if change.section == "settings":
        return _set_setting(doc, SetSetting(change.key, change.new), scenario)
    if change.section == "asset_classes" and change.field is not None:
        return _set_class_field(doc, SetClassField(change.key, change.field, change.new), scenario)
    return _set_override(doc, SetOverride(change.section, change.key, copy.deepcopy(change.new)), scenario)


def _prefix(scenario: str | None) -> str:
    return f"scenarios.{scenario}." if scenario else ""


def _overrides(doc: Document, scenario: str, section: str) -> dict[str, Any]:
    overrides: dict[str, Any] = doc["scenarios"][scenario].setdefault(section, {})
    return overrides


def _previous_override(doc: Document, scenario: str, section: str, key: str) -> SetOverride:
    """The edit that puts back the scenario's current override of ``key`` (or its absence)."""
    overrides = doc["scenarios"][scenario].get(section, {})
    if section == "history":  # history overrides are {"history": {"capex": {CLASS: row}}}
        overrides = overrides.get("capex", {})
    return SetOverride(section, key, copy.deepcopy(overrides.get(key)))


def _set_cell(doc: Document, edit: SetCell, scenario: str | None) -> Edit:
    section, key, index = edit.section, edit.key, edit.index
    path = f"{_prefix(scenario)}{section}.{key}[{index}]"
    if section not in CELL_SECTIONS:
        raise ModelError(path, "only capex and driver cells hold one value per year")
    if section == "history":
        return _set_history_cell(doc, edit, scenario, path)
    if section == "capex":
        if key not in doc["capex"]:
            raise ModelError(path, "names no asset class of this model")
        bound, nullable = NON_NEGATIVE, False
    else:
        if key not in DRIVERS:
            raise ModelError(path, "names no driver")
        bound, nullable = DRIVERS[key].bound, DRIVERS[key].nullable
    if not 0 <= index < doc["horizon"]:
        raise ModelError(path, f"the horizon has years 0..{doc['horizon'] - 1}")
    if not (nullable and edit.value is None):
        check_number(edit.value, path, bound)
    absent = section == "drivers" and key not in doc["drivers"]
    # An optional driver the model leaves out is zeros, or unknown for the market size (section 3).
    base_row = doc[section].get(key) or [None if nullable else 0.0] * doc["horizon"]
    if scenario is None:
        row = doc[section][key] = list(base_row)
        inverse: Edit = SetDriverRow(key, None) if absent else SetCell(section, key, index, base_row[index])
    else:
        inverse = _previous_override(doc, scenario, section, key)
        overrides = _overrides(doc, scenario, section)
        row = overrides[key] = list(overrides.get(key, base_row))
    row[index] = edit.value
    return inverse


def _history_rows(doc: Document) -> dict[str, list[Any]]:
    rows: dict[str, list[Any]] = doc["history"]["capex"] if doc.get("history") else {}
    return rows


def _set_history_cell(doc: Document, edit: SetCell, scenario: str | None, path: str) -> Edit:
    """One year of a class's history; in a scenario the whole row becomes its override."""
    rows = _history_rows(doc)
    if edit.key not in rows:
        raise ModelError(path, "names no capitalized class with a history")
    length = len(rows[edit.key])
    if not 0 <= edit.index < length:
        raise ModelError(path, f"the history has years 0..{length - 1}")
    check_number(edit.value, path, NON_NEGATIVE)
    if scenario is None:
        row = rows[edit.key] = list(rows[edit.key])
        inverse: Edit = SetCell("history", edit.key, edit.index, row[edit.index])
    else:
        inverse = _previous_override(doc, scenario, "history", edit.key)
        overrides = doc["scenarios"][scenario].setdefault("history", {}).setdefault("capex", {})
        row = overrides[edit.key] = list(overrides.get(edit.key, rows[edit.key]))
    row[edit.index] = edit.value
    return inverse


def _set_history_row(doc: Document, edit: SetHistoryRow) -> Edit:
    rows = _history_rows(doc)
    previous = rows.get(edit.name)
    if edit.row is None:
        rows.pop(edit.name, None)
    elif doc.get("history"):
        rows[edit.name] = list(edit.row)
        doc["history"]["capex"] = {c["name"]: rows[c["name"]] for c in doc["asset_classes"] if c["name"] in rows}
    return SetHistoryRow(edit.name, None if previous is None else tuple(previous))


def _set_driver_row(doc: Document, edit: SetDriverRow) -> Edit:
    if edit.key not in DRIVERS or DRIVERS[edit.key].required:
        raise ModelError(f"drivers.{edit.key}", "is not an optional driver")
    previous = doc["drivers"].get(edit.key)
    if edit.row is None:
        doc["drivers"].pop(edit.key, None)
    else:
        doc["drivers"][edit.key] = list(edit.row)
    return SetDriverRow(edit.key, None if previous is None else tuple(previous))


def _zero_history(doc: Document) -> tuple[float, ...] | None:
    """A row of zeros as long as the model's history (None without one)."""
    rows = _history_rows(doc)
    return (0.0,) * len(next(iter(rows.values()))) if rows else None


def _set_setting(doc: Document, edit: SetSetting, scenario: str | None) -> Edit:
    path = f"{_prefix(scenario)}settings.{edit.key}"
    if edit.key not in SETTINGS:
        raise ModelError(path, "names no setting")
    check_setting(edit.key, edit.value, path)
    if scenario is None:
        inverse: Edit = SetSetting(edit.key, doc["settings"][edit.key])
        doc["settings"][edit.key] = edit.value
        return inverse
    inverse = _previous_override(doc, scenario, "settings", edit.key)
    _overrides(doc, scenario, "settings")[edit.key] = edit.value
    return inverse


def _class_index(doc: Document, name: str, path: str) -> int:
    for i, cls in enumerate(doc["asset_classes"]):
        if cls["name"] == name:
            return i
    raise ModelError(path, "names no asset class of this model")


def _set_class_field(doc: Document, edit: SetClassField, scenario: str | None) -> Edit:
    """One field of a class; ``value`` None removes a life (an expensed class needs none).

    A class turned capitalized without a life gets NEW_CLASS_LIFE years, which the analyst then
    adjusts; refusing the change instead would force two edits for one intent.
    """
    path = f"{_prefix(scenario)}asset_classes.{edit.name}"
    position = _class_index(doc, edit.name, path)
    if edit.field not in CLASS_FIELDS:
        raise ModelError(f"{path}.{edit.field}", f"is not one of {', '.join(CLASS_FIELDS)}")
    if edit.field == "treatment":
        if scenario is not None:
            raise ModelError(f"{path}.treatment", "a scenario cannot change a treatment: it is the model's structure")
        if edit.value not in TREATMENTS:
            raise ModelError(f"{path}.treatment", f"{edit.value!r} is not capitalized or expensed")
    elif not (edit.field in OPTIONAL_CLASS_FIELDS and edit.value is None):
        check_asset_class_fields({edit.field: edit.value}, path, partial=True)
    if scenario is not None:
        inverse: Edit = _previous_override(doc, scenario, "asset_classes", edit.name)
        if edit.value is None:
            # An override replaces fields; it cannot make a field of Base absent. Removing the
            # scenario's own value is SetOverride's work (Reset to Base).
            raise ModelError(
                f"{path}.{edit.field}",
                "a scenario can set it but not remove Base's value "
                "(Delete on the scenario's own value returns it to Base)",
            )
        fields = _overrides(doc, scenario, "asset_classes").setdefault(edit.name, {})
        effective = {**doc["asset_classes"][position], **fields}
    else:
        fields = effective = doc["asset_classes"][position]
        inverse = SetClassField(edit.name, edit.field, fields.get(edit.field))
    if edit.field == "treatment" and edit.value != effective["treatment"]:
        # History holds exactly the capitalized classes: the row comes and goes with the treatment.
        row = _zero_history(doc) if edit.value == "capitalized" else None
        # Undo sets the treatment back first (which makes a row of zeros), then restores the row.
        inverse = EditBlock((inverse, _set_history_row(doc, SetHistoryRow(edit.name, row))))
    if edit.field == "treatment" and edit.value == "capitalized" and "life" not in effective:
        fields["life"] = NEW_CLASS_LIFE
        if scenario is None:
            inverse = EditBlock((SetClassField(edit.name, "life", None), inverse))
    if edit.value is None:
        fields.pop(edit.field, None)
    else:
        fields[edit.field] = edit.value
    return inverse


def _set_override(doc: Document, edit: SetOverride, scenario: str | None) -> Edit:
    path = f"{_prefix(scenario)}{edit.section}.{edit.key}"
    if scenario is None:
        raise ModelError(path, f"{BASE_SCENARIO} is the model itself and has no overrides")
    if edit.section not in SCENARIO_SECTIONS:
        raise ModelError(path, f"is not one of {', '.join(SCENARIO_SECTIONS)}")
    inverse = _previous_override(doc, scenario, edit.section, edit.key)
    overrides = doc["scenarios"][scenario]
    section = overrides.get(edit.section, {})
    rows = section.get("capex", {}) if edit.section == "history" else section
    if edit.value is None:
        rows.pop(edit.key, None)
        if not rows:
            overrides.pop(edit.section, None)
    elif edit.section == "history":
        overrides.setdefault("history", {}).setdefault("capex", {})[edit.key] = copy.deepcopy(edit.value)
    else:
        overrides.setdefault(edit.section, {})[edit.key] = copy.deepcopy(edit.value)
    return inverse


# --------------------------------------------------------------------------- class structure


CLASS_TARGET_KINDS = ("capex", "life", "economic_life", "tax_life")  # uncertain inputs that name a class


def _class_targets(name: str) -> tuple[str, ...]:
    return tuple(f"{kind}.{name}" for kind in CLASS_TARGET_KINDS)


def _drops_note(key: str, kept: set[str]) -> bool:
    """Whether source note ``key`` explains an uncertain input that is not among ``kept``."""
    return key.startswith("uncertainty.") and key not in kept


def _class_source_paths(name: str) -> tuple[str, ...]:
    return (
        f"capex.{name}",
        f"history.{name}",
        f"asset_classes.{name}",
        *(f"uncertainty.{target}" for target in _class_targets(name)),
    )


def _check_new_name(doc: Document, name: Any, path: str) -> str:
    text = check_text(name, path)
    if text in doc["capex"]:
        raise ModelError(path, f"{text!r} is used by another class")
    return text


def _add_class(doc: Document, edit: AddClass) -> Edit:
    position = len(doc["asset_classes"]) if edit.position is None else edit.position
    path = f"asset_classes[{position}]"
    name = _check_new_name(doc, edit.fields.get("name"), f"{path}.name")
    check_asset_class_fields(edit.fields, path)
    capex = list(edit.capex) if edit.capex is not None else [0.0] * doc["horizon"]
    doc["asset_classes"].insert(position, dict(edit.fields))
    doc["capex"] = _reordered_capex(doc, {**doc["capex"], name: capex})
    if edit.fields["treatment"] == "capitalized":
        _set_history_row(doc, SetHistoryRow(name, edit.history or _zero_history(doc)))
    for scenario, sections in edit.overrides.items():
        for section, value in sections.items():
            _set_override(doc, SetOverride(section, name, value), scenario)
    doc["sources"].update(copy.deepcopy(dict(edit.sources)))
    return RemoveClass(name)


def _reordered_capex(doc: Document, rows: Mapping[str, list[Any]]) -> dict[str, list[Any]]:
    """Capex rows in the order of the class list, as the file shows them."""
    return {cls["name"]: rows[cls["name"]] for cls in doc["asset_classes"]}


def _remove_class(doc: Document, edit: RemoveClass) -> Edit:
    path = f"asset_classes.{edit.name}"
    position = _class_index(doc, edit.name, path)
    targets = set(_class_targets(edit.name))
    for entry in (doc["uncertainty"] or {}).get("inputs", []):
        if entry["target"] in targets:
            raise ModelError(path, f"is an uncertain input ({entry['target']}); remove that input first")
    fields = doc["asset_classes"].pop(position)
    capex = doc["capex"].pop(edit.name)
    history = _history_rows(doc).pop(edit.name, None)
    overrides: dict[str, dict[str, Any]] = {}
    for scenario, sections in doc["scenarios"].items():
        for section in ("capex", "history", "asset_classes"):
            rows = _override_rows(sections, section)
            if edit.name in rows:
                overrides.setdefault(scenario, {})[section] = rows.pop(edit.name)
                if not rows:
                    del sections[section]
    sources = {key: doc["sources"].pop(key) for key in _class_source_paths(edit.name) if key in doc["sources"]}
    return AddClass(fields, position, tuple(capex), None if history is None else tuple(history), overrides, sources)


def _override_rows(sections: dict[str, Any], section: str) -> dict[str, Any]:
    """A scenario's overrides of one section by class name (history's sit under "capex")."""
    rows: dict[str, Any] = sections.get(section, {})
    return rows.get("capex", {}) if section == "history" else rows


def _rename_class(doc: Document, edit: RenameClass) -> Edit:
    old, new = edit.old, edit.new
    path = f"asset_classes.{old}"
    position = _class_index(doc, old, path)
    if new == old:
        return edit
    _check_new_name(doc, new, f"{path}.name")
    doc["asset_classes"][position]["name"] = new

    def renamed(rows: dict[str, Any]) -> dict[str, Any]:
        return {new if key == old else key: value for key, value in rows.items()}

    doc["capex"] = renamed(doc["capex"])
    if doc.get("history"):
        doc["history"]["capex"] = renamed(doc["history"]["capex"])
    for sections in doc["scenarios"].values():
        for section in ("capex", "asset_classes"):
            if old in sections.get(section, {}):
                sections[section] = renamed(sections[section])
        if old in sections.get("history", {}).get("capex", {}):
            sections["history"]["capex"] = renamed(sections["history"]["capex"])
    renamed_paths = dict(zip(_class_source_paths(old), _class_source_paths(new), strict=True))
    doc["sources"] = {renamed_paths.get(key, key): source for key, source in doc["sources"].items()}
    if doc["uncertainty"]:
        renamed_targets = dict(zip(_class_targets(old), _class_targets(new), strict=True))
        for entry in doc["uncertainty"]["inputs"]:
            entry["target"] = renamed_targets.get(entry["target"], entry["target"])
        for pair in doc["uncertainty"]["correlations"]:
            pair[0], pair[1] = renamed_targets.get(pair[0], pair[0]), renamed_targets.get(pair[1], pair[1])
    return RenameClass(new, old)


def unused_class_name(model: Model, stem: str = "New class") -> str:
    """``stem``, or ``stem 2``, ``stem 3``... whichever no class of the model uses yet."""
    names, number = set(model["capex"]), 1
    while (candidate := stem if number == 1 else f"{stem} {number}") in names:
        number += 1
    return candidate


def new_class(model: Model) -> AddClass:
    """The class File > Add class creates: capitalized, revenue-earning, zero capex until typed in."""
    return AddClass(
        {
            "name": unused_class_name(model),
            "treatment": "capitalized",
            "life": NEW_CLASS_LIFE,
            "revenue_generating": True,
        }
    )


def blank_model(base_year: int, horizon: int = 10) -> Model:
    """A valid starting model for File > New: default settings, one class, no capex, flat drivers."""
    name = "Data-centre capacity"
    return validate_model(
        {
            "format": FORMAT,
            "version": VERSION,
            "name": "New capex plan",
            "base_year": base_year,
            "horizon": horizon,
            "settings": {key: SETTINGS[key].default for key in REQUIRED_SETTINGS},
            "asset_classes": [
                {"name": name, "treatment": "capitalized", "life": NEW_CLASS_LIFE, "revenue_generating": True}
            ],
            "capex": {name: [0.0] * horizon},
            "drivers": {
                "core_growth": [0.05] * horizon,
                "core_ebita_margin": [0.10] * horizon,
                "utilization": [0.80] * horizon,
                "price_change": [0.0] * horizon,
            },
        }
    )


# --------------------------------------------------------------------------- scenarios


def _scenario_source_path(name: str) -> str:
    return f"scenarios.{name}"


def _check_scenario_name(doc: Document, value: Any, renamed: str | None = None) -> str:
    """A name a new or renamed scenario may take: the loader's rules, and no other scenario's."""
    name = check_scenario_name(value)
    check_scenario_name_free(doc["scenarios"], name, renamed)
    return name


def _known_scenario(doc: Document, name: str) -> None:
    if name not in doc["scenarios"]:
        raise ModelError(_scenario_source_path(name), "names no scenario of this model")


def _edit_scenarios(doc: Document, edit: AddScenario | RenameScenario | RemoveScenario) -> Edit:
    """Scenarios are the model's structure: these edits apply whichever scenario is shown."""
    scenarios: dict[str, Any] = doc["scenarios"]
    names = list(scenarios)
    if isinstance(edit, AddScenario):
        name = _check_scenario_name(doc, edit.name)
        position = len(names) if edit.position is None else max(0, min(edit.position, len(names)))
        names.insert(position, name)
        added = {name: copy.deepcopy(dict(edit.overrides))}
        doc["scenarios"] = {key: added[key] if key == name else scenarios[key] for key in names}
        if edit.source is not None:
            doc["sources"][_scenario_source_path(name)] = copy.deepcopy(dict(edit.source))
        return RemoveScenario(name)
    if isinstance(edit, RenameScenario):
        _known_scenario(doc, edit.old)
        if edit.new == edit.old:
            return edit
        _check_scenario_name(doc, edit.new, renamed=edit.old)
        doc["scenarios"] = {edit.new if key == edit.old else key: value for key, value in scenarios.items()}
        old_path, new_path = _scenario_source_path(edit.old), _scenario_source_path(edit.new)
        doc["sources"] = {new_path if key == old_path else key: value for key, value in doc["sources"].items()}
        return RenameScenario(edit.new, edit.old)
    _known_scenario(doc, edit.name)
    overrides = scenarios.pop(edit.name)
    source = doc["sources"].pop(_scenario_source_path(edit.name), None)
    return AddScenario(edit.name, overrides, names.index(edit.name), source)


def scenario_shown_after(edit: Edit, scenario: str) -> str:
    """The scenario the window shows once ``edit``, made while ``scenario`` was shown, is applied:
    a new or renamed scenario becomes the shown one, removing the shown one shows Base."""
    if isinstance(edit, AddScenario):
        return edit.name
    if isinstance(edit, RenameScenario):
        return edit.new
    if isinstance(edit, RemoveScenario) and edit.name == scenario:
        return BASE_SCENARIO
    return scenario


def unused_scenario_name(model: Model, stem: str = "New scenario") -> str:
    """``stem``, or ``stem 2``, ``stem 3``... whichever no scenario of the model uses yet."""
    names, number = {BASE_SCENARIO, *model["scenarios"]}, 1
    while (candidate := stem if number == 1 else f"{stem} {number}") in names:
        number += 1
    return candidate


def new_scenario(model: Model, name: str, from_scenario: str = BASE_SCENARIO) -> AddScenario:
    """Scenario > New: ``name`` with the overrides of ``from_scenario`` (none from Base), last."""
    overrides = {} if from_scenario == BASE_SCENARIO else model["scenarios"][from_scenario]
    return AddScenario(name, copy.deepcopy(overrides))


def duplicate_scenario(model: Model, name: str) -> AddScenario:
    """Scenario > Duplicate: a copy of ``name`` (overrides and source note) right after it."""
    if name == BASE_SCENARIO:
        return AddScenario(unused_scenario_name(model, f"{BASE_SCENARIO} copy"))
    return AddScenario(
        unused_scenario_name(model, f"{name} copy"),
        copy.deepcopy(model["scenarios"][name]),
        list(model["scenarios"]).index(name) + 1,
        copy.deepcopy(model["sources"].get(_scenario_source_path(name))),
    )
