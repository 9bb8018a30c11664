"""The four charts of the Charts tab, built once and updated in place (``setData``/``setOpts``)
on every change.

Money is shown in the display currency, rates in percent. Hovering shows the values of the year
under the cursor; what every chart shares (legend, axes in units, saving and copying) is
``ui.chart_base.Chart``.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QResizeEvent
from PySide6.QtWidgets import QFrame, QGridLayout, QScrollArea, QWidget

from model.outputs import LINES, Unit
from ui.chart_base import (
    AI,
    BARS,
    BLUE,
    CORE,
    DASHED,
    FOLLOW,
    FONT_FAMILY,
    GREEN,
    GREY,
    INSTALLED,
    LINE,
    MARKER,
    PEER_COLOURS,
    PULL,
    RED,
    TEXT,
    Chart,
    DottedLine,
)
from ui.controller import WorkbenchController
from ui.formatting import format_cell
from ui.on_screen import RefreshWhenShown

BAR_WIDTH = 0.62
HEADROOM = 1.08  # space above the highest point, so markers and labels are not cut
FOOTROOM = 0.05  # space below the lowest point of a chart reaching below zero, as a share of its span
# A y-range holds while the data keep STEADY_EDGE of its height clear of its ends and fill at
# least STEADY_FILL of it: the axis stays put while the data move by a few per cent.
STEADY_EDGE, STEADY_FILL = 0.03, 2 / 3
X_MARGIN = 0.6  # years of space left of the first bar and right of the last
TICK_STEPS = (1, 2, 3, 5, 10, 20, 50)
TICK_GAP = 6  # pixels between neighbouring year labels
LABEL_BACKGROUND = pg.mkBrush(255, 255, 255, 110)  # a reference line's label: readable, the bars show through
PLOT_MIN_SIZE = QSize(260, 140)  # below this the axes leave too little room for the data
CARD_MIN_WIDTH = 320  # the charts panel shows two columns only when each card gets this much


def percent(values: np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=float) * 100.0


def year_ticks(years: list[int], pixels_per_year: float, label_pixels: float) -> list[int]:
    """The years to label: every ``step``-th, the smallest step of ``TICK_STEPS`` that keeps
    ``label_pixels`` between the centres of neighbouring labels, and the last year too, in place
    of the labelled year before it when the two would collide."""
    step = next((s for s in TICK_STEPS if s * pixels_per_year >= label_pixels), len(years))
    ticks = list(years[::step])
    if ticks[-1] != years[-1]:
        if (years[-1] - ticks[-1]) * pixels_per_year < label_pixels and len(ticks) > 1:
            ticks.pop()
        if (years[-1] - ticks[-1]) * pixels_per_year >= label_pixels:
            ticks.append(years[-1])
    return ticks


def top_with_label_room(bottom: float, top: float, line: float, label_pixels: float, view_pixels: float) -> float:
    """The top of a y-range from ``bottom`` that shows ``top`` and leaves ``label_pixels`` above
    the reference line at ``line`` for its label in a view ``view_pixels`` high."""
    room = min(label_pixels / max(view_pixels, 1.0), 0.5)
    return max(top, (line - room * bottom) / (1 - room))


def stacked_label_lifts(lines: list[float], label_pixels: float, view_pixels: float) -> list[float]:
    """How far to lift the label of each horizontal line above it (pixels; negative: below it) so
    that the labels lie one above the other without overlapping, below the top of the view.
    ``lines`` are the lines' heights above the view's bottom in pixels; each label sits on its
    line unless the one below pushes it up, or the top of the view pushes it down."""
    order = sorted(range(len(lines)), key=lambda i: lines[i])
    bottoms: dict[int, float] = {}
    below = -np.inf
    for i in order:
        bottoms[i] = below = max(lines[i], below + label_pixels)
    above = view_pixels
    for i in reversed(order):
        bottoms[i] = above = min(bottoms[i], above - label_pixels)
    return [bottoms[i] - lines[i] for i in range(len(lines))]


def clear_of_tick_labels(axis: pg.AxisItem, bottom: float, top: float, view_pixels: float) -> tuple[float, float]:
    """A y-range that leaves room for the highest tick label of ``axis`` inside the plot, and
    for the lowest one where the range reaches below zero: a label is centred on its tick, so a
    tick at the very top or bottom would be cut in half (a label at zero, the foot of an axis
    from zero, is left to pyqtgraph). The labels are those of the major and first minor ticks
    (the finer ones go unlabelled on a chart of this size)."""
    ticks = [value for _, values in axis.tickValues(bottom, top, view_pixels)[:2] for value in values]
    if not ticks:
        return bottom, top
    half_text = QFontMetrics(axis.style["tickFont"] or axis.font()).height() / 2
    if bottom < 0:
        # The top's rule upside down: room below the lowest tick.
        bottom = -top_with_label_room(-top, -bottom, -min(ticks), half_text, view_pixels)
    return bottom, top_with_label_room(bottom, top, max(ticks), half_text, view_pixels)


def steady_range(
    held: tuple[float, float] | None, low: float, high: float, fitted: tuple[float, float]
) -> tuple[float, float]:
    """The y-range for data from ``low`` to ``high`` (``low`` <= 0 <= ``high``): ``held``, the
    range shown, while the data stay inside it with ``STEADY_EDGE`` of its height to spare on
    each side away from zero and fill at least ``STEADY_FILL`` of it, so that an edit moves the
    data and not the axis; otherwise ``fitted``, the range fitted to the data as they are now.
    A side of zero with no data keeps no more room than the fitted range gives it: once the
    negative values are gone (an undo, another scenario), so is the axis below zero."""
    if held is None:
        return fitted
    bottom, top = held
    edge = STEADY_EDGE * (top - bottom)
    below = low >= bottom + edge if low < 0 else fitted[0] <= bottom <= 0
    above = high <= top - edge if high > 0 else 0 <= top <= fitted[1]
    inside = below and above
    return held if inside and high - low >= STEADY_FILL * (top - bottom) else fitted


def above_zero(top: float) -> float:
    """``top`` for a y-axis from zero, or 1 where nothing is above zero (an empty model): an axis
    of no height would be ticked in units of 1e-9."""
    return top if top > 0 else 1.0


class ChartCard(Chart):
    """A chart of the Charts tab: years across, the values of the hovered year under the plot;
    subclasses draw the data in ``update_data``."""

    readout_lines: tuple[str, ...] = ()
    readout_hint = "Hover over the chart for the values of a year."

    def __init__(self, controller: WorkbenchController, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._controller = controller
        self.plot_widget.setMinimumSize(PLOT_MIN_SIZE)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(GREY, width=1, style=Qt.PenStyle.DotLine))
        self.cursor.setVisible(False)
        self.plot.addItem(self.cursor, ignoreBounds=True)

        self._years: list[int] = []
        self.tick_years: list[int] = []
        self._readout_layout: tuple | None = None
        self.views: list[pg.ViewBox] = [self.plot.vb]  # the plot's and the right axes' views
        self._held: dict[pg.ViewBox, tuple[float, float]] = {}  # each view's steady range
        self._cleared: dict[str, tuple[tuple[float, float, float], tuple[float, float]]] = {}  # by axis
        # Drawn when first shown (a window's first frame, or the tab brought to the front), not when built.
        self.refresher = RefreshWhenShown(self, self.refresh, stale=True)
        controller.results_changed.connect(self.refresher.request)
        controller.money_display_changed.connect(self.refresher.request)
        # Tick spacing and the room for reference-line labels are measured in pixels.
        self.plot.vb.sigResized.connect(self.refresher.request)

    def refresh(self) -> None:
        controller = self._controller
        years = controller.results.years
        if years != self._years:
            self._years = list(years)
            self.plot.setXRange(years[0] - X_MARGIN, years[-1] + X_MARGIN, padding=0)
        self.set_source(controller.model["name"], controller.scenario)
        self._update_ticks()
        self.update_data()
        # The new ranges reach the items now rather than as the plot paints, when the items'
        # changed bounds would ask for a second paint.
        for view in self.views:
            view.updateMatrix()
        if self.cursor.isVisible():
            self.show_year(int(self.cursor.value()))
        # Room for the hover text, measured again only when its shape can change (not on every edit).
        layout = (tuple(self._years), controller.money)
        if layout != self._readout_layout:
            self._readout_layout = layout
            self.readout.reserve(self.readout_text(self._years[-1]))

    def fit_to_plot(self) -> None:
        self.refresh()

    def _update_ticks(self) -> None:
        label = self.plot_widget.fontMetrics().horizontalAdvance("FY00")
        pixels_per_year = self.plot.vb.width() / (len(self._years) - 1 + 2 * X_MARGIN)
        ticks = year_ticks(self._years, pixels_per_year, label + TICK_GAP)
        if ticks != self.tick_years:
            self.tick_years = ticks
            axis = self.axis("bottom")
            axis.setTicks([[(year, f"FY{year % 100:02d}") for year in ticks]])
            # The first and last labels may reach past the plot's ends into the empty corners.
            axis.setStyle(hideOverlappingLabels=label // 2 + 2)

    def update_data(self) -> None:
        raise NotImplementedError

    def steady_y_range(
        self, view: pg.ViewBox, low: float, high: float, fitted: tuple[float, float]
    ) -> tuple[float, float]:
        """The range of ``view`` for data from ``low`` to ``high``, ``fitted`` the range that
        fits them (see ``steady_range``)."""
        self._held[view] = steady_range(self._held.get(view), low, high, fitted)
        return self._held[view]

    def clear_of_tick_labels(self, side: str, bottom: float, top: float) -> tuple[float, float]:
        """``clear_of_tick_labels`` for the axis on ``side``, worked out again only when the
        range or the plot's height has changed (it asks pyqtgraph for the ticks)."""
        key = (bottom, top, self.plot.vb.height())
        if side not in self._cleared or self._cleared[side][0] != key:
            self._cleared[side] = (key, clear_of_tick_labels(self.axis(side), bottom, top, key[2]))
        return self._cleared[side][1]

    @staticmethod
    def set_y_range(view: pg.ViewBox, bottom: float, top: float) -> None:
        """Show ``bottom`` to ``top`` in ``view``. pyqtgraph would redraw the axis and move every
        item even for the range it shows, so that range is not set again."""
        if view.viewRange()[1] != [bottom, top]:
            view.setYRange(bottom, top, padding=0)

    def hover_text(self, point: QPointF) -> str | None:
        year = round(point.x())
        if year not in self._years:
            return None
        self.cursor.setPos(year)
        self.cursor.setVisible(True)
        return self.readout_text(year)

    def show_year(self, year: int) -> None:
        """Move the cursor to ``year`` and show that year's values under the chart."""
        text = self.hover_text(QPointF(year, 0))
        if text is not None:
            self.readout.setText(text)

    def readout_text(self, year: int) -> str:
        results, money = self._controller.results, self._controller.money
        parts = [
            f"{LINES[key].label} {format_cell(results.value(key, year), LINES[key].unit, money)}"
            for key in self.readout_lines
        ]
        return f"FY{year}: " + " · ".join(parts) + f"   ({money.label}, %)"

    def bars(self, colour: QColor, name: str) -> Bars:
        item = Bars(x=[0], height=[0], width=BAR_WIDTH, brush=colour, pen=pg.mkPen(colour.darker(115)))
        self.plot.addItem(item)
        self.add_legend_entry(colour, name, BARS)
        return item

    def curve(self, colour: QColor, name: str) -> DottedLine:
        item = DottedLine(pg.mkPen(colour, width=2), colour)
        self.plot.addItem(item)
        self.add_legend_entry(colour, name, LINE)
        return item

    def set_line_axis(self, side: str, name: str, line: str) -> None:
        """Title an axis with a name and the unit of an output line of the registry."""
        self.set_axis(side, name, LINES[line].unit, self._controller.money)

    def right_view(self, name: str, line: str, colour: QColor) -> pg.ViewBox:
        """A second y-axis on the right, in the unit of ``line`` and written in the ``colour`` of
        what it measures, with its own view sharing the years (x) with the plot; drawn above the
        bars."""
        view = pg.ViewBox()
        view.setZValue(1)
        self.plot.showAxis("right")
        self.axis("right").setGrid(False)  # grid lines belong to the left axis alone
        self.axis("right").setTextPen(colour)
        self.plot.scene().addItem(view)
        self.axis("right").linkToView(view)
        self.set_line_axis("right", name, line)
        view.setXLink(self.plot)
        self.views.append(view)
        self.plot.vb.sigResized.connect(lambda: view.setGeometry(self.plot.vb.sceneBoundingRect()))
        return view


