"""The Risk tab: Monte Carlo, tornado, two-way grid, breakeven and the uncertain inputs, one page each.

Every number comes from ``model.risk``; the pages only collect the analyst's choices, run the
analyses and draw their results.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ui.controller import WorkbenchController
from ui.risk.breakeven_page import BreakevenPage
from ui.risk.grid_page import GridPage
from ui.risk.inputs_page import InputsPage, OffCentreNote
from ui.risk.montecarlo_page import MonteCarloPage
from ui.risk.tornado_page import TornadoPage


class RiskPanel(QWidget):
    """The Risk tab's pages; ``run_finished`` and ``stop_run`` are the Monte Carlo page's."""

    run_finished = Signal()

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.monte_carlo_page = MonteCarloPage(controller)
        self.tornado_page = TornadoPage(controller)
        self.grid_page = GridPage(controller)
        self.breakeven_page = BreakevenPage(controller)
        self.inputs_page = InputsPage(controller)
        self.off_centre_note = OffCentreNote(controller)  # above every page: each may draw from them
        self.monte_carlo_page.run_finished.connect(self.run_finished)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.monte_carlo_page, "Monte Carlo")
        self.tabs.addTab(self.tornado_page, "Tornado")
        self.tabs.addTab(self.grid_page, "Two-way grid")
        self.tabs.addTab(self.breakeven_page, "Breakeven")
        self.tabs.addTab(self.inputs_page, "Uncertain inputs")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.off_centre_note)
        layout.addWidget(self.tabs)

    def stop_run(self) -> None:
        """Cancel a Monte Carlo run and wait for its thread."""
        self.monte_carlo_page.stop_run()
