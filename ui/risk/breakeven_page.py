"""Breakeven: the value of one input that brings the NPV to zero or the IRR to a goal, in the
input's unit, and Apply, which sets the input to it as one undo step."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from model import ModelError, apply_scenario
from model.edits import Edit, EditBlock, SetCell, SetClassField, SetSetting
from model.outputs import KPIS
from model.risk import BreakevenResults, breakeven, parse_goal, parse_range, target_paths
from model.risk.targets import LIFE_TARGET_RANGES, Target
from model.validation import Model
from ui.controller import WorkbenchController
from ui.formatting import MoneyDisplay, format_cell, format_kpi, unit_words
from ui.risk.shared import default_target, error_text, fill_targets, target_label, target_unit, value_text

BREAKEVEN_KPIS = ("npv", "irr", "payback_years", "moic", "profitability_index", "peak_funding")


def tidy(value: float | None) -> float | None:
    """Rounding noise of a root finder (an NPV of -4e-14) shown as the zero it is."""
    return 0.0 if value is not None and abs(value) < 1e-9 else value


def answer_text(target: Target, value: float, model: Model) -> str:
    """The answer with its unit and how it applies: "WACC = 8.5%", "Price change per year =
    -2.3% (percentage points added to every year)", "Capex: AI servers = ×0.82 (every year scaled)",
    "Book life: AI servers = 4.6 years (applied as 5)"."""
    unit = target_unit(target.path, target.apply)
    shown = value_text(value, unit)
    if target.apply == "scale":
        return f"{target_label(target.path)} = ×{shown} (every year scaled)"
    if unit not in ("%", "x"):
        shown += " " + unit_words(unit, MoneyDisplay(model["currency"], model["unit"]))
    if target.apply == "shift":
        how = "percentage points added to every year" if unit == "%" else "added to every year"
        return f"{target_label(target.path)} = {shown} ({how})"
    if target.kind in LIFE_TARGET_RANGES:
        shown += f" (applied as {whole_years(target, value)})"
    return f"{target_label(target.path)} = {shown}"


def whole_years(target: Target, value: float) -> int:
    """A life as an analysis applies it: half up to a whole year, within the life's range."""
    low, high = LIFE_TARGET_RANGES[target.kind]
    return int(min(max(math.floor(value + 0.5), low), high))


def applied_edit(model: Model, scenario: str, target: Target, value: float) -> Edit:
    """The edit that sets ``target`` to ``value`` in ``scenario`` as the breakeven search applied it
    (set, shift or scale; lives whole, utilization within 0 to 1): the model it gives is the one
    whose KPIs the answer shows."""
    resolved = apply_scenario(model, scenario)
    if target.kind == "settings":
        return SetSetting(target.key, value)
    if target.kind in LIFE_TARGET_RANGES:
        return SetClassField(target.key, target.kind, whole_years(target, value))
    # A driver the model leaves out is zero in every year, as the engine reads it.
    row = resolved[target.kind].get(target.key) or [0.0] * model["horizon"]
    moved = [v + value if target.apply == "shift" else v * value if target.apply == "scale" else value for v in row]
    if target.key == "utilization":
        moved = [min(max(v, 0.0), 1.0) for v in moved]
    return EditBlock(tuple(SetCell(target.kind, target.key, i, v) for i, v in enumerate(moved)))


class BreakevenPage(QWidget):
    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.last_breakeven: BreakevenResults | None = None
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
        self.apply_button = QPushButton("Apply")
        self.apply_button.setToolTip("Set the input to the answer in the scenario shown (one undo step)")
        self.apply_button.setEnabled(False)
        self.apply_button.clicked.connect(self.apply_answer)
        answer = QHBoxLayout()
        answer.addWidget(self.breakeven_answer, 1)
        answer.addWidget(self.apply_button, 0, Qt.AlignmentFlag.AlignTop)
        self.breakeven_kpis = QLabel()
        self.breakeven_kpis.setWordWrap(True)
        self.breakeven_kpis.setTextFormat(Qt.TextFormat.RichText)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addLayout(answer)
        layout.addWidget(self.breakeven_kpis)
        layout.addStretch(1)
        controller.model_changed.connect(self.fill_defaults)
        # An answer found on another model or scenario is not applied to this one.
        controller.model_changed.connect(lambda: self.apply_button.setEnabled(False))
        controller.scenario_changed.connect(lambda _: self.apply_button.setEnabled(False))
        self.fill_defaults()

    def fill_defaults(self) -> None:
        """Targets of the current model in the picker, and a search range the first time."""
        model = self._controller.model
        paths = target_paths(model)
        fill_targets(self.breakeven_target, paths)
        if not self.breakeven_range.text():
            # The AI revenue yield when the analyst sets it; under a calibration it is solved, and
            # the yearly price change (shifted in every year) is the question instead.
            target = default_target(paths, ("settings.ai_revenue_yield", "drivers.price_change"))
            self.breakeven_target.setCurrentIndex(self.breakeven_target.findData(target))
            if target == "settings.ai_revenue_yield":
                revenue_yield = model["settings"]["ai_revenue_yield"]
                self.breakeven_range.setText(f"{revenue_yield * 0.5:.4g},{revenue_yield * 1.5:.4g}")
            else:
                self.breakeven_range.setText("-5%,10%")

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
            self.breakeven_answer.setText(error_text(str(error)))
            self.breakeven_kpis.clear()
            self.apply_button.setEnabled(False)
            return False
        self.last_breakeven = result
        self.apply_button.setEnabled(result.value is not None)
        label, unit = target_label(result.target.path), target_unit(result.target.path, result.target.apply)
        if result.value is None:
            self.breakeven_answer.setText(
                f"{label}: {result.message} ({value_text(low, unit)} to {value_text(high, unit)})."
            )
            self.breakeven_kpis.clear()
            return True
        goal_text = "NPV = 0" if metric == "npv" else f"IRR = {format_cell(goal, '%', money)}"
        answer = answer_text(result.target, result.value, controller.model)
        self.breakeven_answer.setText(f"{answer} gives {goal_text}.")
        rows = "".join(
            f"<tr><td>{KPIS[key].label}</td><td align='right'>&nbsp;&nbsp;"
            f"{format_kpi(tidy(result.kpis[key]), KPIS[key].unit, money)}</td></tr>"
            for key in BREAKEVEN_KPIS
        )
        self.breakeven_kpis.setText(f"<p>The model at that value:</p><table>{rows}</table>")
        return True

    def apply_answer(self) -> bool:
        """Set the input to the last answer, as one undo step (refused, with the reason, if the
        model no longer takes it)."""
        result, controller = self.last_breakeven, self._controller
        if result is None or result.value is None or not self.apply_button.isEnabled():
            return False
        try:
            edit = applied_edit(controller.model, controller.scenario, result.target, result.value)
        except ModelError as error:
            controller.report(str(error))
            return False
        return controller.apply(edit, f"Apply breakeven {target_label(result.target.path)}")