class Bars(pg.BarGraphItem):
    """pyqtgraph's bars, with their bounding box worked out once per change rather than on each
    of Qt's many requests for it while the chart paints (as pyqtgraph's lines already do)."""

    _bounds: QRectF | None = None

    def setOpts(self, **opts: object) -> None:  # noqa: N802 (pyqtgraph's name)
        self._bounds = None
        super().setOpts(**opts)

    def viewTransformChanged(self) -> None:  # noqa: N802 (pyqtgraph's name)
        # The box reaches a pen's width in pixels beyond the bars: it changes with the view.
        self._bounds = None
        self.prepareGeometryChange()
        super().viewTransformChanged()

    def boundingRect(self) -> QRectF:  # noqa: N802 (Qt's name)
        if self._bounds is None:
            self._bounds = super().boundingRect()
        return self._bounds


def reference_line(colour: QColor, position: float, angle: int = 0) -> pg.InfiniteLine:
    """A dashed line labelled ``position`` of the way along it (0 the left or bottom end of the
    view, 1 the right or top end). The label stays inside the view: on a horizontal line it sits
    just above the line (the y-range leaves room, see ``top_with_label_room``), flush with the
    view's edge at 0 or 1; on a vertical line it hangs down from ``position``, on the side of the
    line that faces the middle of the view."""
    anchors = [(position, 1), (position, 1)] if angle == 0 else [(0, 0), (1, 0)]
    line = pg.InfiniteLine(
        angle=angle,
        movable=False,
        pen=pg.mkPen(colour, width=1.5, style=Qt.PenStyle.DashLine),
        label="",
        labelOpts={"position": position, "color": colour, "fill": LABEL_BACKGROUND, "anchors": anchors},
    )
    line.label.setFont(QFont(FONT_FAMILY, 7))
    # A thin margin, so that stacked labels stay close to their lines.
    line.label.textItem.document().setDocumentMargin(2)
    line.label.updateTextPos()
    return line


