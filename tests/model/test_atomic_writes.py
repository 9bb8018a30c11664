"""Fault injection: a write that fails midway (a full disk, an I/O error, a refused rename) leaves
the previous file untouched and no temporary file behind, and the message says so. Model files,
workbooks and recovery files all go through ``atomic_write``; each is tried against each fault."""

from __future__ import annotations

import errno
import os
import stat
import tempfile

import pytest

from model import ModelFileError, atomic_write, load_model, save_model
from model.workbook import export_workbook
from tests.conftest import BUNDLED_MODEL_PATH


def no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


class HalfWrittenStream:
    """A file that takes half of the bytes, then finds the disk full."""

    def __init__(self, stream):
        self._stream = stream

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._stream.close()

    def write(self, data: bytes) -> int:
        self._stream.write(data[: len(data) // 2])
        self._stream.flush()
        raise OSError(errno.ENOSPC, "No space left on device")


def fail_midway(monkeypatch):
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda fd, *args, **kwargs: HalfWrittenStream(real_fdopen(fd, *args, **kwargs)))


def fail_fsync(monkeypatch):
    def broken(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", broken)


FAULTS = {
    "disk full while writing": fail_midway,
    "fsync fails": fail_fsync,
    "rename refused": lambda monkeypatch: monkeypatch.setattr(os, "replace", no_space),
    "no room for a temporary file": lambda monkeypatch: monkeypatch.setattr(tempfile, "mkstemp", no_space),
}

WRITERS = {
    "model file": lambda model, path: save_model(model, path),
    "workbook": lambda model, path: export_workbook(model, path.with_suffix(".xlsx")),
    "recovery file": lambda model, path: atomic_write(path, b'{"recovered": true}'),
}


@pytest.fixture(scope="module")
def model():
    return load_model(BUNDLED_MODEL_PATH)


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("writer", WRITERS)
def test_a_failed_write_leaves_the_previous_file_and_says_so(tmp_path, monkeypatch, model, writer, fault):
    target = tmp_path / ("plan.xlsx" if writer == "workbook" else "plan.json")
    target.write_bytes(b"the analyst's previous file")
    FAULTS[fault](monkeypatch)
    with pytest.raises(ModelFileError) as caught:
        WRITERS[writer](model, target)
    assert caught.value.path == str(target)
    assert "the previous file is unchanged" in caught.value.rule
    assert target.read_bytes() == b"the analyst's previous file"
    assert os.listdir(tmp_path) == [target.name]  # no temporary file left


@pytest.mark.parametrize("fault", FAULTS)
def test_a_failed_first_write_leaves_nothing(tmp_path, monkeypatch, fault):
    target = tmp_path / "new.json"
    FAULTS[fault](monkeypatch)
    with pytest.raises(ModelFileError, match="nothing was written: "):
        atomic_write(target, b"{}")
    assert os.listdir(tmp_path) == []


def test_an_interrupted_write_leaves_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "plan.json"
    target.write_bytes(b"previous")

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["plan.json"]


def test_a_successful_write_replaces_the_file_and_syncs_it(tmp_path, monkeypatch):
    target = tmp_path / "plan.json"
    target.write_bytes(b"previous")
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    atomic_write(target, b"new")
    assert target.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["plan.json"]
    assert len(synced) == (2 if os.name == "posix" else 1)  # the file, then the folder that names it


def test_a_written_file_is_complete(tmp_path):
    data = os.urandom(3_000_000)
    target = tmp_path / "big.bin"
    atomic_write(target, data)
    assert target.read_bytes() == data


@pytest.mark.skipif(os.name != "posix", reason="permission bits are POSIX")
def test_a_new_file_gets_the_usual_permissions_and_a_replaced_file_keeps_its_own(tmp_path):
    umask = os.umask(0o027)
    try:
        atomic_write(tmp_path / "new.xlsx", b"data")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.xlsx").stat().st_mode & 0o777 == 0o640  # not mkstemp's private 0o600
    kept = tmp_path / "kept.json"
    kept.write_bytes(b"previous")
    kept.chmod(0o604)
    atomic_write(kept, b"new")
    assert kept.stat().st_mode & 0o777 == 0o604


def test_a_link_is_written_through_and_kept(tmp_path):
    real = tmp_path / "real" / "plan.json"
    real.parent.mkdir()
    real.write_bytes(b"previous")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    atomic_write(link, b"new")
    assert link.is_symlink() and real.read_bytes() == b"new"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_something_that_is_not_a_regular_file_is_refused_and_kept(tmp_path):
    pipe = tmp_path / "pipe.xlsx"
    os.mkfifo(pipe)
    with pytest.raises(ModelFileError, match="is not a regular file; nothing was written"):
        atomic_write(pipe, b"data")
    assert stat.S_ISFIFO(pipe.stat().st_mode)
