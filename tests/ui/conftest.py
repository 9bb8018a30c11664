"""Fixtures for window tests: settings in a temporary folder, a window on a copy of the bundled model."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import QSettings

from tests.conftest import BUNDLED_MODEL_PATH


def pytest_collection_modifyitems(items):
    # The offscreen platform warns that it cannot pass size hints to a window manager it does
    # not have; that says nothing about the workbench.
    for item in items:
        if "tests/ui" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@pytest.fixture(autouse=True)
def settings_folder(tmp_path_factory):
    """QSettings of the workbench live in a fresh temporary folder for every test."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture
def model_path(tmp_path):
    """A writable copy of the bundled Alibaba model."""
    path = tmp_path / "alibaba.json"
    shutil.copy(BUNDLED_MODEL_PATH, path)
    return path


@pytest.fixture
def window(qtbot, model_path):
    from ui.app import create_window

    window = create_window(model_path)
    window.show()
    qtbot.waitExposed(window)
    yield window
    # Closed here rather than by qtbot, which closes before this point and would meet the
    # unsaved-changes prompt of a test that left edits.
    window.controller.undo_stack.setClean()
    window.close()
    window.deleteLater()


@pytest.fixture
def controller(window):
    return window.controller
