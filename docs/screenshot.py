"""Render the pictures in the README and docs/ from the bundled model.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshot.py

The window is drawn offscreen at 1600 × 1000: the Capex plan tab in Base (screenshot.png), the
Drivers and Settings tabs, the Bull scenario with its differences from Base, the warning banner
(a Gordon terminal value), the Explain panel on a projection cell (explain.png), the Risk tab
after a Monte Carlo run (risk.png), its tornado and breakeven, its Add input dialog and the
uncertain inputs after adding two (risk-add-input.png, risk-inputs.png), the Bridge tab from Base to Bull
(bridge.png), the revenue chart as "Save chart as…" writes it (chart-export.png, 1600 × 900) and
the Help menu's Keyboard Shortcuts and User Guide. The exported workbook's Summary sheet is
printed by headless LibreOffice and rasterised by pdftoppm
(poppler-utils) into workbook.png (``--no-workbook`` leaves that picture as it is). Settings are
kept in a temporary folder, so the analyst's own window layout and recent files are neither used
nor changed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QEventLoop, QSettings  # noqa: E402
from PySide6.QtGui import QColor, QImage  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from main import main as command_line  # noqa: E402
from model.edits import SetSetting  # noqa: E402
from model.outputs import LINES  # noqa: E402
from resources import bundled_model_path  # noqa: E402
from ui.app import create_window  # noqa: E402
from ui.bridge.page import State  # noqa: E402
from ui.help import ShortcutsDialog, UserGuideDialog  # noqa: E402
from ui.risk.inputs_page import AddInputDialog  # noqa: E402

BUNDLED_MODEL = bundled_model_path()
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
        window.controller.set_scenario("Base")
        window.controller.apply(SetSetting("terminal_method", "gordon"), "Gordon terminal value")
        shoot("screenshot-warning.png")
        window.controller.undo_stack.undo()
        window.controller.undo_stack.clear()  # no "Redo" left in the toolbar of the later pictures
        projections = window.projections.view
        projections.setCurrentIndex(projections.table_model.index(list(LINES).index("plan_ebita"), 2))
        projections.setFocus()
        window.explain_dock.explain_focused("precedents")  # Ctrl+[ on Plan EBITA FY2028
        shoot("explain.png")
        window.explain_dock.hide()
        app.processEvents()
        window.resize(*SIZE)  # the dock widened the window

        risk = window.risk_panel  # its pages are built as the tab is shown
        window.analysis_tabs.setCurrentWidget(risk)
        # An analyst studying the risk drags the splitters to give it the room of the window.
        window.top_splitter.setSizes([560, 1040])
        window.main_splitter.setSizes([820, 120])
        risk.monte_carlo_page.trials_field.setValue(10_000)
        loop = QEventLoop()
        risk.run_finished.connect(loop.quit)
        risk.monte_carlo_page.run_monte_carlo()
        loop.exec()
        shoot("risk.png")
        risk.tabs.setCurrentWidget(risk.tornado_page)
        shoot("risk-tornado.png")
        risk.tabs.setCurrentWidget(risk.breakeven_page)
        risk.breakeven_page.find_breakeven()
        shoot("risk-breakeven.png")
        risk.tabs.setCurrentWidget(risk.inputs_page)
        add_input = AddInputDialog(window.controller, window)
        add_input.select(["settings.exit_multiple", "drivers.reinvestment_rate"])
        add_input.show()
        app.processEvents()
        add_input.grab().save(str(ROOT / "docs" / "risk-add-input.png"))
        add_input.close()
        risk.inputs_page.add_inputs(add_input.chosen())
        shoot("risk-inputs.png")
        window.controller.undo_stack.undo()
        for dialog_type, name in ((ShortcutsDialog, "help-shortcuts.png"), (UserGuideDialog, "help-guide.png")):
            dialog = dialog_type(window)
            dialog.show()
            app.processEvents()
            dialog.grab().save(str(ROOT / "docs" / name))
            dialog.close()
        window.analysis_tabs.setCurrentWidget(window.bridge_page)
        window.bridge_page.set_states("Base", State("Bull"))
        app.processEvents()
        window.bridge_page.grab().save(str(ROOT / "docs" / "bridge.png"))
        window.charts.revenue.write_chart(ROOT / "docs" / "chart-export.png")
        print(ROOT / "docs" / "bridge.png", ROOT / "docs" / "chart-export.png", sep="\n")
        window.controller.undo_stack.setClean()
        window.close()
    if "--no-workbook" not in sys.argv:
        workbook_picture(ROOT / "docs" / "workbook.png")


def workbook_picture(path: Path) -> None:
    """The first printed page of the exported workbook (its Summary sheet), white margins cut."""
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(folder) / "alibaba_380bn.xlsx"
        command_line([str(BUNDLED_MODEL), "--export", str(workbook)])
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        profile = f"-env:UserInstallation=file://{folder}/profile"
        convert = [soffice, profile, "--headless", "--convert-to", "pdf", "--outdir", folder, str(workbook)]
        subprocess.run(convert, check=True, capture_output=True, timeout=120)
        raster = ["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile"]
        subprocess.run([*raster, str(workbook.with_suffix(".pdf")), f"{folder}/page"], check=True, timeout=60)
        page = QImage(f"{folder}/page.png")
        trim_white(page).save(str(path))
    print(path)


def trim_white(image: QImage, margin: int = 12) -> QImage:
    """``image`` cut to the box around everything that is not white, plus ``margin`` pixels."""
    white = QColor("white").rgb()
    rows = [y for y in range(image.height()) if any(image.pixel(x, y) != white for x in range(0, image.width(), 4))]
    columns = [x for x in range(image.width()) if any(image.pixel(x, y) != white for y in rows[::4])]
    left, top = max(columns[0] - margin, 0), max(rows[0] - margin, 0)
    return image.copy(left, top, columns[-1] - left + margin, rows[-1] - top + margin)


if __name__ == "__main__":
    main()
