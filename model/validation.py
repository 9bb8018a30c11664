"""Validation of model documents (docs/model.md section 3) and application of scenario overrides.

A model document is the plain JSON structure of a model file (dicts, lists, numbers, strings).
``validate_model`` checks every rule and returns a normalised copy (defaults filled in, keys in
canonical order); it never returns a partly valid model. The per-field checkers are public so that
an edit in the window is checked by exactly the rule the file loader applies.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard, cast

import numpy as np
from numpy.typing import NDArray

from model.document import (
    AssetClass,
    CalibrationEntry,
    ClassFields,
    DriverSeries,
    History,
    Model,
    ScenarioOverrides,
    Settings,
    SettingValue,
    Source,
    UncertainInput,
    Uncertainty,
)
from model.errors import ModelError
from model.outputs import LINE_KEYS
from model.schema import (
    ANY,
    APPLY_MODES,
    ASSET_CLASS_KEYS,
    BASE_SCENARIO,
    CALIBRATION_KEYS,
    CALIBRATION_SOLVES,
    DEFAULT_APPLY,
    DISTRIBUTIONS,
    DRIVERS,
    ENGINE_DRIVERS,
    FORMAT,
    LIFE_KINDS,
    MAX_HISTORY,
    MAX_HORIZON,
    MAX_LAG,
    MAX_LIFE,
    MAX_TRIALS,
    MIN_HORIZON,
    MIN_LIFE,
    NON_NEGATIVE,
    NUMERIC_SETTINGS,
    REQUIRED_DRIVERS,
    REQUIRED_SETTINGS,
    REQUIRED_TOP_LEVEL,
    SAMPLERS,
    SCENARIO_SECTIONS,
    SETTINGS,
    TOP_LEVEL_KEYS,
    TREATMENTS,
    VERSION,
    VERSION_2_CLASS_KEYS,
    VERSION_2_DRIVERS,
    VERSION_2_SETTINGS,
    Bound,
    format_number,
)

# --------------------------------------------------------------------------- small checkers


def is_number(value: object) -> TypeGuard[int | float]:
    """True for int and float but not bool (JSON true would otherwise pass as 1)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def describe(value: Any) -> str:
    """How a wrong value is quoted in a message."""
    if isinstance(value, str):
        return repr(value) if len(value) <= 40 else repr(value[:37] + "...")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if is_number(value):
        return format_number(value)
    return "an object" if isinstance(value, Mapping) else f"a {type(value).__name__}"


def check_number(value: object, path: str, bound: Bound = ANY) -> float:
    """A finite number inside ``bound``; returns it unchanged (an int stays an int)."""
    if not is_number(value):
        raise ModelError(path, f"{describe(value)} is not a number")
    if not math.isfinite(value):
        raise ModelError(path, f"{describe(value)} is not a finite number")
    broken = bound.violation(value)
    if broken:
        raise ModelError(path, broken)
    return value


def check_integer(value: object, path: str, low: int, high: int) -> int:
    """An integer in [low, high]; 5.0 is accepted as 5 (spreadsheets and JSON tools write it)."""
    number = check_number(value, path)
    if number != int(number):
        raise ModelError(path, f"{describe(value)} is not a whole number")
    whole = int(number)
    if not low <= whole <= high:
        raise ModelError(path, f"{describe(whole)} is outside {low}..{high}")
    return whole


# C0 controls other than tab and line breaks, unpaired surrogates and U+FFFE/U+FFFF cannot be
# written to a UTF-8 file or to a workbook's XML: a model holding them could never be saved.
UNWRITABLE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def check_text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ModelError(path, f"{describe(value)} is not a non-empty text")
    if rule := unwritable_character(value):
        raise ModelError(path, rule)
    return value


def unwritable_character(text: str) -> str | None:
    """The rule ``text`` breaks if it holds a character no file can, else None."""
    bad = UNWRITABLE_TEXT.search(text)
    return f"{text[:40]!a} holds the character U+{ord(bad.group()):04X}, which no file can" if bad else None


def check_object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ModelError(path, f"{describe(value)} is not an object")
    return value


def check_keys(obj: Mapping[str, Any], path: str, known: Sequence[str]) -> None:
    """Refuse unknown keys, suggesting the nearest known one."""
    for key in obj:
        if key not in known:
            where = f"{path}.{key}" if path else str(key)
            hint = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.5)
            suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
            raise ModelError(where, f"unknown key{suggestion}")


