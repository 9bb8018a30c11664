"""The four charts, built once and updated in place (``setData``/``setOpts``) on every change.

Money is shown in the display currency, rates in percent. Hovering shows the values of the year
under the cursor; each chart saves itself as PNG.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from model.schema import LINES
from ui.controller import WorkbenchController
from ui.formatting import format_cell
from ui.on_screen import RefreshWhenShown

pg.setConfigOptions(antialias=True, background="w", foreground="#30343b")

CORE, AI, PULL = QColor("#9aa7b8"), QColor("#e8772e"), QColor("#f3b37c")
BLUE, RED, GREEN, GREY = QColor("#2c6fbb"), QColor("#c8453c"), QColor("#3e9a5b"), QColor("#7d8490")
PEER_COLOURS = (QColor("#6a4c93"), QColor("#1b998b"), QColor("#b5838d"), QColor("#8d6a3b"))
BAR_WIDTH = 0.62
HEADROOM = 1.08  # space above the highest point, so markers and labels are not cut


def percent(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float) * 100.0


class ChartCard(QFrame):
    """A titled chart with a hover readout and a Save PNG button; subclasses draw the data."""

    readout_lines: tuple[str, ...] = ()

    def __init__(self, controller: WorkbenchController, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartCard")
        self._controller = controller
        self.plot_widget = pg.PlotWidget()
        self.plot_widget.setMinimumSize(200, 150)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        self.plot.setMenuEnabled(False)
        self.plot.vb.setMouseEnabled(x=False, y=False)
        self.plot.hideButtons()
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(GREY, width=1, style=Qt.PenStyle.DotLine))
        self.cursor.setVisible(False)
        self.plot.addItem(self.cursor, ignoreBounds=True)

        self.title = QLabel(title)
        self.title.setObjectName("ChartTitle")
        self.save_button = QPushButton("Save PNG…")
        self.save_button.setObjectName("FlatButton")
        self.save_button.setToolTip("Save this chart as a PNG image")
        self.save_button.clicked.connect(lambda: self.save_png())
        # The legend sits above the plot rather than inside it, so it never hides a bar or a label.
        self.legend = QLabel()
        self.legend.setObjectName("ChartLegend")
        self._legend_entries: list[str] = []
        self.readout = QLabel("Hover over the chart for the values of a year.")
        self.readout.setObjectName("ChartReadout")
        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.save_button)
        for label in (self.legend, self.readout):
            label.setWordWrap(True)
            label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.readout)

        self._years: list[int] = []
        self._hover = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)
        self.refresher = RefreshWhenShown(self, self.refresh, stale=False)
        controller.results_changed.connect(self.refresher.request)
        controller.money_display_changed.connect(self.refresher.request)

    def refresh(self) -> None:
        years = self._controller.results.years
        if years != self._years:
            self._years = list(years)
            step = 1 if len(years) <= 12 else 2 if len(years) <= 24 else 5
            ticks = [(year, f"FY{year % 100:02d}") for year in years[::step]]
            self.plot.getAxis("bottom").setTicks([ticks])
            self.plot.setXRange(years[0] - 0.6, years[-1] + 0.6, padding=0)
        self.update_data()
        if self.cursor.isVisible():
            self.show_year(int(self.cursor.value()))

    def update_data(self) -> None:
        raise NotImplementedError

    def _mouse_moved(self, event: tuple[QPointF]) -> None:
        position = event[0]
        if self.plot.vb.sceneBoundingRect().contains(position):
            self.show_year(round(self.plot.vb.mapSceneToView(position).x()))

    def show_year(self, year: int) -> None:
        """Move the cursor to ``year`` and show that year's values under the chart."""
        if year not in self._years:
            return
        self.cursor.setPos(year)
        self.cursor.setVisible(True)
        results, money = self._controller.results, self._controller.money
        parts = [
            f"{LINES[key][0]} {format_cell(results.lines.at[key, year], LINES[key][1], money)}"
            for key in self.readout_lines
        ]
        self.readout.setText(f"FY{year}: " + " · ".join(parts) + f"   ({money.label}, %)")

    def save_png(self, path: str | None = None) -> bool:
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                self, "Save chart as PNG", f"{self.title.text()}.png", "PNG image (*.png)"
            )
            if not path:
                return False
        return self.plot_widget.grab().save(path, "PNG")

    def add_legend_entry(self, colour: QColor, name: str, glyph: str) -> None:
        """``glyph``: ■ bars, ━ a line, ◆ reported figures, ┅ a reference line."""
        self._legend_entries.append(f'<span style="color:{colour.name()}">{glyph}</span>&nbsp;{name}')
        self.legend.setText("&nbsp;&nbsp;&nbsp;".join(self._legend_entries))

    def bars(self, colour: QColor, name: str) -> pg.BarGraphItem:
        item = pg.BarGraphItem(x=[0], height=[0], width=BAR_WIDTH, brush=colour, pen=pg.mkPen(colour.darker(115)))
        self.plot.addItem(item)
        self.add_legend_entry(colour, name, "■")
        return item

    def curve(
        self, colour: QColor, name: str, symbol: str | None = "o", style=Qt.PenStyle.SolidLine
    ) -> pg.PlotDataItem:
        item = pg.PlotDataItem(
            pen=pg.mkPen(colour, width=2, style=style),
            symbol=symbol,
            symbolSize=5,
            symbolBrush=colour,
            symbolPen=colour,
            connect="finite",
        )
        self.plot.addItem(item)
        self.add_legend_entry(colour, name, "━" if style == Qt.PenStyle.SolidLine else "┅")
        return item

    def set_money_axis(self, title: str) -> None:
        self.plot.setLabel("left", f"{title} ({self._controller.money.label})")


