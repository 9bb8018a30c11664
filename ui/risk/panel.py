"""The Risk tab: Monte Carlo, tornado, two-way grid, breakeven and the uncertain inputs, one page each.

Every number comes from ``model.risk``; the pages only collect the analyst's choices, run the
analyses and draw their results.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from ui.controller import WorkbenchController
from ui.risk.breakeven_page import BreakevenPage
from ui.risk.grid_page import GridPage
from ui.risk.inputs_page import InputsPage, OffCentreNote
from ui.risk.montecarlo_page import MonteCarloPage
from ui.risk.tornado_page import TornadoPage


@dataclass(frozen=True)
class RiskPages:
    monte_carlo: MonteCarloPage
    tornado: TornadoPage
    grid: GridPage
    breakeven: BreakevenPage
    inputs: InputsPage


class RiskPanel(QWidget):
    """The Risk tab's pages; ``run_finished`` and ``stop_run`` are the Monte Carlo page's.

    The pages (eight plots) are built when the tab is first shown or a page is first asked for,
    not with the window: most sessions open the Risk tab late or never, and the window comes up
    sooner without them. ``is_built`` says whether they exist (until then nothing has been run).
    """

    run_finished = Signal()

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._pages: RiskPages | None = None
        self.off_centre_note = OffCentreNote(controller)  # above every page: each may draw from them
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.off_centre_note)
        layout.addWidget(self.tabs)

    @property
    def is_built(self) -> bool:
        return self._pages is not None

    def pages(self) -> RiskPages:
        """The pages, built on the first call."""
        if self._pages is None:
            controller = self._controller
            pages = RiskPages(
                MonteCarloPage(controller),
                TornadoPage(controller),
                GridPage(controller),
                BreakevenPage(controller),
                InputsPage(controller),
            )
            pages.monte_carlo.run_finished.connect(self.run_finished)
            for page, title in (
                (pages.monte_carlo, "Monte Carlo"),
                (pages.tornado, "Tornado"),
                (pages.grid, "Two-way grid"),
                (pages.breakeven, "Breakeven"),
                (pages.inputs, "Uncertain inputs"),
            ):
                self.tabs.addTab(page, title)
            self._pages = pages
        return self._pages

    @property
    def monte_carlo_page(self) -> MonteCarloPage:
        return self.pages().monte_carlo

    @property
    def tornado_page(self) -> TornadoPage:
        return self.pages().tornado

    @property
    def grid_page(self) -> GridPage:
        return self.pages().grid

    @property
    def breakeven_page(self) -> BreakevenPage:
        return self.pages().breakeven

    @property
    def inputs_page(self) -> InputsPage:
        return self.pages().inputs

    def showEvent(self, event: QShowEvent) -> None:
        self.pages()
        super().showEvent(event)

    def stop_run(self) -> None:
        """Cancel a Monte Carlo run and wait for its thread."""
        if self._pages is not None:
            self._pages.monte_carlo.stop_run()
