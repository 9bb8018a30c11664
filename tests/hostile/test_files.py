"""File-system faults: missing folders, folders as targets, long names, symlink loops, read-only
files, a full disk, and reads bounded in memory before anything is allocated."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest

from model import ModelError, ModelFileError, fileio, load_model, save_model, validate_model
from model.fileio import MAX_FILE_BYTES, atomic_write
from tests.hostile.generators import small

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
