"""The bundled Alibaba model: it loads, it reproduces FY2026 as reported, and every input has a source."""

from __future__ import annotations

import pytest

from model import compute
from model.schema import SETTINGS


def test_bundled_model_loads_and_computes(bundled_model):
    r = compute(bundled_model)
    assert r.years[0] == bundled_model["base_year"] + 1
    assert len(r.years) == bundled_model["horizon"]
    assert set(bundled_model["scenarios"]) >= {"Upsized (RMB 460bn)", "Bull", "Bear"}
    for name in bundled_model["scenarios"]:
        compute(bundled_model, name)


def test_fy2026_lands_near_the_reported_actuals(bundled_model):
    actual = bundled_model["actuals"]["2026"]
    r = compute(bundled_model)
    revenue = float(r.lines.loc["total_revenue", 2026])
    margin = float(r.lines.loc["ebita_margin", 2026])
    # Within 3 % of reported revenue and 1 percentage point of the reported EBITA margin.
    assert revenue == pytest.approx(actual["total_revenue"], rel=0.03)
    assert abs(margin - actual["ebita_margin"]) <= 0.01


def test_upsized_plan_spends_more_than_the_base(bundled_model):
    base = compute(bundled_model).kpis["total_capex"]
    upsized = compute(bundled_model, "Upsized (RMB 460bn)").kpis["total_capex"]
    assert upsized > base


def test_every_input_has_a_source(bundled_model):
    sources = bundled_model["sources"]
    wanted = [f"settings.{key}" for key in SETTINGS]
    wanted += [f"drivers.{key}" for key in bundled_model["drivers"]]
    wanted += [f"capex.{name}" for name in bundled_model["capex"]]
    wanted += [f"asset_classes.{cls['name']}" for cls in bundled_model["asset_classes"]]
    wanted += [f"actuals.{year}.{line}" for year, lines in bundled_model["actuals"].items() for line in lines]
    wanted += [f"peers.{name}.{line}" for name, lines in bundled_model["peers"].items() for line in lines]
    missing = [field for field in wanted if field not in sources]
    assert missing == []
    for field in wanted:
        assert sources[field]["text"].strip(), field
