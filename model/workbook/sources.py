"""The Sources sheet: where each input, actual and peer figure came from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from model.workbook.layout import HEADER_ROW

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter


def write_sources(writer: WorkbookWriter) -> None:
    sheet, f = writer.sheets["Sources"], writer.formats
    writer.title(sheet, "Sources", "Where each input, actual and peer figure came from.")
    for col, (title, width) in enumerate((("Field", 40), ("Source", 90), ("Link", 40), ("Date", 12))):
        sheet.set_column(col, col, width, f.wrap)
        sheet.write_string(HEADER_ROW, col, title, f.header_left)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    sheet.repeat_rows(HEADER_ROW)
    for row, (field, source) in enumerate(writer.model["sources"].items(), start=HEADER_ROW + 1):
        for col, text in enumerate((field, source["text"], source.get("url", ""), source.get("date", ""))):
            writer.text(sheet, row, col, text, f.wrap)
