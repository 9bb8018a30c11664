"""Every chart of the window: one base, axes ticked in their unit, peers on the margin axis, and
report pictures (PNG and SVG with title, legend, units and source; a copy on the clipboard)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from model.edits import blank_model
from model.outputs import Unit
from tests.ui.helpers import run_monte_carlo
from ui.chart_base import Chart, UnitAxis, tick_text
from ui.charts import STEADY_EDGE, STEADY_FILL, stacked_label_lifts, steady_range
from ui.formatting import fixed
from ui.risk.panel import RiskPanel

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def risk(window, qtbot):
    """The Risk tab in front after a small Monte Carlo run, its tornado drawn."""
    panel = window.findChild(RiskPanel)
    window.analysis_tabs.setCurrentWidget(panel)
    run_monte_carlo(qtbot, panel.monte_carlo_page, 2_000)
    panel.tabs.setCurrentWidget(panel.tornado_page)
    yield panel
    panel.stop_run()


def all_charts(window, risk) -> list[Chart]:
    return [
        *window.charts.charts,
        *risk.monte_carlo_page.charts,
        risk.tornado_page.tornado_chart,
        window.bridge_page.waterfall,
    ]


def shown_ticks(axis: UnitAxis) -> list[str]:
    """The labels the axis draws over its current range."""
    if axis._tickLevels is not None:  # fixed ticks (years, names) are not formatted by unit
        return [text for level in axis._tickLevels for _, text in level]
    low, high = axis.range
    length = axis.width() if axis.orientation in ("top", "bottom") else axis.height()
    levels = axis.tickValues(low, high, length)
    return [text for spacing, values in levels for text in axis.tickStrings(values, 1.0, spacing)]


def has_ink(image: QImage, top: int, bottom: int) -> bool:
    """Whether anything but white is drawn between the rows ``top`` and ``bottom``."""
    white = QColor("white").rgb()
    return any(image.pixel(x, y) != white for y in range(top, bottom, 2) for x in range(0, image.width(), 3))


def svg_texts(data: bytes) -> str:
    """All the text of an SVG document (it must parse)."""
    root = ElementTree.fromstring(data)
    return " ".join("".join(element.itertext()) for element in root.iter(f"{SVG}text"))


def test_every_chart_of_the_window_shares_one_base(window, risk):
    charts = all_charts(window, risk)
    assert len(charts) == 4 + 6 + 1 + 1
    for chart in charts:
        assert isinstance(chart, Chart), type(chart).__name__
        assert [action.text() for action in chart.actions()] == ["Save chart as…", "Copy chart"]
        assert chart.legend_entries, type(chart).__name__
        for side in ("left", "bottom"):
            axis = chart.axis(side)
            assert not axis.autoSIPrefix  # never "(x1e-09)" beside an axis title
            assert "(x" not in axis.labelString()


@pytest.mark.parametrize(
    ("value", "unit", "spacing", "text"),
    [
        (1234.0, Unit.MONEY, 200.0, "1,234"),
        (2.5, Unit.MONEY, 0.5, "2.5"),
        (15.0, Unit.PERCENT, 5.0, "15%"),
        (-2.5, Unit.PERCENT, 2.5, "-2.5%"),
        (-1e-12, Unit.MONEY, 0.2, "0.0"),  # never "-0.0"
        (0.00000125, Unit.PLAIN, 0.00000025, "0.000001"),  # six places at most, never 1.25e-06
        (10_000.0, Unit.PLAIN, 1.0, "10,000"),
    ],
)
def test_ticks_read_in_the_axis_unit(value, unit, spacing, text):
    assert tick_text(value, unit, spacing) == text


def test_an_empty_model_gets_axes_with_sensible_ticks(window, controller):
    """A model with nothing in it once gave axes ticked in units of 1e-9 ("x1e-09")."""
    controller.replace_model(blank_model(2025, horizon=5), None)
    QApplication.processEvents()
    for chart in window.charts.charts:
        for side in ("left", "right"):
            if chart.plot.getAxis(side).isVisible():
                ticks = [text for text in shown_ticks(chart.axis(side)) if text]
                assert ticks, (type(chart).__name__, side)
                assert not any("e-" in text or "e+" in text for text in ticks), (type(chart).__name__, ticks)
        low, high = chart.plot.vb.viewRange()[1]
        assert high - low >= 0.1, type(chart).__name__  # not a range of 1e-9


def test_the_axes_carry_the_units_of_the_registry(window, risk, controller):
    revenue = window.charts.revenue
    assert revenue.plot.getAxis("left").labelText == "Revenue (RMB bn)"
    assert revenue.plot.getAxis("right").labelText == "EBITA margin (%)"
    assert revenue.axis("right").unit == Unit.PERCENT
    assert all(text.endswith("%") for text in shown_ticks(revenue.axis("right")) if text)
    histogram = risk.monte_carlo_page.irr_histogram
    assert histogram.plot.getAxis("bottom").labelText == "IRR (%)"
    assert all(text.endswith("%") for text in shown_ticks(histogram.axis("bottom")) if text)
    controller.set_display_currency("USD")
    window.analysis_tabs.setCurrentWidget(window.charts)  # a hidden chart catches up when shown
    assert revenue.plot.getAxis("left").labelText == "Revenue (USD bn)"


def test_peers_are_drawn_on_the_margin_axis_and_named_with_their_basis(window, controller):
    revenue = window.charts.revenue
    revenue_view, margin_view = revenue.plot.vb, revenue.margin_view
    assert revenue.plot.getAxis("right").linkedView() is margin_view
    for name, figures in controller.model["peers"].items():
        line = revenue._peer_lines[name]
        assert line.getViewBox() is margin_view
        percent = figures["ebita_margin"] * 100
        assert line.value() == pytest.approx(percent)
        # Where the line is on screen is where the right (%) axis puts that margin, not where
        # the left (revenue) axis would put that number.
        drawn = line.mapToScene(QPointF(0, 0)).y()
        assert drawn == pytest.approx(margin_view.mapViewToScene(QPointF(2030, percent)).y(), abs=0.5)
        assert drawn != pytest.approx(revenue_view.mapViewToScene(QPointF(2030, percent)).y(), abs=2)
        # The bundled peers name their basis ("AWS (CY2025, GAAP operating margin)").
        assert line.label.toPlainText().endswith(f"{percent:.1f}%")
    assert "Peers' reported margins (right axis)" in [entry.name for entry in revenue.legend_entries]


def test_a_peer_without_its_basis_in_the_name_is_labelled_with_its_line(window, controller):
    model = dict(controller.model, peers={"AWS": {"ebita_margin": 0.354}})
    controller.replace_model(model, None)
    QApplication.processEvents()
    label = window.charts.revenue._peer_lines["AWS"].label.toPlainText()
    assert label == "AWS: EBITA margin 35.4%"


def tick_label_rects(chart: Chart, side: str) -> list[QRectF]:
    """Where the axis on ``side`` draws its tick labels, in scene coordinates."""
    axis = chart.axis(side)
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    _, _, texts = axis.generateDrawSpecs(painter)
    painter.end()
    return [axis.mapRectToScene(rect) for rect, _, text in texts if text]


def top_tick_clearance(chart: Chart, side: str) -> float:
    """Pixels between the top of the plot and the top of the highest tick label the axis on
    ``side`` draws (negative: the label is cut off at the top)."""
    highest = min(rect.top() for rect in tick_label_rects(chart, side))
    return highest - chart.plot.vb.sceneBoundingRect().top()


def bottom_tick_clearance(chart: Chart, side: str) -> float:
    """Pixels between the lowest tick label the axis on ``side`` draws and the bottom of the
    plot (negative: the label is cut off at the bottom)."""
    lowest = max(rect.bottom() for rect in tick_label_rects(chart, side))
    return chart.plot.vb.sceneBoundingRect().bottom() - lowest


def peer_labels_check(revenue) -> None:
    """The peers' labels overlap neither each other nor their lines (each sits above its own
    line), show the bars through them, and the axes leave room for their top tick labels."""
    lines = list(revenue._peer_lines.values())
    labels = [line.label.sceneBoundingRect() for line in lines]
    for i, label in enumerate(labels):
        for other in labels[i + 1 :]:
            assert not label.adjusted(0, 0.5, 0, -0.5).intersects(other), (label, other)
    for line, label in zip(lines, labels, strict=True):
        assert label.bottom() <= line.mapToScene(QPointF(0, 0)).y() + 0.5, line.label.toPlainText()
        assert line.label.fill.color().alpha() <= 128, line.label.toPlainText()  # the bars show through
    assert top_tick_clearance(revenue, "right") >= 0
    assert top_tick_clearance(revenue, "left") >= 0


@pytest.mark.parametrize(
    ("lines", "label", "lifts"),
    [
        ([50.0, 10.0, 12.0], 5.0, [0.0, 0.0, 3.0]),  # the label on 12 rises clear of the one on 10
        ([57.0, 72.0, 84.0, 101.0], 19.0, [-13.0, -9.0, -2.0, 0.0]),  # up to 114 + 19 > 120: pushed down
        ([30.0, 30.0], 19.0, [0.0, 19.0]),  # one margin, two peers: one label above the other
    ],
)
def test_stacked_labels_rise_from_their_lines_and_stay_under_the_top(lines, label, lifts):
    assert stacked_label_lifts(lines, label_pixels=label, view_pixels=120.0) == lifts


def test_peer_labels_stack_clear_of_each_other_in_the_window_and_the_report(window, controller):
    revenue = window.charts.revenue
    window.analysis_tabs.setCurrentWidget(window.charts)
    QApplication.processEvents()
    peer_labels_check(revenue)
    size = QSizeF(1212, 520)  # about the plot of a report picture
    with revenue._plot_laid_out_at(size):
        picture = QImage(size.toSize(), QImage.Format.Format_ARGB32)
        painter = QPainter(picture)
        revenue.plot.scene().render(painter, QRectF(QPointF(0, 0), size), QRectF(QPointF(0, 0), size))
        painter.end()  # the items are placed for the report's size as they are drawn
        peer_labels_check(revenue)
    # Peers with one margin get one label each, one above the other.
    peers = {"AWS": {"ebita_margin": 0.35}, "Azure": {"ebita_margin": 0.35}, "GCP": {"ebita_margin": 0.349}}
    controller.replace_model(dict(controller.model, peers=peers), None)
    QApplication.processEvents()
    peer_labels_check(revenue)


def test_percentile_lines_that_coincide_share_one_label_and_one_trial_is_singular(qtbot, window, controller):
    panel = window.findChild(RiskPanel)
    window.analysis_tabs.setCurrentWidget(panel)
    page = panel.monte_carlo_page
    run_monte_carlo(qtbot, page, 1)
    assert "1 trial (" in page.summary.text() and "1 trials" not in page.summary.text()
    histogram = page.npv_histogram
    labels = {name: line.label.toPlainText() for name, line in histogram.markers.items() if line.isVisible()}
    assert labels == {"p5": "p5 = p50 = p95", "p50": "", "p95": ""}
    npv = histogram.markers["p50"].value()
    assert histogram.hover_text(QPointF(npv, 0)).endswith(": 1 trial")
    # Two that coincide share a label; the third keeps its own, and all come back apart.
    histogram.draw([1.0, 1.0, 3.0], {"p5": 1.0, "p50": 1.0, "p95": 3.0}, 0.0, "", controller.money)
    assert [line.label.toPlainText() for line in histogram.markers.values()] == ["p5 = p50", "", "p95"]
    histogram.draw([1.0, 2.0, 3.0], {"p5": 1.0, "p50": 2.0, "p95": 3.0}, 0.0, "", controller.money)
    assert [line.label.toPlainText() for line in histogram.markers.values()] == ["p5", "p50", "p95"]


def report_checks(chart: Chart, tmp_path, units: str, scenario: str) -> None:
    png, svg = tmp_path / "chart.png", tmp_path / "chart.svg"
    chart.write_chart(png)
    chart.write_chart(svg)
    image = QImage(str(png))
    assert image.width() >= 1600 and image.height() >= 900
    # Drawn into the picture itself, not only into the plot: the title at the top, the source
    # line at the bottom (both on white margins around the plot).
    assert has_ink(image, 0, 60) and has_ink(image, image.height() - 60, image.height())
    texts = svg_texts(svg.read_bytes())
    # All drawn as vectors: no bitmap, not even of the axes Qt paints from a cached picture on screen.
    assert b"<image" not in svg.read_bytes(), chart.title.text()
    title = chart.title.text()
    for expected in (title, units, f"scenario {scenario}", date.today().isoformat(), "Source: Capex Workbench"):
        assert expected in texts, (title, expected)
    for entry in chart.legend_entries:
        assert entry.name in texts


def test_main_charts_save_as_report_pictures(window, controller, tmp_path):
    for chart in window.charts.charts:
        report_checks(chart, tmp_path, "RMB bn" if chart is not window.charts.returns else "%", "Base")
        assert controller.model["name"] in svg_texts((tmp_path / "chart.svg").read_bytes())
    # Saving lays the plot out at the picture's size and then back as it was on screen.
    revenue = window.charts.revenue
    on_screen = revenue.plot.vb.sceneBoundingRect(), revenue.margin_view.sceneBoundingRect(), revenue.tick_years
    revenue.report_image()
    assert (
        revenue.plot.vb.sceneBoundingRect(),
        revenue.margin_view.sceneBoundingRect(),
        revenue.tick_years,
    ) == on_screen


def test_risk_and_bridge_charts_save_as_report_pictures(window, risk, tmp_path):
    report_checks(risk.monte_carlo_page.npv_histogram, tmp_path, "NPV (RMB bn)", "Base")
    report_checks(risk.tornado_page.tornado_chart, tmp_path, "NPV (RMB bn)", "Base")
    window.analysis_tabs.setCurrentWidget(window.bridge_page)
    waterfall = window.bridge_page.waterfall
    report_checks(waterfall, tmp_path, "NPV (RMB bn)", f"Base → {window.bridge_page.to_state.label()}")


def test_save_chart_asks_for_a_file_and_says_why_one_cannot_be_written(window, tmp_path, monkeypatch):
    chart = window.charts.revenue
    asked = []

    def answer(path, chosen):
        def dialog(parent, caption, start, filters):
            asked.append((caption, start, filters))
            return str(path), chosen

        monkeypatch.setattr(QFileDialog, "getSaveFileName", dialog)

    # A name without an extension gets the chosen type's.
    answer(tmp_path / "revenue", "SVG drawing (*.svg)")
    assert chart.save_chart()
    assert "Revenue by fleet group" in svg_texts((tmp_path / "revenue.svg").read_bytes())
    caption, start, filters = asked[-1]
    assert caption == "Save chart as"
    assert start.endswith("Revenue by fleet group and EBITA margin.png") and "*.svg" in filters

    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warnings.append(text))
    answer(tmp_path / "missing" / "revenue.png", "PNG image (*.png)")
    assert not chart.save_chart()
    assert warnings and "folder does not exist" in warnings[0] and "revenue.png" in warnings[0]
    answer("", "")
    assert not chart.save_chart()  # cancelled: nothing written, nothing said
    assert len(warnings) == 1


def test_copy_chart_and_ctrl_c_on_a_focused_chart_put_the_picture_on_the_clipboard(qtbot, window):
    clipboard = QGuiApplication.clipboard()
    clipboard.clear()
    chart = window.charts.capex
    chart.copy_action.trigger()
    image = clipboard.image()
    assert image.width() >= 1600 and image.height() >= 900
    assert b"Capex, depreciation and impairment" in bytes(clipboard.mimeData().data("image/svg+xml"))

    clipboard.clear()
    returns = window.charts.returns
    qtbot.mouseClick(returns.plot_widget.viewport(), Qt.MouseButton.LeftButton)
    assert returns.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert not clipboard.image().isNull()
    assert b"Plan ROIC and margin against the WACC" in bytes(clipboard.mimeData().data("image/svg+xml"))
    assert window.statusBar().currentMessage() == ""  # not "Select cells in a table first."


def test_hovering_reads_out_the_values_under_the_mouse(qtbot, window, risk, controller):
    histogram = risk.monte_carlo_page.npv_histogram
    i = int(histogram._counts.argmax())
    middle = (histogram._edges[i] + histogram._edges[i + 1]) / 2
    text = histogram.hover_text(QPointF(middle, 0))
    assert text.startswith("NPV ") and text.endswith(f": {histogram._counts[i]:,} trials") and "RMB bn" in text

    fan = risk.monte_carlo_page.margin_fan
    fan_text = fan.hover_text(QPointF(2030.2, 0))
    p50 = risk.monte_carlo_page.last_run.fans["ebita_margin"].loc["p50", 2030] * 100
    assert fan_text.startswith("FY2030: p10 ") and f"p50 {fixed(p50, 1)}%" in fan_text
    assert fan.hover_text(QPointF(1990, 0)) is None

    tornado = risk.tornado_page.tornado_chart
    top = len(tornado._rows) - 1
    assert tornado.hover_text(QPointF(0, top)).startswith(tornado._rows[0][0] + ": NPV ")

    # Through the mouse: a move over the plot updates the readout under it.
    window.analysis_tabs.setCurrentWidget(window.bridge_page)
    waterfall = window.bridge_page.waterfall
    scene_point = waterfall.plot.vb.mapViewToScene(QPointF(0, len(waterfall.bars) - 1))
    waterfall.plot.scene().sigMouseMoved.emit(scene_point)
    start = window.bridge_page.last_bridge.start
    qtbot.waitUntil(lambda: waterfall.readout.text() == f"Base: {fixed(start, 1)} RMB bn")


def test_a_line_keeps_its_gaps_after_a_line_without_any(qtbot):
    """A line drawn whole and then with an undefined year breaks at that year; pyqtgraph skips
    its own search for gaps only in a line that has none (it keeps the setting between calls)."""
    import numpy as np
    import pyqtgraph as pg
    from PySide6.QtGui import QPainterPath

    from ui.charts import plot_line

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    item = pg.PlotDataItem(connect="finite")
    widget.addItem(item)
    years = np.arange(2026.0, 2032.0)

    def pieces() -> int:
        path = item.curve.getPath()
        return sum(path.elementAt(i).type == QPainterPath.ElementType.MoveToElement for i in range(path.elementCount()))

    plot_line(item, years, np.arange(6.0))
    assert pieces() == 1 and item.opts["skipFiniteCheck"]  # no gap: pyqtgraph is told not to look
    plot_line(item, years, np.array([1.0, 2.0, np.nan, 4.0, 5.0, 6.0]))
    assert pieces() == 2 and not item.opts["skipFiniteCheck"]


def test_every_chart_keeps_its_top_tick_labels_inside_the_plot(window):
    window.analysis_tabs.setCurrentWidget(window.charts)
    QApplication.processEvents()
    for chart in window.charts.charts:
        for side in ("left", "right"):
            if chart.plot.getAxis(side).isVisible():
                assert top_tick_clearance(chart, side) >= 0, (chart.title.text(), side)
    # Below zero, the lowest label too (the cash flow and the returns reach below zero).
    for chart in (window.charts.cash_flow, window.charts.returns):
        assert chart.plot.vb.viewRange()[1][0] < 0
        assert bottom_tick_clearance(chart, "left") >= 0, chart.title.text()


def test_a_dotted_line_marks_every_defined_year_even_one_between_gaps(qtbot):
    """A chart's line carries a dot on each year it is defined at, drawn by the line itself;
    a year defined between two undefined ones shows as a lone dot (no line reaches it)."""
    import numpy as np
    import pyqtgraph as pg

    from ui.chart_base import DOT, DottedLine
    from ui.charts import plot_line

    widget = pg.PlotWidget()
    widget.resize(400, 300)
    qtbot.addWidget(widget)
    line = DottedLine(pg.mkPen("b", width=2), QColor("#c8453c"))
    widget.addItem(line)
    widget.setRange(xRange=(2025, 2032), yRange=(0, 10), padding=0)
    plot_line(line, np.arange(2026.0, 2032.0), np.array([1.0, 2.0, np.nan, 5.0, np.nan, 6.0]))
    widget.show()
    qtbot.waitExposed(widget)
    image = widget.grab().toImage()

    def pixel(year: float, value: float, dx: float = 0.0) -> QColor:
        point = widget.mapFromScene(line.mapToScene(QPointF(year, value)))
        return image.pixelColor(round(point.x() + dx), round(point.y()))

    assert pixel(2029, 5.0) == QColor("#c8453c")  # the lone year: a dot, in the dot's colour
    assert pixel(2029, 5.0, dx=DOT) == QColor("white")  # and no line leaves it
    assert pixel(2031, 6.0) == QColor("#c8453c")
    assert pixel(2028, 3.5) == QColor("white")  # no dot where the value is undefined


def fitted(low: float, high: float) -> tuple[float, float]:
    """A range fitted to the data as the charts fit one: 5 % of the span below, 8 % above."""
    span = high - low
    return low - 0.05 * span, high + 0.08 * span


@pytest.mark.parametrize(
    ("held", "low", "high", "shown"),
    [
        (None, -50.0, 100.0, fitted(-50.0, 100.0)),  # nothing shown yet: fitted
        ((-60.0, 110.0), -52.0, 103.0, (-60.0, 110.0)),  # the data moved a little: held
        ((0.0, 110.0), 0.0, 104.0, (0.0, 110.0)),  # up to the edge (3 % of 110 below the top): held
        ((0.0, 110.0), 0.0, 107.0, fitted(0.0, 107.0)),  # into the edge: fitted again, wider
        ((-60.0, 110.0), -59.0, 103.0, fitted(-59.0, 103.0)),  # into the edge at the bottom
        ((0.0, 110.0), 0.0, 70.0, fitted(0.0, 70.0)),  # filling less than two thirds: fitted, narrower
        ((0.0, 110.0), 0.0, 75.0, (0.0, 110.0)),  # two thirds and more: held
        ((0.0, 110.0), -1.0, 100.0, fitted(-1.0, 100.0)),  # now below zero, under a range from zero
        ((-10.0, 65.0), 0.0, 55.0, fitted(0.0, 55.0)),  # nothing below zero any more (an undo): fitted
        ((-110.0, 20.0), -100.0, 0.0, fitted(-100.0, 0.0)),  # nothing above zero any more: fitted
    ],
)
def test_a_y_range_holds_while_the_data_move_a_little_and_is_fitted_again_when_they_leave_it(held, low, high, shown):
    assert steady_range(held, low, high, fitted(low, high)) == pytest.approx(shown)


@given(st.lists(st.tuples(st.floats(-1e6, 0.0), st.floats(0.0, 1e6)), min_size=1, max_size=20))
def test_a_steady_y_range_never_cuts_off_data(extents):
    """Whatever the data do from edit to edit, the range shows them with the edge to spare
    (away from zero) and they fill at least STEADY_FILL of it."""
    shown = None
    for low, high in extents:
        if high - low < 1e-9:
            continue
        shown = steady_range(shown, low, high, fitted(low, high))
        bottom, top = shown
        edge = STEADY_EDGE * (top - bottom)
        assert bottom + (edge if low < 0 else 0.0) <= low and high <= top - (edge if high > 0 else 0.0)
        assert high - low >= STEADY_FILL * (top - bottom)
        fitted_bottom, fitted_top = fitted(low, high)
        assert (low < 0 or bottom >= fitted_bottom) and (high > 0 or top <= fitted_top)  # no empty side


def test_an_edit_moves_the_bars_not_the_axis_unless_they_leave_it(window, controller):
    """The capex chart's axis holds through a small edit, widens for capex beyond it, and fits
    the capex again after an undo leaves them well inside it."""
    from model.edits import SetCell

    window.analysis_tabs.setCurrentWidget(window.charts)
    QApplication.processEvents()
    capex = window.charts.capex
    name = next(iter(controller.model["capex"]))

    def shown() -> tuple[float, float]:
        return tuple(capex.plot.vb.viewRange()[1])

    def highest_bar() -> float:
        x, y0 = capex.follow_on.opts["x"], capex.follow_on.opts["y0"]
        return float((y0 + capex.follow_on.opts["height"]).max()) if len(x) else 0.0

    start = shown()
    value = controller.model["capex"][name][2]
    controller.apply(SetCell("capex", name, 2, value + 1.0), "small")
    QApplication.processEvents()
    assert shown() == start
    assert highest_bar() < start[1]
    controller.apply(SetCell("capex", name, 2, value * 4), "large")
    QApplication.processEvents()
    assert shown()[1] > start[1] and highest_bar() < shown()[1]
    controller.undo_stack.undo()  # back to the small edit: the bars fill a third of the axis
    QApplication.processEvents()
    assert shown() == pytest.approx((0.0, highest_bar() * 1.08))  # fitted again, as when first drawn
    controller.undo_stack.undo()
    QApplication.processEvents()
    assert shown() == pytest.approx((0.0, (highest_bar() + 1.0) * 1.08))  # and held


def test_bars_lines_and_labels_that_stay_as_they_are_are_not_drawn_again(qtbot, monkeypatch):
    """An edit redraws only what it changed: bars, lines, markers and labels given the values
    they show already are left alone (pyqtgraph would draw them again)."""
    import numpy as np
    import pyqtgraph as pg

    from ui.chart_base import DottedLine
    from ui.charts import plot_line, reference_line, set_bars, set_label, show_reported

    years, heights = np.arange(2026.0, 2030.0), np.array([1.0, np.nan, 3.0, 4.0])
    bars, line, markers = (
        pg.BarGraphItem(x=[0], height=[0], width=0.5),
        DottedLine(pg.mkPen("b"), QColor("b")),
        pg.ScatterPlotItem(),
    )
    wacc = reference_line(QColor("red"), 0.0)
    set_bars(bars, years, heights, 0.0)
    plot_line(line, years, heights)
    show_reported(markers, {2026: {"fcf": 2.0}}, "fcf", 1.0)
    set_label(wacc, "WACC 9.0%")
    drawn = []
    for item, method in ((bars, "setOpts"), (line, "setData"), (markers, "setData"), (wacc.label, "setFormat")):
        monkeypatch.setattr(item, method, lambda *args, item=item, **kwargs: drawn.append(item))
    set_bars(bars, years.copy(), heights.copy(), 0.0)
    plot_line(line, years.copy(), heights.copy())
    show_reported(markers, {2026: {"fcf": 2.0}}, "fcf", 1.0)
    set_label(wacc, "WACC 9.0%")
    assert drawn == []
    set_bars(bars, years, heights, heights)  # stacked on other bars now
    plot_line(line, years, heights * 2)
    show_reported(markers, {2026: {"fcf": 2.5}}, "fcf", 1.0)
    set_label(wacc, "WACC 9.5%")
    assert drawn == [bars, line, markers, wacc.label]


def test_after_an_edit_the_window_shows_what_a_whole_repaint_shows(window, controller):
    """An edit repaints only what it changed: the axes from Qt's cached pictures of them, bars
    and lines only where their values changed. What is then on screen must be what repainting
    the whole window gives, through edits that hold the axes and one that widens them."""
    from model.edits import SetCell

    window.analysis_tabs.setCurrentWidget(window.charts)
    QApplication.processEvents()
    name = next(iter(controller.model["capex"]))
    value = controller.model["capex"][name][2]  # in the year of the highest bar

    def on_screen() -> QImage:
        return window.screen().grabWindow(window.winId()).toImage()

    # Higher bars under the same axis, then beyond it, then back under a steady one.
    for new in (value + 5.0, value * 3, value + 1.0):
        controller.apply(SetCell("capex", name, 2, new), "edit")
        QApplication.processEvents()
        edited = on_screen()
        window.repaint()
        assert edited == on_screen(), new
