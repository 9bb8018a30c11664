"""Internal rate of return: every real root, not just the first one a solver happens to find.

Timing convention: ``flows[0]`` is received at the end of year 1, ``flows[t - 1]`` at the end of
year t. Signs: money spent is negative, money received positive.

Substituting x = 1 / (1 + r) turns ``sum_t flows[t-1] * (1 + r) ** -t = 0`` into a polynomial in
x, whose roots numpy finds all at once (eigenvalues of the companion matrix). Each real root with
r in the search interval is then polished by Newton's method on the original equation and kept
only if the net present value there is zero to rounding.
"""

from __future__ import annotations

from contextlib import suppress
from typing import overload

import numpy as np
from numpy.typing import NDArray

IRR_LOW, IRR_HIGH = -0.99, 10.0


def npv_at(rate: float, flows: NDArray[np.float64]) -> float:
    """Net present value of year-end ``flows`` (years 1..n) at ``rate``.

    >>> round(npv_at(0.1, np.array([-100.0, 121.0])), 6)  # -100 / 1.1 + 121 / 1.21
    9.090909
    """
    years = np.arange(1, len(flows) + 1)
    return float(np.sum(flows * (1.0 + rate) ** -years))


def _npv_and_slope(rate: float, flows: NDArray[np.float64], years: NDArray[np.intp]) -> tuple[float, float, float]:
    """NPV, its derivative in ``rate`` and the sum of absolute present values (the scale)."""
    discounted = flows * (1.0 + rate) ** -years
    return float(discounted.sum()), float(-(years * discounted).sum() / (1.0 + rate)), float(np.abs(discounted).sum())


def irr_roots(flows: NDArray[np.float64], low: float = IRR_LOW, high: float = IRR_HIGH) -> list[float]:
    """All rates r in (low, high) at which the NPV of ``flows`` is zero, ascending.

    An empty list when there is none (for example when every flow has the same sign).

    >>> irr_roots(np.array([-100.0, 230.0, -132.0]))  # roots at 10 % and 20 %
    [0.1, 0.2]
    """
    flows = np.asarray(flows, dtype=float)
    nonzero = np.flatnonzero(flows)
    if nonzero.size < 2 or not np.isfinite(flows).all():  # flows that overflowed have no rate
        return []
    # Polynomial in x of degree (last - first); highest power first as numpy wants it.
    xs = _candidate_xs(flows[nonzero[0] : nonzero[-1] + 1][::-1])
    # Loose imaginary tolerance: a double root comes back as a pair split by ~sqrt(eps).
    real = xs[np.abs(xs.imag) <= 1e-6 * np.maximum(1.0, np.abs(xs))].real
    real = real[(real > 1.0 / (1.0 + high)) & (real < 1.0 / (1.0 + low))]
    years = np.arange(1, len(flows) + 1)
    roots: list[float] = []
    for rate in sorted(1.0 / real - 1.0):
        rate = _polish(rate, flows, years)
        value, _, scale = _npv_and_slope(rate, flows, years)
        if abs(value) > 1e-7 * scale or not low < rate < high:
            continue
        if roots and abs(rate - roots[-1]) <= 1e-6 * max(1.0, abs(rate)):
            continue
        roots.append(rate)
    return [_tidy(r) for r in roots]


def _candidate_xs(coefficients: NDArray[np.float64]) -> NDArray[np.float64]:
    """Roots in x of the polynomial with these coefficients (highest power first), as candidates.

    A flow many orders of magnitude smaller than the rest at either end of the plan wrecks the
    companion matrix: the ordinary roots come back wrong, or the division by a leading flow near
    1e-310 overflows. So the roots without such flows are taken as well; every candidate is
    polished and checked on the full flows by the caller.
    """
    found = []
    # An overflowed companion matrix raises LinAlgError; the trimmed roots below cover that case.
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"), suppress(np.linalg.LinAlgError):
        found.append(np.roots(coefficients))
    negligible = np.abs(coefficients) <= 1e-12 * np.abs(coefficients).max()
    if negligible[0] or negligible[-1]:
        kept = np.flatnonzero(~negligible)
        found.append(np.roots(coefficients[kept[0] : kept[-1] + 1]))
    return np.concatenate(found) if found else np.array([], dtype=complex)


