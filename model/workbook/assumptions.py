"""The Assumptions sheet: every input, blue on a light fill, with a source column.

Every scenario is live: the named cell ``scenario`` on the Summary (a drop-down of
``scenario_names``, listed here, Base first) picks the values every formula uses. An input that
some scenario overrides has its base row, one row per overriding scenario below it (the
scenario's name in the label column, shown "↳ Bull") and a row "in use" (column A ``live:``)
whose formulas pick the scenario's row, or the base row when that scenario does not override
the input; the names and the formulas read the row in use. Settings are named after their keys (``wacc``,
``tax_rate`` ...), drivers too. Column A holds each row's field path; ``model.workbook.reader``
reads the sheet back by it. Sections: model, settings, drivers, asset classes (treatment, book,
economic and tax lives, lag, revenue flag), history (capex before the plan), capex, calibration.

An economic or tax life the model does not give follows the book life: its cell is the formula
``=<book life cell>``, grey and italic, so editing the book life moves it too, and the reader
keeps it absent. A calibrated setting keeps the value written in the file on its settings row,
and its name (``ai_revenue_yield`` ...) points to the solved cell in the calibration section,
whose formula is the closed-form solution of docs/model.md section 4a (written by
``write_calibration_formulas`` once the Fleet and Projections rows are known), so it follows the
scenario too. What no sheet shows as an input goes on the visible Model file sheet
(``model.workbook.model_file``); nothing in the workbook is hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.comparison import class_field, overridden_inputs
from model.outputs import LINES
from model.schema import ASSET_CLASS_LABELS, DRIVERS, INFRASTRUCTURE_CHARGES, SETTINGS, TERMINAL_METHODS, TREATMENTS
from model.validation import scenario_names
from model.workbook.formats import NUMBER_FORMATS, cached
from model.workbook.layout import (
    ASSUMPTIONS,
    CALIBRATION_COLS,
    CLASS_FIELD_COLS,
    CLASS_FIELDS,
    FIRST_YEAR_COL,
    FOLLOWS_BOOK_LIFE,
    HEADER_ROW,
    HISTORY_KEY,
    KEY_COL,
    LABEL_COL,
    LIVE_PREFIX,
    MARKER,
    OVERRIDE_PREFIX,
    SCENARIO_NAME,
    SCENARIO_NAME_KEY,
    SCENARIO_NAMES,
    SOLVED_PREFIX,
    SOURCE_TITLE,
    UNIT_COL,
    cell,
    col_name,
    span,
    year_col,
)
from model.workbook.model_file import write_model_file

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

INTEGER = NUMBER_FORMATS["integer"]
LIVES = ("life", "economic_life", "lag", "tax_life")  # class fields in whole years
SCENARIO_LABEL_FORMAT = '"↳ "@'  # a scenario's row: its name, shown under the input it overrides
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
    model, horizon = writer.model, writer.horizon
    resolved = writer.resolved
    overridden = {entry.path: entry.values for entry in overridden_inputs(model)}
    source_col = FIRST_YEAR_COL + max(horizon, writer.history_years, len(CLASS_FIELD_COLS))
    writer.year_layout(sheet)
    sheet.set_column(source_col, source_col, 60)
    writer.text(sheet, 0, KEY_COL, MARKER, f.title)
    writer.text(
        sheet,
        1,
        KEY_COL,
        "Blue cells on a light fill are inputs; grey italic cells follow another input (edit it, or type a "
        "number to set them); black cells are formulas. A row marked ↳ is a scenario's value of the input above; "
        'the row "in use" below them picks the scenario chosen on the Summary, and the formulas read it. '
        "Open this file in Capex Workbench to bring edits home.",
        f.subtitle,
    )
    for col, title in ((KEY_COL, "Field"), (LABEL_COL, "Input"), (UNIT_COL, "Unit"), (source_col, SOURCE_TITLE)):
        sheet.write_string(HEADER_ROW, col, title, f.header_left)
    writer.year_headers(sheet, HEADER_ROW)
    sources = model["sources"]
    scenario_label = f.number_format(SCENARIO_LABEL_FORMAT)
    row = HEADER_ROW + 1

    def source(path: str) -> None:
        if path in sources:
            writer.text(sheet, row, source_col, sources[path]["text"])

    def scenario_rows(key: str, values: dict[str, Any], unit: str, write: Callable[[int, Any], None]) -> list[int]:
        """One row per scenario overriding the input ``key``, below its base row: the scenario's name
        in the label column (shown as "↳ Bull"), its value written by ``write``; returns the rows."""
        nonlocal row
        rows = []
        for name, value in values.items():
            writer.text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX}{key}")
            writer.text(sheet, row, LABEL_COL, name, scenario_label)
            writer.text(sheet, row, UNIT_COL, unit)
            write(row, value)
            rows.append(row)
            row += 1
        return rows

    def live_row(key: str, unit: str, label: str = "in use") -> int:
        """The row of the value in use (formulas written by the caller); ``row`` moves past it."""
        nonlocal row
        writer.text(sheet, row, KEY_COL, f"{LIVE_PREFIX}{key}")
        writer.text(sheet, row, LABEL_COL, label, f.note)
        writer.text(sheet, row, UNIT_COL, unit)
        row += 1
        return row - 1

    def money_rows(key: str, index: int, name: str, base: Sequence[Any], path: str, in_use: Sequence[Any]) -> int:
        """A class's money by year (its history or capex row, ``key`` such as ``capex[0]``) with its
        source, each overriding scenario's row and the row in use; returns the row the formulas read."""
        nonlocal row
        unit = writer.unit_text("money")
        base_row = row
        writer.text(sheet, row, KEY_COL, key)
        label_ref = xl_rowcol_to_cell(writer.class_rows[index], LABEL_COL)
        sheet.write_formula(row, LABEL_COL, f"={label_ref}", f.link, name)
        writer.text(sheet, row, UNIT_COL, unit)
        _write_series(writer, sheet, row, base, "money")
        source(f"{key.partition('[')[0]}.{name}")
        row += 1
        values = overridden.get(path, {})
        if not values:
            return base_row
        rows = scenario_rows(key, dict(values), unit, lambda r, v: _write_series(writer, sheet, r, v, "money"))
        live = live_row(key, unit)
        _write_picks(writer, sheet, live, base_row, rows, _year_cols(len(base)), in_use, f.number("money"))
        return live

    row = writer.section(sheet, row, "Model")
    for key, label, fmt in (
        ("format", "File format", f.text),
        ("version", "Format version", f.number_format(INTEGER)),
        ("name", "Model name", f.input_text),
        ("currency", "Currency", f.input_text),
        ("unit", "Money unit", f.input_text),
        ("base_year", "Base year (last actual)", f.input("integer")),
        ("horizon", "Projection years", f.number_format(INTEGER)),
    ):
        value = model[key]  # type: ignore[literal-required]
        writer.text(sheet, row, KEY_COL, key)
        writer.text(sheet, row, LABEL_COL, label)
        if isinstance(value, str):
            writer.text(sheet, row, FIRST_YEAR_COL, value, fmt)
        else:
            sheet.write_number(row, FIRST_YEAR_COL, value, fmt)
        if key in ("base_year", "horizon"):
            writer.workbook.define_name(key, "=" + cell(ASSUMPTIONS, row, FIRST_YEAR_COL, True))
        row += 1

    row = writer.section(sheet, row + 1, "Scenarios (Base is the model itself; the Summary's scenario cell picks one)")
    first_name = row
    for name in scenario_names(model):
        writer.text(sheet, row, KEY_COL, SCENARIO_NAME_KEY)
        writer.text(sheet, row, LABEL_COL, name, f.kpi_label)
        source(f"scenarios.{name}")
        row += 1
    writer.workbook.define_name(SCENARIO_NAMES, "=" + span(ASSUMPTIONS, first_name, LABEL_COL, row - 1, LABEL_COL))

    row = writer.section(sheet, row + 1, "Settings")
    for key, spec in SETTINGS.items():
        unit = "" if spec.unit == "money" else spec.unit
        if key in ("plan_years", "valuation_year"):
            unit = "integer"
        label = spec.label + (" (as written; the calibration replaces it)" if key in writer.solved else "")
        base_row = row
        writer.text(sheet, row, KEY_COL, f"settings.{key}")
        writer.text(sheet, row, LABEL_COL, label)
        writer.text(sheet, row, UNIT_COL, writer.unit_text(spec.unit))
        _write_input(writer, sheet, row, FIRST_YEAR_COL, model["settings"][key], unit)  # type: ignore[literal-required]
        _choices(sheet, row, FIRST_YEAR_COL, CHOICES.get(key))
        source(f"settings.{key}")
        row += 1
        values = overridden.get(f"settings.{key}", {})

        def write_setting(r: int, value: Any, key: str = key, unit: str = unit) -> None:
            _write_input(writer, sheet, r, FIRST_YEAR_COL, value, unit)
            _choices(sheet, r, FIRST_YEAR_COL, CHOICES.get(key))

        rows = scenario_rows(f"settings.{key}", dict(values), writer.unit_text(spec.unit), write_setting)
        in_use = base_row
        if rows:
            in_use = live_row(f"settings.{key}", writer.unit_text(spec.unit))
            value = resolved["settings"][key]  # type: ignore[literal-required]
            _write_picks(writer, sheet, in_use, base_row, rows, [FIRST_YEAR_COL], [value], _live_format(writer, unit))
        if key not in writer.solved:  # a solved setting is named at its solved cell below
            writer.workbook.define_name(key, "=" + cell(ASSUMPTIONS, in_use, FIRST_YEAR_COL, True))

    row = writer.section(sheet, row + 1, "Drivers (one value per fiscal year)")
    for key, driver in DRIVERS.items():
        base_row = row
        writer.text(sheet, row, KEY_COL, f"drivers.{key}")
        writer.text(sheet, row, LABEL_COL, driver.label)
        writer.text(sheet, row, UNIT_COL, writer.unit_text(driver.unit))
        _write_series(writer, sheet, row, model["drivers"].get(key, [None] * horizon), driver.unit)
        source(f"drivers.{key}")
        row += 1
        values = overridden.get(f"drivers.{key}", {})

        def write_driver(r: int, value: Any, unit: str = driver.unit) -> None:
            _write_series(writer, sheet, r, value, unit)

        rows = scenario_rows(f"drivers.{key}", dict(values), writer.unit_text(driver.unit), write_driver)
        in_use = base_row
        if rows:
            in_use = live_row(f"drivers.{key}", writer.unit_text(driver.unit))
            series = resolved["drivers"].get(key) or [None] * horizon
            _write_picks(writer, sheet, in_use, base_row, rows, _year_cols(horizon), series, f.number(driver.unit))
        writer.driver_rows[key] = in_use
        writer.workbook.define_name(key, "=" + span(ASSUMPTIONS, in_use, year_col(1), in_use, year_col(horizon)))

    row = writer.section(
        sheet, row + 1, "Asset classes (an expensed class has no lives: its spending is charged when spent)"
    )
    for field, col in CLASS_FIELD_COLS.items():
        sheet.write_string(row - 1, col, ASSET_CLASS_LABELS[field], f.section)
    sheet.write_string(row - 1, LABEL_COL, "Class", f.section)
    for index, cls in enumerate(model["asset_classes"]):
        base_row = row
        writer.class_rows.append(row)
        writer.text(sheet, row, KEY_COL, f"asset_classes[{index}]")
        writer.text(sheet, row, LABEL_COL, cls["name"], f.input_text)
        _write_class_fields(writer, sheet, row, cls, cls)
        source(f"asset_classes.{cls['name']}")
        live = {field: cell(ASSUMPTIONS, row, col, True) for field, col in CLASS_FIELD_COLS.items()}
        row += 1
        overriding = {
            name: fields
            for name, sections in model["scenarios"].items()
            if (fields := sections.get("asset_classes", {}).get(cls["name"]))
        }
        picked: dict[str, None] = {}  # the fields some scenario sets, in column order

        def write_fields(r: int, fields: Any, cls: Any = cls, picked: dict[str, None] = picked) -> None:
            picked.update(dict.fromkeys(_write_class_fields(writer, sheet, r, fields, cls)))

        rows = scenario_rows(f"asset_classes[{index}]", overriding, "", write_fields)
        if rows:
            in_use = live_row(f"asset_classes[{index}]", "")
            in_force = next(c for c in resolved["asset_classes"] if c["name"] == cls["name"])
            for field in sorted(picked, key=CLASS_FIELDS.index):
                col = CLASS_FIELD_COLS[field]
                unit = "integer" if field in LIVES else ""
                fmt = _live_format(writer, unit)
                value = class_field(in_force, field)
                _write_picks(writer, sheet, in_use, base_row, rows, [col], [value], fmt, skip_blank=True)
                live[field] = cell(ASSUMPTIONS, in_use, col, True)
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
        resolved_history = resolved["history"]["capex"]
        for index, cls in enumerate(model["asset_classes"]):
            name = cls["name"]
            if name in history:
                writer.history_rows[index] = money_rows(
                    f"history[{index}]", index, name, history[name], f"history.{name}", resolved_history[name]
                )

    row = writer.section(sheet, row + 1, "Capex by asset class (years after the plan: explicit follow-on capex)")
    for index, cls in enumerate(model["asset_classes"]):
        name = cls["name"]
        writer.capex_rows.append(
            money_rows(f"capex[{index}]", index, name, model["capex"][name], f"capex.{name}", resolved["capex"][name])
        )

    if writer.targets:
        row = writer.section(
            sheet, row + 1, "Calibration: each solved setting is set so that the line equals the value"
        )
        for field, col in CALIBRATION_COLS.items():
            sheet.write_string(row - 1, col, field.capitalize(), f.section)
        for index, target in enumerate(model.get("calibration") or []):
            writer.text(sheet, row, KEY_COL, f"calibration[{index}]")
            writer.text(sheet, row, LABEL_COL, f"Target {index + 1}: {LINES[target['line']].label}")
            writer.text(sheet, row, CALIBRATION_COLS["line"], target["line"], f.input_text)
            sheet.write_number(row, CALIBRATION_COLS["year"], target["year"], f.input("integer"))
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
            "The solved cells are formulas (docs/model.md section 4a): edit a driver or setting, or pick another "
            "scenario on the Summary, and they move so that each target still holds. Line, year and solve take "
            "effect when the file is opened in Capex Workbench; the value is live.",
            f.note,
        )
        row += 1
    # Long sources run on past the column on screen; the printout stops at the source column.
    sheet.print_area(0, KEY_COL, row - 1, source_col)
    write_model_file(writer)


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


