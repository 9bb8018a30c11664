"""Charts of the Risk tab: histograms with percentile markers, fans, convergence and the tornado.

Each chart is built once; ``draw`` updates its items in place (``setData``/``setOpts``) and
``show_empty`` hides them until there is something to draw. Each chart shows one output of the
registry (``model.outputs``), which names it and gives the unit of its axis; values arrive in model
units and are shown in display units (money in the display currency, rates in percent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from numpy.typing import ArrayLike
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QSizePolicy, QWidget

from model.outputs import KPIS, LINES, Unit
from ui.chart_base import AI, BARS, BLUE, DASHED, GREEN, GREY, LINE, RED, TEXT, Chart, DottedLine, display_text
from ui.formatting import MoneyDisplay, fixed
from ui.risk.shared import display

BAND = QColor(44, 111, 187, 60)
BINS = 60
MARKER_STYLES = {"p5": Qt.PenStyle.DashLine, "p50": Qt.PenStyle.SolidLine, "p95": Qt.PenStyle.DashLine}
REFERENCE_NAMES = {"npv": "NPV = 0", "irr": "WACC"}  # the red line of each histogram
AXES = ("left", "bottom")
PLOT_MIN_SIZE = (220, 180)  # room for the tick labels and the axis title under a readable plot
TORNADO_LABEL_WIDTH = (120, 320)  # the inputs' names: at least, at most (longer ones are cut)


def trials_text(count: float) -> str:
    """A number of trials in words: "1 trial", "2,000 trials"."""
    return f"{fixed(count, 0)} trial{'' if count == 1 else 's'}"


class RiskChart(Chart):
    """A chart drawn from an analysis's results, with a note under it (what the markers say).

    Subclasses put the items ``draw`` fills in ``data_items`` and call ``show_data`` when drawing;
    what they drew, in display units, answers ``hover_text``.
    """

    readout_hint = "Hover over the chart for its values."

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.plot_widget.setMinimumSize(*PLOT_MIN_SIZE)
        # A plot's own size hint is most of the screen; ignoring it lets the charts share the
        # page and, where the page is short, scroll at their minimum height.
        self.plot_widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Ignored)
        self.placeholder = pg.TextItem(color=GREY.darker(150), anchor=(0.5, 0.5))
        self.plot.addItem(self.placeholder, ignoreBounds=True)
        self.placeholder.hide()
        self.data_items: list[pg.GraphicsObject] = []

    def show_empty(self, message: str) -> None:
        """Nothing to draw yet: no items, axes without numbers over a fixed range, ``message`` inside."""
        for item in self.data_items:
            item.hide()
        for side in AXES:
            self.plot.getAxis(side).setStyle(showValues=False)
        self.plot.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.placeholder.setText(message)
        self.placeholder.setPos(0.5, 0.5)
        self.placeholder.show()
        self.readout.setText(self.readout_hint)

    @property
    def is_empty(self) -> bool:
        return self.placeholder.isVisible()

    def show_data(self) -> None:
        """Undo ``show_empty``: items, numbers on the axes and ranges that follow the data; the
        source of what is drawn is the window's model and scenario as it is drawn."""
        self.placeholder.hide()
        for item in self.data_items:
            item.show()
        for side in AXES:
            self.plot.getAxis(side).setStyle(showValues=True)
        self.plot.enableAutoRange()
        controller = getattr(self.window(), "controller", None)  # none for a chart outside the window
        if controller is not None:
            self.set_source(controller.model["name"], controller.scenario)


