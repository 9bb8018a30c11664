"""Bad models, made from a seed: every rule of the model file (docs section 3) broken, extreme
numbers, wrong types, huge arrays, control characters and version 2 fields in version 1 files.

``bad_models()`` lists named, deliberate breaks (one per rule); ``fuzz_case(seed, index)`` makes
the fuzz runner's case number ``index``, the same on every machine and every run.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tests.factories import model_doc

ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "resources" / "models" / "alibaba_380bn.json"
EXTREMES: list[Any] = [1e308, -1e308, 1e-308, -1e-308, 5e-324, 0.0, -0.0, 1e18, -1.0, 2.0, 10**30, 2**63]
WRONG_TYPES: list[Any] = [None, True, "0.1", "", [], {}, [1.0], {"a": 1}, "NaN", "=1+1"]
CONTROL_TEXT = ["\x1b[31mred\x1b[0m", "tab\tand\nnewline", "\x00nul", "\u202eevil", "\x7f\x9b", "\ud800"]
RAW_LITERALS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 5000]
MARK = "\x00literal\x00"


def bundled() -> dict:
    return json.loads(BUNDLED.read_text(encoding="utf-8"))


def small(horizon: int = 4, method: str = "exit_multiple") -> dict:
    doc = model_doc(horizon)
    doc["settings"].update(terminal_method=method, exit_multiple=10.0, terminal_growth=0.02)
    doc["uncertainty"] = {
        "trials": 100,
        "seed": 1,
        "inputs": [{"target": "settings.wacc", "dist": "triangular", "low": 0.08, "mode": 0.1, "high": 0.12}],
    }
    return doc


def seeds() -> list[dict]:
    return [bundled(), small(), small(3, "gordon"), small(6, "book_value"), small(3, "none")]


def _set(doc: dict, path: tuple, value: Any) -> dict:
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


def _drop(doc: dict, path: tuple) -> dict:
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return doc


def bad_models() -> Iterator[tuple[str, dict]]:
    """(name, document) for one break of each rule of section 3, on a small version 1 model."""
    base = small()
    yield "format", _set(base, ("format",), "capex")
    yield "newer version", _set(base, ("version",), 3)
    yield "version as text", _set(base, ("version",), "1")
    yield "horizon 2", _set(base, ("horizon",), 2)
    yield "horizon 31", _set(base, ("horizon",), 31)
    yield "horizon float", _set(base, ("horizon",), 4.5)
    yield "base_year text", _set(base, ("base_year",), "2025")
    yield "short array", _set(base, ("drivers", "utilization"), [1.0] * 3)
    yield "long array", _set(base, ("drivers", "utilization"), [1.0] * 5)
    yield "huge array", _set(base, ("drivers", "utilization"), [1.0] * 200_000)
    yield "string in array", _set(base, ("drivers", "utilization", 1), "0.5")
    yield "null in array", _set(base, ("drivers", "core_growth", 1), None)
    yield "empty class name", _set(base, ("asset_classes", 0, "name"), "")
    yield "duplicate class", _set(base, ("asset_classes",), base["asset_classes"] * 2)
    yield "bad treatment", _set(base, ("asset_classes", 0, "treatment"), "leased")
    yield "life 0", _set(base, ("asset_classes", 0, "life"), 0)
    yield "life 51", _set(base, ("asset_classes", 0, "life"), 51)
    yield "life 2.5", _set(base, ("asset_classes", 0, "life"), 2.5)
    yield "capex undeclared class", _set(base, ("capex", "Ghost"), [1.0] * 4)
    yield "capex missing class", _set(base, ("capex",), {})
    yield "negative capex", _set(base, ("capex", "Servers", 0), -1.0)
    yield "wacc -1", _set(base, ("settings", "wacc"), -1.0)
    yield "gordon wacc below growth", _set(small(4, "gordon"), ("settings", "terminal_growth"), 0.2)
    yield "tax_rate 1", _set(base, ("settings", "tax_rate"), 1.0)
    yield "variable cost -0.1", _set(base, ("settings", "ai_variable_cost_pct"), -0.1)
    yield "nwc 1.5", _set(base, ("settings", "nwc_pct"), 1.5)
    yield "utilization 1.4", _set(base, ("drivers", "utilization", 2), 1.4)
    yield "core_growth -1", _set(base, ("drivers", "core_growth", 0), -1.0)
    yield "price_change -1", _set(base, ("drivers", "price_change", 0), -1.0)
    yield "margin 1.5", _set(base, ("drivers", "core_ebita_margin", 0), 1.5)
    yield "base revenue 0", _set(base, ("settings", "base_core_revenue"), 0.0)
    yield "negative yield", _set(base, ("settings", "ai_revenue_yield"), -0.1)
    yield "negative exit multiple", _set(base, ("settings", "exit_multiple"), -1.0)
    yield "fx 0", _set(base, ("settings", "fx_rmb_per_usd"), 0.0)
    yield "terminal method", _set(base, ("settings", "terminal_method"), "perpetuity")
    yield "cloud market negative", _set(base, ("drivers", "cloud_market"), [-1.0, None, 0, 1.0])
    yield "unknown key", _set(base, ("settingz",), {})
    yield "unknown key with escapes", _set(base, ("\x1b[2J\x1b[31mowned",), 1)
    yield "unknown setting", _set(base, ("settings", "wac"), 0.1)
    yield "missing setting", _drop(_set(base, ("version",), 2), ("settings", "wacc"))
    yield "scenario Base", _set(base, ("scenarios",), {"Base": {"settings": {"wacc": 0.2}}})
    yield "scenario bad class", _set(base, ("scenarios",), {"S": {"capex": {"Ghost": [1.0] * 4}}})
    yield "scenario bad value", _set(base, ("scenarios",), {"S": {"settings": {"tax_rate": 2.0}}})
    target = {"line": "total_revenue", "year": 2026, "value": 100.0, "solve": "settings.ai_revenue_yield"}
    for field, value in (("history", {"capex": {"Servers": [1.0]}}), ("calibration", [target])):
        yield f"version 1 with {field}", _set(base, (field,), value)
    yield "version 1 with plan_years", _set(base, ("settings", "plan_years"), 2)
    yield "version 1 with lag", _set(base, ("asset_classes", 0, "lag"), 1)
    v2 = _set(base, ("version",), 2)
    yield "plan_years 0", _set(v2, ("settings", "plan_years"), 0)
    yield "plan_years over H", _set(v2, ("settings", "plan_years"), 5)
    yield "valuation_year out", _set(v2, ("settings", "valuation_year"), 2040)
    yield "shares negative", _set(v2, ("settings", "shares_outstanding"), -1.0)
    yield "charge", _set(v2, ("settings", "infrastructure_charge"), "lease")
    yield "lag 6", _set(v2, ("asset_classes", 0, "lag"), 6)
    yield "tax_life 51", _set(v2, ("asset_classes", 0, "tax_life"), 51)
    yield "economic_life 0", _set(v2, ("asset_classes", 0, "economic_life"), 0)
    yield "reinvestment 3", _set(v2, ("drivers", "reinvestment_rate"), [0.0, 0.0, 0.0, 3.0])
    yield "history of 31 years", _set(v2, ("history",), {"capex": {"Servers": [1.0] * 31}})
    yield "history of no class", _set(v2, ("history",), {"capex": {"Ghost": [1.0]}})
    yield "calibration 3 targets", _set(v2, ("calibration",), [{"line": "total_revenue"}] * 3)
    yield (
        "calibration year out",
        _set(
            v2,
            ("calibration",),
            [{"line": "total_revenue", "year": 2040, "value": 100.0, "solve": "settings.ai_revenue_yield"}],
        ),
    )
    for i, text in enumerate(CONTROL_TEXT):
        yield f"control text {i} in name", _set(base, ("name",), text)
        yield f"control text {i} as class", _set(base, ("asset_classes", 0, "name"), text)
    for value in EXTREMES:
        for path in (("settings", "wacc"), ("settings", "exit_multiple"), ("capex", "Servers", 0)):
            yield f"{'.'.join(map(str, path))}={value!r}", _set(base, path, value)
    for value in WRONG_TYPES:
        for path in (("settings", "wacc"), ("drivers", "utilization"), ("asset_classes",), ("horizon",)):
            yield f"{'.'.join(map(str, path))}={value!r}", _set(base, path, value)


def raw_literal_files() -> Iterator[tuple[str, bytes]]:
    """Files JSON itself cannot express as values: NaN, infinities, overlong numbers, deep nesting."""
    base = small()
    for literal in RAW_LITERALS:
        text = json.dumps(_set(base, ("settings", "wacc"), MARK)).replace(json.dumps(MARK), literal)
        yield f"wacc {literal[:12]}", text.encode()
    deep = "[" * 100_000 + "]" * 100_000
    yield "nested 100,000 deep", json.dumps(_set(base, ("peers",), MARK)).replace(json.dumps(MARK), deep).encode()
    yield "repeated key", b'{"format": "capex-model", "format": "capex-model"}'
    yield "not UTF-8", b'{"name": "\xff\xfe"}'
    yield "lone surrogate", json.dumps(_set(base, ("name",), "\ud800")).encode()
    yield "empty", b""
    yield "truncated", json.dumps(base).encode()[:200]


# --------------------------------------------------------------------------- the fuzz cases


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list) and len(value) < 64:
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def mutate(rng: random.Random, doc: dict) -> bytes:
    """One to three structural mutations, serialised; raw literals spliced in as text."""
    literals: list[str] = []
    for _ in range(rng.choice((1, 1, 2, 3))):
        path = rng.choice(_paths(doc))
        kind = rng.randrange(8)
        if not path:
            continue
        if kind == 0:
            doc = _set(doc, path, copy.deepcopy(rng.choice(WRONG_TYPES)))
        elif kind == 1:
            doc = _drop(doc, path)
        elif kind == 2:
            literals.append(rng.choice(RAW_LITERALS))
            doc = _set(doc, path, MARK)
        elif kind in (3, 4):
            doc = _set(doc, path, rng.choice(EXTREMES))
        elif kind == 5:
            doc = _set(doc, path, rng.choice(CONTROL_TEXT))
        elif kind == 6:
            value = _get(doc, path)
            if isinstance(value, list) and value:
                doc = _set(doc, path, rng.choice((value[:-1], [*value, value[-1]], value * 5000)))
        else:
            value = _get(doc, path)
            if isinstance(value, dict):
                doc = _set(doc, (*path, rng.choice(("extra", "wacc ", "\x1b[0m", "Settings"))), 1)
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    for literal in literals:
        text = text.replace(json.dumps(MARK), literal, 1)
    return text.encode("utf-8", "surrogatepass")


def _get(doc: Any, path: tuple) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def flip_bytes(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.choice((1, 4, 32))):
        at = rng.randrange(len(data))
        data[at : at + 1] = rng.choice((b"{", b"]", b'"', b"\\", b"\xff", b"", bytes([rng.randrange(256)])))
    return bytes(data)


ANALYSIS_ARGS: list[list[str]] = [
    [],
    [],
    ["--analysis", "tornado"],
    ["--analysis", "montecarlo", "--trials", "64", "--seed", "3"],
    ["--analysis", "grid", "--x", "settings.wacc=0.05,0.1,1e308", "--y", "settings.tax_rate=0,0.5"],
    ["--analysis", "grid", "--x", "settings.pull_through=0,1", "--y", "drivers.utilization=-1,0,1", "--metric", "irr"],
    ["--analysis", "breakeven", "--target", "settings.ai_revenue_yield", "--goal", "npv=0", "--range", "0,1e308"],
    ["--analysis", "breakeven", "--target", "settings.wacc", "--goal", "irr=0.1", "--range=-0.5,5"],
]


def fuzz_case(seed: int, index: int, sources: list[dict] | None = None) -> tuple[bytes, list[str]]:
    """Case ``index`` of the run ``seed``: a model file's bytes and the command-line options."""
    rng = random.Random(seed * 1_000_003 + index)
    sources = sources if sources is not None else seeds()
    doc = copy.deepcopy(rng.choice(sources))
    data = mutate(rng, doc)
    if rng.random() < 0.15:
        data = flip_bytes(rng, data)
    return data, list(rng.choice(ANALYSIS_ARGS))