def check_series(values: Any, path: str, horizon: int, bound: Bound, nullable: bool = False) -> list[Any]:
    """Exactly ``horizon`` finite numbers inside ``bound`` (or null where ``nullable``)."""
    if not isinstance(values, list):
        raise ModelError(path, f"{describe(values)} is not a list of {horizon} numbers")
    if len(values) != horizon:
        raise ModelError(path, f"has {len(values)} values; the horizon needs {horizon}")
    for i, value in enumerate(values):
        if not (nullable and value is None):
            check_number(value, f"{path}[{i}]", bound)
    return list(values)


def check_setting(key: str, value: Any, path: str) -> SettingValue:
    """One setting by its own rule (the cross rule of Gordon growth is checked with the model)."""
    spec = SETTINGS[key]
    if spec.kind == "bool":
        if not isinstance(value, bool):
            raise ModelError(path, f"{describe(value)} is not true or false")
        return value
    if spec.kind == "choice":
        if value not in spec.choices:
            raise ModelError(path, f"{describe(value)} is not one of {', '.join(spec.choices)}")
        choice: str = value
        return choice
    if spec.kind == "integer":
        # The range depends on the model (horizon, base year): checked with the whole model.
        return check_integer(value, path, -(10**6), 10**6)
    return check_number(value, path, spec.bound)


def check_driver(key: str, values: Any, path: str, horizon: int) -> DriverSeries:
    spec = DRIVERS[key]
    return check_series(values, path, horizon, spec.bound, spec.nullable)


def check_asset_class_fields(fields: Mapping[str, Any], path: str, partial: bool = False) -> dict[str, Any]:
    """The fields of one asset class; with ``partial`` (a scenario override) any may be absent.

    The result is an ``AssetClass`` without a name when not ``partial``, else ``ClassFields``.
    """
    if partial and "treatment" in fields:
        raise ModelError(f"{path}.treatment", "a scenario cannot change a treatment: it is the model's structure")
    # A scenario overrides any field but the name and the treatment.
    check_keys(fields, path, ASSET_CLASS_KEYS if not partial else SCENARIO_CLASS_KEYS)
    out: dict[str, Any] = {}
    if "name" in fields:
        out["name"] = check_text(fields["name"], f"{path}.name")
    if "treatment" in fields or not partial:
        treatment = fields.get("treatment")
        if treatment not in TREATMENTS:
            raise ModelError(f"{path}.treatment", f"{describe(treatment)} is not capitalized or expensed")
        out["treatment"] = treatment
    for key, (low, high) in CLASS_INTEGER_FIELDS.items():
        if key in fields:
            out[key] = check_integer(fields[key], f"{path}.{key}", low, high)
    if "revenue_generating" in fields:
        flag = fields["revenue_generating"]
        if not isinstance(flag, bool):
            raise ModelError(f"{path}.revenue_generating", f"{describe(flag)} is not true or false")
        out["revenue_generating"] = flag
    if not partial:
        if out["treatment"] == "capitalized" and "life" not in out:
            raise ModelError(f"{path}.life", f"a capitalized class needs a life of {MIN_LIFE}..{MAX_LIFE} years")
        out.setdefault("revenue_generating", False)
    return out


SCENARIO_CLASS_KEYS = tuple(key for key in ASSET_CLASS_KEYS if key not in ("name", "treatment"))

# Whole-number fields of an asset class and their ranges (docs/model.md section 3).
CLASS_INTEGER_FIELDS = {
    "life": (MIN_LIFE, MAX_LIFE),
    "economic_life": (MIN_LIFE, MAX_LIFE),
    "lag": (0, MAX_LAG),
    "tax_life": (0, MAX_LIFE),
}


# --------------------------------------------------------------------------- the whole model


