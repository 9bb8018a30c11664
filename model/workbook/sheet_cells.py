"""Cells the analysis sheets share: a number or an empty cell, a header row, a summary table's
row (label, unit, value), an input value's format and the printed part of a sheet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from model.workbook.formats import cached

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter


def number_cell(sheet: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """A number, or an empty cell for NaN or None (no IRR, a rule broken), as elsewhere in the workbook."""
    number = cached(value)
    if number == "":
        sheet.write_blank(row, col, None, fmt)
    else:
        sheet.write_number(row, col, number, fmt)


def header_row(writer: WorkbookWriter, sheet: Any, row: int, names: Sequence[str], first_col: int = 0) -> None:
    for col, name in enumerate(names, start=first_col):
        sheet.write_string(row, col, name, writer.formats.header_left if col == 0 else writer.formats.header)


def summary_row(
    writer: WorkbookWriter, sheet: Any, row: int, label: str, unit: str, value: Any, fmt: Any = None
) -> None:
    """One line of a summary table: label, unit, then a text or a number in ``fmt`` (default: the
    unit's format)."""
    f = writer.formats
    writer.text(sheet, row, 0, label, f.kpi_label)
    writer.text(sheet, row, 1, writer.unit_text(unit), f.unit)
    if isinstance(value, str):
        writer.text(sheet, row, 2, value, f.text)
    else:
        number_cell(sheet, row, 2, value, fmt or f.number(unit))


def value_format(writer: WorkbookWriter, unit: str) -> Any:
    """The format of an input's value: a percentage as one, a factor or plain number to four decimals."""
    return writer.formats.number(unit) if unit in ("%", "money", "years") else writer.formats.number_format("0.0###")


def section(writer: WorkbookWriter, sheet: Any, row: int, title: str) -> int:
    """A section band at ``row``, its title in the first column; returns the row below it."""
    sheet.set_row(row, None, writer.formats.section)
    sheet.write_string(row, 0, title, writer.formats.section)
    return row + 1


def print_summary(sheet: Any, last_row: int, last_col: int) -> None:
    """The sheet prints its summary: the rows and columns written, charts included."""
    sheet.print_area(0, 0, last_row, last_col)
