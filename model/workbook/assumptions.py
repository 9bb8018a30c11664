"""The Assumptions sheet: every input, blue on a light fill, with a source column.

Inputs the exported scenario overrides get a row of their own right below the base row
("↳ Bull"); the formulas read that row. Settings are named after their keys (``wacc``,
``tax_rate`` ...), drivers too. Column A holds each row's field path; ``model.workbook.reader``
reads the sheet back by it. What the sheet does not show as inputs travels as JSON in hidden
``model_file`` rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from model.schema import DRIVERS, SETTINGS, TERMINAL_METHODS, TREATMENTS
from model.workbook.layout import (
    ASSUMPTIONS,
    CLASS_FIELD_COLS,
    FIRST_YEAR_COL,
    HEADER_ROW,
    KEY_COL,
    LABEL_COL,
    MARKER,
    MODEL_FILE_KEY,
    OVERRIDE_PREFIX,
    UNIT_COL,
    cell,
    year_col,
)

if TYPE_CHECKING:
    from model.workbook.writer import WorkbookWriter

JSON_CHUNK = 30_000  # characters of JSON per hidden row, below a cell's limit of 32,767


def write_assumptions(writer: WorkbookWriter) -> None:
    """Write the inputs and record the live rows (``driver_rows``, ``class_cells`` ...) on the writer."""
    sheet, f = writer.sheets[ASSUMPTIONS], writer.formats
    model, scenario, overrides, horizon = writer.model, writer.scenario, writer.overrides, writer.horizon
    source_col = FIRST_YEAR_COL + horizon
    writer.year_layout(sheet)
    sheet.set_column(source_col, source_col, 60)
    writer.text(sheet, 0, KEY_COL, MARKER, f.title)
    writer.text(
        sheet,
        1,
        KEY_COL,
        "Blue cells on a light fill are inputs. A row marked ↳ overrides the row above in the exported "
        "scenario; the formulas read it. Open this file in Capex Workbench to bring edits home.",
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
        rows = [(f"settings.{key}", model["settings"][key], spec.label)]
        if key in overrides.get("settings", {}):
            rows.append((f"{OVERRIDE_PREFIX}settings.{key}", overrides["settings"][key], f"↳ {scenario}"))
        for i, (field, value, label) in enumerate(rows):
            writer.text(sheet, row, KEY_COL, field)
            writer.text(sheet, row, LABEL_COL, label)
            writer.text(sheet, row, UNIT_COL, writer.unit_text(spec.unit))
            _write_input(writer, sheet, row, FIRST_YEAR_COL, value, unit)
            if i == 0:
                source(f"settings.{key}")
            if key == "terminal_method":
                sheet.data_validation(
                    row, FIRST_YEAR_COL, row, FIRST_YEAR_COL, {"validate": "list", "source": list(TERMINAL_METHODS)}
                )
            row += 1
        live_row = row - 1
        writer.workbook.define_name(key, "=" + cell(ASSUMPTIONS, live_row, FIRST_YEAR_COL, True))

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
        first, last = year_col(1), year_col(horizon)
        writer.workbook.define_name(key, f"={ASSUMPTIONS}!${xl_col_to_name(first)}${row}:${xl_col_to_name(last)}${row}")

    row = writer.section(sheet, row + 1, "Asset classes")
    for col, title in ((LABEL_COL, "Class"), *((c, n) for n, c in CLASS_FIELD_COLS.items())):
        sheet.write_string(row - 1, col, title.replace("_", " ").capitalize(), f.section)
    class_overrides = overrides.get("asset_classes", {})
    for index, cls in enumerate(model["asset_classes"]):
        writer.class_rows.append(row)
        writer.text(sheet, row, KEY_COL, f"asset_classes[{index}]")
        writer.text(sheet, row, LABEL_COL, cls["name"], f.input_text)
        _write_class_fields(writer, sheet, row, cls)
        source(f"asset_classes.{cls['name']}")
        live = {field: cell(ASSUMPTIONS, row, col, True) for field, col in CLASS_FIELD_COLS.items()}
        row += 1
        if cls["name"] in class_overrides:
            writer.text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX}asset_classes[{index}]")
            writer.text(sheet, row, LABEL_COL, f"↳ {scenario}")
            _write_class_fields(writer, sheet, row, class_overrides[cls["name"]])
            for field in class_overrides[cls["name"]]:
                live[field] = cell(ASSUMPTIONS, row, CLASS_FIELD_COLS[field], True)
            row += 1
        writer.class_cells.append(live)

    row = writer.section(sheet, row + 1, "Capex by asset class")
    for index, cls in enumerate(model["asset_classes"]):
        name = cls["name"]
        override = overrides.get("capex", {}).get(name)
        for i, values in enumerate([model["capex"][name]] if override is None else [model["capex"][name], override]):
            writer.text(sheet, row, KEY_COL, f"{OVERRIDE_PREFIX if i else ''}capex[{index}]")
            if i:
                writer.text(sheet, row, LABEL_COL, f"↳ {scenario}")
            else:
                label_ref = xl_rowcol_to_cell(writer.class_rows[index], LABEL_COL)
                sheet.write_formula(row, LABEL_COL, f"={label_ref}", f.link, name)
                source(f"capex.{name}")
            writer.text(sheet, row, UNIT_COL, writer.unit_text("money"))
            _write_series(writer, sheet, row, values, "money")
            row += 1
        writer.capex_rows.append(row - 1)

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


def _write_class_fields(writer: WorkbookWriter, sheet: Worksheet, row: int, fields: dict[str, Any]) -> None:
    for field, col in CLASS_FIELD_COLS.items():
        if field in fields:
            _write_input(writer, sheet, row, col, fields[field], "integer" if field == "life" else "")
    if "treatment" in fields:
        validation = {"validate": "list", "source": list(TREATMENTS)}
        sheet.data_validation(row, CLASS_FIELD_COLS["treatment"], row, CLASS_FIELD_COLS["treatment"], validation)
