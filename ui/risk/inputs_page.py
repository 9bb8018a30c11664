"""The uncertain inputs (docs/model.md section 8): a grid of distributions whose edits are undoable."""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
from PySide6.QtWidgets import QHeaderView, QLabel, QVBoxLayout, QWidget

from model import ModelError
from model.edits import SetUncertainty
from model.risk import with_distribution
from model.schema import APPLY_MODES, DISTRIBUTIONS
from ui.controller import WorkbenchController
from ui.grid_view import SheetView
from ui.panels import section_label
from ui.risk.shared import target_label, target_unit
from ui.table_model import Sheet
from ui.table_model import grid as cell_grid

PARAMETERS = ("mean", "sd", "mu", "sigma", "low", "mode", "high")


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


class InputsPage(QWidget):
    """The uncertain inputs grid and, under it, the rank correlations between them."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.inputs_view = SheetView(controller, uncertainty_sheet)
        header = self.inputs_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        for column in (0, 1):  # the distribution and apply choices: as wide as their header and names
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        # A parameter keeps room for "-10.0%"; in a narrow window the table scrolls instead.
        header.setMinimumSectionSize(header.fontMetrics().horizontalAdvance("-10.0%") + 12)
        self.inputs_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.correlations = QLabel()
        self.correlations.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(section_label("Uncertain inputs; edits are undoable (Ctrl+Z)"))
        layout.addWidget(self.inputs_view, 1)
        layout.addWidget(self.correlations)
        controller.model_changed.connect(self.show_correlations)
        self.show_correlations()

    def show_correlations(self) -> None:
        section = self._controller.model.get("uncertainty")
        if section:
            pairs = [f"{target_label(a)} ~ {target_label(b)}: {rho:+.2f}" for a, b, rho in section["correlations"]]
            self.correlations.setText("Rank correlations (Iman–Conover): " + ("; ".join(pairs) if pairs else "none"))
        else:
            self.correlations.setText("This model has no uncertainty section: the tornado moves every input ±10%.")
