"""The vocabulary of a model file: its keys, their defaults, their units and their limits.

This module is the single place that knows which settings and drivers exist, the order of the
output lines and KPIs, and the numeric rules of docs/model.md section 3. Validation, the window's
editors and the Monte Carlo validity check all read their limits from here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import get_args

import numpy as np
from numpy.typing import NDArray

from model.document import NumericSetting

FORMAT = "capex-model"
VERSION = 2
VERSIONS = (1, 2)
MIN_HORIZON, MAX_HORIZON = 3, 30
MIN_LIFE, MAX_LIFE = 1, 50
MAX_LAG = 5
MAX_HISTORY = 30
BASE_SCENARIO = "Base"

TERMINAL_METHODS = ("none", "book_value", "gordon", "exit_multiple")
INFRASTRUCTURE_CHARGES = ("cohort", "rent")
TREATMENTS = ("capitalized", "expensed")


@dataclass(frozen=True)
class Bound:
    """An interval a number must lie in; ``None`` means unbounded on that side."""

    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True

    def violation(self, value: float) -> str | None:
        """The broken rule as text (``"1.4 is above 1"``), or None when ``value`` is allowed."""
        shown = format_number(value)
        if self.low is not None:
            if value < self.low:
                return f"{shown} is below {format_number(self.low)}"
            if value == self.low and not self.low_inclusive:
                return f"{shown} must be above {format_number(self.low)}"
        if self.high is not None:
            if value > self.high:
                return f"{shown} is above {format_number(self.high)}"
            if value == self.high and not self.high_inclusive:
                return f"{shown} must be below {format_number(self.high)}"
        return None

    def contains(self, values: NDArray[np.float64]) -> NDArray[np.bool_]:
        """Element-wise ``violation(v) is None`` for arrays (used on Monte Carlo trials)."""
        ok: NDArray[np.bool_] = np.isfinite(values)
        if self.low is not None:
            ok &= values >= self.low if self.low_inclusive else values > self.low
        if self.high is not None:
            ok &= values <= self.high if self.high_inclusive else values < self.high
        return ok


def format_number(value: float) -> str:
    """Short, exact-enough text for a number in an error message (1.4, -0.2, 12)."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.10g}"


ANY = Bound()
NON_NEGATIVE = Bound(low=0)
FRACTION = Bound(low=0, high=1, high_inclusive=False)
ABOVE_MINUS_ONE = Bound(low=-1, low_inclusive=False)


@dataclass(frozen=True)
class SettingSpec:
    """One key of ``settings``: its default, kind, limits, unit for display and meaning.

    ``kind`` is "number", "integer" (a whole number whose range depends on the model: plan_years,
    valuation_year), "bool" or "choice" (one of ``choices``). A ``default`` of None means the
    default depends on the model (plan_years = horizon, valuation_year = base_year).
    ``required`` settings must be in every version 2 file (docs/model.md section 3); a version 1
    file takes ``default`` for any setting it lacks, as it always did.
    """

    default: float | bool | str | None
    kind: str
    bound: Bound = ANY
    unit: str = ""  # "%", "x", "money", "RMB/USD", "" (plain number)
    label: str = ""
    required: bool = False
    choices: tuple[str, ...] = ()


SETTINGS: dict[str, SettingSpec] = {
    "wacc": SettingSpec(0.10, "number", ABOVE_MINUS_ONE, "%", "Discount rate (WACC)", True),
    "tax_rate": SettingSpec(0.15, "number", FRACTION, "%", "Tax rate on plan EBITA", True),
    "mid_year": SettingSpec(False, "bool", label="Mid-year discounting", required=True),
    "terminal_method": SettingSpec(
        "book_value", "choice", label="Terminal value method", required=True, choices=TERMINAL_METHODS
    ),
    "terminal_growth": SettingSpec(0.03, "number", ANY, "%", "Terminal growth (Gordon)"),
    "exit_multiple": SettingSpec(12.0, "number", NON_NEGATIVE, "x", "Exit multiple of plan EBITA"),
    "nwc_pct": SettingSpec(0.05, "number", Bound(-1, 1), "%", "Working capital, % of plan revenue", True),
    "fx_rmb_per_usd": SettingSpec(
        7.20, "number", Bound(0, None, low_inclusive=False), "RMB/USD", "FX rate (display only)"
    ),
    "base_core_revenue": SettingSpec(
        100.0, "number", Bound(0, None, low_inclusive=False), "money", "Core revenue in base year", True
    ),
    "ai_revenue_yield": SettingSpec(0.60, "number", NON_NEGATIVE, "x", "AI revenue per compute unit at full use", True),
    "ai_cash_opex_rate": SettingSpec(0.07, "number", NON_NEGATIVE, "%", "AI cash opex, % of capex in service", True),
    "ai_variable_cost_pct": SettingSpec(0.12, "number", FRACTION, "%", "AI variable cost, % of AI revenue", True),
    "pull_through": SettingSpec(0.50, "number", NON_NEGATIVE, "x", "Other cloud revenue per unit of AI revenue", True),
    "plan_years": SettingSpec(None, "integer", label="Plan years (the rest is follow-on)"),
    "valuation_year": SettingSpec(None, "integer", label="Valuation year (earlier flows are sunk)"),
    "shares_outstanding": SettingSpec(0.0, "number", NON_NEGATIVE, "", "Shares outstanding (0: not shown)"),
    "infrastructure_charge": SettingSpec(
        "cohort", "choice", label="Buildings and power charged by", choices=INFRASTRUCTURE_CHARGES
    ),
}
REQUIRED_SETTINGS = tuple(k for k, spec in SETTINGS.items() if spec.required)
# Settings that are part of the version 2 format: a version 1 file holding one is refused.
VERSION_2_SETTINGS = ("plan_years", "valuation_year", "shares_outstanding", "infrastructure_charge")
# The settings of kind "number", in the order of SETTINGS (model.document checks the two agree).
NUMERIC_SETTINGS: tuple[NumericSetting, ...] = get_args(NumericSetting)