def validate_model(doc: Any) -> Model:
    """Check every rule of section 3 and return a normalised deep copy.

    Raises ModelError naming the first field that breaks a rule. Settings that are absent take the
    defaults in ``model.schema.SETTINGS``; ``currency`` and ``unit`` default to RMB and bn.
    """
    doc = check_object(doc, "")
    _check_counts(doc)
    check_keys(doc, "", TOP_LEVEL_KEYS)
    if doc.get("format") != FORMAT:
        raise ModelError("format", f'{describe(doc.get("format"))} is not "{FORMAT}"')
    version = doc.get("version")
    # 1e400 parses as infinity, which int() cannot take: refuse it here, not with a traceback.
    if not is_number(version) or not math.isfinite(version) or version != int(version) or version < 1:
        raise ModelError("version", f"{describe(version)} is not a version number")
    if version > VERSION:
        raise ModelError("version", f"version {int(version)} is newer than this program reads ({VERSION})")
    for key in REQUIRED_TOP_LEVEL:
        if key not in doc:
            raise ModelError(key, "is missing")
    if version == 1:
        _refuse_version_2_fields(doc)

    model_name = check_text(doc["name"], "name")
    currency = check_text(doc.get("currency", "RMB"), "currency")
    unit = check_text(doc.get("unit", "bn"), "unit")
    base_year = check_integer(doc["base_year"], "base_year", 1900, 2200)
    horizon = check_integer(doc["horizon"], "horizon", MIN_HORIZON, MAX_HORIZON)

    settings = check_object(doc.get("settings", {}), "settings")
    check_keys(settings, "settings", tuple(SETTINGS))
    defaults: dict[str, float] = {"plan_years": horizon, "valuation_year": base_year}
    if version > 1:
        for key in REQUIRED_SETTINGS:
            if key not in settings:
                raise ModelError(f"settings.{key}", "is missing: every model needs it")
        method = settings.get("terminal_method")
        for key, needed_by in (("terminal_growth", "gordon"), ("exit_multiple", "exit_multiple")):
            if method == needed_by and key not in settings:
                raise ModelError(f"settings.{key}", f'is missing: the terminal method "{needed_by}" needs it')
            defaults[key] = 0.0
    # Every key of SETTINGS, each checked by its own rule: the Settings of model.document.
    checked_settings = cast(
        Settings,
        {
            key: check_setting(key, settings.get(key, defaults.get(key, spec.default)), f"settings.{key}")
            for key, spec in SETTINGS.items()
        },
    )

    classes = _check_asset_classes(doc["asset_classes"])
    class_names = [c["name"] for c in classes]

    capex = check_object(doc["capex"], "capex")
    check_keys(capex, "capex", class_names)
    for name in class_names:
        if name not in capex:
            raise ModelError(f"capex.{name}", "is missing: every declared class needs a capex row")
    capex_rows = {name: check_series(capex[name], f"capex.{name}", horizon, NON_NEGATIVE) for name in class_names}

    drivers = check_object(doc["drivers"], "drivers")
    check_keys(drivers, "drivers", tuple(DRIVERS))
    for key in REQUIRED_DRIVERS:
        if key not in drivers:
            raise ModelError(f"drivers.{key}", "is missing")
    model: Model = {
        "format": FORMAT,
        "version": VERSION,
        "name": model_name,
        "currency": currency,
        "unit": unit,
        "base_year": base_year,
        "horizon": horizon,
        "settings": checked_settings,
        "asset_classes": classes,
        "capex": capex_rows,
        "drivers": {
            key: check_driver(key, drivers[key], f"drivers.{key}", horizon) for key in DRIVERS if key in drivers
        },
        # Checked below, in this order: the later checks read the sections checked before them.
        "actuals": {},
        "peers": {},
        "scenarios": {},
        "uncertainty": None,
        "sources": {},
    }
    if doc.get("history") is not None:
        model["history"] = check_history(doc["history"], "history", classes)
    _check_cross_rules(model, "")
    if doc.get("calibration") is not None:
        model["calibration"] = _check_calibration(model, doc["calibration"])
    model["actuals"] = _check_actuals(doc.get("actuals", {}))
    model["peers"] = _check_peers(doc.get("peers", {}))
    for scenario, overrides in check_object(doc.get("scenarios", {}), "scenarios").items():
        check_scenario_name_free(model["scenarios"], scenario)
        model["scenarios"][scenario] = _check_scenario(model, scenario, overrides)
    model["uncertainty"] = check_uncertainty(model, doc["uncertainty"]) if doc.get("uncertainty") is not None else None
    model["sources"] = _check_sources(model, doc.get("sources", {}))
    _check_calibration_solves(model)
    return _in_file_order(model)


def _in_file_order(model: Model) -> Model:
    """The model with its keys in the order of ``TOP_LEVEL_KEYS``, as a saved file lists them
    (``history`` and ``calibration`` come before ``actuals``)."""
    fields: Mapping[str, object] = model
    return cast(Model, {key: fields[key] for key in TOP_LEVEL_KEYS if key in fields})


# Counts a 50 MB file could hold that would cost minutes and gigabytes to validate and compute
# (20,000 classes over 30 years: 1.5 GB and a minute), refused before anything else. No capex plan
# needs more; the window adds classes one at a time, far below these.
MAX_COUNTS = {"asset_classes": 1000, "scenarios": 1000, "uncertainty.inputs": 1000}


