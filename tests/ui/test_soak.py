"""Soak test: 2,000 seeded random edits, pastes, scenario switches, undos and redos in the window.

After every step the model is valid and the results equal a fresh computation; every 100 steps the
KPI strip shows them; undoing everything returns exactly the starting model.
"""

from __future__ import annotations

import copy
import math
import random

import numpy as np
import pytest

from model import compute, scenario_names, validate_model
from model.edits import SetCell, SetSetting
from ui.formatting import format_kpi
from ui.kpi_strip import STRIP

pytestmark = pytest.mark.slow

STEPS = 2000
WIDGET_CHECK_EVERY = 100
SETTINGS = {"wacc": (0.02, 0.2), "tax_rate": (0.0, 0.4), "ai_revenue_yield": (0.1, 1.5), "pull_through": (0.0, 1.0)}
DRIVERS = {"utilization": (0.0, 1.0), "price_change": (-0.3, 0.1), "core_growth": (-0.1, 0.3)}


def plain(kpis: dict) -> dict:
    """KPIs with an undefined value (None or NaN) as None, so that two computations compare equal."""
    return {key: None if value is None or math.isnan(value) else value for key, value in kpis.items()}


def random_step(rng: random.Random, window) -> str:
    """One user action, chosen and sized by ``rng``; some are refused, as some user input is."""
    controller = window.controller
    kind = rng.choices(["cell", "setting", "paste", "scenario", "undo", "redo"], [30, 15, 15, 10, 20, 10])[0]
    horizon = controller.model["horizon"]
    if kind == "cell":
        if rng.random() < 0.5:
            name = rng.choice(list(controller.model["capex"]))
            value = rng.choice([rng.uniform(0, 200), -5.0, "x"])  # a negative or a text is refused
            controller.apply(SetCell("capex", name, rng.randrange(horizon), value), "Capex")
        else:
            key = rng.choice(list(DRIVERS))
            low, high = DRIVERS[key]
            controller.apply(SetCell("drivers", key, rng.randrange(horizon), rng.uniform(low, high * 1.2)), key)
    elif kind == "setting":
        key = rng.choice(list(SETTINGS))
        low, high = SETTINGS[key]
        controller.apply(SetSetting(key, rng.uniform(low, high)), key)
    elif kind == "paste":
        view = window.capex_panel.capex_view
        rows, columns = rng.randint(1, 3), rng.randint(1, 4)
        top = rng.randrange(view.table_model.rowCount())
        left = rng.randrange(view.table_model.columnCount())
        view.setCurrentIndex(view.table_model.index(top, left))
        block = [[f"{rng.uniform(0, 150):.3f}" for _ in range(columns)] for _ in range(rows)]
        view.paste_text("\n".join("\t".join(row) for row in block))
    elif kind == "scenario":
        controller.set_scenario(rng.choice(scenario_names(controller.model)))
    elif kind == "undo":
        controller.undo_stack.undo()
    else:
        controller.undo_stack.redo()
    return kind


def test_two_thousand_random_steps_keep_the_model_valid_and_the_kpis_true(window, controller):
    rng = random.Random(20250601)
    start = copy.deepcopy(controller.model)
    done: dict[str, int] = {}
    for step in range(STEPS):
        kind = random_step(rng, window)
        done[kind] = done.get(kind, 0) + 1
        model, scenario = controller.model, controller.scenario
        assert validate_model(model) == model, f"step {step} ({kind}) left an invalid model"
        fresh = compute(model, scenario)
        assert plain(controller.results.kpis) == plain(fresh.kpis), f"step {step} ({kind}): stale KPIs"
        if step % WIDGET_CHECK_EVERY == 0:
            shown = {key: label.text() for key, label in window.kpi_strip.value_labels.items()}
            assert shown == {spec.key: format_kpi(spec.value(fresh), spec.unit, controller.money) for spec in STRIP}
            assert np.array_equal(fresh.lines_array, controller.results.lines_array, equal_nan=True)

    assert min(done.values()) >= 100, done  # every kind of step ran often
    assert controller.undo_stack.count() > 100
    while controller.undo_stack.canUndo():
        controller.undo_stack.undo()
    assert controller.model == start
    assert not controller.is_dirty
