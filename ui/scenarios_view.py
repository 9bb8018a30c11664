"""Scenarios side by side, and the Scenario menu that creates, copies, renames and deletes them.

The Scenarios view is one read-only grid: a column for Base, then one per scenario; the compared
KPIs and lines of ``model.comparison`` with, under each, its difference to Base; below, every
input a scenario overrides, with the Base value beside each scenario's. Comparing computes every
scenario, so the grid is rebuilt only while it is on screen.

Each menu action is one edit of ``model.edits`` (one undo step); the controller then shows the
new or renamed scenario, or Base once the shown one is deleted.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import QHeaderView, QInputDialog, QLabel, QLineEdit, QMenu, QMessageBox, QVBoxLayout, QWidget

from model import Results
from model.comparison import OverriddenInput, compared_figures, overridden_inputs, scenario_results
from model.edits import RemoveScenario, RenameScenario, duplicate_scenario, new_scenario, unused_scenario_name
from model.schema import BASE_SCENARIO
from model.validation import Model, scenario_names
from ui.controller import WorkbenchController
from ui.formatting import CHANGE, ROW, MoneyDisplay, format_cell
from ui.grid_view import SheetView
from ui.sheets import source_note, unit_name, year_labels
from ui.table_model import OVERRIDDEN, TOTAL, Sheet, cell_table, grid

CHANGE_LABEL = "    change vs Base"
OVERRIDES_HEADING = "Inputs the scenarios override"
FIGURES_HEADING = "Returns of the plan and segment figures"


# --------------------------------------------------------------------------- the sheet


def scenarios_sheet(model: Model, results: dict[str, Results], money: MoneyDisplay) -> Sheet:
    """Base and every scenario side by side: figures with their change vs Base, then overrides.

    ``results`` holds the results of every name of ``scenario_names(model)``. Cells of a
    scenario that does not override an input stay empty (it uses the Base value).
    """
    names = scenario_names(model)
    rows: list[list[Any]] = []
    units: list[list[str]] = []
    marks: list[list[str]] = []
    tooltips: list[list[str]] = []
    labels: list[str] = []
    keys: list[str] = []
    notes = {name: _scenario_note(model, name) for name in names}

    def add(key: str, label: str, values: list[Any], row_units: list[str], row_marks: list[str], tips: list[str]):
        keys.append(key)
        labels.append(label)
        rows.append(values)
        units.append(row_units)
        marks.append(row_marks)
        tooltips.append(tips)

    def heading(key: str, text: str) -> None:
        add(key, text, [""] * len(names), ["text"] * len(names), [TOTAL] * len(names), [""] * len(names))

    heading("figures", FIGURES_HEADING)
    for figure in compared_figures(model):
        key = figure.key if figure.year is None else f"{figure.key}.{figure.year}"
        values = [figure.value(results[name]) for name in names]
        base = values[0]
        changes = [None if value is None or base is None else value - base for value in values]
        unit = str(figure.unit)
        shown = money.currency if unit == "per share" else unit_name(unit, money)
        label = f"{figure.label} ({shown})" if shown else figure.label
        add(key, label, values, [unit] * len(names), [""] * len(names), [notes[name] for name in names])
        add(
            f"{key}.change",
            CHANGE_LABEL,
            ["", *changes[1:]],
            ["text", *[CHANGE + unit] * (len(names) - 1)],
            [""] * len(names),
            ["", *[f"{name} minus Base" for name in names[1:]]],
        )
    heading("overrides", OVERRIDES_HEADING)
    inputs = overridden_inputs(model)
    if not inputs:
        empty = "No scenario overrides any input yet" if len(names) > 1 else "No scenarios yet: Scenario › New"
        add("none", empty, [""] * len(names), ["text"] * len(names), [""] * len(names), [""] * len(names))
    years = year_labels([model["base_year"] + t for t in range(1, model["horizon"] + 1)])
    history_years = year_labels(
        [model["base_year"] - n for n in reversed(range(len(next(iter(model["history"]["capex"].values())))))]
        if model.get("history") and model["history"]["capex"]
        else []
    )
    for entry in inputs:
        unit = _input_unit(entry)
        overriding = [name in entry.values for name in names[1:]]
        add(
            entry.path,
            _input_label(entry, money),
            [_shown(entry.base, entry), *[_shown(entry.values.get(name), entry) for name in names[1:]]],
            [unit, *[unit if found else "text" for found in overriding]],  # an empty cell: as Base
            ["", *[OVERRIDDEN if found else "" for found in overriding]],
            [
                _input_tip(entry, name, history_years if entry.path.startswith("history.") else years, money)
                for name in names
            ],
        )
    return Sheet(
        cells=cell_table(rows, len(names)),
        row_keys=keys,
        column_keys=names,
        units=cell_table(units, len(names)),
        row_labels=labels,
        column_labels=names,
        marks=cell_table(marks, len(names)),
        tooltips=cell_table(tooltips, len(names)),
        row_tooltips=[_row_tip(key) for key in keys],
    )


def _is_spending(entry: OverriddenInput) -> bool:
    """A capex or history row: compared by its total, the plan's size, with the years in the tooltip."""
    return entry.path.startswith(("capex.", "history."))


