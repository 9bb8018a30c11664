"""The assumption tabs (capex plan, drivers, settings) and the projections table."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from model.edits import RemoveClass, SetOverride, new_class
from ui.controller import WorkbenchController
from ui.grid_view import SheetView
from ui.sheets import capex_sheet, class_sheet, drivers_sheet, projections_sheet, settings_sheet
from ui.table_model import MARK_COLOURS, MARK_LEGEND


def section_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("SectionLabel")
    return label


class MarkLegend(QWidget):
    """What the cell shading means."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        for mark, meaning in MARK_LEGEND.items():
            swatch = QLabel()
            swatch.setFixedSize(12, 12)
            swatch.setStyleSheet(f"background: {MARK_COLOURS[mark].name()}; border: 1px solid #b8bcc4;")
            layout.addWidget(swatch)
            layout.addWidget(QLabel(meaning))
            layout.addSpacing(12)
        layout.addWidget(QLabel("unshaded: the analyst's judgment"))
        layout.addStretch(1)
        for label in self.findChildren(QLabel):
            label.setObjectName("LegendText")


def _override_reset(section: str):
    def reset_for(key: str) -> SetOverride:
        return SetOverride(section, key, None)

    return reset_for


class CapexPanel(QWidget):
    """Capex by class and year, and the class table (treatment, life, revenue) with add/remove."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.capex_view = SheetView(
            controller, lambda c: capex_sheet(c.model, c.scenario, c.money), reset_for=_override_reset("capex")
        )
        self.capex_view.horizontalHeader().setDefaultSectionSize(46)
        self.class_view = SheetView(
            controller,
            lambda c: class_sheet(c.model, c.scenario, c.money),
            reset_for=_override_reset("asset_classes"),
        )
        header = self.class_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.add_button = QPushButton("Add class")
        self.add_button.setToolTip("Add a capitalized, revenue-earning class with no capex yet")
        self.add_button.clicked.connect(self.add_class)
        self.remove_button = QPushButton("Remove class")
        self.remove_button.setToolTip("Remove the selected class, its capex row, overrides and sources (undoable)")
        self.remove_button.clicked.connect(self.remove_selected_class)

        buttons = QHBoxLayout()
        buttons.addWidget(section_label("Asset classes"))
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(section_label(f"Capex by asset class ({controller.money.label}), fiscal years"))
        layout.addWidget(self.capex_view, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.class_view, 1)
        layout.addWidget(MarkLegend())
        self._title = layout.itemAt(0).widget()
        controller.money_display_changed.connect(self._retitle)
        controller.model_changed.connect(self._retitle)

    def _retitle(self) -> None:
        self._title.setText(f"Capex by asset class ({self._controller.money.label}), fiscal years")

    def add_class(self) -> bool:
        edit = new_class(self._controller.model)
        return self._controller.apply(edit, f"Add class {edit.fields['name']}")

    def remove_selected_class(self) -> bool:
        rows = {index.row() for index in self.class_view.selectionModel().selectedIndexes()}
        current = self.class_view.currentIndex()
        if not rows and current.isValid():
            rows = {current.row()}
        names = list(self._controller.model["capex"])
        if len(rows) != 1:
            self._controller.report("Select one class to remove.")
            return False
        name = names[rows.pop()]
        return self._controller.apply(RemoveClass(name), f"Remove class {name}")


class DriversPanel(QWidget):
    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = SheetView(
            controller, lambda c: drivers_sheet(c.model, c.scenario, c.money), reset_for=_override_reset("drivers")
        )
        self.view.horizontalHeader().setDefaultSectionSize(50)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(section_label("Drivers by fiscal year: rates in % (type 12, 12% or 0.12)"))
        layout.addWidget(self.view, 1)
        layout.addWidget(MarkLegend())


class SettingsPanel(QWidget):
    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = SheetView(
            controller, lambda c: settings_sheet(c.model, c.scenario, c.money), reset_for=_override_reset("settings")
        )
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view.setColumnWidth(0, 110)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(section_label("Settings: returns, terminal value, revenue and cost assumptions"))
        layout.addWidget(self.view, 1)
        layout.addWidget(MarkLegend())


class ProjectionsPanel(QWidget):
    """Every output line across the years, read-only; select and copy as a block (Ctrl+C)."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = SheetView(controller, lambda c: projections_sheet(c.model, c.results, c.money), editable=False)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.view.verticalHeader().setDefaultSectionSize(22)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 6)
        layout.addWidget(section_label("Projections (read-only; select and Ctrl+C to copy as a block)"))
        layout.addWidget(self.view, 1)
