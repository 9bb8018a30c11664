"""The Assumptions sheet: every input, blue on a light fill, with a source column.

Inputs the exported scenario overrides get a row of their own right below the base row
("↳ Bull"); the formulas read that row. Settings are named after their keys (``wacc``,
``tax_rate`` ...), drivers too. Column A holds each row's field path; ``model.workbook.reader``
reads the sheet back by it. Sections: model, settings, drivers, asset classes (treatment, book,
economic and tax lives, lag, revenue flag), history (capex before the plan), capex, calibration.

An economic or tax life the model does not give follows the book life: its cell is the formula
``=<book life cell>``, grey and italic, so editing the book life moves it too, and the reader
keeps it absent. A calibrated setting keeps the value written in the file on its settings row,
and its name (``ai_revenue_yield`` ...) points to the solved cell in the calibration section,
whose formula is the closed-form solution of docs/model.md section 4a (written by
``write_calibration_formulas`` once the Fleet and Projections rows are known). What the sheet
does not show as inputs travels as JSON in hidden ``model_file`` rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.outputs import LINES
from model.schema import DRIVERS, INFRASTRUCTURE_CHARGES, SETTINGS, TERMINAL_METHODS, TREATMENTS
from model.workbook.formats import cached
from model.workbook.layout import (
    ASSUMPTIONS,
    CALIBRATION_COLS,
    CLASS_FIELD_COLS,
    FIRST_YEAR_COL,
    FOLLOWS_BOOK_LIFE,
    HEADER_ROW,
    HISTORY_KEY,
    KEY_COL,
    LABEL_COL,
    MARKER,
    MODEL_FILE_KEY,
    OVERRIDE_PREFIX,
    SOLVED_PREFIX,
    UNIT_COL,
    cell,
    span,
    year_col,
)

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

JSON_CHUNK = 30_000  # characters of JSON per hidden row, below a cell's limit of 32,767
CLASS_TITLES = {
    "treatment": "Treatment",
    "life": "Book life",
    "economic_life": "Economic life",
    "lag": "Lag",
    "tax_life": "Tax life",
    "revenue_generating": "Earns revenue",
}
# The rule each solved setting must obey (docs/model.md section 4a), and what the sheet says otherwise.
SOLVED_RULES = {
    "ai_revenue_yield": ("{0}>=0", "cannot be solved: it needs a negative AI revenue yield (the model is refused)"),
    "base_core_revenue": ("{0}>0", "cannot be solved: it needs a core revenue of zero or less (the model is refused)"),
    "ai_cash_opex_rate": ("{0}>=0", "cannot be solved: it needs a negative AI cash opex rate (the model is refused)"),
    "ai_variable_cost_pct": (
        "AND({0}>=0,{0}<1)",
        "cannot be solved: it needs an AI variable cost outside 0..100 % (the model is refused)",
    ),
}
CHOICES = {"terminal_method": TERMINAL_METHODS, "infrastructure_charge": INFRASTRUCTURE_CHARGES}


def write_assumptions(writer: WorkbookWriter) -> None:
    """Write the inputs and record the live rows (``driver_rows``, ``class_cells`` ...) on the writer."""
    sheet, f = writer.sheets[ASSUMPTIONS], writer.formats
    model, scenario, overrides, horizon = writer.model, writer.scenario, writer.overrides, writer.horizon
    source_col = FIRST_YEAR_COL + max(horizon, writer.history_years, len(CLASS_FIELD_COLS))
    writer.year_layout(sheet)
    sheet.set_column(source_col, source_col, 60)
    writer.text(sheet, 0, KEY_COL, MARKER, f.title)
    writer.text(
        sheet,
        1,
        KEY_COL,
        "Blue cells on a light fill are inputs; grey italic cells follow another input (edit it, or type a "
        "number to set them). A row marked ↳ overrides the row above in the exported scenario; the formulas "
        "read it. Open this file in Capex Workbench to bring edits home.",
        f.subtitle,
    )
    for col, title in ((KEY_COL, "Field"), (LABEL_COL, "Input"), (UNIT_COL, "Unit"), (source_col, "Source")):
        sheet.write_string(HEADER_ROW, col, title, f.header_left)
    writer.year_headers(sheet, HEADER_ROW)
    sources = model["sources"]
    row = HEADER_ROW + 1

    def source(path: str) -> None:
        if path in sources:
            writer.text(sheet, row, source_col, sources[path]["text"])

    def class_money_rows(key: str, index: int, name: str, base: Sequence[Any], override: Sequence[Any] | None) -> None:
        """A class's money by year (its history or capex row, ``key`` such as ``capex[0]``) with
        its source, and the selected scenario's override below it; ``row`` moves past them."""
        nonlocal row
        for i, values in enumerate([base] if override is None else [base, override]):
            writer.text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX if i else ''}{key}")
            if i:
                writer.text(sheet, row, LABEL_COL, f"↳ {scenario}")
            else:
                label_ref = xl_rowcol_to_cell(writer.class_rows[index], LABEL_COL)
                sheet.write_formula(row, LABEL_COL, f"={label_ref}", f.link, name)
                source(f"{key.partition('[')[0]}.{name}")
            writer.text(sheet, row, UNIT_COL, writer.unit_text("money"))
            _write_series(writer, sheet, row, values, "money")
            row += 1

    row = writer.section(sheet, row, "Model")
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
        value = scenario if key == "scenario" else model[key]
        writer.text(sheet, row, KEY_COL, key)
        writer.text(sheet, row, LABEL_COL, label)
        if isinstance(value, str):
            writer.text(sheet, row, FIRST_YEAR_COL, value, fmt)
        else:
            sheet.write_number(row, FIRST_YEAR_COL, value, fmt)
        if key in ("base_year", "horizon"):
            writer.workbook.define_name(key, "=" + cell(ASSUMPTIONS, row, FIRST_YEAR_COL, True))
        row += 1

    row = writer.section(sheet, row + 1, "Settings")
    for key, spec in SETTINGS.items():
        unit = "" if spec.unit == "money" else spec.unit
        if key in ("plan_years", "valuation_year"):
            unit = "integer"
        rows = [(f"settings.{key}", model["settings"][key], spec.label)]
        if key in overrides.get("settings", {}):
            rows.append((f"{OVERRIDE_PREFIX}settings.{key}", overrides["settings"][key], f"↳ {scenario}"))
        for i, (field, value, label) in enumerate(rows):
            writer.text(sheet, row, KEY_COL, field)
            if key in writer.solved:
                label += " (as written; the calibration replaces it)"
            writer.text(sheet, row, LABEL_COL, label)
            writer.text(sheet, row, UNIT_COL, writer.unit_text(spec.unit))
            _write_input(writer, sheet, row, FIRST_YEAR_COL, value, unit)
            if i == 0:
                source(f"settings.{key}")
            if key in CHOICES:
                validation = {"validate": "list", "source": list(CHOICES[key])}
                sheet.data_validation(row, FIRST_YEAR_COL, row, FIRST_YEAR_COL, validation)
            row += 1
        if key not in writer.solved:  # a solved setting is named at its solved cell below
            writer.workbook.define_name(key, "=" + cell(ASSUMPTIONS, row - 1, FIRST_YEAR_COL, True))

    row = writer.section(sheet, row + 1, "Drivers (one value per fiscal year)")
    for key, spec in DRIVERS.items():
        base = model["drivers"].get(key, [None] * horizon)
        override = overrides.get("drivers", {}).get(key)
        for i, values in enumerate([base] if override is None else [base, override]):
            writer.text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX if i else ''}drivers.{key}")
            writer.text(sheet, row, LABEL_COL, f"↳ {scenario}" if i else spec.label)
            writer.text(sheet, row, UNIT_COL, writer.unit_text(spec.unit))
            _write_series(writer, sheet, row, values, spec.unit)
            if i == 0:
                source(f"drivers.{key}")
            row += 1
        writer.driver_rows[key] = row - 1
        writer.workbook.define_name(key, "=" + span(ASSUMPTIONS, row - 1, year_col(1), row - 1, year_col(horizon)))

    row = writer.section(
        sheet, row + 1, "Asset classes (an expensed class has no lives: its spending is charged when spent)"
    )
    for field, col in CLASS_FIELD_COLS.items():
        sheet.write_string(row - 1, col, CLASS_TITLES[field], f.section)
    sheet.write_string(row - 1, LABEL_COL, "Class", f.section)
    class_overrides = overrides.get("asset_classes", {})
    for index, cls in enumerate(model["asset_classes"]):
        writer.class_rows.append(row)
        writer.text(sheet, row, KEY_COL, f"asset_classes[{index}]")
        writer.text(sheet, row, LABEL_COL, cls["name"], f.input_text)
        _write_class_fields(writer, sheet, row, cls, cls)
        source(f"asset_classes.{cls['name']}")
        live = {field: cell(ASSUMPTIONS, row, col, True) for field, col in CLASS_FIELD_COLS.items()}
        row += 1
        if cls["name"] in class_overrides:
            fields = class_overrides[cls["name"]]
            writer.text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX}asset_classes[{index}]")
            writer.text(sheet, row, LABEL_COL, f"↳ {scenario}")
            written = _write_class_fields(writer, sheet, row, fields, cls)
            for field in written:
                live[field] = cell(ASSUMPTIONS, row, CLASS_FIELD_COLS[field], True)
            row += 1
        writer.class_cells.append(live)

    if writer.history_years:
        n = writer.history_years
        row = writer.section(
            sheet, row + 1, "History: capex of the fleet already installed, before the first projection year"
        )
        writer.text(sheet, row, KEY_COL, HISTORY_KEY)
        writer.text(sheet, row, LABEL_COL, "Fiscal year (history)", f.header_left)
        for k in range(n):
            year = model["base_year"] - n + 1 + k
            sheet.write_formula(row, FIRST_YEAR_COL + k, f"=base_year-{n - 1 - k}", f.header, year)
        row += 1
        history = model["history"]["capex"]
        history_overrides = overrides.get("history", {}).get("capex", {})
        for index, cls in enumerate(model["asset_classes"]):
            name = cls["name"]
            if name not in history:
                continue
            class_money_rows(f"history[{index}]", index, name, history[name], history_overrides.get(name))
            writer.history_rows[index] = row - 1

    row = writer.section(sheet, row + 1, "Capex by asset class (years after the plan: explicit follow-on capex)")
    for index, cls in enumerate(model["asset_classes"]):
        name = cls["name"]
        class_money_rows(f"capex[{index}]", index, name, model["capex"][name], overrides.get("capex", {}).get(name))
        writer.capex_rows.append(row - 1)

    if writer.targets:
        row = writer.section(
            sheet, row + 1, "Calibration: each solved setting is set so that the line equals the value"
        )
        for field, col in CALIBRATION_COLS.items():
            sheet.write_string(row - 1, col, field.capitalize(), f.section)
        for index, target in enumerate(model["calibration"]):
            writer.text(sheet, row, KEY_COL, f"calibration[{index}]")
            writer.text(sheet, row, LABEL_COL, f"Target {index + 1}: {LINES[target['line']].label}")
            writer.text(sheet, row, CALIBRATION_COLS["line"], target["line"], f.input_text)
            sheet.write_number(row, CALIBRATION_COLS["year"], target["year"], f.input_integer)
            unit = "%" if target["line"] == "ebita_margin" else "money"
            sheet.write_number(row, CALIBRATION_COLS["value"], target["value"], f.input(unit))
            writer.text(sheet, row, CALIBRATION_COLS["solve"], target["solve"], f.input_text)
            writer.calibration_value_cells[target["solve"].partition(".")[2]] = cell(
                ASSUMPTIONS, row, CALIBRATION_COLS["value"], True
            )
            if index == 0:
                source("calibration")
            row += 1
        for key in writer.solved:
            writer.text(sheet, row, KEY_COL, f"{SOLVED_PREFIX}settings.{key}")
            writer.text(sheet, row, LABEL_COL, f"Solved: {SETTINGS[key].label}")
            writer.text(sheet, row, UNIT_COL, writer.unit_text(SETTINGS[key].unit))
            writer.solved_rows[key] = row
            writer.workbook.define_name(key, "=" + cell(ASSUMPTIONS, row, FIRST_YEAR_COL, True))
            row += 1
        writer.text(
            sheet,
            row,
            LABEL_COL,
            "The solved cells are formulas (docs/model.md section 4a): edit a driver or setting and they move so "
            "that each target still holds. Line, year and solve take effect when the file is opened in "
            "Capex Workbench; the value is live.",
            f.note,
        )
        row += 1

    # What the sheet does not show as inputs travels as JSON so a round trip loses nothing.
    row = writer.section(sheet, row + 1, "Model file: scenarios, sources, actuals, peers, uncertainty (read back)")
    extras = {key: model[key] for key in ("actuals", "peers", "scenarios", "uncertainty", "sources")}
    # The exported scenario's overrides are the ↳ rows above; the JSON keeps only its place.
    extras["scenarios"] = {name: ({} if name == scenario else o) for name, o in extras["scenarios"].items()}
    # Rows name classes by position: the reader turns a name changed in the sheet into a rename.
    extras["class_names"] = [cls["name"] for cls in model["asset_classes"]]
    text = json.dumps(extras, ensure_ascii=False, allow_nan=False)
    for start in range(0, max(len(text), 1), JSON_CHUNK):
        writer.text(sheet, row, KEY_COL, MODEL_FILE_KEY)
        writer.text(sheet, row, FIRST_YEAR_COL, text[start : start + JSON_CHUNK])
        sheet.set_row(row, None, None, {"hidden": True})
        row += 1
    # Long sources run on past the column on screen; the printout stops at the source column.
    sheet.print_area(0, KEY_COL, row - 1, source_col)


