"""What several window tests do alike."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel


def select(view, top, left, bottom, right):
    """Select the block of cells from (top, left) to (bottom, right), the first one current."""
    model = view.table_model
    view.setCurrentIndex(model.index(top, left))
    selection = QItemSelection(model.index(top, left), model.index(bottom, right))
    view.selectionModel().select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)


def run_monte_carlo(qtbot, page, trials: int, seed: int | None = None):
    """Run the Monte Carlo page for ``trials`` (with ``seed``, else the page's) to its end; the run."""
    page.trials_field.setValue(trials)
    if seed is not None:
        page.seed_field.setValue(seed)
    with qtbot.waitSignal(page.run_finished, timeout=60_000):
        assert page.run_monte_carlo()
    qtbot.waitUntil(lambda: not page.is_running)
    return page.last_run
