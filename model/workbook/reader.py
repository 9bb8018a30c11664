"""Reading an exported workbook back into a model: a colleague's edits come home.

Only the Assumptions sheet is read (the values of its input cells): column A names each row's
field (``settings.wacc``, ``drivers.utilization``, ``asset_classes[0]``, ``history[0]``,
``capex[0]``, ``calibration[0]``; rows prefixed ``scenario:`` are the exported scenario's
overrides, rows prefixed ``solved:`` the calibration's formulas, which are computed and not
read), and hidden ``model_file`` rows carry what the sheet does not show as inputs (other
scenarios, sources, actuals, peers, uncertainty) as JSON. An economic or tax life whose cell is
still the formula that follows the book life is absent from the model, as it was exported; a
number typed there sets it. History rows of a class switched to expensed are dropped (an
expensed class has no vintages), and a class switched to capitalized gets a history of zeros.
The result is checked by ``validate_model``; an error names the cell, e.g.
``Assumptions!D14: settings.wacc: 'ten' is not a number``.

Workbooks come from elsewhere and are untrusted: the file size and the unpacked size are capped
before parsing, and openpyxl parses XML through defusedxml, so a crafted file (entity expansion,
"billion laughs") is refused at once instead of exhausting memory.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.xml import DEFUSEDXML

from model.edits import RenameClass, apply_edit
from model.errors import ModelError, ModelFileError
from model.fileio import parse_json, read_limited
from model.schema import BASE_SCENARIO, DRIVERS, MAX_HORIZON, MIN_HORIZON, SETTINGS
from model.validation import Model, check_integer, validate_model
from model.workbook.layout import (
    ASSUMPTIONS,
    CALIBRATION_COLS,
    CLASS_FIELD_COLS,
    FIRST_YEAR_COL,
    FOLLOWS_BOOK_LIFE,
    HISTORY_KEY,
    KEY_COL,
    LABEL_COL,
    MARKER,
    MODEL_FILE_KEY,
    OVERRIDE_PREFIX,
    SOLVED_PREFIX,
    cell,
)
from model.workbook.untrusted import check_workbook

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
INDEXED = re.compile(r"(asset_classes|capex|history|calibration)\[(\d+)\]")
LAST_STEP = re.compile(r"(\[\d+\]|\.[^.\[]*)$")
PENDING = "scenarios.?."  # paths of the exported scenario's overrides until its name is known
SCALARS = ("format", "version", "name", "currency", "unit", "base_year", "horizon", "scenario")


def read_workbook(path: str | os.PathLike[str]) -> Model:
    """The model stored in an exported workbook's Assumptions sheet, validated."""
    if not DEFUSEDXML:
        # openpyxl falls back to the standard library parser when defusedxml is missing or disabled.
        raise ModelFileError(str(path), "refused: the safe XML parser (defusedxml) is not available")
    data = read_limited(path)
    check_workbook(str(path), data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise ModelFileError(str(path), f"unpacks to {unpacked / 1e6:.0f} MB; this is not a model workbook")
        # The stored values, not the formulas: a spreadsheet that saves the file may turn an input
        # into a formula (LibreOffice writes FALSE() for false), and a colleague may type one.
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if ASSUMPTIONS not in book.sheetnames:
                raise ModelFileError(str(path), f"is not a Capex Workbench workbook: it has no {ASSUMPTIONS} sheet")
            rows = [tuple(c.value for c in row) for row in book[ASSUMPTIONS].iter_rows()]
        finally:
            book.close()
        # The formulas of the class rows' life columns: a life that still follows the book life
        # is absent from the model.
        follows = _following_lives(data, rows)
    except ModelFileError:
        raise
    except Exception as error:  # openpyxl raises many kinds (zip, XML, KeyError) on a damaged file
        if _is_unsafe_xml(error):
            raise ModelFileError(
                str(path), "refused: its XML declares entities, a known way to exhaust memory"
            ) from error
        raise ModelFileError(
            str(path), f"is not a readable Excel workbook ({type(error).__name__}: {error})"
        ) from error
    return _AssumptionsReader(rows, follows).model()


def _following_lives(data: bytes, rows: list[tuple[Any, ...]]) -> set[tuple[int, int]]:
    """(row, column) of the class fields on Assumptions whose cell is the formula ``=<book life
    cell of the same row>`` the export writes for a life that follows the book life."""
    class_rows = {
        r
        for r, row in enumerate(rows)
        if row
        and isinstance(row[KEY_COL], str)
        and INDEXED.fullmatch(row[KEY_COL].removeprefix(OVERRIDE_PREFIX))
        and row[KEY_COL].removeprefix(OVERRIDE_PREFIX).startswith("asset_classes[")
    }
    if not class_rows:
        return set()
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    found = set()
    try:
        first, last = min(class_rows), max(class_rows)
        sheet = book[ASSUMPTIONS]
        columns = [CLASS_FIELD_COLS[field] for field in FOLLOWS_BOOK_LIFE]
        for r, row in enumerate(
            sheet.iter_rows(min_row=first + 1, max_row=last + 1, max_col=max(columns) + 1, values_only=True),
            start=first,
        ):
            if r not in class_rows:
                continue
            life = cell(ASSUMPTIONS, r, CLASS_FIELD_COLS["life"]).split("!")[1]
            for col in columns:
                value = row[col] if col < len(row) else None
                if isinstance(value, str) and value.replace("$", "").upper() in (
                    f"={life}",
                    f"={ASSUMPTIONS.upper()}!{life}",
                ):
                    found.add((r, col))
    finally:
        book.close()
    return found


def _is_unsafe_xml(error: BaseException | None) -> bool:
    """Whether defusedxml refused the XML somewhere in the chain of causes (openpyxl wraps it)."""
    while error is not None:
        if isinstance(error, DefusedXmlException):
            return True
        error = error.__cause__ or error.__context__
    return False


def _address(row: int, col: int) -> str:
    return cell(ASSUMPTIONS, row, col)


class _AssumptionsReader:
    """Turns the rows of the Assumptions sheet into a model document, remembering each field's cell."""

    def __init__(self, rows: list[tuple[Any, ...]], follows: set[tuple[int, int]] | None = None) -> None:
        self.rows = rows
        self.follows = follows or set()
        self.cells: dict[str, str] = {}  # model path -> cell address, to name the cell of an error

    def value(self, row: int, col: int, path: str) -> Any:
        self.cells[path] = _address(row, col)
        values = self.rows[row]
        return values[col] if col < len(values) else None

    def model(self) -> Model:
        if not self.rows or _first(self.rows[0]) != MARKER:
            raise ModelError(
                _address(0, KEY_COL), f"is not {MARKER!r}: this workbook was not exported by Capex Workbench"
            )
        doc: dict[str, Any] = {"settings": {}, "drivers": {}, "asset_classes": [], "capex": {}}
        overrides: dict[str, Any] = {"settings": {}, "drivers": {}, "capex": {}, "asset_classes": {}}
        capex_rows: list[tuple[int, int, bool]] = []
        history_rows: list[tuple[int, int, bool]] = []
        class_overrides: list[tuple[int, int]] = []
        calibration: list[dict[str, Any]] = []
        model_file = []
        horizon = None
        history_years = 0
        for r, row in enumerate(self.rows[1:], start=1):
            key = _first(row)
            if key is None or r <= 2:
                continue
            if not isinstance(key, str):
                raise ModelError(_address(r, KEY_COL), "is not a field name")
            override = key.startswith(OVERRIDE_PREFIX)
            field = key.removeprefix(OVERRIDE_PREFIX)
            target = overrides if override else doc
            section, _, name = field.partition(".")
            indexed = INDEXED.fullmatch(field)
            if field in SCALARS and not override:
                doc[field] = self.value(r, FIRST_YEAR_COL, field)
                if field == "horizon":
                    horizon = check_integer(doc[field], _address(r, FIRST_YEAR_COL), MIN_HORIZON, MAX_HORIZON)
            elif field == MODEL_FILE_KEY and not override:
                model_file.append(self.value(r, FIRST_YEAR_COL, MODEL_FILE_KEY) or "")
            elif key.startswith(SOLVED_PREFIX):
                continue  # a calibration formula: computed from the inputs, not one of them
            elif field == HISTORY_KEY and not override:
                history_years = max(history_years, sum(1 for v in row[FIRST_YEAR_COL:] if v is not None))
            elif indexed and indexed.group(1) == "history":
                history_rows.append((r, int(indexed.group(2)), override))
                # A file saved without cached values (openpyxl) has an empty header: count the row's
                # numbers (and formulas), not the source note that follows the years.
                filled = [i for i, v in enumerate(row[FIRST_YEAR_COL:]) if _is_year_value(v)]
                history_years = max(history_years, filled[-1] + 1 if filled else 0)
            elif indexed and indexed.group(1) == "calibration" and not override:
                calibration.append(
                    {
                        field: self.value(r, col, f"calibration[{len(calibration)}].{field}")
                        for field, col in CALIBRATION_COLS.items()
                    }
                )
            elif section == "settings" and name in SETTINGS:
                path = f"{PENDING}settings.{name}" if override else f"settings.{name}"
                target["settings"][name] = self.value(r, FIRST_YEAR_COL, path)
            elif section == "drivers" and name in DRIVERS and horizon is not None:
                path = f"{PENDING}drivers.{name}" if override else f"drivers.{name}"
                values = self.series(r, path, horizon)
                if any(v is not None for v in values) or DRIVERS[name].required:
                    target["drivers"][name] = values
            elif indexed and indexed.group(1) == "asset_classes" and not override:
                doc["asset_classes"].append(self.asset_class(r, f"asset_classes[{len(doc['asset_classes'])}]"))
            elif indexed and indexed.group(1) == "asset_classes":
                class_overrides.append((r, int(indexed.group(2))))
            elif indexed and horizon is not None:
                capex_rows.append((r, int(indexed.group(2)), override))
            else:
                raise ModelError(_address(r, KEY_COL), f"{key!r} is not a field this program reads")
        if horizon is None:
            raise ModelError(f"{ASSUMPTIONS}!A:A", "has no horizon row: this workbook is damaged")

        extras = self.parse_model_file("".join(model_file))
        # Rows refer to classes by position; a name changed in the sheet is applied at the end as a
        # rename, so scenarios, sources and uncertainty that use the old name follow it.
        sheet_names = [c.get("name") for c in doc["asset_classes"]]
        names = extras.pop("class_names", sheet_names)
        if len(names) != len(sheet_names):
            raise ModelError(
                f"{ASSUMPTIONS}!B:B", "asset class rows were added or removed; change the classes in Capex Workbench"
            )
        for cls, name in zip(doc["asset_classes"], names, strict=True):
            cls["name"] = name
        for r, index, override in capex_rows:
            if index >= len(names):
                raise ModelError(
                    _address(r, KEY_COL), f"capex row of class {index + 1}, which the sheet does not declare"
                )
            path = f"{PENDING}capex.{names[index]}" if override else f"capex.{names[index]}"
            (overrides if override else doc)["capex"][names[index]] = self.series(r, path, horizon)
        self.read_history(doc, overrides, history_rows, names, history_years)
        if calibration:
            doc["calibration"] = calibration
        for r, index in class_overrides:
            if index >= len(names):
                raise ModelError(
                    _address(r, KEY_COL), f"override of class {index + 1}, which the sheet does not declare"
                )
            fields = self.asset_class(r, f"{PENDING}asset_classes.{names[index]}", partial=True)
            if fields:
                overrides["asset_classes"][names[index]] = fields
        self.restore_model_file(doc, extras, overrides)
        _drop_history_of_expensed(doc)
        model = self.validate(doc)
        for index, (old, new) in enumerate(zip(names, sheet_names, strict=True)):
            if new != old:
                try:
                    model, _ = apply_edit(model, RenameClass(old, new))
                except ModelError as error:
                    raise ModelError(self.cells[f"asset_classes[{index}].name"], error.rule) from error
        return model

    def parse_model_file(self, text: str) -> dict[str, Any]:
        try:
            extras = parse_json(text) if text else {}
        except ModelError as error:  # not JSON, a NaN literal, a repeated key, nested too deeply
            raise ModelError(f"{ASSUMPTIONS} model_file rows", f"damaged: {error}") from error
        if not isinstance(extras, dict):
            raise ModelError(f"{ASSUMPTIONS} model_file rows", "damaged: not an object")
        return extras

    def read_history(
        self,
        doc: dict[str, Any],
        overrides: dict[str, Any],
        rows: list[tuple[int, int, bool]],
        names: list[str],
        years: int,
    ) -> None:
        """The history table: rows of classes now expensed are dropped, classes now capitalized
        without a row get zeros (what the workbook's formulas compute with)."""
        if not rows and not years:
            return
        capitalized = [i for i, c in enumerate(doc["asset_classes"]) if c.get("treatment") == "capitalized"]
        base: dict[str, Any] = {}
        for r, index, override in rows:
            if index >= len(names):
                raise ModelError(
                    _address(r, KEY_COL), f"history row of class {index + 1}, which the sheet does not declare"
                )
            if index not in capitalized:
                continue
            name = names[index]
            path = f"{PENDING}history.{name}" if override else f"history.{name}"
            values = self.series(r, path, years)
            if override:
                overrides.setdefault("history", {"capex": {}})["capex"][name] = values
            else:
                base[name] = values
        doc["history"] = {"capex": {names[i]: base.get(names[i], [0.0] * years) for i in capitalized}}

    def series(self, row: int, path: str, horizon: int) -> list[Any]:
        return [self.value(row, FIRST_YEAR_COL + i, f"{path}[{i}]") for i in range(horizon)]

    def asset_class(self, row: int, path: str, partial: bool = False) -> dict[str, Any]:
        fields = {} if partial else {"name": self.value(row, LABEL_COL, f"{path}.name")}
        for field, col in CLASS_FIELD_COLS.items():
            value = self.value(row, col, f"{path}.{field}")
            if value is not None and (row, col) not in self.follows:
                fields[field] = value
        return fields

    def restore_model_file(self, doc: dict[str, Any], extras: dict[str, Any], overrides: dict[str, Any]) -> None:
        """Put back the JSON part; the exported scenario's overrides are the sheet's ``scenario:`` rows."""
        doc.update({key: value for key, value in extras.items() if key != "scenarios"})
        scenarios = extras.get("scenarios", {})
        exported = doc.pop("scenario", BASE_SCENARIO)
        own = {section: values for section, values in overrides.items() if values}
        if own and exported == BASE_SCENARIO:
            first = next(c for p, c in self.cells.items() if p.startswith(PENDING))
            raise ModelError(first, "overrides a scenario, but the exported scenario is Base")
        if own and isinstance(scenarios, dict):
            scenarios = {**scenarios, exported: own}
            self.cells = {p.replace(PENDING, f"scenarios.{exported}."): c for p, c in self.cells.items()}
        doc["scenarios"] = scenarios

    def validate(self, doc: dict[str, Any]) -> Model:
        try:
            return validate_model(doc)
        except ModelError as error:
            where = self.cell_of(error.path)
            if where is None:
                raise
            raise ModelError(where, f"{error.path}: {error.rule}") from error

    def cell_of(self, path: str) -> str | None:
        """The cell of a model path, or of the nearest enclosing field the sheet has a cell for."""
        path = path.replace(": ", ".")  # scenario cross-rule errors read "scenarios.Bull: settings.wacc"
        while path:
            if path in self.cells:
                return self.cells[path]
            shorter = LAST_STEP.sub("", path)
            path = "" if shorter == path else shorter
        return None


def _is_year_value(value: Any) -> bool:
    """A cell of a row of years: a number, or a formula a colleague typed (read by its value)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    return number or (isinstance(value, str) and value.startswith("="))


def _drop_history_of_expensed(doc: dict[str, Any]) -> None:
    """Scenarios' history rows of classes the sheet now expenses: an expensed class has no
    vintages, so the workbook computes without them, and so does the model read back."""
    expensed = {c.get("name") for c in doc["asset_classes"] if c.get("treatment") == "expensed"}
    scenarios = doc.get("scenarios")
    if not expensed or not isinstance(scenarios, dict):
        return
    for overrides in scenarios.values():
        rows = overrides.get("history", {}).get("capex") if isinstance(overrides, dict) else None
        if isinstance(rows, dict) and expensed & set(rows):
            kept = {name: values for name, values in rows.items() if name not in expensed}
            if kept:
                overrides["history"]["capex"] = kept
            else:
                del overrides["history"]


def _first(row: tuple[Any, ...]) -> Any:
    return row[KEY_COL] if row else None