def _check_counts(doc: Mapping[str, Any]) -> None:
    """Refuse a document with more classes, scenarios or uncertain inputs than MAX_COUNTS allows."""
    for path, limit in MAX_COUNTS.items():
        value: Any = doc
        for key in path.split("."):
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, list | Mapping) and len(value) > limit:
            raise ModelError(path, f"has {len(value):,} entries; a model holds at most {limit:,}")


def _refuse_version_2_fields(doc: Mapping[str, Any]) -> None:
    """A version 1 file may not hold a field of version 2: it would be read differently."""
    found = [key for key in ("history", "calibration") if key in doc]
    settings, drivers = doc.get("settings"), doc.get("drivers")
    if isinstance(settings, Mapping):
        found += [f"settings.{key}" for key in VERSION_2_SETTINGS if key in settings]
    if isinstance(drivers, Mapping):
        found += [f"drivers.{key}" for key in VERSION_2_DRIVERS if key in drivers]
    classes = doc.get("asset_classes")
    for i, cls in enumerate(classes if isinstance(classes, list) else []):
        if isinstance(cls, Mapping):
            found += [f"asset_classes[{i}].{key}" for key in VERSION_2_CLASS_KEYS if key in cls]
    if found:
        raise ModelError(found[0], 'is a version 2 field: the file needs "version": 2')


def check_history(history: Any, path: str, classes: Sequence[AssetClass]) -> History:
    """``history``: capex of every capitalized class (and no other) in the years before the
    first projection year, oldest first, all rows of one length 1..30."""
    history = check_object(history, path)
    check_keys(history, path, ("capex",))
    rows = check_object(history.get("capex"), f"{path}.capex")
    capitalized = [c["name"] for c in classes if c["treatment"] == "capitalized"]
    for name in rows:
        if name not in capitalized:
            where = f"{path}.capex.{name}"
            if any(c["name"] == name for c in classes):
                raise ModelError(where, "an expensed class has no history: its spending was charged when spent")
            check_keys({name: None}, f"{path}.capex", capitalized)
    for name in capitalized:
        if name not in rows:
            raise ModelError(f"{path}.capex.{name}", "is missing: every capitalized class needs a history row")
    first = rows[capitalized[0]] if capitalized else []
    length = len(first) if isinstance(first, list) else 0
    if not 1 <= length <= MAX_HISTORY:
        raise ModelError(f"{path}.capex.{capitalized[0]}", f"needs 1..{MAX_HISTORY} years of history")
    return {
        "capex": {name: check_series(rows[name], f"{path}.capex.{name}", length, NON_NEGATIVE) for name in capitalized}
    }


def _check_calibration(model: Model, calibration: Any) -> list[CalibrationEntry]:
    """``calibration``: one or two targets, at most one per line (docs/model.md section 3)."""
    targets = [calibration] if isinstance(calibration, Mapping) else calibration
    if not isinstance(targets, list) or not 1 <= len(targets) <= 2:
        raise ModelError("calibration", f"{describe(calibration)} is not one or two targets")
    out: list[CalibrationEntry] = []
    first, last = model["base_year"] + 1, model["base_year"] + model["settings"]["plan_years"]
    for i, target in enumerate(targets):
        path = f"calibration[{i}]"
        target = check_object(target, path)
        check_keys(target, path, CALIBRATION_KEYS)
        for key in CALIBRATION_KEYS:
            if key not in target:
                raise ModelError(f"{path}.{key}", "is missing")
        line = target["line"]
        if not isinstance(line, str) or line not in CALIBRATION_SOLVES:
            raise ModelError(f"{path}.line", f"{describe(line)} is not one of {', '.join(CALIBRATION_SOLVES)}")
        if any(entry["line"] == line for entry in out):
            raise ModelError(f"{path}.line", f"{describe(line)} has a target already")
        bound = Bound(0, None, low_inclusive=False) if line == "total_revenue" else Bound(-1, 1, False, False)
        value = check_number(target["value"], f"{path}.value", bound)
        year = check_integer(target["year"], f"{path}.year", first, last)
        if target["solve"] not in CALIBRATION_SOLVES[line]:
            raise ModelError(
                f"{path}.solve",
                f"{describe(target['solve'])} is not one of "
                f"{', '.join(CALIBRATION_SOLVES[line])} (what {line} can solve)",
            )
        out.append({"line": line, "year": year, "value": value, "solve": target["solve"]})
    return out


def calibrated_paths(model: Model) -> list[str]:
    """The settings the calibration decides (``settings.KEY``): no scenario or analysis sets them."""
    return [target["solve"] for target in model.get("calibration") or []]


