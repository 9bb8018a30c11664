"""Every scenario side by side: the figures compared and the inputs each scenario overrides.

The window's Scenarios view and any sheet that compares scenarios read from here, so they agree
on which KPIs and lines are compared and on how an override is named in words. Values are in
model units (money in the model's currency and unit, rates as decimals); formatting is the
caller's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from model.document import Model
from model.engine import Results, compute
from model.outputs import KPIS, LINES, Unit
from model.schema import ASSET_CLASS_KEYS, DRIVERS, SETTINGS
from model.validation import scenario_names

COMPARED_KPIS = (
    "npv",
    "irr",
    "payback_years",
    "discounted_payback_years",
    "npv_per_share",
    "peak_funding",
    "moic",
    "profitability_index",
    "total_capex",
)
COMPARED_LINES = ("total_revenue", "ebita_margin")
COMPARED_YEARS = 3  # the first projection years, where the reported figures and guidance sit

# How a class field reads in words, and its unit (lives and lag are whole years).
CLASS_FIELD_WORDS = {
    "life": "book life",
    "economic_life": "economic life",
    "lag": "years from spending to service",
    "tax_life": "tax life",
    "revenue_generating": "earns revenue",
}
CLASS_FIELD_UNITS = {"life": "years", "economic_life": "years", "lag": "years", "tax_life": "years"}


@dataclass(frozen=True)
class ComparedFigure:
    """A KPI (``year`` None) or one fiscal year of an output line, as compared across scenarios."""

    key: str
    year: int | None
    label: str
    unit: Unit

    def value(self, results: Results) -> float | None:
        """The figure in ``results``; None where it is undefined (no IRR, no payback, NaN)."""
        if self.year is None:
            return results.kpis[self.key]
        value = float(results.line(self.key)[results.years.index(self.year)])
        return None if math.isnan(value) else value


def compared_figures(model: Model) -> tuple[ComparedFigure, ...]:
    """The KPIs of COMPARED_KPIS, then each line of COMPARED_LINES in the first projection years."""
    years = [model["base_year"] + t for t in range(1, min(COMPARED_YEARS, model["horizon"]) + 1)]
    kpis = [ComparedFigure(key, None, KPIS[key].label, KPIS[key].unit) for key in COMPARED_KPIS]
    lines = [
        ComparedFigure(key, year, f"{LINES[key].label} FY{year}", LINES[key].unit)
        for key in COMPARED_LINES
        for year in years
    ]
    return (*kpis, *lines)


def scenario_results(model: Model, known: Mapping[str, Results] | None = None) -> dict[str, Results]:
    """The results of Base and of every scenario, in the model's order; ``known`` results (of
    this same model) are reused instead of computed again."""
    known = known or {}
    return {name: known[name] if name in known else compute(model, name) for name in scenario_names(model)}


@dataclass(frozen=True)
class OverriddenInput:
    """One input that at least one scenario overrides.

    ``path`` is the field as the model file names it (``drivers.utilization``,
    ``asset_classes.CLASS.economic_life``), ``label`` the same in words, ``unit`` one of the
    model's units ("money", "%", "x", "years", "RMB/USD", "") or "bool", "choice", "integer".
    ``base`` is the Base value (a number, a row of numbers, a bool or a choice) and ``values``
    each overriding scenario's value, in the model's scenario order.
    """

    path: str
    label: str
    unit: str
    base: Any
    values: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_row(self) -> bool:
        """A value per year (a driver, capex or history row) rather than one number."""
        return isinstance(self.base, list)


def overridden_inputs(model: Model) -> list[OverriddenInput]:
    """Every input some scenario overrides: settings, drivers, capex rows, history rows, then
    class fields, each in the order the model lists them."""
    scenarios: Mapping[str, Mapping[str, Any]] = model["scenarios"]

    def overriding(section: str, key: str) -> dict[str, Any]:
        found = {}
        for name, sections in scenarios.items():
            rows = sections.get(section, {})
            rows = rows.get("capex", {}) if section == "history" else rows
            if key in rows:
                found[name] = rows[key]
        return found

    inputs: list[OverriddenInput] = []
    settings: dict[str, Any] = dict(model["settings"])
    for key, setting in SETTINGS.items():
        if values := overriding("settings", key):
            unit = setting.unit if setting.kind == "number" else setting.kind
            inputs.append(OverriddenInput(f"settings.{key}", setting.label, unit, settings[key], values))
    for key, spec in DRIVERS.items():
        if values := overriding("drivers", key):
            base = model["drivers"].get(key) or [None] * model["horizon"]
            inputs.append(OverriddenInput(f"drivers.{key}", spec.label, spec.unit, list(base), values))
    for name, row in model["capex"].items():
        if values := overriding("capex", name):
            inputs.append(OverriddenInput(f"capex.{name}", f"Capex, {name}", "money", list(row), values))
    history = model["history"]["capex"] if model.get("history") else {}
    for name, row in history.items():
        if values := overriding("history", name):
            label = f"Installed capex (history), {name}"
            inputs.append(OverriddenInput(f"history.{name}", label, "money", list(row), values))
    for cls in model["asset_classes"]:
        fields = overriding("asset_classes", cls["name"])
        for key in ASSET_CLASS_KEYS:
            values = {scenario: changed[key] for scenario, changed in fields.items() if key in changed}
            if values:
                inputs.append(
                    OverriddenInput(
                        f"asset_classes.{cls['name']}.{key}",
                        f"{cls['name']}: {CLASS_FIELD_WORDS.get(key, key)}",
                        CLASS_FIELD_UNITS.get(key, "bool"),
                        class_field(cls, key),
                        values,
                    )
                )
    return inputs


def class_field(cls: Mapping[str, Any], key: str) -> Any:
    """A class field as it is in force: an absent economic or tax life follows the book life,
    an absent lag is 0 (docs/model.md section 3)."""
    if key in cls:
        return cls[key]
    if key in ("economic_life", "tax_life"):
        return cls.get("life")
    return 0 if key == "lag" else None
