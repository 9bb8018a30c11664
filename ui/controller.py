"""The one owner of the workbench's state: the model, its file, the scenario, the undo stack and
the results. Tables, charts and KPI labels listen to its signals and never call each other."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from model import ModelError, Results, apply_scenario, compute, load_model, save_model, scenario_names
from model.edits import Edit, EditBlock, SetCell, apply_edit
from model.schema import BASE_SCENARIO
from model.validation import Model
from ui.commands import EditCommand
from ui.formatting import MoneyDisplay

FX_CURRENCIES = ("RMB", "USD")  # the pair settings.fx_rmb_per_usd converts between


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

    def __init__(
        self, model: Model, path: str | Path | None = None, scenario: str | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._clean_changed)
        self._path = Path(path) if path else None
        self._display_currency = model["currency"]
        self._scenario = scenario if scenario in scenario_names(model) else BASE_SCENARIO
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
        try:
            edited, inverse = apply_edit(self._model, edit, self._scenario)
        except ModelError as error:
            self.error_reported.emit(f"{error} ({label})")
            return False
        # The edit records have no inverse that removes an optional driver row again (its inverse
        # would write nulls): undoing such an edit shows the model as it was before, which the
        # linear undo stack guarantees is exact.
        previous = self._model if self._adds_driver_row(edit) else None
        self.undo_stack.push(EditCommand(self, edit, inverse, self._scenario, edited, label, previous))
        return True

    def _adds_driver_row(self, edit: Edit) -> bool:
        """Whether ``edit`` writes a driver the model does not hold yet (Base only)."""
        parts = edit.edits if isinstance(edit, EditBlock) else (edit,)
        return any(
            isinstance(part, SetCell) and part.section == "drivers" and part.key not in self._model["drivers"]
            for part in parts
        )

    def report(self, message: str) -> None:
        """Refuse a user action before it becomes an edit (a paste that does not fit, say)."""
        self.error_reported.emit(message)

    def show_model(self, model: Model, scenario: str) -> None:
        """Show an already validated model in ``scenario`` (the undo command's way in)."""
        if scenario != self._scenario:
            self._scenario = scenario
            self.scenario_changed.emit(scenario)
        self._set_model(model)

    def set_scenario(self, scenario: str) -> None:
        if scenario == self._scenario:
            return
        if scenario not in scenario_names(self._model):
            self.error_reported.emit(f"scenario: {scenario!r} is not a scenario of this model")
            return
        self._scenario = scenario
        self.scenario_changed.emit(scenario)
        self._set_model(self._model)

    def replace_model(self, model: Model, path: str | Path | None) -> None:
        """Start over on another model (File > New or Open): Base scenario, empty undo history."""
        self._path = Path(path) if path else None
        self._scenario = BASE_SCENARIO
        self._display_currency = model["currency"]
        self.undo_stack.clear()
        self._set_model(model)
        self.scenario_changed.emit(self._scenario)
        self.path_changed.emit()

    def open_file(self, path: str | Path) -> None:
        """Load a model file; raises ModelError (nothing changes) if it cannot be used."""
        self.replace_model(load_model(path), path)

    def save(self, path: str | Path | None = None) -> None:
        """Write the model to ``path`` (default: its own file); raises ModelError on failure."""
        target = Path(path) if path else self._path
        if target is None:
            raise ModelError("", "the model has no file yet; use Save As")
        save_model(self._model, target)
        self.undo_stack.setClean()
        if target != self._path:
            self._path = target
            self.path_changed.emit()

    def _clean_changed(self, clean: bool) -> None:
        self.dirty_changed.emit(not clean)

    def _set_model(self, model: Model) -> None:
        self._model = model
        self._scenario_model = apply_scenario(model, self._scenario)
        self._results = compute(model, self._scenario)
        self._base_results = self._results if self._scenario == BASE_SCENARIO else compute(model)
        self.model_changed.emit()
        self.results_changed.emit()
