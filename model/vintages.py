"""Vintage weights (docs/model.md section 4, "Vintages"): what one unit of capex bought in year v
contributes in year t to depreciation, impairment, book value, tax depreciation and service.

Vintage years run over the history and the projection, v = 1 - n .. H (index v + n - 1), and
service years over the projection, t = 1 .. H. Every table is classes x vintages x years and
depends only on the classes' lives and lags, so one model's tables are built once and reused on
every edit and every trial.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


def half_year_weight(age: NDArray[np.float64], life: NDArray[np.float64]) -> NDArray[np.float64]:
    """w(a, L): 0.5 in the year of entry (a = 0), 1 in full years, 0.5 in year a = L, 0 after.

    The weights of one vintage sum to L; for L = 1 they are 0.5 and 0.5.

    >>> half_year_weight(np.arange(-1, 5), np.array(3)).tolist()
    [0.0, 0.5, 1.0, 1.0, 0.5, 0.0]
    """
    return np.where(age == 0, 0.5, np.where((age >= 1) & (age <= life - 1), 1.0, np.where(age == life, 0.5, 0.0)))


@dataclass(frozen=True)
class VintageTables:
    """Per unit of capex: each table is (C, n + H, H), vintage years by service years."""

    depreciation: NDArray[np.float64]
    impairment: NDArray[np.float64]
    book_value: NDArray[np.float64]
    tax_depreciation: NDArray[np.float64]
    in_service: NDArray[np.float64]  # w(a, E): the share of a year the vintage works (revenue classes use it)


@functools.lru_cache(maxsize=64)
def vintage_tables(
    lives: tuple[int, ...],
    economic_lives: tuple[int, ...],
    lags: tuple[int, ...],
    tax_lives: tuple[int, ...],
    history_years: int,
    horizon: int,
) -> VintageTables:
    """The tables for classes with these book (L), economic (E) and tax (T) lives and lags.

    Age in service a = t - v - lag. Depreciation x w(a, min(L, E)) / L; when E < L the book
    value left at a = E is written off as impairment; book value is the cost while in
    construction (a < 0, bought), then 1 - min(a + 0.5, L) / L, and 0 once retired early.
    Tax depreciation w(a, min(T, E)) / T plus the rest at a = E when E < T; T = 0 deducts the
    cost in full in the year of entry.
    """
    book = np.asarray(lives, dtype=float)[:, None, None]
    economic = np.asarray(economic_lives, dtype=float)[:, None, None]
    tax = np.asarray(tax_lives, dtype=float)[:, None, None]
    lag = np.asarray(lags, dtype=float)[:, None, None]
    vintage = np.arange(1 - history_years, horizon + 1, dtype=float)[None, :, None]
    year = np.arange(1, horizon + 1, dtype=float)[None, None, :]
    age = year - vintage - lag
    bought = year >= vintage

    depreciation = half_year_weight(age, np.minimum(book, economic)) / book
    retired_early = economic < book
    impairment = np.where(retired_early & (age == economic), 1.0 - economic / book, 0.0)
    remaining = 1.0 - np.minimum(age + 0.5, book) / book
    book_value = np.where(age < 0, 1.0, np.where(retired_early & (age >= economic), 0.0, remaining))
    book_value = np.where(bought, book_value, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        straight = half_year_weight(age, np.minimum(tax, economic)) / tax
        tax_write_off = np.where((economic < tax) & (age == economic), 1.0 - economic / tax, 0.0)
    tax_depreciation = np.where(tax == 0, np.where(age == 0, 1.0, 0.0), straight + tax_write_off)
    in_service = half_year_weight(age, economic)
    shared = []  # cached and shared by every caller, so read-only
    for table in (depreciation, impairment, book_value, tax_depreciation, in_service):
        table = np.ascontiguousarray(np.broadcast_to(table, age.shape))
        table.flags.writeable = False
        shared.append(table)
    return VintageTables(*shared)
