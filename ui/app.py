"""Start-up of the workbench window (``main.py`` imports this only when a window is wanted)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from model import apply_scenario, load_model
from ui import settings
from ui.controller import WorkbenchController
from ui.main_window import MainWindow, is_bundled


def create_window(model_path: str | Path, scenario: str | None = None) -> MainWindow:
    """A main window on a model file; raises ModelError (no window) if the file or scenario is bad."""
    model = load_model(model_path)
    apply_scenario(model, scenario)
    return MainWindow(WorkbenchController(model, model_path, scenario))


def run(model_path: str | Path, scenario: str | None = None) -> int:
    """Open the workbench on ``model_path`` and run until the window closes; the exit status.

    A bad model file or scenario raises ModelError before anything is shown, so the command line
    can print its one-line error.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName("Capex Workbench")
    window = create_window(model_path, scenario)
    if not is_bundled(Path(model_path)):
        settings.remember_file(model_path)
        window.update_recent_menu()
    window.show()
    return app.exec()