class HistogramChart(RiskChart):
    """Trial counts of a KPI's values, with p5/p50/p95 lines and a reference line (0, or the WACC)."""

    def __init__(self, kpi: str, parent: QWidget | None = None) -> None:
        spec = KPIS[kpi]
        super().__init__(f"{spec.label} distribution", parent)
        self.spec = spec
        self.set_axis("bottom", spec.label, spec.unit, None)
        self.set_axis("left", "Trials", Unit.PLAIN, None)
        self.bars = pg.BarGraphItem(x=[0], height=[0], width=1, brush=pg.mkBrush(BLUE.lighter(150)), pen=None)
        self.plot.addItem(self.bars)
        self.markers = {}
        for name, style in MARKER_STYLES.items():
            line = pg.InfiniteLine(
                angle=90,
                pen=pg.mkPen(GREY.darker(130), width=1.5, style=style),
                label=name,
                labelOpts={"position": 0.92, "color": TEXT},
            )
            self.plot.addItem(line)
            self.markers[name] = line
        self.reference = pg.InfiniteLine(angle=90, pen=pg.mkPen(RED, width=1.5))
        self.plot.addItem(self.reference)
        self.data_items = [self.bars, *self.markers.values(), self.reference]
        self.add_legend_entry(BLUE.lighter(150), "Trials", BARS)
        self.add_legend_entry(GREY.darker(130), "p5, p50, p95", DASHED)
        self.add_legend_entry(RED, REFERENCE_NAMES[kpi], LINE)
        self._counts, self._edges, self._money = np.zeros(0, dtype=int), np.zeros(1), None

    def draw(
        self, values: ArrayLike, markers: Mapping[str, float], reference: float, note: str, money: MoneyDisplay
    ) -> None:
        self.show_data()
        self.set_axis("bottom", self.spec.label, self.spec.unit, money)
        values = display(values, self.spec.unit, money)
        markers = {name: float(display(value, self.spec.unit, money)) for name, value in markers.items()}
        values = values[np.isfinite(values)]
        self._counts, self._edges, self._money = np.zeros(0, dtype=int), np.zeros(1), money
        reference_shown = float(display(reference, self.spec.unit, money))
        if values.size:
            bins: int | tuple[float, ...] = BINS
            # Every trial gave one value (up to rounding noise, as where the calibration solves the
            # moved input away): one bar, as wide as a bin of the plot's span.
            if np.ptp(values) <= 1e-9 * max(1.0, float(np.abs(values).max())):
                value = float(values[0])
                half = max(abs(value), abs(reference_shown - value), 1.0) / BINS
                bins = (value - half, value + half)
            self._counts, self._edges = np.histogram(values, bins=bins)
            edges = self._edges
            self.bars.setOpts(x=(edges[:-1] + edges[1:]) / 2, height=self._counts, width=(edges[1] - edges[0]) * 0.95)
        for name, line in self.markers.items():
            value = markers.get(name, np.nan)
            line.setValue(value)
            line.setVisible(bool(np.isfinite(value)))
            # Lines that coincide (every trial alike, or few trials) share one label, "p5 = p50",
            # on the first of them; printed one over the other the names could not be read.
            same = [other for other in self.markers if markers.get(other) == value] or [name]
            line.label.setFormat(" = ".join(same) if same[0] == name else "")
        self.reference.setValue(reference_shown)
        self.note.setText(note)

    def hover_text(self, point: QPointF) -> str | None:
        """The trials in the bin under the mouse: "NPV -45.2 to -44.1 RMB bn: 183 trials"."""
        i = int(np.searchsorted(self._edges, point.x(), side="right")) - 1
        if self.is_empty or self._money is None or not 0 <= i < len(self._counts):
            return None
        low, high = (display_text(edge, self.spec.unit, self._money) for edge in self._edges[i : i + 2])
        return f"{self.spec.label} {low} to {high}: {trials_text(self._counts[i])}"