@dataclass(frozen=True)
class DriverSpec:
    """One key of ``drivers``: a number per projection year."""

    bound: Bound
    unit: str
    label: str
    required: bool = True
    nullable: bool = False


DRIVERS: dict[str, DriverSpec] = {
    "core_growth": DriverSpec(ABOVE_MINUS_ONE, "%", "Core revenue growth"),
    "core_ebita_margin": DriverSpec(Bound(-1, 1), "%", "Core EBITA margin"),
    "utilization": DriverSpec(Bound(0, 1), "%", "Utilization of capacity"),
    "price_change": DriverSpec(ABOVE_MINUS_ONE, "%", "Price change per year"),
    "compute_cost_change": DriverSpec(ABOVE_MINUS_ONE, "%", "Cost of compute, change per year", False),
    "reinvestment_rate": DriverSpec(Bound(0, 2), "%", "Follow-on capex, % of prior-year revenue", False),
    "cloud_market": DriverSpec(NON_NEGATIVE, "money", "Cloud market size", False, True),
}
REQUIRED_DRIVERS = tuple(k for k, spec in DRIVERS.items() if spec.required)
# Drivers of one number per year that default to zeros and that the engine reads.
ENGINE_DRIVERS = (*REQUIRED_DRIVERS, "compute_cost_change", "reinvestment_rate")
VERSION_2_DRIVERS = ("compute_cost_change", "reinvestment_rate")


TOP_LEVEL_KEYS = (
    "format",
    "version",
    "name",
    "currency",
    "unit",
    "base_year",
    "horizon",
    "settings",
    "asset_classes",
    "capex",
    "drivers",
    "history",
    "calibration",
    "actuals",
    "peers",
    "scenarios",
    "uncertainty",
    "sources",
)
REQUIRED_TOP_LEVEL = ("format", "version", "name", "base_year", "horizon", "asset_classes", "capex", "drivers")
ASSET_CLASS_KEYS = ("name", "treatment", "life", "economic_life", "lag", "tax_life", "revenue_generating")
# What an analyst calls each field of an asset class (the window's columns, the workbook's headers).
ASSET_CLASS_LABELS = {
    "name": "Class",
    "treatment": "Treatment",
    "life": "Book life",
    "economic_life": "Economic life",
    "lag": "Lag",
    "tax_life": "Tax life",
    "revenue_generating": "Earns revenue",
}
VERSION_2_CLASS_KEYS = ("economic_life", "lag", "tax_life")
SCENARIO_SECTIONS = ("settings", "drivers", "capex", "history", "asset_classes")

# Calibration (docs/model.md section 4a): each line a target can pin, and the settings it may solve.
CALIBRATION_SOLVES = {
    "total_revenue": ("settings.ai_revenue_yield", "settings.base_core_revenue"),
    "ebita_margin": ("settings.ai_cash_opex_rate", "settings.ai_variable_cost_pct"),
}
CALIBRATION_KEYS = ("line", "year", "value", "solve")

# Uncertainty (section 8).
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mean", "sd"),
    "lognormal": ("mu", "sigma"),
    "triangular": ("low", "mode", "high"),
    "pert": ("low", "mode", "high"),
    "uniform": ("low", "high"),
}
SAMPLERS = ("random", "lhs")
APPLY_MODES = ("set", "shift", "scale")
LIFE_KINDS = ("life", "economic_life", "tax_life")  # book, economic and tax life targets
TARGET_KINDS = ("settings", "drivers", "capex", *LIFE_KINDS)
DEFAULT_APPLY = {"settings": "set", "drivers": "shift", "capex": "scale"} | {kind: "set" for kind in LIFE_KINDS}
MAX_TRIALS = 1_000_000
