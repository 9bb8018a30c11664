"""The window driven through the same bad edits: each is refused with a message or computed, the
old value stays, no dialog loops, and the window stays alive."""

from __future__ import annotations

import json
import sys
import threading

import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication

from model import ModelError, ModelFileError
from model.edits import SetCell, SetSetting
from tests.factories import model_doc
from ui import commands
from ui.error_dialog import ExceptionReporter

SERVERS = "AI servers & accelerators"


@pytest.fixture
def unexpected(monkeypatch, tmp_path):
    """Every exception that reaches sys.excepthook, and every dialog the reporter would show."""
    shown: list[str] = []
    reporter = ExceptionReporter(tmp_path / "log", show=lambda summary, details, path: shown.append(summary))
    monkeypatch.setattr(sys, "excepthook", reporter)
    return shown


def refusals(controller) -> list[str]:
    messages: list[str] = []
    controller.error_reported.connect(messages.append)
    return messages


@pytest.mark.slow
@pytest.mark.parametrize(
    "edit",
    [
        SetCell("capex", SERVERS, 0, 1e308),
        SetSetting("wacc", 1e308),
        SetSetting("exit_multiple", 1e308),
        SetSetting("base_core_revenue", 1e308),
        SetCell("drivers", "core_growth", 0, 1e308),
        SetCell("capex", SERVERS, 0, float("inf")),
        SetCell("capex", SERVERS, 0, float("nan")),
        SetSetting("wacc", "0.1"),
        SetSetting("wacc", None),
    ],
    ids=repr,
)
def test_an_extreme_edit_is_refused_or_computed_and_the_window_stays_alive(window, controller, qtbot, unexpected, edit):
    messages = refusals(controller)
    before = controller.model
    applied = controller.apply(edit, "edit")
    qtbot.wait(20)  # repaints: a figure the window cannot draw would raise here
    assert unexpected == []
    if not applied:
        assert controller.model is before and messages and "\n" not in messages[-1]
    assert window.isVisible()


def test_exit_multiple_1e308_with_that_terminal_method_is_refused_in_the_window(window, controller, qtbot, unexpected):
    assert controller.apply(SetSetting("terminal_method", "exit_multiple"), "method")
    messages = refusals(controller)
    before = controller.model
    controller.apply(SetSetting("exit_multiple", 1e308), "exit multiple")
    qtbot.wait(20)
    assert unexpected == []
    assert controller.model is before or controller.model["settings"]["exit_multiple"] == 1e308
    assert controller.model is before, messages  # refused: beyond what the window can show


def test_1e308_in_a_capex_cell_of_a_model_without_calibration_opens_no_dialog(
    qtbot, tmp_path, unexpected, settings_folder
):
    from ui.app import create_window

    path = tmp_path / "plain.json"
    path.write_text(json.dumps(model_doc(4)), encoding="utf-8")
    window = create_window(path)
    window.show()
    qtbot.waitExposed(window)
    messages = refusals(window.controller)
    assert not window.controller.apply(SetCell("capex", "Servers", 0, 1e308), "Servers 2026")
    qtbot.wait(50)
    assert unexpected == []  # the dialog that reopened itself forever
    assert "beyond what the workbench can show" in messages[-1]
    assert window.controller.model["capex"]["Servers"][0] == 100.0
    window.close()


@pytest.mark.slow
def test_an_exception_inside_undo_becomes_a_message_and_the_old_value_stays(
    window, controller, qtbot, unexpected, monkeypatch
):
    assert controller.apply(SetSetting("tax_rate", 0.2), "tax rate")
    edited = controller.model
    messages = refusals(controller)

    def broken(*args, **kwargs):
        raise ArithmeticError("the IRR raised")

    monkeypatch.setattr(commands, "apply_edit", broken)
    controller.undo_stack.undo()
    qtbot.wait(20)
    assert controller.model is edited  # the value stays as it was
    assert "the IRR raised" in messages[-1] and "could not be undone" in messages[-1]
    assert unexpected == []
    monkeypatch.undo()
    assert controller.apply(SetSetting("tax_rate", 0.25), "tax rate")  # the window still works


def test_a_redo_that_fails_leaves_the_model_and_says_so(window, controller, qtbot, unexpected, monkeypatch):
    assert controller.apply(SetSetting("tax_rate", 0.2), "tax rate")
    controller.undo_stack.undo()
    undone = controller.model
    messages = refusals(controller)
    monkeypatch.setattr(controller, "checked_compute", lambda *a: (_ for _ in ()).throw(ModelError("", "overflow")))
    controller.undo_stack.redo()
    assert controller.model is undone
    assert "could not be redone" in messages[-1]


@pytest.mark.slow
def test_every_worker_error_reaches_the_window_as_a_message(window, controller, qtbot, unexpected, monkeypatch):
    from ui.risk import montecarlo_page

    seen_threads = []

    def failing(*args, **kwargs):
        seen_threads.append(QThread.currentThread())
        raise ValueError("cannot broadcast a non-scalar to a scalar array")  # every trial invalid

    monkeypatch.setattr(montecarlo_page, "monte_carlo", failing)
    page = window.risk_panel.monte_carlo_page
    assert page.run_monte_carlo()
    qtbot.waitUntil(lambda: not page.is_running, timeout=10_000)
    assert seen_threads and seen_threads[0] is not QApplication.instance().thread()  # it ran on the worker
    assert "The run stopped: unexpected error (ValueError" in page.summary.text()
    assert unexpected == []


def test_an_exception_on_another_thread_is_shown_on_the_gui_thread(qtbot, tmp_path):
    shown_on = []
    reporter = ExceptionReporter(tmp_path / "log", show=lambda *a: shown_on.append(QThread.currentThread()))

    def fail():
        try:
            raise RuntimeError("raised on a worker")
        except RuntimeError:
            reporter(*sys.exc_info())

    worker = threading.Thread(target=fail)
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(shown_on))
    assert shown_on == [QApplication.instance().thread()]


@pytest.mark.slow
def test_two_windows_on_one_file_ask_before_the_second_save_overwrites(controller, model_path, qtbot):
    from ui.controller import WorkbenchController

    other = WorkbenchController(controller.model, model_path)  # a second window on the same file
    assert other.apply(SetSetting("tax_rate", 0.3), "tax rate")
    other.save()
    assert controller.apply(SetSetting("tax_rate", 0.2), "tax rate")
    asked = []
    controller.confirm_overwrite = lambda path, detail: asked.append((path, detail)) or False
    with pytest.raises(ModelFileError, match="changed on disk"):
        controller.save()
    assert asked and asked[0][0] == model_path
    assert json.loads(model_path.read_text(encoding="utf-8"))["settings"]["tax_rate"] == 0.3  # theirs is kept
    assert controller.is_dirty
    controller.confirm_overwrite = lambda path, detail: True
    controller.save()  # the user chose to overwrite
    assert json.loads(model_path.read_text(encoding="utf-8"))["settings"]["tax_rate"] == 0.2
    assert controller.apply(SetSetting("tax_rate", 0.21), "tax rate")
    controller.confirm_overwrite = lambda path, detail: pytest.fail("asked again after its own save")
    controller.save()


def test_a_model_file_the_window_cannot_show_is_not_opened(controller, tmp_path):
    doc = model_doc(4)
    doc["capex"]["Servers"][0] = 1e300
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = controller.model
    with pytest.raises(ModelError, match="beyond what the workbench can show"):
        controller.open_file(path)
    assert controller.model is before
