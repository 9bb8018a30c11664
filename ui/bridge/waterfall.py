"""The bridge's waterfall: the metric in the from state, one bar per lever from where the last one
ended, and the metric in the to state, as horizontal bars so the levers' names read in full.

Built once: ``draw`` moves the bars (``setOpts``), the connectors (``setData``) and reuses its
value labels, only adding labels when a bridge has more levers than any before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from model.outputs import Unit
from ui.chart_base import BARS, BLUE, DASHED, GREEN, GREY, RED, TEXT
from ui.formatting import MoneyDisplay, fixed
from ui.risk.charts import RiskChart
from ui.risk.shared import display

BAR_HEIGHT = 0.6
NAME_WIDTH = (120, 340)  # pixels for the levers' names on the left axis: at least, at most
LABEL_GAP = 6  # pixels between a bar's end and its value
CHANGE_WORDS = {Unit.PERCENT: "pt", Unit.YEARS: "years", Unit.RATIO: "x"}


def value_text(value: float, unit: Unit, money: MoneyDisplay, signed: bool) -> str:
    """A start, end (``signed`` False) or contribution (True) with its unit: ``-33.4 RMB bn``,
    ``+17.0 RMB bn``, ``12.0%`` and ``+4.4 pt``, ``6.2 years``, ``+0.3 years``; a contribution
    that rounds to zero is ``0.0`` with no sign."""
    decimals = 2 if unit == Unit.RATIO else 1
    shown = float(display(value, unit, money))
    if round(shown, decimals) == 0:
        shown = 0.0  # a lever that changes nothing reads 0.0, never +0.0 or -0.0
    number = ("+" if signed and shown > 0 else "") + fixed(shown, decimals)
    if unit == Unit.MONEY:
        return f"{number} {money.label}"
    if unit == Unit.PERCENT:
        return f"{number} pt" if signed else f"{number}%"
    words = CHANGE_WORDS.get(unit, unit.value)
    return f"{number} {words}".strip()


@dataclass(frozen=True)
class WaterfallBar:
    """One row of the waterfall: its name on the axis and its value (a contribution, or the
    metric itself for the start and end), in model units."""

    name: str
    value: float
    total: bool = False
    tooltip: str = ""


class WaterfallChart(RiskChart):
    """Start and end bars (blue) and one bar per lever, green where it raises the metric and red
    where it lowers it, each labelled with its signed value and unit."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Bridge", parent)
        self.plot.showGrid(x=True, y=False, alpha=0.15)
        self.axis("bottom").setStyle(maxTickLevel=0)
        self.add_legend_entry(BLUE, "Start and end", BARS)
        self.add_legend_entry(GREEN, "Raises the metric", BARS)
        self.add_legend_entry(RED, "Lowers it", BARS)
        self.add_legend_entry(GREY, "Where the next bar starts", DASHED)
        self.totals = pg.BarGraphItem(x0=[0], y=[0], height=BAR_HEIGHT, width=[0], brush=pg.mkBrush(BLUE), pen=None)
        self.raises = pg.BarGraphItem(x0=[0], y=[0], height=BAR_HEIGHT, width=[0], brush=pg.mkBrush(GREEN), pen=None)
        self.lowers = pg.BarGraphItem(x0=[0], y=[0], height=BAR_HEIGHT, width=[0], brush=pg.mkBrush(RED), pen=None)
        self.connectors = pg.PlotDataItem(
            pen=pg.mkPen(GREY, width=1, style=Qt.PenStyle.DashLine), connect="pairs", antialias=False
        )
        self.zero = pg.InfiniteLine(angle=90, pen=pg.mkPen(GREY.darker(150), width=1))
        for item in (self.zero, self.connectors, self.totals, self.raises, self.lowers):
            self.plot.addItem(item)
        self.value_labels: list[pg.TextItem] = []
        self.data_items = [self.totals, self.raises, self.lowers, self.connectors, self.zero]
        self.bars: tuple[WaterfallBar, ...] = ()
        self.texts: list[str] = []
        self._span = (0.0, 1.0)
        self.plot.vb.sigResized.connect(self._fit_range)

    def draw(
        self, title: str, bars: Sequence[WaterfallBar], unit: Unit, money: MoneyDisplay, note: str, states: str = ""
    ) -> None:
        """Draw ``bars`` top to bottom: the first and last are totals (from zero), the others
        contributions (each from where the previous bar ended). ``states``: what is compared
        ("Base → Bull"), for the source line of a saved chart."""
        self.show_data()
        if states:
            self.set_source(self.model_name, states)
        self.axis("bottom").unit = unit
        self.bars = tuple(bars)
        self.title.setText(title)
        values = np.array([float(display(bar.value, unit, money)) for bar in bars])
        rows = np.arange(len(bars), dtype=float)[::-1]
        totals = np.array([bar.total for bar in bars], dtype=bool)
        starts = np.zeros(len(bars))
        ends = np.zeros(len(bars))
        level = 0.0
        for i, (bar, value) in enumerate(zip(bars, values, strict=True)):
            if bar.total:
                starts[i], ends[i], level = 0.0, value, value
            else:
                starts[i], ends[i] = level, level + value
                level += value
        left, width = np.minimum(starts, ends), np.abs(ends - starts)
        up = ~totals & (values >= 0)
        down = ~totals & (values < 0)
        for item, rows_of in ((self.totals, totals), (self.raises, up), (self.lowers, down)):
            item.setOpts(x0=left[rows_of], y=rows[rows_of], width=width[rows_of], height=BAR_HEIGHT)
        # A dashed line from each bar's end down to the next bar, where that one starts.
        x = np.repeat(ends[:-1], 2)
        y = np.column_stack([rows[:-1] - BAR_HEIGHT / 2, rows[1:] + BAR_HEIGHT / 2]).ravel()
        self.connectors.setData(x, y)

        self.texts = [value_text(bar.value, unit, money, signed=not bar.total) for bar in bars]
        while len(self.value_labels) < len(bars):
            label = pg.TextItem(color=TEXT)
            self.plot.addItem(label, ignoreBounds=True)
            self.value_labels.append(label)
        for i, label in enumerate(self.value_labels):
            if i >= len(bars):
                label.hide()
                continue
            # The value sits beyond the bar's far end: right of a rise, left of a fall.
            rightwards = ends[i] >= starts[i] if not totals[i] else ends[i] >= 0
            label.setText(self.texts[i])
            label.setAnchor((0, 0.5) if rightwards else (1, 0.5))
            label.setPos(float(max(starts[i], ends[i]) if rightwards else min(starts[i], ends[i])), float(rows[i]))
            label.show()
        self.label_rightwards = [(ends[i] >= starts[i]) if not totals[i] else ends[i] >= 0 for i in range(len(bars))]

        axis = self.plot.getAxis("left")
        names = [bar.name for bar in bars]
        axis.setTicks([list(zip(rows, names, strict=True))])
        metrics = QFontMetrics(axis.font())
        widest = max((metrics.horizontalAdvance(name) for name in names), default=0)
        axis.setWidth(min(max(widest + 16, NAME_WIDTH[0]), NAME_WIDTH[1]))
        self.plot_widget.setToolTip("\n".join(bar.tooltip for bar in bars if bar.tooltip))
        edges = np.concatenate([starts, ends, [0.0]])
        self._span = (float(edges.min()), float(edges.max()))
        self.plot.setYRange(-0.7, max(len(bars) - 0.3, 0.7), padding=0)
        self._fit_range()
        self.note.setText(note)

    def _fit_range(self) -> None:
        """Leave room beside the bars for the value labels, which are drawn in pixels."""
        if self.is_empty or not self.bars:
            return
        low, high = self._span
        metrics = QFontMetrics(self.value_labels[0].textItem.font())
        texts = [(text, right) for text, right in zip(self.texts, self.label_rightwards, strict=True)]
        right_px = max((metrics.horizontalAdvance(t) for t, right in texts if right), default=0) + 2 * LABEL_GAP
        left_px = max((metrics.horizontalAdvance(t) for t, right in texts if not right), default=0) + 2 * LABEL_GAP
        view = max(self.plot.vb.width(), 1.0)
        span = (high - low) or 1.0
        # The data span gets what the labels leave of the width (at least a third of it).
        per_pixel = span / max(view - left_px - right_px, view / 3)
        self.plot.setXRange(low - left_px * per_pixel, high + right_px * per_pixel, padding=0)

    def hover_text(self, point: QPointF) -> str | None:
        """The bar under the mouse with its value."""
        i = len(self.bars) - 1 - round(point.y())
        if self.is_empty or not 0 <= i < len(self.bars):
            return None
        return f"{self.bars[i].name}: {self.texts[i]}"

    def show_empty(self, message: str) -> None:
        super().show_empty(message)
        self.bars = ()
        for label in self.value_labels:
            label.hide()
