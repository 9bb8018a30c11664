"""File > Export to Excel on a worker thread: the model's sheets and the analyses on screen.

The workbook is built in memory on a ``QThread`` while the window stays responsive; a progress
dialog appears when the export takes longer than half a second, and its Cancel abandons the
result. The file is written on the GUI thread once the worker is done (atomically, so it is there
whole or not at all), which is also where a failure becomes a message: nothing on the worker
touches a widget.

What goes in is what the analyst sees: the last Monte Carlo, grid and breakeven as they were run,
unless the model or the scenario changed after they were run (then they are left out and the
status bar says so: their figures would not be of the exported model), and the tornado and the
bridge the Risk and Bridge tabs show, recomputed for the model as it is now (they follow every
edit on screen and take milliseconds). An analysis never run has no sheet.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from model import ModelError
from model.risk import BridgeResults, bridge, tornado
from model.risk.analysis import Result
from model.validation import Model
from ui.bridge import BridgePage
from ui.controller import WorkbenchController
from ui.risk.panel import RiskPanel
from ui.worker import CancellableWorker, WorkerThread

SHOW_PROGRESS_AFTER_MS = 500
ANALYSIS_NAMES = {
    "montecarlo": "Monte Carlo",
    "tornado": "tornado",
    "grid": "two-way grid",
    "breakeven": "breakeven",
    "bridge": "bridge",
}


@dataclass(frozen=True)
class BridgeChoice:
    """The bridge the Bridge tab shows: its metric, its two scenarios, and the file of the to
    state (``against`` None: the current model)."""

    metric: str
    from_scenario: str
    to_scenario: str
    against: Model | None = None
    against_name: str = ""


@dataclass(frozen=True)
class ExportJob:
    """Everything the worker needs, taken on the GUI thread: the model and scenario, the runs to
    write as they are, and whether to compute the tornado and which bridge."""

    model: Model
    scenario: str
    runs: dict[str, Result]
    with_tornado: bool = False
    bridge: BridgeChoice | None = None


def behind_note(job: ExportJob, model: Model) -> str:
    """What the status bar adds when ``model`` (the one on screen as the export ends) is no longer
    the job's: the workbook is the model as it was when Export was chosen (an undone edit is no change)."""
    if model == job.model:
        return ""
    return "; it holds the model as it was when Export was chosen: later edits are not in it"


def analyses(job: ExportJob) -> dict[str, Result]:
    """The job's runs with the tornado and the bridge computed for its model; one the model layer
    refuses is left out, as the tab shows a message instead of it."""
    runs = dict(job.runs)
    if job.with_tornado:
        with contextlib.suppress(ModelError):
            runs["tornado"] = tornado(job.model, job.scenario)
    choice = job.bridge
    if choice is not None:
        try:
            result: BridgeResults = bridge(
                job.model, choice.metric, choice.from_scenario, choice.to_scenario, choice.against
            )
        except ModelError:
            pass
        else:
            if choice.against is not None:
                result = replace(result, end_name=f"{result.end_name} of {choice.against_name}")
            runs["bridge"] = result
    return runs


