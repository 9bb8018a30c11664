"""Small valid model documents for tests, and a hypothesis strategy for random valid models."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from model import validate_model
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
def valid_models(draw, max_horizon: int = 12, max_classes: int = 4) -> dict:
    """A random valid, validated model: every terminal method, mid-year on and off, lives 1..30."""
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
    return validate_model(doc)
