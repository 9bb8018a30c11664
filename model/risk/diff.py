"""The semantic diff of two states of a model: every input that differs, in model terms.

``diff(a, b)`` lists the inputs of two valid models (each as a scenario sees it: apply the
scenario first) that differ, one ``Change`` per input, named by the paths of docs/model.md
section 9: ``settings.KEY``, ``drivers.KEY`` (the whole array), ``capex.CLASS``,
``history.CLASS`` (the whole row), ``asset_classes.CLASS.FIELD`` and ``calibration`` (as a
whole). ``name``, ``sources``, ``actuals``, ``peers``, ``scenarios`` and ``uncertainty`` are
never listed: they change no computed number. A field absent on one side differs from any value
on the other (an economic life that follows the book life differs from the same life written
out), and an absent field is shown as None.

These changes are the levers of the bridge (``model.risk.bridge``), and the review list of the
window: ``apply_change(model, change)`` is the pure function that accepts one of them into a
model document (one undo step: keep the document it was given, or apply ``change.inverted()``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from model.document import AssetClass, Document, Model, editable
from model.errors import ModelError
from model.outputs import Unit
from model.schema import ASSET_CLASS_KEYS, DRIVERS, NUMERIC_SETTINGS, SETTINGS
from model.validation import validate_model

# The sections of a model whose fields are levers, in the order they are listed (and grouped).
SECTIONS = ("settings", "drivers", "capex", "history", "asset_classes", "calibration")
CLASS_FIELDS = ASSET_CLASS_KEYS[1:]  # every field of a class but its name
CLASS_FIELD_UNITS = {"life": "years", "economic_life": "years", "lag": "years", "tax_life": "years"}
CLASS_FIELD_LABELS = {
    "treatment": "treatment",
    "life": "book life",
    "economic_life": "economic life",
    "lag": "lag to service",
    "tax_life": "tax life",
    "revenue_generating": "earns revenue",
}


@dataclass(frozen=True)
class Change:
    """One input that differs between two models: ``old`` (in A) and ``new`` (in B), None where
    the field is absent; ``unit`` as the window shows it (``%``, ``x``, ``money``, ``years``...,
    empty for choices and flags) and a ``label`` in words.

    ``section`` is the first part of ``path``; ``key`` the setting, driver or class name
    (``calibration`` for the calibration); ``field`` the class field for ``asset_classes``.
    """

    path: str
    section: str
    key: str
    field: str | None
    old: Any
    new: Any
    unit: str
    label: str

    @property
    def numeric(self) -> bool:
        """Whether the bridge varies it inside one batch of the engine (numbers and arrays);
        the others (choices, flags, whole years of a class, the calibration) split the states
        into groups."""
        if self.section == "settings":
            return self.key in NUMERIC_SETTINGS
        return self.section in ("drivers", "capex", "history")

    def inverted(self) -> Change:
        """The change that undoes this one (B back to A)."""
        return replace(self, old=self.new, new=self.old)

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "old": self.old, "new": self.new, "unit": self.unit, "label": self.label}


def same(a: Any, b: Any) -> bool:
    """Equal as model values: numbers by value (5 and 5.0 alike, but never a flag and a number),
    lists and objects element by element, None only equal to None."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _class(model: Model, name: str) -> AssetClass:
    """The class called ``name`` (the models are comparable: both have it)."""
    return next(c for c in model["asset_classes"] if c["name"] == name)


def _history_row(model: Model, name: str) -> list[float] | None:
    return model["history"]["capex"].get(name) if "history" in model else None


def check_comparable(a: Model, b: Model) -> None:
    """Refuse two models a bridge cannot join, naming the first difference: the horizon, the
    base year, then the asset class names (their order may differ)."""
    for key in ("horizon", "base_year"):
        if a[key] != b[key]:
            raise ModelError(
                key, f"{a[key]} in the from state, {b[key]} in the to state: a bridge needs the same {key}"
            )
    names_a = [c["name"] for c in a["asset_classes"]]
    names_b = [c["name"] for c in b["asset_classes"]]
    for name in names_a:
        if name not in names_b:
            raise ModelError("asset_classes", f"{name!r} is a class of the from state but not of the to state")
    for name in names_b:
        if name not in names_a:
            raise ModelError("asset_classes", f"{name!r} is a class of the to state but not of the from state")