class AnalysesOnScreen(QObject):
    """What the Risk and Bridge tabs show, as an export job. It remembers the runs made before the
    model or the scenario last changed (a Monte Carlo still running then included): those are
    left out of the workbook and named."""

    def __init__(
        self, controller: WorkbenchController, risk: RiskPanel, bridge_page: BridgePage, parent: QObject
    ) -> None:
        super().__init__(parent)
        self._controller, self._risk, self._bridge_page = controller, risk, bridge_page
        self._outdated: list[Result] = []
        self._running_outdated = False  # the model changed while a Monte Carlo was running
        controller.results_changed.connect(self._outdate_runs)
        risk.run_finished.connect(self._monte_carlo_finished)

    def _runs(self) -> dict[str, Result | None]:
        risk = self._risk
        if not risk.is_built:  # a Risk tab never opened has run nothing
            return {}
        return {
            "montecarlo": risk.monte_carlo_page.last_run,
            "grid": risk.grid_page.last_grid,
            "breakeven": risk.breakeven_page.last_breakeven,
        }

    def _outdate_runs(self) -> None:
        self._outdated = [run for run in self._runs().values() if run is not None]
        self._running_outdated = self._risk.is_built and self._risk.monte_carlo_page.is_running

    def _monte_carlo_finished(self) -> None:
        """A run started before the last change computed the model as it was then."""
        run = self._risk.monte_carlo_page.last_run
        if self._running_outdated and run is not None:
            self._outdated.append(run)
        self._running_outdated = False

    def export_job(self) -> tuple[ExportJob, list[str]]:
        """The job of exporting the current model and scenario with the analyses on screen, and
        the names of the runs left out because the model or scenario changed after them."""
        runs: dict[str, Result] = {}
        left_out = []
        for name, result in self._runs().items():
            if result is None:
                continue
            if any(result is outdated for outdated in self._outdated):
                left_out.append(ANALYSIS_NAMES[name])
            else:
                runs[name] = result
        page, choice = self._bridge_page, None
        start, end = page.from_state, page.to_state
        if page.last_bridge is not None and start is not None and end is not None:
            against = page.against if end.file is not None else None
            choice = BridgeChoice(page.metric, start.scenario, end.scenario, against, end.file or "")
        with_tornado = self._risk.is_built and self._risk.tornado_page.last_tornado is not None
        controller = self._controller
        return ExportJob(controller.model, controller.scenario, runs, with_tornado, choice), left_out


class ExportWorker(CancellableWorker):
    """Builds one workbook in memory on its thread; ``finished`` carries its bytes and the names
    of the analyses in it."""

    what = "this workbook"

    def __init__(self, job: ExportJob) -> None:
        super().__init__()
        self._job = job

    def work(self) -> tuple[bytes, list[str]]:
        # Imported here, on the worker: openpyxl and XlsxWriter would slow the window's start-up.
        from model.workbook import analysis_sheets, workbook_bytes

        job = self._job
        runs = analyses(job)
        data = workbook_bytes(job.model, job.scenario, analysis_sheets(runs, self.progress))
        return data, [name for name in ANALYSIS_NAMES if name in runs]


class ExportRun(QObject):
    """One export in progress: the worker, its thread and the progress dialog. ``done`` carries
    the workbook's bytes (None when it was cancelled or failed), the failure's message ("" if none)
    and the names of the analyses in the workbook."""

    done = Signal(object, str, list)

    def __init__(self, job: ExportJob, file_name: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.worker = ExportWorker(job)
        self.thread = WorkerThread(self.worker)
        self.cancelled = False
        self.dialog = QProgressDialog(f"Writing {file_name} ({job.scenario})…", "Cancel", 0, 0, parent)
        self.dialog.setWindowTitle("Export to Excel")
        self.dialog.setMinimumWidth(360)
        # Not modal: the window stays in use while the workbook is built (and a modal dialog's
        # setValue would process events inside the progress slot).
        self.dialog.setWindowModality(Qt.WindowModality.NonModal)
        self.dialog.setMinimumDuration(SHOW_PROGRESS_AFTER_MS)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.canceled.connect(self.cancel)
        self.worker.progressed.connect(self._progressed)
        self.worker.finished.connect(self._finished)
        self.worker.cancelled.connect(self._cancelled)
        self.worker.failed.connect(self._failed)
        self.thread.finished.connect(self._thread_done)

    def start(self) -> None:
        self.dialog.setValue(0)
        self.thread.start()

    def cancel(self) -> None:
        """Abandon the export: whatever the worker still delivers is dropped."""
        self.cancelled = True
        self.worker.cancel()

    def stop(self) -> None:
        """Cancel and wait for the thread (the application is closing)."""
        self.cancel()
        self.thread.wait()

    @Slot(int, int)
    def _progressed(self, done: int, total: int) -> None:
        if self.dialog.maximum() != total:
            self.dialog.setMaximum(total)
        self.dialog.setValue(done)

    @Slot(object)
    def _finished(self, built: tuple[bytes, list[str]]) -> None:
        data, names = built
        self._close(None if self.cancelled else data, names=names)

    @Slot()
    def _cancelled(self) -> None:
        self._close(None)

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._close(None, message)

    def _close(self, data: bytes | None, error: str = "", names: list[str] | None = None) -> None:
        self.dialog.close()
        self.done.emit(data, error, names or [])

    @Slot()
    def _thread_done(self) -> None:
        self.thread.wait()
        self.thread.deleteLater()