def write_calibration_formulas(writer: WorkbookWriter) -> None:
    """The solved cells: each calibrated setting in closed form (docs/model.md section 4a), from
    cells that do not depend on it, so the workbook has no circular reference."""
    sheet, f = writer.sheets[ASSUMPTIONS], writer.formats
    for target in writer.targets:
        key = target.solve
        t = target.t
        value = writer.calibration_value_cells[key]
        g = writer.group_cell

        def line(name: str, t: int = t) -> str:
            return writer.line_cell(name, t)

        drv = writer.driver_cell
        core_index = writer.index_cell("core_index", t)
        # AI revenue per unit of yield of the installed and plan vintages in year t.
        per_yield = (
            f"{writer.index_cell('price_index', t)}*{drv('utilization', t)}"
            f"*({g('installed', 'capacity', t)}+{line('capacity')})"
        )
        ai = f"({g('installed', 'ai_revenue', t)}+{line('ai_revenue')})"
        margin = drv("core_ebita_margin", t)
        written_off = f"({g('installed', 'written_off', t)}+{g('plan', 'written_off', t)})"
        in_service = f"({g('installed', 'in_service', t)}+{line('capex_in_service')})"
        ebita_before = f"{line('core_ebita')}+{ai}+pull_through*{ai}*{margin}-{written_off}-{line('capex_expensed')}"
        revenue = f"({line('core_revenue')}+{ai}*(1+pull_through))"
        if key == "ai_revenue_yield":
            formula = f"=({value}-base_core_revenue*{core_index})/({per_yield}*(1+pull_through))"
        elif key == "base_core_revenue":
            formula = f"=({value}-ai_revenue_yield*{per_yield}*(1+pull_through))/{core_index}"
        elif key == "ai_cash_opex_rate":
            formula = f"=({ebita_before}-{ai}*ai_variable_cost_pct-{value}*{revenue})/{in_service}"
        else:
            formula = f"=({ebita_before}-{in_service}*ai_cash_opex_rate-{value}*{revenue})/{ai}"
        solved = writer.results.calibrated.get(f"settings.{key}")
        row = writer.solved_rows[key]
        sheet.write_formula(row, FIRST_YEAR_COL, formula, f.solved, cached(solved))
        # Whether the solution obeys its setting's rule (section 4a); else the model is refused.
        here = xl_rowcol_to_cell(row, FIRST_YEAR_COL)
        rule, reason = SOLVED_RULES[key]
        check = f'=IF(ISNUMBER({here}),IF({rule.format(here)},"solved","{reason}"),"{reason}")'
        sheet.write_formula(row, FIRST_YEAR_COL + 1, check, f.note, "solved")


