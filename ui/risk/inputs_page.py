"""The uncertain inputs (docs/model.md section 8): a grid of distributions whose edits are undoable."""

from __future__ import annotations

import copy
from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QHeaderView, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from model import ModelError
from model.edits import SetUncertainty
from model.risk import with_distribution
from model.risk.recentre import off_centre, recentred_section
from model.schema import APPLY_MODES, DISTRIBUTIONS
from ui.controller import WorkbenchController
from ui.grid_view import SheetView
from ui.panels import section_label
from ui.risk.shared import target_label, target_unit, value_text
from ui.table_model import Sheet, cell_table
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
    values = cell_table([[e["dist"], e["apply"], *(e.get(p) for p in PARAMETERS)] for e in entries], len(columns))
    targets = [e["target"] for e in entries]
    units = cell_grid(values.shape, "choice")
    editable = cell_grid(values.shape, False)
    choices = {}
    for row, entry in enumerate(entries):
        editable[row, :2] = True
        choices[(row, 0)], choices[(row, 1)] = list(DISTRIBUTIONS), list(APPLY_MODES)
        for col, parameter in enumerate(PARAMETERS, start=2):
            used = parameter in DISTRIBUTIONS[entry["dist"]]
            units[row, col] = parameter_unit(entry, parameter) if used else "text"
            editable[row, col] = used
            if not used:
                values[row, col] = ""

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
        cells=values,
        row_keys=targets,
        column_keys=columns,
        units=units,
        row_labels=[target_label(target) for target in targets],
        column_labels=["Distribution", "Apply", *PARAMETERS],
        editable=editable,
        row_tooltips=targets,
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


class OffCentreNote(QWidget):
    """Says plainly which uncertain inputs applied by set are centred away from their value in the
    model shown (a WACC, life or yield typed since the distribution was written), and offers to
    re-centre them in one undo step. Nothing is re-centred unasked: a distribution may be off centre
    on purpose, and the uncertain inputs are shared by every scenario. Hidden when all are centred."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.text = QLabel()
        self.text.setObjectName("WarningBanner")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.recentre_button = QPushButton("Re-centre")
        self.recentre_button.setToolTip(
            "Move each listed distribution so that its centre (mean, median of a lognormal, mode or "
            "midpoint) is the value shown, keeping its shape and spread. One undo step (Ctrl+Z). "
            "The uncertain inputs are shared by every scenario."
        )
        self.recentre_button.clicked.connect(self.recentre)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.recentre_button, 0, Qt.AlignmentFlag.AlignTop)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        controller.model_changed.connect(self.refresh)
        controller.scenario_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        found = off_centre(self._controller.model, self._controller.scenario)
        lines = []
        for item in found:
            entry = self._controller.model["uncertainty"]["inputs"][item.index]
            unit = target_unit(item.target, entry["apply"])
            centre, current = (value_text(v, unit) + " years" * (unit == "years") for v in (item.centre, item.current))
            lines.append(
                f"{escape(target_label(item.target))}: its {entry['dist']} distribution is centred on "
                f"{centre}, the model shown holds {current}"
            )
        self.text.setText(
            "<b>⚠ Distributions centred away from the model shown.</b> Monte Carlo and the tornado "
            "draw from them as they are, so their results do not describe these values:<br>" + "<br>".join(lines)
        )
        self.setVisible(bool(found))

    def recentre(self) -> bool:
        """Re-centre every listed distribution on its value in the scenario shown (one undo step)."""
        controller = self._controller
        try:
            section = recentred_section(controller.model, controller.scenario)
        except ModelError as error:  # a lognormal cannot be centred on 0 or below
            controller.report(f"Not re-centred: {error}")
            return False
        count = len(off_centre(controller.model, controller.scenario))
        return controller.apply(SetUncertainty(section), f"Re-centre {count} distribution{'s' * (count != 1)}")
