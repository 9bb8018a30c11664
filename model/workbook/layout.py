"""Where things are in the exported workbook: what the writer and the reader must agree on."""

from __future__ import annotations

from xlsxwriter.utility import xl_rowcol_to_cell

SHEETS = ("Summary", "Assumptions", "Depreciation", "Projections", "Scenarios", "Sources", "Actuals")
ASSUMPTIONS = "Assumptions"  # the sheet the reader reads back
MARKER = "Capex Workbench model"  # cell A1 of Assumptions: the workbook is ours
OVERRIDE_PREFIX = "scenario:"  # field paths of the rows the exported scenario overrides
MODEL_FILE_KEY = "model_file"  # hidden rows with the JSON the sheet does not show as inputs
# Columns of Assumptions, Depreciation and Projections: field path, label, unit, then the years.
KEY_COL, LABEL_COL, UNIT_COL, FIRST_YEAR_COL = 0, 1, 2, 3
HEADER_ROW = 2
CLASS_FIELD_COLS = {"treatment": 3, "life": 4, "revenue_generating": 5}


def year_col(t: int) -> int:
    """Column of projection year t (1..H) on Assumptions, Depreciation and Projections."""
    return FIRST_YEAR_COL + t - 1


def cell(sheet: str, row: int, col: int, absolute: bool = False) -> str:
    """A sheet-qualified A1 reference (our sheet names need no quotes)."""
    return f"{sheet}!{xl_rowcol_to_cell(row, col, absolute, absolute)}"
