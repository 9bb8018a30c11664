"""The Monte Carlo page: trials and seed, a run on a worker thread, its statistics and charts.

The run works on a ``QThread`` and stops between chunks of trials when Cancel is pressed, so the
window stays responsive.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QCoreApplication, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from model import Results
from model.outputs import KPIS
from model.risk import FAN_PERCENTILES, STATISTICS, MonteCarloResults, monte_carlo
from model.schema import MAX_TRIALS
from ui.controller import WorkbenchController
from ui.formatting import format_cell
from ui.risk.charts import ConvergenceChart, FanChart, HistogramChart, trials_text
from ui.table_model import Sheet, SheetTableModel
from ui.worker import CancellableWorker, WorkerThread

# The model's seed range (uncertainty.seed). A QSpinBox stops at 2**31 - 1 and a larger seed in a
# file was run as that silently; a double spin box with no decimals holds every seed exactly.
MAX_SEED = 2**32 - 1
NO_RUN = "Press Run to simulate"
STATISTICS_KPIS = ("npv", "irr")  # the rows of the statistics table
FAN_LINES = ("total_revenue", "ebita_margin", "fcf")
MARKERS = ("p5", "p50", "p95")


def _by_rule(counts: dict[str, int]) -> str:
    """How many trials each rule left out, as " (254: the calibration of ...; 3: ...)"."""
    return f" ({'; '.join(f'{count:,}: {rule}' for rule, count in counts.items())})" if counts else ""


class MonteCarloWorker(CancellableWorker):
    """Runs one Monte Carlo on its thread; ``cancel`` stops it at the next chunk of trials."""

    what = "the Monte Carlo run"

    def __init__(self, model: dict, scenario: str, trials: int, seed: int) -> None:
        super().__init__()
        self._args = (model, scenario, trials, seed)

    def work(self) -> MonteCarloResults:
        model, scenario, trials, seed = self._args
        return monte_carlo(model, scenario, trials=trials, seed=seed, progress=self.progress)


class MonteCarloPage(QWidget):
    """Runs the Monte Carlo and shows its last run, marked as out of date once the model changes."""

    run_finished = Signal()

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._thread: QThread | None = None
        self._worker: MonteCarloWorker | None = None
        self.last_run: MonteCarloResults | None = None
        self._stale = False  # the model changed after the last run
        self._run_outdated = False  # the model changed while the run in progress was computing
        # The model as entered when a run started (its results and WACC): the run's charts are
        # drawn against it, whatever was edited or switched since.
        self._starting: tuple[Results, float] | None = None
        self._entered: tuple[Results, float] | None = None
        self.trials_field = QSpinBox()
        self.trials_field.setRange(1, MAX_TRIALS)
        self.trials_field.setSingleStep(1000)
        self.trials_field.setGroupSeparatorShown(True)
        self.seed_field = QDoubleSpinBox()
        self.seed_field.setDecimals(0)
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
        self.stats_model = SheetTableModel(self._stats_sheet(None), controller.money, None, self)
        self.stats_view = QTableView()
        self.stats_view.setModel(self.stats_model)
        self.stats_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.stats_view.verticalHeader().setDefaultSectionSize(20)
        self.stats_view.setFixedHeight(76)

        self.npv_histogram = HistogramChart("npv")
        self.irr_histogram = HistogramChart("irr")
        self.revenue_fan, self.margin_fan, self.fcf_fan = (FanChart(line) for line in FAN_LINES)
        self.convergence = ConvergenceChart()
        chart_area = QWidget()
        charts = QGridLayout(chart_area)
        charts.setContentsMargins(0, 0, 0, 0)
        for position, chart in enumerate(self.charts):
            chart.show_empty(NO_RUN)
            charts.addWidget(chart, position // 2, position % 2)
        # In a small window the charts scroll rather than shrink until their notes overlap them.
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(chart_area)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(controls)
        layout.addWidget(self.summary)
        layout.addWidget(self.stats_view)
        layout.addWidget(scroll, 1)

        controller.results_changed.connect(self._mark_stale)
        controller.money_display_changed.connect(self._draw_run)
        controller.model_changed.connect(self.fill_defaults)
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop_run)
        self.fill_defaults()

    @property
    def charts(self) -> tuple[HistogramChart | FanChart | ConvergenceChart, ...]:
        return (
            self.npv_histogram,
            self.irr_histogram,
            self.revenue_fan,
            self.margin_fan,
            self.fcf_fan,
            self.convergence,
        )

    def fill_defaults(self) -> None:
        """The trials and seed of the model's uncertainty section, unless a run is using them."""
        section = self._controller.model.get("uncertainty")
        if section and not self.is_running:
            self.trials_field.setValue(section["trials"])
            self.seed_field.setValue(section["seed"])

    def _stats_sheet(self, run: MonteCarloResults | None) -> Sheet:
        money = self._controller.money
        table = (
            run.statistics.loc[list(STATISTICS_KPIS), list(STATISTICS)].to_numpy()
            if run is not None
            else np.full((len(STATISTICS_KPIS), len(STATISTICS)), np.nan)
        )
        units = np.array([[KPIS[key].unit.value] * len(STATISTICS) for key in STATISTICS_KPIS], dtype=object)
        return Sheet(
            cells=table.astype(object),
            row_keys=list(STATISTICS_KPIS),
            column_keys=list(STATISTICS),
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
            self.summary.setText(
                "This model has no uncertain inputs: add one on the Uncertain inputs page (Add input…) to simulate it."
            )
            return False
        worker = MonteCarloWorker(
            self._controller.model, self._controller.scenario, self.trials_field.value(), int(self.seed_field.value())
        )
        thread = WorkerThread(worker)
        worker.progressed.connect(self._progressed)
        worker.finished.connect(self._finished)
        worker.cancelled.connect(self._cancelled)
        worker.failed.connect(self._failed)
        thread.finished.connect(self._thread_done)
        self._thread, self._worker = thread, worker
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self.summary.setText(f"Running {trials_text(self.trials_field.value())}…")
        self._run_outdated = False
        self._starting = (self._controller.results, self._controller.scenario_model["settings"]["wacc"])
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
        self.last_run, self._entered = run, self._starting
        self._stale = self._run_outdated  # it computed the model as it was when it started
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
        if self.is_running:
            self._run_outdated = True
        if self.last_run is not None:
            self._stale = True
            if not self.is_running:  # the summary says "Running…" until the run ends
                self._draw_summary()

    def _draw_summary(self) -> None:
        run = self.last_run
        if run is None:
            return
        parts = [
            f"P(NPV > 0) = {format_cell(run.prob_npv_positive, '%', self._controller.money)}",
            f"P(IRR > WACC) = {format_cell(run.prob_irr_above_wacc, '%', self._controller.money)}",
            f"{trials_text(run.trials)} ({run.sampler}, seed {run.seed})",
            f"{run.invalid_trials:,} left out for breaking a model rule" + _by_rule(run.invalid_by_rule),
        ]
        if run.trials_without_irr:
            parts.append(f"{run.trials_without_irr:,} without an IRR")
        text = "   ·   ".join(parts)
        if self._stale:
            text += "   (the model has changed since this run: Run again)"
        self.summary.setText(text)

    def _draw_run(self) -> None:
        run, entered = self.last_run, self._entered
        if run is None or entered is None:
            return
        results, wacc = entered
        money = self._controller.money
        self._draw_summary()
        self.stats_model.set_sheet(self._stats_sheet(run), money)
        stats = run.statistics
        for chart, key, line_name, probability in (
            (self.npv_histogram, "npv", "NPV = 0", f"P(NPV > 0) = {format_cell(run.prob_npv_positive, '%', money)}"),
            (self.irr_histogram, "irr", "WACC", f"P(IRR > WACC) = {format_cell(run.prob_irr_above_wacc, '%', money)}"),
        ):
            unit = KPIS[key].unit
            markers = " · ".join(f"{p} {format_cell(stats.loc[key, p], unit, money)}" for p in MARKERS)
            reference = 0.0 if key == "npv" else wacc
            chart.draw(
                run.samples[key].to_numpy(),
                {p: stats.loc[key, p] for p in MARKERS},
                reference,
                f"{markers} · red: {line_name} · {probability}",
                money,
            )
        for chart, line in zip((self.revenue_fan, self.margin_fan, self.fcf_fan), FAN_LINES, strict=True):
            fan = run.fans[line]
            p10, p50, p90 = (fan.loc[p] for p in FAN_PERCENTILES)
            chart.draw(list(fan.columns), p10, p50, p90, results.line(line), money)
        convergence = run.convergence
        self.convergence.draw(convergence["trials"], convergence["mean"], convergence["p50"], money)