def label_pixels(line: pg.InfiniteLine) -> float:
    return line.label.boundingRect().height()


def unchanged(shown: object, new: object) -> bool:
    """Whether the values ``shown`` (None before any) are ``new`` (NaN the same as NaN)."""
    return shown is not None and np.array_equal(np.asarray(shown, dtype=float), new, equal_nan=True)


def set_bars(bars: pg.BarGraphItem, x: np.ndarray, height: np.ndarray, y0: np.ndarray | float, **opts: object) -> None:
    """Give ``bars`` their heights from ``y0`` (and ``opts``, such as their brushes); bars that
    stay as they are are left alone rather than drawn again."""
    if not all(unchanged(bars.opts.get(key), value) for key, value in (("x", x), ("height", height), ("y0", y0))):
        bars.setOpts(x=x, height=height, y0=y0, **opts)


def set_label(line: pg.InfiniteLine, text: str) -> None:
    """Label ``line`` with ``text``; a label that reads so already is not laid out again."""
    if line.label.format != text:
        line.label.setFormat(text)


def plot_line(item: pg.PlotDataItem | pg.PlotCurveItem, years: np.ndarray, values: np.ndarray) -> None:
    """Draw a line with gaps where a value is undefined (NaN); with no defined value at all the
    line is emptied, since pyqtgraph cannot take the range of points that are all NaN. A line
    that stays as it is is left alone."""
    shown_years, shown_values = item.getData()
    if unchanged(shown_years, years) and unchanged(shown_values, values):
        return
    finite = np.isfinite(values)
    if finite.any():
        # With no gap, pyqtgraph need not look for one again (about a third of the call).
        item.setData(years, values, skipFiniteCheck=bool(finite.all()))
    else:
        item.setData([], [])


