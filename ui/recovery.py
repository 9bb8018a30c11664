"""Autosave and crash recovery: an analyst's unsaved edits survive a crash, a kill or a power cut.

While the model has unsaved changes, its current state (the undo position's model, with its file
path and scenario) is written every 30 seconds and on every scenario switch to a recovery file in
the user's data folder, through ``atomic_write``. A save, an undo back to the saved state or a
clean exit removes the file. Each autosaver has its own file, named by process id, process start
time and a serial, and holds a lock file beside it while it runs, so two windows or processes
never overwrite each other and the next start offers only files whose process is gone.

A recovery file is offered only when it is newer than the model file on disk (the question gives
both dates): a file saved since, by this or another window, is newer work that restoring would
revert. Such a stale recovery file is kept, not offered, and removed after STALE_RECOVERY_DAYS.
Temporary files of writes that were killed and lock files with no recovery file are removed at
the next start.
"""

from __future__ import annotations

import enum
import itertools
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from model import ModelError, atomic_write, validate_model
from model.fileio import parse_json, read_limited, remove_stale_temporaries
from model.schema import BASE_SCENARIO
from ui.controller import WorkbenchController

DATA_FOLDER_VARIABLE = "CAPEX_WORKBENCH_DATA"  # moves recovery files and logs (tests, portable installs)
AUTOSAVE_SECONDS = 30
RECOVERY_FORMAT = "capex-recovery"
PROCESS_STARTED = time.strftime("%Y%m%dT%H%M%S")
STALE_RECOVERY_DAYS = 30
_serials = itertools.count(1)
log = logging.getLogger(__name__)


