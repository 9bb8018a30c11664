"""No traceback reaches a user: an unexpected exception is logged and shown in a dialog.

The dialog says in one line what went wrong, keeps the traceback under "Show Details…" and names
the log file to send with a report; the window keeps working. The log rotates (1 MB, three old
files) in the user's data folder, next to the recovery files.

An error raised on another thread (a worker) is shown on the GUI thread, where widgets live; an
error that repeats (one raised on every repaint, say) is shown once and then only logged, so a
dialog can never reopen itself in a loop.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QThread, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QMessageBox

from ui.recovery import data_folder

LOG_FILE_NAME = "capex-workbench.log"
LOG_MAX_BYTES = 1_000_000
LOG_BACKUPS = 3
log = logging.getLogger("ui")


def start_log() -> Path | None:
    """Send the workbench's log records to the rotating log file; its path.

    Without a writable data folder the records go to standard error and the path is None: the
    workbench still starts, and the error dialog says the details were not saved.
    """
    try:
        folder = data_folder() / "logs"
        folder.mkdir(exist_ok=True)
        path = folder / LOG_FILE_NAME
        if not any(getattr(h, "baseFilename", None) == str(path) for h in log.handlers):
            handler: logging.Handler = RotatingFileHandler(
                path, maxBytes=LOG_MAX_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
            )
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            log.addHandler(handler)
    except OSError as error:
        path = None
        log.addHandler(logging.StreamHandler())
        log.warning("no log file: %s", error)
    log.setLevel(logging.INFO)
    return path


def show_unexpected_error(summary: str, details: str, log_path: Path | None) -> None:
    """The dialog: a short message, the details folded away, and where the log is."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Something went wrong", summary, parent=QApplication.activeWindow())
    where = f"recorded in {log_path}" if log_path else "not saved (the data folder is not writable): copy them below"
    box.setInformativeText(
        "The workbench keeps working. If a figure looks wrong, save your work under a new name and restart.\n"
        f"The details are {where}"
    )
    box.setDetailedText(details)
    box.exec()


class _Relay(QObject):
    """Carries a report from any thread to the GUI thread, where the dialog may be built."""

    report = Signal(str, str)


class ExceptionReporter:
    """sys.excepthook for the window: log the exception, then show it (one dialog at a time).

    Shown on the GUI thread whatever thread raised it; an exception already shown (the same kind
    raised at the same place) is only logged, with how many times it recurred.
    """

    def __init__(self, log_path: Path | None, show: Callable[[str, str, Path | None], None] | None = None) -> None:
        self.log_path = log_path
        self._show = show or show_unexpected_error
        self._showing = False
        self._seen: dict[tuple, int] = {}
        self._relay: _Relay | None = None
        app = QApplication.instance()
        if app is not None:
            self._relay = _Relay()
            self._relay.moveToThread(app.thread())
            self._relay.report.connect(self._display, Qt.ConnectionType.QueuedConnection)

    def __call__(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        details = "".join(traceback.format_exception(kind, error, trace))
        signature = (kind, *_place(trace))
        self._seen[signature] = count = self._seen.get(signature, 0) + 1
        if count > 1:
            log.error("unexpected error again (%d times so far, shown once): %s: %s", count, kind.__name__, error)
            return
        log.error("unexpected error\n%s", details.rstrip())
        summary = f"{kind.__name__}: {error}" if str(error) else kind.__name__
        if self._relay is not None and not _on_gui_thread():
            self._relay.report.emit(summary, details)  # queued: the dialog is built on the GUI thread
        else:
            self._display(summary, details)

    def _display(self, summary: str, details: str) -> None:
        if self._showing:  # an error while the dialog is open is logged, not stacked
            return
        self._showing = True
        try:
            self._show(summary, details, self.log_path)
        finally:
            self._showing = False

    def thread_hook(self, hook: threading.ExceptHookArgs) -> None:
        """threading.excepthook: an exception that ends a Python thread is reported the same way."""
        if hook.exc_value is not None:
            self(hook.exc_type, hook.exc_value, hook.exc_traceback)


def _place(trace: TracebackType | None) -> tuple[str, int]:
    """Where an exception was raised: the file and line of its innermost frame."""
    if trace is None:
        return "", 0
    while trace.tb_next is not None:
        trace = trace.tb_next
    return trace.tb_frame.f_code.co_filename, trace.tb_lineno


def _on_gui_thread() -> bool:
    app = QApplication.instance()
    return app is None or QThread.currentThread() is app.thread()


QT_LEVELS = {
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _log_qt_message(kind: QtMsgType, context, message: str) -> None:
    if kind in QT_LEVELS:
        log.log(QT_LEVELS[kind], "Qt: %s", message)


def install_error_handling() -> Callable[[], None]:
    """Log to the data folder, route exceptions and Qt's warnings there; a function undoing it."""
    reporter = ExceptionReporter(start_log())
    previous_hook, previous_thread_hook = sys.excepthook, threading.excepthook
    sys.excepthook = reporter
    threading.excepthook = reporter.thread_hook
    previous_handler = qInstallMessageHandler(_log_qt_message)

    def uninstall() -> None:
        sys.excepthook = previous_hook
        threading.excepthook = previous_thread_hook
        qInstallMessageHandler(previous_handler)

    return uninstall