def _check_calibration_solves(model: Model) -> None:
    """Every scenario's calibration must be solvable: its solved value obeys its own rule."""
    if not model.get("calibration"):
        return
    from model.engine import compute_plan, plan_arrays  # the engine reads validated models

    for name in scenario_names(model):
        try:
            compute_plan(plan_arrays(apply_scenario(model, name)))
        except ModelError as error:
            where = "" if name == BASE_SCENARIO else f"scenarios.{name}: "
            raise ModelError(f"{where}calibration", error.rule) from None


def _check_asset_classes(classes: Any) -> list[AssetClass]:
    if not isinstance(classes, list) or not classes:
        raise ModelError("asset_classes", f"{describe(classes)} is not a non-empty list of classes")
    out: list[AssetClass] = []
    seen: set[str] = set()
    for i, entry in enumerate(classes):
        path = f"asset_classes[{i}]"
        fields = check_asset_class_fields(check_object(entry, path), path)
        if "name" not in fields:
            raise ModelError(f"{path}.name", "is missing")
        if fields["name"] in seen:
            raise ModelError(f"{path}.name", f"{describe(fields['name'])} is used by another class")
        seen.add(fields["name"])
        out.append(cast(AssetClass, {key: fields[key] for key in ASSET_CLASS_KEYS if key in fields}))
    return out


def _check_cross_rules(model: Model, prefix: str) -> None:
    """The rules that tie fields together (checked again after a scenario's overrides)."""
    settings, horizon, base_year = model["settings"], model["horizon"], model["base_year"]
    if not 1 <= settings["plan_years"] <= horizon:
        raise ModelError(f"{prefix}settings.plan_years", f"{settings['plan_years']} is outside 1..{horizon}")
    if not base_year <= settings["valuation_year"] < base_year + horizon:
        raise ModelError(
            f"{prefix}settings.valuation_year",
            f"{settings['valuation_year']} is outside {base_year}..{base_year + horizon - 1} "
            "(the base year to the year before the last projection year)",
        )
    plan_years = settings["plan_years"]
    classes = model["asset_classes"]
    plan_capex = {c["name"]: sum(model["capex"][c["name"]][:plan_years]) for c in classes}
    if settings["infrastructure_charge"] == "rent" and not any(
        plan_capex[c["name"]] > 0 for c in classes if c["treatment"] == "capitalized" and c["revenue_generating"]
    ):
        raise ModelError(
            f"{prefix}settings.infrastructure_charge",
            '"rent" needs some plan capex in a revenue-generating class (the rent is set per unit of it)',
        )
    reinvestment = model["drivers"].get("reinvestment_rate") or []
    for i, rate in enumerate(reinvestment[plan_years:], start=plan_years):
        if rate is not None and rate > 0 and not any(plan_capex.values()):  # never None: not nullable
            raise ModelError(
                f"{prefix}drivers.reinvestment_rate[{i}]",
                f"{format_number(rate)} needs some plan capex: the plan's class mix splits the follow-on",
            )
    if settings["terminal_method"] == "gordon" and not settings["wacc"] > settings["terminal_growth"]:
        raise ModelError(
            f"{prefix}settings.wacc",
            f"{format_number(settings['wacc'])} must be above terminal_growth "
            f"({format_number(settings['terminal_growth'])}) for the Gordon terminal value",
        )


def _check_actuals(actuals: Any) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for year, lines in check_object(actuals, "actuals").items():
        if not str(year).isdigit():
            raise ModelError(f"actuals.{year}", "is not a fiscal year")
        lines = check_object(lines, f"actuals.{year}")
        check_keys(lines, f"actuals.{year}", LINE_KEYS)
        out[str(year)] = {k: check_number(v, f"actuals.{year}.{k}") for k, v in lines.items()}
    return out


def _check_peers(peers: Any) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for name, lines in check_object(peers, "peers").items():
        check_text(name, "peers")
        lines = check_object(lines, f"peers.{name}")
        check_keys(lines, f"peers.{name}", LINE_KEYS)
        out[name] = {k: check_number(v, f"peers.{name}.{k}") for k, v in lines.items()}
    return out


def _check_sources(model: Model, sources: Any) -> dict[str, Source]:
    out: dict[str, Source] = {}
    for field, source in check_object(sources, "sources").items():
        path = f"sources.{field}"
        if not source_field_exists(model, field):
            raise ModelError(path, "names no input, actual or peer figure of this model")
        source = check_object(source, path)
        check_keys(source, path, ("text", "url", "date"))
        check_text(source.get("text"), f"{path}.text")
        for key in ("url", "date"):
            if key in source and not isinstance(source[key], str):
                raise ModelError(f"{path}.{key}", f"{describe(source[key])} is not text")
        out[field] = cast(Source, dict(source))  # text, and url and date if given, checked above
    return out


