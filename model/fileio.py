"""Reading and writing model files, and the atomic write every saved file goes through.

Files from elsewhere are untrusted: size is capped before parsing (and only regular files are
read, so a device or a pipe cannot stall the program), duplicate keys, the non-JSON literals NaN
and Infinity, nesting deeper than any model needs, and text that no file or workbook can hold
(control characters, unpaired surrogates) are refused, and every rule of ``validate_model`` applies.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
import time
from pathlib import Path
from typing import Any

from model.document import Model
from model.errors import ModelError, ModelFileError
from model.validation import unwritable_character, validate_model

MAX_FILE_BYTES = 50 * 1024 * 1024
# Integers this long are read as floats: Python refuses to convert over 4,300 digits, and a huge
# int overflows the float checks of validation. No model field needs 19 exact digits.
LONG_INTEGER = re.compile(r"\d{19}")
LONG_INTEGER_BYTES = re.compile(rb"\d{19}")


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a mix.

    The bytes go to a temporary file in the same folder, are flushed and fsynced, then moved over
    the target with ``os.replace`` and the folder is fsynced, so the new name survives a power cut.
    On any failure (a full disk, no permission) the temporary file is removed, the previous file is
    untouched and ModelFileError says so.
    """
    target = writable_target(path)
    outcome = "the previous file is unchanged" if target.exists() else "nothing was written"
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=temporary_prefix(target.name), suffix=TEMPORARY_SUFFIX, dir=target.parent
        )
    except OSError as error:
        raise ModelFileError(str(target), f"cannot write here, {outcome}: {error.strerror or error}") from error
    replaced = False
    try:
        # mkstemp makes a private file; the result should have the permissions of the file it
        # replaces, or of any new file, so that a shared folder's colleagues can still read it.
        # A folder that keeps no permissions (FAT, some network shares) refuses; that is no error.
        with contextlib.suppress(OSError):
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode) if target.exists() else _new_file_mode())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
        replaced = True
    except OSError as error:
        raise ModelFileError(str(target), f"could not be written, {outcome}: {error.strerror or error}") from error
    finally:
        if not replaced:  # also on an interrupt: no temporary file is left beside the user's file
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    _sync_folder(target.parent)


NAME_MAX_BYTES = 255  # the longest file name (one component of a path) common file systems hold
TEMPORARY_SUFFIX = ".tmp"
STALE_TEMPORARY_SECONDS = 15 * 60  # an atomic write takes seconds; one older than this was killed


def temporary_prefix(name: str) -> str:
    """The start of the temporary file's name beside ``name``: short enough for any valid name."""
    stem = name.encode("utf-8", "surrogateescape")[:100].decode("utf-8", "ignore")
    return f".{stem}."


def writable_target(path: str | os.PathLike[str]) -> Path:
    """The file ``atomic_write`` would replace; ModelFileError (nothing written) if it must not be.

    Refused: a name too long for any file system, a loop of links, a folder or device, and a
    file marked read-only (replacing it would silently undo that mark; the user decides).
    """
    target = Path(path)
    for part in target.parts:
        if len(os.fsencode(part)) > NAME_MAX_BYTES:
            raise ModelFileError(
                str(path), f"the name {part[:40]!r}... is over {NAME_MAX_BYTES} bytes; nothing was written"
            )
    if target.is_symlink():
        # Write the file the link names and keep the link; a loop of links names no file.
        resolved = Path(os.path.realpath(target))
        if resolved.is_symlink():
            raise ModelFileError(str(path), "is a loop of symbolic links; nothing was written")
        target = resolved
    try:
        status = target.stat()
    except FileNotFoundError:
        if not target.parent.is_dir():
            raise ModelFileError(str(path), "cannot be written: its folder does not exist") from None
        return target
    except OSError as error:
        raise ModelFileError(str(path), f"cannot be written: {error.strerror or error}") from error
    if not stat.S_ISREG(status.st_mode):
        raise ModelFileError(str(path), "is not a regular file; nothing was written")
    if not status.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        raise ModelFileError(str(path), "is read-only; it was not replaced (save under another name)")
    return target


def remove_stale_temporaries(folder: str | os.PathLike[str], name: str | None = None) -> list[Path]:
    """Remove the temporary files a killed write left in ``folder`` (for ``name`` only, if given).

    Only files named as ``atomic_write`` names them and untouched for STALE_TEMPORARY_SECONDS
    are removed, so a write in progress in another window is never disturbed. The removed files.
    """
    prefix = temporary_prefix(name) if name else "."
    removed = []
    now = time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not (entry.name.startswith(prefix) and entry.name.endswith(TEMPORARY_SUFFIX)):
                continue
            with contextlib.suppress(OSError):
                if entry.is_file(follow_symlinks=False) and now - entry.stat().st_mtime > STALE_TEMPORARY_SECONDS:
                    os.unlink(entry.path)
                    removed.append(Path(entry.path))
    return removed


def _new_file_mode() -> int:
    """The permissions ``open()`` gives a new file: read and write for all, less the umask."""
    umask = os.umask(0o022)  # reading the umask means setting it; it is put back at once
    os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make a rename durable (POSIX); the data is already safe, so a folder that refuses is no error."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ModelError(key, "appears twice in the same object")
        result[key] = value
    return result


