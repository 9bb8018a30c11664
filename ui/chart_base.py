"""What every chart of the window shares: the theme, a title, a legend, axes titled and ticked in
the unit of what they show (``model.outputs.Unit``), a hover readout, and report-ready output.

Report-ready output: "Save chart as…" (PNG or SVG, by the file's extension) and "Copy chart"
(Ctrl+C while the chart has the focus) draw the chart again at ``REPORT_SIZE`` with its title,
legend, axis titles with units, its note and a source line (the model, the scenario, the date)
inside the picture, so that it can go into a report as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from math import floor, log10
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QEvent,
    QIODevice,
    QMimeData,
    QObject,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    QSizeF,
    QStandardPaths,
    Qt,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPen,
    QPicture,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSizePolicy,
    QStyleOptionGraphicsItem,
    QVBoxLayout,
    QWidget,
)

from model import ModelError
from model.fileio import atomic_write
from model.outputs import Unit
from ui.formatting import SMALLEST_FIXED, MoneyDisplay, fixed, scientific, unit_words

# ------------------------------------------------------------------------------------- theme

pg.setConfigOptions(antialias=True, background="w", foreground="#30343b")

TEXT, MUTED = QColor("#30343b"), QColor("#5b6270")
CORE, AI, PULL = QColor("#9aa7b8"), QColor("#e8772e"), QColor("#f3b37c")
INSTALLED, FOLLOW = QColor("#7fa7d4"), QColor("#6fbf86")  # the fleet groups: installed, follow-on
BLUE, RED, GREEN, GREY = QColor("#2c6fbb"), QColor("#c8453c"), QColor("#3e9a5b"), QColor("#7d8490")
PEER_COLOURS = (QColor("#6a4c93"), QColor("#1b998b"), QColor("#b5838d"), QColor("#8d6a3b"))
FONT_FAMILY = "DejaVu Sans"

# Glyphs of the legend: bars, a line, reported figures (markers), a reference (dashed) line.
BARS, LINE, MARKER, DASHED = "■", "━", "◆", "┅"

# A saved or copied chart: drawn at this size in points, the PNG at REPORT_SCALE pixels a point.
REPORT_SIZE = QSize(1200, 675)
REPORT_SCALE = 4 / 3  # 1600 × 900 pixels
REPORT_MARGIN = 28
IMAGE_FILTERS = "PNG image (*.png);;SVG drawing (*.svg)"


NO_MONEY = MoneyDisplay("", "")  # for the units whose words need no currency


DOT = 6  # pixels across a line's dot


class DottedLine(pg.PlotCurveItem):
    """A line with a dot on each year it is defined at, drawn by one item. pyqtgraph's symbols
    would be a second item (a scatter plot) costing as much again to update and to paint on
    every edit, and redrawing its symbol picture each time. A dot is a disc ``size`` pixels
    across in ``colour``; with an ``outline``, a rim one pixel wide in that colour around it."""

    def __init__(self, pen: QPen, colour: QColor, outline: QColor | None = None, size: int = DOT) -> None:
        super().__init__(pen=pen, connect="finite")
        self._size = size
        rim = [] if outline is None else [dot_pen(outline, size)]
        self._dot_pens = [*rim, dot_pen(colour, size - (2 if outline is not None else 0))]
        self._dots = QPolygonF()

    def updateData(self, *args: object, **kwargs: object) -> None:  # noqa: N802 (pyqtgraph's name)
        super().updateData(*args, **kwargs)
        x, y = (np.empty(0), np.empty(0)) if self.xData is None else (self.xData, self.yData)
        finite = np.isfinite(x) & np.isfinite(y)
        self._dots = QPolygonF([QPointF(a, b) for a, b in zip(x[finite].tolist(), y[finite].tolist(), strict=True)])

    def pixelPadding(self) -> float:  # noqa: N802 (pyqtgraph's name)
        return max(super().pixelPadding(), self._size / 2 + 1)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None) -> None:
        super().paint(painter, option, widget)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for pen in self._dot_pens:
            painter.setPen(pen)
            painter.drawPoints(self._dots)


def dot_pen(colour: QColor, size: float) -> QPen:
    """A pen whose points are round dots ``size`` pixels across at any zoom."""
    pen = pg.mkPen(colour, width=size)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setCosmetic(True)
    return pen


def axis_title(name: str, unit: str, money: MoneyDisplay | None) -> str:
    """An axis title from an output's name and unit: "NPV (RMB bn)", "IRR (%)", or the unit alone
    where the chart's title names the output. Money gets its currency only once it is known."""
    words = "" if money is None and unit in (Unit.MONEY, Unit.PER_SHARE) else unit_words(unit, money or NO_MONEY)
    if not name:
        return words
    return f"{name} ({words})" if words else name