def source_field_exists(model: Model, field: str) -> bool:
    """Whether a ``sources`` key names something in the model (``settings.wacc``, ``capex.X``...).

    Besides the paths of section 3, ``uncertainty.TARGET`` explains an uncertain range.
    """
    section, _, rest = field.partition(".")
    if section == "settings":
        return rest in model["settings"]
    if section == "drivers":
        return rest in model["drivers"]
    if section in ("capex", "asset_classes"):
        return rest in model["capex"]
    if section == "history":  # kept while its class exists, so turning it expensed and back loses nothing
        return rest in model["capex"]
    if section == "calibration":
        return bool(model.get("calibration")) and not rest
    if section == "scenarios":
        return rest in model["scenarios"]
    if section in ("actuals", "peers"):
        owner, _, line = rest.rpartition(".")
        figures = model["actuals"] if section == "actuals" else model["peers"]
        return line in figures.get(owner, {})
    if section == "uncertainty" and model["uncertainty"]:
        return rest in (entry["target"] for entry in model["uncertainty"]["inputs"])
    return False


# --------------------------------------------------------------------------- scenarios


# Control characters (tab, line break, C1 controls): a name with one would show as two lines, or
# as a gap, in the scenario selector, the messages and the workbook's sheet names.
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f]")


def check_scenario_name(value: Any) -> str:
    """The rules of a scenario's name (docs/model.md section 3), the model file's and the scenario
    manager's alike: a non-empty line of text, not "Base" in any case (the model itself)."""
    name = check_text(value, "scenarios")
    if name.casefold() == BASE_SCENARIO.casefold():
        same = "" if name == BASE_SCENARIO else f" (and {describe(name)} would be read as it)"
        raise ModelError(f"scenarios.{name}", f'"{BASE_SCENARIO}" is reserved for the model itself{same}')
    if bad := CONTROL_CHARACTER.search(name):
        raise ModelError(
            "scenarios",
            f"{describe(name)} holds the control character U+{ord(bad.group()):04X}: "
            "a scenario name is one line of text without tabs",
        )
    return name


def check_scenario_name_free(scenarios: Mapping[str, Any], name: str, renamed: str | None = None) -> None:
    """Refuse ``name`` when another scenario (not ``renamed``, the one taking it) has it in any
    case: "bull" beside "Bull" reads as a slip, and Excel tells its names apart without case too."""
    folded = name.casefold()
    for other in scenarios:
        if other != renamed and other.casefold() == folded:
            same = "" if other == name else f" ({other!r}, in another case)"
            raise ModelError(f"scenarios.{name}", f"{name!r} is the name of another scenario{same}")


def _check_scenario(model: Model, name: str, overrides: Any) -> ScenarioOverrides:
    path = f"scenarios.{name}"
    check_scenario_name(name)
    overrides = check_object(overrides, path)
    check_keys(overrides, path, SCENARIO_SECTIONS)
    horizon = model["horizon"]
    out: ScenarioOverrides = {}
    if "settings" in overrides:
        settings = check_object(overrides["settings"], f"{path}.settings")
        check_keys(settings, f"{path}.settings", tuple(SETTINGS))
        for key in settings:
            if f"settings.{key}" in calibrated_paths(model):
                raise ModelError(f"{path}.settings.{key}", "is solved by the calibration: a scenario cannot set it")
        out["settings"] = {k: check_setting(k, v, f"{path}.settings.{k}") for k, v in settings.items()}
    if "drivers" in overrides:
        drivers = check_object(overrides["drivers"], f"{path}.drivers")
        check_keys(drivers, f"{path}.drivers", tuple(DRIVERS))
        out["drivers"] = {k: check_driver(k, v, f"{path}.drivers.{k}", horizon) for k, v in drivers.items()}
    if "capex" in overrides:
        capex = check_object(overrides["capex"], f"{path}.capex")
        check_keys(capex, f"{path}.capex", tuple(model["capex"]))
        out["capex"] = {k: check_series(v, f"{path}.capex.{k}", horizon, NON_NEGATIVE) for k, v in capex.items()}
    if "history" in overrides:
        if "history" not in model:
            raise ModelError(f"{path}.history", "the model has no history to override")
        history = check_object(overrides["history"], f"{path}.history")
        check_keys(history, f"{path}.history", ("capex",))
        rows = check_object(history.get("capex"), f"{path}.history.capex")
        check_keys(rows, f"{path}.history.capex", tuple(model["history"]["capex"]))
        length = len(next(iter(model["history"]["capex"].values())))
        out["history"] = {
            "capex": {k: check_series(v, f"{path}.history.capex.{k}", length, NON_NEGATIVE) for k, v in rows.items()}
        }
    if "asset_classes" in overrides:
        classes = check_object(overrides["asset_classes"], f"{path}.asset_classes")
        check_keys(classes, f"{path}.asset_classes", tuple(model["capex"]))
        out["asset_classes"] = {
            k: cast(
                ClassFields,
                check_asset_class_fields(
                    check_object(v, f"{path}.asset_classes.{k}"), f"{path}.asset_classes.{k}", partial=True
                ),
            )
            for k, v in classes.items()
        }
    merged = merge_overrides(model, out)
    for cls in merged["asset_classes"]:
        if cls["treatment"] == "capitalized" and "life" not in cls:
            raise ModelError(
                f"{path}.asset_classes.{cls['name']}.life",
                f"a capitalized class needs a life of {MIN_LIFE}..{MAX_LIFE} years",
            )
    _check_cross_rules(merged, f"{path}: ")
    return out


