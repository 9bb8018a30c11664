"""The Risk tab: Monte Carlo, tornado, two-way grid, breakeven and the uncertain inputs.

Every number comes from ``model.risk``; this module only collects the analyst's choices, runs the
analyses and draws their results. The Monte Carlo run works on a ``QThread`` and stops between
chunks of trials when Cancel is pressed, so the window stays responsive; the tornado is cheap and
is recomputed on every change of the model.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

import numpy as np
import pandas as pd
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from model import ModelError
from model.edits import SetUncertainty
from model.outputs import KPIS
from model.risk import (
    FAN_PERCENTILES,
    STATISTICS,
    BreakevenResults,
    GridResults,
    MonteCarloResults,
    RunCancelled,
    Target,
    TornadoResults,
    breakeven,
    grid,
    monte_carlo,
    parse_axis,
    parse_goal,
    parse_range,
    target_paths,
    tornado,
    with_distribution,
)
from model.schema import APPLY_MODES, DISTRIBUTIONS, DRIVERS, MAX_TRIALS, SETTINGS
from ui.controller import WorkbenchController
from ui.formatting import MoneyDisplay, format_cell, format_kpi
from ui.grid_view import SheetView
from ui.on_screen import RefreshWhenShown
from ui.panels import section_label
from ui.risk_charts import ConvergenceChart, FanChart, HistogramChart, TornadoChart
from ui.table_model import DataFrameTableModel, Sheet
from ui.table_model import grid as cell_grid

PARAMETERS = ("mean", "sd", "mu", "sigma", "low", "mode", "high")
MAX_SEED = 2**31 - 1  # a spin box holds a signed 32-bit number
HEAT_BELOW, HEAT_ZERO, HEAT_ABOVE = QColor("#f8696b"), QColor("#ffffff"), QColor("#63be7b")
HEAT_FLOOR = 0.15  # the faintest tint, so that a cell just off the line still shows its side
BREAKEVEN_KPIS = ("npv", "irr", "payback_years", "moic", "profitability_index", "peak_funding")
NO_RUN = "Press Run to simulate"


def display(values: Any, unit: str, money: MoneyDisplay) -> np.ndarray:
    """Model values in the units charts show: money in the display currency, rates in percent."""
    values = np.asarray(values, dtype=float)
    return values / money.rate if unit == "money" else values * 100.0 if unit == "%" else values


def target_label(path: str) -> str:
    """What the analyst calls a target: ``drivers.price_change`` is "Price change per year"."""
    kind, _, key = path.partition(".")
    if kind == "settings":
        return SETTINGS[key].label
    if kind == "drivers":
        return DRIVERS[key].label
    return f"{kind.capitalize()}: {key}"


def target_unit(path: str, apply: str) -> str:
    """The unit a value of a target is written in: the target's own, a factor when it scales."""
    kind, _, key = path.partition(".")
    if apply == "scale":
        return "x"
    if kind == "settings":
        unit = SETTINGS[key].unit
        return unit if unit in ("%", "money", "RMB/USD") else "x"
    if kind == "drivers":
        return DRIVERS[key].unit
    return "money" if kind == "capex" else "years"


def value_text(value: float, unit: str) -> str:
    """A value of a target as it is typed in the grid and breakeven fields (``10%``, ``0.6``)."""
    return f"{value * 100:.6g}%" if unit == "%" else f"{value:.6g}"


# --------------------------------------------------------------------------- the uncertain inputs


def parameter_unit(entry: dict, parameter: str) -> str:
    """The unit a parameter is typed in: the target's own, a factor for lognormal's mu and sigma."""
    return "x" if parameter in ("mu", "sigma") else target_unit(entry["target"], entry["apply"])


