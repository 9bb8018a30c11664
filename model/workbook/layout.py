"""Where things are in the exported workbook: what the writer and the reader must agree on."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

MODEL_FILE = "Model file"  # what the reader needs that no other sheet holds as an input (JSON)
SHEETS = ("Summary", "Assumptions", "Fleet", "Projections", "Scenarios", "Sources", "Actuals", MODEL_FILE)
ASSUMPTIONS = "Assumptions"  # the sheet the reader reads back
ACTUALS = "Actuals"  # reported figures (year, line label, value), then the peers below PEERS_TITLE
PEERS_TITLE = "Peers (reference figures)"
MARKER = "Capex Workbench model"  # cell A1 of Assumptions: the workbook is ours
SCENARIO_NAME = "scenario"  # the named cell on Summary that picks the scenario every input follows
SCENARIO_NAMES = "scenario_names"  # the named list of scenarios on Assumptions, Base first
SCENARIO_NAME_KEY = "scenario_name"  # column A of the rows of that list
OVERRIDE_PREFIX = "scenario:"  # rows of a scenario's override (its name in the label column)
LIVE_PREFIX = "live:"  # rows of the value in use: the base or the picked scenario's (formulas)
SOLVED_PREFIX = "solved:"  # rows holding a calibrated setting's formula (not read back: it is computed)
MODEL_FILE_KEY = "model_file"  # column A of the JSON rows of workbooks exported before the Model file sheet
MODEL_FILE_KEYS = ("sources", "actuals", "peers", "uncertainty", "class_names")  # what the Model file holds
HISTORY_KEY = "history"  # the header row of the history table (its years); rows history[i] below it
# Columns of Assumptions, Fleet and Projections: field path, label, unit, then the years.
KEY_COL, LABEL_COL, UNIT_COL, FIRST_YEAR_COL = 0, 1, 2, 3
HEADER_ROW = 2
SOURCE_TITLE = "Source"  # the header of the Source column of Assumptions (visible: it wins over the Model file)
CLASS_FIELDS = ("treatment", "life", "economic_life", "lag", "tax_life", "revenue_generating")
CLASS_FIELD_COLS = {field: FIRST_YEAR_COL + i for i, field in enumerate(CLASS_FIELDS)}
# Class fields that follow the book life when absent: the sheet shows them as a formula "=life".
FOLLOWS_BOOK_LIFE = ("economic_life", "tax_life")
CALIBRATION_FIELDS = ("line", "year", "value", "solve")
CALIBRATION_COLS = {field: FIRST_YEAR_COL + i for i, field in enumerate(CALIBRATION_FIELDS)}


def year_col(t: int) -> int:
    """Column of projection year t (1..H) on Assumptions, Fleet and Projections."""
    return FIRST_YEAR_COL + t - 1


def col_name(col: int) -> str:
    return str(xl_col_to_name(col))


def cell(sheet: str, row: int, col: int, absolute: bool = False) -> str:
    """A sheet-qualified A1 reference (our sheet names need no quotes)."""
    return f"{sheet}!{xl_rowcol_to_cell(row, col, absolute, absolute)}"


def span(sheet: str | None, first_row: int, first_col: int, last_row: int, last_col: int, absolute: bool = True) -> str:
    """A range reference, sheet-qualified unless ``sheet`` is None."""
    start = xl_rowcol_to_cell(first_row, first_col, absolute, absolute)
    end = xl_rowcol_to_cell(last_row, last_col, absolute, absolute)
    return f"{sheet + '!' if sheet else ''}{start}:{end}"
