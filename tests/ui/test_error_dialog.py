"""No traceback reaches a user: an unexpected exception in the window is logged to a rotating file
and shown in a dialog with a short message, the details and the log's path; the window keeps working."""

from __future__ import annotations

import logging
import sys
from logging.handlers import RotatingFileHandler

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from model.edits import SetSetting
from ui import error_dialog, recovery
from ui.error_dialog import ExceptionReporter, install_error_handling


@pytest.fixture(autouse=True)
def data_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(recovery.DATA_FOLDER_VARIABLE, str(tmp_path / "data"))
    yield tmp_path / "data"
    for handler in list(error_dialog.log.handlers):  # each test gets its own log file
        error_dialog.log.removeHandler(handler)
        handler.close()


@pytest.mark.qt_no_exception_capture
def test_an_exception_in_a_slot_is_logged_and_shown_and_the_window_keeps_working(
    window, controller, monkeypatch, qtbot
):
    shown = []
    monkeypatch.setattr(error_dialog, "show_unexpected_error", lambda *args: shown.append(args))
    uninstall = install_error_handling()
    try:
        assert isinstance(sys.excepthook, ExceptionReporter)
        window.statusBar().messageChanged.connect(lambda text: 1 / 0 if "boom" in text else None)
        window.statusBar().showMessage("boom")  # the slot raises inside Qt's event handling
        qtbot.waitUntil(lambda: bool(shown))
    finally:
        uninstall()
    summary, details, log_path = shown[0]
    assert summary == "ZeroDivisionError: division by zero"
    assert "Traceback" in details and "1 / 0" in details
    assert log_path.parent.parent == recovery.data_folder()
    assert "ZeroDivisionError" in log_path.read_text(encoding="utf-8")
    assert any(isinstance(h, RotatingFileHandler) and h.maxBytes == 1_000_000 for h in error_dialog.log.handlers)

    assert controller.apply(SetSetting("wacc", 0.11), "WACC")  # the window still works
    assert controller.model["settings"]["wacc"] == 0.11
    assert not isinstance(sys.excepthook, ExceptionReporter)  # uninstalled


def test_the_dialog_has_a_short_message_details_and_the_log_path(tmp_path, qtbot):
    seen = {}

    def read_and_close():
        box = QApplication.activeModalWidget()
        seen.update(text=box.text(), informative=box.informativeText(), details=box.detailedText())
        box.accept()

    QTimer.singleShot(0, read_and_close)
    error_dialog.show_unexpected_error("ValueError: bad", "Traceback (most recent call last): ...", tmp_path / "x.log")
    assert seen["text"] == "ValueError: bad"
    assert str(tmp_path / "x.log") in seen["informative"]
    assert seen["details"].startswith("Traceback")


def test_an_error_while_the_dialog_is_open_is_logged_not_stacked(tmp_path, caplog):
    calls = []

    def show(summary, details, log_path):
        calls.append(summary)
        reporter(RuntimeError, RuntimeError("second"), None)  # raised while the first dialog is up

    reporter = ExceptionReporter(tmp_path / "x.log", show)
    with caplog.at_level(logging.ERROR, logger="ui"):
        reporter(ValueError, ValueError("first"), None)
    assert calls == ["ValueError: first"]
    assert "RuntimeError: second" in caplog.text


def test_an_error_that_repeats_is_shown_once_so_the_dialog_cannot_reopen_itself(tmp_path, caplog):
    """A figure that cannot be drawn raised on every repaint; closing the dialog repainted: a loop."""
    calls = []

    def raise_in_paint():
        try:
            raise ValueError("cannot set range [-inf, inf]")
        except ValueError:
            reporter(*sys.exc_info())

    def show(summary, details, log_path):
        calls.append(summary)
        raise_in_paint()  # the repaint under the dialog, and again when it closes
        raise_in_paint()

    reporter = ExceptionReporter(tmp_path / "x.log", show)
    with caplog.at_level(logging.ERROR, logger="ui"):
        for _ in range(5):
            raise_in_paint()
    assert calls == ["ValueError: cannot set range [-inf, inf]"]
    assert "again (7 times so far, shown once)" in caplog.text


def test_a_different_error_is_still_shown(tmp_path):
    calls = []
    reporter = ExceptionReporter(tmp_path / "x.log", lambda summary, *a: calls.append(summary))
    for error in (ValueError("one"), KeyError("two")):
        try:
            raise error
        except Exception:
            reporter(*sys.exc_info())
    assert calls == ["ValueError: one", "KeyError: 'two'"]


def test_qt_warnings_go_to_the_log(qtbot):
    uninstall = install_error_handling()
    try:
        from PySide6.QtCore import qWarning

        qWarning("a warning from Qt")
    finally:
        uninstall()
    log_path = recovery.data_folder() / "logs" / error_dialog.LOG_FILE_NAME
    assert "Qt: a warning from Qt" in log_path.read_text(encoding="utf-8")


def test_without_a_writable_data_folder_errors_are_still_shown(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    monkeypatch.setenv(recovery.DATA_FOLDER_VARIABLE, str(blocker / "data"))
    shown = []
    uninstall = install_error_handling()
    try:
        reporter = sys.excepthook
        assert reporter.log_path is None
        reporter._show = lambda *args: shown.append(args)
        reporter(ValueError, ValueError("bad"), None)
    finally:
        uninstall()
    assert shown == [("ValueError: bad", "ValueError: bad\n", None)]
    assert "no log file" in caplog.text and "unexpected error" in caplog.text
