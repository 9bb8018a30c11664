"""The named cell ``scenario`` on the Summary: the scenario every input of the workbook follows.

A drop-down of the names listed on Assumptions (``scenario_names``, Base first) holds the
exported scenario's name; ``model.workbook.assumptions`` writes the rows "in use" that pick by it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from xlsxwriter.worksheet import Worksheet

from model.workbook.layout import SCENARIO_NAME, SCENARIO_NAMES, cell

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

SCENARIO_COL = 1  # the cell in column B, its label in A and what it does in C:D


def write_scenario_cell(writer: WorkbookWriter, sheet: Worksheet, row: int) -> None:
    f = writer.formats
    name = sheet.get_name()
    writer.text(sheet, row, SCENARIO_COL - 1, "Scenario (pick one)", f.kpi_label)
    writer.text(sheet, row, SCENARIO_COL, writer.scenario, f.input_text)
    writer.workbook.define_name(SCENARIO_NAME, "=" + cell(name, row, SCENARIO_COL, True))
    sheet.data_validation(
        row,
        SCENARIO_COL,
        row,
        SCENARIO_COL,
        {
            "validate": "list",
            "source": f"={SCENARIO_NAMES}",
            "input_title": "Scenario",
            "input_message": "Every input follows the scenario picked here (Assumptions, rows in use).",
            "error_title": "Not a scenario",
            "error_message": "Pick one of the scenarios listed on the Assumptions sheet.",
        },
    )
    known = f"SUMPRODUCT(--EXACT({SCENARIO_NAMES},{SCENARIO_NAME}))>0"
    note = f'=IF({known},"every input follows it","not a scenario of this model: every input is Base")'
    sheet.write_formula(row, SCENARIO_COL + 1, note, f.note, "every input follows it")