def reference_line(
    colour: QColor, text: str, position: float, angle: int = 0, anchor_right: bool = False
) -> pg.InfiniteLine:
    """A dashed line labelled ``position`` of the way along it (0..1), the label just above the line."""
    anchor = (1, 1) if anchor_right else (0, 1)
    line = pg.InfiniteLine(
        angle=angle,
        movable=False,
        pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
        label=text,
        labelOpts={
            "position": position,
            "color": colour,
            "fill": pg.mkBrush(255, 255, 255, 200),
            "anchors": [anchor, anchor],
        },
    )
    line.label.setFont(QFont("DejaVu Sans", 7))
    return line


def plot_line(item: pg.PlotDataItem, years: np.ndarray, values: np.ndarray) -> None:
    """Draw a line with gaps where a value is undefined (NaN); with no defined value at all the
    line is emptied, since pyqtgraph cannot take the range of points that are all NaN."""
    if np.isfinite(values).any():
        item.setData(years, values)
    else:
        item.setData([], [])


def show_reported(markers: pg.ScatterPlotItem, reported: dict[int, dict[str, float]], line: str, scale: float) -> None:
    """Markers at the reported figures of ``line``; hidden when there are none (an empty scatter
    would make pyqtgraph take the range of no data)."""
    points = {year: values[line] * scale for year, values in reported.items() if line in values}
    markers.setVisible(bool(points))
    if points:
        markers.setData(list(points), list(points.values()))


