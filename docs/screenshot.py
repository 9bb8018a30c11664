"""Render the workbench offscreen at 1600 × 1000 to docs/screenshot*.png (for the README).

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshot.py

Writes the main window on the bundled model (Capex plan tab, Base), the Drivers and Settings
tabs, and the Bull scenario with its differences from Base. Settings are kept in a temporary
folder, so the analyst's own window layout and recent files are neither used nor changed.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.app import create_window  # noqa: E402

BUNDLED_MODEL = ROOT / "resources" / "models" / "alibaba_380bn.json"
SIZE = (1600, 1000)


def main() -> None:
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as settings_folder:
        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, settings_folder)
        window = create_window(BUNDLED_MODEL)
        window.resize(*SIZE)
        window.show()
        app.processEvents()

        def shoot(name: str) -> None:
            app.processEvents()
            path = ROOT / "docs" / name
            window.grab().save(str(path))
            print(path)

        window.charts.revenue.show_year(2030)
        shoot("screenshot.png")
        window.assumption_tabs.setCurrentWidget(window.drivers_panel)
        shoot("screenshot-drivers.png")
        window.assumption_tabs.setCurrentWidget(window.settings_panel)
        shoot("screenshot-settings.png")
        window.controller.set_scenario("Bull")
        window.assumption_tabs.setCurrentWidget(window.capex_panel)
        shoot("screenshot-scenario.png")
        window.controller.undo_stack.setClean()
        window.close()


if __name__ == "__main__":
    main()