def _refuse_constant(name: str) -> None:
    raise ModelError("", f"{name} is not a number JSON allows")


def _parse_int(digits: str) -> int | float:
    return float(digits) if LONG_INTEGER.search(digits) else int(digits)


def parse_json(text: str | bytes) -> Any:
    """JSON from an untrusted source; ModelFileError unless it is plain data (no NaN, no repeated key)."""
    long_integer = LONG_INTEGER.search(text) if isinstance(text, str) else LONG_INTEGER_BYTES.search(text)
    # The integer hook costs a call per number, so it runs only on text that needs it.
    parse_int = _parse_int if long_integer else None
    try:
        return json.loads(
            text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant, parse_int=parse_int
        )
    except json.JSONDecodeError as error:
        raise ModelFileError("", f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from error
    except UnicodeDecodeError as error:
        raise ModelFileError("", "not UTF-8 text") from error
    except RecursionError as error:
        raise ModelFileError("", "nested too deeply to be a model file") from error


def check_writable_text(model: Model) -> Model:
    """Refuse a model whose text could not be written to a file or a workbook; returns it."""
    pending: list[Any] = [model]
    while pending:  # a validated model is shallow, but a loop needs no argument about depth
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str) and (rule := unwritable_character(value)):
            raise ModelFileError("", rule)
    return model


def parse_model_json(text: str | bytes) -> Model:
    """Parse and validate the text of a model file."""
    return check_writable_text(validate_model(parse_json(text)))


def read_limited(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file, refusing one larger than ``limit`` without reading it all."""
    target = Path(path)
    too_big = f"files over {limit / 2**20:.0f} MB are refused"
    try:
        status = target.stat()
        # Checked before opening: opening a named pipe would wait for a writer, a device never ends.
        if not stat.S_ISREG(status.st_mode):
            raise ModelFileError(str(target), "cannot be read: it is not a regular file")
        if status.st_size > limit:
            raise ModelFileError(str(target), f"is {status.st_size / 2**20:.0f} MB; {too_big}")
        with target.open("rb") as stream:
            data = stream.read(limit + 1)  # the file may have grown since stat
    except OSError as error:
        raise ModelFileError(str(target), f"cannot be read: {error.strerror or error}") from error
    if len(data) > limit:
        raise ModelFileError(str(target), f"is over {limit / 2**20:.0f} MB; {too_big}")
    return data


def check_size(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> None:
    """Refuse a file over ``limit`` bytes, or no regular file, before a reader opens it."""
    try:
        status = Path(path).stat()
    except OSError as error:
        raise ModelFileError(str(path), f"cannot be read: {error.strerror or error}") from error
    if not stat.S_ISREG(status.st_mode):
        raise ModelFileError(str(path), "cannot be read: it is not a regular file")
    if status.st_size > limit:
        raise ModelFileError(
            str(path), f"is {status.st_size / 2**20:.0f} MB; files over {limit / 2**20:.0f} MB are refused"
        )


def load_model(path: str | os.PathLike[str]) -> Model:
    """Read and validate a model file (JSON). Raises ModelError naming the field at fault.

    A fault of the file as a whole (not JSON, not UTF-8, a NaN literal) is a ModelFileError
    naming the file, so the user learns which file to fix. An exported workbook (.xlsx) is read
    back from its Assumptions sheet by ``model.workbook.read_workbook``; what the user opens goes
    through ``load_model_reporting``, which also says where the workbook contradicted itself.
    """
    return load_model_reporting(path)[0]


def load_model_reporting(path: str | os.PathLike[str]) -> tuple[Model, tuple[str, ...]]:
    """``load_model``, and the warnings to show the user: for a workbook, each conflict between
    its Model file sheet and its visible cells (the visible cells were used), naming the cell."""
    if Path(path).suffix.lower() == ".xlsx":
        # Imported on use: the workbook package needs this module (the reader its parsing, the
        # writer ``atomic_write``), and only workbooks need openpyxl.
        from model.workbook.reader import read_workbook_reporting

        check_size(path)
        read = read_workbook_reporting(path)
        return check_writable_text(read.model), read.warnings
    try:
        return parse_model_json(read_limited(path)), ()
    except ModelError as error:
        if error.path:
            raise
        raise ModelFileError(str(path), error.rule) from error


def model_to_json(model: Model) -> str:
    """The model as file text: two-space indent, each array of numbers on one line. A section the
    model does not have (``"uncertainty": null`` after validation) is left out, as it was read."""
    return _format({key: value for key, value in model.items() if value is not None}, 0) + "\n"


def _format(value: Any, depth: int) -> str:
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, dict):
        flat = json.dumps(value, ensure_ascii=False, allow_nan=False)
        if not value or (len(flat) <= 100 and not any(isinstance(v, (dict, list)) for v in value.values())):
            return flat
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_format(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        return "[\n" + ",\n".join(inner + _format(v, depth + 1) for v in value) + "\n" + pad + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def save_model(model: Model, path: str | os.PathLike[str]) -> None:
    """Validate and write a model file atomically."""
    atomic_write(path, model_to_json(validate_model(model)).encode("utf-8"))
