"""How numbers are shown and typed: money in the display currency, rates as percentages.

Units are those of ``model.schema`` and ``model.outputs.Unit``: "money", "%", "x" (a multiple or
plain ratio), "years", "RMB/USD" (an exchange rate), "compute" (compute units: money of capex at
base-year prices of compute), "per share" (money per share), plus the table-only kinds "integer",
"text", "choice" and "bool".
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from model.errors import ModelError
from model.schema import INFRASTRUCTURE_CHARGES, TERMINAL_METHODS, TREATMENTS

THOUSANDS = re.compile(r"[-+]?\d{1,3}(,\d{3})+(\.\d*)?")
# An accounting negative, as spreadsheets show and copy them: (1,234.5) or (10.0%).
ACCOUNTING_NEGATIVE = re.compile(r"\((.*)\)")
# What a scale word multiplies by, for amounts typed with a suffix (``500m``, ``3bn``, ``1.2k``)
# and for the model's own money unit ("bn"), which the suffix is converted into.
SCALES = {
    "": 1.0,
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mm": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}
SCALED = re.compile(r"(.*[\d.])\s*([a-z]+)", re.IGNORECASE)
NOT_AVAILABLE = "n/a"
SMALLEST_FIXED = 5e-7  # the smallest magnitude six fixed places show as non-zero (0.000001)


@dataclass(frozen=True)
class MoneyDisplay:
    """The currency money is shown in: ``rate`` model-currency units per displayed unit.

    Display only (docs/model.md section 2): shown = value / rate, and a typed amount is multiplied
    back by ``rate`` before it reaches the model.
    """

    currency: str
    unit: str
    rate: float = 1.0

    @property
    def label(self) -> str:
        return f"{self.currency} {self.unit}"


def is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


# How the model's choice keys read in the grids (a key without an entry reads as itself).
CHOICE_LABELS = {
    "none": "none",
    "book_value": "book value",
    "gordon": "Gordon growth",
    "exit_multiple": "exit multiple",
    "cohort": "owned by the plan",
    "rent": "rented",
}
# What a typed or pasted choice means: a key or its label, in any case, as Excel matches a list entry.
CHOICE_KEYS = {
    **{key: key for key in (*TERMINAL_METHODS, *INFRASTRUCTURE_CHARGES, *TREATMENTS)},
    **{label.lower(): key for key, label in CHOICE_LABELS.items()},
}


def worded_refusal(error: ModelError) -> str:
    """The model layer's refusal as the window shows it: a list of choices names the labels the
    cells show ("book value"), not the keys a model file holds ("book_value")."""
    message = str(error)
    for keys in (TERMINAL_METHODS, INFRASTRUCTURE_CHARGES):
        keyed = f"is not one of {', '.join(keys)}"
        if message.endswith(keyed):
            return message.removesuffix(keyed) + f"is not one of {', '.join(CHOICE_LABELS[key] for key in keys)}"
    return message


def format_cell(value: Any, unit: str, money: MoneyDisplay) -> str:
    """The text a table cell shows: 1 decimal for money and rates, 2 for multiples, so a row's
    figures line up; "n/a" for an undefined value."""
    if unit.startswith(DERIVED_UNITS):
        return format_derived(value, unit, money)
    if unit == "bool":
        return ""
    if unit == "choice":
        return CHOICE_LABELS.get(value, str(value))
    if unit == "text":
        return str(value)
    if is_missing(value):
        return NOT_AVAILABLE
    if unit == "money":
        return money_text(value, money, 1)
    if unit == "%":
        return fixed(value * 100, 1) + "%"
    if unit in ("years", "compute"):
        return fixed(value, 1)
    if unit == "per share":
        return money_text(value, money, 2)
    if unit == "integer":
        return f"{int(value)}"
    if unit in ("x", "RMB/USD", "per share"):
        return fixed(value, 2)
    return f"{value:,.4g}"


def fixed(value: float, decimals: int) -> str:
    """``value`` with thousands separators and ``decimals`` places, a half rounded away from zero
    as a spreadsheet shows it (6.25 is 6.3; Python's own formatting would round it to even, 6.2)."""
    if not math.isfinite(value):
        return str(value)
    if abs(value) >= 1e21:  # beyond any plan; Decimal's 28 digits cannot place the decimals
        return f"{value:.{decimals + 2}e}"
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    if exact.is_zero():
        exact = abs(exact)  # -0.004 rounds to zero, shown as 0.0, never -0.0
    return f"{exact:,.{decimals}f}"


def scientific(value: float, step: float) -> str:
    """``value`` in scientific form with the digits that tell multiples of ``step`` apart (``6e-16``,
    ``2.5e-16``); "0" within half a step of zero. For numbers too small for fixed places."""
    if abs(value) < step / 2:
        return "0"
    mantissa = step / 10 ** math.floor(math.log10(step))
    places = next((d for d in range(4) if abs(round(mantissa, d) - mantissa) <= 1e-9 * mantissa), 3)
    digits = math.floor(math.log10(abs(value))) - math.floor(math.log10(step)) + places
    return f"{value:.{max(digits, 0)}e}"


def money_text(value: float, money: MoneyDisplay, decimals: int) -> str:
    """An amount in the display currency with ``decimals`` places, or in scientific form
    (``6.72e-16``) where the conversion shrinks a number the model's currency shows below a
    millionth of its unit: an exchange rate far beyond any currency's would otherwise turn every
    amount into 0.0. A residue already that small in the model's currency still reads 0.0."""
    shown = value / money.rate
    if 0 < abs(shown) < SMALLEST_FIXED <= abs(value):
        return f"{shown:.2e}"
    return fixed(shown, decimals)


def format_entry(value: Any, unit: str, money: MoneyDisplay) -> str:
    """The full-precision text a cell is edited and copied as (``12.5%``, ``1234.5``)."""
    if unit.startswith(DERIVED_UNITS):
        return format_derived_entry(value, unit, money)
    if unit in ("text", "choice"):
        return str(value)
    if unit == "bool":
        return "TRUE" if value else "FALSE"
    if is_missing(value):
        return ""
    if unit == "money":
        return f"{value / money.rate:.10g}"
    if unit == "%":
        return f"{value * 100:.10g}%"
    return f"{value:.10g}"


def parse_entry(text: str, unit: str, money: MoneyDisplay) -> Any:
    """What a typed or pasted text means in a cell of ``unit``.

    ``12%``, ``12`` and ``0.12`` are all 0.12 in a percentage cell (a plain number of 1 or more is
    read as percent, as Excel does); ``1,234.5`` is 1234.5; an accounting negative ``(1,234.5)``
    or ``(10.0%)`` is negative. In a money cell a scale suffix (k, m, bn, tn) gives an amount in
    the display currency, converted into the model's unit: in a model kept in bn, ``500m`` is 0.5,
    ``3bn`` is 3 and ``1.2k`` is 0.0000012. An empty cell is None (an unknown year where the model
    allows one). Text that is not a number comes back unchanged, so the model layer refuses it
    with its own message ("'abc' is not a number").
    """
    cleaned = text.strip().replace("\u2212", "-")
    if unit == "choice":
        return CHOICE_KEYS.get(cleaned.lower(), cleaned)
    if unit == "text":
        return cleaned
    if not cleaned:
        return None
    if unit == "bool":
        upper = cleaned.upper()
        return True if upper in ("TRUE", "YES", "1") else False if upper in ("FALSE", "NO", "0") else cleaned
    number = _number(cleaned, unit, money)
    if number is None:
        return cleaned
    if unit == "integer" and number.is_integer():
        return int(number)
    return number


def _number(text: str, unit: str, money: MoneyDisplay) -> float | None:
    """The number ``text`` means in a cell of ``unit``, in model units; None if it is none."""
    negative = ACCOUNTING_NEGATIVE.fullmatch(text)
    digits = negative.group(1).strip() if negative else text
    percent = unit == "%" and digits.endswith("%")
    if percent:
        digits = digits[:-1].strip()
    typed_scale, model_scale = 1.0, 1.0
    scaled = SCALED.fullmatch(digits) if unit == "money" else None
    if scaled:
        suffix, model_unit = scaled.group(2).lower(), money.unit.lower()
        if suffix not in SCALES or model_unit not in SCALES:
            return None
        digits, typed_scale, model_scale = scaled.group(1).strip(), SCALES[suffix], SCALES[model_unit]
    if THOUSANDS.fullmatch(digits):
        digits = digits.replace(",", "")
    if negative and digits.startswith(("-", "+")):
        return None  # (-5) is no number a spreadsheet writes
    if "_" in digits:  # Python reads 1_000 as 1000; a spreadsheet reads it as text
        return None
    try:
        number = float(digits)
    except ValueError:
        return None
    # Excel's automatic percent entry: in a percentage cell 12 means 12 %, as do 12% and 0.12.
    if percent or (unit == "%" and abs(number) >= 1):
        number /= 100
    if unit == "money":
        number = number * typed_scale / model_scale * money.rate
    return -number if negative else number


# --------------------------------------------------------------------------- KPI strip

KPI_UNIT_WORDS = {"years": "years", "x": "x"}


def unit_words(unit: str, money: MoneyDisplay) -> str:
    """How a unit reads in an axis title or a row label: "RMB bn", "%", "compute units"."""
    if unit == "money":
        return money.label
    if unit == "per share":
        return f"{money.currency} per share"
    if unit == "compute":
        return "compute units"
    return {"x": "×", "RMB/USD": "RMB per USD", "bool": "yes / no"}.get(unit, unit)


def format_kpi(value: float | None, unit: str, money: MoneyDisplay) -> str:
    """A KPI with its unit: ``RMB 12.3 bn``, ``11.2%``, ``6.4 years``, ``RMB 3.21 per share``, ``n/a``."""
    if value is None:
        return NOT_AVAILABLE
    if unit == "money":
        return f"{money.currency} {money_text(value, money, 1)} {money.unit}"
    if unit == "per share":
        return f"{money.currency} {money_text(value, money, 2)} per share"
    if unit == "%":
        return fixed(value * 100, 1) + "%"
    return f"{fixed(value, 1)} {KPI_UNIT_WORDS.get(unit, unit)}".strip()


def format_kpi_change(value: float | None, base: float | None, unit: str, money: MoneyDisplay) -> str:
    """The difference from Base: ``+1.2 bn``, ``-0.8 pt``, ``+0.5 years`` (n/a when either is n/a)."""
    if value is None or base is None:
        return f"{NOT_AVAILABLE} vs Base"
    change = value - base
    if unit == "money":
        return f"{signed(change / money.rate, 1)} {money.unit} vs Base"
    if unit == "per share":
        return f"{signed(change / money.rate, 2)} per share vs Base"
    if unit == "%":
        return f"{signed(change * 100, 1)} pt vs Base"
    return f"{signed(change, 1)} {KPI_UNIT_WORDS.get(unit, unit)} vs Base"


def signed(value: float, decimals: int) -> str:
    """``value`` as ``fixed`` shows it, with its sign (``+1.2``, ``-0.8``); no sign when it shows as zero."""
    text = fixed(value, decimals)
    return text if text.startswith("-") or not text.strip("0.,") else f"+{text}"


# --------------------------------------------------------------------------- derived units

# A cell may hold a difference to Base (``CHANGE + unit``) or a row of yearly values
# (``ROW + unit``) in one of the units above; both are numbers, so they align as numbers do.
CHANGE, ROW = "change in ", "row of "
DERIVED_UNITS = (CHANGE, ROW)


def format_derived(value: Any, unit: str, money: MoneyDisplay) -> str:
    """A difference to Base signed (``+1.2``, ``-0.8 pt`` for rates), or a row of yearly values
    as its one value or its first and last known values (``80.0% → 85.0%``)."""
    if unit.startswith(CHANGE):
        unit = unit.removeprefix(CHANGE)
        if is_missing(value):
            return NOT_AVAILABLE
        text = f"{fixed(abs(value) * 100, 1)} pt" if unit == "%" else format_cell(abs(value), unit, money)
        if not any(digit in "123456789" for digit in text):
            return text  # no change at the shown precision: neither +0.0 nor -0.0
        return f"{'+' if value > 0 else '-'}{text}"
    unit = unit.removeprefix(ROW)
    known = [item for item in value if not is_missing(item)]
    if not known:
        return NOT_AVAILABLE
    first, last = format_cell(known[0], unit, money), format_cell(known[-1], unit, money)
    if all(format_cell(item, unit, money) == first for item in known):
        return first
    return f"{first} → {last}"


def format_derived_entry(value: Any, unit: str, money: MoneyDisplay) -> str:
    """A difference as the number it is; a row as its values, separated by semicolons."""
    if unit.startswith(CHANGE):
        return format_entry(value, unit.removeprefix(CHANGE), money)
    return "; ".join(format_entry(item, unit.removeprefix(ROW), money) for item in value)