def show_reported(markers: pg.ScatterPlotItem, reported: dict[int, dict[str, float]], line: str, scale: float) -> None:
    """Markers at the reported figures of ``line``; hidden when there are none (an empty scatter
    would make pyqtgraph take the range of no data)."""
    points = {year: values[line] * scale for year, values in reported.items() if line in values}
    markers.setVisible(bool(points))
    years, shown = markers.getData()
    if points and not (unchanged(years, list(points)) and unchanged(shown, list(points.values()))):
        markers.setData(list(points), list(points.values()))


def peer_label(name: str, line: str) -> str:
    """What a peer's figure is. A peer's name usually states its basis in brackets, as the
    bundled model's do ("AWS (CY2025, GAAP operating margin)"); a bare name ("AWS") gets the
    line the figure is filed under ("AWS: EBITA margin")."""
    return name if "(" in name else f"{name}: {LINES[line].label}"


class RevenueChart(ChartCard):
    """Segment revenue stacked by the core business and the fleet groups (installed, plan,
    follow-on); EBITA margin on the right axis with the reported actuals as markers and the peers'
    reported margins as labelled reference lines on that same margin axis."""

    readout_lines = (
        "core_revenue",
        "installed_revenue",
        "plan_revenue",
        "follow_on_revenue",
        "total_revenue",
        "ebita_margin",
    )
    # The stack, bottom up: each group's revenue line and its colour and legend name.
    GROUPS = (
        ("core_revenue", CORE, "Core"),
        ("installed_revenue", INSTALLED, "Installed fleet"),
        ("plan_revenue", AI, "Plan"),
        ("follow_on_revenue", FOLLOW, "Follow-on"),
    )

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(controller, "Revenue by fleet group and EBITA margin", parent)
        self.group_bars = {key: self.bars(colour, name) for key, colour, name in self.GROUPS}
        self.revenue_actuals = pg.ScatterPlotItem(symbol="d", size=11, brush=pg.mkBrush(TEXT))
        self.plot.addItem(self.revenue_actuals)
        self.add_legend_entry(TEXT, "Reported revenue", MARKER)

        # The margin, its reported figures and the peers' margins share the right (%) axis.
        self.margin_view = self.right_view(LINES["ebita_margin"].label, "ebita_margin", BLUE)
        # A light rim around the margin's dots sets them off from the bars behind.
        self.margin = DottedLine(pg.mkPen(BLUE, width=2.5), BLUE, outline=QColor(200, 200, 200))
        self.margin_view.addItem(self.margin)
        self.add_legend_entry(BLUE, "EBITA margin (right axis)", LINE)
        self.margin_actuals = pg.ScatterPlotItem(symbol="d", size=11, brush=pg.mkBrush(BLUE.darker(150)))
        self.margin_view.addItem(self.margin_actuals)
        self.add_legend_entry(BLUE.darker(150), "Reported margin (right axis)", MARKER)
        self.add_legend_entry(PEER_COLOURS[0], "Peers' reported margins (right axis)", DASHED)
        self._peer_lines: dict[str, pg.InfiniteLine] = {}
        self._peers_shown: tuple | None = None  # the peers, money display and plot width labelled

    def update_data(self) -> None:
        results, model, money = self._controller.results, self._controller.model, self._controller.money
        years = np.array(results.years, dtype=float)
        stacked = np.zeros(len(years))
        for key, bars in self.group_bars.items():
            height = results.line(key) / money.rate
            set_bars(bars, years, height, stacked)
            stacked = stacked + height
        self.set_line_axis("left", "Revenue", "total_revenue")
        reported = {int(year): values for year, values in model["actuals"].items() if int(year) in results.years}
        show_reported(self.revenue_actuals, reported, "total_revenue", 1 / money.rate)
        show_reported(self.margin_actuals, reported, "ebita_margin", 100.0)
        margin = percent(results.line("ebita_margin"))
        plot_line(self.margin, years, margin)
        self._update_peers(model["peers"])
        view_pixels = self.plot.vb.height()
        high = max(float(np.nanmax(stacked)), 0.0)
        bottom, top = self.steady_y_range(self.plot.vb, 0.0, high, (0.0, above_zero(high) * HEADROOM))
        self.set_y_range(self.plot.vb, *self.clear_of_tick_labels("left", bottom, top))
        peers = [line.value() for line in self._peer_lines.values()]
        shown = np.concatenate([margin[np.isfinite(margin)], peers])
        low, high = min(0.0, float(shown.min(initial=0.0))), float(shown.max(initial=0.0))
        fitted = (low - FOOTROOM * (high - low) if low < 0 else 0.0, above_zero(high) * HEADROOM)
        bottom, top = self.steady_y_range(self.margin_view, low, high, fitted)
        if peers:
            # Room above each peer's line for its label and those of the peers above it.
            text = label_pixels(next(iter(self._peer_lines.values())))
            for stacked_above, value in enumerate(sorted(peers, reverse=True), start=1):
                top = top_with_label_room(bottom, top, value, stacked_above * text, view_pixels)
        bottom, top = self.clear_of_tick_labels("right", bottom, top)
        self.set_y_range(self.margin_view, bottom, top)
        if peers:
            heights = [(value - bottom) / (top - bottom) * view_pixels for value in peers]
            for line, lift in zip(
                self._peer_lines.values(), stacked_label_lifts(heights, text, view_pixels), strict=True
            ):
                anchor = (1.0, 1.0 + lift / text)  # the anchor's y is in label heights
                if line.label.anchors != [anchor, anchor]:
                    line.label.anchors = [anchor, anchor]
                    line.label.setAnchor(anchor)

    def _update_peers(self, peers: dict[str, dict[str, float]]) -> None:
        """Peer lines change only when another model is opened; otherwise they stay as they are
        (their labels are shortened to the plot's width)."""
        margins = {name: values["ebita_margin"] for name, values in peers.items() if "ebita_margin" in values}
        shown = (tuple(margins.items()), self._controller.money, self.plot.vb.width())
        if shown == self._peers_shown:
            return
        self._peers_shown = shown
        if set(margins) != set(self._peer_lines):
            for line in self._peer_lines.values():
                self.margin_view.removeItem(line)
            self._peer_lines = {}
            for i, name in enumerate(margins):
                line = reference_line(PEER_COLOURS[i % len(PEER_COLOURS)], 1.0)
                self.margin_view.addItem(line)
                self._peer_lines[name] = line
        for name, line in self._peer_lines.items():
            line.setPos(margins[name] * 100)
            value = f" {format_cell(margins[name], Unit.PERCENT, self._controller.money)}"
            # A long label is shortened to fit the plot, so that it is not cut off.
            metrics = QFontMetrics(line.label.textItem.font())
            room = self.plot.vb.width() - metrics.horizontalAdvance(value) - 8
            text = peer_label(name, "ebita_margin")
            set_label(line, metrics.elidedText(text, Qt.TextElideMode.ElideMiddle, int(room)) + value)