class RevenueChart(ChartCard):
    """Segment revenue stacked by core, AI and pull-through; EBITA margin on the right axis with the
    reported actuals as markers and the peers' reported margins as labelled reference lines."""

    readout_lines = ("core_revenue", "ai_revenue", "pull_through_revenue", "total_revenue", "ebita_margin")

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(controller, "Revenue and EBITA margin", parent)
        self.core = self.bars(CORE, "Core")
        self.ai = self.bars(AI, "AI")
        self.pull = self.bars(PULL, "Pull-through")
        self.revenue_actuals = pg.ScatterPlotItem(symbol="d", size=11, brush=pg.mkBrush("#111"))
        self.plot.addItem(self.revenue_actuals)
        self.add_legend_entry(QColor("#111"), "Reported revenue", "◆")

        self.margin_view = pg.ViewBox()
        self.margin_view.setZValue(1)  # the margin line and the peer labels above the bars
        self.plot.showAxis("right")
        self.plot.scene().addItem(self.margin_view)
        self.plot.getAxis("right").linkToView(self.margin_view)
        self.plot.getAxis("right").setLabel("EBITA margin (%)")
        self.margin_view.setXLink(self.plot)
        self.plot.vb.sigResized.connect(self._align_views)
        self.margin = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=2.5), symbol="o", symbolSize=5, symbolBrush=BLUE)
        self.margin_view.addItem(self.margin)
        self.add_legend_entry(BLUE, "EBITA margin (right axis)", "━")
        self.margin_actuals = pg.ScatterPlotItem(symbol="d", size=11, brush=pg.mkBrush(BLUE.darker(150)))
        self.margin_view.addItem(self.margin_actuals)
        self.add_legend_entry(BLUE.darker(150), "Reported margin", "◆")
        self.add_legend_entry(PEER_COLOURS[0], "Peers' reported margins", "┅")
        self._peer_lines: dict[str, pg.InfiniteLine] = {}
        self.refresh()

    def _align_views(self) -> None:
        self.margin_view.setGeometry(self.plot.vb.sceneBoundingRect())

    def update_data(self) -> None:
        results, model, money = self._controller.results, self._controller.model, self._controller.money
        years = np.array(results.years, dtype=float)
        lines = results.lines
        core = lines.loc["core_revenue"].to_numpy() / money.rate
        ai = lines.loc["ai_revenue"].to_numpy() / money.rate
        pull = lines.loc["pull_through_revenue"].to_numpy() / money.rate
        self.core.setOpts(x=years, height=core, y0=0)
        self.ai.setOpts(x=years, height=ai, y0=core)
        self.pull.setOpts(x=years, height=pull, y0=core + ai)
        self.set_money_axis("Revenue")
        reported = {int(year): values for year, values in model["actuals"].items() if int(year) in results.years}
        show_reported(self.revenue_actuals, reported, "total_revenue", 1 / money.rate)
        show_reported(self.margin_actuals, reported, "ebita_margin", 100.0)
        margin = percent(lines.loc["ebita_margin"].to_numpy())
        plot_line(self.margin, years, margin)
        self._update_peers(model["peers"])
        self.plot.setYRange(0, float(np.nanmax(core + ai + pull)) * HEADROOM, padding=0)
        peers = [values["ebita_margin"] * 100 for values in model["peers"].values() if "ebita_margin" in values]
        top = max([*peers, float(np.nanmax(margin))])
        # Extra room on the margin axis: the peers' labels sit above their lines.
        self.margin_view.setYRange(min(0.0, float(np.nanmin(margin))), top * 1.2, padding=0)

    def _update_peers(self, peers: dict[str, dict[str, float]]) -> None:
        """Peer lines change only when another model is opened; otherwise they stay as they are."""
        margins = {name: values["ebita_margin"] for name, values in peers.items() if "ebita_margin" in values}
        if set(margins) != set(self._peer_lines):
            for line in self._peer_lines.values():
                self.margin_view.removeItem(line)
            self._peer_lines = {}
            for i, name in enumerate(margins):
                line = reference_line(PEER_COLOURS[i % len(PEER_COLOURS)], "", 0.98, anchor_right=True)
                self.margin_view.addItem(line)
                self._peer_lines[name] = line
        for name, line in self._peer_lines.items():
            line.setPos(margins[name] * 100)
            line.label.setFormat(f"{name} {margins[name] * 100:.1f}%")


class CapexChart(ChartCard):
    """Capex (capitalized and expensed, stacked) against depreciation."""

    readout_lines = ("capex_capitalized", "capex_expensed", "depreciation", "net_ppe")

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(controller, "Capex and depreciation", parent)
        self.capitalized = self.bars(AI.darker(110), "Capex, capitalized")
        self.expensed = self.bars(PULL, "Capex, expensed")
        self.depreciation = self.curve(BLUE, "Depreciation")
        self.refresh()

    def update_data(self) -> None:
        results, money = self._controller.results, self._controller.money
        years = np.array(results.years, dtype=float)
        capitalized = results.lines.loc["capex_capitalized"].to_numpy() / money.rate
        expensed = results.lines.loc["capex_expensed"].to_numpy() / money.rate
        depreciation = results.lines.loc["depreciation"].to_numpy() / money.rate
        self.capitalized.setOpts(x=years, height=capitalized, y0=0)
        self.expensed.setOpts(x=years, height=expensed, y0=capitalized)
        plot_line(self.depreciation, years, depreciation)
        top = float(max(np.nanmax(capitalized + expensed), np.nanmax(depreciation), 1e-9))
        self.plot.setYRange(0, top * HEADROOM, padding=0)
        self.set_money_axis("Capex")


