"""The writer core: the workbook being built, the state its sheets share, and the export itself.

The sheets are written in order (Assumptions with the Model file, Fleet, Projections, the
calibration formulas, Summary, Scenarios, Sources, Actuals), each by its own module; a sheet's formulas refer to rows
recorded on the ``WorkbookWriter`` (the Projections rows are laid out first, since the Fleet's
follow-on spending reads the revenue of the year before). The file is written in memory and moved into place with
``model.fileio.atomic_write``, so a failure never leaves a half-written workbook or destroys the
previous one.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from model.document import Model
from model.engine import Results, calibration_targets, compute
from model.errors import ModelFileError
from model.fileio import atomic_write
from model.schema import BASE_SCENARIO
from model.validation import apply_scenario
from model.workbook.actuals import write_actuals
from model.workbook.assumptions import write_assumptions, write_calibration_formulas
from model.workbook.fleet import FLEET, write_fleet
from model.workbook.formats import Formats
from model.workbook.layout import FIRST_YEAR_COL, HEADER_ROW, KEY_COL, LABEL_COL, SHEETS, UNIT_COL, cell, year_col
from model.workbook.projections import layout_projections, write_projections
from model.workbook.scenarios import write_scenarios
from model.workbook.sources import write_sources
from model.workbook.summary import write_summary

SheetWriter = Callable[["WorkbookWriter"], None]


class _ExactNumberWorksheet(Worksheet):
    """Writes numbers with Python's shortest round-trip repr instead of 16 significant digits.

    XlsxWriter rounds stored numbers to 16 digits, which would change an input in its last bit
    and break "export then import gives an equal model". It has no public option for this, so
    this overrides a private method (and ``_prepare_formula``, for speed); pyproject.toml pins
    XlsxWriter to the minor version tested.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        """The formula without its "=". XlsxWriter also runs about 30 regular expressions over
        every formula to prefix Excel 365 functions; ours use none, and on a 30-year fleet that
        search was most of the export time."""
        return formula[1:] if formula.startswith("=") else formula

    def _xml_number_element(self, number: float, attributes: Sequence[tuple[str, str | int]] = ()) -> None:
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        self.fh.write(f"<c{attr}><v>{float(number)!r}</v></c>")