def _shown(value: Any, entry: OverriddenInput) -> Any:
    """A yes/no or choice input as words; a spending row as its total; an absent override as an
    empty cell."""
    if value is None:
        return ""
    if _is_spending(entry):
        return float(sum(value))
    if entry.unit == "bool":
        return "yes" if value else "no"
    return format_cell(value, "choice", MoneyDisplay("", "")) if entry.unit == "choice" else value


def _is_input(key: str) -> bool:
    return key.split(".", 1)[0] in ("settings", "drivers", "capex", "history", "asset_classes")


def _input_unit(entry: OverriddenInput) -> str:
    if _is_spending(entry):
        return entry.unit
    if entry.is_row:
        return ROW + entry.unit
    if entry.unit == "years":  # lives and lags are whole years
        return "integer"
    return "text" if entry.unit in ("bool", "choice") else entry.unit


def _input_label(entry: OverriddenInput, money: MoneyDisplay) -> str:
    shown = unit_name(entry.unit, money) if entry.unit not in ("bool", "choice", "integer") else ""
    if _is_spending(entry):
        shown += ", all years"
    return f"{entry.label} ({shown})" if shown else entry.label


def _input_tip(entry: OverriddenInput, name: str, years: list[str], money: MoneyDisplay) -> str:
    value = entry.base if name == BASE_SCENARIO else entry.values.get(name)
    if name != BASE_SCENARIO and name not in entry.values:
        return f"{name} does not override {entry.path}: it uses the Base value."
    head = f"{entry.path} in {name}"
    if not entry.is_row:
        return f"{head}: {format_cell(value, entry.unit, money) or value}"
    yearly = ", ".join(
        f"{year} {format_cell(item, entry.unit, money)}" for year, item in zip(years, value, strict=False)
    )
    return f"{head}, by year: {yearly}"


def _scenario_note(model: Model, name: str) -> str:
    if name == BASE_SCENARIO:
        return "Base: the model itself, without overrides."
    return f"{name}\n{source_note(model['sources'].get(f'scenarios.{name}'))}"


def _row_tip(key: str) -> str:
    if key.endswith(".change"):
        return "The scenario's figure minus Base's: rates in percentage points."
    if key in ("figures", "overrides", "none"):
        return ""
    if _is_input(key):
        return f"{key}: shaded where a scenario overrides it; an empty cell uses the Base value."
    return "Computed by the model for each scenario (the calibration is solved in each)."


# --------------------------------------------------------------------------- the view


class ComparisonView(SheetView):
    """The scenarios grid: read-only, rebuilt only while on screen, one computation per model."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        self._stale = True
        self._computed: tuple[Model, dict[str, Results]] | None = None
        super().__init__(controller, self._build_sheet, editable=False, parent=parent)
        self.horizontalHeader().setDefaultSectionSize(96)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.verticalHeader().setDefaultSectionSize(22)

    def results(self) -> dict[str, Results]:
        """Every scenario's results for the controller's model, computed once per model; the
        controller's own results (the shown scenario and Base) are reused."""
        controller = self._controller
        model = controller.model
        if self._computed is None or self._computed[0] is not model:
            known = {BASE_SCENARIO: controller.base_results, controller.scenario: controller.results}
            self._computed = (model, scenario_results(model, known))
        return self._computed[1]

    def _build_sheet(self, controller: WorkbenchController) -> Sheet:
        if not self.isVisible():
            self._stale = True
            return _placeholder(controller.model)
        self._stale = False
        return scenarios_sheet(controller.model, self.results(), controller.money)

    def refresh(self) -> None:
        if self.isVisible():
            super().refresh()
        else:
            self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            super().refresh()
            self.resizeColumnsToContents()


def _placeholder(model: Model) -> Sheet:
    names = scenario_names(model)
    shape = (1, len(names))
    return Sheet(
        cells=grid(shape, ""),
        row_keys=["figures"],
        column_keys=names,
        units=grid(shape, "text"),
        row_labels=[FIGURES_HEADING],
        column_labels=names,
    )