def _polish(rate: float, flows: NDArray[np.float64], years: NDArray[np.intp]) -> float:
    """Newton steps on the NPV equation; keeps the best point seen."""
    best, best_value = rate, np.inf
    for _ in range(20):
        value, slope, _ = _npv_and_slope(rate, flows, years)
        if abs(value) < abs(best_value):
            best, best_value = rate, value
        if value == 0.0 or slope == 0.0:
            break
        step = value / slope
        # Newton converges quadratically: a step this small means the rate is already exact.
        if abs(step) <= 1e-14 * max(1.0, abs(rate)) or rate - step <= -1.0:
            break
        rate -= step
    return best


def _tidy(rate: float) -> float:
    """Round away the last-bit noise so that 0.1 is reported as 0.1, not 0.10000000000000003."""
    return float(np.round(rate, 15))


def nearest_root(roots: list[float], target: float) -> float | None:
    """The root closest to ``target`` (the WACC), or None when there is none."""
    return min(roots, key=lambda r: abs(r - target)) if roots else None


def timed_flows(fcf: NDArray[np.float64], terminal: NDArray[np.float64] | float, mid_year: bool) -> NDArray[np.float64]:
    """The go-forward flows on the grid their IRR is solved on (docs/model.md section 6).

    ``fcf[..., k]`` is the flow of the (k + 1)-th year after the valuation date and ``terminal``
    falls at the end of the last one. Year-end timing gives one period a year. With ``mid_year``
    every year's flow falls half-way through it, so the grid has two periods a year (flows at
    half-years 1, 3, 5... and the terminal value at the end): its per-period rate h gives the
    annual rate (1 + h) ** 2 - 1 (``annual_rate``).

    >>> timed_flows(np.array([-100.0, 60.0]), 50.0, True).tolist()
    [-100.0, 0.0, 60.0, 50.0]
    """
    fcf = np.asarray(fcf, dtype=float)
    if not mid_year:
        flows = fcf.copy()
        flows[..., -1] += terminal
        return flows
    flows = np.zeros((*fcf.shape[:-1], 2 * fcf.shape[-1]))
    flows[..., 0::2] = fcf
    flows[..., -1] += terminal
    return flows


@overload
def annual_rate(period_rate: NDArray[np.float64], mid_year: bool) -> NDArray[np.float64]: ...
@overload
def annual_rate(period_rate: float, mid_year: bool) -> float: ...
def annual_rate(period_rate: NDArray[np.float64] | float, mid_year: bool) -> NDArray[np.float64] | float:
    """The annual rate of a rate per period of ``timed_flows``'s grid."""
    return (1.0 + period_rate) ** 2 - 1.0 if mid_year else period_rate


@overload
def period_rate(rate: NDArray[np.float64], mid_year: bool) -> NDArray[np.float64]: ...
@overload
def period_rate(rate: float, mid_year: bool) -> float: ...
def period_rate(rate: NDArray[np.float64] | float, mid_year: bool) -> NDArray[np.float64] | float:
    """The rate per period of ``timed_flows``'s grid of an annual rate (the inverse of annual_rate)."""
    return np.sqrt(1.0 + np.asarray(rate, dtype=float)) - 1.0 if mid_year else rate


def go_forward_irr_roots(fcf: NDArray[np.float64], terminal: float, mid_year: bool) -> list[float]:
    """Every annual IRR in (IRR_LOW, IRR_HIGH) of go-forward flows and a terminal value.

    >>> go_forward_irr_roots(np.array([-100.0, 121.0]), 0.0, True)  # the half-year shift cancels
    [0.21]
    """
    with np.errstate(over="ignore"):  # flows beyond 1e308 are infinite: no IRR (null), not a warning
        flows = timed_flows(fcf, terminal, mid_year)
    low, high = (period_rate(bound, mid_year) for bound in (IRR_LOW, IRR_HIGH))
    return [_tidy(float(annual_rate(h, mid_year))) for h in irr_roots(flows, float(low), float(high))]
