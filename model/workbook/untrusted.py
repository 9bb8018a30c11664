"""Checks made on a workbook from elsewhere before openpyxl parses any of it.

openpyxl trusts what a file declares. A sheet whose dimension claims ``A1:XFD1048576`` makes a
read-only sheet pad every row to 16,384 cells (2.3 GB and 13 s before it failed); a part that
unpacks a thousand times larger than it is packed, an element with 40,000 attributes, a DOCTYPE
declaring entities, a 35 MB comment: each costs memory or time in proportion to what the file
claims, not to what a model needs. So the archive is inspected first, with its own streaming
parser (expat, no tree kept), against the limits below, each checked before anything in
proportion to it is allocated.

Every part that may be XML is checked (whatever its name: a manifest can route openpyxl to any
part), and the sheets the reader reads (``read_sheets``) cell by cell. The other sheets (Fleet,
Projections and the rest, computed by formulas and never read back) and images are never opened
by openpyxl; they count only toward the archive's limits. A refusal names the part (or the cell)
and the rule, e.g. ``xl/worksheets/sheet2.xml: declares the dimension 'A1:XFD1048576': a sheet
read back holds at most 20,000 rows and 256 columns``.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable
from xml.parsers import expat

from model.errors import ModelFileError
from model.workbook.layout import ASSUMPTIONS

MB = 2**20  # a megabyte as the file limit counts it (model.fileio)
MAX_PARTS = 1_000  # an export has about 25 parts
# Unpacked bytes of one part, by what openpyxl does with it: a sheet the reader reads row by row
# (an export's Assumptions sheet of 1,000 classes is 1.2 MB), the shared strings it keeps in
# memory (they carry the model file's JSON, itself at most 50 MB), and every other part it parses
# whole (styles, workbook, relationships: kilobytes in an export).
MAX_SHEET_BYTES = 32 * MB
MAX_SHARED_STRINGS_BYTES = 64 * MB
MAX_PART_BYTES = 4 * MB
# openpyxl indexes cell formats in a list it searches for each new one: 62,000 formats (a 3.9 MB
# styles part; Excel's own limit is 64,000) took it 9.5 s, 500,000 took 145 s. An export's is 6 kB.
STYLES_PART, MAX_STYLES_BYTES = "xl/styles.xml", 1 * MB
# Parts openpyxl reads by these names, whatever the manifest calls them.
READ_BY_NAME = (STYLES_PART, "docProps/core.xml", "docProps/custom.xml")
# Deflate packs an export's XML 3 to 11 times, repetitive XML a few hundred times at most; a zip
# bomb packs a megabyte into a kilobyte. (The sizes above bound what a part unpacks to anyway.)
MAX_RATIO = 250
RATIO_FROM_BYTES = 1024 * 1024  # smaller parts are too small to matter, whatever their ratio
MAX_ATTRIBUTES = 256  # on one element; the spreadsheet format's elements have a few dozen at most
# A tag, comment or processing instruction is one token to expat, which openpyxl feeds 64 kB at a
# time and which parses an unfinished token again from its start at every feed: a 35 MB comment
# in a sheet took openpyxl 113 s. An export's longest tag is under a kilobyte.
MAX_MARKUP_BYTES = 64 * 1024
MAX_SHARED_STRINGS = 1_000_000
# A sheet read back: rows for 1,000 classes (class, capex, history and the exported scenario's
# overrides of each), settings, drivers and the model file's JSON in 30,000-character pieces come
# to under 10,000; columns are the key, label and unit, up to 30 years and a source. The rest is
# room for a colleague's notes. Rows are padded to the widest, so the product bounds the memory.
MAX_ROWS = 20_000
MAX_COLUMNS = 256

CHUNK = MB
WORKSHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
WORKBOOK_TYPES = (  # the main parts openpyxl recognises (openpyxl.xml.constants)
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
    "application/vnd.ms-excel.template.macroEnabled.main+xml",
)
RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
CELL_REFERENCE = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
XML_STARTS = (b"<", b" ", b"\t", b"\r", b"\n", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\x00<")
Handler = Callable[[str, dict[str, str]], None]


def check_workbook(path: str, data: bytes, read_sheets: Iterable[str] = (ASSUMPTIONS,)) -> None:
    """Refuse a workbook (the bytes of ``path``) that breaks a limit of this module, naming the
    part and the rule; ``read_sheets`` are the sheets the reader will read cell by cell (names
    compared regardless of case, as openpyxl keeps sheet names apart)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))  # shares the bytes, no copy
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as error:
        raise ModelFileError(path, f"is not a readable Excel workbook (not a complete zip archive: {error})") from error
    with archive:
        infos = _check_parts(path, archive.infolist())
        types = _content_types(path, archive, infos)
        sheets = _sheet_parts(path, archive, infos, types)
        read = {name.casefold() for name in read_sheets}
        for name, info in infos.items():
            sheet = sheets.get(name)
            is_read = sheet is not None and sheet.casefold() in read
            if not is_read and sheet is not None and types.get(name) == WORKSHEET_TYPE and name not in READ_BY_NAME:
                continue  # a sheet openpyxl never opens in read-only mode
            if not _looks_like_xml(archive, info):
                continue  # an image or another binary part
            if name == STYLES_PART:
                _scan(path, archive, info, MAX_STYLES_BYTES)
            elif is_read:
                _scan(path, archive, info, MAX_SHEET_BYTES, _SheetBounds(path, name, str(sheet)).start)
            elif types.get(name) == SHARED_STRINGS_TYPE:
                _scan(path, archive, info, MAX_SHARED_STRINGS_BYTES, _SharedStrings(path, name).start)
            else:
                _scan(path, archive, info, MAX_PART_BYTES)


