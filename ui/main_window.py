"""The workbench window: KPI strip on top, assumption tabs on the left, charts on the right,
projections at the bottom; menus and toolbar for files, undo, scenarios and the display currency.

Other panels join through two public tab widgets: ``assumption_tabs`` (inputs, left) and
``analysis_tabs`` (charts and analyses, right), e.g. ``window.analysis_tabs.addTab(panel, "Risk")``.
File menu entries go in ``file_menu`` before ``quit_action``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from model import ModelError, scenario_names
from model.edits import blank_model
from ui import settings
from ui.bridge import BridgePage
from ui.charts import ChartsPanel
from ui.commands import UndoAction
from ui.controller import WorkbenchController
from ui.explain_panel import install_explain
from ui.export import ANALYSIS_NAMES, AnalysesOnScreen, ExportJob, ExportRun, behind_note
from ui.grid_view import SheetView
from ui.help import add_help_menu
from ui.kpi_strip import KpiStrip, WarningBanner
from ui.panels import CapexPanel, DriversPanel, ProjectionsPanel, SettingsPanel
from ui.risk.panel import RiskPanel
from ui.scenarios_view import ScenarioActions, ScenariosView
from ui.style import STYLE_SHEET
from ui.workbook_warnings import show_workbook_warnings
from ui.worker import collect_garbage_between_events

BUNDLED_MODELS = Path(__file__).resolve().parent.parent / "resources" / "models"
MODEL_FILTER = "Capex models (*.json);;All files (*)"
OPEN_FILTER = "Capex models and exported workbooks (*.json *.xlsx);;All files (*)"
WORKBOOK_FILTER = "Excel workbooks (*.xlsx)"
STATUS_SECONDS = 12


def is_bundled(path: Path) -> bool:
    """The bundled models are templates: Save writes a copy elsewhere (Save As)."""
    return path.resolve().parent == BUNDLED_MODELS


class MainWindow(QMainWindow):
    export_finished = Signal(bool)  # an export ended: True when the file was written

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        collect_garbage_between_events()
        self.controller = controller
        self.setStyleSheet(STYLE_SHEET)
        self.kpi_strip = KpiStrip(controller)
        self.warning_banner = WarningBanner(controller)
        self.capex_panel = CapexPanel(controller)
        self.drivers_panel = DriversPanel(controller)
        self.settings_panel = SettingsPanel(controller)
        self.assumption_tabs = QTabWidget()
        self.assumption_tabs.setDocumentMode(True)
        self.assumption_tabs.addTab(self.capex_panel, "Capex plan")
        self.assumption_tabs.addTab(self.drivers_panel, "Drivers")
        self.assumption_tabs.addTab(self.settings_panel, "Settings")
        self.charts = ChartsPanel(controller)
        self.analysis_tabs = QTabWidget()
        self.analysis_tabs.setDocumentMode(True)
        # A tall analysis page must not push the projections table off the window: the splitter
        # keeps the layout, and a page taller than its share scrolls or shrinks.
        self.analysis_tabs.setMinimumSize(320, 240)
        self.analysis_tabs.addTab(self.charts, "Charts")
        self.risk_panel = RiskPanel(controller)
        self.analysis_tabs.addTab(self.risk_panel, "Risk")
        self.bridge_page = BridgePage(controller)
        self.analysis_tabs.addTab(self.bridge_page, "Bridge")
        self.analysis_tabs.addTab(ScenariosView(controller), "Scenarios")
        self.projections = ProjectionsPanel(controller)

        self.top_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.top_splitter.addWidget(self.assumption_tabs)
        self.top_splitter.addWidget(self.analysis_tabs)
        self.top_splitter.setStretchFactor(0, 4)
        self.top_splitter.setStretchFactor(1, 6)
        self.main_splitter = QSplitter(Qt.Orientation.Vertical)
        self.main_splitter.addWidget(self.top_splitter)
        self.main_splitter.addWidget(self.projections)
        self.main_splitter.setStretchFactor(0, 3)
        self.main_splitter.setStretchFactor(1, 2)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.kpi_strip)
        layout.addWidget(self.warning_banner)
        layout.addWidget(self.main_splitter, 1)
        self.setCentralWidget(central)

        self.explain_dock = install_explain(self)
        self._build_actions()
        self._build_menus_and_toolbar()
        self.scenario_note = QLabel()
        self.statusBar().addPermanentWidget(self.scenario_note)

        controller.error_reported.connect(self.show_refusal)
        controller.dirty_changed.connect(self.update_title)
        controller.path_changed.connect(self.update_title)
        controller.model_changed.connect(self.update_title)
        controller.model_changed.connect(self.update_scenarios)
        controller.scenario_changed.connect(self.update_scenarios)
        controller.money_display_changed.connect(self.update_currency_actions)
        self.export_run: ExportRun | None = None
        self.analyses_on_screen = AnalysesOnScreen(controller, self.risk_panel, self.bridge_page, self)
        self.update_title()
        self.update_scenarios()
        self.update_currency_actions()
        self.update_recent_menu()
        self.resize(1600, 1000)
        self.top_splitter.setSizes([745, 855])
        self.main_splitter.setSizes([620, 330])
        self.restore_layout()

    # ------------------------------------------------------------------ actions and menus

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(lambda: slot())
        return action

    def _build_actions(self) -> None:
        keys = QKeySequence.StandardKey
        self.new_action = self._action("&New", self.new_model, keys.New, "Start a new capex model")
        self.open_action = self._action("&Open…", self.open_file, keys.Open, "Open a model file")
        self.save_action = self._action("&Save", self.save, keys.Save, "Save the model")
        self.save_as_action = self._action("Save &As…", self.save_as, keys.SaveAs, "Save the model to another file")
        self.export_action = self._action(
            "&Export to Excel…",
            self.export_to_excel,
            QKeySequence("Ctrl+E"),
            "Write the selected scenario as an Excel workbook with live formulas",
        )
        self.quit_action = self._action("&Quit", self.close, keys.Quit, "Close the workbench")
        stack = self.controller.undo_stack
        self.undo_action, self.redo_action = UndoAction(stack, self), UndoAction(stack, self, redo=True)
        self.copy_action = self._action("&Copy", lambda: self._on_grid(SheetView.copy_selection), keys.Copy)
        self.paste_action = self._action("&Paste", lambda: self._on_grid(SheetView.paste), keys.Paste)
        self.fill_right_action = self._action(
            "Fill &Right",
            lambda: self._on_grid(SheetView.fill_right),
            QKeySequence("Ctrl+R"),
            "Copy the first selected column across the selection",
        )
        self.reset_action = self._action(
            "Reset to &Base",
            lambda: self._on_grid(SheetView.reset_to_base),
            None,
            "Remove the selected scenario overrides",
        )
        self.currency_group = QActionGroup(self)
        self.currency_actions: dict[str, QAction] = {}
        for currency in ("RMB", "USD"):
            action = QAction(currency, self, checkable=True)
            action.setToolTip(f"Show money in {currency} (display only; via the model's FX rate)")
            action.triggered.connect(lambda _=False, c=currency: self.controller.set_display_currency(c))
            self.currency_group.addAction(action)
            self.currency_actions[currency] = action
        self.scenario_selector = QComboBox()
        self.scenario_selector.setObjectName("ScenarioSelector")
        self.scenario_selector.setMinimumContentsLength(18)
        self.scenario_selector.setToolTip("Scenario: edits made here become its overrides (shaded)")
        self.scenario_selector.activated.connect(
            lambda i: self.controller.set_scenario(self.scenario_selector.itemText(i))
        )

    def _build_menus_and_toolbar(self) -> None:
        menu_bar = self.menuBar()
        self.file_menu = menu_bar.addMenu("&File")
        self.file_menu.addActions([self.new_action, self.open_action])
        self.recent_menu = self.file_menu.addMenu("Open &Recent")
        self.file_menu.addActions([self.save_action, self.save_as_action, self.export_action])
        self.file_menu.addAction(self.bridge_page.compare_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        edit_menu = menu_bar.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.copy_action, self.paste_action, self.fill_right_action])
        edit_menu.addSeparator()
        edit_menu.addAction(self.reset_action)
        view_menu = menu_bar.addMenu("&View")
        currency_menu = view_menu.addMenu("Display &currency")
        currency_menu.addActions(list(self.currency_actions.values()))
        view_menu.addActions(self.explain_dock.actions_for_menu)
        self.scenario_actions = ScenarioActions(self.controller, self)
        menu_bar.addMenu(self.scenario_actions.menu)
        self.help_menu = add_help_menu(self)

        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("MainToolBar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addActions([self.new_action, self.open_action, self.save_action])
        toolbar.addSeparator()
        toolbar.addActions([self.undo_action, self.redo_action])
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Scenario "))
        toolbar.addWidget(self.scenario_selector)
        toolbar.addSeparator()
        toolbar.addWidget(QLabel(" Currency "))
        toolbar.addActions(list(self.currency_actions.values()))
        self.toolbar = toolbar

    def _on_grid(self, operation) -> None:
        """Run a copy/paste/fill/reset on the table that has the keyboard focus."""
        widget = QApplication.focusWidget()
        while widget is not None and not isinstance(widget, SheetView):
            widget = widget.parentWidget()
        if widget is None:
            self.statusBar().showMessage("Select cells in a table first.", STATUS_SECONDS * 1000)
            return
        operation(widget)

    # ------------------------------------------------------------------ reacting to the controller

    def show_refusal(self, message: str) -> None:
        self.statusBar().showMessage(f"Not changed: {message}", STATUS_SECONDS * 1000)

    def update_title(self) -> None:
        controller = self.controller
        file_name = controller.path.name if controller.path else "Untitled"
        self.setWindowTitle(f"{controller.model['name']} — {file_name}{'*' if controller.is_dirty else ''}")

    def update_scenarios(self) -> None:
        names = scenario_names(self.controller.model)
        selector = self.scenario_selector
        if [selector.itemText(i) for i in range(selector.count())] != names:
            selector.clear()
            selector.addItems(names)
        selector.setCurrentText(self.controller.scenario)
        scenario = self.controller.scenario
        self.scenario_note.setText("" if scenario == "Base" else f"Scenario {scenario}: edits become its overrides")

    def update_currency_actions(self) -> None:
        available = self.controller.display_currencies()
        for currency, action in self.currency_actions.items():
            action.setEnabled(currency in available)
            action.setChecked(currency == self.controller.money.currency)

    def update_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in settings.recent_files():
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.open_file(p))
        self.recent_menu.setEnabled(not self.recent_menu.isEmpty())

    # ------------------------------------------------------------------ files

    def confirm_discard_changes(self) -> bool:
        """With unsaved changes, ask to save, discard or cancel; True when it is fine to go on."""
        if not self.controller.is_dirty:
            return True
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self,
            "Unsaved changes",
            f"Save the changes to “{self.controller.model['name']}” before going on?",
            buttons.Save | buttons.Discard | buttons.Cancel,
            buttons.Save,
        )
        if answer == buttons.Save:
            return self.save()
        return answer == buttons.Discard

    def new_model(self) -> bool:
        if not self.confirm_discard_changes():
            return False
        self.controller.replace_model(blank_model(date.today().year - 1), None)
        return True

    def open_file(self, path: str | None = None) -> bool:
        if not self.confirm_discard_changes():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open capex model", str(settings.start_folder()), OPEN_FILTER)
            if not path:
                return False
        try:
            warnings = self.controller.open_file(path)
        except ModelError as error:
            self._file_error("Cannot open this model", error)
            return False
        self.show_open_warnings(path, warnings)
        settings.remember_file(path)
        self.update_recent_menu()
        self.statusBar().showMessage(f"Opened {path}", STATUS_SECONDS * 1000)
        return True

    def save(self) -> bool:
        path = self.controller.path
        if path is None or is_bundled(path) or path.suffix.lower() == ".xlsx":  # a workbook is saved as a model file
            return self.save_as()
        return self._save_to(path)

    def save_as(self) -> bool:
        suggested = self.controller.path.name if self.controller.path else "capex_model.json"
        path, _ = QFileDialog.getSaveFileName(
            self, "Save capex model", str(settings.start_folder() / suggested), MODEL_FILTER
        )
        return bool(path) and self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            self.controller.save(path)
        except ModelError as error:
            self._file_error("Cannot save the model", error)
            return False
        settings.remember_file(path)
        self.update_recent_menu()
        self.statusBar().showMessage(f"Saved {path}", STATUS_SECONDS * 1000)
        return True

    def export_to_excel(self) -> bool:
        """File > Export to Excel: the selected scenario and the analyses on screen (``ui.export``),
        built on a worker thread; True when the export started (``export_finished`` says how it ended)."""
        controller = self.controller
        if self.export_run is not None:
            self.statusBar().showMessage("An export is already being written.", STATUS_SECONDS * 1000)
            return False
        stem = controller.path.stem if controller.path else "capex_model"
        suggested = str(settings.start_folder() / f"{stem} {controller.scenario}.xlsx")
        path, _ = QFileDialog.getSaveFileName(self, "Export to Excel", suggested, WORKBOOK_FILTER)
        if not path:
            return False
        job, left_out = self.analyses_on_screen.export_job()
        run = ExportRun(job, Path(path).name, self)
        run.done.connect(lambda data, error, names: self._export_done(job, left_out, Path(path), data, error, names))
        self.export_run = run
        run.start()
        return True

    def _export_done(
        self, job: ExportJob, left_out: list[str], path: Path, data: bytes | None, error: str, names: list[str]
    ) -> None:
        self.export_run = None
        if error:
            self._file_error("Cannot export the workbook", ModelError("", error))
        elif data is None:
            self.statusBar().showMessage("Export cancelled: nothing was written.", STATUS_SECONDS * 1000)
        else:
            from model.workbook import save_workbook  # here: openpyxl and XlsxWriter slow start-up

            try:
                save_workbook(data, path)
            except ModelError as failure:
                self._file_error("Cannot export the workbook", failure)
            else:
                settings.remember_folder(str(path))
                message = f"Exported {job.scenario} to {path}"
                if names:
                    message += f" with the {', '.join(ANALYSIS_NAMES[name] for name in names)}"
                if left_out:
                    message += f"; left out, as the model changed after they were run: {', '.join(left_out)}"
                message += behind_note(job, self.controller.model)
                self.statusBar().showMessage(message, STATUS_SECONDS * 1000)
                self.export_finished.emit(True)
                return
        self.export_finished.emit(False)

    def show_open_warnings(self, path: str | Path, warnings: tuple[str, ...]) -> None:
        """Where an opened workbook contradicted itself (its visible cells were used)."""
        self.open_warnings = show_workbook_warnings(self, path, warnings)

    def _file_error(self, title: str, error: ModelError) -> None:
        self.statusBar().showMessage(f"{title}: {error}", STATUS_SECONDS * 1000)
        QMessageBox.warning(self, title, str(error))

    # ------------------------------------------------------------------ layout

    def restore_layout(self) -> None:
        for key, restore in (
            ("window/geometry", self.restoreGeometry),
            ("window/state", self.restoreState),
            ("window/top_splitter", self.top_splitter.restoreState),
            ("window/main_splitter", self.main_splitter.restoreState),
        ):
            stored = settings.read_setting(key)
            if not stored.isEmpty():
                restore(stored)

    def save_layout(self) -> None:
        settings.write_setting("window/geometry", self.saveGeometry())
        settings.write_setting("window/state", self.saveState())
        settings.write_setting("window/top_splitter", self.top_splitter.saveState())
        settings.write_setting("window/main_splitter", self.main_splitter.saveState())

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.confirm_discard_changes():
            if self.export_run is not None:
                self.export_run.stop()
            self.save_layout()
            event.accept()
        else:
            event.ignore()
