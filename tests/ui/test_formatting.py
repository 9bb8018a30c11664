"""Typed and shown numbers: percentages, thousands separators, the display currency."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ui.formatting import (
    MoneyDisplay,
    format_cell,
    format_entry,
    format_kpi,
    format_kpi_change,
    parse_entry,
    scientific,
)

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
        ("Gordon", "choice", RMB, "gordon"),  # a key in any case, as Excel matches a list entry
        ("Expensed", "choice", RMB, "expensed"),
        ("RENT", "choice", RMB, "rent"),
        ("Gordo", "choice", RMB, "Gordo"),  # not a choice: left for the model to refuse, as typed
        # Accounting negatives, as Excel shows and copies them.
        ("(10.0%)", "%", RMB, -0.10),
        ("(12)", "%", RMB, -0.12),
        ("(1,234.5)", "money", RMB, -1234.5),
        ("( 2.5 )", "x", RMB, -2.5),
        ("(-5)", "money", RMB, "(-5)"),
        ("(abc)", "money", RMB, "(abc)"),
        # Scale suffixes in money cells: an amount in the display currency, put into the model's bn.
        ("500m", "money", RMB, 0.5),
        ("3bn", "money", RMB, 3.0),
        ("2.5 M", "money", RMB, 0.0025),
        ("1.2k", "money", RMB, 1.2e-6),
        ("1,234.5m", "money", RMB, 1.2345),
        ("(500m)", "money", RMB, -0.5),
        ("1tn", "money", RMB, 1000.0),
        ("10bn", "money", USD, 72.0),
        ("500m", "money", MoneyDisplay("RMB", "m"), 500.0),
        ("3bn", "money", MoneyDisplay("RMB", "m"), 3000.0),
        ("5q", "money", RMB, "5q"),
        ("5m", "money", MoneyDisplay("RMB", "lakh"), "5m"),  # a unit of no known scale takes no suffix
        ("5m", "x", RMB, "5m"),  # only money has a scale
        ("\u22120.5", "money", RMB, -0.5),
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


def test_zero_is_never_shown_with_a_sign():
    assert format_cell(-0.004, "money", RMB) == "0.0"
    assert format_cell(-0.00004, "%", RMB) == "0.0%"
    assert format_cell(-0.001, "x", RMB) == "0.00"
    assert format_kpi(-0.01, "money", RMB) == "RMB 0.0 bn"
    assert format_kpi(-0.0, "years", RMB) == "0.0 years"
    assert format_kpi_change(1.0, 1.01, "money", RMB) == "0.0 bn vs Base"
    assert format_kpi_change(0.1, 0.1, "%", RMB) == "0.0 pt vs Base"
    assert format_kpi_change(1234.0, 1.0, "money", RMB) == "+1,233.0 bn vs Base"
    assert format_kpi_change(0.1, 0.2, "%", RMB) == "-10.0 pt vs Base"


def test_an_accounting_negative_round_trips_through_display_text():
    # What Excel copies from a cell formatted #,##0.0;(#,##0.0) comes back as the number it shows.
    for value in (-1234.5, -0.1, -67.2):
        shown = "(" + format_cell(abs(value), "money", RMB) + ")"
        assert parse_entry(shown, "money", RMB) == pytest.approx(value)


@given(
    value=st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
    unit=st.sampled_from(["money", "%", "x", "years"]),
    money=st.sampled_from([RMB, USD]),
)
def test_an_entry_and_its_accounting_negative_read_back(value, unit, money):
    entry = format_entry(value, unit, money)
    assert parse_entry(entry, unit, money) == pytest.approx(value, rel=1e-9, abs=1e-300)
    if value > 0:
        assert parse_entry(f"({entry})", unit, money) == pytest.approx(-value, rel=1e-9)


@given(amount=st.decimals(min_value=0, max_value=10**6, places=3), money=st.sampled_from([RMB, USD]))
def test_scale_suffixes_agree_with_each_other(amount, money):
    text = f"{amount}"
    thousands = parse_entry(f"{text}k", "money", money)
    assert parse_entry(f"{text}m", "money", money) == pytest.approx(thousands * 1e3)
    assert parse_entry(f"{text}bn", "money", money) == pytest.approx(thousands * 1e6)
    assert parse_entry(f"{text}bn", "money", money) == pytest.approx(parse_entry(text, "money", money))


EXTREME = MoneyDisplay("USD", "bn", 1e17)  # a rate the model accepts (MODEL.md section 3 sets no ceiling)


@pytest.mark.parametrize(
    ("value", "unit", "money", "expected"),
    [
        (67.2, "money", EXTREME, "6.72e-16"),
        (-33.4, "money", EXTREME, "-3.34e-16"),
        (3.2, "per share", EXTREME, "3.20e-17"),
        (0.0, "money", EXTREME, "0.0"),
        (1e-9, "money", EXTREME, "0.0"),  # a residue in the model's currency stays 0.0
        (0.3, "money", USD, "0.0"),  # an ordinary rate rounds as before
        (67.2, "money", USD, "9.3"),
    ],
)
def test_an_extreme_exchange_rate_never_turns_amounts_into_zeros(value, unit, money, expected):
    assert format_cell(value, unit, money) == expected


def test_a_kpi_at_an_extreme_exchange_rate_keeps_its_digits():
    assert format_kpi(-33.4, "money", EXTREME) == "USD -3.34e-16 bn"
    assert format_kpi(3.2, "per share", EXTREME) == "USD 3.20e-17 per share"


@pytest.mark.parametrize(
    ("value", "step", "expected"),
    [
        (2e-16, 2e-16, "2e-16"),
        (7.5e-16, 2.5e-16, "7.5e-16"),
        (1.25e-15, 2.5e-16, "1.25e-15"),
        (1e-32, 2e-16, "0"),
        (-4e-16, 2e-16, "-4e-16"),
    ],
)
def test_scientific_shows_the_digits_that_tell_ticks_apart(value, step, expected):
    assert scientific(value, step) == expected


def test_the_window_at_an_extreme_exchange_rate_shows_digits_not_zeros(window, controller):
    settings = window.settings_panel.view.table_model
    fx = settings.index(list(settings.sheet.row_keys).index("fx_rmb_per_usd"), 0)
    assert settings.setData(fx, "1e17")  # valid by the model's rules
    window.currency_actions["USD"].trigger()
    capex = window.capex_panel.capex_view.table_model
    assert capex.index(0, 0).data() == "6.72e-16"  # RMB 67.2 bn
    for chart in window.charts.charts:
        axis = chart.axis("left")
        low, high = axis.range
        for spacing, values in axis.tickValues(low, high, axis.height()):
            for value, text in zip(values, axis.tickStrings(values, 1.0, spacing), strict=True):
                if abs(value) >= spacing / 2:  # a tick away from zero shows its digits
                    assert any(digit in text for digit in "123456789"), (chart.title.text(), value, text)