class ScenariosView(QWidget):
    """The Scenarios tab: a note on how to read it, then the grid."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = ComparisonView(controller)
        note = QLabel(
            "Every scenario beside Base: changes vs Base under each figure; shaded inputs are a "
            "scenario's overrides (hover for every year). Scenario menu: new, duplicate, rename, delete."
        )
        note.setObjectName("SectionLabel")
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(note)
        layout.addWidget(self.view, 1)


# --------------------------------------------------------------------------- the menu


class ScenarioActions(QObject):
    """Scenario menu: New from Base, New from current, Duplicate, Rename, Delete.

    ``ask_name`` and ``confirm_delete`` are the only dialogs; each action takes its answer as an
    argument too, so a test (or a script) drives the action without a dialog.
    """

    def __init__(self, controller: WorkbenchController, parent: QWidget) -> None:
        super().__init__(parent)
        self._controller = controller
        self._parent = parent
        self.new_action = self._action("&New from Base…", self.new_from_base, "A scenario with no overrides yet")
        self.new_from_current_action = self._action(
            "New from &current…", self.new_from_current, "A scenario starting from the shown scenario's overrides"
        )
        self.duplicate_action = self._action(
            "&Duplicate", self.duplicate, "A copy of the shown scenario (overrides and source) right after it"
        )
        self.rename_action = self._action("&Rename…", self.rename, "Rename the shown scenario")
        self.delete_action = self._action("De&lete…", self.delete, "Delete the shown scenario (undoable)")
        self.menu = QMenu("&Scenario", parent)
        self.menu.addActions([self.new_action, self.new_from_current_action, self.duplicate_action])
        self.menu.addSeparator()
        self.menu.addActions([self.rename_action, self.delete_action])
        controller.scenario_changed.connect(self.update_actions)
        controller.model_changed.connect(self.update_actions)
        self.update_actions()

    def _action(self, text: str, slot, tip: str) -> QAction:
        action = QAction(text, self)
        action.setStatusTip(tip)
        action.setToolTip(tip)
        action.triggered.connect(lambda: slot())
        return action

    def update_actions(self) -> None:
        in_scenario = self._controller.scenario != BASE_SCENARIO
        self.new_from_current_action.setEnabled(in_scenario)
        self.rename_action.setEnabled(in_scenario)
        self.delete_action.setEnabled(in_scenario)

    # ------------------------------------------------------------------ actions

    def new_from_base(self, name: str | None = None) -> bool:
        return self._add(name, BASE_SCENARIO)

    def new_from_current(self, name: str | None = None) -> bool:
        return self._add(name, self._controller.scenario)

    def _add(self, name: str | None, source: str) -> bool:
        model = self._controller.model
        if name is None:
            stem = "New scenario" if source == BASE_SCENARIO else f"{source} variant"
            name = self.ask_name("New scenario", "Name of the new scenario:", unused_scenario_name(model, stem))
            if name is None:
                return False
        name = name.strip()
        label = f"New scenario {name}" + ("" if source == BASE_SCENARIO else f" from {source}")
        return self._controller.apply(new_scenario(model, name, source), label)

    def duplicate(self) -> bool:
        scenario = self._controller.scenario
        edit = duplicate_scenario(self._controller.model, scenario)
        return self._controller.apply(edit, f"Duplicate scenario {scenario} as {edit.name}")

    def rename(self, name: str | None = None) -> bool:
        old = self._controller.scenario
        if old == BASE_SCENARIO:
            self._controller.report(f"{BASE_SCENARIO} is the model itself and keeps its name.")
            return False
        if name is None:
            name = self.ask_name("Rename scenario", f"New name for {old}:", old)
            if name is None:
                return False
        name = name.strip()
        if name == old:
            return False
        return self._controller.apply(RenameScenario(old, name), f"Rename scenario {old} to {name}")

    def delete(self, confirmed: bool | None = None) -> bool:
        scenario = self._controller.scenario
        if scenario == BASE_SCENARIO:
            self._controller.report(f"{BASE_SCENARIO} is the model itself and cannot be deleted.")
            return False
        if confirmed is None:
            confirmed = self.confirm_delete(scenario)
        if not confirmed:
            return False
        return self._controller.apply(RemoveScenario(scenario), f"Delete scenario {scenario}")

    # ------------------------------------------------------------------ dialogs

    def ask_name(self, title: str, prompt: str, suggested: str) -> str | None:
        name, accepted = QInputDialog.getText(self._parent, title, prompt, QLineEdit.EchoMode.Normal, suggested)
        return name if accepted else None

    def confirm_delete(self, scenario: str) -> bool:
        buttons = QMessageBox.StandardButton
        answer = QMessageBox.question(
            self._parent,
            "Delete scenario",
            deletion_warning(self._controller.model, scenario),
            buttons.Yes | buttons.Cancel,
            buttons.Cancel,
        )
        return answer == buttons.Yes


def deletion_warning(model: Model, scenario: str) -> str:
    """What deleting ``scenario`` loses, in words, for the confirmation."""
    lost = [entry.label for entry in overridden_inputs(model) if scenario in entry.values]
    if lost:
        shown = ", ".join(lost[:6]) + (f" and {len(lost) - 6} more" if len(lost) > 6 else "")
        what = f"its {len(lost)} override{'s' if len(lost) != 1 else ''} ({shown})"
    else:
        what = "the scenario (it overrides nothing)"
    source = " and its source note" if f"scenarios.{scenario}" in model["sources"] else ""
    return (
        f"Delete “{scenario}”? This removes {what}{source}; Base and the other scenarios are unchanged.\n\n"
        "Edit › Undo brings it back."
    )
