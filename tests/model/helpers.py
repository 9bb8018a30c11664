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


def irr_flows(results: Results, mid_year: bool = False, t0: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The go-forward flows whose IRR is reported and when each falls, in years after the
    valuation date: FCF of years t > t0 at t - t0 (t - t0 - 0.5 with mid-year timing), and the
    terminal value at the end of year H (docs/model.md section 6)."""
    fcf = np.array(results.line("fcf"), dtype=float)[t0:]
    years = np.arange(1, len(fcf) + 1, dtype=float)
    amounts = np.append(fcf, results.kpis["terminal_value"])
    times = np.append(years - (0.5 if mid_year else 0.0), len(fcf))
    return amounts, times


def npv_timed(rate: float, amounts: np.ndarray, times: np.ndarray) -> float:
    """Σ amounts · (1 + rate)^-times."""
    return float(np.sum(amounts * (1.0 + rate) ** -times))


def year_end_flows(results: Results) -> np.ndarray:
    """FCF by year with the terminal value added in year H (the year-end IRR's flows)."""
    flows = np.array(results.line("fcf"), dtype=float)
    flows[-1] += results.kpis["terminal_value"]
    return flows
