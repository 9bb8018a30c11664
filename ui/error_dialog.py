"""No traceback reaches a user: an unexpected exception is logged and shown in a dialog.

The dialog says in one line what went wrong, keeps the traceback under "Show Details…" and names
the log file to send with a report; the window keeps working. The log rotates (1 MB, three old
files) in the user's data folder, next to the recovery files.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QtMsgType, qInstallMessageHandler
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


class ExceptionReporter:
    """sys.excepthook for the window: log the exception, then show it (one dialog at a time)."""

    def __init__(self, log_path: Path | None, show: Callable[[str, str, Path | None], None] | None = None) -> None:
        self.log_path = log_path
        self._show = show or show_unexpected_error
        self._showing = False

    def __call__(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            sys.__excepthook__(kind, error, trace)
            return
        details = "".join(traceback.format_exception(kind, error, trace))
        log.error("unexpected error\n%s", details.rstrip())
        if self._showing:  # an error while the dialog is open is logged, not stacked
            return
        self._showing = True
        try:
            self._show(f"{kind.__name__}: {error}" if str(error) else kind.__name__, details, self.log_path)
        finally:
            self._showing = False


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
    previous_hook = sys.excepthook
    sys.excepthook = reporter
    previous_handler = qInstallMessageHandler(_log_qt_message)

    def uninstall() -> None:
        sys.excepthook = previous_hook
        qInstallMessageHandler(previous_handler)

    return uninstall
