"""Typed and shown numbers: percentages, thousands separators, the display currency."""

import numpy as np
import pytest

from ui.formatting import MoneyDisplay, format_cell, format_entry, format_kpi, format_kpi_change, parse_entry

RMB = MoneyDisplay("RMB", "bn")
USD = MoneyDisplay("USD", "bn", 7.2)


@pytest.mark.parametrize(
    ("text", "unit", "money", "expected"),
    [
        ("12%", "%", RMB, 0.12),
        ("0.12", "%", RMB, 0.12),
        (" 12 % ", "%", RMB, 0.12),
        ("-10%", "%", RMB, -0.10),
        ("12", "%", RMB, 0.12),  # Excel's automatic percent entry
        ("1", "%", RMB, 0.01),
        ("-10", "%", RMB, -0.10),
        ("0.5", "%", RMB, 0.5),
        ("150%", "%", RMB, 1.5),
        ("1,234.5", "money", RMB, 1234.5),
        ("1234.5", "money", RMB, 1234.5),
        ("10", "money", USD, 72.0),
        ("5", "integer", RMB, 5),
        ("", "money", RMB, None),
        ("abc", "money", RMB, "abc"),
        ("1,5", "money", RMB, "1,5"),
        ("12%", "money", RMB, "12%"),
        ("gordon", "choice", RMB, "gordon"),
        ("Book value", "choice", RMB, "book_value"),  # as the grid shows it, pasted back
    ],
)
def test_parse_entry(text, unit, money, expected):
    assert parse_entry(text, unit, money) == expected


def test_entry_text_round_trips_at_full_precision():
    for value, unit in [(0.0725, "%"), (67.2, "money"), (0.123456789, "x"), (5, "integer")]:
        assert parse_entry(format_entry(value, unit, RMB), unit, RMB) == pytest.approx(value, rel=1e-12)


def test_display_text():
    assert format_cell(1234.56, "money", RMB) == "1,234.6"
    assert format_cell(72.0, "money", USD) == "10.0"
    assert format_cell(0.1234, "%", RMB) == "12.3%"
    assert [format_cell(v, "x", RMB) for v in (0.54, 0.4374, 12)] == ["0.54", "0.44", "12.00"]
    assert format_cell("exit_multiple", "choice", RMB) == "exit multiple"
    assert format_cell("capitalized", "choice", RMB) == "capitalized"
    # Halves round away from zero, as in a spreadsheet.
    assert [format_cell(v, "money", RMB) for v in (6.25, 6.75, -6.25, 1234.45)] == ["6.3", "6.8", "-6.3", "1,234.5"]
    assert format_cell(0.0625, "%", RMB) == "6.3%"
    assert format_cell(np.float64(-118.25), "money", RMB) == "-118.3"  # numpy numbers too
    assert format_kpi(2.25, "money", RMB) == "RMB 2.3 bn"
    assert format_cell(None, "money", RMB) == "n/a"
    assert format_cell(float("nan"), "%", RMB) == "n/a"
    assert format_kpi(-23.4, "money", RMB) == "RMB -23.4 bn"
    assert format_kpi(0.0712, "%", RMB) == "7.1%"
    assert format_kpi(7.61, "years", RMB) == "7.6 years"
    assert format_kpi(None, "%", RMB) == "n/a"
    assert format_kpi_change(0.2, 0.1, "%", RMB) == "+10.0 pt vs Base"
    assert format_kpi_change(10.0, 12.0, "money", RMB) == "-2.0 bn vs Base"
