"""Reading an exported workbook back into a model: a colleague's edits come home.

The Assumptions sheet is read (the values of its input cells): column A names each row's field
(``settings.wacc``, ``drivers.utilization``, ``asset_classes[0]``, ``history[0]``, ``capex[0]``,
``calibration[0]``, ``scenario_name`` for the list of scenarios); rows prefixed ``scenario:``
are a scenario's overrides (the scenario named in the label column, one of those listed), rows
prefixed ``live:`` and ``solved:`` are formulas (the value in use, the calibration's solution),
computed and not read. Every scenario is read from these visible rows. The Model file sheet
carries what no sheet shows as an input (sources, actuals, peers, uncertainty, the class names
as exported) as JSON. The visible cells are the truth: a section of the Model file that is an
input (a colleague wrote ``settings`` there) is ignored, and ``read_workbook_reporting`` returns
a warning naming its cell, which the command line prints and the window shows.

Workbooks exported before scenarios were live (one exported scenario, whose name is on the row
``scenario``, and hidden ``model_file`` rows with the JSON, the other scenarios included) are
read as before: the exported scenario from its visible rows (which win over the JSON, with a
warning when they differ), the others from the JSON, with a warning that hidden rows were read.

An economic or tax life whose cell is still the formula that follows the book life is absent
from the model, as it was exported; a number typed there sets it. History rows of a class
switched to expensed are dropped (an expensed class has no vintages), and a class switched to
capitalized gets a history of zeros. The result is checked by ``validate_model``; an error names
the cell, e.g. ``Assumptions!D14: settings.wacc: 'ten' is not a number``.

Workbooks come from elsewhere and are untrusted: the file size and the unpacked size are capped
before parsing, and openpyxl parses XML through defusedxml, so a crafted file (entity expansion,
"billion laughs") is refused at once instead of exhausting memory.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from dataclasses import dataclass
from typing import Any

import openpyxl
from defusedxml import DefusedXmlException
from openpyxl.xml import DEFUSEDXML

from model.document import Model
from model.edits import RenameClass, apply_edit
from model.errors import ModelError, ModelFileError
from model.fileio import parse_json, read_limited
from model.outputs import LINES
from model.schema import BASE_SCENARIO, DRIVERS, MAX_HORIZON, MIN_HORIZON, SETTINGS
from model.validation import check_integer, describe, is_number, validate_model
from model.workbook.layout import (
    ACTUALS,
    ASSUMPTIONS,
    CALIBRATION_COLS,
    CLASS_FIELD_COLS,
    FIRST_YEAR_COL,
    FOLLOWS_BOOK_LIFE,
    HEADER_ROW,
    HISTORY_KEY,
    KEY_COL,
    LABEL_COL,
    LIVE_PREFIX,
    MARKER,
    MODEL_FILE,
    MODEL_FILE_KEY,
    MODEL_FILE_KEYS,
    OVERRIDE_PREFIX,
    PEERS_TITLE,
    SCENARIO_NAME_KEY,
    SOLVED_PREFIX,
    SOURCE_TITLE,
    cell,
)
from model.workbook.model_file import FIRST_ROW as MODEL_FILE_FIRST_ROW
from model.workbook.model_file import JSON_COL
from model.workbook.untrusted import check_workbook

MAX_UNPACKED_BYTES = 200 * 1024 * 1024
INDEXED = re.compile(r"(asset_classes|capex|history|calibration)\[(\d+)\]")
LAST_STEP = re.compile(r"(\[\d+\]|\.[^.\[]*)$")
SCALARS = ("format", "version", "name", "currency", "unit", "base_year", "horizon", "scenario")


@dataclass(frozen=True)
class WorkbookRead:
    """A model read from a workbook, and the conflicts found on the way (each names its cell):
    the visible cells won, and the user must be told."""

    model: Model
    warnings: tuple[str, ...] = ()


def read_workbook(path: str | os.PathLike[str]) -> Model:
    """The model stored in an exported workbook's Assumptions sheet, validated. A caller that
    shows the user anything uses ``read_workbook_reporting``, which also gives the conflicts."""
    return read_workbook_reporting(path).model


def read_workbook_reporting(path: str | os.PathLike[str]) -> WorkbookRead:
    """The model stored in an exported workbook, validated, with a warning for every conflict
    between the Model file sheet and the visible cells (the visible cells are used)."""
    if not DEFUSEDXML:
        # openpyxl falls back to the standard library parser when defusedxml is missing or disabled.
        raise ModelFileError(str(path), "refused: the safe XML parser (defusedxml) is not available")
    data = read_limited(path)
    check_workbook(str(path), data, read_sheets=(ASSUMPTIONS, MODEL_FILE, ACTUALS))
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
            model_file = (
                [tuple(c.value for c in row) for row in book[MODEL_FILE].iter_rows(max_col=JSON_COL + 1)]
                if MODEL_FILE in book.sheetnames
                else None
            )
            reported = (
                [tuple(c.value for c in row) for row in book[ACTUALS].iter_rows(max_col=3)]
                if ACTUALS in book.sheetnames
                else []
            )
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
    reader = _AssumptionsReader(rows, follows, model_file, reported)
    return WorkbookRead(reader.model(), tuple(reader.warnings))


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
    """Turns the rows of the Assumptions sheet (and of the Model file sheet) into a model document,
    remembering each field's cell and noting every conflict in ``warnings``."""

    def __init__(
        self,
        rows: list[tuple[Any, ...]],
        follows: set[tuple[int, int]] | None = None,
        model_file: list[tuple[Any, ...]] | None = None,
        reported: list[tuple[Any, ...]] | None = None,
    ) -> None:
        self.rows = rows
        self.follows = follows or set()
        self.model_file_rows = model_file
        self.reported_rows = reported or []
        self.cells: dict[str, str] = {}  # model path -> cell address, to name the cell of an error
        self.warnings: list[str] = []
        self.listed: list[str] = []  # the scenario names listed on the sheet, Base first
        self.exported = BASE_SCENARIO  # the one scenario of a workbook exported before scenarios were live

    def value(self, row: int, col: int, path: str) -> Any:
        self.cells[path] = _address(row, col)
        values = self.rows[row]
        return values[col] if col < len(values) else None

    def scenario_of(self, row: int) -> str:
        """The scenario a ``scenario:`` row belongs to: the name in its label column, one of the
        names listed; in a workbook of one exported scenario (no list), that scenario."""
        label = self.rows[row][LABEL_COL] if len(self.rows[row]) > LABEL_COL else None
        if not self.listed:
            if self.exported == BASE_SCENARIO:
                raise ModelError(_address(row, KEY_COL), "overrides a scenario, but the exported scenario is Base")
            return self.exported
        if label not in self.listed[1:]:
            listed = ", ".join(self.listed[1:]) or "none"
            raise ModelError(
                _address(row, LABEL_COL), f"{describe(label)} is not a scenario listed under Scenarios ({listed})"
            )
        return str(label)

    def model(self) -> Model:
        if not self.rows or _first(self.rows[0]) != MARKER:
            raise ModelError(
                _address(0, KEY_COL), f"is not {MARKER!r}: this workbook was not exported by Capex Workbench"
            )
        doc: dict[str, Any] = {"settings": {}, "drivers": {}, "asset_classes": [], "capex": {}}
        scenarios: dict[str, dict[str, Any]] = {}  # each scenario's overrides, from its visible rows
        capex_rows: list[tuple[int, int, str | None]] = []
        history_rows: list[tuple[int, int, str | None]] = []
        class_overrides: list[tuple[int, int, str]] = []
        calibration: list[dict[str, Any]] = []
        hidden_json: list[tuple[int, str]] = []
        horizon = None
        history_years = 0
        for r, row in enumerate(self.rows[1:], start=1):
            key = _first(row)
            if key is None or r <= 2:
                continue
            if not isinstance(key, str):
                raise ModelError(_address(r, KEY_COL), "is not a field name")
            if key.startswith((SOLVED_PREFIX, LIVE_PREFIX)):
                continue  # formulas: computed from the inputs, not one of them
            override = key.startswith(OVERRIDE_PREFIX)
            field = key.removeprefix(OVERRIDE_PREFIX)
            scenario = self.scenario_of(r) if override else None
            prefix = f"scenarios.{scenario}." if override else ""
            target = (
                scenarios.setdefault(str(scenario), {"settings": {}, "drivers": {}, "capex": {}, "asset_classes": {}})
                if override
                else doc
            )
            section, _, name = field.partition(".")
            indexed = INDEXED.fullmatch(field)
            if field in SCALARS and not override:
                doc[field] = self.value(r, FIRST_YEAR_COL, field)
                if field == "horizon":
                    horizon = check_integer(doc[field], _address(r, FIRST_YEAR_COL), MIN_HORIZON, MAX_HORIZON)
                if field == "scenario":
                    self.exported = str(doc.pop(field))
            elif field == SCENARIO_NAME_KEY and not override:
                self.list_scenario(r)
            elif field == MODEL_FILE_KEY and not override:
                hidden_json.append((r, self.value(r, FIRST_YEAR_COL, MODEL_FILE_KEY) or ""))
            elif field == HISTORY_KEY and not override:
                history_years = max(history_years, sum(1 for v in row[FIRST_YEAR_COL:] if v is not None))
            elif indexed and indexed.group(1) == "history":
                history_rows.append((r, int(indexed.group(2)), scenario))
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
                target["settings"][name] = self.value(r, FIRST_YEAR_COL, f"{prefix}settings.{name}")
            elif section == "drivers" and name in DRIVERS and horizon is not None:
                values = self.series(r, f"{prefix}drivers.{name}", horizon)
                if any(v is not None for v in values) or DRIVERS[name].required:
                    target["drivers"][name] = values
            elif indexed and indexed.group(1) == "asset_classes" and not override:
                doc["asset_classes"].append(self.asset_class(r, f"asset_classes[{len(doc['asset_classes'])}]"))
            elif indexed and indexed.group(1) == "asset_classes":
                class_overrides.append((r, int(indexed.group(2)), str(scenario)))
            elif indexed and horizon is not None:
                capex_rows.append((r, int(indexed.group(2)), scenario))
            else:
                raise ModelError(_address(r, KEY_COL), f"{key!r} is not a field this program reads")
        if horizon is None:
            raise ModelError(f"{ASSUMPTIONS}!A:A", "has no horizon row: this workbook is damaged")

        extras = self.read_model_file(hidden_json)
        # Rows refer to classes by position; a name changed in the sheet is applied at the end as a
        # rename, so scenarios, sources and uncertainty that use the old name follow it.
        sheet_names = [c.get("name") for c in doc["asset_classes"]]
        names = extras.pop("class_names", sheet_names)
        if not isinstance(names, list) or len(names) != len(sheet_names):
            raise ModelError(
                f"{ASSUMPTIONS}!B:B", "asset class rows were added or removed; change the classes in Capex Workbench"
            )
        for cls, name in zip(doc["asset_classes"], names, strict=True):
            cls["name"] = name

        def overrides_of(scenario: str | None) -> dict[str, Any]:
            return doc if scenario is None else scenarios[scenario]

        for r, index, scenario in capex_rows:
            if index >= len(names):
                raise ModelError(
                    _address(r, KEY_COL), f"capex row of class {index + 1}, which the sheet does not declare"
                )
            prefix = "" if scenario is None else f"scenarios.{scenario}."
            overrides_of(scenario)["capex"][names[index]] = self.series(r, f"{prefix}capex.{names[index]}", horizon)
        self.read_history(doc, scenarios, history_rows, names, history_years)
        if calibration:
            doc["calibration"] = calibration
        for r, index, scenario in class_overrides:
            if index >= len(names):
                raise ModelError(
                    _address(r, KEY_COL), f"override of class {index + 1}, which the sheet does not declare"
                )
            path = f"scenarios.{scenario}.asset_classes.{names[index]}"
            fields = self.asset_class(r, path, partial=True)
            if fields:
                scenarios[scenario]["asset_classes"][names[index]] = fields
        self.read_sources(extras, names)
        self.read_reported(extras)
        doc.update(extras)
        doc["scenarios"] = self.all_scenarios(scenarios, extras_scenarios=doc.pop("scenarios", None))
        _drop_history_of_expensed(doc)
        model = self.validate(doc)
        for index, (old, new) in enumerate(zip(names, sheet_names, strict=True)):
            if new != old:
                try:
                    model, _ = apply_edit(model, RenameClass(old, new))
                except ModelError as error:
                    raise ModelError(self.cells[f"asset_classes[{index}].name"], error.rule) from error
        return model

    def read_sources(self, extras: dict[str, Any], names: list[str]) -> None:
        """The Source column of Assumptions is visible, so it wins over the Model file's sources:
        a text edited, added or cleared there is used, and each difference reported."""
        header = self.rows[HEADER_ROW] if len(self.rows) > HEADER_ROW else ()
        if SOURCE_TITLE not in header:
            return
        col = header.index(SOURCE_TITLE)
        sources = extras.get("sources")
        if not isinstance(sources, dict):
            return
        for r, row in enumerate(self.rows[HEADER_ROW + 1 :], start=HEADER_ROW + 1):
            path = _source_path(row, names)
            if path is None:
                continue
            shown = row[col] if col < len(row) and row[col] not in (None, "") else None
            said = sources.get(path)
            said_text = said.get("text") if isinstance(said, dict) else None
            if shown == said_text:
                continue
            where = _address(r, col)
            if shown is None:
                del sources[path]
                self.warnings.append(f"{where}: the source of {path} was cleared here; the Model file's is dropped")
                continue
            sources[path] = {**(said if isinstance(said, dict) else {}), "text": shown}
            self.cells[f"sources.{path}.text"] = where
            if said_text is not None:
                self.warnings.append(
                    f"{where}: the source of {path} differs from the Model file's; the text here is used"
                )

    def read_reported(self, extras: dict[str, Any]) -> None:
        """The reported figures of the Actuals sheet (actuals, then peers) are visible, so a value
        edited there wins over the Model file's, and the difference is reported."""
        lines = {spec.label: key for key, spec in LINES.items()}
        section = "actuals"
        for r, row in enumerate(self.reported_rows[HEADER_ROW + 1 :], start=HEADER_ROW + 1):
            first, label, value = (*row, None, None, None)[:3]
            if first == PEERS_TITLE:
                section = "peers"
                continue
            key = lines.get(label) if isinstance(label, str) else None
            if key is None or not is_number(value) or (section == "actuals" and not is_number(first)):
                continue
            name = str(int(first)) if section == "actuals" else str(first)
            figures = extras.get(section, {}).get(name) if isinstance(extras.get(section), dict) else None
            if not isinstance(figures, dict) or key not in figures or figures[key] == value:
                continue
            where = cell(ACTUALS, r, 2)
            self.warnings.append(
                f"{where}: {section}.{name}.{key} is {figures[key]!r} in the Model file; the value here is used"
            )
            figures[key] = value
            self.cells[f"{section}.{name}.{key}"] = where

    def list_scenario(self, row: int) -> None:
        """One name of the list of scenarios (Base first); a name listed twice is refused."""
        name = self.value(row, LABEL_COL, f"scenarios[{len(self.listed)}]")
        where = _address(row, LABEL_COL)
        if not self.listed and name != BASE_SCENARIO:
            raise ModelError(where, f"the list of scenarios starts with {BASE_SCENARIO!r}, not {describe(name)}")
        if not isinstance(name, str) or not name:
            raise ModelError(where, "a scenario needs a name")
        if name in self.listed:
            raise ModelError(where, f"{name!r} is listed twice")
        self.listed.append(name)

    def all_scenarios(self, visible: dict[str, dict[str, Any]], extras_scenarios: Any) -> dict[str, Any]:
        """Every scenario: from its visible rows, in the order listed. A workbook of one exported
        scenario (no list) carries the others as JSON in its hidden rows: they are kept, and the
        exported one is its visible rows, which win over what the JSON says of it."""
        own = {name: {s: v for s, v in sections.items() if v} for name, sections in visible.items()}
        if self.listed:
            return {name: own.get(name, {}) for name in self.listed[1:]}
        scenarios = dict(extras_scenarios) if isinstance(extras_scenarios, dict) else {}
        if self.exported != BASE_SCENARIO:
            said = scenarios.get(self.exported)
            mine = own.get(self.exported, {})
            if said and said != mine:
                self.warnings.append(
                    f"{ASSUMPTIONS} model_file rows: the overrides of scenario {self.exported!r} differ from its "
                    "rows on the sheet; the rows on the sheet are used"
                )
            scenarios[self.exported] = mine
        return scenarios

    def read_model_file(self, hidden: list[tuple[int, str]]) -> dict[str, Any]:
        """The JSON sections of the Model file sheet (or of the hidden rows of an older export).
        A section that is an input is ignored with a warning: the Assumptions cells are the truth."""
        if self.model_file_rows is None:
            if hidden:
                self.warnings.append(
                    f"{_address(hidden[0][0], KEY_COL)}: hidden model_file rows of an older export were read "
                    "(export again for a workbook with nothing hidden)"
                )
            extras: dict[str, Any] = self.parse_json(
                "".join(text for _, text in hidden), f"{ASSUMPTIONS} model_file rows"
            )
            allowed: tuple[str, ...] = (*MODEL_FILE_KEYS, "scenarios")  # then other scenarios were JSON only
            where = {key: f"{ASSUMPTIONS} model_file rows" for key in extras}
        else:
            chunks: dict[str, list[str]] = {}
            where = {}
            for r, row in enumerate(self.model_file_rows):
                key = row[KEY_COL] if row else None
                if r < MODEL_FILE_FIRST_ROW or not isinstance(key, str) or not key:
                    continue
                text = row[JSON_COL] if len(row) > JSON_COL else None
                chunks.setdefault(key, []).append(text if isinstance(text, str) else "")
                where.setdefault(key, cell(MODEL_FILE, r, KEY_COL))
            extras = {key: self.parse_json("".join(parts), where[key], whole=False) for key, parts in chunks.items()}
            allowed = MODEL_FILE_KEYS
        for key in list(extras):
            if key not in allowed:
                del extras[key]
                self.warnings.append(
                    f"{where[key]}: {key!r} is not read from here: the inputs and scenarios are the cells of the "
                    f"{ASSUMPTIONS} sheet, which are used"
                )
        return extras

    def parse_json(self, text: str, where: str, whole: bool = True) -> Any:
        """JSON text of the Model file; ``whole``: an object of sections (the hidden rows)."""
        try:
            value = parse_json(text) if text else {}
        except ModelError as error:  # not JSON, a NaN literal, a repeated key, nested too deeply
            raise ModelError(where, f"damaged: {error}") from error
        if whole and not isinstance(value, dict):
            raise ModelError(where, "damaged: not an object")
        return value

    def read_history(
        self,
        doc: dict[str, Any],
        scenarios: dict[str, dict[str, Any]],
        rows: list[tuple[int, int, str | None]],
        names: list[str],
        years: int,
    ) -> None:
        """The history table: rows of classes now expensed are dropped, classes now capitalized
        without a row get zeros (what the workbook's formulas compute with)."""
        if not rows and not years:
            return
        capitalized = [i for i, c in enumerate(doc["asset_classes"]) if c.get("treatment") == "capitalized"]
        base: dict[str, Any] = {}
        for r, index, scenario in rows:
            if index >= len(names):
                raise ModelError(
                    _address(r, KEY_COL), f"history row of class {index + 1}, which the sheet does not declare"
                )
            if index not in capitalized:
                continue
            name = names[index]
            if scenario is None:
                base[name] = self.series(r, f"history.{name}", years)
            else:
                values = self.series(r, f"scenarios.{scenario}.history.{name}", years)
                scenarios[scenario].setdefault("history", {"capex": {}})["capex"][name] = values
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


def _source_path(row: tuple[Any, ...], names: list[str]) -> str | None:
    """The field path whose source the Source column of a base row of Assumptions shows."""
    key = _first(row)
    if not isinstance(key, str):
        return None
    if key == SCENARIO_NAME_KEY:
        name = row[LABEL_COL] if len(row) > LABEL_COL else None
        return f"scenarios.{name}" if isinstance(name, str) and name != BASE_SCENARIO else None
    if key.partition(".")[0] in ("settings", "drivers"):
        return key
    indexed = INDEXED.fullmatch(key)
    if indexed is None:
        return None
    section, index = indexed.group(1), int(indexed.group(2))
    if section == "calibration":
        return "calibration" if index == 0 else None
    return f"{section}.{names[index]}" if index < len(names) else None


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
