"""The tornado: the NPV with each input alone at its low and high end, redrawn on every change
of the model while it is in front (it is cheap), and when it comes to the front otherwise."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from model import ModelError
from model.risk import TornadoResults, tornado
from ui.controller import WorkbenchController
from ui.formatting import format_kpi
from ui.on_screen import RefreshWhenShown
from ui.risk.charts import TornadoChart
from ui.risk.shared import is_life, target_label


def tornado_label(row) -> str:
    """A tornado row's name; a life says which whole-year lives were applied at its two ends
    (the P10 and P90 of a life are rarely whole years)."""
    label = target_label(row["target"])
    if is_life(row["target"]):
        label += f" ({row['applied_low']:g} / {row['applied_high']:g} yrs)"
    return label


class TornadoPage(QWidget):
    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self.last_tornado: TornadoResults | None = None
        self.tornado_chart = TornadoChart()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tornado_chart, 1)
        self.tornado_refresher = RefreshWhenShown(self.tornado_chart, self.refresh_tornado, stale=True)
        controller.results_changed.connect(self.tornado_refresher.request)
        controller.money_display_changed.connect(self.tornado_refresher.request)

    def refresh_tornado(self) -> None:
        controller = self._controller
        money = controller.money
        try:
            result = tornado(controller.model, controller.scenario)
        except ModelError as error:
            self.tornado_chart.note.setText(str(error))
            return
        self.last_tornado = result
        table = result.table
        ends = "its P10 and P90" if result.basis == "P10/P90" else "0.9× and 1.1× its value"
        labels = [tornado_label(row) for _, row in table.iterrows()]
        self.tornado_chart.plot_widget.setToolTip(
            "\n".join(
                f"{target_label(row['target'])}: {row['target']}, low end {row['low']:.4g} "
                f"(applied {row['applied_low']:.4g}), high end {row['high']:.4g} (applied {row['applied_high']:.4g})"
                for _, row in table.iterrows()
            )
        )
        broken = [target_label(row["target"]) for _, row in table.iterrows() if row["swing"] != row["swing"]]
        unbarred = (
            f" No bar for {', '.join(broken)}: the model refuses an end (it breaks one of the model's rules); "
            "edit the distribution on the Uncertain inputs page."
            if broken
            else ""
        )
        self.tornado_chart.draw(
            labels,
            result.base_npv,
            table["npv_low"],
            table["npv_high"],
            f"Each input alone at {ends} (a life at whole years, shown in brackets); red: NPV at the low end, "
            "green: at the high end; "
            f"line: base NPV {format_kpi(result.base_npv, 'money', money)}. Largest swing on top.{unbarred}",
            money,
        )