def merge_overrides(model: Model, overrides: ScenarioOverrides) -> Model:
    """The base model with a scenario's overrides applied (whole arrays, named class fields)."""
    merged = model.copy()
    # Whole settings replace settings of the same key, so the merged settings are still Settings.
    merged["settings"] = cast(Settings, {**model["settings"], **overrides.get("settings", {})})
    merged["drivers"] = {**model["drivers"], **overrides.get("drivers", {})}
    merged["capex"] = {**model["capex"], **overrides.get("capex", {})}
    if "history" in model:
        history_rows = overrides.get("history", {"capex": {}})["capex"]
        merged["history"] = {"capex": {**model["history"]["capex"], **history_rows}}
    class_fields = overrides.get("asset_classes", {})
    merged["asset_classes"] = [_merged_class(cls, class_fields.get(cls["name"], {})) for cls in model["asset_classes"]]
    return merged


def _merged_class(cls: AssetClass, fields: ClassFields) -> AssetClass:
    merged: AssetClass = {**cls, **fields}
    return merged


def scenario_names(model: Model) -> list[str]:
    return [BASE_SCENARIO, *model["scenarios"]]


def apply_scenario(model: Model, scenario: str | None = None) -> Model:
    """The valid model as a scenario sees it; ``None`` or "Base" returns the model itself."""
    if scenario in (None, BASE_SCENARIO):
        return model
    if scenario not in model["scenarios"]:
        known = ", ".join(scenario_names(model))
        raise ModelError("scenario", f"{describe(scenario)} is not a scenario of this model ({known})")
    return merge_overrides(model, model["scenarios"][scenario])


# --------------------------------------------------------------------------- uncertainty


def parse_target(model: Model, target: Any, path: str) -> tuple[str, str]:
    """Split ``settings.wacc`` / ``drivers.KEY`` / ``capex.CLASS`` / ``life.CLASS`` and check it."""
    if not isinstance(target, str) or "." not in target:
        raise ModelError(path, f"{describe(target)} is not a target such as settings.wacc")
    kind, _, key = target.partition(".")
    if kind == "settings" and target in calibrated_paths(model):
        raise ModelError(path, f"{describe(target)} is solved by the calibration: it cannot be moved as well")
    if kind == "settings" and key in NUMERIC_SETTINGS:
        return kind, key
    if kind == "drivers" and key in ENGINE_DRIVERS:
        return kind, key
    if kind == "capex" and key in model["capex"]:
        return kind, key
    if kind in LIFE_KINDS:
        for cls in model["asset_classes"]:
            if cls["name"] == key and cls["treatment"] == "capitalized":
                return kind, key
        raise ModelError(path, f"{describe(target)} names no capitalized asset class")
    options = {
        "settings": NUMERIC_SETTINGS,
        "drivers": ENGINE_DRIVERS,
        "capex": tuple(model["capex"]),
    }.get(kind)
    if options is None:
        raise ModelError(
            path, f"{describe(target)}: the kind must be settings, drivers, capex, life, economic_life or tax_life"
        )
    hint = difflib.get_close_matches(key, list(options), n=1, cutoff=0.5)
    suggestion = f"; did you mean '{kind}.{hint[0]}'?" if hint else ""
    raise ModelError(path, f"{describe(target)} is not a numeric input{suggestion}")