class FanChart(RiskChart):
    """The p10–p90 band and the p50 line of an output line across the years (its title names it)."""

    def __init__(self, line: str, parent: QWidget | None = None) -> None:
        spec = LINES[line]
        super().__init__(spec.label, parent)
        self.spec = spec
        self.set_axis("left", "", spec.unit, None)
        self.low = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=0.5))
        self.high = pg.PlotDataItem(pen=pg.mkPen(BLUE, width=0.5))
        self.band = pg.FillBetweenItem(self.low, self.high, brush=pg.mkBrush(BAND))
        self.median = DottedLine(pg.mkPen(BLUE, width=2), BLUE, size=4)
        # Drawn over the p50 line, which it often nearly follows, in a colour that shows on it.
        self.deterministic = pg.PlotDataItem(pen=pg.mkPen(AI, width=1.8, style=Qt.PenStyle.DashLine))
        self.data_items = [self.low, self.high, self.band, self.median, self.deterministic]
        # Any number of year labels may fill 80% of the axis (pyqtgraph's default stops at 20%).
        self.plot.getAxis("bottom").setStyle(textFillLimits=[(0, 0.8)])
        for item in self.data_items:
            self.plot.addItem(item)
        self.add_legend_entry(BAND, "p10 to p90 of the trials", BARS)
        self.add_legend_entry(BLUE, "p50", LINE)
        self.add_legend_entry(AI, "The model as entered", DASHED)
        self._years: list[int] = []
        self._shown: dict[str, np.ndarray] = {}
        self._money: MoneyDisplay | None = None

    def draw(
        self,
        years: Sequence[int],
        p10: ArrayLike,
        p50: ArrayLike,
        p90: ArrayLike,
        deterministic: ArrayLike,
        money: MoneyDisplay,
    ) -> None:
        self.show_data()
        self.set_axis("left", "", self.spec.unit, money)
        x = np.asarray(years, dtype=float)
        unit = self.spec.unit
        self._years, self._money = [int(year) for year in years], money
        self._shown = {
            name: display(values, unit, money)
            for name, values in (("p10", p10), ("p50", p50), ("p90", p90), ("model as entered", deterministic))
        }
        self.low.setData(x, self._shown["p10"])
        self.high.setData(x, self._shown["p90"])
        self.median.setData(x, self._shown["p50"])
        self.deterministic.setData(x, self._shown["model as entered"])
        step = 1 if len(years) <= 12 else 2 if len(years) <= 24 else 5
        labelled = [(y, f"FY{y % 100:02d}") for y in list(years)[::step]]
        # Every other year is a second level, which the axis leaves unlabelled where labels would touch.
        self.plot.getAxis("bottom").setTicks([labelled[::2], labelled[1::2]])

    def hover_text(self, point: QPointF) -> str | None:
        """The year under the mouse: "FY2030: p10 250.1 RMB bn · p50 … · model as entered …"."""
        year = round(point.x())
        if self.is_empty or self._money is None or year not in self._years:
            return None
        i = self._years.index(year)
        money, unit = self._money, self.spec.unit
        parts = [f"{name} {display_text(values[i], unit, money)}" for name, values in self._shown.items()]
        return f"FY{year}: " + " · ".join(parts)


