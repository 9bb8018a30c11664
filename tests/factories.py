"""Small valid model documents for tests, and a hypothesis strategy for random valid models."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from model import ModelError, compute, validate_model
from model.schema import TERMINAL_METHODS


def model_doc(horizon: int = 3, **changes: Any) -> dict:
    """A plain (unvalidated) model document: one capitalized class, simple drivers.

    Keyword arguments replace top-level keys, e.g. ``model_doc(settings={...})``.
    """
    doc = {
        "format": "capex-model",
        "version": 1,
        "name": "Test plan",
        "base_year": 2025,
        "horizon": horizon,
        "settings": {
            "wacc": 0.10,
            "tax_rate": 0.0,
            "nwc_pct": 0.0,
            "terminal_method": "none",
            "base_core_revenue": 100.0,
            "ai_revenue_yield": 1.0,
            "ai_cash_opex_rate": 0.0,
            "ai_variable_cost_pct": 0.0,
            "pull_through": 0.0,
        },
        "asset_classes": [{"name": "Servers", "treatment": "capitalized", "life": 2, "revenue_generating": True}],
        "capex": {"Servers": [100.0] + [0.0] * (horizon - 1)},
        "drivers": {
            "core_growth": [0.0] * horizon,
            "core_ebita_margin": [0.0] * horizon,
            "utilization": [1.0] * horizon,
            "price_change": [0.0] * horizon,
        },
    }
    doc.update(copy.deepcopy(changes))
    return doc


def finite(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@st.composite
def valid_models(draw, max_horizon: int = 12, max_classes: int = 4, v2: bool = False) -> dict:
    """A random valid, validated model: every terminal method, mid-year on and off, lives 1..30.

    With ``v2`` it draws the features of version 2 as well (each may be off in a given model):
    history, lags, economic and tax lives, a compute cost change, a plan shorter than the
    horizon with explicit follow-on capex and reinvestment, rent, a valuation year, shares and a
    calibration of revenue and margin.
    """
    horizon = draw(st.integers(3, max_horizon))
    n_classes = draw(st.integers(1, max_classes))
    classes, capex = [], {}
    for i in range(n_classes):
        name = f"Class {i}"
        if draw(st.booleans()) or i == 0:
            classes.append(
                {
                    "name": name,
                    "treatment": "capitalized",
                    "life": draw(st.integers(1, 30)),
                    "revenue_generating": draw(st.booleans()) or i == 0,
                }
            )
        else:
            classes.append({"name": name, "treatment": "expensed"})
        capex[name] = draw(st.lists(st.one_of(st.just(0.0), finite(0.0, 200.0)), min_size=horizon, max_size=horizon))
    wacc = draw(finite(0.0, 0.25))
    settings = {
        "wacc": wacc,
        "tax_rate": draw(finite(0.0, 0.4)),
        "mid_year": draw(st.booleans()),
        "terminal_method": draw(st.sampled_from(TERMINAL_METHODS)),
        "terminal_growth": draw(finite(-0.02, 0.04)) if wacc > 0.05 else draw(finite(-0.05, wacc - 0.01)),
        "exit_multiple": draw(finite(0.0, 20.0)),
        "nwc_pct": draw(finite(0.0, 0.2)),
        "base_core_revenue": draw(finite(1.0, 500.0)),
        "ai_revenue_yield": draw(finite(0.0, 1.5)),
        "ai_cash_opex_rate": draw(finite(0.0, 0.2)),
        "ai_variable_cost_pct": draw(finite(0.0, 0.5)),
        "pull_through": draw(finite(0.0, 1.0)),
    }

    def series(low: float, high: float) -> list[float]:
        return draw(st.lists(finite(low, high), min_size=horizon, max_size=horizon))

    drivers = {
        "core_growth": series(-0.1, 0.3),
        "core_ebita_margin": series(-0.2, 0.5),
        "utilization": series(0.0, 1.0),
        "price_change": series(-0.3, 0.1),
    }
    doc = model_doc(horizon, asset_classes=classes, capex=capex, settings=settings, drivers=drivers)
    if not v2:
        return validate_model(doc)
    _draw_version_2(draw, doc)
    model = validate_model({key: value for key, value in doc.items() if key != "calibration"})
    calibration = _draw_calibration(draw, model)
    if calibration:
        try:
            return validate_model({**doc, "calibration": calibration})
        except ModelError:
            pass  # the drawn target needs a setting out of its range: keep the model uncalibrated
    return model


def _draw_version_2(draw, doc: dict) -> None:
    """Add version 2 features to a drawn version 1 document, in place."""
    horizon = doc["horizon"]
    doc["version"] = 2
    classes = doc["asset_classes"]
    capitalized = [c for c in classes if c["treatment"] == "capitalized"]
    for cls in capitalized:
        if draw(st.booleans()):
            cls["economic_life"] = draw(st.integers(1, 30))
        if draw(st.booleans()):
            cls["lag"] = draw(st.integers(0, 3))
        if draw(st.booleans()):
            cls["tax_life"] = draw(st.integers(0, 30))
    # The first class earns revenue (valid_models makes it so): give it plan capex in year 1, so
    # that rent and reinvestment have a class mix to work with.
    doc["capex"][classes[0]["name"]][0] = draw(finite(1.0, 200.0))
    history_years = draw(st.integers(0, 4))
    if history_years:
        doc["history"] = {
            "capex": {
                c["name"]: draw(st.lists(finite(0.0, 100.0), min_size=history_years, max_size=history_years))
                for c in capitalized
            }
        }
    settings, drivers = doc["settings"], doc["drivers"]
    settings["plan_years"] = plan_years = draw(st.integers(1, horizon))
    settings["valuation_year"] = doc["base_year"] + draw(st.integers(0, horizon - 1))
    settings["shares_outstanding"] = draw(st.sampled_from([0.0, 1.0, 2.6]))
    settings["infrastructure_charge"] = draw(st.sampled_from(["cohort", "rent"]))
    settings.setdefault("fx_rmb_per_usd", 7.0)
    if draw(st.booleans()):
        drivers["compute_cost_change"] = draw(st.lists(finite(-0.3, 0.1), min_size=horizon, max_size=horizon))
    if draw(st.booleans()):
        drivers["reinvestment_rate"] = [
            0.0 if t <= plan_years else draw(finite(0.0, 0.4)) for t in range(1, horizon + 1)
        ]
    if draw(st.booleans()):
        drivers["cloud_market"] = [draw(st.sampled_from([None, 0.0, 800.0, 1500.0])) for _ in range(horizon)]


def _draw_calibration(draw, model: dict) -> list[dict]:
    """Targets near the model's own figures in plan years (a drawn factor moves them a little)."""
    if not draw(st.booleans()):
        return []
    results = compute(model)
    plan_years = model["settings"]["plan_years"]
    targets = []
    if draw(st.booleans()):
        t = draw(st.integers(1, plan_years))
        value = float(results.line("total_revenue")[t - 1]) * draw(finite(0.95, 1.05))
        solve = draw(st.sampled_from(["settings.ai_revenue_yield", "settings.base_core_revenue"]))
        targets.append({"line": "total_revenue", "year": model["base_year"] + t, "value": value, "solve": solve})
    if draw(st.booleans()) or not targets:
        t = draw(st.integers(1, plan_years))
        margin = float(results.line("ebita_margin")[t - 1])
        if -0.9 < margin < 0.9:
            value = margin + draw(finite(-0.01, 0.01))
            solve = draw(st.sampled_from(["settings.ai_cash_opex_rate", "settings.ai_variable_cost_pct"]))
            targets.append({"line": "ebita_margin", "year": model["base_year"] + t, "value": value, "solve": solve})
    return targets


