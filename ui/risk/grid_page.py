"""The two-way grid: the NPV or IRR over values of two inputs, as a heat map.

The cells are tinted by sign (NPV) or against the WACC (IRR), red below the line and green above,
the deeper the further from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from model import ModelError
from model.risk import GridResults, Target, grid, parse_numbers, target_paths
from ui.controller import WorkbenchController
from ui.formatting import MoneyDisplay, format_cell
from ui.risk.shared import default_target, error_text, fill_targets, target_label, target_unit, value_text
from ui.table_model import ALIGNMENT, BACKGROUND, DISPLAY, Index, Sheet, SheetTableModel
from ui.table_model import grid as cell_grid

HEAT_BELOW, HEAT_ZERO, HEAT_ABOVE = QColor("#f8696b"), QColor("#ffffff"), QColor("#63be7b")
HEAT_FLOOR = 0.15  # the faintest tint, so that a cell just off the line still shows its side
ALIGN_CENTER = int(Qt.AlignmentFlag.AlignCenter)
NO_GRID = Sheet(cell_grid((0, 0), None), [], [], cell_grid((0, 0), ""), [], [])


class HeatTableModel(SheetTableModel):
    """A read-only ``Sheet`` whose cells each carry a background colour (None: untinted)."""

    def __init__(self, money: MoneyDisplay, parent: Any = None) -> None:
        super().__init__(NO_GRID, money, None, parent)
        self._colours = cell_grid(NO_GRID.cells.shape, None)

    def show_heat(self, sheet: Sheet, colours: np.ndarray, money: MoneyDisplay) -> None:
        self._colours = colours
        self.set_sheet(sheet, money)

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if index.isValid() and role == BACKGROUND:
            colour = self._colours[index.row(), index.column()]
            return None if colour is None else QBrush(colour)
        if index.isValid() and role == ALIGNMENT:
            return ALIGN_CENTER
        return super().data(index, role)


def axis_labels(values: Iterable[float], target: Target, money: MoneyDisplay) -> list[str]:
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


def heat_colours(gaps: np.ndarray) -> np.ndarray:
    """A colour per cell from its gap to the line, scaled by the largest gap; None where undefined."""
    finite = np.abs(gaps[np.isfinite(gaps)])
    scale = finite.max() if finite.size else 0.0
    colours = np.full(gaps.shape, None, dtype=object)
    for (row, column), gap in np.ndenumerate(gaps):
        if np.isfinite(gap):
            colours[row, column] = heat_colour(gap, scale)
    return colours


class GridPage(QWidget):
    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.last_grid: GridResults | None = None
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
        self.grid_model = HeatTableModel(controller.money, self)
        self.grid_table = QTableView()
        self.grid_table.setModel(self.grid_model)
        self.grid_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addWidget(self.grid_message)
        layout.addWidget(self.grid_table, 1)
        layout.addWidget(self.grid_legend)
        controller.model_changed.connect(self.fill_defaults)
        self.fill_defaults()

    def fill_defaults(self) -> None:
        """Targets of the current model in the pickers, and the WACC against the AI revenue yield
        around the model's values the first time."""
        model = self._controller.model
        paths = target_paths(model)
        fill_targets(self.grid_x_target, paths)
        fill_targets(self.grid_y_target, paths)
        if not self.grid_x_values.text():
            settings = model["settings"]
            self.grid_x_target.setCurrentIndex(self.grid_x_target.findData("settings.wacc"))
            waccs = (settings["wacc"] + d for d in (-0.02, -0.01, 0, 0.01, 0.02))
            self.grid_x_values.setText(",".join(value_text(round(v, 10), "%") for v in waccs))
            rows = default_target(paths, ("settings.ai_revenue_yield", "drivers.price_change"))
            self.grid_y_target.setCurrentIndex(self.grid_y_target.findData(rows))
            if rows == "settings.ai_revenue_yield":
                yields = (settings["ai_revenue_yield"] * f for f in (0.8, 0.9, 1.0, 1.1, 1.2))
                self.grid_y_values.setText(",".join(f"{v:.4g}" for v in yields))
            else:  # a calibrated yield: the price change, shifted in every year
                self.grid_y_values.setText(",".join(value_text(v, "%") for v in (-0.02, -0.01, 0.0, 0.01, 0.02)))

    def compute_grid(self) -> bool:
        controller = self._controller
        try:
            x = (self.grid_x_target.currentData(), parse_numbers(self.grid_x_values.text(), "columns"))
            y = (self.grid_y_target.currentData(), parse_numbers(self.grid_y_values.text(), "rows"))
            result = grid(controller.model, x, y, self.grid_metric.currentText(), controller.scenario)
        except ModelError as error:
            self.grid_message.setText(error_text(str(error)))
            return False
        self.last_grid = result
        unit = "money" if result.metric == "npv" else "%"
        money = controller.money
        table = result.table
        self.grid_message.setText(
            f"{result.metric.upper()} ({money.label if unit == 'money' else '%'}) with {target_label(result.y.path)} "
            f"down and {target_label(result.x.path)} across; n/a breaks a model rule or has no IRR."
        )
        if result.metric == "npv":
            gaps = table.to_numpy()
            self.grid_legend.setText("Red: NPV below 0; green: above 0; the deeper the colour, the larger the amount.")
        else:
            gaps = table.to_numpy() - cell_waccs(result, controller.scenario_model["settings"]["wacc"])
            self.grid_legend.setText(
                "Red: IRR below the WACC (the cell's own where the grid moves it); green: above it; "
                "the deeper the colour, the further from the WACC."
            )
        sheet = Sheet(
            cells=table.to_numpy().astype(object),
            row_keys=list(table.index),
            column_keys=list(table.columns),
            units=cell_grid(table.shape, unit),
            row_labels=axis_labels(table.index, result.y, money),
            column_labels=axis_labels(table.columns, result.x, money),
        )
        self.grid_model.show_heat(sheet, heat_colours(gaps), money)
        return True
