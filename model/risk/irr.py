"""The IRR of many cash-flow rows at once, by the same rule as ``model.irr`` for one model.

Timing and signs as in ``model.irr``: ``flows[..., t - 1]`` falls at the end of year t, money
spent is negative. With x = 1 / (1 + r) the NPV is a polynomial g in x. By Descartes' rule of
signs a row whose nonzero flows change sign exactly once (spend, then earn: nearly every trial of
a capex plan) has exactly one root with r > −1, so no root-choosing is needed: a safeguarded
Newton iteration on a monotone rescaling of g finds it, all rows together. A row with two sign
changes (a small negative tail after the earning years is common) has none or two roots, and a
rescaling of g with a single peak: the peak splits the interval into two parts holding at most
one root each, found the same way, and the root nearest the WACC is taken. A row with no sign
change has no IRR. The rare rows with three or more changes go through ``model.irr.irr_roots``
one by one and take the root nearest the WACC, exactly as a single model does.

Every array here holds the flows year by year, (H, N): each year's flows of all rows lie
together in memory, which makes the row-wide arithmetic several times faster than on strided
columns.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from model.irr import (
    IRR_HIGH,
    IRR_LOW,
    annual_rate,
    go_forward_irr_roots,
    irr_roots,
    nearest_root,
    period_rate,
    timed_flows,
)

MAX_ITERATIONS = 100
ENDS = (1.0 / (1.0 + IRR_HIGH), 1.0 / (1.0 + IRR_LOW))  # the search interval in x


def sign_changes(flows: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Per row of ``flows`` (N, H): how often the nonzero flows change sign, and the index of the
    last flow before the first change (−1 when there is none)."""
    return _sign_changes(np.ascontiguousarray(np.asarray(flows, dtype=float).T))