def data_folder() -> Path:
    """The user's data folder of the workbench (created on first use)."""
    override = os.environ.get(DATA_FOLDER_VARIABLE)
    folder = Path(override or QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def recovery_folder() -> Path:
    folder = data_folder() / "recovery"
    folder.mkdir(exist_ok=True)
    return folder


def _lock_for(recovery_file: Path) -> QLockFile:
    lock = QLockFile(str(recovery_file.with_suffix(".lock")))
    # A live autosaver holds its lock for hours; only a lock whose process is gone is stale.
    lock.setStaleLockTime(0)
    return lock


class Autosaver(QObject):
    """Keeps a recovery file of the controller's model while it has unsaved changes."""

    failed = Signal(str)  # an autosave could not be written; the message says why

    def __init__(self, controller: WorkbenchController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.path = recovery_folder() / f"{os.getpid()}-{PROCESS_STARTED}-{next(_serials)}.json"
        self._lock = _lock_for(self.path)
        if not self._lock.tryLock(0):
            raise OSError(f"cannot lock {self.path}: {self._lock.error()}")
        self._written: tuple[object, str] | None = None  # the (model, scenario) last written
        self._timer = QTimer(self)
        self._timer.setInterval(AUTOSAVE_SECONDS * 1000)
        self._timer.timeout.connect(self.save_now)
        controller.dirty_changed.connect(self._dirty_changed)
        controller.scenario_changed.connect(self.save_now)
        self._dirty_changed(controller.is_dirty)

    def _dirty_changed(self, dirty: bool) -> None:
        if dirty:
            self._timer.start()
        else:
            self._timer.stop()
            self.discard()

    def save_now(self) -> None:
        """Write the recovery file if there are unsaved changes not written yet."""
        controller = self._controller
        state = (controller.model, controller.scenario)
        if not controller.is_dirty or self._written == state:
            return
        record = {
            "format": RECOVERY_FORMAT,
            "saved_at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "path": str(controller.path) if controller.path else None,
            "scenario": controller.scenario,
            "model": controller.model,
        }
        try:
            atomic_write(self.path, json.dumps(record, ensure_ascii=False, allow_nan=False).encode("utf-8"))
        except ModelError as error:
            log.warning("autosave failed: %s", error)
            self.failed.emit(str(error))
            return
        self._written = state

    def discard(self) -> None:
        """Remove the recovery file: the work is saved, or the user chose to leave it."""
        self._written = None
        try:
            self.path.unlink(missing_ok=True)
        except OSError as error:
            log.warning("could not remove the recovery file %s: %s", self.path, error)

    def close(self) -> None:
        """A clean exit: remove the recovery file and release the lock."""
        self._timer.stop()
        self.discard()
        self._lock.unlock()


@dataclass
class Recovery:
    """A recovery file left by a workbench that did not exit cleanly."""

    file: Path
    saved_at: datetime  # always with its UTC offset (a file without one is read as local time)
    path: Path | None
    scenario: str
    model: dict

    @property
    def file_saved_at(self) -> datetime | None:
        """When the model file on disk was last written (None: never saved, or no longer there)."""
        return modified_at(self.path)

    @property
    def is_stale(self) -> bool:
        """The model file on disk is newer than this autosave: restoring it would revert that work."""
        on_disk = self.file_saved_at
        return on_disk is not None and on_disk >= self.saved_at

    def describe(self) -> str:
        where = str(self.path) if self.path else "a model never saved"
        text = (
            f"“{self.model['name']}” ({where}) has unsaved changes from a session that did not close "
            f"normally, autosaved {self.saved_at:%Y-%m-%d %H:%M:%S}."
        )
        on_disk = self.file_saved_at
        if on_disk is not None:
            text += f" The file on disk was last saved {on_disk:%Y-%m-%d %H:%M:%S}, before that."
        return text


def modified_at(path: Path | None) -> datetime | None:
    """The modification time of ``path`` in local time with its offset; None if it cannot be read."""
    if path is None:
        return None
    try:
        return datetime.fromtimestamp(path.stat().st_mtime).astimezone()
    except (OSError, ValueError, OverflowError):
        return None


def with_offset(moment: datetime) -> datetime:
    """``moment`` with a UTC offset; one written without (older versions) is local time."""
    return moment if moment.tzinfo is not None else moment.astimezone()


def clean_recovery_folder(folder: Path | None = None) -> None:
    """Remove what killed sessions left: temporary files of unfinished writes, lock files whose
    recovery file is gone, and stale recovery files older than STALE_RECOVERY_DAYS."""
    folder = folder or recovery_folder()
    for removed in remove_stale_temporaries(folder):
        log.info("removed the temporary file %s of a write that did not finish", removed)
    for lock_file in folder.glob("*.lock"):
        if lock_file.with_suffix(".json").exists():
            continue
        lock = _lock_for(lock_file.with_suffix(".json"))
        if lock.tryLock(0):  # its process is gone: taking the stale lock and releasing it removes it
            lock.unlock()


def orphaned_recoveries() -> list[tuple[Recovery, QLockFile]]:
    """Recovery files whose process is gone and that are newer than their model file on disk,
    newest first, each with its lock now held by us.

    A damaged file is logged and skipped (left in place for support to look at); so is a stale one
    (the file on disk is newer), which is removed once older than STALE_RECOVERY_DAYS.
    """
    found = []
    for file in recovery_folder().glob("*.json"):
        lock = _lock_for(file)
        if not lock.tryLock(0):
            continue  # its workbench is still running
        try:
            found_recovery = read_recovery(file)
        except ModelError as error:
            log.warning("recovery file %s cannot be used: %s", file, error)
            lock.unlock()
            continue
        if found_recovery.is_stale:
            _drop_if_old(found_recovery)
            lock.unlock()
            continue
        found.append((found_recovery, lock))
    return sorted(found, key=lambda pair: pair[0].saved_at, reverse=True)


def _drop_if_old(stale: Recovery) -> None:
    age = datetime.now().astimezone() - stale.saved_at
    log.info(
        "recovery file %s (autosaved %s) not offered: %s was saved since, at %s",
        stale.file,
        stale.saved_at.isoformat(timespec="seconds"),
        stale.path,
        stale.file_saved_at.isoformat(timespec="seconds") if stale.file_saved_at else "?",
    )
    if age.days >= STALE_RECOVERY_DAYS:
        stale.file.unlink(missing_ok=True)


def read_recovery(file: Path) -> Recovery:
    """Parse and validate a recovery file; ModelError if it is damaged."""
    record = parse_json(read_limited(file))
    if not isinstance(record, dict) or record.get("format") != RECOVERY_FORMAT:
        raise ModelError(str(file), "is not a recovery file")
    try:
        saved_at = with_offset(datetime.fromisoformat(record["saved_at"]))
        path = Path(record["path"]) if record["path"] else None
        scenario = str(record["scenario"])
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as error:
        raise ModelError(str(file), f"is damaged: {error}") from error
    return Recovery(file, saved_at, path, scenario, validate_model(record.get("model")))


class RestoreChoice(enum.Enum):
    RESTORE = "restore"
    DISCARD = "discard"
    LATER = "later"  # keep the file and ask again at the next start


def ask_to_restore(parent: QWidget | None, recovery: Recovery) -> RestoreChoice:
    """Ask whether to restore ``recovery``."""
    box = QMessageBox(QMessageBox.Icon.Question, "Restore unsaved changes?", recovery.describe(), parent=parent)
    box.setInformativeText("Restore them now? Discarding deletes the autosaved copy.")
    restore = box.addButton("Restore", QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton("Discard", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton("Ask me next time", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(restore)
    box.exec()
    choices = {restore: RestoreChoice.RESTORE, discard: RestoreChoice.DISCARD}
    return choices.get(box.clickedButton(), RestoreChoice.LATER)


def offer_recovery(controller: WorkbenchController, autosaver: Autosaver, parent: QWidget | None = None) -> bool:
    """Offer each orphaned recovery file, newest first, until one is restored; True if one was.

    A restored model is shown as edited (unsaved, its file remembered) and written at once to this
    session's own recovery file before the old one is removed, so no moment is unprotected.
    """
    restored = later = False
    clean_recovery_folder()
    for recovery, lock in orphaned_recoveries():
        choice = RestoreChoice.LATER if restored or later else ask_to_restore(parent, recovery)
        if choice is RestoreChoice.RESTORE:
            try:
                controller.replace_model(recovery.model, recovery.path)
            except ModelError as error:  # a model the window cannot show: kept for support
                log.warning("recovery file %s cannot be shown: %s", recovery.file, error)
                controller.report(f"The autosaved copy {recovery.file} cannot be shown: {error}")
                lock.unlock()
                continue
            if recovery.scenario != BASE_SCENARIO:
                controller.set_scenario(recovery.scenario)
            controller.undo_stack.resetClean()  # no undo position matches a saved file now
            autosaver.save_now()
            restored = True
        if choice is RestoreChoice.LATER:
            later = True
        else:
            recovery.file.unlink(missing_ok=True)
        lock.unlock()
    return restored