class CapexChart(ChartCard):
    """Segment capex (the plan's, capitalized and expensed, and the follow-on, stacked) against the
    plan's depreciation and impairment; capex intensity (segment capex / revenue) on the right axis."""

    readout_lines = (
        "capex_capitalized",
        "capex_expensed",
        "follow_on_capex",
        "depreciation",
        "impairment",
        "capex_intensity",
    )

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(controller, "Capex, depreciation and impairment", parent)
        self.capitalized = self.bars(AI.darker(110), "Plan capex, capitalized")
        self.expensed = self.bars(PULL, "Plan capex, expensed")
        self.follow_on = self.bars(FOLLOW, "Follow-on capex")
        self.depreciation = self.curve(BLUE, "Plan depreciation")
        self.impairment = self.curve(RED, "Plan impairment")
        self.intensity_view = self.right_view("Capex intensity", "capex_intensity", GREY.darker(130))
        self.intensity = pg.PlotCurveItem(
            pen=pg.mkPen(GREY.darker(130), width=2, style=Qt.PenStyle.DashLine), connect="finite"
        )
        self.intensity_view.addItem(self.intensity)
        self.add_legend_entry(GREY.darker(130), "Capex intensity (right axis)", DASHED)

    def update_data(self) -> None:
        results, money = self._controller.results, self._controller.money
        years = np.array(results.years, dtype=float)

        def money_line(key: str) -> np.ndarray:
            return results.line(key) / money.rate

        capitalized, expensed = money_line("capex_capitalized"), money_line("capex_expensed")
        follow_on = money_line("follow_on_capex")
        depreciation, impairment = money_line("depreciation"), money_line("impairment")
        set_bars(self.capitalized, years, capitalized, 0.0)
        set_bars(self.expensed, years, expensed, capitalized)
        set_bars(self.follow_on, years, follow_on, capitalized + expensed)
        plot_line(self.depreciation, years, depreciation)
        plot_line(self.impairment, years, impairment)
        high = float(max(np.nanmax(capitalized + expensed + follow_on), np.nanmax(depreciation), np.nanmax(impairment)))
        high = max(high, 0.0)
        bottom, top = self.steady_y_range(self.plot.vb, 0.0, high, (0.0, above_zero(high) * HEADROOM))
        self.set_y_range(self.plot.vb, *self.clear_of_tick_labels("left", bottom, top))
        self.set_line_axis("left", "Capex", "segment_capex")
        intensity = percent(results.line("capex_intensity"))
        plot_line(self.intensity, years, intensity)
        high = float(intensity[np.isfinite(intensity)].max(initial=0.0))
        bottom, top = self.steady_y_range(self.intensity_view, 0.0, high, (0.0, above_zero(high) * HEADROOM))
        self.set_y_range(self.intensity_view, *self.clear_of_tick_labels("right", bottom, top))