def tick_text(value: float, unit: str, spacing: float) -> str:
    """A tick label in the axis's unit, with as many decimals (up to six) as the spacing of the
    ticks needs: ``1,200``, ``2.5``, ``15%`` (values arrive in display units: money in the
    display currency, rates in percent). Never a scale factor such as ``x1e-09``, never ``-0``;
    ticks too small for six places (money at an extreme exchange rate) read ``2e-16``."""
    decimals = next((d for d in range(7) if abs(round(spacing, d) - spacing) <= 1e-9 * abs(spacing)), None)
    if decimals is None and abs(value) < SMALLEST_FIXED:  # six places would show 0.000000
        text = scientific(value, spacing)
    else:
        text = fixed(value, 6 if decimals is None else decimals)
        if text.lstrip("-").strip("0.,") == "":
            text = text.lstrip("-")
    return text + "%" if unit == Unit.PERCENT else text


def display_text(value: float, unit: str, money: MoneyDisplay) -> str:
    """A value in display units with its unit, as a readout shows it: ``12.3 RMB bn``, ``5.1%``."""
    if unit == Unit.PERCENT:
        return tick_text(value, unit, 0.1)
    return f"{tick_text(value, unit, 0.01 if unit == Unit.RATIO else 0.1)} {unit_words(unit, money)}".strip()


class UnitAxis(pg.AxisItem):
    """An axis whose ticks read in the unit of what it shows, never rescaled by an SI prefix."""

    def __init__(self, orientation: str) -> None:
        super().__init__(orientation)
        self.unit: str = Unit.PLAIN
        # "trials (x0.001)" or "NPV (RMB bn) (x1e-09)" would read as another unit.
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if self.logMode:
            return self.logTickStrings(values, scale, spacing)
        return [tick_text(value * scale, self.unit, spacing * scale) for value in values]

    def logTickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:  # noqa: N802 (Qt name)
        # Powers of ten written out (10, 100, 1,000), as an analyst counts trials, and 2 and 5
        # times them; the ticks between stay unlabelled, or their labels would run together.
        texts = []
        for value in values:
            number = 10**value * scale
            leading = round(number / 10 ** floor(log10(number))) if number > 0 else 0
            texts.append(tick_text(number, self.unit, 1.0) if leading in (1, 2, 5) else "")
        return texts


# ------------------------------------------------------------------------------------- captions


