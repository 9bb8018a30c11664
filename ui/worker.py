"""A long computation on a worker thread that talks to the window only through signals.

Widgets may be built on the GUI thread only, so a worker never shows anything: progress, the
result, a cancellation or a failure (as a message) each reach the window as a signal. The Monte
Carlo run and the export both run this way, each on a ``WorkerThread``.

Python's cyclic garbage collector runs on whichever thread happens to allocate when its
thresholds are passed. On a worker thread it could destroy widgets left in reference cycles
(closed windows, their menus), which Qt allows on the GUI thread only: such a collection was seen
to deadlock the window against the GUI thread's own deletions. So the collector is paused while
any worker runs and resumes on the GUI thread when the last one ends.
"""

from __future__ import annotations

import gc
import logging
import threading
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from model import ModelError
from model.risk import RunCancelled


class CancellableWorker(QObject):
    """Runs ``work`` once on its thread; ``cancel`` (any thread) stops it at the next progress
    report, and a result that arrives after a cancel is dropped."""

    progressed = Signal(int, int)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(str)
    what = "the run"  # how the log and the out-of-memory message name the work

    def __init__(self) -> None:
        super().__init__()
        self._stop = threading.Event()

    def work(self) -> Any:
        """The computation, on the worker thread; ``self.progress`` is its progress callback."""
        raise NotImplementedError

    def cancel(self) -> None:
        self._stop.set()

    def progress(self, done: int, total: int) -> bool:
        self.progressed.emit(done, total)
        return not self._stop.is_set()

    @Slot()
    def run(self) -> None:
        try:
            result = self.work()
        except RunCancelled:
            self.cancelled.emit()
        except ModelError as error:
            self.failed.emit(str(error))
        except MemoryError:
            self.failed.emit(f"not enough memory for {self.what}; nothing was changed")
        except Exception as error:  # the GUI thread must hear of every failure, as a message
            logging.getLogger(__name__).exception("%s failed", self.what)
            self.failed.emit(f"unexpected error ({type(error).__name__}: {error}); the details are in the log")
        else:
            if self._stop.is_set():
                self.cancelled.emit()
            else:
                self.finished.emit(result)


class WorkerThread(QThread):
    """The thread of one worker: owned by the application, so closing a window never destroys it
    mid-run; it quits when the worker ends. Connect the worker's signals, then ``start()``."""

    running = 0  # workers running now, on every thread
    collector_was_enabled = True

    def __init__(self, worker: CancellableWorker) -> None:
        super().__init__(QCoreApplication.instance())
        worker.moveToThread(self)
        self.started.connect(worker.run)
        for signal in (worker.finished, worker.cancelled, worker.failed):
            signal.connect(self.quit)
        # This object lives on the GUI thread, so the slot runs there.
        self.finished.connect(self._resume_collection)

    def start(self, priority: QThread.Priority = QThread.Priority.InheritPriority) -> None:
        if WorkerThread.running == 0:
            WorkerThread.collector_was_enabled = gc.isenabled()
            gc.disable()
        WorkerThread.running += 1
        super().start(priority)

    @Slot()
    def _resume_collection(self) -> None:
        WorkerThread.running -= 1
        if WorkerThread.running == 0 and WorkerThread.collector_was_enabled:
            gc.enable()  # no worker runs Python now: the next collection happens on the GUI thread
