"""The assumption tabs (capex plan, drivers, settings) and the projections table."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontMetrics
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
from ui.sheets import (
    calibration_sentences,
    capex_sheet,
    class_sheet,
    drivers_sheet,
    history_sheet,
    infrastructure_sentence,
    projections_sheet,
    settings_sheet,
    valuation_sentence,
)
from ui.table_model import FOLLOW_ON, MARK_COLOURS, MARK_LEGEND, OVERRIDDEN, SOLVED, SOURCED


def section_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("SectionLabel")
    return label


LEGEND_TEXT = {**MARK_LEGEND, SOLVED: "solved by the calibration", FOLLOW_ON: "follow-on year (after the plan)"}


class MarkLegend(QWidget):
    """What the cell shading means (``marks``: the shades the tab uses)."""

    def __init__(self, marks: tuple[str, ...] = (SOURCED, OVERRIDDEN), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 0)
        for mark in marks:
            meaning = LEGEND_TEXT[mark]
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
    """Reset to Base for a section whose override is a whole row or setting."""

    def reset_for(key: str, _columns: frozenset[object]) -> SetOverride:
        return SetOverride(section, key, None)

    return reset_for


def _class_fields_reset(controller: WorkbenchController):
    """Reset to Base for the class table: only the chosen fields of a class's override go."""

    def reset_for(name: str, fields: frozenset[object]) -> SetOverride:
        overrides = controller.model["scenarios"][controller.scenario].get("asset_classes", {})
        kept = {key: value for key, value in overrides.get(name, {}).items() if key not in fields}
        return SetOverride("asset_classes", name, kept or None)

    return reset_for


YEAR_HEADER_STYLE = "QHeaderView::section { font-size: 8pt; }"  # "follow-on" fits a year column


def year_columns(view: SheetView) -> None:
    """Year columns wide enough for "FY29" over "follow-on" in the header."""
    view.horizontalHeader().setStyleSheet(YEAR_HEADER_STYLE)
    view.horizontalHeader().setDefaultSectionSize(60)


def fit_height(view: SheetView) -> None:
    """A small grid no taller than its rows (no empty space below); in a short window it may
    shrink to its first row and scroll."""
    header = 2 * view.fontMetrics().height() + 8  # two-line year headers
    row = view.verticalHeader().defaultSectionSize()
    frame = 2 * view.frameWidth() + 2
    view.setMaximumHeight(header + view.table_model.rowCount() * row + frame)
    view.setMinimumHeight(header + row + frame)


class CapexPanel(QWidget):
    """History (capex before the plan), capex by class and year, and the class table (treatment,
    lives, lag, revenue) with add/remove."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.history_view = SheetView(
            controller, lambda c: history_sheet(c.model, c.scenario, c.money), reset_for=_override_reset("history")
        )
        year_columns(self.history_view)
        self.history_label = section_label("")
        self.capex_view = SheetView(
            controller,
            lambda c: capex_sheet(c.model, c.scenario, c.money, c.results),
            reset_for=_override_reset("capex"),
        )
        year_columns(self.capex_view)
        self.class_view = SheetView(
            controller,
            lambda c: class_sheet(c.model, c.scenario, c.money),
            reset_for=_class_fields_reset(controller),
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
        layout.addWidget(self.history_label)
        layout.addWidget(self.history_view)
        self._title = section_label("")
        layout.addWidget(self._title)
        layout.addWidget(self.capex_view, 3)
        layout.addLayout(buttons)
        layout.addWidget(self.class_view, 2)
        layout.addWidget(MarkLegend((SOURCED, OVERRIDDEN, FOLLOW_ON)))
        controller.money_display_changed.connect(self._retitle)
        controller.model_changed.connect(self._retitle)
        self._retitle()

    def _retitle(self) -> None:
        money = self._controller.money.label
        has_history = self.history_view.table_model.rowCount() > 0
        self.history_label.setText(
            f"History: capex before the plan, the installed fleet ({money})"
            if has_history
            else "History: none (no fleet was running before the plan)"
        )
        self.history_view.setVisible(has_history)
        if has_history:
            fit_height(self.history_view)
        plan = int(self._controller.scenario_model["settings"]["plan_years"])
        after = "then the follow-on (shaded)" if plan < self._controller.model["horizon"] else "no follow-on"
        self._title.setText(f"Capex plan by asset class ({money}): {plan} plan years, {after}")

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
        year_columns(self.view)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(section_label("Drivers by fiscal year: rates in % (type 12, 12% or 0.12)"))
        layout.addWidget(self.view, 1)
        layout.addWidget(MarkLegend())


class SettingsPanel(QWidget):
    """The settings grid, and above it in words: the calibration (each solved setting and what
    else moves it), how buildings and power are charged, and when the NPV is valued."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.view = SheetView(
            controller,
            lambda c: settings_sheet(c.model, c.scenario, c.money, c.results),
            reset_for=_override_reset("settings"),
        )
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.view.setColumnWidth(0, 110)
        self.calibration_note = QLabel()
        self.calibration_note.setObjectName("CalibrationNote")
        self.calibration_note.setWordWrap(True)
        self.calibration_note.setTextFormat(Qt.TextFormat.RichText)
        self.charge_note = QLabel()
        self.charge_note.setObjectName("InfoNote")
        self.charge_note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(section_label("Settings: plan, valuation, returns, revenue and cost assumptions"))
        layout.addWidget(self.calibration_note)
        layout.addWidget(self.charge_note)
        layout.addWidget(self.view, 1)
        layout.addWidget(MarkLegend((SOURCED, OVERRIDDEN, SOLVED)))
        controller.results_changed.connect(self.refresh_notes)
        controller.money_display_changed.connect(self.refresh_notes)
        self.refresh_notes()

    def refresh_notes(self) -> None:
        controller = self._controller
        model, results = controller.model, controller.results
        sentences = calibration_sentences(model, results, controller.money)
        swatch = MARK_COLOURS[SOLVED].name()
        if sentences:
            items = "".join(
                f"<li><b>{escape(sentence)}</b> <span style='background:{swatch}'>&nbsp;solved&nbsp;</span>"
                f"<br>{escape(effect)}</li>"
                for sentence, effect in sentences
            )
            self.calibration_note.setText(
                f"Calibration (keeps every scenario and trial on the reported year):<ul style='margin:0'>{items}</ul>"
            )
        else:
            self.calibration_note.setText("No calibration: every setting is the analyst's input.")
        self.charge_note.setText(
            f"{infrastructure_sentence(model, controller.scenario, results)} "
            f"{valuation_sentence(model, controller.scenario)}"
        )


class ProjectionsPanel(QWidget):
    """Every output line across the years, read-only; select and copy as a block (Ctrl+C)."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = SheetView(controller, lambda c: projections_sheet(c.model, c.results, c.money), editable=False)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        # Years share the width, but never below a bold "-1,234.5": a long horizon scrolls instead.
        bold = QFont(self.view.font())
        bold.setBold(True)
        header.setMinimumSectionSize(QFontMetrics(bold).horizontalAdvance("-1,234.5") + 12)
        self.view.verticalHeader().setDefaultSectionSize(22)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 6)
        layout.addWidget(section_label("Projections (read-only; select and Ctrl+C to copy as a block)"))
        layout.addWidget(self.view, 1)
