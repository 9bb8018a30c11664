"""The cell formats of the workbook, and how a computed value is cached in its formula cell."""

from __future__ import annotations

from typing import Any

import numpy as np
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

# The workbook's own number formats. The output registry (model/outputs.py, ``excel_format``)
# differs for money (negatives in red) and for some units; taking its formats would change the
# workbook, so that is a change of its own.
NUMBER_FORMATS = {
    "money": "#,##0.0;-#,##0.0",
    "%": "0.0%",
    "x": "0.000",
    "factor": "0.0000",
    "years": "0.0",
    "multiple": '0.00"x"',
    "integer": "0",
    "general": "General",
}
INPUT_FORMATS = {"money": "#,##0.0##", "%": "0.0##%", "x": "0.0##", "integer": "0", "general": "General"}
INPUT_STYLE = {"font_color": "#0000FF", "bg_color": "#FFF9E5", "border": 1, "border_color": "#D9D9D9"}


class Formats:
    """The workbook's cell formats; ``input_*`` are the modeller's blue-on-light-fill inputs."""

    def __init__(self, book: Workbook) -> None:
        def fmt(**props: Any) -> Format:
            return book.add_format({"font_name": "Calibri", "font_size": 10, **props})

        self.title = fmt(bold=True, font_size=14)
        self.subtitle = fmt(italic=True, font_color="#595959")
        self.section = fmt(bold=True, bottom=1, bg_color="#DDEBF7")
        self.header = fmt(bold=True, bottom=1, align="center", text_wrap=True)
        self.header_left = fmt(bold=True, bottom=1)
        self.header_right = fmt(bold=True, bottom=1, align="right")
        self.unit = fmt(indent=1)
        self.life = fmt(bold=True, bottom=1, bg_color="#DDEBF7", num_format='0" years"')
        self.key = fmt(font_color="#808080", font_size=8)
        self.text = fmt()
        self.wrap = fmt(text_wrap=True, valign="top")
        self.note = fmt(italic=True, font_color="#595959")
        for name, num in NUMBER_FORMATS.items():
            setattr(self, _attr(name), fmt(num_format=num))
        for name, num in INPUT_FORMATS.items():
            setattr(self, "input_" + _attr(name), fmt(num_format=num, **INPUT_STYLE))
        self.input_text = fmt(**INPUT_STYLE)
        self.link = fmt(font_color="#006100")
        self.kpi_label = fmt(bold=True)

    def number(self, unit: str) -> Format:
        """The output format for a unit of model.schema ("money", "%", "x", "years")."""
        return getattr(self, _attr(unit if unit in ("money", "%", "x", "years") else "general"))

    def input(self, unit: str) -> Format:
        return getattr(self, "input_" + _attr(unit if unit in ("money", "%", "x") else "general"))

    def kpi(self, unit: str) -> Format:
        """The format of a KPI: as ``number``, but a ratio KPI is a multiple (1.25x)."""
        return self.multiple if unit == "x" else self.number(unit)


def _attr(name: str) -> str:
    return {"%": "percent", "x": "ratio"}.get(name, name)


def cached(number: float | None) -> float | str:
    """A formula's cached result: NaN/None (a null line or KPI) is the empty text, never an error."""
    if number is None or not np.isfinite(number):
        return ""
    return float(number)