def _sign_changes(years: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """``sign_changes`` of flows laid out year by year, (H, N)."""
    # Boolean masks rather than np.sign: several times faster, and no product of two tiny flows
    # can underflow to zero.
    positive, negative = years > 0, years < 0
    change = (positive[1:] & negative[:-1]) | (negative[1:] & positive[:-1])
    # A zero between nonzero flows hides the change across it: for the rows holding one, carry
    # the last nonzero sign over the zeros. Zeros before the first or after the last nonzero
    # flow (a plan that ends early) hide nothing, so those rows need no carrying.
    nonzero = positive | negative
    runs = nonzero[0] + (nonzero[1:] & ~nonzero[:-1]).sum(axis=0)  # runs of nonzero flows
    inner_zeros = np.flatnonzero(runs > 1)
    source = None
    if inner_zeros.size:
        held = nonzero[:, inner_zeros]
        source = np.maximum.accumulate(np.where(held, np.arange(len(years))[:, None], 0), axis=0)
        carried = np.take_along_axis(np.sign(years[:, inner_zeros]), source, axis=0)
        change[:, inner_zeros] = (carried[1:] != carried[:-1]) & (carried[:-1] != 0)
    # The first change, as a maximum of descending weights: argmax along the years is slower.
    weights = np.arange(len(change), 0, -1, dtype=np.intp)[:, None]
    first_change = len(change) - (change * weights).max(axis=0, initial=0)
    last_before = np.minimum(first_change, len(change) - 1)
    if source is not None:
        last_before[inner_zeros] = np.take_along_axis(source, last_before[None, inner_zeros], axis=0)[0]
    return change.sum(axis=0), np.where(first_change < len(change), last_before, -1)


def _newton_step(
    x: NDArray[np.float64], years: NDArray[np.float64], power: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """g(x) = sum_i flows_i x^i (Horner) and the Newton step of h(x) = g(x) x^-m, m = power.

    With one sign change and m the last flow before it, h is monotone (terms before the pivot
    have powers <= 0, the others > 0) and has the sign of g, so g brackets the root and h
    steers Newton.
    """
    value = np.zeros(np.broadcast_shapes(x.shape, years.shape[1:]))
    slope = np.zeros_like(value)
    for year in years[::-1]:
        slope *= x
        slope += value
        value *= x
        value += year
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        slope -= power * value / x
        return value, value / slope


def _polynomial(x: NDArray[np.float64], years: NDArray[np.float64]) -> NDArray[np.float64]:
    """g(x) = Σ flows_k x^k (Horner) for x of shape (..., N)."""
    value = np.zeros(np.broadcast_shapes(x.shape, years.shape[1:]))
    for year in years[::-1]:
        value *= x
        value += year
    return value


def _lone_roots(years: NDArray[np.float64], pivot: NDArray[np.intp], wacc: NDArray[np.float64]) -> NDArray[np.float64]:
    """The root of each row with one sign change (NaN when it lies outside the IRR search
    interval); the search starts at the WACC."""
    low, high = np.full(len(pivot), ENDS[0]), np.full(len(pivot), ENDS[1])
    return _roots_between(years, pivot, low, high, np.clip(1.0 / (1.0 + wacc), low, high))


def _roots_between(
    years: NDArray[np.float64],
    pivot: NDArray[np.intp],
    low: NDArray[np.float64],
    high: NDArray[np.float64],
    x: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The root r of each row whose g changes sign between x = ``low`` and ``high``, where
    h = g x^-pivot is monotone, starting from ``x``; NaN for the other rows and where Newton
    does not settle in MAX_ITERATIONS.

    Safeguarded Newton on h: a step leaving the bracket is replaced by a bisection in log x
    (the bracket may span three orders of magnitude), so every row converges.
    """
    roots = np.full(len(pivot), np.nan)
    g_low, g_high = _polynomial(np.stack([low, high]), years)
    rows = np.flatnonzero(np.sign(g_low) * np.sign(g_high) < 0)  # a product of tiny flows underflows
    if rows.size < len(pivot):
        years, pivot, g_high, low, high, x = (np.take(a, rows, axis=-1) for a in (years, pivot, g_high, low, high, x))
    power, orientation, low, high = pivot.astype(float), np.sign(g_high), low.copy(), high.copy()
    for _ in range(MAX_ITERATIONS):
        value, step = _newton_step(x, years, power)
        value *= orientation
        np.copyto(low, x, where=value < 0)
        np.copyto(high, x, where=value > 0)
        # Newton converges quadratically, so a step this small leaves an error far below 1e-9.
        done = np.abs(step) <= 1e-12 * x
        done |= value == 0
        newton, x_before = x - step, x
        x = np.sqrt(low * high)  # outside the bracket, bisect in log x
        np.copyto(x, newton, where=(newton > low) & (newton < high))
        # A finished row's root is stored and the row stays where it is (so it stays finished)
        # until a quarter of the rows have finished: that saves copying the rest for a few rows.
        np.copyto(x, x_before, where=done)
        roots[rows[done]] = x_before[done] - np.nan_to_num(step[done])
        finished = np.count_nonzero(done)
        if finished == rows.size:
            break
        if 4 * finished >= rows.size:
            going = ~done
            rows, years, power, orientation = (
                rows[going],
                np.compress(going, years, axis=1),
                power[going],
                orientation[going],
            )
            low, high, x = low[going], high[going], x[going]
    with np.errstate(divide="ignore"):
        return 1.0 / roots - 1.0


def _two_change_roots(
    years: NDArray[np.float64], pivot: NDArray[np.intp], wacc: NDArray[np.float64], nearest_only: bool
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The roots (2, N) in the IRR search interval of each row with two sign changes, the lower
    rate first (NaN where fewer), and which rows were settled.

    With m the last flow before the first change, f = g x^-m has the derivative
    x^(-m-1) Σ (k − m) flows_k x^k, whose coefficients change sign once: f rises to a single
    peak x* and falls after it (or the reverse). Each side of x* holds at most one root, where
    g changes sign across it; each is found as a single change's root, the one on the WACC's
    side first. With ``nearest_only`` the other is left out (NaN) where it cannot be nearer the
    WACC: it lies beyond the peak, which is already farther from the WACC than the first root.
    A row whose g is zero to rounding at the peak (a double root) or at an end of its sides is
    not settled: the caller gives it to the single-model rule.
    """
    low, high = np.full(len(pivot), ENDS[0]), np.full(len(pivot), ENDS[1])
    slopes = years * (np.arange(len(years))[:, None] - pivot)
    _, slope_pivot = _sign_changes(slopes)
    peak = _roots_between(slopes, slope_pivot, low, high, np.sqrt(low * high))
    slope_low, slope_high = _polynomial(np.stack([low, high]), slopes)
    lost_peak = (np.sign(slope_low) * np.sign(slope_high) < 0) & np.isnan(peak)  # Newton did not settle
    # No peak inside: f is monotone over the interval, which is then one side.
    peak_x = np.where(np.isnan(peak), low, 1.0 / (1.0 + peak))
    wacc_x = np.clip(1.0 / (1.0 + wacc), low, high)
    left = wacc_x < peak_x  # the WACC is among the rates above the peak's
    sides = {
        "near": (np.where(left, low, peak_x), np.where(left, peak_x, high)),
        "far": (np.where(left, peak_x, low), np.where(left, high, peak_x)),
    }
    # Measured fastest: Newton on f left of the peak, on g x^-m' (m' the last flow before the
    # second change) right of it; the near side from the WACC, the far one from the peak.
    near_low, near_high = sides["near"]
    near = _roots_between(
        years, np.where(left, pivot, slope_pivot), near_low, near_high, np.clip(wacc_x, near_low, near_high)
    )
    peak_rate = 1.0 / peak_x - 1.0
    wanted = ~(np.abs(near - wacc) < np.abs(peak_rate - wacc)) if nearest_only else np.full(len(pivot), True)
    far = np.full(len(pivot), np.nan)
    far_low, far_high = (end[wanted] for end in sides["far"])
    far[wanted] = _roots_between(
        years[:, wanted], np.where(left, slope_pivot, pivot)[wanted], far_low, far_high, peak_x[wanted]
    )
    signs = np.sign(_polynomial(np.stack([low, high, peak_x]), years))
    at_peak, scale = _polynomial(peak_x, years), _polynomial(peak_x, np.abs(years))
    near_expected = (signs[0] * signs[2] < 0) & left | (signs[1] * signs[2] < 0) & ~left
    far_expected = (signs[1] * signs[2] < 0) & left | (signs[0] * signs[2] < 0) & ~left
    settled = (
        (np.abs(at_peak) > 1e-9 * scale)
        & (signs != 0).all(axis=0)
        & ~lost_peak
        & (np.isfinite(near) == near_expected)
        & (~wanted | (np.isfinite(far) == far_expected))
    )
    return np.sort(np.stack([near, far]), axis=0), settled  # NaN sorts last


def _nearest(roots: NDArray[np.float64], wacc: NDArray[np.float64]) -> NDArray[np.float64]:
    """Of two candidate rates per row (the second NaN where there is one), the one nearest the
    WACC; on a tie, the lower (``model.irr.nearest_root``'s rule)."""
    second_nearer = np.abs(roots[1] - wacc) < np.abs(roots[0] - wacc)
    nearest: NDArray[np.float64] = np.where(np.isnan(roots[1]) | ~second_nearer, roots[0], roots[1])
    return nearest


def irr_rows(flows: NDArray[np.float64], wacc: NDArray[np.float64]) -> NDArray[np.float64]:
    """IRR of every row of ``flows`` (N, H) with its WACC (N,): NaN where there is none.

    Agrees with ``nearest_root(irr_roots(row), wacc)`` row by row (see the module docstring).
    """
    flows = np.asarray(flows, dtype=float)
    wacc = np.broadcast_to(np.asarray(wacc, dtype=float), flows.shape[:1])
    years = np.ascontiguousarray(flows.T)
    result = np.full(len(flows), np.nan)
    finite: NDArray[np.bool_] = np.all(np.isfinite(years), axis=0)
    changes, pivot = _sign_changes(years if finite.all() else np.where(finite, years, 0.0))
    single = np.flatnonzero(finite & (changes == 1))
    result[single] = _lone_roots(years[:, single], pivot[single], wacc[single])
    double = np.flatnonzero(finite & (changes == 2))
    roots, settled = _two_change_roots(years[:, double], pivot[double], wacc[double], True)
    result[double[settled]] = _nearest(roots, wacc[double])[settled]
    for row in np.concatenate([double[~settled], np.flatnonzero(finite & (changes >= 3))]):
        root = nearest_root(irr_roots(flows[row]), float(wacc[row]))
        result[row] = np.nan if root is None else root
    return result


def go_forward_irr_rows(
    fcf: NDArray[np.float64], terminal: NDArray[np.float64], wacc: NDArray[np.float64], mid_year: bool
) -> NDArray[np.float64]:
    """The annual IRR of each row of go-forward flows ``fcf`` (N, n) with its terminal value
    (N,) and WACC (N,), by the rule of ``model.irr.go_forward_irr_roots``: NaN where there is none.

    Rows with one or two sign changes are solved on the timing grid as in ``irr_rows`` and their
    roots turned into annual rates, so that the root nearest the WACC is chosen among annual
    rates, as for the model on screen; rows with more go through the single-model rule.
    """
    flows = timed_flows(fcf, terminal, mid_year)
    wacc = np.broadcast_to(np.asarray(wacc, dtype=float), flows.shape[:1])
    if not mid_year:
        return irr_rows(flows, wacc)
    years = np.ascontiguousarray(flows.T)
    result = np.full(len(flows), np.nan)
    finite: NDArray[np.bool_] = np.all(np.isfinite(years), axis=0)
    changes, pivot = _sign_changes(np.where(finite, years, 0.0))
    single = np.flatnonzero(finite & (changes == 1))
    rate = annual_rate(_lone_roots(years[:, single], pivot[single], period_rate(wacc[single], True)), True)
    result[single] = np.where((rate > IRR_LOW) & (rate < IRR_HIGH), rate, np.nan)
    double = np.flatnonzero(finite & (changes == 2))
    periodic, settled = _two_change_roots(years[:, double], pivot[double], period_rate(wacc[double], True), False)
    rates = annual_rate(periodic, True)  # nearest the WACC among annual rates, as for one model
    rates = np.where((rates > IRR_LOW) & (rates < IRR_HIGH), rates, np.nan)
    rates = np.where(np.isnan(rates[0]), rates[::-1], rates)  # a root outside the range drops out
    result[double[settled]] = _nearest(rates, wacc[double])[settled]
    terminal = np.broadcast_to(terminal, flows.shape[:1])
    for row in np.concatenate([double[~settled], np.flatnonzero(finite & (changes >= 3))]):
        root = nearest_root(go_forward_irr_roots(fcf[row], float(terminal[row]), True), float(wacc[row]))
        result[row] = np.nan if root is None else root
    return result