def diff(a: Model, b: Model) -> list[Change]:
    """Every input that differs between the valid models ``a`` and ``b`` (each as its scenario
    sees it), in the order settings, drivers, capex, history, asset classes, calibration (within
    each, the order of ``model.schema`` and of ``a``'s classes).

    Refuses (ModelError) two models of different horizon, base year or asset class names.
    """
    check_comparable(a, b)
    classes = [c["name"] for c in a["asset_classes"]]
    changes: list[Change] = []

    def add(path: str, section: str, key: str, field: str | None, old: Any, new: Any, unit: str, label: str) -> None:
        if not same(old, new):
            changes.append(Change(path, section, key, field, copy.deepcopy(old), copy.deepcopy(new), unit, label))

    settings_a: Mapping[str, Any] = a["settings"]
    settings_b: Mapping[str, Any] = b["settings"]
    for key, spec in SETTINGS.items():
        add(
            f"settings.{key}",
            "settings",
            key,
            None,
            settings_a.get(key),
            settings_b.get(key),
            spec.unit,
            spec.label,
        )
    for key, driver in DRIVERS.items():
        add(
            f"drivers.{key}",
            "drivers",
            key,
            None,
            a["drivers"].get(key),
            b["drivers"].get(key),
            driver.unit,
            driver.label,
        )
    for name in classes:
        add(
            f"capex.{name}", "capex", name, None, a["capex"][name], b["capex"][name], Unit.MONEY.value, f"Capex: {name}"
        )
    for name in classes:
        old, new = _history_row(a, name), _history_row(b, name)
        add(f"history.{name}", "history", name, None, old, new, Unit.MONEY.value, f"Installed capex: {name}")
    for name in classes:
        old_class: Mapping[str, Any] = _class(a, name)
        new_class: Mapping[str, Any] = _class(b, name)
        for field in CLASS_FIELDS:
            add(
                f"asset_classes.{name}.{field}",
                "asset_classes",
                name,
                field,
                old_class.get(field),
                new_class.get(field),
                CLASS_FIELD_UNITS.get(field, ""),
                f"{name}: {CLASS_FIELD_LABELS[field]}",
            )
    add(
        "calibration", "calibration", "calibration", None, a.get("calibration"), b.get("calibration"), "", "Calibration"
    )
    return changes


def set_input(doc: Document, change: Change, value: Any) -> None:
    """Put ``value`` (None: absent) into the input ``change`` names, in place in a document.

    A history row given to a model without history (or of another length) is aligned on the
    base year: the other rows are padded with zeros before their oldest year (no installed
    fleet then), which computes exactly as before; a missing row is zeros.
    """
    value = copy.deepcopy(value)
    section, key = change.section, change.key
    if section in ("settings", "drivers", "capex"):
        if value is None:
            doc[section].pop(key, None)
        else:
            doc[section][key] = value
    elif section == "asset_classes":
        cls = next(c for c in doc["asset_classes"] if c["name"] == key)
        if value is None:
            cls.pop(change.field, None)
        else:
            cls[change.field] = value
        if change.field == "treatment" and doc.get("history"):
            _align_history(doc)
    elif section == "calibration":
        if value is None:
            doc.pop("calibration", None)
        else:
            doc["calibration"] = value
    else:
        rows = dict((doc.get("history") or {}).get("capex", {}))
        if value is None:
            rows.pop(key, None)
        else:
            rows[key] = value
        doc["history"] = {"capex": rows}
        _align_history(doc)


def _align_history(doc: Document) -> None:
    """Every capitalized class with a history row of one length (zeros before a row's oldest
    year), no row for an expensed class, no history when no row is left."""
    rows = (doc.get("history") or {}).get("capex", {})
    capitalized = [c["name"] for c in doc["asset_classes"] if c["treatment"] == "capitalized"]
    if not rows or not capitalized:
        doc.pop("history", None)
        return
    length = max(len(row) for row in rows.values())
    doc["history"] = {
        "capex": {name: [0.0] * (length - len(rows.get(name, []))) + list(rows.get(name, [])) for name in capitalized}
    }


def apply_change(model: Model, change: Change) -> Model:
    """The valid model ``model`` with ``change`` accepted (its input set to ``change.new``, or
    removed where that is None), validated; ``model`` itself is never changed.

    Raises ModelError naming the field when the result breaks a rule of docs/model.md section 3
    (e.g. a Gordon terminal value accepted without the WACC that makes it valid).
    """
    doc = editable(model)
    set_input(doc, change, change.new)
    return validate_model(doc)
