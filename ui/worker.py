"""A long computation on a worker thread that talks to the window only through signals.

Widgets may be built on the GUI thread only, so a worker never shows anything: progress, the
result, a cancellation or a failure (as a message) each reach the window as a signal. The Monte
Carlo run and the export both run this way.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

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