def check_uncertainty(model: Model, section: Any) -> Uncertainty:
    """The ``uncertainty`` section (section 8), normalised with its defaults."""
    section = check_object(section, "uncertainty")
    check_keys(section, "uncertainty", ("trials", "seed", "sampler", "inputs", "correlations"))
    out: Uncertainty = {
        "trials": check_integer(section.get("trials", 10000), "uncertainty.trials", 1, MAX_TRIALS),
        "seed": check_integer(section.get("seed", 0), "uncertainty.seed", 0, 2**32 - 1),
        "sampler": section.get("sampler", "lhs"),
        "inputs": [],
        "correlations": [],
    }
    if out["sampler"] not in SAMPLERS:
        raise ModelError("uncertainty.sampler", f"{describe(out['sampler'])} is not random or lhs")
    inputs = section.get("inputs", [])
    if not isinstance(inputs, list):
        raise ModelError("uncertainty.inputs", f"{describe(inputs)} is not a list")
    for i, entry in enumerate(inputs):
        out["inputs"].append(check_uncertain_input(model, entry, f"uncertainty.inputs[{i}]"))
    targets = [entry["target"] for entry in out["inputs"]]
    for i, target in enumerate(targets):
        if target in targets[:i]:
            raise ModelError(f"uncertainty.inputs[{i}].target", f"{describe(target)} is listed twice")
    out["correlations"] = _check_correlations(section.get("correlations", []), targets)
    return out


def check_uncertain_input(model: Model, entry: Any, path: str) -> UncertainInput:
    entry = check_object(entry, path)
    kind, _ = parse_target(model, entry.get("target"), f"{path}.target")
    dist = entry.get("dist")
    if not isinstance(dist, str) or dist not in DISTRIBUTIONS:
        raise ModelError(f"{path}.dist", f"{describe(dist)} is not one of {', '.join(DISTRIBUTIONS)}")
    params = DISTRIBUTIONS[dist]
    check_keys(entry, path, ("target", "dist", "apply", *params))
    apply = entry.get("apply", DEFAULT_APPLY[kind])
    if apply not in APPLY_MODES:
        raise ModelError(f"{path}.apply", f"{describe(apply)} is not set, shift or scale")
    values: dict[str, float] = {}
    for param in params:
        if param not in entry:
            raise ModelError(f"{path}.{param}", f"is missing: {dist} needs {', '.join(params)}")
        values[param] = check_number(entry[param], f"{path}.{param}")
    for spread in ("sd", "sigma"):
        if spread in values and values[spread] < 0:
            raise ModelError(f"{path}.{spread}", f"{format_number(values[spread])} is below 0")
    if "mode" in values and not values["low"] <= values["mode"] <= values["high"]:
        raise ModelError(f"{path}.mode", "low ≤ mode ≤ high is not true")
    if "low" in values and not values["low"] <= values["high"]:
        raise ModelError(f"{path}.high", f"{format_number(values['high'])} is below low")
    # The parameters of DISTRIBUTIONS[dist], each checked above.
    return cast(UncertainInput, {"target": entry["target"], "dist": dist, "apply": apply, **values})


def _check_correlations(correlations: Any, targets: list[str]) -> list[list[Any]]:
    path = "uncertainty.correlations"
    if not isinstance(correlations, list):
        raise ModelError(path, f"{describe(correlations)} is not a list")
    out: list[list[Any]] = []
    for i, entry in enumerate(correlations):
        where = f"{path}[{i}]"
        if not isinstance(entry, list) or len(entry) != 3:
            raise ModelError(where, "is not [target, target, correlation]")
        first, second, rho = entry
        for target in (first, second):
            if target not in targets:
                raise ModelError(where, f"{describe(target)} is not an uncertain input")
        if first == second:
            raise ModelError(where, "a target cannot be correlated with itself")
        check_number(rho, f"{where}[2]", Bound(-1, 1))
        out.append([first, second, rho])
    if out and np.linalg.eigvalsh(_correlation_matrix(targets, out)).min() < -1e-10:
        raise ModelError(path, "the correlations are not consistent (the matrix is not positive semi-definite)")
    return out


def _correlation_matrix(targets: list[str], correlations: list[list[Any]]) -> NDArray[np.float64]:
    matrix = np.eye(len(targets))
    for first, second, rho in correlations:
        a, b = targets.index(first), targets.index(second)
        matrix[a, b] = matrix[b, a] = rho
    return matrix


def correlation_matrix(uncertainty: Uncertainty) -> NDArray[np.float64]:
    """The target correlation matrix of a validated uncertainty section, in input order."""
    return _correlation_matrix([entry["target"] for entry in uncertainty["inputs"]], uncertainty["correlations"])
