"""IRR and NPV against numpy-financial on conventional cash flows (one change of sign).

Timing: our flows fall at the end of years 1..n. ``npf.npv`` discounts its first value at t = 0,
so our NPV is ``npf.npv(rate, [0, *flows])``. The IRR does not depend on where the count starts
(multiplying every term by 1 + r moves no root), so ``npf.irr(flows)`` is directly comparable.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from model.irr import irr_roots, nearest_root, npv_at
from tests.factories import model_doc
from tests.model.helpers import npv_year_end, run, year_end_flows


@st.composite
def conventional_flows(draw) -> np.ndarray:
    """1..5 outlays followed by 1..25 receipts, the receipts large enough for an IRR in (-0.9, 9)."""
    outlays = draw(st.lists(st.floats(1.0, 500.0), min_size=1, max_size=5))
    receipts = draw(st.lists(st.floats(0.5, 300.0), min_size=1, max_size=25))
    return np.array([-v for v in outlays] + receipts)


@settings(deadline=None, max_examples=200)
@given(conventional_flows())
def test_irr_matches_numpy_financial_on_conventional_flows(flows):
    reference = npf.irr(flows)
    roots = irr_roots(flows)
    if not np.isfinite(reference) or not -0.9 < reference < 9.0:
        return  # numpy-financial found nothing or a root outside the range we search
    # One sign change: Descartes' rule allows exactly one positive root in x, hence one IRR.
    assert len(roots) == 1
    assert roots[0] == pytest.approx(reference, rel=1e-8, abs=1e-10)


@settings(deadline=None, max_examples=200)
@given(conventional_flows(), st.floats(-0.5, 1.0))
def test_year_end_npv_matches_numpy_financial_shifted_one_year(flows, rate):
    ours = npv_at(rate, flows)
    reference = npf.npv(rate, np.concatenate([[0.0], flows]))
    assert ours == pytest.approx(reference, rel=1e-10, abs=1e-9)


def test_known_reference_values():
    # -100 at the end of year 1 and 121 at the end of year 3: (1 + r)² = 1.21, so r = 10 %.
    assert irr_roots(np.array([-100.0, 0.0, 121.0])) == pytest.approx([0.1])
    assert npf.irr([-100.0, 0.0, 121.0]) == pytest.approx(0.1)
    # -100 then 60 and 60 at 10 %: NPV = -100/1.1 + 60/1.21 + 60/1.331 = 4.2074
    assert npv_at(0.1, np.array([-100.0, 60.0, 60.0])) == pytest.approx(-100 / 1.1 + 60 / 1.21 + 60 / 1.331)
    assert npv_at(0.1, np.array([-100.0, 60.0, 60.0])) == pytest.approx(npf.npv(0.1, [0, -100, 60, 60]))


def test_no_root_when_every_flow_has_the_same_sign():
    assert irr_roots(np.array([-1.0, -2.0, -3.0])) == []
    assert irr_roots(np.array([1.0, 2.0])) == []
    assert irr_roots(np.array([0.0, -5.0, 0.0])) == []
    assert nearest_root([], 0.1) is None


def test_engine_irr_and_npv_match_numpy_financial_for_a_conventional_plan():
    """A plan paying back over ten years: capex 100 then 80, revenue from a 6-year asset."""
    doc = model_doc(
        10,
        asset_classes=[{"name": "Servers", "treatment": "capitalized", "life": 6, "revenue_generating": True}],
        capex={"Servers": [100.0, 80.0] + [0.0] * 8},
        settings={
            **model_doc()["settings"],
            "wacc": 0.09,
            "tax_rate": 0.2,
            "nwc_pct": 0.05,
            "ai_revenue_yield": 0.45,
            "terminal_method": "book_value",
        },
    )
    r = run(doc)
    fcf = np.array(r.line("fcf"))
    flows = year_end_flows(r)
    signs = np.sign(flows[flows != 0])
    assert np.count_nonzero(np.diff(signs)) == 1  # conventional: outlays, then receipts
    assert r.kpis["irr"] == pytest.approx(npf.irr(flows), rel=1e-9)
    # NPV: year-end FCF shifted one year for numpy-financial, plus TV discounted over H = 10 years.
    npv = npf.npv(0.09, np.concatenate([[0.0], fcf])) + r.kpis["terminal_value"] / 1.09**10
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
    assert npv_year_end(r.kpis["irr"], flows) == pytest.approx(0.0, abs=1e-9)


def test_bundled_model_irr_matches_numpy_financial(bundled_model):
    from model import compute

    r = compute(bundled_model)
    flows = year_end_flows(r)
    assert np.count_nonzero(np.diff(np.sign(flows[flows != 0]))) == 1
    assert r.kpis["irr"] == pytest.approx(npf.irr(flows), rel=1e-9)
    wacc = bundled_model["settings"]["wacc"]
    npv = npf.npv(wacc, np.concatenate([[0.0], r.line("fcf")])) + r.kpis["terminal_value"] / (1 + wacc) ** len(flows)
    assert r.kpis["npv"] == pytest.approx(npv, rel=1e-12)