def _check_parts(path: str, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
    """The parts by name, each a plain relative name, listed once, not encrypted, deflated or
    stored, and not unpacking to much more than it is packed."""
    if len(infos) > MAX_PARTS:
        raise ModelFileError(path, f"has {len(infos):,} parts; a workbook holds at most {MAX_PARTS:,}")
    parts: dict[str, zipfile.ZipInfo] = {}
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        where = f"{path}: part {name!r}"
        if (
            not name
            or name.startswith("/")
            or "\\" in name
            or ":" in name
            or any(ord(ch) < 32 or ord(ch) == 127 for ch in name)
            or any(step in ("", ".", "..") for step in name.rstrip("/").split("/"))
        ):
            raise ModelFileError(
                where, "is not a plain relative name (no '..', '\\', drive, leading '/' or control character)"
            )
        if name.lower() in seen:
            raise ModelFileError(where, "is listed twice in the archive")
        seen.add(name.lower())
        if info.flag_bits & 0x1:
            raise ModelFileError(where, "is encrypted")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise ModelFileError(where, "is compressed by a method spreadsheets do not use")
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise ModelFileError(
                where,
                f"unpacks to {ratio:,.0f} times its packed size (a zip bomb); a workbook's parts, {MAX_RATIO} at most",
            )
        parts[name] = info
    return parts


def _content_types(path: str, archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> dict[str, str]:
    """Part name (without the leading '/') -> content type, from the manifest's overrides."""
    types: dict[str, str] = {}

    def start(tag: str, attributes: dict[str, str]) -> None:
        if tag.rpartition(" ")[2] == "Override" and "PartName" in attributes:
            types[attributes["PartName"].removeprefix("/")] = attributes.get("ContentType", "")

    manifest = infos.get("[Content_Types].xml")
    if manifest is not None:
        _scan(path, archive, manifest, MAX_PART_BYTES, start)
    return types


def _sheet_parts(
    path: str, archive: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo], types: dict[str, str]
) -> dict[str, str]:
    """Part name -> sheet name, found as openpyxl finds them: the workbook part from the manifest
    (``xl/workbook.xml`` when the manifest names none), each sheet's relationship id in it, and
    that relationship's target."""
    books = [name for name, kind in types.items() if kind in WORKBOOK_TYPES and name in infos]
    found: dict[str, str] = {}
    for book in books or [name for name in ("xl/workbook.xml",) if name in infos]:
        sheets: dict[str, str] = {}  # relationship id -> sheet name
        targets: dict[str, str] = {}  # relationship id -> part name
        folder = posixpath.dirname(book)

        def sheet(tag: str, attributes: dict[str, str], sheets: dict[str, str] = sheets) -> None:
            if tag.rpartition(" ")[2] == "sheet":
                sheets[attributes.get(RELATIONSHIP_ID, "")] = attributes.get("name", "")

        def target(
            tag: str, attributes: dict[str, str], targets: dict[str, str] = targets, folder: str = folder
        ) -> None:
            if tag.rpartition(" ")[2] == "Relationship" and attributes.get("TargetMode") != "External":
                to = attributes.get("Target", "")
                part = to[1:] if to.startswith("/") else posixpath.normpath(posixpath.join(folder, to))
                targets[attributes.get("Id", "")] = part

        _scan(path, archive, infos[book], MAX_PART_BYTES, sheet)
        relationships = infos.get(posixpath.join(folder, "_rels", f"{posixpath.basename(book)}.rels"))
        if relationships is not None:
            _scan(path, archive, relationships, MAX_PART_BYTES, target)
        found.update({targets[rid]: name for rid, name in sheets.items() if targets.get(rid) in infos})
    return found


def _looks_like_xml(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part may be XML, whatever its name (a manifest may route openpyxl to any part):
    its first bytes are markup, white space or a byte order mark. Images and binaries are not."""
    try:
        with archive.open(info) as stream:
            start = stream.read(4)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        return True  # damaged: the scan reports it, naming the part
    return start.startswith(XML_STARTS)


def _scan(path: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int, start: Handler | None = None) -> None:
    """Stream one XML part through expat: no DOCTYPE (so no entity, internal or external), at most
    ``MAX_ATTRIBUTES`` on an element, at most ``limit`` bytes unpacked; ``start`` sees each element."""
    where = f"{path}: {info.filename}"
    if info.file_size > limit:
        raise ModelFileError(
            where, f"unpacks to {info.file_size / MB:,.1f} MB; this part holds at most {limit / MB:,.0f} MB"
        )
    parser = expat.ParserCreate(namespace_separator=" ")

    def doctype(*_: object) -> None:
        raise ModelFileError(where, "refused: its XML declares entities (a DOCTYPE), a known way to exhaust memory")

    def element(tag: str, attributes: dict[str, str]) -> None:
        if len(attributes) > MAX_ATTRIBUTES:
            raise ModelFileError(
                where,
                f"element <{tag.rpartition(' ')[2]}> has {len(attributes):,} attributes; at most {MAX_ATTRIBUTES}",
            )
        markup(f"element <{tag.rpartition(' ')[2]}>", sum(len(k) + len(v) for k, v in attributes.items()))
        if start is not None:
            start(tag, attributes)

    def markup(what: str, size: int) -> None:
        if size > MAX_MARKUP_BYTES:
            most = f"a tag, comment or instruction holds at most {MAX_MARKUP_BYTES // 1024} kB"
            rule = f"{what} is {size / 1024:,.0f} kB long; {most}"
            raise ModelFileError(where, rule)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = element
    parser.CommentHandler = lambda text: markup("a comment", len(text))
    parser.ProcessingInstructionHandler = lambda target, data: markup(f"an instruction <?{target}", len(data))
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    unpacked = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                unpacked += len(chunk)
                if unpacked > limit:  # the header lied about the size
                    raise ModelFileError(where, f"unpacks to more than {limit / MB:,.0f} MB, the most this part holds")
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except ModelFileError:
        raise
    except expat.ExpatError as error:
        raise ModelFileError(
            where, f"is not well-formed XML ({expat.ErrorString(error.code)}, line {error.lineno})"
        ) from error
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise ModelFileError(where, f"cannot be unpacked (damaged or cut short): {error}") from error


class _SheetBounds:
    """A sheet the reader reads: its declared dimension, every row and every cell within
    ``MAX_ROWS`` by ``MAX_COLUMNS``, and no row listing more cells than there are columns."""

    def __init__(self, path: str, part: str, sheet: str) -> None:
        self.where, self.sheet = f"{path}: {part}", sheet
        self.rows = self.row = self.cells = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]
        if local == "dimension":
            for corner in attributes.get("ref", "").split(":"):
                self.check(corner, f"declares the dimension {attributes.get('ref', '')!r}")
        elif local == "row":
            self.rows, self.cells = self.rows + 1, 0
            self.row = self.number(attributes["r"], "row") if "r" in attributes else self.row + 1
            if self.rows > MAX_ROWS or self.row > MAX_ROWS:
                raise ModelFileError(self.where, f"{self.sheet} row {self.row:,}: {self.rule()}")
        elif local == "c":
            self.cells += 1
            if "r" in attributes:
                self.check(attributes["r"], f"{self.sheet}!{attributes['r']}")
            if self.cells > MAX_COLUMNS:
                raise ModelFileError(
                    self.where, f"{self.sheet} row {self.row:,} lists {self.cells:,} cells: {self.rule()}"
                )

    def check(self, reference: str, what: str) -> None:
        match = CELL_REFERENCE.fullmatch(reference.replace("$", ""))
        if match is None:
            raise ModelFileError(self.where, f"{what}: {reference!r} is not a cell reference")
        column = 0
        for letter in match.group(1):
            column = column * 26 + ord(letter) - 64
        if column > MAX_COLUMNS or int(match.group(2)) > MAX_ROWS:
            raise ModelFileError(self.where, f"{what}: {self.rule()}")

    def number(self, text: str, what: str) -> int:
        if not text.isdigit() or len(text) > 7:
            raise ModelFileError(self.where, f"{self.sheet}: {what} {text!r} is not a row number")
        return int(text)

    @staticmethod
    def rule() -> str:
        return f"a sheet read back holds at most {MAX_ROWS:,} rows and {MAX_COLUMNS} columns"


class _SharedStrings:
    """The shared strings, which openpyxl keeps in memory: at most ``MAX_SHARED_STRINGS`` of them."""

    def __init__(self, path: str, part: str) -> None:
        self.where, self.count = f"{path}: {part}", 0

    def start(self, tag: str, _attributes: dict[str, str]) -> None:
        if tag.rpartition(" ")[2] == "si":
            self.count += 1
            if self.count > MAX_SHARED_STRINGS:
                raise ModelFileError(
                    self.where, f"holds more than {MAX_SHARED_STRINGS:,} strings, the most a workbook read back holds"
                )