def uncertainty_sheet(controller: WorkbenchController) -> Sheet:
    """The uncertain inputs as a grid: distribution, apply mode and the distribution's parameters."""
    model = controller.model
    section = model.get("uncertainty") or {"inputs": [], "correlations": []}
    entries = section["inputs"]
    columns = ["dist", "apply", *PARAMETERS]
    values = pd.DataFrame(
        [[e["dist"], e["apply"], *(e.get(p) for p in PARAMETERS)] for e in entries],
        index=[e["target"] for e in entries],
        columns=columns,
        dtype=object,
    )
    units = cell_grid(values, "choice")
    editable = cell_grid(values, False)
    choices = {}
    for row, entry in enumerate(entries):
        editable[row, :2] = True
        choices[(row, 0)], choices[(row, 1)] = list(DISTRIBUTIONS), list(APPLY_MODES)
        for col, parameter in enumerate(PARAMETERS, start=2):
            used = parameter in DISTRIBUTIONS[entry["dist"]]
            units[row, col] = parameter_unit(entry, parameter) if used else "text"
            editable[row, col] = used
            if not used:
                values.iat[row, col] = ""

    def edit_for(target: str, column: str, value: Any) -> SetUncertainty:
        changed = copy.deepcopy(controller.model["uncertainty"])
        row = [e["target"] for e in changed["inputs"]].index(target)
        entry = changed["inputs"][row]
        if column == "dist":
            try:
                entry = with_distribution(entry, value)
            except ModelError:
                # Left without parameters, the model layer refuses it with its own message.
                entry = {"target": target, "dist": value, "apply": entry["apply"]}
        else:
            entry[column] = value
        changed["inputs"][row] = entry
        return SetUncertainty(changed)

    return Sheet(
        values=values,
        units=units,
        row_labels=[target_label(e["target"]) for e in entries],
        column_labels=["Distribution", "Apply", *PARAMETERS],
        editable=editable,
        row_tooltips=list(values.index),
        edit_for=edit_for,
        choices=choices,
    )


# --------------------------------------------------------------------------- the Monte Carlo worker


class MonteCarloWorker(QObject):
    """Runs one Monte Carlo on its thread; ``cancel`` (any thread) stops it at the next chunk."""

    progressed = Signal(int, int)
    finished = Signal(object)
    cancelled = Signal()
    failed = Signal(str)

    def __init__(self, model: dict, scenario: str, trials: int, seed: int) -> None:
        super().__init__()
        self._args = (model, scenario, trials, seed)
        self._stop = threading.Event()

    def cancel(self) -> None:
        self._stop.set()

    def _progress(self, done: int, total: int) -> bool:
        self.progressed.emit(done, total)
        return not self._stop.is_set()

    @Slot()
    def run(self) -> None:
        model, scenario, trials, seed = self._args
        try:
            result = monte_carlo(model, scenario, trials=trials, seed=seed, progress=self._progress)
        except RunCancelled:
            self.cancelled.emit()
        except ModelError as error:
            self.failed.emit(str(error))
        else:
            self.finished.emit(result)


# --------------------------------------------------------------------------- the panel


