"""The Excel workbook export: a live model with formulas, not a dump of numbers.

``export_workbook(model, path, scenario)`` writes one scenario of a valid model as an .xlsx file
whose every computed cell is a formula referring to the inputs (MODEL.md sections 4 to 6) and
also carries the value the workbench computed, so viewers that never recalculate (previews,
pandas, phone apps) show the right numbers. Sheets:

* **Summary**: the KPIs (cells named ``kpi_<key>``) and charts of revenue with margin and of
  cumulative free cash flow; the header names the exported scenario.
* **Assumptions**: every input, blue on a light fill, with a source column. Inputs the exported
  scenario overrides get a row of their own right below the base row ("↳ Bull"); the formulas
  read that row. Settings are named after their keys (``wacc``, ``tax_rate`` ...), drivers too.
  Column A holds each row's field path; ``model.workbook_reader`` reads the sheet back by it.
* **Depreciation**: the vintage schedule of every capitalized class (depreciation and net book
  value by year bought, half-year convention).
* **Projections**: every line of section 4 across the fiscal years (rows named ``line_<key>``),
  then the helper rows of the KPIs (IRR flows, payback).
* **Scenarios**, **Sources**, **Actuals**: overrides and KPIs of every scenario side by side (the
  live formulas model one scenario, so the other scenarios' KPIs are values), where the numbers
  came from, and reported figures against the model.

Timing and signs follow ``model.engine``: year-end flows, money spent is negative. A null
(undefined) result is the empty text ``""`` in its cell, never an error value.

Adding a sheet (for example the risk analysis): pass ``extra_sheets``, callables that receive the
``WorkbookWriter`` after the standard sheets are written and use ``writer.workbook``,
``writer.formats`` (number formats, input style), ``writer.model``, ``writer.results`` and
``writer.line_cell(key, t)`` / ``writer.line_range(key)`` to refer to projection cells::

    def write_risk(writer):
        sheet = writer.add_sheet("Risk")
        sheet.write_formula(0, 0, f"={writer.line_cell('fcf', 1)}*2", writer.formats.money, 1.0)

    export_workbook(model, "plan.xlsx", "Bull", extra_sheets=[write_risk])

The file is written in memory and moved into place with ``model.fileio.atomic_write``, so a
failure never leaves a half-written workbook or destroys the previous one.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from model.engine import Results, compute, irr_cash_flows, vintage_weights
from model.errors import ModelFileError
from model.fileio import atomic_write
from model.irr import IRR_HIGH, IRR_LOW
from model.outputs import KPIS, LINES
from model.schema import BASE_SCENARIO, DRIVERS, SETTINGS, TERMINAL_METHODS, TREATMENTS
from model.validation import Model, apply_scenario, scenario_names

SHEETS = ("Summary", "Assumptions", "Depreciation", "Projections", "Scenarios", "Sources", "Actuals")
MARKER = "Capex Workbench model"
OVERRIDE_PREFIX = "scenario:"
MODEL_FILE_KEY = "model_file"
# Row and column layout shared with the reader: field path, label, unit, then the years.
KEY_COL, LABEL_COL, UNIT_COL, FIRST_YEAR_COL = 0, 1, 2, 3
HEADER_ROW = 2
CLASS_FIELD_COLS = {"treatment": 3, "life": 4, "revenue_generating": 5}
JSON_CHUNK = 30_000
# Starting rates of the spreadsheet's IRR solver (None: the WACC); see _write_irr_starts.
IRR_STARTS = (None, -0.9, -0.75, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.0, 5.0)

SheetWriter = Callable[["WorkbookWriter"], None]

SECTIONS = {
    "capex_capitalized": "Capex and depreciation",
    "revenue_yield": "Revenue",
    "core_ebita": "EBITA",
    "tax": "Cash flow",
    "discount_factor": "Returns",
}


class _ExactNumberWorksheet(Worksheet):
    """Writes numbers with Python's shortest round-trip repr instead of 16 significant digits.

    XlsxWriter rounds stored numbers to 16 digits, which would change an input in its last bit
    and break "export then import gives an equal model".
    """

    def _xml_number_element(self, number, attributes=()) -> None:
        attr = "".join(f' {key}="{self._escape_attributes(value)}"' for key, value in attributes)
        self.fh.write(f"<c{attr}><v>{float(number)!r}</v></c>")


class Formats:
    """The workbook's cell formats; ``input_*`` are the modeller's blue-on-light-fill inputs."""

    def __init__(self, book: Workbook) -> None:
        def fmt(**props: Any):
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
        number_formats = {
            "money": "#,##0.0;-#,##0.0",
            "%": "0.0%",
            "x": "0.000",
            "factor": "0.0000",
            "years": "0.0",
            "multiple": '0.00"x"',
            "integer": "0",
            "general": "General",
        }
        for name, num in number_formats.items():
            setattr(self, _attr(name), fmt(num_format=num))
        input_style = {"font_color": "#0000FF", "bg_color": "#FFF9E5", "border": 1, "border_color": "#D9D9D9"}
        input_formats = {"money": "#,##0.0##", "%": "0.0##%", "x": "0.0##", "integer": "0", "general": "General"}
        for name, num in input_formats.items():
            setattr(self, "input_" + _attr(name), fmt(num_format=num, **input_style))
        self.input_text = fmt(**input_style)
        self.link = fmt(font_color="#006100")
        self.kpi_label = fmt(bold=True)

    def number(self, unit: str) -> Any:
        """The output format for a unit of model.schema ("money", "%", "x", "years")."""
        return getattr(self, _attr({"years": "years"}.get(unit, unit if unit in ("money", "%", "x") else "general")))

    def input(self, unit: str) -> Any:
        return getattr(self, "input_" + _attr(unit if unit in ("money", "%", "x") else "general"))


def _attr(name: str) -> str:
    return {"%": "percent", "x": "ratio"}.get(name, name)


def _value(number: float | None) -> Any:
    """A cached formula result: NaN/None (a null line or KPI) is the empty text of the formula."""
    if number is None or not np.isfinite(number):
        return ""
    return float(number)


def cell(sheet: str, row: int, col: int, absolute: bool = False) -> str:
    """A sheet-qualified A1 reference (our sheet names need no quotes)."""
    return f"{sheet}!{xl_rowcol_to_cell(row, col, absolute, absolute)}"


class WorkbookWriter:
    """Builds the workbook of one scenario of a valid model; see the module docstring."""

    def __init__(self, model: Model, scenario: str | None = None) -> None:
        self.model = model
        self.scenario = scenario or BASE_SCENARIO
        self.resolved = apply_scenario(model, scenario)
        self.results: Results = compute(model, scenario)
        self.horizon = model["horizon"]
        self.overrides = model["scenarios"].get(self.scenario, {})
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.buffer, {"in_memory": True, "strings_to_formulas": False})
        self.formats = Formats(self.workbook)
        self.sheets = {name: self.add_sheet(name) for name in SHEETS}
        # Where the formulas find the live inputs (the scenario's override row when it has one).
        self.driver_rows: dict[str, int] = {}
        self.capex_rows: list[int] = []
        self.class_rows: list[int] = []
        self.class_cells: list[dict[str, str]] = []
        self.line_rows: dict[str, int] = {}
        self.helper_rows: dict[str, int] = {}
        self.irr_rows = (0, 0)  # first and past-the-last row of the IRR starts on Projections
        self.dep_rows: dict[str, list[int]] = {"depreciation": [], "capacity": [], "net_ppe": []}

    # ------------------------------------------------------------------ public helpers

    def add_sheet(self, name: str) -> Worksheet:
        """A new worksheet set up like ours (landscape, fitted to the page width)."""
        sheet = self.workbook.add_worksheet(name, worksheet_class=_ExactNumberWorksheet)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.set_paper(9)
        sheet.hide_gridlines(2)
        return sheet

    def year_col(self, t: int) -> int:
        """Column of projection year t (1..H) on Assumptions, Depreciation and Projections."""
        return FIRST_YEAR_COL + t - 1

    def line_cell(self, key: str, t: int, absolute: bool = False) -> str:
        """Sheet-qualified reference of line ``key`` in projection year t (1..H)."""
        return cell("Projections", self.line_rows[key], self.year_col(t), absolute)

    def line_range(self, key: str) -> str:
        return f"line_{key}"

    # ------------------------------------------------------------------ the whole workbook

    def write(self, extra_sheets: Iterable[SheetWriter] = ()) -> bytes:
        self._write_assumptions()
        self._write_depreciation()
        self._write_projections()
        self._write_summary()
        self._write_scenarios()
        self._write_sources()
        self._write_actuals()
        for write_sheet in extra_sheets:
            write_sheet(self)
        self.sheets["Summary"].activate()
        self.workbook.close()
        return self.buffer.getvalue()

    def _text(self, sheet: Worksheet, row: int, col: int, text: str, fmt: Any = None) -> None:
        """Model text is always a string cell: "=1+1" from a class name must not become a formula."""
        sheet.write_string(row, col, text, fmt)

    def _year_headers(self, sheet: Worksheet, row: int) -> None:
        fmt = self.formats.header
        for t in range(1, self.horizon + 1):
            sheet.write_formula(row, self.year_col(t), f"=base_year+{t}", fmt, self.model["base_year"] + t)

    def _layout(self, sheet: Worksheet, label_width: float = 34) -> None:
        sheet.set_column(KEY_COL, KEY_COL, 22, self.formats.key)
        sheet.set_column(LABEL_COL, LABEL_COL, label_width)
        sheet.set_column(UNIT_COL, UNIT_COL, 8)
        sheet.set_column(FIRST_YEAR_COL, FIRST_YEAR_COL + self.horizon - 1, 10)
        sheet.freeze_panes(HEADER_ROW + 1, FIRST_YEAR_COL)
        sheet.repeat_rows(HEADER_ROW)

    def _title(self, sheet: Worksheet, title: str, subtitle: str) -> None:
        self._text(sheet, 0, KEY_COL, title, self.formats.title)
        self._text(sheet, 1, KEY_COL, subtitle, self.formats.subtitle)

    # ------------------------------------------------------------------ Assumptions

    def _write_assumptions(self) -> None:
        sheet, f = self.sheets["Assumptions"], self.formats
        source_col = FIRST_YEAR_COL + self.horizon
        self._layout(sheet)
        sheet.set_column(source_col, source_col, 60)
        self._text(sheet, 0, KEY_COL, MARKER, f.title)
        self._text(
            sheet,
            1,
            KEY_COL,
            "Blue cells on a light fill are inputs. A row marked ↳ overrides the row above in the exported "
            "scenario; the formulas read it. Open this file in Capex Workbench to bring edits home.",
            f.subtitle,
        )
        for col, title in ((KEY_COL, "Field"), (LABEL_COL, "Input"), (UNIT_COL, "Unit"), (source_col, "Source")):
            sheet.write_string(HEADER_ROW, col, title, f.header_left)
        self._year_headers(sheet, HEADER_ROW)
        sources = self.model["sources"]
        row = HEADER_ROW + 1

        def source(path: str) -> None:
            if path in sources:
                self._text(sheet, row, source_col, sources[path]["text"])

        row = self._section(sheet, row, "Model")
        for key, label, fmt in (
            ("format", "File format", f.text),
            ("version", "Format version", f.integer),
            ("name", "Model name", f.input_text),
            ("currency", "Currency", f.input_text),
            ("unit", "Money unit", f.input_text),
            ("base_year", "Base year (last actual)", f.input_integer),
            ("horizon", "Projection years", f.integer),
            ("scenario", "Exported scenario", f.text),
        ):
            value = self.scenario if key == "scenario" else self.model[key]
            self._text(sheet, row, KEY_COL, key)
            self._text(sheet, row, LABEL_COL, label)
            if isinstance(value, str):
                self._text(sheet, row, FIRST_YEAR_COL, value, fmt)
            else:
                sheet.write_number(row, FIRST_YEAR_COL, value, fmt)
            if key in ("base_year", "horizon"):
                self.workbook.define_name(key, "=" + cell("Assumptions", row, FIRST_YEAR_COL, True))
            row += 1

        row = self._section(sheet, row + 1, "Settings")
        for key, spec in SETTINGS.items():
            unit = "" if spec.unit == "money" else spec.unit
            rows = [(f"settings.{key}", self.model["settings"][key], spec.label)]
            if key in self.overrides.get("settings", {}):
                rows.append((f"{OVERRIDE_PREFIX}settings.{key}", self.overrides["settings"][key], f"↳ {self.scenario}"))
            for i, (field, value, label) in enumerate(rows):
                self._text(sheet, row, KEY_COL, field)
                self._text(sheet, row, LABEL_COL, label)
                self._text(sheet, row, UNIT_COL, self._unit_text(spec.unit))
                self._write_input(sheet, row, FIRST_YEAR_COL, value, unit)
                if i == 0:
                    source(f"settings.{key}")
                if key == "terminal_method":
                    sheet.data_validation(
                        row, FIRST_YEAR_COL, row, FIRST_YEAR_COL, {"validate": "list", "source": list(TERMINAL_METHODS)}
                    )
                row += 1
            live_row = row - 1
            self.workbook.define_name(key, "=" + cell("Assumptions", live_row, FIRST_YEAR_COL, True))

        row = self._section(sheet, row + 1, "Drivers (one value per fiscal year)")
        for key, spec in DRIVERS.items():
            base = self.model["drivers"].get(key, [None] * self.horizon)
            override = self.overrides.get("drivers", {}).get(key)
            for i, values in enumerate([base] if override is None else [base, override]):
                self._text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX if i else ''}drivers.{key}")
                self._text(sheet, row, LABEL_COL, f"↳ {self.scenario}" if i else spec.label)
                self._text(sheet, row, UNIT_COL, self._unit_text(spec.unit))
                self._write_series(sheet, row, values, spec.unit)
                if i == 0:
                    source(f"drivers.{key}")
                row += 1
            self.driver_rows[key] = row - 1
            first, last = self.year_col(1), self.year_col(self.horizon)
            self.workbook.define_name(key, f"=Assumptions!${xl_col_to_name(first)}${row}:${xl_col_to_name(last)}${row}")

        row = self._section(sheet, row + 1, "Asset classes")
        for col, title in ((LABEL_COL, "Class"), *((c, n) for n, c in CLASS_FIELD_COLS.items())):
            sheet.write_string(row - 1, col, title.replace("_", " ").capitalize(), f.section)
        class_overrides = self.overrides.get("asset_classes", {})
        for index, cls in enumerate(self.model["asset_classes"]):
            self.class_rows.append(row)
            self._text(sheet, row, KEY_COL, f"asset_classes[{index}]")
            self._text(sheet, row, LABEL_COL, cls["name"], f.input_text)
            self._write_class_fields(sheet, row, cls)
            source(f"asset_classes.{cls['name']}")
            live = {field: cell("Assumptions", row, col, True) for field, col in CLASS_FIELD_COLS.items()}
            row += 1
            if cls["name"] in class_overrides:
                self._text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX}asset_classes[{index}]")
                self._text(sheet, row, LABEL_COL, f"↳ {self.scenario}")
                self._write_class_fields(sheet, row, class_overrides[cls["name"]])
                for field in class_overrides[cls["name"]]:
                    live[field] = cell("Assumptions", row, CLASS_FIELD_COLS[field], True)
                row += 1
            self.class_cells.append(live)

        row = self._section(sheet, row + 1, "Capex by asset class")
        for index, cls in enumerate(self.model["asset_classes"]):
            name = cls["name"]
            override = self.overrides.get("capex", {}).get(name)
            for i, values in enumerate(
                [self.model["capex"][name]] if override is None else [self.model["capex"][name], override]
            ):
                self._text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX if i else ''}capex[{index}]")
                if i:
                    self._text(sheet, row, LABEL_COL, f"↳ {self.scenario}")
                else:
                    label_ref = xl_rowcol_to_cell(self.class_rows[index], LABEL_COL)
                    sheet.write_formula(row, LABEL_COL, f"={label_ref}", f.link, name)
                    source(f"capex.{name}")
                self._text(sheet, row, UNIT_COL, self._unit_text("money"))
                self._write_series(sheet, row, values, "money")
                row += 1
            self.capex_rows.append(row - 1)

        # What the sheet does not show as inputs travels as JSON so a round trip loses nothing.
        row = self._section(sheet, row + 1, "Model file: scenarios, sources, actuals, peers, uncertainty (read back)")
        extras = {key: self.model[key] for key in ("actuals", "peers", "scenarios", "uncertainty", "sources")}
        # The exported scenario's overrides are the ↳ rows above; the JSON keeps only its place.
        extras["scenarios"] = {name: ({} if name == self.scenario else o) for name, o in extras["scenarios"].items()}
        # Rows name classes by position: the reader turns a name changed in the sheet into a rename.
        extras["class_names"] = [cls["name"] for cls in self.model["asset_classes"]]
        text = json.dumps(extras, ensure_ascii=False, allow_nan=False)
        for start in range(0, max(len(text), 1), JSON_CHUNK):
            self._text(sheet, row, KEY_COL, MODEL_FILE_KEY)
            self._text(sheet, row, FIRST_YEAR_COL, text[start : start + JSON_CHUNK])
            sheet.set_row(row, None, None, {"hidden": True})
            row += 1
        # Long sources run on past the column on screen; the printout stops at the source column.
        sheet.print_area(0, KEY_COL, row - 1, source_col)

    def _section(self, sheet: Worksheet, row: int, title: str) -> int:
        sheet.set_row(row, None, self.formats.section)
        sheet.write_string(row, LABEL_COL, title, self.formats.section)
        return row + 1

    def _unit_text(self, unit: str) -> str:
        return {"money": f"{self.model['currency']} {self.model['unit']}", "x": "x"}.get(unit, unit)

    def _write_input(self, sheet: Worksheet, row: int, col: int, value: Any, unit: str) -> None:
        f = self.formats
        if isinstance(value, bool):
            sheet.write_boolean(row, col, value, f.input_general)
        elif isinstance(value, str):
            self._text(sheet, row, col, value, f.input_text)
        elif value is None:
            sheet.write_blank(row, col, None, f.input(unit))
        else:
            sheet.write_number(row, col, value, f.input(unit))

    def _write_series(self, sheet: Worksheet, row: int, values: Sequence[Any], unit: str) -> None:
        for t, value in enumerate(values, start=1):
            self._write_input(sheet, row, self.year_col(t), value, unit)

    def _write_class_fields(self, sheet: Worksheet, row: int, fields: dict) -> None:
        for field, col in CLASS_FIELD_COLS.items():
            if field in fields:
                self._write_input(sheet, row, col, fields[field], "integer" if field == "life" else "")
        if "treatment" in fields:
            validation = {"validate": "list", "source": list(TREATMENTS)}
            sheet.data_validation(row, CLASS_FIELD_COLS["treatment"], row, CLASS_FIELD_COLS["treatment"], validation)

    def _driver(self, key: str, t: int) -> str:
        return cell("Assumptions", self.driver_rows[key], self.year_col(t))

    # ------------------------------------------------------------------ Depreciation

    def _write_depreciation(self) -> None:
        sheet, f = self.sheets["Depreciation"], self.formats
        self._layout(sheet, 30)
        self._title(
            sheet,
            "Depreciation: vintage schedule by asset class",
            "Half-year convention: half a year's depreciation in the year bought and in year L, full years between "
            "(MODEL.md section 4). Rows are the years capex was spent, columns the fiscal years.",
        )
        sheet.write_string(HEADER_ROW, LABEL_COL, "Vintage (year bought)", f.header_left)
        sheet.write_string(HEADER_ROW, UNIT_COL, "Capex", f.header_left)
        self._year_headers(sheet, HEADER_ROW)
        plan_lives = np.array([c.get("life", 1) for c in self.resolved["asset_classes"]], dtype=float)
        weight, remaining = vintage_weights(plan_lives, self.horizon)
        row = HEADER_ROW + 1
        capitalized = [i for i, c in enumerate(self.resolved["asset_classes"]) if c["treatment"] == "capitalized"]
        if not capitalized:
            self._text(sheet, row, LABEL_COL, "No capitalized asset class: nothing is depreciated.", f.note)
        header_ref = f"{{col}}${HEADER_ROW + 1}"
        for index in capitalized:
            cls = self.resolved["asset_classes"][index]
            live = self.class_cells[index]
            capex = np.asarray(self.resolved["capex"][cls["name"]], dtype=float)
            life = float(cls["life"])
            row = self._section(sheet, row, "")
            sheet.write_formula(
                row - 1, LABEL_COL, f"={cell('Assumptions', self.class_rows[index], LABEL_COL)}", f.section, cls["name"]
            )
            sheet.write_formula(row - 1, UNIT_COL, f"={live['life']}", f.life, life)
            life_ref = xl_rowcol_to_cell(row - 1, UNIT_COL, True, True)
            blocks = (
                ("Depreciation by vintage", "depreciation", capex[:, None] * weight[index] / life),
                ("Net book value by vintage", "net_ppe", capex[:, None] * remaining[index]),
            )
            for title, total_key, matrix in blocks:
                self._text(sheet, row, LABEL_COL, title, f.kpi_label)
                row += 1
                first_vintage_row = row
                for v in range(1, self.horizon + 1):
                    sheet.write_formula(row, LABEL_COL, f"=base_year+{v}", f.integer, self.model["base_year"] + v)
                    capex_ref = self._capex_cell(index, v)
                    sheet.write_formula(row, UNIT_COL, f"={capex_ref}", f.money, capex[v - 1])
                    vintage = f"$B{row + 1}"
                    for t in range(v, self.horizon + 1):
                        col = self.year_col(t)
                        age = f"({header_ref.format(col=xl_col_to_name(col))}-{vintage})"
                        if total_key == "depreciation":
                            weight_formula = f"IF({age}=0,0.5,IF({age}<={life_ref}-1,1,IF({age}={life_ref},0.5,0)))"
                            formula = f"=$C{row + 1}*{weight_formula}/{life_ref}"
                        else:
                            formula = f"=$C{row + 1}*(1-MIN({age}+0.5,{life_ref})/{life_ref})"
                        sheet.write_formula(row, col, formula, f.money, matrix[v - 1, t - 1])
                    row += 1
                totals = matrix.sum(axis=0)
                label = "Depreciation" if total_key == "depreciation" else "Net PP&E"
                self._text(sheet, row, LABEL_COL, label, f.kpi_label)
                for t in range(1, self.horizon + 1):
                    col = self.year_col(t)
                    span = f"{xl_rowcol_to_cell(first_vintage_row, col)}:{xl_rowcol_to_cell(row - 1, col)}"
                    sheet.write_formula(row, col, f"=SUM({span})", f.money, totals[t - 1])
                self.dep_rows[total_key].append(row)
                row += 1
                if total_key == "depreciation":
                    self._text(sheet, row, LABEL_COL, "Capacity (revenue-generating base)")
                    generating = bool(cls["revenue_generating"])
                    for t in range(1, self.horizon + 1):
                        col = self.year_col(t)
                        dep_ref = xl_rowcol_to_cell(row - 1, col)
                        value = totals[t - 1] * life if generating else 0.0
                        sheet.write_formula(
                            row, col, f"=IF({live['revenue_generating']},{dep_ref}*{life_ref},0)", f.money, value
                        )
                    self.dep_rows["capacity"].append(row)
                    row += 1
            row += 1

    def _capex_cell(self, index: int, t: int) -> str:
        return cell("Assumptions", self.capex_rows[index], self.year_col(t))

    # ------------------------------------------------------------------ Projections

    def _write_projections(self) -> None:
        sheet, f = self.sheets["Projections"], self.formats
        self._layout(sheet)
        self._title(
            sheet,
            f"Projections: {self.scenario} scenario, {self._unit_text('money')}",
            "Every line of MODEL.md section 4 as a formula over the Assumptions and Depreciation sheets; "
            "rows are named line_<key>. Empty cells are undefined (e.g. a margin on no revenue).",
        )
        for col, title in ((KEY_COL, "Line"), (LABEL_COL, "Fiscal year"), (UNIT_COL, "Unit")):
            sheet.write_string(HEADER_ROW, col, title, f.header_left)
        self._year_headers(sheet, HEADER_ROW)
        row = HEADER_ROW + 1
        for key in LINES:
            if key in SECTIONS:
                row = self._section(sheet, row + (0 if row == HEADER_ROW + 1 else 1), SECTIONS[key])
            self.line_rows[key] = row
            row += 1
        helpers = (
            ("irr_flows", "IRR cash flows (FCF, TV in final year)", "money"),
            ("payback", "Payback if reached this year (years)", "years"),
            ("discounted_payback", "Discounted payback if reached (years)", "years"),
        )
        row = self._section(sheet, row + 1, "KPI workings")
        for key, _, _ in helpers:
            self.helper_rows[key] = row
            row += 1

        lines = self.results.lines
        for key, spec in LINES.items():
            label, unit = spec.label, spec.unit
            r = self.line_rows[key]
            self._text(sheet, r, KEY_COL, key)
            self._text(sheet, r, LABEL_COL, label)
            self._text(sheet, r, UNIT_COL, self._unit_text(unit))
            fmt = f.factor if key == "discount_factor" else f.number(unit)
            values = lines.loc[key].to_numpy()
            for t in range(1, self.horizon + 1):
                sheet.write_formula(r, self.year_col(t), self._line_formula(key, t), fmt, _value(values[t - 1]))
            first, last = self.year_col(1), self.year_col(self.horizon)
            self.workbook.define_name(
                f"line_{key}", f"=Projections!${xl_col_to_name(first)}${r + 1}:${xl_col_to_name(last)}${r + 1}"
            )

        fcf = lines.loc["fcf"].to_numpy()
        helper_values = {
            "irr_flows": irr_cash_flows(fcf, self.results.kpis["terminal_value"] or 0.0),
            "payback": _payback_reached(fcf, lines.loc["cumulative_fcf"].to_numpy()),
            "discounted_payback": _payback_reached(
                lines.loc["pv_fcf"].to_numpy(), lines.loc["cumulative_pv_fcf"].to_numpy()
            ),
        }
        for key, label, unit in helpers:
            r = self.helper_rows[key]
            self._text(sheet, r, LABEL_COL, label)
            self._text(sheet, r, UNIT_COL, self._unit_text(unit))
            for t in range(1, self.horizon + 1):
                formula = self._helper_formula(key, t)
                sheet.write_formula(r, self.year_col(t), formula, f.number(unit), _value(helper_values[key][t - 1]))
        self._write_irr_starts(sheet, row + 1, helper_values["irr_flows"])

    def _write_irr_starts(self, sheet: Worksheet, row: int, flows: np.ndarray) -> None:
        """The spreadsheet's IRR started from several rates; kpi_irr takes the root nearest the WACC.

        IRR is a Newton solver: from the WACC alone it misses roots far below it (a plan that loses
        money), so several starts find the roots the model layer lists and the nearest one is kept.
        Newton reaches a root near −100 % only from a narrow band, so the roots found at export,
        rounded to 0.1 %, are starts too; after a colleague's edits they are still near the new roots.
        """
        f = self.formats
        row = self._section(sheet, row, "IRR from several starting rates")
        for col, title in ((UNIT_COL, "Start"), (FIRST_YEAR_COL, "IRR"), (FIRST_YEAR_COL + 1, "|IRR − WACC|")):
            sheet.write_string(row - 1, col, title, f.section)
        flows_ref = f"${xl_col_to_name(self.year_col(1))}${self.helper_rows['irr_flows'] + 1}:" + (
            f"${xl_col_to_name(self.year_col(self.horizon))}${self.helper_rows['irr_flows'] + 1}"
        )
        wacc = float(self.resolved["settings"]["wacc"])
        found = (round(root, 3) for root in self.results.irr_roots)
        starts = [*IRR_STARTS, *(start for start in dict.fromkeys(found) if start not in IRR_STARTS)]
        self.irr_rows = (row, row + len(starts))
        for start in starts:
            guess = wacc if start is None else start
            if start is None:
                sheet.write_formula(row, UNIT_COL, "=wacc", f.percent, wacc)
            else:
                sheet.write_number(row, UNIT_COL, start, f.percent)
            root = spreadsheet_irr(flows, guess)
            in_range = root is not None and IRR_LOW < root < IRR_HIGH
            irr_ref, start_ref = f"D{row + 1}", f"C{row + 1}"
            sheet.write_formula(
                row, FIRST_YEAR_COL, f'=IFERROR(IRR({flows_ref},{start_ref}),"")', f.percent, _value(root)
            )
            sheet.write_formula(
                row,
                FIRST_YEAR_COL + 1,
                f'=IF(ISNUMBER({irr_ref}),IF(AND({irr_ref}>{IRR_LOW},{irr_ref}<{IRR_HIGH}),ABS({irr_ref}-wacc),""),"")',
                f.percent,
                abs(root - wacc) if in_range else "",
            )
            row += 1

    def _line_formula(self, key: str, t: int) -> str:
        """The formula of line ``key`` in year t, as in MODEL.md section 4 (same sheet, same column)."""
        col = xl_col_to_name(self.year_col(t))
        prev_col = xl_col_to_name(self.year_col(t - 1)) if t > 1 else None

        def here(line: str) -> str:
            return f"{col}{self.line_rows[line] + 1}"

        def before(line: str) -> str | None:
            return f"{prev_col}{self.line_rows[line] + 1}" if prev_col else None

        def sum_of(refs: list[str]) -> str:
            return f"=SUM({','.join(refs)})" if refs else "=0"

        classes = self.resolved["asset_classes"]
        dep_col = lambda rows: [cell("Depreciation", r, self.year_col(t)) for r in rows]  # noqa: E731
        drv = lambda name: self._driver(name, t)  # noqa: E731
        year_index = f"({col}${HEADER_ROW + 1}-base_year)"
        formulas = {
            "capex_capitalized": lambda: sum_of(
                [self._capex_cell(i, t) for i, c in enumerate(classes) if c["treatment"] == "capitalized"]
            ),
            "capex_expensed": lambda: sum_of(
                [self._capex_cell(i, t) for i, c in enumerate(classes) if c["treatment"] == "expensed"]
            ),
            "capex_total": lambda: f"={here('capex_capitalized')}+{here('capex_expensed')}",
            "depreciation": lambda: sum_of(dep_col(self.dep_rows["depreciation"])),
            "net_ppe": lambda: sum_of(dep_col(self.dep_rows["net_ppe"])),
            "capacity": lambda: sum_of(dep_col(self.dep_rows["capacity"])),
            "revenue_yield": lambda: f"={before('revenue_yield') or 'ai_revenue_yield'}*(1+{drv('price_change')})",
            "ai_revenue": lambda: f"={here('capacity')}*{here('revenue_yield')}*{drv('utilization')}",
            "pull_through_revenue": lambda: f"=pull_through*{here('ai_revenue')}",
            "plan_revenue": lambda: f"={here('ai_revenue')}+{here('pull_through_revenue')}",
            "core_revenue": lambda: f"={before('core_revenue') or 'base_core_revenue'}*(1+{drv('core_growth')})",
            "total_revenue": lambda: f"={here('core_revenue')}+{here('plan_revenue')}",
            "core_ebita": lambda: f"={here('core_revenue')}*{drv('core_ebita_margin')}",
            "ai_cash_opex": lambda: f"={here('capacity')}*ai_cash_opex_rate+{here('ai_revenue')}*ai_variable_cost_pct",
            "plan_ebita": lambda: (
                f"={here('ai_revenue')}-{here('ai_cash_opex')}-{here('depreciation')}-{here('capex_expensed')}"
                f"+{here('pull_through_revenue')}*{drv('core_ebita_margin')}"
            ),
            "total_ebita": lambda: f"={here('core_ebita')}+{here('plan_ebita')}",
            "ebita_margin": lambda: f"={here('total_ebita')}/{here('total_revenue')}",
            # IFERROR: a ratio that overflows is null, as in the model layer's output.
            "plan_ebita_margin": lambda: (
                f'=IFERROR(IF({here("plan_revenue")}=0,"",{here("plan_ebita")}/{here("plan_revenue")}),"")'
            ),
            "tax": lambda: f"=tax_rate*{here('plan_ebita')}",
            "nopat": lambda: f"={here('plan_ebita')}-{here('tax')}",
            "delta_nwc": lambda: (
                f"=nwc_pct*({here('plan_revenue')}-{before('plan_revenue')})"
                if t > 1
                else f"=nwc_pct*{here('plan_revenue')}"
            ),
            "fcf": lambda: f"={here('nopat')}+{here('depreciation')}-{here('capex_capitalized')}-{here('delta_nwc')}",
            "cumulative_fcf": lambda: f"={before('cumulative_fcf')}+{here('fcf')}" if t > 1 else f"={here('fcf')}",
            "discount_factor": lambda: f"=(1+wacc)^-({year_index}-IF(mid_year,0.5,0))",
            "pv_fcf": lambda: f"={here('fcf')}*{here('discount_factor')}",
            "cumulative_pv_fcf": lambda: (
                f"={before('cumulative_pv_fcf')}+{here('pv_fcf')}" if t > 1 else f"={here('pv_fcf')}"
            ),
            "roic": lambda: self._roic_formula(here("nopat"), here("net_ppe"), before("net_ppe")),
            "implied_share": lambda: (
                f'=IFERROR(IF(N({drv("cloud_market")})>0,{here("total_revenue")}/{drv("cloud_market")},""),"")'
            ),
        }
        return formulas[key]()

    @staticmethod
    def _roic_formula(nopat: str, ppe: str, ppe_before: str | None) -> str:
        average = f"({ppe_before}+{ppe})/2" if ppe_before else f"{ppe}/2"
        return f'=IFERROR(IF({average}>0,{nopat}/({average}),""),"")'

    def _helper_formula(self, key: str, t: int) -> str:
        col = xl_col_to_name(self.year_col(t))
        prev = xl_col_to_name(self.year_col(t - 1)) if t > 1 else None
        if key == "irr_flows":
            fcf = f"{col}{self.line_rows['fcf'] + 1}"
            return f"={fcf}+kpi_terminal_value" if t == self.horizon else f"={fcf}"
        flow, cumulative = ("fcf", "cumulative_fcf") if key == "payback" else ("pv_fcf", "cumulative_pv_fcf")
        cum = f"{col}{self.line_rows[cumulative] + 1}"
        years_before = f"({col}${HEADER_ROW + 1}-base_year-1)"
        if prev is None:
            return f'=IF({cum}>=0,{years_before},"")'
        cum_before = f"{prev}{self.line_rows[cumulative] + 1}"
        fraction = f"IF({cum_before}<0,-{cum_before}/{col}{self.line_rows[flow] + 1},0)"
        return f'=IF({cum}>=0,{years_before}+{fraction},"")'

    # ------------------------------------------------------------------ Summary

    def _kpi_formulas(self) -> dict[str, str]:
        last = self.horizon

        def end(line: str) -> str:
            return self.line_cell(line, last)

        def span(helper: str) -> str:
            r = self.helper_rows[helper]
            return f"Projections!{xl_rowcol_to_cell(r, self.year_col(1), True, True)}:" + xl_rowcol_to_cell(
                r, self.year_col(last), True, True
            )

        first, end_row = self.irr_rows
        roots = f"Projections!$D${first + 1}:$D${end_row}"
        distances = f"Projections!$E${first + 1}:$E${end_row}"
        outlays = '-SUMIF(line_fcf,"<0")+MAX(-kpi_terminal_value,0)'
        discounted_capex = "SUMPRODUCT(line_capex_total,line_discount_factor)"
        payback = 'IF(COUNT({0})=0,"",MIN({0}))'
        return {
            "npv": "=NPV(wacc,line_fcf)*IF(mid_year,(1+wacc)^0.5,1)+kpi_pv_terminal_value",
            # The engine reports the root nearest the WACC; the spreadsheet's solver starts there.
            "irr": f'=IF(COUNT({distances})=0,"",INDEX({roots},MATCH(MIN({distances}),{distances},0)))',
            "payback_years": "=" + payback.format(span("payback")),
            "discounted_payback_years": "=" + payback.format(span("discounted_payback")),
            "terminal_value": (
                f'=IF(terminal_method="book_value",{end("net_ppe")}+nwc_pct*{end("plan_revenue")},'
                f'IF(terminal_method="gordon",{end("fcf")}*(1+terminal_growth)/(wacc-terminal_growth),'
                f'IF(terminal_method="exit_multiple",exit_multiple*{end("plan_ebita")},0)))'
            ),
            "pv_terminal_value": "=kpi_terminal_value*(1+wacc)^-COLUMNS(line_fcf)",
            "total_capex": "=SUM(line_capex_total)",
            "peak_funding": "=-MIN(0,MIN(line_cumulative_fcf))",
            "moic": f'=IF({outlays}=0,"",(SUMIF(line_fcf,">0")+MAX(kpi_terminal_value,0))/({outlays}))',
            "profitability_index": f'=IF({discounted_capex}=0,"",1+kpi_npv/{discounted_capex})',
        }

    def _write_summary(self) -> None:
        sheet, f = self.sheets["Summary"], self.formats
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 1, 12)
        sheet.set_column(2, 2, 9, f.unit)
        sheet.set_column(3, 3, 60)
        self._text(sheet, 0, 0, self.model["name"], f.title)
        self._text(sheet, 1, 0, f"Scenario: {self.scenario}", f.kpi_label)
        years = self.results.years
        self._text(
            sheet,
            2,
            0,
            f"{self._unit_text('money')}; fiscal years {years[0]}–{years[-1]}; returns of the plan alone, "
            "revenue and margin of the whole segment. Exported from Capex Workbench.",
            f.subtitle,
        )
        for col, title in enumerate(("KPI", "Value", "Unit", "Definition")):
            title_format = f.header_right if title == "Value" else f.header_left
            sheet.write_string(4, col, title, title_format)
        definitions = {
            "npv": "Σ PV of FCF + PV of terminal value",
            "irr": "Rate with zero NPV (year-end flows, TV in the final year); root nearest the WACC",
            "payback_years": "Years until cumulative FCF turns non-negative (TV not counted)",
            "discounted_payback_years": "The same on discounted FCF",
            "terminal_value": "By the terminal method on Assumptions, at the end of the final year",
            "pv_terminal_value": "Terminal value × (1 + WACC)^-H",
            "total_capex": "Σ capex, capitalized and expensed",
            "peak_funding": "Largest cumulative cash outflow",
            "moic": "Cash returned ÷ cash invested, TV included",
            "profitability_index": "1 + NPV ÷ PV of capex",
        }
        formulas = self._kpi_formulas()
        row = 5
        for key, spec in KPIS.items():
            label, unit = spec.label, spec.unit
            self._text(sheet, row, 0, label, f.kpi_label)
            fmt = {"money": f.money, "%": f.percent, "x": f.multiple, "years": f.years}[unit]
            sheet.write_formula(row, 1, formulas[key], fmt, _value(self.results.kpis[key]))
            self.workbook.define_name(f"kpi_{key}", "=" + cell("Summary", row, 1, True))
            self._text(sheet, row, 2, self._unit_text(unit), f.unit)
            self._text(sheet, row, 3, definitions[key], f.note)
            row += 1
        roots = ", ".join(f"{r:.2%}" for r in self.results.irr_roots) or "none"
        self._text(sheet, row + 1, 0, f"IRR roots found by Capex Workbench in (−99 %, 1000 %): {roots}", f.note)
        self._summary_charts(sheet, row + 3)
        sheet.set_landscape()
        sheet.fit_to_pages(1, 1)

    def _summary_charts(self, sheet: Worksheet, row: int) -> None:
        first, last = self.year_col(1), self.year_col(self.horizon)
        years = ["Projections", HEADER_ROW, first, HEADER_ROW, last]

        def values(key: str) -> list:
            return ["Projections", self.line_rows[key], first, self.line_rows[key], last]

        revenue = self.workbook.add_chart({"type": "column", "subtype": "stacked"})
        for key, color in (("core_revenue", "#9DC3E6"), ("plan_revenue", "#2E75B6")):
            revenue.add_series(
                {"name": LINES[key].label, "categories": years, "values": values(key), "fill": {"color": color}}
            )
        margin = self.workbook.add_chart({"type": "line"})
        margin.add_series(
            {
                "name": "EBITA margin",
                "categories": years,
                "values": values("ebita_margin"),
                "y2_axis": True,
                "line": {"color": "#C00000", "width": 2.25},
                "marker": {"type": "circle", "size": 5, "fill": {"color": "#C00000"}, "border": {"color": "#C00000"}},
            }
        )
        revenue.combine(margin)
        revenue.set_title({"name": "Revenue and EBITA margin", "name_font": {"size": 11}})
        revenue.set_y_axis(
            {
                "name": self._unit_text("money"),
                "num_format": "#,##0",
                "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
            }
        )
        margin.set_y2_axis({"name": "EBITA margin", "num_format": "0%"})
        revenue.set_legend({"position": "bottom"})
        revenue.set_size({"width": 620, "height": 330})
        sheet.insert_chart(row, 0, revenue)

        cumulative = self.workbook.add_chart({"type": "column"})
        cumulative.add_series(
            {
                "name": LINES["fcf"].label,
                "categories": years,
                "values": values("fcf"),
                "fill": {"color": "#A9D18E"},
                "invert_if_negative": False,
            }
        )
        line = self.workbook.add_chart({"type": "line"})
        line.add_series(
            {
                "name": LINES["cumulative_fcf"].label,
                "categories": years,
                "values": values("cumulative_fcf"),
                "line": {"color": "#385723", "width": 2.25},
            }
        )
        cumulative.combine(line)
        cumulative.set_title({"name": "Free cash flow of the plan, cumulative", "name_font": {"size": 11}})
        cumulative.set_y_axis(
            {
                "name": self._unit_text("money"),
                "num_format": "#,##0",
                "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}},
            }
        )
        cumulative.set_x_axis({"label_position": "low"})
        cumulative.set_legend({"position": "bottom"})
        cumulative.set_size({"width": 620, "height": 330})
        sheet.insert_chart(row, 0, cumulative, {"x_offset": 640})

    # ------------------------------------------------------------------ Scenarios, Sources, Actuals

    def _write_scenarios(self) -> None:
        sheet, f = self.sheets["Scenarios"], self.formats
        names = scenario_names(self.model)
        self._title(
            sheet,
            "Scenarios side by side",
            f"The {self.scenario} column is live (it reads the Summary); the other columns are values computed "
            "by Capex Workbench, since the formulas of this workbook model one scenario.",
        )
        sheet.set_column(0, 0, 34)
        sheet.set_column(1, len(names), 16)
        sheet.freeze_panes(HEADER_ROW + 1, 1)
        sheet.write_string(HEADER_ROW, 0, "KPI", f.header_left)
        for col, name in enumerate(names, start=1):
            self._text(sheet, HEADER_ROW, col, name, f.header)
        results = {name: self.results if name == self.scenario else compute(self.model, name) for name in names}
        row = HEADER_ROW + 1
        for key, spec in KPIS.items():
            label, unit = spec.label, spec.unit
            self._text(sheet, row, 0, label)
            fmt = {"money": f.money, "%": f.percent, "x": f.multiple, "years": f.years}[unit]
            for col, name in enumerate(names, start=1):
                value = _value(results[name].kpis[key])
                if name == self.scenario:
                    sheet.write_formula(row, col, f"=kpi_{key}", fmt, value)
                elif value == "":
                    sheet.write_string(row, col, "n/a", f.note)
                else:
                    sheet.write_number(row, col, value, fmt)
            row += 1
        row = self._section(sheet, row + 1, "")
        sheet.write_string(row - 1, 0, "Overrides (blank: as Base)", f.section)
        for path, unit in self._override_paths():
            self._text(sheet, row, 0, path)
            for col, name in enumerate(names, start=1):
                value = _lookup(self.model if name == BASE_SCENARIO else self.model["scenarios"][name], path, name)
                if value is None:
                    continue
                if isinstance(value, list):
                    self._text(sheet, row, col, "; ".join("" if v is None else f"{v:g}" for v in value), f.wrap)
                elif isinstance(value, (bool, str)):
                    self._text(sheet, row, col, str(value))
                else:
                    sheet.write_number(row, col, value, f.number(unit))
            row += 1

    def _override_paths(self) -> list[tuple[str, str]]:
        paths: dict[str, str] = {}
        for overrides in self.model["scenarios"].values():
            for key in overrides.get("settings", {}):
                paths[f"settings.{key}"] = SETTINGS[key].unit
            for key in overrides.get("drivers", {}):
                paths[f"drivers.{key}"] = DRIVERS[key].unit
            for name in overrides.get("capex", {}):
                paths[f"capex.{name}"] = "money"
            for name, fields in overrides.get("asset_classes", {}).items():
                for field in fields:
                    paths[f"asset_classes.{name}.{field}"] = ""
        return list(paths.items())

    def _write_sources(self) -> None:
        sheet, f = self.sheets["Sources"], self.formats
        self._title(sheet, "Sources", "Where each input, actual and peer figure came from.")
        for col, (title, width) in enumerate((("Field", 40), ("Source", 90), ("Link", 40), ("Date", 12))):
            sheet.set_column(col, col, width, f.wrap)
            sheet.write_string(HEADER_ROW, col, title, f.header_left)
        sheet.freeze_panes(HEADER_ROW + 1, 0)
        sheet.repeat_rows(HEADER_ROW)
        for row, (field, source) in enumerate(self.model["sources"].items(), start=HEADER_ROW + 1):
            for col, text in enumerate((field, source["text"], source.get("url", ""), source.get("date", ""))):
                self._text(sheet, row, col, text, f.wrap)

    def _write_actuals(self) -> None:
        sheet, f = self.sheets["Actuals"], self.formats
        self._title(
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
        years = self.results.years
        if not self.model["actuals"]:
            self._text(sheet, row, 0, "This model has no actuals.", f.note)
            row += 1
        for year, figures in self.model["actuals"].items():
            for key, reported in figures.items():
                label, unit = LINES[key].label, LINES[key].unit
                fmt = f.number(unit)
                sheet.write_number(row, 0, int(year), f.integer)
                self._text(sheet, row, 1, label)
                sheet.write_number(row, 2, reported, f.input(unit))
                if int(year) in years:
                    t = years.index(int(year)) + 1
                    model_value = _value(self.results.lines.loc[key, int(year)])
                    sheet.write_formula(row, 3, f"={self.line_cell(key, t)}", fmt, model_value)
                    difference = model_value - reported if model_value != "" else ""
                    sheet.write_formula(row, 4, f'=IF(D{row + 1}="","",D{row + 1}-C{row + 1})', fmt, difference)
                else:
                    self._text(sheet, row, 3, "outside the projection", f.note)
                row += 1
        row = self._section(sheet, row + 1, "")
        sheet.write_string(row - 1, 0, "Peers (reference figures)", f.section)
        for name, figures in self.model["peers"].items():
            for key, value in figures.items():
                label, unit = LINES[key].label, LINES[key].unit
                self._text(sheet, row, 0, name)
                self._text(sheet, row, 1, label)
                sheet.write_number(row, 2, value, f.input(unit))
                row += 1
        sheet.set_column(0, 0, 34)


def spreadsheet_irr(flows: np.ndarray, guess: float) -> float | None:
    """What a spreadsheet's IRR(flows, guess) returns: Newton's method from ``guess``, at most 20
    steps, converged when a step is below 1e-7 (LibreOffice's and Excel's rule); None when it fails.

    Flows are one period apart; the first is not discounted (shifting all timings by one period
    leaves the roots unchanged, so this is the model's IRR of year-end flows).
    """
    periods = np.arange(len(flows), dtype=float)
    rate = guess
    with np.errstate(all="ignore"):
        for _ in range(20):
            value = np.sum(flows / (1.0 + rate) ** periods)
            slope = np.sum(-periods * flows / (1.0 + rate) ** (periods + 1.0))
            step = value / slope
            if not np.isfinite(step):
                return None
            rate -= step
            if abs(step) < 1e-7:
                return float(rate)
    return None


def _payback_reached(flows: np.ndarray, cumulative: np.ndarray) -> np.ndarray:
    """Per year: years to break-even if cumulative >= 0 there (the formula of the helper row), else NaN."""
    before = np.concatenate([[0.0], cumulative[:-1]])
    years_before = np.arange(len(flows), dtype=float)
    with np.errstate(all="ignore"):
        fraction = np.where(before < 0, -before / np.where(before < 0, flows, 1.0), 0.0)
    return np.where(cumulative >= 0, years_before + fraction, np.nan)


def _lookup(source: Model, path: str, scenario: str) -> Any:
    """The value at ``settings.KEY`` / ``capex.CLASS`` / ``asset_classes.CLASS.FIELD`` of the model or
    of a scenario's overrides (None where the scenario keeps the base value)."""
    section, _, rest = path.partition(".")
    if section != "asset_classes":
        return source.get(section, {}).get(rest)
    name, _, field = rest.rpartition(".")
    if scenario == BASE_SCENARIO:
        return next((c.get(field) for c in source["asset_classes"] if c["name"] == name), None)
    return source.get("asset_classes", {}).get(name, {}).get(field)


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
    data = workbook_bytes(model, scenario, extra_sheets)
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
