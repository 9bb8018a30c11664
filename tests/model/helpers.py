"""Small helpers shared by the model tests (no Qt)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from model import compute, validate_model
from model.engine import Results


def run(doc: dict, scenario: str | None = None) -> Results:
    """Validate a plain model document and compute it (optionally one scenario)."""
    return compute(validate_model(doc), scenario)


def line(results: Results, key: str) -> list[float | None]:
    """One output line as plain floats, None where the model reports null."""
    return [None if math.isnan(v) else float(v) for v in results.line(key)]


def assert_line(results: Results, key: str, expected: list[float | None], rel: float = 1e-12) -> None:
    """Every year of ``key`` equals ``expected`` (None: must be null) to ``rel`` relative error."""
    got = line(results, key)
    assert len(got) == len(expected), f"{key}: {len(got)} years, expected {len(expected)}"
    for year, (value, want) in enumerate(zip(got, expected, strict=True), start=1):
        if want is None:
            assert value is None, f"{key} year {year}: {value} should be null"
        else:
            assert value is not None, f"{key} year {year}: null, expected {want}"
            assert math.isclose(value, want, rel_tol=rel, abs_tol=1e-12), f"{key} year {year}: {value} != {want}"


def npv_year_end(rate: float, flows: Any) -> float:
    """Σ flows[t-1] · (1 + rate)^-t, t = 1..n: the IRR equation of docs/model.md section 6."""
    flows = np.asarray(flows, dtype=float)
    return float(np.sum(flows * (1.0 + rate) ** -np.arange(1, len(flows) + 1)))


def irr_flows(results: Results) -> np.ndarray:
    """The flows whose IRR is reported: FCF by year, the terminal value added in year H."""
    flows = np.array(results.line("fcf"), dtype=float)
    flows[-1] += results.kpis["terminal_value"]
    return flows
