"""The cell formats of the workbook, and how a computed value is cached in its formula cell.

Lines and KPIs take their number formats from the output registry (``model.outputs``,
``excel_format``): one place says how a line is shown. The formats here are for inputs and the
workings that are not lines.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from model.outputs import KPIS, LINES, Unit

# Number formats of workings and inputs, by the unit words of model.schema.
NUMBER_FORMATS = {
    "money": Unit.MONEY.excel_format,
    "%": Unit.PERCENT.excel_format,
    "x": Unit.RATIO.excel_format,
    "years": Unit.YEARS.excel_format,
    "integer": "0",
    "general": "General",
    "weight": "0.0###",
}
INPUT_FORMATS = {"money": "#,##0.0##", "%": "0.0##%", "x": "0.0##", "integer": "0", "general": "General"}
INPUT_STYLE = {"font_color": "#0000FF", "bg_color": "#FFF9E5", "border": 1, "border_color": "#D9D9D9"}
# A value that follows another input (an economic life following the book life): black, italic.
DERIVED_STYLE = {"italic": True, "font_color": "#595959", "bg_color": "#F2F2F2", "border": 1, "border_color": "#D9D9D9"}


class Formats:
    """The workbook's cell formats; ``input_*`` are the modeller's blue-on-light-fill inputs."""

    def __init__(self, book: Workbook) -> None:
        self._book = book
        self._by_number_format: dict[str, Format] = {}

        def fmt(**props: Any) -> Format:
            return book.add_format({"font_name": "Calibri", "font_size": 10, **props})

        self._fmt = fmt
        self.title = fmt(bold=True, font_size=14)
        self.subtitle = fmt(italic=True, font_color="#595959")
        self.section = fmt(bold=True, bottom=1, bg_color="#DDEBF7")
        self.header = fmt(bold=True, bottom=1, align="center", text_wrap=True)
        self.header_left = fmt(bold=True, bottom=1)
        self.header_right = fmt(bold=True, bottom=1, align="right")
        self.unit = fmt(indent=1)
        self.key = fmt(font_color="#808080", font_size=8)
        self.text = fmt()
        self.wrap = fmt(text_wrap=True, valign="top")
        self.note = fmt(italic=True, font_color="#595959")
        self.warning = fmt(bold=True, font_color="#9C5700", bg_color="#FFEB9C", text_wrap=True, valign="top")
        self._numbers = {unit: fmt(num_format=num) for unit, num in NUMBER_FORMATS.items()}
        self._inputs = {unit: fmt(num_format=num, **INPUT_STYLE) for unit, num in INPUT_FORMATS.items()}
        # The ones the sheets name directly.
        self.money = self._numbers["money"]
        self.percent = self._numbers["%"]
        self.integer = self._numbers["integer"]
        self.weight = self._numbers["weight"]
        self.general = self._numbers["general"]
        self.input_integer = self._inputs["integer"]
        self.input_general = self._inputs["general"]
        self.input_text = fmt(**INPUT_STYLE)
        self.derived = fmt(num_format="0", **DERIVED_STYLE)
        self.solved = fmt(num_format="0.0000####", bold=True, **DERIVED_STYLE)
        self.link = fmt(font_color="#006100")
        self.kpi_label = fmt(bold=True)

    def number_format(self, num_format: str) -> Format:
        """A (shared) format of this number format."""
        if num_format not in self._by_number_format:
            self._by_number_format[num_format] = self._fmt(num_format=num_format)
        return self._by_number_format[num_format]

    def line(self, key: str) -> Format:
        """The format of output line ``key``, from the registry."""
        return self.number_format(LINES[key].excel_format)

    def kpi(self, key: str) -> Format:
        """The format of KPI ``key``, from the registry."""
        return self.number_format(KPIS[key].excel_format)

    def number(self, unit: str) -> Format:
        """The output format for a unit of model.schema ("money", "%", "x", "years")."""
        return self._numbers[unit if unit in ("money", "%", "x", "years") else "general"]

    def input(self, unit: str) -> Format:
        """The input format for a unit of model.schema ("money", "%", "x", "integer")."""
        return self._inputs[unit if unit in INPUT_FORMATS else "general"]


def cached(number: float | None) -> float | str:
    """A formula's cached result: NaN/None (a null line or KPI) is the empty text, never an error."""
    if number is None or not np.isfinite(number):
        return ""
    return float(number)