def _write_picks(
    writer: WorkbookWriter,
    sheet: Worksheet,
    row: int,
    base_row: int,
    scenario_rows: list[int],
    cols: Sequence[int],
    in_use: Sequence[Any],
    fmt: Format,
    skip_blank: bool = False,
) -> None:
    """The cells of the row in use: in each column, the value of the scenario named on the Summary
    if one of ``scenario_rows`` is its row, else the base row's. EXACT (not MATCH) compares the
    names, so a name with * or ? is no wildcard. With ``skip_blank`` a scenario's empty cell keeps
    the base value (a class override sets only some fields). ``in_use`` are the exported
    scenario's values, cached in the cells."""
    for col, value in zip(cols, in_use, strict=True):
        letter = col_name(col)
        formula = f"{letter}{base_row + 1}"
        for r in reversed(scenario_rows):
            test = f"EXACT({SCENARIO_NAME},${col_name(LABEL_COL)}${r + 1})"
            if skip_blank:
                test = f'AND({test},{letter}{r + 1}<>"")'
            formula = f"IF({test},{letter}{r + 1},{formula})"
        cached_value = value if isinstance(value, bool | str) else cached(value)
        sheet.write_formula(row, col, "=" + formula, fmt, cached_value)


def _live_format(writer: WorkbookWriter, unit: str) -> Format:
    """The format of a picked value (black: a formula) of an input of ``unit``."""
    f = writer.formats
    return f.number_format(INTEGER) if unit == "integer" else f.number(unit)


def _year_cols(count: int) -> list[int]:
    return [year_col(t) for t in range(1, count + 1)]


def _choices(sheet: Worksheet, row: int, col: int, choices: Sequence[str] | None) -> None:
    """A drop-down of the allowed words of a setting (terminal method, infrastructure charge)."""
    if choices:
        sheet.data_validation(row, col, row, col, {"validate": "list", "source": list(choices)})


def _write_input(writer: WorkbookWriter, sheet: Worksheet, row: int, col: int, value: Any, unit: str) -> None:
    f = writer.formats
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value, f.input("general"))
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
    writer: WorkbookWriter, sheet: Worksheet, row: int, fields: Mapping[str, Any], base: Mapping[str, Any]
) -> list[str]:
    """The fields of one class row (``fields``: the class, or a scenario's override of ``base``);
    returns the fields written. An absent economic or tax life of a capitalized class follows the
    book life: on the class row, and on an override row that changes the book life."""
    written = []
    for field, col in CLASS_FIELD_COLS.items():
        if field in fields:
            unit = "integer" if field in LIVES else ""
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
        _choices(sheet, row, CLASS_FIELD_COLS["treatment"], TREATMENTS)
    return written