class CashFlowChart(ChartCard):
    """Plan free cash flow by year, cumulative free cash flow and the payback point."""

    readout_lines = ("fcf", "cumulative_fcf", "pv_fcf")

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(controller, "Plan free cash flow and payback", parent)
        self.fcf = self.bars(GREEN, "Free cash flow (red where negative)")
        self._brushes = {True: pg.mkBrush(GREEN), False: pg.mkBrush(RED)}  # by whether the flow is >= 0
        self.cumulative = self.curve(TEXT, "Cumulative FCF")
        self.plot.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(GREY, width=1)), ignoreBounds=True)
        self.payback = reference_line(BLUE, 1.0, angle=90)
        self.plot.addItem(self.payback, ignoreBounds=True)
        self.add_legend_entry(BLUE, "Payback", DASHED)

    def update_data(self) -> None:
        results, money = self._controller.results, self._controller.money
        base_year = results.years[0] - 1
        years = np.array(results.years, dtype=float)
        fcf = results.line("fcf") / money.rate
        cumulative = results.line("cumulative_fcf") / money.rate
        set_bars(self.fcf, years, fcf, 0.0, brushes=[self._brushes[bool(v >= 0)] for v in fcf])
        plot_line(self.cumulative, years, cumulative)
        payback = results.kpis["payback_years"]
        self.payback.setVisible(payback is not None)
        if payback is not None:
            # Year t ends at base_year + t, where the cumulative line is plotted: the marker sits
            # where that line crosses zero.
            self.payback.setPos(base_year + payback)
            set_label(self.payback, f"Payback {payback:.1f} yrs")
        low = float(min(np.nanmin(fcf), np.nanmin(cumulative), 0.0))
        high = float(max(np.nanmax(fcf), np.nanmax(cumulative), 0.0))
        span = above_zero(high - low)
        bottom, top = self.steady_y_range(
            self.plot.vb, low, high, (low - FOOTROOM * span, high + (HEADROOM - 1) * span)
        )
        self.set_y_range(self.plot.vb, *self.clear_of_tick_labels("left", bottom, top))
        self.set_line_axis("left", "Cash flow", "fcf")


