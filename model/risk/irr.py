"""The IRR of many cash-flow rows at once, by the same rule as ``model.irr`` for one model.

Timing and signs as in ``model.irr``: ``flows[..., t - 1]`` falls at the end of year t, money
spent is negative. With x = 1 / (1 + r) the NPV is a polynomial in x. By Descartes' rule of signs
a row whose nonzero flows change sign exactly once (spend, then earn: nearly every trial of a capex
plan) has exactly one root with r > −1, so no root-choosing is needed: for those rows a
safeguarded Newton iteration on a monotone rescaling of the NPV finds it, all rows together. A
row with no sign change has no IRR. The rare rows with two or more sign changes may have several
roots; they go through ``model.irr.irr_roots`` one by one and take the root nearest the WACC,
exactly as a single model does.
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


def sign_changes(flows: NDArray[np.float64]) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Per row: how often the nonzero flows change sign, and the index of the last flow before
    the first change (−1 when there is none)."""
    signs = np.sign(flows)
    carried = signs
    source = np.broadcast_to(np.arange(flows.shape[-1]), flows.shape)
    # Carry the last nonzero sign over zeros, so zeros never count as a change; simulated flows
    # seldom hold a zero, so only the rows that do pay for it.
    with_zeros = np.flatnonzero((signs == 0).any(axis=-1))
    if with_zeros.size:
        carried, source = signs.copy(), source.copy()
        nonzero = np.where(signs[with_zeros] != 0, source[with_zeros], 0)
        source[with_zeros] = np.maximum.accumulate(nonzero, axis=-1)
        carried[with_zeros] = np.take_along_axis(signs[with_zeros], source[with_zeros], axis=-1)
    change = (carried[:, 1:] != carried[:, :-1]) & (carried[:, :-1] != 0)
    first_change = np.argmax(change, axis=-1)
    last_before = np.take_along_axis(source, first_change[:, None], axis=-1)[:, 0]
    return change.sum(axis=-1), np.where(change.any(axis=-1), last_before, -1)


