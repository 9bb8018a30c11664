"""Autosave and recovery: unsaved edits survive a kill, each session keeps its own file, a save or a
clean exit removes it, and a failed autosave leaves the previous one and says so."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QSettings, QSysInfo, QTimer
from PySide6.QtWidgets import QApplication

from model import load_model
from model.edits import SetSetting
from tests.conftest import ROOT
from ui import recovery
from ui.recovery import Autosaver, RestoreChoice, offer_recovery, orphaned_recoveries, read_recovery

SERVERS = "AI servers & accelerators"


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv(recovery.DATA_FOLDER_VARIABLE, str(folder))
    return folder


@pytest.fixture
def autosaver(controller, window):
    saver = Autosaver(controller, window)
    yield saver
    saver.close()


def recovery_files(folder):
    return sorted(path.name for path in (folder / "recovery").glob("*.json"))


def answer(monkeypatch, choice: RestoreChoice) -> list:
    """Answer the restore question with ``choice``; the recoveries that were offered."""
    offered = []
    monkeypatch.setattr(recovery, "ask_to_restore", lambda parent, found: offered.append(found) or choice)
    return offered


# --------------------------------------------------------------------------- the kill test

KILLED_SESSION = textwrap.dedent(
    """
    import json, os, signal, sys
    sys.path.insert(0, {root!r})
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication
    import main
    from model.edits import SetCell, SetSetting
    from ui.main_window import MainWindow
    from ui.recovery import Autosaver

    app = QApplication(sys.argv[:1])  # main.main uses it; the timer below needs its event loop
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, {settings!r})

    def edit_then_die():
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow))
        controller = window.controller
        controller.apply(SetSetting("wacc", 0.093), "WACC")
        controller.set_scenario("Bull")  # a scenario switch autosaves at once
        controller.apply(SetCell("capex", {servers!r}, 2, 123.0), "Capex")
        controller.apply(SetCell("drivers", "utilization", 4, 0.61), "Utilization")
        controller.undo_stack.undo()  # the recovery file holds the state at the undo position
        window.findChild(Autosaver).save_now()  # the 30-second timer, without the wait
        with open({expected!r}, "w", encoding="utf-8") as stream:
            json.dump({{"model": controller.model, "scenario": controller.scenario}}, stream)
        os.kill(os.getpid(), signal.SIGKILL)

    QTimer.singleShot(0, edit_then_die)
    main.main([{model!r}])
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_killed_session_is_offered_at_the_next_start_and_restored_exactly(
    tmp_path, data_folder, model_path, monkeypatch, qtbot
):
    expected_path = tmp_path / "expected.json"
    script = KILLED_SESSION.format(
        root=str(ROOT),
        settings=str(tmp_path / "settings"),
        servers=SERVERS,
        expected=str(expected_path),
        model=str(model_path),
    )
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", recovery.DATA_FOLDER_VARIABLE: str(data_folder)}
    done = subprocess.run([sys.executable, "-c", script], env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert expected["model"]["settings"]["wacc"] == 0.093
    assert len(recovery_files(data_folder)) == 1  # the dead session's

    # The next start: a window on the same file, as ui.app.run builds it.
    from ui.app import create_window

    window = create_window(model_path)
    qtbot.addWidget(window)
    offered = answer(monkeypatch, RestoreChoice.RESTORE)
    saver = Autosaver(window.controller, window)
    try:
        assert offer_recovery(window.controller, saver, window)
        controller = window.controller
        assert controller.model == expected["model"]
        assert controller.model != load_model(model_path)
        assert controller.scenario == "Bull" == expected["scenario"]
        assert controller.path == model_path
        assert controller.is_dirty
        assert window.windowTitle().endswith("alibaba.json*")
        assert len(offered) == 1
        assert abs(offered[0].saved_at - datetime.now().astimezone()) < timedelta(minutes=5)
        assert "autosaved" in offered[0].describe()
        # The dead session's file is gone; the restored work is already in this session's own file.
        assert recovery_files(data_folder) == [saver.path.name]
        assert read_recovery(saver.path).model == expected["model"]
        assert orphaned_recoveries() == []
    finally:
        controller.undo_stack.setClean()
        saver.close()


# --------------------------------------------------------------------------- autosave


@pytest.mark.slow
def test_nothing_is_written_while_the_model_is_saved(controller, autosaver, data_folder):
    controller.set_scenario("Bull")
    autosaver.save_now()
    assert recovery_files(data_folder) == []


def test_a_scenario_switch_with_unsaved_changes_writes_the_recovery_file(controller, autosaver):
    controller.apply(SetSetting("wacc", 0.11), "WACC")
    assert not autosaver.path.exists()
    controller.set_scenario("Bear")
    found = read_recovery(autosaver.path)
    assert (found.model, found.scenario, found.path) == (controller.model, "Bear", controller.path)


@pytest.mark.slow
def test_the_timer_writes_every_30_seconds_while_there_are_unsaved_changes(controller, window, monkeypatch, qtbot):
    assert recovery.AUTOSAVE_SECONDS == 30
    monkeypatch.setattr(recovery, "AUTOSAVE_SECONDS", 0.05)
    saver = Autosaver(controller, window)
    try:
        controller.apply(SetSetting("wacc", 0.12), "WACC")
        qtbot.waitUntil(saver.path.exists, timeout=5000)
        assert read_recovery(saver.path).model == controller.model
        controller.apply(SetSetting("wacc", 0.13), "WACC")
        qtbot.waitUntil(lambda: read_recovery(saver.path).model == controller.model, timeout=5000)
    finally:
        saver.close()


@pytest.mark.slow
def test_saving_or_undoing_to_the_saved_state_removes_the_recovery_file(controller, autosaver, model_path):
    controller.apply(SetSetting("wacc", 0.11), "WACC")
    autosaver.save_now()
    assert autosaver.path.exists()
    controller.undo_stack.undo()
    assert not autosaver.path.exists()
    controller.undo_stack.redo()
    autosaver.save_now()
    assert autosaver.path.exists()
    controller.save(model_path)
    assert not autosaver.path.exists()


@pytest.mark.slow
def test_a_clean_exit_removes_the_recovery_file_and_its_lock(controller, window, data_folder):
    saver = Autosaver(controller, window)
    controller.apply(SetSetting("wacc", 0.11), "WACC")
    saver.save_now()
    saver.close()
    assert list((data_folder / "recovery").iterdir()) == []


@pytest.mark.slow
def test_two_sessions_keep_separate_files_and_a_live_one_is_never_offered(controller, window, autosaver):
    other = Autosaver(controller, window)
    try:
        assert other.path != autosaver.path
        controller.apply(SetSetting("wacc", 0.11), "WACC")
        autosaver.save_now()
        other.save_now()
        assert autosaver.path.exists() and other.path.exists()
        assert orphaned_recoveries() == []  # both sessions are alive
    finally:
        other.close()


@pytest.mark.slow
def test_a_failed_autosave_keeps_the_previous_one_and_says_so(controller, autosaver, monkeypatch, qtbot):
    controller.apply(SetSetting("wacc", 0.11), "WACC")
    autosaver.save_now()
    previous = autosaver.path.read_bytes()
    controller.apply(SetSetting("wacc", 0.12), "WACC")

    def no_space(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with qtbot.waitSignal(autosaver.failed) as failure:
        autosaver.save_now()
    assert "the previous file is unchanged" in failure.args[0]
    assert autosaver.path.read_bytes() == previous
    assert [p.name for p in autosaver.path.parent.iterdir() if p.suffix == ".tmp"] == []


# --------------------------------------------------------------------------- the offer


def orphan(data_folder, controller, name="dead.json", scenario="Base", saved_at="2025-03-01T09:30:00+08:00"):
    """A recovery file left by a session that is gone (its lock file was never written)."""
    folder = data_folder / "recovery"
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "format": recovery.RECOVERY_FORMAT,
        "saved_at": saved_at,
        "path": str(controller.path),
        "scenario": scenario,
        "model": controller.model,
    }
    (folder / name).write_text(json.dumps(record), encoding="utf-8")
    # The model file was last saved before any of these autosaves (a recovery file older than the
    # file on disk is not offered: see the tests on stale files below).
    saved = datetime(2025, 1, 1, 12, 0).timestamp()
    os.utime(controller.path, (saved, saved))
    return folder / name


@pytest.mark.slow
def test_discarding_deletes_the_file_and_later_keeps_it(controller, autosaver, data_folder, monkeypatch):
    kept = orphan(data_folder, controller, "older.json", saved_at="2025-03-01T09:30:00+08:00")
    dropped = orphan(data_folder, controller, "newer.json", saved_at="2025-03-02T09:30:00+08:00")
    choices = {"newer.json": RestoreChoice.DISCARD, "older.json": RestoreChoice.LATER}
    offered = []
    monkeypatch.setattr(
        recovery, "ask_to_restore", lambda parent, found: offered.append(found) or choices[found.file.name]
    )
    assert not offer_recovery(controller, autosaver)
    assert [f.file.name for f in offered] == ["newer.json", "older.json"]  # newest first
    assert not dropped.exists() and kept.exists()
    assert not controller.is_dirty


@pytest.mark.slow
def test_a_damaged_recovery_file_is_skipped_and_logged(controller, autosaver, data_folder, monkeypatch, caplog):
    damaged = orphan(data_folder, controller)
    damaged.write_text('{"format": "capex-recovery", "model": {"name": 1}}', encoding="utf-8")
    offered = answer(monkeypatch, RestoreChoice.RESTORE)
    assert not offer_recovery(controller, autosaver)
    assert offered == []
    assert "cannot be used" in caplog.text
    assert damaged.exists()


@pytest.mark.slow
def test_the_question_shows_when_the_work_was_saved(controller, data_folder, qtbot):
    found = read_recovery(orphan(data_folder, controller, saved_at="2025-03-01T09:30:05+08:00"))
    seen = []

    def press_restore():
        box = QApplication.activeModalWidget()
        seen.append(box.text())
        button = next(b for b in box.buttons() if b.text() == "Restore")
        button.click()

    QTimer.singleShot(0, press_restore)
    assert recovery.ask_to_restore(None, found) is RestoreChoice.RESTORE
    assert "2025-03-01 09:30:05" in seen[0]
    assert "The file on disk was last saved 2025-01-01 12:00:00" in seen[0]  # both dates


@pytest.mark.slow
def test_recovery_files_with_and_without_a_utc_offset_are_both_offered(controller, autosaver, data_folder, monkeypatch):
    """Sorting an aware and a naive time raised TypeError: the work was never offered back."""
    orphan(data_folder, controller, "aware.json", saved_at="2025-03-02T09:30:00+08:00")
    orphan(data_folder, controller, "naive.json", saved_at="2025-03-03T09:30:00")
    offered = answer(monkeypatch, RestoreChoice.DISCARD)
    assert not offer_recovery(controller, autosaver)
    assert sorted(f.file.name for f in offered) == ["aware.json", "naive.json"]
    assert all(f.saved_at.tzinfo is not None for f in offered)


@pytest.mark.slow
def test_a_recovery_file_older_than_the_file_on_disk_is_not_offered_and_kept(
    controller, autosaver, data_folder, monkeypatch, caplog
):
    """A file saved since (by another window, say) is newer work: restoring would revert it."""
    caplog.set_level(logging.INFO, "ui.recovery")
    stale = orphan(data_folder, controller, saved_at=datetime.now().astimezone().isoformat(timespec="seconds"))
    later = datetime.now().timestamp() + 120
    os.utime(controller.path, (later, later))
    offered = answer(monkeypatch, RestoreChoice.RESTORE)
    assert not offer_recovery(controller, autosaver)
    assert offered == []
    assert stale.exists()  # kept: not offered, not lost either
    assert "not offered" in caplog.text


def test_a_newer_recovery_file_is_offered_with_both_dates(controller, data_folder):
    found = read_recovery(orphan(data_folder, controller, saved_at="2025-03-01T09:30:05+08:00"))
    assert not found.is_stale
    assert "autosaved 2025-03-01 09:30:05" in found.describe()
    assert "last saved 2025-01-01 12:00:00" in found.describe()


@pytest.mark.slow
def test_temporary_and_lock_files_left_by_a_kill_are_removed_at_the_next_start(
    controller, autosaver, data_folder, monkeypatch
):
    folder = data_folder / "recovery"
    old = datetime(2025, 1, 1).timestamp()
    temporary = folder / ".gone.json.abcd1234.tmp"  # an autosave killed while writing
    temporary.write_bytes(b"x" * 1000)
    fresh = folder / ".busy.json.efgh5678.tmp"  # another window writing right now: left alone
    fresh.write_bytes(b"x")
    lock = folder / "gone.lock"  # a lock whose recovery file is gone, its process dead
    lock.write_text(f"999999999\nCapex Workbench\n{QSysInfo.machineHostName()}\n")
    for path in (temporary, lock):
        os.utime(path, (old, old))
    answer(monkeypatch, RestoreChoice.LATER)
    offer_recovery(controller, autosaver)
    assert not temporary.exists() and not lock.exists()
    assert fresh.exists()
    assert autosaver.path.with_suffix(".lock").exists()  # this session's own lock is kept


def test_temporary_files_beside_the_model_are_removed_at_the_next_start(tmp_path, model_path):
    from model.fileio import remove_stale_temporaries

    left = model_path.parent / f".{model_path.name}.k1ll3d00.tmp"
    left.write_bytes(b"{")
    old = datetime(2025, 1, 1).timestamp()
    os.utime(left, (old, old))
    other = model_path.parent / ".someone-elses.tmp"
    other.write_bytes(b"")
    os.utime(other, (old, old))
    assert remove_stale_temporaries(model_path.parent, model_path.name) == [left]
    assert other.exists()


def test_the_settings_file_is_written_atomically():
    """Qt writes a QSettings file through QSaveFile (temporary file, then rename) unless told not to."""
    assert QSettings().isAtomicSyncRequired()