class ReturnsChart(ChartCard):
    """Plan ROIC and plan EBITA margin against the WACC."""

    readout_lines = ("roic", "plan_ebita_margin", "ebita_margin")

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(controller, "Plan ROIC and margin against the WACC", parent)
        self.roic = self.curve(BLUE, "Plan ROIC")
        self.plan_margin = self.curve(AI, "Plan EBITA margin")
        self.wacc = reference_line(RED, 0.0)
        self.plot.addItem(self.wacc)
        self.add_legend_entry(RED, "WACC", DASHED)
        self.set_line_axis("left", "Return / margin", "roic")

    def update_data(self) -> None:
        results, settings = self._controller.results, self._controller.scenario_model["settings"]
        years = np.array(results.years, dtype=float)
        roic = percent(results.line("roic"))
        margin = percent(results.line("plan_ebita_margin"))
        wacc = settings["wacc"] * 100
        plot_line(self.roic, years, roic)
        plot_line(self.plan_margin, years, margin)
        self.wacc.setPos(wacc)
        set_label(self.wacc, f"WACC {wacc:.1f}%")
        finite = np.concatenate([roic[np.isfinite(roic)], margin[np.isfinite(margin)], [wacc, 0.0]])
        low, high = float(finite.min()), float(finite.max())
        span = above_zero(high - low)
        bottom, top = self.steady_y_range(
            self.plot.vb, low, high, (low - FOOTROOM * span, high + (HEADROOM - 1) * span)
        )
        top = top_with_label_room(bottom, top, wacc, label_pixels(self.wacc), self.plot.vb.height())
        self.set_y_range(self.plot.vb, *self.clear_of_tick_labels("left", bottom, top))