class WorkbookWriter:
    """The workbook of one scenario of a valid model while it is written, and the rows its sheets record."""

    def __init__(self, model: Model, scenario: str | None = None) -> None:
        self.model = model
        self.scenario = scenario or BASE_SCENARIO
        self.resolved = apply_scenario(model, scenario)
        self.results: Results = compute(model, scenario)
        self.horizon: int = model["horizon"]
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.buffer, {"in_memory": True, "strings_to_formulas": False})
        self.formats = Formats(self.workbook)
        self.sheets = {name: self.add_sheet(name) for name in SHEETS}
        settings = self.resolved["settings"]
        self.valuation_offset: int = settings["valuation_year"] - model["base_year"]
        self.mid_year: bool = bool(settings["mid_year"])
        history = self.resolved["history"]["capex"] if "history" in self.resolved else {}
        self.history_years: int = len(next(iter(history.values()))) if history else 0
        self.targets = calibration_targets(self.resolved)
        self.solved = [target.solve for target in self.targets]
        # The settings the engine computed with: the solved ones replaced by their solution.
        self.results_settings = {
            **settings,
            **{path.partition(".")[2]: value for path, value in self.results.calibrated.items()},
        }
        # Recorded by Assumptions: where the formulas find the live inputs (the row "in use" that
        # picks by the Summary's scenario cell, when some scenario overrides the input).
        self.driver_rows: dict[str, int] = {}
        self.capex_rows: list[int] = []
        self.class_rows: list[int] = []
        self.class_cells: list[dict[str, str]] = []
        self.history_rows: dict[int, int] = {}
        self.calibration_value_cells: dict[str, str] = {}
        self.solved_rows: dict[str, int] = {}
        # Recorded by Fleet.
        self.fleet_rows: dict[str, int] = {}
        self.class_table = (0, 0)
        self.class_refs: list[dict[str, str]] = []
        self.fleet_capex_first = 0
        self.follow_first = 0
        self.class_totals: dict[tuple[str, str], int] = {}
        self.group_rows: dict[tuple[str, str], int] = {}
        # Recorded by Projections.
        self.line_rows: dict[str, int] = {}
        self.helper_rows: dict[str, int] = {}
        self.projection_sections: dict[int, str] = {}
        self.irr_grid = (0, 0)  # first and past-the-last row of the half-year flows
        self.irr_rows = (0, 0)  # first and past-the-last row of the IRR starts

    # ------------------------------------------------------------------ for every sheet writer

    def add_sheet(self, name: str) -> Worksheet:
        """A new worksheet set up like ours (landscape, fitted to the page width)."""
        sheet = self.workbook.add_worksheet(name, worksheet_class=_ExactNumberWorksheet)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.set_paper(9)
        sheet.hide_gridlines(2)
        return sheet

    def line_cell(self, key: str, t: int, absolute: bool = False) -> str:
        """Sheet-qualified reference of line ``key`` in projection year t (1..H)."""
        return cell("Projections", self.line_rows[key], year_col(t), absolute)

    def line_range(self, key: str) -> str:
        return f"line_{key}"

    def driver_cell(self, key: str, t: int) -> str:
        """The live driver ``key`` in projection year t."""
        return cell("Assumptions", self.driver_rows[key], year_col(t))

    def index_cell(self, key: str, t: int) -> str:
        """An index of the Fleet sheet (price_index, cost_index, core_index, in_plan) in year t."""
        return cell(FLEET, self.fleet_rows[key], year_col(t))

    def group_cell(self, group: str, key: str, t: int) -> str:
        """A fleet group total of the Fleet sheet (e.g. installed capacity) in year t."""
        return cell(FLEET, self.group_rows[(group, key)], year_col(t))

    def helper_cell(self, key: str, t: int) -> str:
        return cell("Projections", self.helper_rows[key], year_col(t))

    def capex_cell(self, index: int, t: int) -> str:
        """The live capex input of asset class ``index`` in projection year t."""
        return cell("Assumptions", self.capex_rows[index], year_col(t))

    def text(self, sheet: Worksheet, row: int, col: int, text: str, fmt: Format | None = None) -> None:
        """Model text is always a string cell: "=1+1" from a class name must not become a formula."""
        sheet.write_string(row, col, text, fmt)

    def title(self, sheet: Worksheet, title: str, subtitle: str) -> None:
        self.text(sheet, 0, KEY_COL, title, self.formats.title)
        self.text(sheet, 1, KEY_COL, subtitle, self.formats.subtitle)

    def section(self, sheet: Worksheet, row: int, title: str) -> int:
        """A section band at ``row``; returns the row below it."""
        sheet.set_row(row, None, self.formats.section)
        sheet.write_string(row, LABEL_COL, title, self.formats.section)
        return row + 1

    def unit_text(self, unit: str) -> str:
        return {"money": f"{self.model['currency']} {self.model['unit']}", "x": "x"}.get(unit, unit)

    def year_headers(self, sheet: Worksheet, row: int) -> None:
        fmt = self.formats.header
        for t in range(1, self.horizon + 1):
            sheet.write_formula(row, year_col(t), f"=base_year+{t}", fmt, self.model["base_year"] + t)

    def year_layout(self, sheet: Worksheet, label_width: float = 34) -> None:
        """Columns and frozen header of a sheet laid out by fiscal year."""
        sheet.set_column(KEY_COL, KEY_COL, 22, self.formats.key)
        sheet.set_column(LABEL_COL, LABEL_COL, label_width)
        sheet.set_column(UNIT_COL, UNIT_COL, 8)
        sheet.set_column(FIRST_YEAR_COL, FIRST_YEAR_COL + self.horizon - 1, 10)
        sheet.freeze_panes(HEADER_ROW + 1, FIRST_YEAR_COL)
        sheet.repeat_rows(HEADER_ROW)

    # ------------------------------------------------------------------ the whole workbook

    def write(self, extra_sheets: Iterable[SheetWriter] = ()) -> bytes:
        write_assumptions(self)
        layout_projections(self)
        write_fleet(self)
        write_projections(self)
        write_calibration_formulas(self)
        write_summary(self)
        write_scenarios(self)
        write_sources(self)
        write_actuals(self)
        for write_sheet in extra_sheets:
            write_sheet(self)
        self.sheets["Summary"].activate()
        self.workbook.close()
        return self.buffer.getvalue()


def workbook_bytes(model: Model, scenario: str | None = None, extra_sheets: Iterable[SheetWriter] = ()) -> bytes:
    """The .xlsx file of one scenario of a valid model, in memory."""
    return WorkbookWriter(model, scenario).write(extra_sheets)


def export_workbook(
    model: Model,
    path: str | os.PathLike[str],
    scenario: str | None = None,
    extra_sheets: Iterable[SheetWriter] = (),
) -> None:
    """Write the workbook of ``scenario`` (default Base) to ``path`` atomically.

    Raises ModelError for an unknown scenario and ModelFileError when the file cannot be written
    (missing or read-only folder, file held open elsewhere); the previous file is then unchanged.
    """
    save_workbook(workbook_bytes(model, scenario, extra_sheets), path)


def save_workbook(data: bytes, path: str | os.PathLike[str]) -> None:
    """Write a workbook built in memory to ``path`` atomically (errors as ``export_workbook``)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise ModelFileError(str(target), f"cannot be written: the folder {target.parent} does not exist")
    try:
        atomic_write(target, data)
    except ModelFileError as error:
        cause = error.__cause__
        if not isinstance(cause, PermissionError):
            raise
        # os.replace names both files; creating the temporary file in the folder names one.
        if cause.filename2 is not None:
            rule = "could not be replaced: it is open in another program or read-only; close it and export again"
        else:
            rule = "cannot be written: the folder is read-only; choose another folder"
        raise ModelFileError(str(target), f"{rule} (the previous file is unchanged)") from cause
