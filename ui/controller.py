"""The one owner of the workbench's state: the model, its file, the scenario, the undo stack and
the results. Tables, charts and KPI labels listen to its signals and never call each other."""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QApplication, QMessageBox

from model import ModelError, ModelFileError, Results, apply_scenario, compute, save_model, scenario_names
from model.edits import Edit, apply_edit, scenario_shown_after
from model.fileio import load_model_reporting
from model.schema import BASE_SCENARIO
from model.validation import Model
from ui.commands import EditCommand
from ui.formatting import MoneyDisplay, worded_refusal

FX_CURRENCIES = ("RMB", "USD")  # the pair settings.fx_rmb_per_usd converts between
# The largest number the window shows: an input or a result beyond it (a capex of 1e308, or a
# WACC of 1e308 whose rent overflows to infinity) is refused as an edit, and a file holding one
# is not opened. Tables, charts and KPI labels then never meet a number they cannot draw.
LARGEST_SHOWN = 1e18
log = logging.getLogger(__name__)
Computed = tuple[Model, Results, Results]  # the scenario's model, its results and Base's


def ask_to_overwrite(path: Path, detail: str) -> bool:
    """Ask whether to overwrite a file that changed on disk since it was opened or saved."""
    answer = QMessageBox.question(
        QApplication.activeWindow(),
        "File changed on disk",
        f"{path.name} was changed on disk since you opened it ({detail}), by another window or program.\n\n"
        "Overwrite it with your version? Their changes would be lost; choose No to save under another name.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


def file_stamp(path: Path | None) -> tuple[int, int] | None:
    """What says a file changed: its modification time and size (None: no such file)."""
    if path is None:
        return None
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def too_large(model: Any, path: str = "") -> tuple[str, float] | None:
    """The first number of ``model`` the window cannot show (not finite or over LARGEST_SHOWN)."""
    pending: list[tuple[str, Any]] = [(path, model)]
    while pending:
        where, value = pending.pop()
        if isinstance(value, dict):
            pending.extend((f"{where}.{k}" if where else str(k), v) for k, v in value.items())
        elif isinstance(value, list):
            pending.extend((f"{where}[{i}]", v) for i, v in enumerate(value))
        elif _is_number(value) and (not math.isfinite(value) or abs(value) > LARGEST_SHOWN):
            return where, value
    return None


class WorkbenchController(QObject):
    """Holds a valid model and the results of its selected scenario (and of Base, for comparison).

    Every change goes through ``apply`` (one undoable edit) or replaces the model whole
    (``new_model``, ``open_file``); a refused edit changes nothing and emits ``error_reported``
    with the model layer's message.
    """

    model_changed = Signal()
    scenario_changed = Signal(str)
    results_changed = Signal()
    dirty_changed = Signal(bool)
    path_changed = Signal()
    money_display_changed = Signal()
    error_reported = Signal(str)
    # An edit (or its inverse, on undo) about to be shown: lets a view follow a renamed class.
    edit_shown = Signal(object)
    # Asked before a save would overwrite a file changed on disk since it was opened (tests replace it).
    confirm_overwrite: Callable[[Path, str], bool] = staticmethod(ask_to_overwrite)

    def __init__(
        self, model: Model, path: str | Path | None = None, scenario: str | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._path = Path(path) if path else None
        self._disk_stamp = file_stamp(self._path)
        self._display_currency = model["currency"]
        self._scenario = scenario if scenario in scenario_names(model) else BASE_SCENARIO
        self._computed: tuple[Model, str, Computed] | None = None  # checked by apply, shown next
        self._set_model(model)

    # ------------------------------------------------------------------ state

    @property
    def model(self) -> Model:
        return self._model

    @property
    def scenario(self) -> str:
        return self._scenario

    @property
    def scenario_model(self) -> Model:
        """The model as the selected scenario sees it (overrides applied)."""
        return self._scenario_model

    @property
    def results(self) -> Results:
        return self._results

    @property
    def base_results(self) -> Results:
        return self._base_results

    @property
    def path(self) -> Path | None:
        return self._path

    @property
    def is_dirty(self) -> bool:
        return not self.undo_stack.isClean()

    @property
    def money(self) -> MoneyDisplay:
        """How money is displayed: the model's currency, or the other one through the FX rate."""
        currency, unit = self._model["currency"], self._model["unit"]
        if self._display_currency == currency:
            return MoneyDisplay(currency, unit)
        fx = self._scenario_model["settings"]["fx_rmb_per_usd"]
        return MoneyDisplay(self._display_currency, unit, fx if currency == "RMB" else 1 / fx)

    def display_currencies(self) -> tuple[str, ...]:
        currency = self._model["currency"]
        return FX_CURRENCIES if currency in FX_CURRENCIES else (currency,)

    def set_display_currency(self, currency: str) -> None:
        if currency in self.display_currencies() and currency != self._display_currency:
            self._display_currency = currency
            self.money_display_changed.emit()

    # ------------------------------------------------------------------ changes

    def apply(self, edit: Edit, label: str) -> bool:
        """Apply one edit in the selected scenario as one undo step; False (and a message) if refused."""
        # The scenario shown afterwards: a new or renamed one, or Base once the shown one is removed.
        shown_after = scenario_shown_after(edit, self._scenario)
        try:
            with np.errstate(all="ignore"):  # an overflow is judged by checked_compute, not printed
                edited, inverse = apply_edit(self._model, edit, self._scenario)
            self._computed = (edited, shown_after, self.checked_compute(edited, shown_after))
        except ModelError as error:
            self.error_reported.emit(f"{worded_refusal(error)} ({label})")
            return False
        self.undo_stack.push(EditCommand(self, edit, inverse, self._scenario, edited, label, shown_after))
        self._computed = None
        return True

    def checked_compute(self, model: Model, scenario: str) -> Computed:
        """Compute ``model`` in ``scenario`` for showing; ModelError if the window could not show it.

        Refused: a number beyond LARGEST_SHOWN (or not finite) among the inputs or the results,
        and any error of the computation (logged with its traceback: it is a bug to report).
        """
        if found := too_large(model):
            where, value = found
            raise ModelError(where, f"{value:g} is beyond what the workbench can show (±{LARGEST_SHOWN:g})")
        try:
            with np.errstate(all="ignore"):
                scenario_model = apply_scenario(model, scenario)
                results = compute(model, scenario)
                base = results if scenario == BASE_SCENARIO else compute(model)
        except ModelError:
            raise
        except Exception as error:
            log.exception("the model could not be computed")
            raise ModelError("", f"cannot be computed ({type(error).__name__}: {error}); nothing changed") from error
        for name, outcome in ((scenario, results), (BASE_SCENARIO, base)):
            problem = _unshowable(outcome)
            if problem:
                raise ModelError("", f"the results of {name} {problem}; nothing changed")
        return scenario_model, results, base

    def report(self, message: str) -> None:
        """Refuse a user action before it becomes an edit (a paste that does not fit, say)."""
        self.error_reported.emit(message)

    def show_model(self, model: Model, scenario: str) -> None:
        """Show an already validated model in ``scenario`` (the undo command's way in).

        The scenario may be new to this model (added or renamed by the edit), so the model is set
        before ``scenario_changed`` reaches anyone who reads the two together. Raises ModelError,
        with nothing changed, if the window could not show it.
        """
        self._prepare(model, scenario)
        changed, self._scenario = scenario != self._scenario, scenario
        self._set_model(model)
        if changed:
            self.scenario_changed.emit(scenario)

    def set_scenario(self, scenario: str) -> None:
        if scenario == self._scenario:
            return
        if scenario not in scenario_names(self._model):
            self.error_reported.emit(f"scenario: {scenario!r} is not a scenario of this model")
            return
        try:
            self._computed = (self._model, scenario, self.checked_compute(self._model, scenario))
        except ModelError as error:
            self.error_reported.emit(f"scenario {scenario!r}: {error}")
            self.scenario_changed.emit(self._scenario)  # the selector goes back to the one shown
            return
        self._scenario = scenario
        self.scenario_changed.emit(scenario)
        self._set_model(self._model)

    def replace_model(self, model: Model, path: str | Path | None) -> None:
        """Start over on another model (File > New or Open): Base scenario, empty undo history."""
        self._computed = (model, BASE_SCENARIO, self.checked_compute(model, BASE_SCENARIO))  # before any change
        self._path = Path(path) if path else None
        self._disk_stamp = file_stamp(self._path)
        self._scenario = BASE_SCENARIO
        self._display_currency = model["currency"]
        self.undo_stack.clear()
        self._set_model(model)
        self.scenario_changed.emit(self._scenario)
        self.path_changed.emit()

    def open_file(self, path: str | Path) -> tuple[str, ...]:
        """Load a model file; raises ModelError (nothing changes) if it cannot be used. Returns
        the warnings to show: where a workbook contradicted itself (its visible cells were used)."""
        model, warnings = load_model_reporting(path)
        self.replace_model(model, path)
        return warnings

    def save(self, path: str | Path | None = None) -> None:
        """Write the model to ``path`` (default: its own file); raises ModelError on failure."""
        target = Path(path) if path else self._path
        if target is None:
            raise ModelError("", "the model has no file yet; use Save As")
        self._check_not_changed_on_disk(target)
        save_model(self._model, target)
        self._disk_stamp = file_stamp(target)
        self.undo_stack.setClean()
        if target != self._path:
            self._path = target
            self.path_changed.emit()

    def _check_not_changed_on_disk(self, target: Path) -> None:
        """Two windows on one file: the second save asks before it overwrites the first one's."""
        if self._path is None or self._disk_stamp is None or not _same_file(target, self._path):
            return
        now = file_stamp(target)
        if now is None or now == self._disk_stamp:
            return
        when = datetime.fromtimestamp(now[0] / 1e9).strftime("%Y-%m-%d %H:%M:%S")
        if not self.confirm_overwrite(target, f"saved {when}"):
            raise ModelFileError(
                str(target), f"was changed on disk at {when} since it was opened; not overwritten (use Save As)"
            )

    def _clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    def _prepare(self, model: Model, scenario: str) -> None:
        """Compute (and check) ``model`` in ``scenario`` unless that was done already."""
        pending = self._computed
        if pending is None or pending[0] is not model or pending[1] != scenario:
            self._computed = (model, scenario, self.checked_compute(model, scenario))

    def _set_model(self, model: Model) -> None:
        self._prepare(model, self._scenario)
        assert self._computed is not None
        computed, self._computed = self._computed[2], None
        self._model = model
        self._scenario_model, self._results, self._base_results = computed
        self.model_changed.emit()
        self.results_changed.emit()


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.absolute() == b.absolute()


def _unshowable(results: Results) -> str | None:
    """Why the window could not show ``results`` (infinite or huge figures), else None."""
    lines = results.lines_array
    with np.errstate(invalid="ignore"):
        if np.isinf(lines).any() or (np.abs(lines) > LARGEST_SHOWN).any():
            return f"overflow (figures beyond ±{LARGEST_SHOWN:g})"
    kpis = [v for v in results.kpis.values() if v is not None]
    if any(not math.isfinite(v) or abs(v) > LARGEST_SHOWN for v in kpis):
        return f"overflow (figures beyond ±{LARGEST_SHOWN:g})"
    if results.kpis.get("npv") is None:
        return "cannot be computed (the NPV is undefined: an input is too large)"
    return None
