"""The uncertain inputs (docs/model.md section 8): a grid of distributions whose edits are undoable."""

from __future__ import annotations

import copy
from collections.abc import Callable
from html import escape
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from model import ModelError
from model.edits import SetUncertainty
from model.risk import moves_returns, target_paths, with_distribution
from model.risk.defaults import DEFAULT_REASONS, default_input, with_inputs_added, with_inputs_removed
from model.risk.recentre import off_centre, recentred_section
from model.risk.targets import CLASS_TARGET_NAMES
from model.schema import APPLY_MODES, DISTRIBUTIONS
from ui.controller import WorkbenchController
from ui.formatting import MoneyDisplay, format_cell
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


def distribution_text(entry: dict, money: MoneyDisplay) -> str:
    """An input's distribution in words, as the grid shows its parameters: "triangular: low 9.0%,
    mode 10.0%, high 11.0%"."""
    parameters = ", ".join(
        f"{p} {format_cell(entry[p], parameter_unit(entry, p), money)}" for p in DISTRIBUTIONS[entry["dist"]]
    )
    return f"{entry['apply']} by {entry['dist']}: {parameters}"


GROUP_NAMES = {"settings": "Settings", "drivers": "Drivers"} | CLASS_TARGET_NAMES


class AddInputDialog(QDialog):
    """The targets this model allows that are not yet uncertain, grouped by kind in the order of
    the assumption tabs, each with its unit and the distribution it will start with."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add Uncertain Input")
        model, money = controller.model, controller.money
        held = {entry["target"] for entry in (model.get("uncertainty") or {"inputs": []})["inputs"]}
        self.find_field = QLineEdit()
        self.find_field.setPlaceholderText("Find an input")
        self.find_field.setClearButtonEnabled(True)
        self.find_field.textChanged.connect(self.show_matching)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Input", "Unit", "Starts as (edit it on the grid)"])
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.setRootIsDecorated(False)
        groups: dict[str, QTreeWidgetItem] = {}
        for path in target_paths(model):
            if path in held or not moves_returns(path):
                continue
            kind = path.partition(".")[0]
            if kind not in groups:
                groups[kind] = QTreeWidgetItem(self.tree, [GROUP_NAMES[kind]])
                groups[kind].setFlags(Qt.ItemFlag.ItemIsEnabled)
                font = groups[kind].font(0)
                font.setBold(True)
                groups[kind].setFont(0, font)
                groups[kind].setFirstColumnSpanned(True)
                groups[kind].setExpanded(True)
            entry = default_input(model, path, controller.scenario)
            unit = target_unit(path, entry["apply"])
            # Under its group's title a class target needs only the class's name.
            name = path.partition(".")[2] if kind in CLASS_TARGET_NAMES else target_label(path)
            item = QTreeWidgetItem(
                groups[kind],
                [name, money.label if unit == "money" else unit, distribution_text(entry, money)],
            )
            item.setData(0, Qt.ItemDataRole.UserRole, path)
            reason = DEFAULT_REASONS[kind]
            for column in range(3):
                item.setToolTip(column, f"{path}\n{reason}")
        for column in range(2):
            self.tree.resizeColumnToContents(column)
        self.tree.itemDoubleClicked.connect(lambda item: item.parent() is not None and self.accept())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.tree.itemSelectionChanged.connect(self._enable_add)
        self._enable_add()
        note = QLabel(
            "Every input an analysis can move that is not uncertain yet (not the share count or the exchange "
            "rate, which move no return; in a given model others may not either, such as terminal growth under "
            "an exit-multiple terminal value). Select one or more (Ctrl or Shift click); each starts from a "
            "distribution centred on its value in the scenario shown. One undo step."
            if groups
            else "Every input this model allows is already uncertain."
        )
        note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(note)
        layout.addWidget(self.find_field)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.buttons)
        self.resize(760, 560)

    def _groups(self) -> list[QTreeWidgetItem]:
        return [self.tree.topLevelItem(g) for g in range(self.tree.topLevelItemCount())]

    def _items(self) -> list[QTreeWidgetItem]:
        return [group.child(i) for group in self._groups() for i in range(group.childCount())]

    def chosen(self) -> list[str]:
        """The selected targets, in the order the list shows them."""
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in self._items() if item.isSelected()]

    def select(self, paths: list[str]) -> None:
        for item in self._items():
            item.setSelected(item.data(0, Qt.ItemDataRole.UserRole) in paths)

    def show_matching(self, text: str) -> None:
        """Only the inputs whose name or key holds ``text`` (any case), and the groups holding them."""
        wanted = text.strip().casefold()
        for item in self._items():
            path = item.data(0, Qt.ItemDataRole.UserRole)
            item.setHidden(wanted not in f"{item.parent().text(0)} {target_label(path)} {path}".casefold())
            item.setSelected(item.isSelected() and not item.isHidden())
        for group in self._groups():
            group.setHidden(all(group.child(i).isHidden() for i in range(group.childCount())))

    def _enable_add(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(self.chosen()))


def counted(targets: list[str]) -> str:
    """How an undo label counts inputs: "uncertain input Utilization of capacity", "2 uncertain inputs"."""
    return f"uncertain input {target_label(targets[0])}" if len(targets) == 1 else f"{len(targets)} uncertain inputs"


class UncertainInputsView(SheetView):
    """The inputs grid; Delete on whole selected rows removes those inputs (any other Delete is
    the grid's own: a distribution's parameters cannot be empty)."""

    def __init__(self, controller: WorkbenchController, remove: Callable[[list[str]], bool]) -> None:
        self._remove = remove
        super().__init__(controller, uncertainty_sheet)

    def selected_targets(self) -> list[str]:
        """The inputs of the selected rows (or of the current cell), top to bottom."""
        rows = sorted({row for row, _ in self.selected_cells()})
        return [self.table_model.sheet.row_keys[row] for row in rows]

    def clear_selection(self) -> bool:
        rows = {row for row, _ in self.selected_cells()}
        if rows and all(self.selectionModel().isRowSelected(row, QModelIndex()) for row in rows):
            return self._remove(self.selected_targets())
        return super().clear_selection()


class InputsPage(QWidget):
    """The uncertain inputs grid with Add and Remove above it and, under it, the rank
    correlations between the inputs."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.inputs_view = UncertainInputsView(controller, self.remove_inputs)
        self.add_button = QPushButton("Add input…")
        self.add_button.setToolTip(
            "Make another input uncertain: it starts from a distribution centred on the value shown, "
            "which you then edit on the grid. One undo step (Ctrl+Z)."
        )
        self.add_button.clicked.connect(self.add_input)
        self.remove_button = QPushButton("Remove input")
        self.remove_button.setToolTip(
            "Stop treating the selected inputs as uncertain, with their correlations. One undo step "
            "(Ctrl+Z). Delete on whole selected rows does the same."
        )
        self.remove_button.clicked.connect(lambda: self.remove_inputs(self.inputs_view.selected_targets()))
        self.inputs_view.table_model.modelReset.connect(self._enable_remove)
        self.add_action = QAction("Add input…", self.inputs_view)
        self.add_action.triggered.connect(self.add_input)
        self.remove_action = QAction("Remove input", self.inputs_view)
        self.remove_action.triggered.connect(self.remove_button.click)
        self.inputs_view.context_actions += [self.add_action, self.remove_action]
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
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
        layout.addLayout(buttons)
        layout.addWidget(self.inputs_view, 1)
        layout.addWidget(self.correlations)
        controller.model_changed.connect(self.show_correlations)
        self.show_correlations()
        self._enable_remove()

    def _enable_remove(self) -> None:
        self.remove_button.setEnabled(bool(self.inputs_view.table_model.sheet.row_keys))
        self.remove_action.setEnabled(self.remove_button.isEnabled())

    def add_input(self) -> bool:
        """Ask which inputs to make uncertain and add them (one undo step); False if cancelled."""
        dialog = AddInputDialog(self._controller, self)
        accepted, chosen = dialog.exec() == QDialog.DialogCode.Accepted, dialog.chosen()
        dialog.deleteLater()
        return accepted and self.add_inputs(chosen)

    def add_inputs(self, targets: list[str]) -> bool:
        """Add ``targets`` with their default distributions as one undo step and select them; a
        model without an uncertainty section gets one. False (and the rule) if refused."""
        controller = self._controller
        try:
            section = with_inputs_added(controller.model, targets, controller.scenario)
        except ModelError as error:
            controller.report(f"Not added: {error}")
            return False
        if not targets or not controller.apply(SetUncertainty(section), f"Add {counted(targets)}"):
            return False
        view = self.inputs_view
        view.clearSelection()
        rows = [view.table_model.sheet.row_keys.index(target) for target in targets]
        for row in rows:
            flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
            view.selectionModel().select(view.table_model.index(row, 0), flags)
        view.scrollTo(view.table_model.index(rows[0], 0))
        return True

    def remove_inputs(self, targets: list[str]) -> bool:
        """Remove ``targets`` and every correlation naming one of them, as one undo step."""
        controller = self._controller
        if not targets:
            return False
        try:
            section = with_inputs_removed(controller.model, targets)
        except ModelError as error:
            controller.report(f"Not removed: {error}")
            return False
        return controller.apply(SetUncertainty(section), f"Remove {counted(targets)}")

    def show_correlations(self) -> None:
        section = self._controller.model.get("uncertainty")
        if section and section["inputs"]:
            pairs = [f"{target_label(a)} ~ {target_label(b)}: {rho:+.2f}" for a, b, rho in section["correlations"]]
            self.correlations.setText("Rank correlations (Iman–Conover): " + ("; ".join(pairs) if pairs else "none"))
        else:
            self.correlations.setText(
                "This model has no uncertain inputs: the tornado moves every input ±10%. Add an input "
                "(Add input…) to simulate the model on the Monte Carlo page."
            )


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
