"""The Actuals sheet: reported figures against the model, and the peers' reference figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.outputs import LINES
from model.workbook.formats import cached
from model.workbook.layout import ACTUALS, HEADER_ROW, PEERS_TITLE

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter


def write_actuals(writer: WorkbookWriter) -> None:
    sheet, f, model = writer.sheets[ACTUALS], writer.formats, writer.model
    writer.title(
        sheet,
        "Actuals against the model",
        "Reported figures beside the model's figures for the same fiscal year; they never change the model.",
    )
    titles = ("Fiscal year", "Line", "Reported", "Model", "Model − reported")
    for col, (title, width) in enumerate(zip(titles, (12, 34, 14, 14, 16), strict=True)):
        sheet.set_column(col, col, width)
        sheet.write_string(HEADER_ROW, col, title, f.header_left)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    row = HEADER_ROW + 1
    years = writer.results.years
    if not model["actuals"]:
        writer.text(sheet, row, 0, "This model has no actuals.", f.note)
        row += 1
    for year, figures in model["actuals"].items():
        for key, reported in figures.items():
            spec = LINES[key]
            fmt = f.line(key)
            sheet.write_number(row, 0, int(year), f.integer)
            writer.text(sheet, row, 1, spec.label)
            sheet.write_number(row, 2, reported, f.input(spec.unit))
            if int(year) in years:
                t = years.index(int(year)) + 1
                model_value = cached(writer.results.line(key)[t - 1])
                sheet.write_formula(row, 3, f"={writer.line_cell(key, t)}", fmt, model_value)
                difference = model_value - reported if isinstance(model_value, float) else ""
                sheet.write_formula(row, 4, f'=IF(D{row + 1}="","",D{row + 1}-C{row + 1})', fmt, difference)
            else:
                writer.text(sheet, row, 3, "outside the projection", f.note)
            row += 1
    row = writer.section(sheet, row + 1, "")
    sheet.write_string(row - 1, 0, PEERS_TITLE, f.section)
    for name, figures in model["peers"].items():
        for key, value in figures.items():
            spec = LINES[key]
            writer.text(sheet, row, 0, name)
            writer.text(sheet, row, 1, spec.label)
            sheet.write_number(row, 2, value, f.input(spec.unit))
            row += 1
    sheet.set_column(0, 0, 34)