def _newton_step(
    x: NDArray[np.float64], years: NDArray[np.float64], pivot: NDArray[np.intp]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """g(x) = sum_i flows_i x^i (Horner) and the Newton step of h(x) = g(x) x^-m, m = pivot.

    ``years`` holds the flows year by year, (H, N): each year's flows of all rows lie together
    in memory, which makes the row-wide arithmetic several times faster than strided columns.
    With one sign change h is monotone (terms before the pivot have powers <= 0, the others > 0)
    and has the sign of g, so g brackets the root and h steers Newton.
    """
    value = np.zeros(np.broadcast_shapes(x.shape, years.shape[1:]))
    slope = np.zeros_like(value)
    for year in years[::-1]:
        slope *= x
        slope += value
        value *= x
        value += year
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return value, value / (slope - pivot * value / x)


def _single_change_roots(
    flows: NDArray[np.float64], pivot: NDArray[np.intp], wacc: NDArray[np.float64]
) -> NDArray[np.float64]:
    """The one root r > −1 of each row (NaN when it lies outside the IRR search interval)."""
    roots = np.full(len(flows), np.nan)
    years = np.ascontiguousarray(flows.T)
    ends = np.array([1.0 / (1.0 + IRR_HIGH), 1.0 / (1.0 + IRR_LOW)])
    g_low, g_high = _newton_step(ends[:, None], years[:, None, :], pivot)[0]
    orientation = np.where(g_high >= g_low, 1.0, -1.0)
    inside = (g_low * orientation < 0) & (g_high * orientation > 0)
    # The rows still iterating, compacted after each step so finished rows cost nothing.
    rows = np.flatnonzero(inside)
    years, pivot, orientation = years[:, rows], pivot[rows], orientation[rows]
    low, high = np.full(rows.size, ends[0]), np.full(rows.size, ends[1])
    x = np.clip(1.0 / (1.0 + wacc[rows]), low, high)
    for _ in range(MAX_ITERATIONS):
        if rows.size == 0:
            break
        value, step = _newton_step(x, years, pivot)
        value *= orientation
        low = np.where(value < 0, x, low)
        high = np.where(value > 0, x, high)
        newton = x - step
        # Newton converges quadratically, so a step this small leaves an error far below 1e-9.
        done = (value == 0) | (np.abs(step) <= 1e-12 * x)
        # Outside the bracket, bisect in log x: the bracket spans three orders of magnitude.
        next_x = np.where((newton > low) & (newton < high), newton, np.sqrt(low * high))
        if done.any():  # the first steps seldom finish a row: no copying until one does
            roots[rows[done]] = 1.0 / (x[done] - np.nan_to_num(step[done])) - 1.0
            going = ~done
            rows, years, pivot, orientation = rows[going], years[:, going], pivot[going], orientation[going]
            low, high, next_x = low[going], high[going], next_x[going]
        x = next_x
    return roots


GRID_POINTS = 65  # rates tried between IRR_LOW and IRR_HIGH to bracket two roots (cells of about 16 %)
BISECTIONS = 56  # halvings of a cell in x: to the last bit, far below the 1e-9 of the single-model rule


def _polynomial(x: NDArray[np.float64], years: NDArray[np.float64]) -> NDArray[np.float64]:
    """g(x) = Σ flows_k x^k (Horner) for ``years`` laid out (H, N) and x of shape (..., N)."""
    value = np.zeros(np.broadcast_shapes(x.shape, years.shape[1:]))
    for year in years[::-1]:
        value *= x
        value += year
    return value


def _two_change_roots(flows: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """The roots (2, N) of each row with two sign changes (NaN where fewer), and which rows
    were settled.

    By Descartes' rule such a row has zero or two roots with r > −1. A grid of rates brackets
    every root in (IRR_LOW, IRR_HIGH) that is alone in its grid cell; one bracket then means the
    other root lies outside the interval, two mean both are found. Only a row with no bracket
    (no root in the interval, or two roots in one cell) is not settled here: the caller gives it
    to the single-model rule. Brackets are narrowed by bisection in x = 1 / (1 + r), all at once.
    """
    years = np.ascontiguousarray(flows.T)
    # The ends of the interval belong to the grid, so that a root near either end is bracketed.
    grid = np.geomspace(1.0 / (1.0 + IRR_HIGH), 1.0 / (1.0 + IRR_LOW), GRID_POINTS)
    signs = np.sign(_polynomial(grid[:, None], years[:, None, :]))  # (grid, N)
    change = signs[1:] * signs[:-1] < 0
    count = change.sum(axis=0)
    settled = (count == 1) | (count == 2)
    roots = np.full((2, len(flows)), np.nan)
    first = np.argmax(change, axis=0)
    last = len(change) - 1 - np.argmax(change[::-1], axis=0)
    for slot, cell in enumerate((first, last)):
        rows = np.flatnonzero(settled & ((count == 2) | (slot == 0)))
        low, high = grid[cell[rows]], grid[cell[rows] + 1]
        part = years[:, rows]
        low_sign = np.sign(_polynomial(low, part))
        for _ in range(BISECTIONS):
            middle = np.sqrt(low * high)
            below = np.sign(_polynomial(middle, part)) == low_sign
            low, high = np.where(below, middle, low), np.where(below, high, middle)
        roots[slot, rows] = 1.0 / np.sqrt(low * high) - 1.0
    return roots, settled


def _nearest(roots: NDArray[np.float64], wacc: NDArray[np.float64]) -> NDArray[np.float64]:
    """Of two candidate rates per row (the second NaN where there is one), the one nearest the
    WACC; on a tie, the lower (``model.irr.nearest_root``'s rule)."""
    second_nearer = np.abs(roots[1] - wacc) < np.abs(roots[0] - wacc)
    nearest: NDArray[np.float64] = np.where(np.isnan(roots[1]) | ~second_nearer, roots[0], roots[1])
    return nearest


def irr_rows(flows: NDArray[np.float64], wacc: NDArray[np.float64]) -> NDArray[np.float64]:
    """IRR of every row of ``flows`` (N, H) with its WACC (N,): NaN where there is none.

    Agrees with ``nearest_root(irr_roots(row), wacc)`` row by row. Rows with one sign change
    (spend, then earn) and with two (a small negative tail after the earning years is common)
    are solved together; only the rare others go one by one through the single-model rule.
    """
    flows = np.asarray(flows, dtype=float)
    wacc = np.broadcast_to(np.asarray(wacc, dtype=float), flows.shape[:1])
    result = np.full(len(flows), np.nan)
    finite: NDArray[np.bool_] = np.all(np.isfinite(flows), axis=-1)
    changes, pivot = sign_changes(np.where(finite[:, None], flows, 0.0))
    single = np.flatnonzero(finite & (changes == 1))
    result[single] = _single_change_roots(flows[single], pivot[single], wacc[single])
    double = np.flatnonzero(finite & (changes == 2))
    roots, settled = _two_change_roots(flows[double])
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

    Rows with one sign change have one root on the timing grid, found by ``irr_rows`` and turned
    into an annual rate; rows with several go through the single-model rule, so that the root
    nearest the WACC is chosen among annual rates, as for the model on screen.
    """
    flows = timed_flows(fcf, terminal, mid_year)
    wacc = np.broadcast_to(np.asarray(wacc, dtype=float), flows.shape[:1])
    if not mid_year:
        return irr_rows(flows, wacc)
    result = np.full(len(flows), np.nan)
    finite: NDArray[np.bool_] = np.all(np.isfinite(flows), axis=-1)
    changes, _ = sign_changes(np.where(finite[:, None], flows, 0.0))
    single = np.flatnonzero(finite & (changes == 1))
    rate = annual_rate(irr_rows(flows[single], period_rate(wacc[single], True)), True)
    result[single] = np.where((rate > IRR_LOW) & (rate < IRR_HIGH), rate, np.nan)
    double = np.flatnonzero(finite & (changes == 2))
    periodic, settled = _two_change_roots(flows[double])
    rates = annual_rate(periodic, True)  # nearest the WACC among annual rates, as for one model
    rates = np.where((rates > IRR_LOW) & (rates < IRR_HIGH), rates, np.nan)
    rates = np.where(np.isnan(rates[0]), rates[::-1], rates)  # a root outside the range drops out
    result[double[settled]] = _nearest(rates, wacc[double])[settled]
    terminal = np.broadcast_to(terminal, flows.shape[:1])
    for row in np.concatenate([double[~settled], np.flatnonzero(finite & (changes >= 3))]):
        root = nearest_root(go_forward_irr_roots(fcf[row], float(terminal[row]), True), float(wacc[row]))
        result[row] = np.nan if root is None else root
    return result