def v2_model_doc(**changes: Any) -> dict:
    """A hand-made version 2 model with every feature switched on: history, lags, economic lives
    shorter than book lives, tax lives (0 too), a falling cost of compute, a plan shorter than
    the horizon with explicit follow-on capex and reinvestment, rent for enabling assets, a later
    valuation year, mid-year timing, shares, and a calibration of revenue and margin."""
    horizon = 8
    doc = {
        "format": "capex-model",
        "version": 2,
        "name": "Version 2 plan",
        "currency": "RMB",
        "unit": "bn",
        "base_year": 2025,
        "horizon": horizon,
        "settings": {
            "wacc": 0.09,
            "tax_rate": 0.2,
            "mid_year": True,
            "terminal_method": "gordon",
            "terminal_growth": 0.02,
            "exit_multiple": 10.0,
            "nwc_pct": -0.03,
            "fx_rmb_per_usd": 7.1,
            "base_core_revenue": 100.0,
            "ai_revenue_yield": 0.6,
            "ai_cash_opex_rate": 0.05,
            "ai_variable_cost_pct": 0.1,
            "pull_through": 0.4,
            "plan_years": 3,
            "valuation_year": 2026,
            "shares_outstanding": 2.5,
            "infrastructure_charge": "rent",
        },
        "asset_classes": [
            {
                "name": "Servers",
                "treatment": "capitalized",
                "life": 6,
                "economic_life": 4,
                "tax_life": 0,
                "revenue_generating": True,
            },
            {
                "name": "Network",
                "treatment": "capitalized",
                "life": 5,
                "lag": 1,
                "tax_life": 3,
                "revenue_generating": True,
            },
            {"name": "Buildings", "treatment": "capitalized", "life": 20, "lag": 2, "revenue_generating": False},
            {"name": "Power", "treatment": "capitalized", "life": 8, "economic_life": 10, "revenue_generating": False},
            {"name": "R&D", "treatment": "expensed"},
        ],
        "history": {
            "capex": {"Servers": [20.0, 30.0], "Network": [4.0, 5.0], "Buildings": [6.0, 8.0], "Power": [2.0, 3.0]}
        },
        "capex": {
            "Servers": [60.0, 70.0, 75.0, 0.0, 10.0, 0.0, 0.0, 0.0],
            "Network": [8.0, 9.0, 9.0, 0.0, 0.0, 0.0, 2.0, 0.0],
            "Buildings": [15.0, 15.0, 10.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            "Power": [5.0, 5.0, 5.0, 1.0, 0.0, 0.0, 0.0, 0.0],
            "R&D": [4.0, 4.0, 4.0, 0.0, 0.0, 1.0, 0.0, 0.0],
        },
        "drivers": {
            "core_growth": [0.05, 0.05, 0.04, 0.04, 0.03, 0.03, 0.03, 0.03],
            "core_ebita_margin": [0.09, 0.1, 0.1, 0.11, 0.11, 0.12, 0.12, 0.12],
            "utilization": [0.7, 0.75, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8],
            "price_change": [-0.1, -0.08, -0.08, -0.06, -0.05, -0.05, -0.05, -0.05],
            "compute_cost_change": [-0.12, -0.1, -0.1, -0.08, -0.08, -0.05, -0.05, -0.05],
            "reinvestment_rate": [0.0, 0.0, 0.0, 0.15, 0.15, 0.12, 0.1, 0.1],
            "cloud_market": [None, 1000.0, 1100.0, 0, None, 1300.0, 1400.0, 1500.0],
        },
        "calibration": [
            {"line": "total_revenue", "year": 2026, "value": 140.0, "solve": "settings.ai_revenue_yield"},
            {"line": "ebita_margin", "year": 2027, "value": 0.0, "solve": "settings.ai_variable_cost_pct"},
        ],
        "actuals": {"2026": {"total_revenue": 140.0, "ebita_margin": 0.07}},
        "scenarios": {
            "Bull": {
                "settings": {"wacc": 0.08, "pull_through": 0.5},
                "drivers": {"utilization": [0.8] * horizon},
                "history": {"capex": {"Servers": [25.0, 35.0]}},
                "asset_classes": {"Servers": {"economic_life": 5}, "Buildings": {"life": 25}, "Network": {"lag": 0}},
            }
        },
    }
    doc.update(copy.deepcopy(changes))
    return doc
