"""Explain any number: a side panel that says why a KPI, a projection cell, an input or a chart
point is what it is, as Excel's trace precedents and dependents do.

Ctrl+[ (Explain) on the KPI tile, table cell or chart that has the focus shows the number's
formula in words and what feeds it, with values; each row opens that number in turn (Back
returns), down to the inputs and their sources. Ctrl+] (Trace dependents) lists what a number
feeds. The words and the graph come from ``model.explain``; this module only shows them, in the
display currency, for the scenario on screen, and follows every edit.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any, Literal

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from model import ModelError
from model.edits import Edit, EditBlock, RenameClass
from model.explain import Context, Explanation, Ref, Term, dependents, explain, term, with_values
from model.schema import BASE_SCENARIO
from ui.charts import ChartCard
from ui.controller import WorkbenchController
from ui.formatting import CHOICE_LABELS, MoneyDisplay, format_cell, format_kpi, unit_words
from ui.grid_view import SheetView
from ui.kpi_strip import KpiTile

EXPLAIN_KEYS = QKeySequence("Ctrl+[")
DEPENDENTS_KEYS = QKeySequence("Ctrl+]")
Mode = Literal["precedents", "dependents", "chart"]
CLASS_KINDS = ("capex", "history", "asset_classes")  # the refs keyed by an asset class's name
# Which number a cell of a grid is: (row key, column key) of the sheet's values -> a Ref or None.
CellRef = Callable[[WorkbenchController, Any, Any], Ref | None]

VALUE_COLUMN_WIDTH = 140  # pixels at most
PANEL_STYLE = """
#ExplainTitle { font-size: 11pt; font-weight: 600; color: #1d2330; }
#ExplainValue { font-size: 14pt; font-weight: 600; color: #1d2330; }
#ExplainFormula { background: #f4f5f7; border: 1px solid #d9dce1; border-radius: 4px; padding: 6px; }
#ExplainSources { background: #e4eefb; border: 1px solid #b9cdea; border-radius: 4px; padding: 6px; }
#ExplainNote { color: #5b6270; font-size: 8pt; }
"""


def shown_value(shown: Term, money: MoneyDisplay, bare: bool = False) -> str:
    """A value with its unit as the window shows it: ``RMB 12.3 bn``, ``9.0%``, ``0.49 ×``;
    ``bare``: as a table cell shows it, inside a formula (``12.3``, ``9.0%``, ``0.49``)."""
    value, unit = shown.value, shown.unit
    if bare and unit not in ("text", "bool", "choice", "integer"):
        text = format_cell(value, unit, money)
        return f"({text})" if text.startswith("-") else text  # "− (-3.1)", not "− -3.1"
    if unit == "text":
        return str(value)
    if unit == "bool":
        return "yes" if value else "no"
    if unit == "choice":
        return CHOICE_LABELS.get(str(value), str(value))
    if unit == "integer":
        return str(value)
    if unit in ("money", "per share", "%") or value is None:
        return format_kpi(value if value is None else float(value), unit, money)
    return f"{format_cell(value, unit, money)} {unit_words(unit, money)}".strip()


# --------------------------------------------------------------------------- what a cell is


def projection_cell(_: WorkbenchController, key: Any, year: Any) -> Ref:
    return Ref("line", str(key), int(year))


def driver_cell(_: WorkbenchController, key: Any, year: Any) -> Ref:
    return Ref("drivers", str(key), int(year))


def history_cell(_: WorkbenchController, name: Any, year: Any) -> Ref:
    return Ref("history", str(name), int(year))


def class_cell(_: WorkbenchController, name: Any, __: Any) -> Ref:
    return Ref("asset_classes", str(name))


def setting_cell(_: WorkbenchController, key: Any, __: Any) -> Ref:
    return Ref("settings", str(key))


def capex_cell(controller: WorkbenchController, name: Any, year: Any) -> Ref | None:
    """A class's capex in a year; the total row is the plan's capex, or the follow-on after it."""
    if year == "Total":
        return None  # the plan total of a class is a sum the table makes, not a model number
    if name in controller.scenario_model["capex"]:
        return Ref("capex", str(name), int(year))
    plan_end = controller.model["base_year"] + int(controller.scenario_model["settings"]["plan_years"])
    return Ref("line", "capex_total" if int(year) <= plan_end else "follow_on_capex", int(year))


def class_renames(edit: Edit) -> list[RenameClass]:
    """The class renames an edit makes, in the order it makes them."""
    if isinstance(edit, RenameClass):
        return [edit]
    if isinstance(edit, EditBlock):
        return [rename for part in edit.edits for rename in class_renames(part)]
    return []


class ExplainPanel(QWidget):
    """The explanation of one number (or what depends on it, or the lines of a chart point)."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ExplainPanel")
        self.setStyleSheet(PANEL_STYLE)
        self._controller = controller
        self._context: Context | None = None
        self.current: tuple[Mode, Any] | None = None  # (mode, Ref) or ("chart", (chart, year))
        self.history: list[tuple[Mode, Any]] = []
        self.rows: list[Ref] = []
        self._stale = False

        self.back_button = QPushButton("◀ Back")
        self.back_button.setToolTip("Back to the number explained before (Alt+Left)")
        self.back_button.setShortcut(QKeySequence("Alt+Left"))
        self.back_button.clicked.connect(self.back)
        self.precedents_button = QPushButton("What feeds it")
        self.precedents_button.setToolTip("Its formula and the numbers that feed it (trace precedents, Ctrl+[)")
        self.precedents_button.clicked.connect(lambda: self._switch("precedents"))
        self.dependents_button = QPushButton("What it feeds")
        self.dependents_button.setToolTip("The lines and KPIs this number feeds directly (trace dependents, Ctrl+])")
        self.dependents_button.clicked.connect(lambda: self._switch("dependents"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.precedents_button)
        buttons.addWidget(self.dependents_button)

        self.title = QLabel()
        self.title.setObjectName("ExplainTitle")
        self.title.setWordWrap(True)
        self.value = QLabel()
        self.value.setObjectName("ExplainValue")
        self.value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.formula = QLabel()
        self.formula.setObjectName("ExplainFormula")
        self.formula.setWordWrap(True)
        self.formula.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table_caption = QLabel()
        self.table_caption.setObjectName("ExplainNote")
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["Number", "Value"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().setDefaultSectionSize(22)
        self.table.cellActivated.connect(self._open_row)
        self.table.cellClicked.connect(self._open_row)
        self.sources = QLabel()
        self.sources.setObjectName("ExplainSources")
        self.sources.setWordWrap(True)
        self.sources.setTextFormat(Qt.TextFormat.RichText)
        self.sources.setOpenExternalLinks(True)
        self.sources.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(buttons)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.formula)
        layout.addWidget(self.sources)
        layout.addWidget(self.table_caption)
        layout.addWidget(self.table, 1)
        # Takes the table's room when there is no table (an input), so the text stays at the top.
        self.filler = QWidget()
        self.filler.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        layout.addWidget(self.filler, 1)
        controller.edit_shown.connect(self._follow_renames)
        controller.results_changed.connect(self.refresh)
        controller.money_display_changed.connect(self.refresh)
        self.show_nothing()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.refresh()

    # ------------------------------------------------------------------ navigation

    @property
    def context(self) -> Context:
        """The model, scenario and results on screen (rebuilt after every change)."""
        if self._context is None:
            controller = self._controller
            self._context = Context(controller.model, controller.scenario, controller.results)
        return self._context

    def explain(self, ref: Ref) -> None:
        self._go(("precedents", ref))

    def trace_dependents(self, ref: Ref) -> None:
        self._go(("dependents", ref))

    def explain_chart_point(self, chart: ChartCard, year: int) -> None:
        self._go(("chart", (chart, year)))

    def back(self) -> None:
        if self.history:
            self.current = self.history.pop()
            self.refresh()

    def _go(self, target: tuple[Mode, Any]) -> None:
        if self.current is not None and self.current != target:
            self.history.append(self.current)
        self.current = target
        self.refresh()

    def _switch(self, mode: Mode) -> None:
        if self.current is not None and self.current[0] != "chart":
            self._go((mode, self.current[1]))

    def _open_row(self, row: int, _column: int = 0) -> None:
        if 0 <= row < len(self.rows):
            self.explain(self.rows[row])

    def _follow_renames(self, edit: Edit) -> None:
        """Keep the numbers shown and gone back to when their class is renamed (or the rename undone)."""
        renames = class_renames(edit)
        if not renames:
            return

        def renamed(target: tuple[Mode, Any]) -> tuple[Mode, Any]:
            mode, ref = target
            if mode == "chart" or ref.kind not in CLASS_KINDS:
                return target
            key = ref.key
            for rename in renames:  # in order: a block may rename A to B, then B to C
                key = rename.new if key == rename.old else key
            return mode, ref._replace(key=key)

        self.history = [renamed(target) for target in self.history]
        if self.current is not None:
            self.current = renamed(self.current)

    # ------------------------------------------------------------------ showing

    def refresh(self) -> None:
        """Show the current target again on the results on screen (after any change); while the
        panel is hidden, only once it is shown again (an edit should not pay for it)."""
        self._context = None
        if not self.isVisible():
            self._stale = True
            return
        self._stale = False
        self.back_button.setEnabled(bool(self.history))
        if self.current is None:
            self.show_nothing()
            return
        mode, target = self.current
        self.precedents_button.setEnabled(mode != "chart")
        self.dependents_button.setEnabled(mode != "chart")
        if mode == "chart":
            chart, year = target
            self._show_chart_point(chart, year)
            return
        try:
            explanation = explain(self.context, target)
        except ModelError as error:
            self._show_gone(target, error)
            return
        if mode == "precedents":
            self._show_precedents(explanation)
        else:
            self._show_dependents(explanation)

    def show_nothing(self) -> None:
        self.title.setText("Explain any number")
        self.value.setText("")
        self.formula.setText(
            "Select a KPI tile, a table cell or a point on a chart and press Ctrl+[ (or right-click › Explain) "
            "to see its formula and the numbers that feed it; Ctrl+] lists what a number feeds."
        )
        self.sources.setVisible(False)
        self._fill_table([], "")
        self.precedents_button.setEnabled(False)
        self.dependents_button.setEnabled(False)

    def _heading(self, explanation: Explanation) -> None:
        money, shown = self._controller.money, explanation.term
        scenario = self._controller.scenario
        self.title.setText(f"{shown.label}  ·  {scenario}")
        self.value.setText(shown_value(shown, money))

    def _show_precedents(self, explanation: Explanation) -> None:
        self._heading(explanation)
        # An input has no formula: its words say where it is typed in.
        formula = f"<b>=</b> {escape(explanation.formula)}" if explanation.words else escape(explanation.formula)
        money = self._controller.money
        values = with_values(explanation, lambda shown: shown_value(shown, money, bare=True))
        if values is not None:
            formula += f"<br><b>=</b> {escape(values)}"
        if explanation.reported is not None:
            formula += f"<br><i>Reported: {escape(shown_value(explanation.reported, self._controller.money))}</i>"
        self.formula.setText(formula)
        self._show_sources(explanation)
        self._fill_table(
            list(explanation.precedents),
            "What feeds it (click to explain that one):" if explanation.precedents else "",
        )

    def _show_dependents(self, explanation: Explanation) -> None:
        self._heading(explanation)
        self.formula.setText(f"<b>What depends on {escape(explanation.term.label)}</b>, directly:")
        self._show_sources(explanation)
        found = [term(self.context, ref) for ref in dependents(self.context, explanation.term.ref)]
        self._fill_table(found, f"{len(found)} numbers use it (click to explain one):" if found else "Nothing uses it.")

    def _show_chart_point(self, chart: ChartCard, year: int) -> None:
        self.title.setText(f"{chart.title.text()}  ·  FY{year}")
        self.value.setText("")
        self.formula.setText("The chart's numbers in this year: click one to explain it.")
        self.sources.setVisible(False)
        context = self.context
        self._fill_table([term(context, Ref("line", key, year)) for key in chart.readout_lines], "")

    def _show_gone(self, ref: Ref, error: ModelError) -> None:
        self.title.setText(f"{ref.key} FY{ref.year}" if ref.year is not None else ref.key)
        self.value.setText("")
        then = "Use Back, or explain another number" if self.history else "Explain another number (Ctrl+[)"
        self.formula.setText(f"No longer in the model ({escape(str(error))}). {then}.")
        self.precedents_button.setEnabled(False)
        self.dependents_button.setEnabled(False)
        self.sources.setVisible(False)
        self._fill_table([], "")

    def _show_sources(self, explanation: Explanation) -> None:
        ref = explanation.term.ref
        if not ref.is_input:
            self.sources.setVisible(False)
            return
        parts = []
        if explanation.overridden_by is not None:
            base = Context(self._controller.model, BASE_SCENARIO, self._controller.base_results)
            base_value = shown_value(term(base, ref), self._controller.money)
            parts.append(
                f"<b>{escape(explanation.overridden_by)}</b> overrides this input (Base: {escape(base_value)})."
            )
        for note in explanation.sources:
            text = f"<b>Source</b> <span style='color:#5b6270'>({escape(note.path)})</span>: {escape(note.text)}"
            if note.date:
                text += f" <i>({escape(note.date)})</i>"
            if note.url:
                text += f"<br><a href='{escape(note.url, quote=True)}'>{escape(note.url)}</a>"
            parts.append(text)
        if not explanation.sources:
            parts.append("No source recorded: the analyst's own input.")
        self.sources.setText("<br><br>".join(parts))
        self.sources.setVisible(True)

    def _fill_table(self, terms: list[Term], caption: str) -> None:
        money = self._controller.money
        self.rows = [shown.ref for shown in terms]
        self.table_caption.setText(caption)
        self.table_caption.setVisible(bool(caption))
        self.table.setRowCount(len(terms))
        for row, shown in enumerate(terms):
            label = QTableWidgetItem(("▸ " if shown.ref.is_input else "ƒ ") + shown.label)
            label.setToolTip(
                f"An input ({shown.ref.source_path}): click for its source"
                if shown.ref.is_input
                else "Computed: click for its formula"
            )
            value = QTableWidgetItem(shown_value(shown, money))
            value.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setToolTip(value.text())
            self.table.setItem(row, 0, label)
            self.table.setItem(row, 1, value)
        # Numbers fit; an asset class's fields in words are cut short (the tooltip has them all).
        self.table.resizeColumnToContents(1)
        self.table.setColumnWidth(1, min(self.table.columnWidth(1), VALUE_COLUMN_WIDTH))
        self.table.setVisible(bool(terms))
        self.filler.setVisible(not terms)


class ExplainDock(QDockWidget):
    """The panel as a dock of the main window, with the Explain (Ctrl+[) and Trace dependents
    (Ctrl+]) actions, which act on what has the focus: a KPI tile, a cell of a grid registered
    with ``add_view``, or a chart (the year under its cursor)."""

    def __init__(self, controller: WorkbenchController, window: QMainWindow) -> None:
        super().__init__("Explain", window)
        self.setObjectName("ExplainDock")
        self.panel = ExplainPanel(controller, self)
        self.setWidget(self.panel)
        self._controller = controller
        self._views: dict[SheetView, CellRef] = {}
        self.explain_action = QAction("E&xplain", self)
        self.explain_action.setShortcut(EXPLAIN_KEYS)
        self.explain_action.setStatusTip("Explain the selected number: its formula and what feeds it (Ctrl+[)")
        self.explain_action.triggered.connect(lambda: self.explain_focused("precedents"))
        self.dependents_action = QAction("Trace &Dependents", self)
        self.dependents_action.setShortcut(DEPENDENTS_KEYS)
        self.dependents_action.setStatusTip("List what the selected number feeds (Ctrl+])")
        self.dependents_action.triggered.connect(lambda: self.explain_focused("dependents"))
        window.addAction(self.explain_action)
        window.addAction(self.dependents_action)
        self.hide()

    @property
    def actions_for_menu(self) -> list[QAction]:
        return [self.explain_action, self.dependents_action]

    def add_view(self, view: SheetView, cell_ref: CellRef) -> None:
        """Let Ctrl+[ and Ctrl+] (and the view's context menu) explain the view's current cell."""
        self._views[view] = cell_ref
        for text, mode in (("Explain\tCtrl+[", "precedents"), ("Trace dependents\tCtrl+]", "dependents")):
            action = QAction(text, view)
            action.triggered.connect(lambda _=False, v=view, m=mode: self.open(m, self.cell_ref(v, v.currentIndex())))
            view.context_actions.append(action)

    def add_kpi_tiles(self, tiles: list[KpiTile]) -> None:
        """A click gives a tile the focus (so Ctrl+[ explains it); right-click offers Explain."""
        for tile in tiles:
            tile.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
            tile.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            for text, mode in (("Explain\tCtrl+[", "precedents"), ("Trace dependents\tCtrl+]", "dependents")):
                action = QAction(text, tile)
                action.triggered.connect(lambda _=False, t=tile, m=mode: self.open(m, self.tile_ref(t)))
                tile.addAction(action)

    def cell_ref(self, view: SheetView, index: QModelIndex) -> Ref | None:
        if not index.isValid():
            return None
        sheet = view.table_model.sheet
        return self._views[view](self._controller, sheet.row_keys[index.row()], sheet.column_keys[index.column()])

    def tile_ref(self, tile: KpiTile) -> Ref:
        spec = tile.spec
        if spec.source == "kpi":
            return Ref("kpi", spec.key)
        return Ref("line", spec.key, self._controller.results.years[-1])

    def explain_focused(self, mode: Mode) -> bool:
        """Explain (or trace) what has the focus; a status message when nothing explainable has."""
        widget = QApplication.focusWidget()
        while widget is not None:
            if widget is self.panel.table:  # the panel's own rows, as a chain of Ctrl+[ presses
                row = self.panel.table.currentRow()
                return self.open(mode, self.panel.rows[row] if 0 <= row < len(self.panel.rows) else None)
            if isinstance(widget, SheetView) and widget in self._views:
                return self.open(mode, self.cell_ref(widget, widget.currentIndex()))
            if isinstance(widget, KpiTile):
                return self.open(mode, self.tile_ref(widget))
            if isinstance(widget, ChartCard):
                return self.open_chart_point(widget)
            widget = widget.parentWidget()
        return self.open(mode, None)

    def open(self, mode: Mode, ref: Ref | None) -> bool:
        if ref is None:
            self._say("Select a KPI, a table cell or a chart point to explain (that cell is a sum the table makes).")
            return False
        self.show()
        self.raise_()
        if mode == "dependents":
            self.panel.trace_dependents(ref)
        else:
            self.panel.explain(ref)
        return True

    def open_chart_point(self, chart: ChartCard) -> bool:
        year = round(chart.cursor.value()) if chart.cursor.isVisible() else None
        if year is None or not chart.readout_lines:
            self._say("Point at a year on the chart, then press Ctrl+[ to explain its numbers.")
            return False
        self.show()
        self.raise_()
        self.panel.explain_chart_point(chart, year)
        return True

    def _say(self, message: str) -> None:
        window = self.parentWidget()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(message, 8000)


def install_explain(window: Any) -> ExplainDock:
    """Build the Explain dock on the right of the main window and register what it explains:
    the KPI tiles, every grid of inputs and projections, and the charts (through the focus)."""
    dock = ExplainDock(window.controller, window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    dock.add_kpi_tiles(list(window.kpi_strip.tiles.values()))
    for view, cell_ref in (
        (window.projections.view, projection_cell),
        (window.drivers_panel.view, driver_cell),
        (window.settings_panel.view, setting_cell),
        (window.capex_panel.capex_view, capex_cell),
        (window.capex_panel.history_view, history_cell),
        (window.capex_panel.class_view, class_cell),
    ):
        dock.add_view(view, cell_ref)
    return dock
