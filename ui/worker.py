"""A long computation on a worker thread that talks to the window only through signals.

Widgets may be built on the GUI thread only, so a worker never shows anything: progress, the
result, a cancellation or a failure (as a message) each reach the window as a signal. The Monte
Carlo run and the export both run this way, each on a ``WorkerThread``.

Python's cyclic garbage collector runs wherever an allocation passes its threshold: on a worker
thread (destroying widgets left in reference cycles, closed windows and their menus, off the GUI
thread, which Qt forbids), or on the GUI thread inside a Qt call that holds one of Qt's locks
(pyqtgraph disconnecting a signal while an item is reparented: the widget destroyed then waits
for that same lock). Both were seen to freeze the window. So while a window exists the collector
runs only from a timer on the GUI thread, between events (``collect_garbage_between_events``).
"""

from __future__ import annotations

import gc
import logging
import threading
from typing import Any

from pyqtgraph.util.garbage_collector import GarbageCollector
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

    def __init__(self, worker: CancellableWorker) -> None:
        super().__init__(QCoreApplication.instance())
        worker.moveToThread(self)
        self.started.connect(worker.run)
        for signal in (worker.finished, worker.cancelled, worker.failed):
            signal.connect(self.quit)


_collector: list[GarbageCollector] = []  # the one collector of the process, once a window exists


def collect_garbage_between_events() -> None:
    """Turn Python's automatic collection off and collect from a timer on the GUI thread instead
    (pyqtgraph's GarbageCollector: each second, the generations whose thresholds were passed).
    Called by every main window; the first call starts the timer."""
    gc.disable()
    if not _collector:
        _collector.append(GarbageCollector(interval=1.0))