class CaptionLabel(QLabel):
    """A word-wrapped caption that asks for the height of its text at its width, or of a longer
    text reserved with ``reserve``: a narrow chart then grows taller (or its panel scrolls)
    instead of squeezing the caption over the plot."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self._reserved = ""

    def hasHeightForWidth(self) -> bool:
        # A scroll area sizes a height-for-width page to its preferred height, which would be
        # that of pyqtgraph's 600 × 480 plots; the wrapped height is given as the size hint instead.
        return False

    def reserve(self, text: str) -> None:
        """Keep room for ``text`` as well; the layout is redone only when that changes the height
        (a new layout on every edit would cost more than the edit)."""
        height = self.sizeHint().height()
        self._reserved = text
        if self.sizeHint().height() != height:
            self.updateGeometry()

    def sizeHint(self) -> QSize:
        self.ensurePolished()
        width = max(self.width(), 1)
        box = QRect(0, 0, width - self.contentsMargins().left() - self.contentsMargins().right(), 10_000)
        reserved = self.fontMetrics().boundingRect(box, Qt.TextFlag.TextWordWrap, self._reserved).height()
        return QSize(width, max(self.heightForWidth(width), reserved))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()


@dataclass(frozen=True)
class LegendEntry:
    colour: QColor
    name: str
    glyph: str  # BARS, LINE, MARKER or DASHED


def report_font(pixels: int, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(pixels)
    font.setBold(bold)
    return font


# ------------------------------------------------------------------------------------- the chart


class Chart(QFrame):
    """A chart card: title and a Save button, legend, the plot, a hover readout and a note.

    Subclasses draw into ``plot`` and describe their items with ``add_legend_entry``; they title
    an axis with ``set_axis``, which also makes its ticks read in that unit. A subclass that
    answers ``hover_text`` gets a readout under the plot that follows the mouse. Whoever draws
    a chart records what it shows with ``set_source`` (the model and the scenario), which the
    saved and copied pictures print under the chart.
    """

    readout_hint = ""  # the readout's text before the first hover; empty: no readout

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChartCard")
        # No pyqtgraph context menus (the card has its own actions); not building them saves start-up time.
        self.plot_widget = pg.PlotWidget(
            enableMenu=False, axisItems={side: UnitAxis(side) for side in ("left", "bottom", "right")}
        )
        self.plot = self.plot_widget.getPlotItem()
        self.plot.showGrid(x=False, y=True, alpha=0.15)
        # Grid lines at the labelled ticks only: the faint minor ones cost more to paint than the
        # rest of the chart (about 4 ms each on every edit) and crowd a saved picture.
        self.axis("left").setStyle(maxTickLevel=0)
        self.plot.hideButtons()
        self.plot.hideAxis("right")  # until a chart gives it a view of its own
        # Qt keeps a picture of each axis and paints it from there: a new value repaints the plot
        # under the axis's grid lines, but the axis itself changes only with its range.
        for side in ("left", "bottom", "right"):
            self.axis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.vb.setMouseEnabled(x=False, y=False)
        # A click on the plot gives the card the focus, so that Ctrl+C copies this chart.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.plot_widget.setFocusProxy(self)

        self.title = CaptionLabel(title)
        self.title.setObjectName("ChartTitle")
        self.save_button = QPushButton("Save chart…")
        self.save_button.setObjectName("FlatButton")
        self.save_button.setToolTip("Save this chart as a PNG or SVG picture, with its title, legend and source")
        self.save_button.clicked.connect(lambda: self.save_chart())
        # The legend sits above the plot rather than inside it, so it never hides a bar or a label.
        self.legend = CaptionLabel()
        self.legend.setObjectName("ChartLegend")
        self.legend.hide()
        self.legend_entries: list[LegendEntry] = []
        self.readout = CaptionLabel(self.readout_hint)
        self.readout.setObjectName("ChartReadout")
        self.readout.setVisible(bool(self.readout_hint))
        self.note = CaptionLabel()
        self.note.setObjectName("ChartReadout")
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(2)
        layout.addLayout(header)
        layout.addWidget(self.legend)
        layout.addWidget(self.plot_widget, 1)
        layout.addWidget(self.readout)
        layout.addWidget(self.note)

        self.save_action = QAction("Save chart as…", self)
        self.save_action.setToolTip("Save this chart as PNG or SVG (by the file's extension)")
        self.save_action.triggered.connect(lambda: self.save_chart())
        self.copy_action = QAction("Copy chart", self)
        self.copy_action.setToolTip("Copy this chart as a picture, with its title, legend and source")
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutVisibleInContextMenu(True)
        # Ctrl+C reaches the chart through ``eventFilter`` while it has the focus; the action's
        # own shortcut is only shown, so that it never competes with the window's Copy.
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.copy_action.triggered.connect(lambda: self.copy_chart())
        for widget in (self, self.plot_widget):
            widget.addActions([self.save_action, self.copy_action])
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.installEventFilter(self)

        self.model_name, self.scenario = "", ""
        self.cursor: pg.InfiniteLine | None = None  # marks the hovered position; not in a report
        self._hover = pg.SignalProxy(self.plot.scene().sigMouseMoved, rateLimit=30, slot=self._mouse_moved)

    # ------------------------------------------------------------------ legend, axes, source

    def add_legend_entry(self, colour: QColor, name: str, glyph: str) -> None:
        """``glyph``: BARS, LINE, MARKER (reported figures) or DASHED (a reference line)."""
        self.legend_entries.append(LegendEntry(QColor(colour), name, glyph))
        # Entries wrap between each other, never inside one.
        self.legend.setText(
            " &nbsp;&nbsp;".join(
                f'<span style="color:{entry.colour.name()}">{entry.glyph}</span>&nbsp;'
                + entry.name.replace(" ", "&nbsp;")
                for entry in self.legend_entries
            )
        )
        self.legend.show()

    def axis(self, side: str) -> UnitAxis:
        axis = self.plot.getAxis(side)
        assert isinstance(axis, UnitAxis)
        return axis

    def set_axis(self, side: str, name: str, unit: str, money: MoneyDisplay | None) -> None:
        """Title the axis on ``side`` "name (unit words)" and write its ticks in ``unit``."""
        axis = self.axis(side)
        if axis.unit != unit:
            axis.unit = unit
            axis.picture = None  # the ticks are drawn again in the new unit
        title = axis_title(name, unit, money)
        if title and axis.labelText != title:
            self.plot.setLabel(side, title)

    def set_source(self, model_name: str, scenario: str) -> None:
        """What the chart shows: the model's name and the scenario (or "Base → Bull")."""
        self.model_name, self.scenario = model_name, scenario

    def source_line(self) -> str:
        """The line under a saved chart: "Source: Capex Workbench · MODEL · scenario S · DATE"."""
        parts = ["Source: Capex Workbench"]
        if self.model_name:
            parts.append(self.model_name)
        if self.scenario:
            parts.append(f"scenario {self.scenario}")
        parts.append(date.today().isoformat())
        return " · ".join(parts)

    # ------------------------------------------------------------------ hover

    def hover_text(self, point: QPointF) -> str | None:
        """The readout for the mouse at ``point`` (view coordinates); None leaves it as it is."""
        return None

    def _mouse_moved(self, event: tuple[QPointF]) -> None:
        position = event[0]
        if self.plot.vb.sceneBoundingRect().contains(position):
            text = self.hover_text(self.plot.vb.mapSceneToView(position))
            if text is not None:
                self.readout.setText(text)

    # ------------------------------------------------------------------ saving and copying

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Ctrl+C while the chart has the focus copies the chart, not a table's cells.
        if isinstance(event, QKeyEvent) and event.matches(QKeySequence.StandardKey.Copy):
            if event.type() == QEvent.Type.ShortcutOverride:
                event.accept()
                return True
            if event.type() == QEvent.Type.KeyPress:
                self.copy_chart()
                return True
        return super().eventFilter(watched, event)

    def save_chart(self) -> bool:
        """Ask where to save the report picture and save it there: SVG for a ``.svg`` name, PNG
        otherwise (the chosen type's extension is added to a name without one). A file that
        cannot be written is reported, and the previous one left as it was."""
        suggested = re.sub(r'\s*[\\/:*?"<>|]+\s*', " - ", self.title.text()) + ".png"  # no folder separators
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        start = str(Path(folder) / suggested) if folder else suggested
        path, chosen = QFileDialog.getSaveFileName(self, "Save chart as", start, IMAGE_FILTERS)
        if not path:
            return False
        if not Path(path).suffix:
            path += ".svg" if chosen.startswith("SVG") else ".png"
        try:
            self.write_chart(path)
        except ModelError as error:
            QMessageBox.warning(self, "Save chart", str(error))
            return False
        return True

    def write_chart(self, path: str | Path) -> None:
        """Write the report picture to ``path``, SVG for a ``.svg`` name and PNG otherwise; all
        or nothing (ModelFileError names the file and why it could not be written)."""
        if Path(path).suffix.lower() == ".svg":
            atomic_write(path, self.report_svg())
            return
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        self.report_image().save(buffer, "PNG")
        atomic_write(path, bytes(buffer.data().data()))

    def report_image(self) -> QImage:
        """The chart as a report picture: ``REPORT_SIZE`` × ``REPORT_SCALE`` pixels (1600 × 900)."""
        size = QSize(round(REPORT_SIZE.width() * REPORT_SCALE), round(REPORT_SIZE.height() * REPORT_SCALE))
        image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(QColor("white"))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        painter.scale(REPORT_SCALE, REPORT_SCALE)
        self.paint_report(painter)
        painter.end()
        return image

    def report_svg(self) -> bytes:
        """The chart as a report picture in SVG (``REPORT_SIZE`` points)."""
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(REPORT_SIZE)
        # pyqtgraph draws axes and bars from recorded QPictures, which are scaled by the ratio of
        # the device's resolution to the one they were recorded at: the two must be the same.
        generator.setResolution(QPicture().logicalDpiX())
        generator.setViewBox(QRect(QPoint(0, 0), REPORT_SIZE))
        generator.setTitle(self.title.text())
        generator.setDescription(self.source_line())
        painter = QPainter(generator)
        self.paint_report(painter)
        painter.end()
        return bytes(buffer.data().data())

    def copy_chart(self) -> None:
        """Put the report picture on the clipboard, as an image and as SVG."""
        data = QMimeData()
        data.setImageData(self.report_image())
        data.setData("image/svg+xml", QByteArray(self.report_svg()))
        QGuiApplication.clipboard().setMimeData(data)

    def paint_report(self, painter: QPainter) -> None:
        """Draw the report picture in ``REPORT_SIZE`` points: title, legend, plot, note, source."""
        width, height = REPORT_SIZE.width(), REPORT_SIZE.height()
        inner = width - 2 * REPORT_MARGIN
        painter.fillRect(QRectF(0, 0, width, height), QColor("white"))
        flags = int(Qt.TextFlag.TextWordWrap)
        top = REPORT_MARGIN

        painter.setFont(report_font(22, bold=True))
        painter.setPen(QColor("#1d2330"))
        box = painter.boundingRect(QRectF(REPORT_MARGIN, top, inner, height), flags, self.title.text())
        painter.drawText(box, flags, self.title.text())
        top = box.bottom() + 10
        if self.legend_entries:
            top = self._paint_legend(painter, top, inner) + 8

        bottom = height - REPORT_MARGIN
        painter.setFont(report_font(12))
        painter.setPen(MUTED)
        box = painter.boundingRect(QRectF(REPORT_MARGIN, 0, inner, height), flags, self.source_line())
        bottom -= box.height()
        painter.drawText(QRectF(REPORT_MARGIN, bottom, inner, box.height()), flags, self.source_line())
        note = self.note.text().strip()
        if note:
            painter.setFont(report_font(13))
            painter.setPen(TEXT)
            box = painter.boundingRect(QRectF(REPORT_MARGIN, 0, inner, height), flags, note)
            bottom -= box.height() + 6
            painter.drawText(QRectF(REPORT_MARGIN, bottom, inner, box.height()), flags, note)

        target = QRectF(REPORT_MARGIN - 6, top, inner + 12, bottom - 10 - top)
        with self._plot_laid_out_at(target.size()):
            self.plot.scene().render(painter, target, QRectF(QPointF(0, 0), target.size()))

    def _paint_legend(self, painter: QPainter, top: float, inner: float) -> float:
        """The legend's entries in rows, wrapping between entries; returns the bottom."""
        font = report_font(14)
        painter.setFont(font)
        metrics = QFontMetrics(font)
        x, y, gap = 0.0, top, 22
        for entry in self.legend_entries:
            glyph_width = metrics.horizontalAdvance(entry.glyph + " ")
            entry_width = glyph_width + metrics.horizontalAdvance(entry.name)
            if x > 0 and x + entry_width > inner:
                x, y = 0.0, y + metrics.height() + 4
            painter.setPen(entry.colour)
            painter.drawText(QPointF(REPORT_MARGIN + x, y + metrics.ascent()), entry.glyph)
            painter.setPen(TEXT)
            painter.drawText(QPointF(REPORT_MARGIN + x + glyph_width, y + metrics.ascent()), entry.name)
            x += entry_width + gap
        return y + metrics.height()

    @contextmanager
    def _plot_laid_out_at(self, size: QSizeF) -> Iterator[None]:
        """Lay the plot out at ``size`` while it is drawn for a report (axes, ticks and labels
        placed for that size, items in export mode, the hover cursor hidden), then as it was."""
        on_screen = self.plot.geometry()
        hidden = [self.cursor] if self.cursor is not None and self.cursor.isVisible() else []
        for item in hidden:
            item.setVisible(False)
        # Items in export mode draw as vectors what they otherwise take from pixmap caches
        # (scatter symbols), as pyqtgraph's own exporters have them do.
        exporting = [item for item in self.plot.scene().items() if hasattr(item, "setExportMode")]
        for item in exporting:
            item.setExportMode(True, {"antialias": True, "background": QColor("white")})
        # Drawn afresh, not from Qt's pictures of them, which would go into an SVG as bitmaps.
        cached = {item: item.cacheMode() for item in self.plot.scene().items()}
        for item in cached:
            item.setCacheMode(QGraphicsItem.CacheMode.NoCache)
        self.plot.setGeometry(QRectF(QPointF(0, 0), size))
        self.plot.layout.activate()
        self.fit_to_plot()
        try:
            yield
        finally:
            self.plot.setGeometry(on_screen)
            self.plot.layout.activate()
            self.fit_to_plot()
            for item in exporting:
                item.setExportMode(False)
            for item, mode in cached.items():
                item.setCacheMode(mode)
            for item in hidden:
                item.setVisible(True)

    def fit_to_plot(self) -> None:
        """Place what depends on the plot's size in pixels again (ticks, labels); by default
        nothing does."""
