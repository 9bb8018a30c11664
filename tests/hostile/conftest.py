"""The window fixtures of tests/ui, for the hostile tests that drive the window through bad edits."""

from __future__ import annotations

import pytest

from tests.ui.conftest import controller, model_path, settings_folder, window  # noqa: F401 - fixtures


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/hostile" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))
