"""The Model file sheet: what reading the workbook back needs that no other sheet holds as an input.

Sources, actuals, peers, the uncertainty of the risk analyses and the class names as exported
(so a class renamed on Assumptions is read as a rename) travel as JSON, one section per row
(long sections continue on the rows below, each cell under a spreadsheet's limit of 32,767
characters). The sheet is visible and says what it is: spreadsheet modelling standards forbid
hidden rows. Every input (settings, drivers, capex, history, classes, calibration, scenarios) is
on Assumptions and only there; ``model.workbook.reader`` ignores an input found here and says so.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from model.workbook.layout import MODEL_FILE, MODEL_FILE_KEYS

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

JSON_CHUNK = 30_000  # characters of JSON per cell, below a cell's limit of 32,767
KEY_COL, ABOUT_COL, JSON_COL = 0, 1, 2
FIRST_ROW = 4
ABOUT = {
    "sources": "Where each number came from (also on the Sources sheet)",
    "actuals": "Reported figures by fiscal year (also on the Actuals sheet)",
    "peers": "Comparable businesses' figures (also on the Actuals sheet)",
    "uncertainty": "The distributions and correlations of the risk analyses",
    "class_names": "The asset class names as exported: a name changed on Assumptions is read as a rename",
}


def write_model_file(writer: WorkbookWriter) -> None:
    sheet, f, model = writer.sheets[MODEL_FILE], writer.formats, writer.model
    writer.text(sheet, 0, KEY_COL, "Model file: what Capex Workbench reads back besides the inputs", f.title)
    sheet.set_row(1, 58)
    sheet.merge_range(1, KEY_COL, 1, ABOUT_COL, "", f.wrap)
    writer.text(
        sheet,
        1,
        KEY_COL,
        "The inputs and every scenario are the cells of the Assumptions sheet, and they are the truth: this sheet "
        "holds only what no other sheet holds as an input. If it disagrees with them (an input written here), "
        "Capex Workbench uses the Assumptions cells and says so when it opens this workbook.",
        f.wrap,
    )
    sheet.set_column(KEY_COL, KEY_COL, 14)
    sheet.set_column(ABOUT_COL, ABOUT_COL, 80)
    sheet.set_column(JSON_COL, JSON_COL, 120)
    for col, title in ((KEY_COL, "Section"), (ABOUT_COL, "What it is"), (JSON_COL, "Content (JSON)")):
        sheet.write_string(FIRST_ROW - 1, col, title, f.header_left)
    sections: dict[str, Any] = {
        "sources": model["sources"],
        "actuals": model["actuals"],
        "peers": model["peers"],
        "uncertainty": model["uncertainty"],
        "class_names": [cls["name"] for cls in model["asset_classes"]],
    }
    row = FIRST_ROW
    for key in MODEL_FILE_KEYS:
        text = json.dumps(sections[key], ensure_ascii=False, allow_nan=False)
        for start in range(0, max(len(text), 1), JSON_CHUNK):
            writer.text(sheet, row, KEY_COL, key, f.text)
            if start == 0:
                writer.text(sheet, row, ABOUT_COL, ABOUT[key], f.note)
            writer.text(sheet, row, JSON_COL, text[start : start + JSON_CHUNK])
            row += 1
    # Printed: what each section is; the JSON itself runs to pages and is for Capex Workbench.
    sheet.print_area(0, KEY_COL, row - 1, ABOUT_COL)