class RiskPanel(QWidget):
    """The Risk tab (see the module docstring)."""

    run_finished = Signal()

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._thread: QThread | None = None
        self._worker: MonteCarloWorker | None = None
        self.last_run: MonteCarloResults | None = None
        self.last_tornado: TornadoResults | None = None
        self.last_grid: GridResults | None = None
        self.last_breakeven: BreakevenResults | None = None
        self._stale = False  # the model changed after the last run
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._build_monte_carlo(), "Monte Carlo")
        self.tabs.addTab(self._build_tornado(), "Tornado")
        self.tabs.addTab(self._build_grid(), "Two-way grid")
        self.tabs.addTab(self._build_breakeven(), "Breakeven")
        self.tabs.addTab(self._build_inputs(), "Uncertain inputs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)
        self.tornado_refresher = RefreshWhenShown(self.tornado_chart, self.refresh_tornado, stale=True)
        controller.results_changed.connect(self.tornado_refresher.request)
        controller.results_changed.connect(self._mark_stale)
        controller.money_display_changed.connect(self._redraw)
        controller.model_changed.connect(self._fill_defaults)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_run)
        self._fill_defaults()

    # ------------------------------------------------------------------ Monte Carlo

    def _build_monte_carlo(self) -> QWidget:
        page = QWidget()
        self.trials_field = QSpinBox()
        self.trials_field.setRange(1, MAX_TRIALS)
        self.trials_field.setSingleStep(1000)
        self.trials_field.setGroupSeparatorShown(True)
        self.seed_field = QSpinBox()
        self.seed_field.setRange(0, MAX_SEED)
        self.run_button = QPushButton("Run")
        self.run_button.setToolTip("Simulate the uncertain inputs (same seed, same numbers)")
        self.run_button.clicked.connect(self.run_monte_carlo)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setFormat("%p%")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_run)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Trials"))
        controls.addWidget(self.trials_field)
        controls.addWidget(QLabel("Seed"))
        controls.addWidget(self.seed_field)
        controls.addWidget(self.run_button)
        controls.addWidget(self.progress, 1)
        controls.addWidget(self.cancel_button)

        self.summary = QLabel("Press Run to simulate the uncertain inputs.")
        self.summary.setWordWrap(True)
        self.stats_model = DataFrameTableModel(self._stats_sheet(None), self._controller.money, None, self)
        self.stats_view = QTableView()
        self.stats_view.setModel(self.stats_model)
        self.stats_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.stats_view.verticalHeader().setDefaultSectionSize(20)
        self.stats_view.setFixedHeight(76)

        self.npv_histogram = HistogramChart("NPV distribution", "NPV")  # the currency joins it on a run
        self.irr_histogram = HistogramChart("IRR distribution", "IRR (%)")
        self.revenue_fan = FanChart("Total revenue", "")
        self.margin_fan = FanChart("EBITA margin", "%")
        self.fcf_fan = FanChart("Plan free cash flow", "")
        self.convergence = ConvergenceChart()
        chart_area = QWidget()
        charts = QGridLayout(chart_area)
        charts.setContentsMargins(0, 0, 0, 0)
        for position, chart in enumerate(
            (self.npv_histogram, self.irr_histogram, self.revenue_fan, self.margin_fan, self.fcf_fan, self.convergence)
        ):
            chart.show_empty(NO_RUN)
            charts.addWidget(chart, position // 2, position % 2)
        # In a small window the charts scroll rather than shrink until their notes overlap them.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(chart_area)

        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(self.summary)
        layout.addWidget(self.stats_view)
        layout.addWidget(scroll, 1)
        return page

    def _stats_sheet(self, run: MonteCarloResults | None) -> Sheet:
        money = self._controller.money
        table = (
            run.statistics if run is not None else pd.DataFrame(np.nan, index=["npv", "irr"], columns=list(STATISTICS))
        )
        units = np.array([["money"] * len(STATISTICS), ["%"] * len(STATISTICS)], dtype=object)
        return Sheet(
            values=table.astype(object),
            units=units,
            row_labels=[f"NPV ({money.label})", "IRR"],
            column_labels=list(STATISTICS),
        )

    @property
    def is_running(self) -> bool:
        return self._thread is not None

    def run_monte_carlo(self) -> bool:
        """Start a run with the trials and seed in the fields; False if one is running or impossible."""
        if self.is_running:
            return False
        section = self._controller.model.get("uncertainty")
        if not section or not section["inputs"]:
            self.summary.setText("This model has no uncertain inputs: add an uncertainty section to simulate it.")
            return False
        worker = MonteCarloWorker(
            self._controller.model, self._controller.scenario, self.trials_field.value(), self.seed_field.value()
        )
        # The thread belongs to the application, so closing the window never destroys it mid-run.
        thread = QThread(QCoreApplication.instance())
        worker.moveToThread(thread)
        thread.started.connect(worker.run)
        worker.progressed.connect(self._progressed)
        worker.finished.connect(self._finished)
        worker.cancelled.connect(self._cancelled)
        worker.failed.connect(self._failed)
        for signal in (worker.finished, worker.cancelled, worker.failed):
            signal.connect(thread.quit)
        thread.finished.connect(self._thread_done)
        self._thread, self._worker = thread, worker
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.summary.setText(f"Running {self.trials_field.value():,} trials…")
        thread.start()
        return True

    def cancel_run(self) -> None:
        if self._worker is not None:
            self._worker.cancel()

    def stop_run(self) -> None:
        """Cancel a run and wait for its thread (the application is closing)."""
        thread = self._thread
        self.cancel_run()
        if thread is not None:
            thread.wait()

    @Slot(int, int)
    def _progressed(self, done: int, total: int) -> None:
        self.progress.setValue(round(100 * done / total))

    @Slot(object)
    def _finished(self, run: MonteCarloResults) -> None:
        self.last_run = run
        self._stale = False
        self._draw_run()
        self.run_finished.emit()

    @Slot()
    def _cancelled(self) -> None:
        self.progress.setValue(0)
        self.summary.setText("Cancelled; nothing was reported. " + self._run_note())

    @Slot(str)
    def _failed(self, message: str) -> None:
        self.summary.setText(f"The run stopped: {message}")

    @Slot()
    def _thread_done(self) -> None:
        # ``finished`` is queued to us while the thread may still be unwinding: wait before
        # freeing it. The worker, which has no parent, goes with its last Python reference.
        if self._thread is not None:
            self._thread.wait()
            self._thread.deleteLater()
        self._thread = self._worker = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _run_note(self) -> str:
        return "" if self.last_run is None else "The charts show the previous run."

    def _mark_stale(self) -> None:
        if self.last_run is not None and not self.is_running:
            self._stale = True
            self._draw_summary()

    def _draw_summary(self) -> None:
        run = self.last_run
        if run is None:
            return
        parts = [
            f"P(NPV > 0) = {format_cell(run.prob_npv_positive, '%', self._controller.money)}",
            f"P(IRR > WACC) = {format_cell(run.prob_irr_above_wacc, '%', self._controller.money)}",
            f"{run.trials:,} trials ({run.sampler}, seed {run.seed})",
            f"{run.invalid_trials:,} left out for breaking a model rule",
        ]
        if run.trials_without_irr:
            parts.append(f"{run.trials_without_irr:,} without an IRR")
        text = "   ·   ".join(parts)
        if self._stale:
            text += "   (the model has changed since this run: Run again)"
        self.summary.setText(text)

    def _draw_run(self) -> None:
        run = self.last_run
        if run is None:
            return
        money = self._controller.money
        self._draw_summary()
        self.stats_model.set_sheet(self._stats_sheet(run), money)
        npv, irr = run.samples["npv"].to_numpy(), run.samples["irr"].to_numpy()
        stats = run.statistics
        npv_markers = {p: display(stats.loc["npv", p], "money", money) for p in ("p5", "p50", "p95")}
        irr_markers = {p: display(stats.loc["irr", p], "%", money) for p in ("p5", "p50", "p95")}
        self.npv_histogram.plot.setLabel("bottom", f"NPV ({money.label})")
        self.npv_histogram.draw(
            display(npv, "money", money),
            npv_markers,
            0.0,
            f"p5 {format_cell(stats.loc['npv', 'p5'], 'money', money)} · p50 "
            f"{format_cell(stats.loc['npv', 'p50'], 'money', money)} · p95 "
            f"{format_cell(stats.loc['npv', 'p95'], 'money', money)} · red: NPV = 0 · "
            f"P(NPV > 0) = {format_cell(run.prob_npv_positive, '%', money)}",
        )
        wacc = self._controller.scenario_model["settings"]["wacc"]
        self.irr_histogram.draw(
            display(irr, "%", money),
            irr_markers,
            wacc * 100.0,
            f"p5 {format_cell(stats.loc['irr', 'p5'], '%', money)} · p50 "
            f"{format_cell(stats.loc['irr', 'p50'], '%', money)} · p95 "
            f"{format_cell(stats.loc['irr', 'p95'], '%', money)} · red: WACC · "
            f"P(IRR > WACC) = {format_cell(run.prob_irr_above_wacc, '%', money)}",
        )
        results = self._controller.results
        for chart, line, unit, label in (
            (self.revenue_fan, "total_revenue", "money", money.label),
            (self.margin_fan, "ebita_margin", "%", "%"),
            (self.fcf_fan, "fcf", "money", money.label),
        ):
            fan = run.fans[line]
            p10, p50, p90 = (display(fan.loc[p], unit, money) for p in FAN_PERCENTILES)
            chart.plot.setLabel("left", label)
            chart.draw(list(fan.columns), p10, p50, p90, display(results.line(line), unit, money))
        convergence = run.convergence
        self.convergence.draw(
            convergence["trials"],
            display(convergence["mean"], "money", money),
            display(convergence["p50"], "money", money),
            f"NPV ({money.label})",
        )

    # ------------------------------------------------------------------ tornado

    def _build_tornado(self) -> QWidget:
        page = QWidget()
        self.tornado_chart = TornadoChart()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tornado_chart, 1)
        return page

    def refresh_tornado(self) -> None:
        controller = self._controller
        money = controller.money
        try:
            result = tornado(controller.model, controller.scenario)
        except ModelError as error:
            self.tornado_chart.note.setText(str(error))
            return
        self.last_tornado = result
        table = result.table
        ends = "its P10 and P90" if result.basis == "P10/P90" else "0.9× and 1.1× its value"
        self.tornado_chart.plot_widget.setToolTip("\n".join(f"{target_label(p)}: {p}" for p in table["target"]))
        self.tornado_chart.draw(
            [target_label(path) for path in table["target"]],
            float(display(result.base_npv, "money", money)),
            display(table["npv_low"], "money", money),
            display(table["npv_high"], "money", money),
            f"NPV ({money.label})",
            f"Each input alone at {ends}; red: NPV at the low end, green: at the high end; "
            f"line: base NPV {format_kpi(result.base_npv, 'money', money)}. Largest swing on top.",
        )

    # ------------------------------------------------------------------ two-way grid

    def _build_grid(self) -> QWidget:
        page = QWidget()
        self.grid_x_target, self.grid_y_target = QComboBox(), QComboBox()
        self.grid_x_values, self.grid_y_values = QLineEdit(), QLineEdit()
        self.grid_metric = QComboBox()
        self.grid_metric.addItems(["npv", "irr"])
        self.grid_button = QPushButton("Compute grid")
        self.grid_button.clicked.connect(self.compute_grid)
        self.grid_message = QLabel(
            "Values as 10% or 0.10; drivers shift every year (+1% adds a point), capex scales (1.1 = +10%)."
        )
        self.grid_message.setWordWrap(True)
        self.grid_legend = QLabel()
        self.grid_legend.setWordWrap(True)
        form = QFormLayout()
        for label, combo, values in (
            ("Columns", self.grid_x_target, self.grid_x_values),
            ("Rows", self.grid_y_target, self.grid_y_values),
        ):
            row = QHBoxLayout()
            row.addWidget(combo, 2)
            row.addWidget(values, 3)
            form.addRow(label, row)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Show"))
        bottom.addWidget(self.grid_metric)
        bottom.addStretch(1)
        bottom.addWidget(self.grid_button)
        form.addRow(bottom)
        self.grid_table = QTableWidget()
        self.grid_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.grid_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addWidget(self.grid_message)
        layout.addWidget(self.grid_table, 1)
        layout.addWidget(self.grid_legend)
        return page

    def compute_grid(self) -> bool:
        controller = self._controller
        try:
            x = parse_axis(f"{self.grid_x_target.currentData()}={self.grid_x_values.text()}", "columns")
            y = parse_axis(f"{self.grid_y_target.currentData()}={self.grid_y_values.text()}", "rows")
            result = grid(controller.model, x, y, self.grid_metric.currentText(), controller.scenario)
        except ModelError as error:
            self.grid_message.setText(f"<span style='color:#c8453c'>{error}</span>")
            return False
        self.last_grid = result
        unit = "money" if result.metric == "npv" else "%"
        money = controller.money
        table = result.table
        self.grid_message.setText(
            f"{result.metric.upper()} ({money.label if unit == 'money' else '%'}) with {target_label(result.y.path)} "
            f"down and {target_label(result.x.path)} across; n/a breaks a model rule or has no IRR."
        )
        self.grid_table.setRowCount(len(table.index))
        self.grid_table.setColumnCount(len(table.columns))
        self.grid_table.setHorizontalHeaderLabels(axis_labels(table.columns, result.x, money))
        self.grid_table.setVerticalHeaderLabels(axis_labels(table.index, result.y, money))
        if result.metric == "npv":
            gaps = table.to_numpy()
            self.grid_legend.setText("Red: NPV below 0; green: above 0; the deeper the colour, the larger the amount.")
        else:
            gaps = table.to_numpy() - cell_waccs(result, controller.scenario_model["settings"]["wacc"])
            self.grid_legend.setText(
                "Red: IRR below the WACC (the cell's own where the grid moves it); green: above it; "
                "the deeper the colour, the further from the WACC."
            )
        finite = np.abs(gaps[np.isfinite(gaps)])
        scale = finite.max() if finite.size else 0.0
        for r in range(len(table.index)):
            for c in range(len(table.columns)):
                item = QTableWidgetItem(format_cell(table.iat[r, c], unit, money))
                item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
                if np.isfinite(gaps[r, c]):
                    item.setBackground(QBrush(heat_colour(gaps[r, c], scale)))
                self.grid_table.setItem(r, c, item)
        return True

    # ------------------------------------------------------------------ breakeven

    def _build_breakeven(self) -> QWidget:
        page = QWidget()
        self.breakeven_target = QComboBox()
        self.breakeven_goal = QComboBox()
        self.breakeven_goal.addItems(["NPV = 0", "IRR ="])
        self.breakeven_rate = QLineEdit("12%")
        self.breakeven_rate.setToolTip("The IRR to reach: 12% or 0.12")
        self.breakeven_rate.setEnabled(False)
        self.breakeven_goal.currentIndexChanged.connect(lambda index: self.breakeven_rate.setEnabled(index == 1))
        self.breakeven_range = QLineEdit()
        self.breakeven_range.setPlaceholderText("LO,HI (30%,90% or 0.3,0.9)")
        self.breakeven_button = QPushButton("Find")
        self.breakeven_button.clicked.connect(self.find_breakeven)
        goal = QHBoxLayout()
        goal.addWidget(self.breakeven_goal)
        goal.addWidget(self.breakeven_rate)
        form = QFormLayout()
        form.addRow("Input", self.breakeven_target)
        form.addRow("Goal", goal)
        form.addRow("Search range", self.breakeven_range)
        form.addRow(self.breakeven_button)
        self.breakeven_answer = QLabel("Pick an input, a goal and a range, then Find.")
        self.breakeven_answer.setObjectName("SectionLabel")
        self.breakeven_answer.setWordWrap(True)
        self.breakeven_kpis = QLabel()
        self.breakeven_kpis.setWordWrap(True)
        self.breakeven_kpis.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addWidget(self.breakeven_answer)
        layout.addWidget(self.breakeven_kpis)
        layout.addStretch(1)
        return page

    def find_breakeven(self) -> bool:
        controller = self._controller
        money = controller.money
        metric = "npv" if self.breakeven_goal.currentIndex() == 0 else "irr"
        try:
            goal = 0.0 if metric == "npv" else parse_goal(f"irr={self.breakeven_rate.text()}")[1]
            low, high = parse_range(self.breakeven_range.text())
            result = breakeven(
                controller.model, self.breakeven_target.currentData(), metric, goal, low, high, controller.scenario
            )
        except ModelError as error:
            self.breakeven_answer.setText(f"<span style='color:#c8453c'>{error}</span>")
            self.breakeven_kpis.clear()
            return False
        self.last_breakeven = result
        label, unit = target_label(result.target.path), target_unit(result.target.path, result.target.apply)
        if result.value is None:
            self.breakeven_answer.setText(
                f"{label}: {result.message} ({value_text(low, unit)} to {value_text(high, unit)})."
            )
            self.breakeven_kpis.clear()
            return True
        goal_text = "NPV = 0" if metric == "npv" else f"IRR = {format_cell(goal, '%', money)}"
        self.breakeven_answer.setText(f"{label} = {value_text(result.value, unit)} gives {goal_text}.")
        rows = "".join(
            f"<tr><td>{KPIS[key].label}</td><td align='right'>&nbsp;&nbsp;"
            f"{format_kpi(tidy(result.kpis[key]), KPIS[key].unit, money)}</td></tr>"
            for key in BREAKEVEN_KPIS
        )
        self.breakeven_kpis.setText(f"<p>The model at that value:</p><table>{rows}</table>")
        return True

    # ------------------------------------------------------------------ uncertain inputs

    def _build_inputs(self) -> QWidget:
        page = QWidget()
        self.inputs_view = SheetView(self._controller, uncertainty_sheet)
        header = self.inputs_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column in (0, 1):  # the distribution and apply choices: as wide as their header and names
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # A parameter keeps room for "-10.0%"; in a narrow window the table scrolls instead.
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance("-10.0%") + 12)
        self.inputs_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.correlations = QLabel()
        self.correlations.setWordWrap(True)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(section_label("Uncertain inputs (MODEL.md section 8); edits are undoable (Ctrl+Z)"))
        layout.addWidget(self.inputs_view, 1)
        layout.addWidget(self.correlations)
        return page

    # ------------------------------------------------------------------ shared

    def _fill_defaults(self) -> None:
        """Targets of the current model in the pickers, and starting values the first time."""
        model = self._controller.model
        paths = target_paths(model)
        for combo in (self.grid_x_target, self.grid_y_target, self.breakeven_target):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            for path in paths:
                combo.addItem(target_label(path), path)
                combo.setItemData(combo.count() - 1, path, Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(combo.findData(current))
            combo.blockSignals(False)
        settings = model["settings"]
        if not self.grid_x_values.text():
            self.grid_x_target.setCurrentIndex(self.grid_x_target.findData("settings.wacc"))
            waccs = (settings["wacc"] + d for d in (-0.02, -0.01, 0, 0.01, 0.02))
            self.grid_x_values.setText(",".join(value_text(round(v, 10), "%") for v in waccs))
            self.grid_y_target.setCurrentIndex(self.grid_y_target.findData("settings.ai_revenue_yield"))
            yields = (settings["ai_revenue_yield"] * f for f in (0.8, 0.9, 1.0, 1.1, 1.2))
            self.grid_y_values.setText(",".join(f"{v:.4g}" for v in yields))
        if not self.breakeven_range.text():
            self.breakeven_target.setCurrentIndex(self.breakeven_target.findData("settings.ai_revenue_yield"))
            self.breakeven_range.setText(
                f"{settings['ai_revenue_yield'] * 0.5:.4g},{settings['ai_revenue_yield'] * 1.5:.4g}"
            )
        section = model.get("uncertainty")
        if section:
            if not self.is_running:
                self.trials_field.setValue(section["trials"])
                self.seed_field.setValue(min(section["seed"], MAX_SEED))
            pairs = [f"{target_label(a)} ~ {target_label(b)}: {rho:+.2f}" for a, b, rho in section["correlations"]]
            self.correlations.setText("Rank correlations (Iman–Conover): " + ("; ".join(pairs) if pairs else "none"))
        else:
            self.correlations.setText("This model has no uncertainty section: the tornado moves every input ±10%.")

    def _redraw(self) -> None:
        self.tornado_refresher.request()
        self._draw_run()


def tidy(value: float | None) -> float | None:
    """Rounding noise of a root finder (an NPV of -4e-14) shown as the zero it is."""
    return 0.0 if value is not None and abs(value) < 1e-9 else value


def axis_labels(values: pd.Index, target: Target, money: MoneyDisplay) -> list[str]:
    """A grid's row or column headers: percentage targets as percentages, as the tables show them."""
    if target_unit(target.path, target.apply) == "%":
        return [format_cell(v, "%", money) for v in values]
    return [f"{v:.4g}" for v in values]


def cell_waccs(result: GridResults, wacc: float) -> np.ndarray:
    """The WACC each cell of a grid is judged against: the scenario's, or the cell's own where the
    grid sets the WACC (an IRR above the base WACC may still fall short of a higher one)."""
    waccs = np.full(result.table.shape, wacc)
    if result.x.path == "settings.wacc":
        waccs[:] = result.table.columns.to_numpy()[None, :]
    if result.y.path == "settings.wacc":
        waccs[:] = result.table.index.to_numpy()[:, None]
    return waccs


def heat_colour(gap: float, scale: float) -> QColor:
    """Red below the line (gap < 0), green above, deeper as ``|gap|`` nears ``scale``, white on it."""
    end = HEAT_BELOW if gap < 0 else HEAT_ABOVE
    t = 0.0 if gap == 0 or scale <= 0 else HEAT_FLOOR + (1 - HEAT_FLOOR) * min(abs(gap) / scale, 1.0)
    return QColor(
        round(HEAT_ZERO.red() + (end.red() - HEAT_ZERO.red()) * t),
        round(HEAT_ZERO.green() + (end.green() - HEAT_ZERO.green()) * t),
        round(HEAT_ZERO.blue() + (end.blue() - HEAT_ZERO.blue()) * t),
    )