def _write_input(writer: WorkbookWriter, sheet: Worksheet, row: int, col: int, value: Any, unit: str) -> None:
    f = writer.formats
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, f.input_general)
    elif isinstance(value, str):
        writer.text(sheet, row, col, value, f.input_text)
    elif value is None:
        sheet.write_blank(row, col, None, f.input(unit))
    else:
        sheet.write_number(row, col, value, f.input(unit))


def _write_series(writer: WorkbookWriter, sheet: Worksheet, row: int, values: Sequence[Any], unit: str) -> None:
    for t, value in enumerate(values, start=1):
        _write_input(writer, sheet, row, year_col(t), value, unit)


def _write_class_fields(
    writer: WorkbookWriter, sheet: Worksheet, row: int, fields: dict[str, Any], base: dict[str, Any]
) -> list[str]:
    """The fields of one class row (``fields``: the class, or a scenario's override of ``base``);
    returns the fields written. An absent economic or tax life of a capitalized class follows the
    book life: on the class row, and on an override row that changes the book life."""
    written = []
    for field, col in CLASS_FIELD_COLS.items():
        if field in fields:
            unit = "integer" if field in ("life", "economic_life", "lag", "tax_life") else ""
            _write_input(writer, sheet, row, col, fields[field], unit)
            written.append(field)
        elif (
            field in FOLLOWS_BOOK_LIFE
            and "life" in fields
            and field not in base
            and base.get("treatment") == "capitalized"
        ):
            life_ref = xl_rowcol_to_cell(row, CLASS_FIELD_COLS["life"])
            sheet.write_formula(row, col, f"={life_ref}", writer.formats.derived, fields["life"])
            written.append(field)
    if "treatment" in fields:
        validation = {"validate": "list", "source": list(TREATMENTS)}
        sheet.data_validation(row, CLASS_FIELD_COLS["treatment"], row, CLASS_FIELD_COLS["treatment"], validation)
    return written