class ChartsPanel(QScrollArea):
    """The four charts in a 2 × 2 grid, or one above the other when the panel is too narrow for
    two readable columns; the panel scrolls when the charts' minimum heights do not fit."""

    def __init__(self, controller: WorkbenchController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.revenue = RevenueChart(controller)
        self.capex = CapexChart(controller)
        self.cash_flow = CashFlowChart(controller)
        self.returns = ReturnsChart(controller)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        page = QWidget()
        self.grid = QGridLayout(page)
        self.grid.setContentsMargins(4, 4, 4, 4)
        self.grid.setSpacing(6)
        self.columns = 0
        self._arrange(2)
        self.setWidget(page)

    def _arrange(self, columns: int) -> None:
        if columns == self.columns:
            return
        self.columns = columns
        for i, chart in enumerate(self.charts):
            self.grid.removeWidget(chart)
            self.grid.addWidget(chart, i // columns, i % columns)
        rows = len(self.charts) // columns
        for i in range(len(self.charts)):
            self.grid.setColumnStretch(i, 1 if i < columns else 0)
            self.grid.setRowStretch(i, 1 if i < rows else 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # The event is the viewport's; the panel's own width, less a scroll bar whether shown or
        # not, is measured instead, so that the scroll bar's coming and going cannot flip the layout.
        room = self.width() - self.verticalScrollBar().sizeHint().width() - 2 * 4 - 6
        self._arrange(2 if room >= 2 * CARD_MIN_WIDTH else 1)
        super().resizeEvent(event)

    @property
    def charts(self) -> tuple[ChartCard, ...]:
        return (self.revenue, self.capex, self.cash_flow, self.returns)
