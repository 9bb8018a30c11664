"""Model files: round trip, atomic save, and clear errors for files that cannot be used."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from model import ModelError, ModelFileError, fileio, load_model, save_model, validate_model
from tests.factories import model_doc


def test_save_then_load_gives_the_same_model(tmp_path, bundled_model):
    path = tmp_path / "plan.json"
    save_model(bundled_model, path)
    assert load_model(path) == bundled_model
    # Saving what was loaded writes the same bytes: nothing drifts from one save to the next.
    first = path.read_bytes()
    save_model(load_model(path), path)
    assert path.read_bytes() == first


def test_saved_file_is_plain_json_with_unicode_kept(tmp_path):
    model = validate_model(model_doc(3, name="Plan für Rechenzentren – 数据中心"))
    path = tmp_path / "plan.json"
    save_model(model, path)
    text = path.read_text(encoding="utf-8")
    assert "数据中心" in text  # written as text, not \u escapes
    assert json.loads(text)["name"] == model["name"]
    assert load_model(path) == model


def test_a_section_the_model_does_not_have_is_not_written(tmp_path, bundled_model):
    """Opening and saving a file without an uncertainty section writes none (it wrote "uncertainty": null)."""
    doc = {key: value for key, value in bundled_model.items() if key != "uncertainty"}
    doc["sources"] = {path: note for path, note in doc["sources"].items() if not path.startswith("uncertainty.")}
    path = tmp_path / "plain.json"
    save_model(validate_model(doc), path)
    assert "uncertainty" not in json.loads(path.read_text(encoding="utf-8"))
    assert load_model(path) == validate_model(doc)


def test_save_refuses_an_invalid_model_and_leaves_the_file_alone(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("previous", encoding="utf-8")
    doc = model_doc(3)
    doc["drivers"]["utilization"][1] = 2.0
    with pytest.raises(ModelError, match=r"drivers\.utilization\[1\]"):
        save_model(doc, path)
    assert path.read_text(encoding="utf-8") == "previous"


def test_save_is_atomic_when_the_final_rename_fails(tmp_path, monkeypatch, bundled_model):
    path = tmp_path / "plan.json"
    save_model(validate_model(model_doc(3)), path)
    previous = path.read_bytes()

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ModelFileError) as caught:
        save_model(bundled_model, path)
    assert caught.value.path == str(path)
    assert "previous file is unchanged" in caught.value.rule
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]  # no temporary file left


def test_save_into_a_missing_folder_names_the_file(tmp_path, bundled_model):
    path = tmp_path / "no such folder" / "plan.json"
    with pytest.raises(ModelFileError) as caught:
        save_model(bundled_model, path)
    assert caught.value.path == str(path)


def test_missing_file(tmp_path):
    path = tmp_path / "missing.json"
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert caught.value.path == str(path)
    assert "cannot be read" in caught.value.rule


def test_a_folder_is_not_a_model_file(tmp_path):
    with pytest.raises(ModelFileError) as caught:
        load_model(tmp_path)
    assert caught.value.path == str(tmp_path)


def test_unreadable_file(tmp_path, monkeypatch):
    # Permissions do not bind for every user (an administrator reads anything), so the refusal the
    # operating system would give is simulated where the file is opened.
    path = tmp_path / "locked.json"
    path.write_text("{}", encoding="utf-8")

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert caught.value.path == str(path)
    assert caught.value.rule == "cannot be read: Permission denied"


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        (b"model: yes", "not valid JSON"),
        (b'{"format": "capex-model", "version": NaN}', "NaN is not a number JSON allows"),
        (b'{"name": "\xff\xfe\xfa"}', "not UTF-8 text"),
        (b"[]", "is not an object"),
    ],
    ids=["truncated", "empty", "not-json", "nan-literal", "not-utf8", "not-an-object"],
)
def test_a_file_that_is_not_a_model_names_the_file(tmp_path, content, rule):
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert caught.value.path == str(path)
    assert rule in caught.value.rule
    assert str(caught.value).startswith(f"{path}: ")


def test_a_field_error_in_a_file_names_the_field(tmp_path):
    doc = model_doc(4)
    doc["drivers"]["utilization"][3] = 1.4
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert not isinstance(caught.value, ModelFileError)
    assert str(caught.value) == "drivers.utilization[3]: 1.4 is above 1"


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "huge.json"
    path.write_bytes(b" " * 2000)
    monkeypatch.setattr(fileio, "MAX_FILE_BYTES", 1000)
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read a file over the limit"))
    with pytest.raises(ModelFileError) as caught:
        fileio.read_limited(path, fileio.MAX_FILE_BYTES)
    assert caught.value.path == str(path)
    assert "refused" in caught.value.rule


def test_deeply_nested_json_is_refused_cleanly(tmp_path):
    path = tmp_path / "deep.json"
    path.write_bytes(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert caught.value.path == str(path)