class ConvergenceChart(RiskChart):
    """Running mean and p50 of the NPV against the number of trials (log scale)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(f"Convergence of {KPIS['npv'].label}", parent)
        self.spec = KPIS["npv"]
        self.set_axis("bottom", "Trials (log scale)", Unit.PLAIN, None)
        self.set_axis("left", self.spec.label, self.spec.unit, None)
        self.plot.setLogMode(x=True, y=False)
        self.mean = self.plot.plot(pen=pg.mkPen(BLUE, width=2))
        self.median = self.plot.plot(pen=pg.mkPen(GREEN, width=2))
        self.data_items = [self.mean, self.median]
        self.add_legend_entry(BLUE, "Running mean", LINE)
        self.add_legend_entry(GREEN, "Running p50", LINE)
        self.note.setText("Flat lines mean enough trials.")
        self._trials, self._money = np.zeros(0), None

    def draw(self, trials: ArrayLike, mean: ArrayLike, p50: ArrayLike, money: MoneyDisplay) -> None:
        self.show_data()
        self._trials, self._money = np.asarray(trials, dtype=float), money
        self.mean.setData(self._trials, display(mean, self.spec.unit, money))
        self.median.setData(self._trials, display(p50, self.spec.unit, money))
        self.set_axis("left", self.spec.label, self.spec.unit, money)

    def hover_text(self, point: QPointF) -> str | None:
        """The running figures at the step nearest the mouse (x is log10 of the trials)."""
        if self.is_empty or self._money is None or not self._trials.size:
            return None
        i = int(np.abs(np.log10(self._trials) - point.x()).argmin())
        mean, median = self.mean.yData[i], self.median.yData[i]
        unit, money = self.spec.unit, self._money
        mean_text, median_text = display_text(mean, unit, money), display_text(median, unit, money)
        return f"{trials_text(self._trials[i])}: mean {mean_text} · p50 {median_text}"


class TornadoChart(RiskChart):
    """Horizontal bars from the base NPV to the NPV at each input's low and high end."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(f"Tornado: {KPIS['npv'].label} when each input moves alone", parent)
        self.spec = KPIS["npv"]
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.axis("bottom").setStyle(maxTickLevel=0)
        self.add_legend_entry(RED.lighter(140), "NPV with the input at its low end", BARS)
        self.add_legend_entry(GREEN.lighter(140), "at its high end", BARS)
        self.add_legend_entry(GREY.darker(150), "Base NPV", LINE)
        self.low_bars = pg.BarGraphItem(x0=[0], y=[0], height=0.6, width=[0], brush=pg.mkBrush(RED.lighter(140)))
        self.high_bars = pg.BarGraphItem(x0=[0], y=[0], height=0.6, width=[0], brush=pg.mkBrush(GREEN.lighter(140)))
        self.base = pg.InfiniteLine(angle=90, pen=pg.mkPen(GREY.darker(150), width=1.5))
        for item in (self.low_bars, self.high_bars, self.base):
            self.plot.addItem(item)
        self._rows: list[tuple[str, float, float]] = []  # top down: name, NPV at the low and high end
        self._money: MoneyDisplay | None = None

    def draw(
        self, labels: Sequence[str], base: float, low: ArrayLike, high: ArrayLike, note: str, money: MoneyDisplay
    ) -> None:
        self.show_data()
        rows = np.arange(len(labels), dtype=float)[::-1]  # the largest swing on top
        unit = self.spec.unit
        base = float(display(base, unit, money))
        low = np.nan_to_num(display(low, unit, money), nan=base)
        high = np.nan_to_num(display(high, unit, money), nan=base)
        self.low_bars.setOpts(x0=np.full(len(rows), base), y=rows, width=low - base, height=0.6)
        self.high_bars.setOpts(x0=np.full(len(rows), base), y=rows, width=high - base, height=0.6)
        self.base.setValue(base)
        self._rows, self._money = list(zip(labels, low, high, strict=True)), money
        left = self.plot.getAxis("left")
        left.setTicks([list(zip(rows, labels, strict=True))])
        widest = max((QFontMetrics(left.font()).horizontalAdvance(label) for label in labels), default=0)
        left.setWidth(min(max(widest + 16, TORNADO_LABEL_WIDTH[0]), TORNADO_LABEL_WIDTH[1]))
        self.plot.setYRange(-0.7, max(len(labels) - 0.3, 0.7), padding=0)
        self.set_axis("bottom", self.spec.label, unit, money)
        self.note.setText(note)

    def hover_text(self, point: QPointF) -> str | None:
        """The input under the mouse and the NPV at its low and high end."""
        i = len(self._rows) - 1 - round(point.y())
        if self._money is None or not 0 <= i < len(self._rows):
            return None
        name, low, high = self._rows[i]
        low_text, high_text = (display_text(value, self.spec.unit, self._money) for value in (low, high))
        return f"{name}: {self.spec.label} {low_text} at the low end, {high_text} at the high end"
