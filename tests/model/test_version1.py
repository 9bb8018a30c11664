"""A version 1 file computes exactly the numbers it computed before version 2 (docs/model.md
section 3): tests/data/alibaba_v1_results.json holds the lines, KPIs and IRR roots that the
version 1 engine printed for tests/data/alibaba_v1.json, scenario by scenario."""

import json

import pytest

from model import compute
from tests.conftest import ROOT

EXPECTED = json.loads((ROOT / "tests" / "data" / "alibaba_v1_results.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("scenario", list(EXPECTED))
def test_a_version_1_file_gives_its_old_numbers(v1_model, scenario):
    assert v1_model["version"] == 2  # read as version 2 with the defaults of section 3
    results = compute(v1_model, scenario)
    expected = EXPECTED[scenario]
    for key, values in expected["lines"].items():
        for got, want in zip(results.line(key), values, strict=True):
            assert got == pytest.approx(want, rel=1e-12, abs=1e-12) if want is not None else got != got, key
    for key, want in expected["kpis"].items():
        got = results.kpis[key]
        assert got == pytest.approx(want, rel=1e-12, abs=1e-12) if want is not None else got is None, key
    assert results.irr_roots == pytest.approx(expected["irr_roots"], rel=1e-12)


def test_a_version_1_file_has_no_installed_or_follow_on_fleet(v1_model):
    results = compute(v1_model)
    for key in ("installed_revenue", "follow_on_revenue", "follow_on_capex", "impairment", "infrastructure_rent"):
        assert (results.line(key) == 0).all(), key
    assert (results.line("tax_depreciation") == results.line("depreciation")).all()
