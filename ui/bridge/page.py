"""The Bridge tab: the waterfall of one metric between two states, and the changes between them.

The states are two scenarios of the current model, or a scenario of the current model and one of
a file (a model or an exported workbook, "Compare with file..."). The bridge is recomputed on
every change of the model while the tab is in front (a bridge of up to 8 levers takes a few
milliseconds), and when it comes to the front otherwise. A bridge the model layer refuses is
shown as its message, which names the levers or states; the review list still shows the changes
whenever the two states can be compared at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from model import ModelError, apply_scenario, scenario_names
from model.edits import AcceptChange, Edit, RenameScenario
from model.fileio import load_model_reporting
from model.outputs import KPIS, LINES, Unit
from model.risk import BridgeResults, Change, bridge, diff
from model.schema import BASE_SCENARIO
from model.validation import Model
from ui import settings
from ui.bridge.changes import change_sheet, single_text
from ui.bridge.waterfall import WaterfallBar, WaterfallChart
from ui.controller import WorkbenchController
from ui.on_screen import RefreshWhenShown
from ui.risk.shared import error_text
from ui.table_model import SheetTableModel
from ui.workbook_warnings import show_workbook_warnings

COMPARE_FILTER = "Capex models and exported workbooks (*.json *.xlsx);;All files (*)"
# The metric chooser: KPIs, then lines read in a chosen year (LINE@YEAR).
KPI_CHOICES = ("npv", "irr", "payback_years", "discounted_payback_years")
LINE_CHOICES = {"total_revenue": "Revenue", "ebita_margin": "EBITA margin"}
SECTION_NAMES = {
    "settings": "Settings",
    "drivers": "Drivers",
    "capex": "Capex plan",
    "history": "Installed capex",
    "asset_classes": "Asset classes",
    "calibration": "Calibration",
}
DEFAULT_YEAR_OFFSET = 3  # a line metric starts in the third projection year, when the plan is in service


@dataclass(frozen=True)
class State:
    """One side of a bridge: a scenario of the current model (``file`` None) or of a file."""

    scenario: str
    file: str | None = None

    def label(self) -> str:
        return self.scenario if self.file is None else f"{self.scenario} ({self.file})"


def change_key(change: Change) -> tuple[str, str, str]:
    """What a rejection remembers: the input and both of its values, so the same input moved
    elsewhere comes back for review."""
    return change.path, repr(change.old), repr(change.new)


def lever_name(lever: str, changes: tuple[Change, ...]) -> str:
    """A lever as the analyst reads it: the change's label, or its section's name when grouped."""
    if len(changes) == 1 and changes[0].path == lever:
        return changes[0].label
    count = len(changes)
    return f"{SECTION_NAMES.get(lever, lever)} ({count} input{'s' if count != 1 else ''})"


class BridgePage(QWidget):
    """The Bridge tab. ``last_bridge`` is the bridge shown (None when refused), ``changes`` the
    changes between the two states, ``shown_changes`` those still in the review list."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.last_bridge: BridgeResults | None = None
        self.changes: list[Change] = []
        self.shown_changes: list[Change] = []
        self.rejected: set[tuple[str, str, str]] = set()
        self.against: Model | None = None
        self.against_name = ""
        self._from_states: list[State] = []
        self._to_states: list[State] = []

        self.metric_combo = QComboBox()
        for key in KPI_CHOICES:
            self.metric_combo.addItem(KPIS[key].label, key)
        for key, label in LINE_CHOICES.items():
            self.metric_combo.addItem(f"{label} in year", key)
        self.metric_combo.setToolTip("The metric the bridge explains: a KPI, or a line in the chosen year")
        self.year_combo = QComboBox()
        self.year_combo.setToolTip("The fiscal year of a line metric")
        self.from_combo = QComboBox()
        self.from_combo.setToolTip("The state the bridge starts from (a scenario of this model)")
        self.to_combo = QComboBox()
        self.to_combo.setToolTip("The state the bridge ends at: a scenario of this model or of the compared file")
        self.to_combo.setMinimumContentsLength(16)
        self.compare_action = QAction("Compare &with file…", self)
        self.compare_action.setStatusTip("Bridge the model to a model file or an exported workbook, change by change")
        self.compare_action.triggered.connect(lambda: self.compare_with_file())
        self.compare_button = QPushButton("Compare with file…")
        self.compare_button.setToolTip(self.compare_action.statusTip())
        self.compare_button.clicked.connect(lambda: self.compare_with_file())
        controls = QHBoxLayout()
        controls.setSpacing(4)
        for text, widget in (
            ("Metric", self.metric_combo),
            ("", self.year_combo),
            ("From", self.from_combo),
            ("To", self.to_combo),
        ):
            if text:
                controls.addWidget(QLabel(text))
            controls.addWidget(widget)
        controls.addWidget(self.compare_button)
        controls.addStretch(1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.hide()

        self.waterfall = WaterfallChart()
        self.change_model = SheetTableModel(change_sheet(controller.model, [], controller.money), controller.money)
        self.change_view = QTableView()
        self.change_view.setModel(self.change_model)
        self.change_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.change_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.change_view.setWordWrap(False)
        header = self.change_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.change_view.verticalHeader().setDefaultSectionSize(20)
        self.change_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.change_view.customContextMenuRequested.connect(self._change_menu)
        self.change_view.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.change_title = QLabel("Changed inputs")
        self.change_title.setObjectName("SectionLabel")
        self.accept_button = QPushButton("Accept")
        self.accept_button.clicked.connect(self.accept_selected)
        self.reject_button = QPushButton("Reject")
        self.reject_button.setToolTip("Hide the selected changes from this list (the model is not changed)")
        self.reject_button.clicked.connect(self.reject_selected)
        self.restore_button = QPushButton("Show rejected")
        self.restore_button.clicked.connect(self.show_rejected)
        list_bar = QHBoxLayout()
        list_bar.addWidget(self.change_title, 1)
        for button in (self.accept_button, self.reject_button, self.restore_button):
            list_bar.addWidget(button)
        list_panel = QWidget()
        list_layout = QVBoxLayout(list_panel)
        list_layout.setContentsMargins(0, 0, 0, 0)
        list_layout.setSpacing(2)
        list_layout.addLayout(list_bar)
        list_layout.addWidget(self.change_view, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.waterfall)
        self.splitter.addWidget(list_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        layout.addLayout(controls)
        layout.addWidget(self.message)
        layout.addWidget(self.splitter, 1)

        self._fill_states()
        self._fill_years()
        self.metric_combo.currentIndexChanged.connect(self._metric_chosen)
        for combo in (self.year_combo, self.from_combo, self.to_combo):
            combo.currentIndexChanged.connect(self._states_chosen)
        self.refresher = RefreshWhenShown(self, self.refresh_bridge, stale=True)
        controller.edit_shown.connect(self._follow_renames)
        controller.results_changed.connect(self.refresher.request)
        controller.money_display_changed.connect(self.refresher.request)

    # ------------------------------------------------------------------ choices

    @property
    def metric(self) -> str:
        """The metric chosen: a KPI key, or LINE@YEAR."""
        key = self.metric_combo.currentData()
        return f"{key}@{self.year_combo.currentData()}" if key in LINE_CHOICES else key

    def set_metric(self, key: str, year: int | None = None) -> None:
        self.metric_combo.setCurrentIndex(self.metric_combo.findData(key))
        if year is not None:
            self.year_combo.setCurrentIndex(self.year_combo.findData(year))

    @property
    def from_state(self) -> State | None:
        index = self.from_combo.currentIndex()
        return self._from_states[index] if 0 <= index < len(self._from_states) else None

    @property
    def to_state(self) -> State | None:
        index = self.to_combo.currentIndex()
        return self._to_states[index] if 0 <= index < len(self._to_states) else None

    def set_states(self, from_scenario: str, to: State) -> None:
        """Choose the From scenario and the To state (each must be offered)."""
        self.from_combo.setCurrentIndex(self._from_states.index(State(from_scenario)))
        self.to_combo.setCurrentIndex(self._to_states.index(to))

    def _metric_chosen(self) -> None:
        self.year_combo.setEnabled(self.metric_combo.currentData() in LINE_CHOICES)
        self.refresher.request()

    def _states_chosen(self) -> None:
        self.rejected.clear()  # a rejection belongs to the review of one pair of states
        self.refresher.request()

    def _fill_years(self) -> None:
        model = self._controller.model
        years = list(range(model["base_year"] + 1, model["base_year"] + model["horizon"] + 1))
        current = self.year_combo.currentData()
        if [self.year_combo.itemData(i) for i in range(self.year_combo.count())] != years:
            self.year_combo.blockSignals(True)
            self.year_combo.clear()
            for year in years:
                self.year_combo.addItem(f"FY{year}", year)
            default = years[min(DEFAULT_YEAR_OFFSET, len(years)) - 1]
            self.year_combo.setCurrentIndex(self.year_combo.findData(current if current in years else default))
            self.year_combo.blockSignals(False)
        self.year_combo.setEnabled(self.metric_combo.currentData() in LINE_CHOICES)

    def _follow_renames(self, edit: Edit) -> None:
        """A scenario of the model renamed (or renamed back by undo) stays chosen, by its new name."""
        if not isinstance(edit, RenameScenario):
            return
        for combo, states in ((self.from_combo, self._from_states), (self.to_combo, self._to_states)):
            for index, state in enumerate(states):
                if state.file is None and state.scenario == edit.old:
                    states[index] = State(edit.new)
                    combo.setItemText(index, states[index].label())

    def _fill_states(self) -> None:
        """The scenarios in the From and To pickers (the file's after the model's in To), keeping
        the choices; defaults Base → the first other scenario."""
        names = scenario_names(self._controller.model)
        froms = [State(name) for name in names]
        tos = list(froms)
        if self.against is not None:
            tos += [State(name, self.against_name) for name in scenario_names(self.against)]
        for combo, states, current in ((self.from_combo, froms, self.from_state), (self.to_combo, tos, self.to_state)):
            if states == (self._from_states if combo is self.from_combo else self._to_states):
                continue
            if current not in states:
                others = [s for s in states if s != State(BASE_SCENARIO)]
                current = State(BASE_SCENARIO) if combo is self.from_combo or not others else others[0]
            combo.blockSignals(True)
            combo.clear()
            combo.addItems([state.label() for state in states])
            if combo is self.from_combo:
                self._from_states = states
            else:
                self._to_states = states
            combo.setCurrentIndex(states.index(current))
            combo.blockSignals(False)

    # ------------------------------------------------------------------ comparing with a file

    def compare_with_file(self, path: str | Path | None = None) -> bool:
        """Read a model file or an exported workbook and bridge the current state to its Base."""
        self._bring_to_front()
        if path is None:
            start = str(settings.start_folder())
            path, _ = QFileDialog.getOpenFileName(self, "Compare with file", start, COMPARE_FILTER)
            if not path:
                return False
        try:
            against, warnings = load_model_reporting(path)
        except ModelError as error:
            self._show_message(f"Cannot compare with {Path(path).name}: {error}")
            return False
        settings.remember_folder(path)
        self.against, self.against_name = against, Path(path).name
        self.against_warnings = show_workbook_warnings(self, path, warnings)
        self._fill_states()
        self.to_combo.setCurrentIndex(self._to_states.index(State(BASE_SCENARIO, self.against_name)))
        self.rejected.clear()
        self.refresher.request()
        return True

    def _bring_to_front(self) -> None:
        widget = self.parentWidget()
        while widget is not None and not isinstance(widget, QTabWidget):
            widget = widget.parentWidget()
        if widget is not None:
            widget.setCurrentWidget(self)

    # ------------------------------------------------------------------ the bridge

    def refresh_bridge(self) -> None:
        controller = self._controller
        self._fill_years()
        self._fill_states()
        start, end = self.from_state, self.to_state
        if start is None or end is None:
            return
        against = self.against if end.file is not None else None
        self.last_bridge = None
        try:
            result = bridge(controller.model, self.metric, start.scenario, end.scenario, against)
        except ModelError as error:
            self._show_no_bridge(start, end, f"The bridge from {start.label()} to {end.label()} is refused: {error}")
            self._show_changes(self._changes_or_none(start, end, against))
            return
        self.last_bridge = result
        self._show_changes(list(result.changes))
        if result.levers:
            self._draw(result, start, end)
        else:  # two equal bars would read as a result: the chart stays empty
            same = f"{start.label()} and {end.label()} have the same inputs: nothing to bridge."
            self._show_no_bridge(start, end, same, error=False)

    def _show_no_bridge(self, start: State, end: State, message: str, error: bool = True) -> None:
        """An empty chart titled with the metric and states, and the message saying why."""
        name, unit = self._metric_name()
        self.waterfall.title.setText(f"Bridge of {name}: {start.label()} → {end.label()}")
        self.waterfall.set_axis("bottom", name, unit, self._controller.money)
        self.waterfall.note.setText(" ")
        self.waterfall.show_empty("No bridge: see the message above")
        self._show_message(message, error)

    def _changes_or_none(self, start: State, end: State, against: Model | None) -> list[Change]:
        """The changes between the states even when their bridge is refused (none if they cannot
        be compared at all: the message says why)."""
        try:
            a = apply_scenario(self._controller.model, start.scenario)
            b = apply_scenario(against if against is not None else self._controller.model, end.scenario)
            return diff(a, b)
        except ModelError:
            return []

    def _metric_name(self) -> tuple[str, Unit]:
        """The chosen metric as the chart names it (``NPV``, ``EBITA margin FY2030``) and its unit."""
        key = self.metric_combo.currentData()
        if key in KPIS:
            return KPIS[key].label, KPIS[key].unit
        return f"{LINES[key].label} FY{self.year_combo.currentData()}", LINES[key].unit

    def _draw(self, result: BridgeResults, start: State, end: State) -> None:
        money = self._controller.money
        name, unit = self._metric_name()
        bars = [WaterfallBar(f"{start.label()}", result.start, total=True, tooltip=f"{name} in {start.label()}")]
        for lever in result.levers:
            moved = (
                f"{single_text(lever.start, lever.changes[0].unit, money)} → "
                f"{single_text(lever.end, lever.changes[0].unit, money)}"
                if len(lever.changes) == 1 and not isinstance(lever.end, list)
                else ", ".join(change.path for change in lever.changes)
            )
            tip = f"{lever.lever}: {moved}"
            bars.append(WaterfallBar(lever_name(lever.lever, lever.changes), lever.contribution, tooltip=tip))
        bars.append(WaterfallBar(f"{end.label()}", result.end, total=True, tooltip=f"{name} in {end.label()}"))
        note = "Each bar is the lever's Shapley contribution (its average effect over every order of the levers); "
        note += "they add up exactly to the change from start to end. Green raises the metric, red lowers it."
        if result.grouped:
            note = (
                f"Grouped: more than 16 inputs differ ({len(result.changes)}), so the inputs of each section "
                "move together as one lever. " + note
            )
            self._show_message(f"Grouped by section: {len(result.changes)} inputs differ, more than 16.", error=False)
        else:
            self.message.hide()
        states = f"{start.label()} → {end.label()}"
        self.waterfall.draw(f"Bridge of {name}: {states}", bars, unit, money, note, states)
        self.waterfall.set_axis("bottom", name, unit, money)

    def _show_message(self, text: str, error: bool = True) -> None:
        self.message.setText(error_text(text) if error else text)
        self.message.setToolTip(text)
        self.message.show()

    # ------------------------------------------------------------------ the review list

    def _show_changes(self, changes: list[Change]) -> None:
        self.changes = changes
        self.shown_changes = [c for c in changes if change_key(c) not in self.rejected]
        controller = self._controller
        sheet = change_sheet(controller.model, self.shown_changes, controller.money)
        self.change_model.set_sheet(sheet, controller.money)
        hidden = len(changes) - len(self.shown_changes)
        self.change_title.setText(
            f"Changed inputs: {len(changes)}" + (f" ({hidden} rejected, hidden)" if hidden else "")
        )
        self.restore_button.setEnabled(bool(hidden))
        self.change_view.resizeColumnsToContents()
        self._update_buttons()

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.change_view.selectionModel().selectedRows()})

    def _accept_refusal(self) -> str:
        """Why Accept cannot take a change into the model now ("" when it can): it changes the
        scenario being edited, which must be the From state."""
        start = self.from_state
        scenario = self._controller.scenario
        if start is None or start.scenario != scenario:
            return f"Accept changes the scenario being edited ({scenario}): choose it as From to accept into it"
        return ""

    def _update_buttons(self) -> None:
        refusal = self._accept_refusal()
        selected = bool(self.selected_rows())
        self.accept_button.setEnabled(selected and not refusal)
        self.accept_button.setToolTip(refusal or "Take the selected change into the model (one undo step)")
        self.reject_button.setEnabled(selected)

    def accept_change(self, row: int) -> bool:
        """Take the change of ``row`` into the From state of the model, as one undo step; the
        bridge then recomputes and the change leaves the list. False (and a message) if refused."""
        refusal = self._accept_refusal()
        if refusal:
            self._show_message(refusal)
            return False
        change = self.shown_changes[row]
        if not self._controller.apply(AcceptChange(change), f"Accept {change.label}"):
            self._show_message(f"{change.label} not accepted: the model refuses it (see the status bar)")
            return False
        return True

    def accept_selected(self) -> None:
        rows = self.selected_rows()
        if len(rows) == 1:
            self.accept_change(rows[0])
            return
        # Several rows: one undo step each, in a macro so Ctrl+Z takes them back together.
        changes = [self.shown_changes[row] for row in rows]
        stack = self._controller.undo_stack
        stack.beginMacro(f"Accept {len(changes)} changes")
        try:
            for change in changes:
                row = self.shown_changes.index(change) if change in self.shown_changes else -1
                if row >= 0:
                    self.accept_change(row)
        finally:
            stack.endMacro()

    def reject_change(self, row: int) -> None:
        """Hide the change of ``row`` from the list; the model and the bridge do not change."""
        self.rejected.add(change_key(self.shown_changes[row]))
        self._show_changes(self.changes)

    def reject_selected(self) -> None:
        for row in self.selected_rows():
            self.rejected.add(change_key(self.shown_changes[row]))
        self._show_changes(self.changes)

    def show_rejected(self) -> None:
        self.rejected.clear()
        self._show_changes(self.changes)

    def _change_menu(self, position) -> None:
        index = self.change_view.indexAt(position)
        if not index.isValid():
            return
        row = index.row()
        menu = QMenu(self)
        accept = menu.addAction("Accept this change", lambda: self.accept_change(row))
        refusal = self._accept_refusal()
        accept.setEnabled(not refusal)
        accept.setToolTip(refusal)
        menu.addAction("Reject (hide from the list)", lambda: self.reject_change(row))
        menu.popup(self.change_view.viewport().mapToGlobal(position))
