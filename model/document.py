"""The model document as typed structures: what ``validate_model`` returns and the engine reads.

A model file is plain JSON (docs/model.md section 3). Two types stand for it in the code:

* ``Document``: any JSON object, valid or not: what a file parses to, and what an edit changes
  in place before ``validate_model`` checks it again.
* ``Model``: a valid, normalised document, every default filled in. Its parts are the TypedDicts
  below, one per object of the file: ``Settings``, ``AssetClass``, ``CalibrationEntry``,
  ``History``, ``ScenarioOverrides``, ``Uncertainty`` with its ``UncertainInput`` list, and
  ``Source``.

The keys and choices are also listed in ``model.schema`` with their limits; the two agree:

>>> from typing import get_args
>>> from model import schema
>>> from model.schema import ASSET_CLASS_KEYS, CALIBRATION_KEYS, SETTINGS, TOP_LEVEL_KEYS
>>> list(Settings.__annotations__) == list(SETTINGS)
True
>>> [get_args(TerminalMethod), get_args(InfrastructureCharge), get_args(Treatment)] == [
...     schema.TERMINAL_METHODS, schema.INFRASTRUCTURE_CHARGES, schema.TREATMENTS]
True
>>> [get_args(Distribution), get_args(Sampler), get_args(ApplyMode)] == [
...     tuple(schema.DISTRIBUTIONS), schema.SAMPLERS, schema.APPLY_MODES]
True
>>> list(get_args(NumericSetting)) == [key for key, spec in SETTINGS.items() if spec.kind == "number"]
True
>>> list(AssetClass.__annotations__) == list(ASSET_CLASS_KEYS)
True
>>> list(CalibrationEntry.__annotations__) == list(CALIBRATION_KEYS)
True
>>> list(Model.__annotations__) == list(TOP_LEVEL_KEYS)
True
"""

from __future__ import annotations

import copy
from typing import Any, Literal, NotRequired, Required, TypedDict, cast

Document = dict[str, Any]
"""A JSON object that may break any rule: a parsed file, or a model being edited."""

TerminalMethod = Literal["none", "book_value", "gordon", "exit_multiple"]
InfrastructureCharge = Literal["cohort", "rent"]
Treatment = Literal["capitalized", "expensed"]
Distribution = Literal["normal", "lognormal", "triangular", "pert", "uniform"]
Sampler = Literal["random", "lhs"]
ApplyMode = Literal["set", "shift", "scale"]

NumericSetting = Literal[
    "wacc",
    "tax_rate",
    "terminal_growth",
    "exit_multiple",
    "nwc_pct",
    "fx_rmb_per_usd",
    "base_core_revenue",
    "ai_revenue_yield",
    "ai_cash_opex_rate",
    "ai_variable_cost_pct",
    "pull_through",
    "shares_outstanding",
]
"""The settings that are numbers (``model.schema.NUMERIC_SETTINGS``, in the order of ``SETTINGS``)."""

SettingValue = float | bool | str
"""One setting's value: a number (an int is a float to the type checker), a flag or a choice."""

Series = list[float]
"""One number per year: a capex or history row."""

DriverSeries = list[float | None]
"""A driver's numbers by projection year; only the optional ``cloud_market`` holds nulls."""


class Settings(TypedDict):
    """``settings``: every key present once validated (absent ones take their defaults)."""

    wacc: float
    tax_rate: float
    mid_year: bool
    terminal_method: TerminalMethod
    terminal_growth: float
    exit_multiple: float
    nwc_pct: float
    fx_rmb_per_usd: float
    base_core_revenue: float
    ai_revenue_yield: float
    ai_cash_opex_rate: float
    ai_variable_cost_pct: float
    pull_through: float
    plan_years: int
    valuation_year: int
    shares_outstanding: float
    infrastructure_charge: InfrastructureCharge


class ClassFields(TypedDict, total=False):
    """The fields of an asset class a scenario may override (``scenarios.S.asset_classes.CLASS``).

    An absent ``economic_life`` or ``tax_life`` follows the book ``life``; an expensed class may
    have no life.
    """

    life: int
    economic_life: int
    lag: int
    tax_life: int
    revenue_generating: bool


class AssetClass(TypedDict, total=False):
    """One entry of ``asset_classes``: a name, a treatment and the fields of ``ClassFields``."""

    name: Required[str]
    treatment: Required[Treatment]
    life: int
    economic_life: int
    lag: int
    tax_life: int
    revenue_generating: Required[bool]


class CalibrationEntry(TypedDict):
    """One target of ``calibration``: ``line`` in fiscal ``year`` equals ``value``, by solving
    the setting ``solve`` (a path such as ``settings.ai_revenue_yield``)."""

    line: str
    year: int
    value: float
    solve: str


class History(TypedDict):
    """``history``: the capex of every capitalized class in the years before year 1, oldest first."""

    capex: dict[str, Series]


class ScenarioOverrides(TypedDict, total=False):
    """One entry of ``scenarios``: whole setting values, driver and capex rows, history rows and
    named class fields that replace the model's own."""

    settings: dict[str, SettingValue]
    drivers: dict[str, DriverSeries]
    capex: dict[str, Series]
    history: History
    asset_classes: dict[str, ClassFields]


class UncertainInput(TypedDict, total=False):
    """One entry of ``uncertainty.inputs``: the target it moves, its distribution and how a drawn
    value is applied; the parameters present are those of ``model.schema.DISTRIBUTIONS[dist]``."""

    target: Required[str]
    dist: Required[Distribution]
    apply: Required[ApplyMode]
    mean: float
    sd: float
    mu: float
    sigma: float
    low: float
    mode: float
    high: float


class Uncertainty(TypedDict):
    """``uncertainty`` (docs/model.md section 8), its defaults filled in. A correlation is
    ``[target, target, rho]``."""

    trials: int
    seed: int
    sampler: Sampler
    inputs: list[UncertainInput]
    correlations: list[list[Any]]


class Source(TypedDict, total=False):
    """One entry of ``sources``: where a number came from."""

    text: Required[str]
    url: str
    date: str


class Model(TypedDict):
    """A valid model (``validate_model``'s result), keys in the file's order.

    ``history`` and ``calibration`` are present only when the file has them; ``uncertainty`` is
    None without one. ``actuals`` and ``peers`` map a fiscal year or a peer's name to figures by
    output line key.
    """

    format: str
    version: int
    name: str
    currency: str
    unit: str
    base_year: int
    horizon: int
    settings: Settings
    asset_classes: list[AssetClass]
    capex: dict[str, Series]
    drivers: dict[str, DriverSeries]
    history: NotRequired[History]
    calibration: NotRequired[list[CalibrationEntry]]
    actuals: dict[str, dict[str, float]]
    peers: dict[str, dict[str, float]]
    scenarios: dict[str, ScenarioOverrides]
    uncertainty: Uncertainty | None
    sources: dict[str, Source]


def editable(model: Model) -> Document:
    """A deep copy of ``model`` as a plain document: changed in place by an edit, then validated
    again (``validate_model``), so it may break a rule in between."""
    return cast(Document, copy.deepcopy(model))