class CashFlowChart(ChartCard):
    """Plan free cash flow by year, cumulative free cash flow and the payback point."""

    readout_lines = ("fcf", "cumulative_fcf", "pv_fcf")

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(controller, "Plan free cash flow and payback", parent)
        self.fcf = self.bars(GREEN, "Free cash flow")
        self.cumulative = self.curve(QColor("#30343b"), "Cumulative FCF")
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(GREY, width=1)), ignoreBounds=True)
        self.payback = reference_line(BLUE, "", 0.92, angle=90)
        self.plot.addItem(self.payback, ignoreBounds=True)
        self.add_legend_entry(BLUE, "Payback", "┅")
        self.refresh()

    def update_data(self) -> None:
        results, money = self._controller.results, self._controller.money
        base_year = results.years[0] - 1
        years = np.array(results.years, dtype=float)
        fcf = results.lines.loc["fcf"].to_numpy() / money.rate
        cumulative = results.lines.loc["cumulative_fcf"].to_numpy() / money.rate
        self.fcf.setOpts(x=years, height=fcf, brushes=[pg.mkBrush(GREEN if v >= 0 else RED) for v in fcf])
        plot_line(self.cumulative, years, cumulative)
        payback = results.kpis["payback_years"]
        self.payback.setVisible(payback is not None)
        if payback is not None:
            # Year t ends at base_year + t, where the cumulative line is plotted: the marker sits
            # where that line crosses zero.
            self.payback.setPos(base_year + payback)
            self.payback.label.setFormat(f"Payback {payback:.1f} yrs")
        low = float(min(np.nanmin(fcf), np.nanmin(cumulative), 0.0))
        high = float(max(np.nanmax(fcf), np.nanmax(cumulative), 0.0))
        span = max(high - low, 1e-9)
        self.plot.setYRange(low - 0.05 * span, high + (HEADROOM - 1) * span, padding=0)
        self.set_money_axis("Cash flow")


class ReturnsChart(ChartCard):
    """Plan ROIC and plan EBITA margin against the WACC."""

    readout_lines = ("roic", "plan_ebita_margin", "ebita_margin")

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(controller, "Plan ROIC and margin against the WACC", parent)
        self.roic = self.curve(BLUE, "Plan ROIC")
        self.plan_margin = self.curve(AI, "Plan EBITA margin")
        self.wacc = reference_line(RED, "", 0.03)
        self.plot.addItem(self.wacc)
        self.add_legend_entry(RED, "WACC", "┅")
        self.plot.setLabel("left", "Return / margin (%)")
        self.refresh()

    def update_data(self) -> None:
        results, settings = self._controller.results, self._controller.scenario_model["settings"]
        years = np.array(results.years, dtype=float)
        roic = percent(results.lines.loc["roic"].to_numpy())
        margin = percent(results.lines.loc["plan_ebita_margin"].to_numpy())
        wacc = settings["wacc"] * 100
        plot_line(self.roic, years, roic)
        plot_line(self.plan_margin, years, margin)
        self.wacc.setPos(wacc)
        self.wacc.label.setFormat(f"WACC {wacc:.1f}%")
        finite = np.concatenate([roic[np.isfinite(roic)], margin[np.isfinite(margin)], [wacc, 0.0]])
        low, high = float(finite.min()), float(finite.max())
        span = max(high - low, 1e-9)
        self.plot.setYRange(low - 0.05 * span, high + (HEADROOM - 1) * span, padding=0)


class ChartsPanel(QWidget):
    """The four charts in a 2 × 2 grid."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.revenue = RevenueChart(controller)
        self.capex = CapexChart(controller)
        self.cash_flow = CashFlowChart(controller)
        self.returns = ReturnsChart(controller)
        layout = QGridLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(6)
        for i, chart in enumerate(self.charts):
            layout.addWidget(chart, i // 2, i % 2)
        for i in range(2):
            layout.setColumnStretch(i, 1)
            layout.setRowStretch(i, 1)

    @property
    def charts(self) -> tuple[ChartCard, ...]:
        return (self.revenue, self.capex, self.cash_flow, self.returns)
