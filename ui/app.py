"""Start-up of the workbench window (``main.py`` imports this only when a window is wanted)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from model import apply_scenario
from model.fileio import load_model_reporting, remove_stale_temporaries
from ui import settings
from ui.controller import WorkbenchController
from ui.error_dialog import install_error_handling
from ui.main_window import MainWindow, is_bundled
from ui.recovery import Autosaver, offer_recovery


def create_window(model_path: str | Path, scenario: str | None = None) -> MainWindow:
    """A main window on a model file; raises ModelError (no window) if the file or scenario is bad."""
    model, warnings = load_model_reporting(model_path)
    apply_scenario(model, scenario)
    window = MainWindow(WorkbenchController(model, model_path, scenario))
    window.show_open_warnings(model_path, warnings)
    return window


def run(model_path: str | Path, scenario: str | None = None) -> int:
    """Open the workbench on ``model_path`` and run until the window closes; the exit status.

    A bad model file or scenario raises ModelError before anything is shown, so the command line
    can print its one-line error.
    """
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName("Capex Workbench")
    window = create_window(model_path, scenario)
    uninstall_error_handling = install_error_handling()
    # A save killed half-way leaves its temporary file beside the model: gone at the next start.
    for removed in remove_stale_temporaries(Path(model_path).parent, Path(model_path).name):
        logging.getLogger(__name__).info("removed %s, left by a save that did not finish", removed)
    if not is_bundled(Path(model_path)):
        settings.remember_file(model_path)
        window.update_recent_menu()
    window.show()
    autosaver = start_autosave(window)
    try:
        return app.exec()
    finally:
        if autosaver is not None:
            autosaver.close()  # a clean exit leaves no recovery file
        uninstall_error_handling()


def start_autosave(window: MainWindow) -> Autosaver | None:
    """Keep a recovery file of the window's model and offer the files of sessions that crashed.

    Without a writable data folder the workbench still runs, and says that autosave is off.
    """
    try:
        autosaver = Autosaver(window.controller, window)
    except OSError as error:
        logging.getLogger(__name__).warning("autosave is off: %s", error)
        window.statusBar().showMessage(f"Autosave is off: {error}")
        return None
    autosaver.failed.connect(lambda message: window.statusBar().showMessage(f"Autosave failed: {message}"))
    offer_recovery(window.controller, autosaver, window)
    return autosaver
