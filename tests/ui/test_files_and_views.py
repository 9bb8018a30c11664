"""Files, the unsaved-changes prompt, remembered settings, the item models and the charts."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from itertools import pairwise

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel, QMessageBox

from model import load_model, save_model
from tests.conftest import BUNDLED_MODEL_PATH, ROOT
from tests.factories import model_doc
from ui import settings
from ui.charts import year_ticks
from ui.controller import WorkbenchController
from ui.kpi_strip import KpiStrip
from ui.sheets import capex_sheet, class_sheet, drivers_sheet, history_sheet, projections_sheet, settings_sheet
from ui.table_model import SheetTableModel

Buttons = QMessageBox.StandardButton


def edit_something(window):
    table = window.capex_panel.capex_view.table_model
    assert table.setData(table.index(0, 5), "12.5")


@pytest.mark.parametrize("scenario", ["Base", "Bull"])
def test_every_item_model_passes_the_model_tester(qtmodeltester, bundled_model, scenario):
    controller = WorkbenchController(bundled_model, None, scenario)
    money = controller.money
    sheets = [
        capex_sheet(bundled_model, scenario, money, controller.results),
        history_sheet(bundled_model, scenario, money),
        class_sheet(bundled_model, scenario, money),
        drivers_sheet(bundled_model, scenario, money),
        settings_sheet(bundled_model, scenario, money, controller.results),
        projections_sheet(bundled_model, controller.results, money),
    ]
    for sheet in sheets:
        qtmodeltester.check(SheetTableModel(sheet, money, controller.apply))


def test_save_and_reopen_give_the_same_model(window, controller, tmp_path, monkeypatch):
    edit_something(window)
    assert window.windowTitle().endswith("*")
    assert window.save()
    assert not window.windowTitle().endswith("*")
    assert load_model(controller.path) == controller.model

    target = tmp_path / "copy.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))
    assert window.save_as()
    assert controller.path == target
    assert window.windowTitle() == f"{controller.model['name']} — copy.json"
    saved = controller.model
    assert window.open_file(str(target))
    assert controller.model == saved
    assert settings.recent_files()[0] == str(target.resolve())


@pytest.mark.slow
def test_the_bundled_model_is_saved_elsewhere(qtbot, tmp_path, monkeypatch):
    from ui.app import create_window

    window = create_window(BUNDLED_MODEL_PATH)
    qtbot.addWidget(window)
    target = tmp_path / "mine.json"
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: asked.append(1) or (str(target), ""))
    assert window.save()
    assert asked and target.exists()


@pytest.mark.slow
def test_closing_with_unsaved_changes_asks(window, controller, monkeypatch):
    edit_something(window)
    answers = iter([Buttons.Cancel, Buttons.Discard])
    asked = []

    def question(*args, **kwargs):
        asked.append(args[1])
        return next(answers)

    monkeypatch.setattr(QMessageBox, "question", question)
    assert not window.close()
    assert window.isVisible()
    assert window.close()
    assert asked == ["Unsaved changes", "Unsaved changes"]


@pytest.mark.slow
def test_save_answer_saves_before_opening_another_file(window, controller, monkeypatch, tmp_path):
    edit_something(window)
    edited = controller.model
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: Buttons.Save)
    assert window.new_model()
    assert load_model(window.controller.path or tmp_path / "alibaba.json") == edited
    assert controller.model["name"] == "New capex plan"
    assert controller.undo_stack.count() == 0
    assert window.windowTitle() == "New capex plan — Untitled"


def test_a_bad_file_is_refused_with_its_message(window, controller, tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "capex-model", "version": 9}')
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warnings.append(args[2]))
    before = controller.model
    assert not window.open_file(str(bad))
    assert controller.model is before
    assert warnings == ["version: version 9 is newer than this program reads (2)"]
    assert "version 9 is newer" in window.statusBar().currentMessage()


@pytest.mark.slow
def test_layout_and_recent_files_persist(window, model_path, qtbot):
    from ui.app import create_window

    window.main_splitter.setSizes([500, 400])
    sizes = window.main_splitter.sizes()
    settings.remember_file(model_path)
    window.close()
    again = create_window(model_path)
    qtbot.addWidget(again)
    again.show()
    restored = again.main_splitter.sizes()
    assert restored[0] / sum(restored) == pytest.approx(sizes[0] / sum(sizes), abs=0.02)
    assert [action.text() for action in again.recent_menu.actions()] == ["alibaba.json"]


@pytest.mark.slow
def test_hover_readout_and_png_export(window, controller, tmp_path):
    chart = window.charts.revenue
    chart.show_year(2030)
    core = controller.results.value("core_revenue", 2030)
    assert chart.readout.text().startswith(f"FY2030: Core revenue {core:.1f} · Installed fleet revenue")
    assert chart.cursor.isVisible()
    path = tmp_path / "revenue.png"
    chart.write_chart(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_charts_show_peers_actuals_and_payback(window, controller):
    revenue = window.charts.revenue
    assert sorted(revenue._peer_lines) == sorted(controller.model["peers"])
    assert revenue._peer_lines["AWS (CY2025, GAAP operating margin)"].value() == pytest.approx(35.0)
    years, values = revenue.revenue_actuals.getData()
    assert list(years) == [2026] and values[0] == pytest.approx(158.132)
    cash_flow = window.charts.cash_flow
    payback = controller.results.kpis["payback_years"]
    assert cash_flow.payback.value() == pytest.approx(2025 + payback)
    assert window.charts.returns.wacc.value() == pytest.approx(10.0)


@pytest.mark.parametrize("pixels_per_year", [8, 19, 25, 33, 60])
@pytest.mark.parametrize("horizon", [10, 30])
def test_year_ticks_keep_labels_apart_and_show_both_ends(pixels_per_year, horizon):
    years = list(range(2026, 2026 + horizon))
    ticks = year_ticks(years, pixels_per_year, label_pixels=34)
    assert ticks[0] == years[0] and ticks[-1] == years[-1]
    assert all((b - a) * pixels_per_year >= 34 for a, b in pairwise(ticks))


def resized(window, width, height):
    window.resize(width, height)
    for _ in range(3):
        QApplication.processEvents()


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1600, 1000), (1280, 800), (1024, 700)])
def test_year_labels_never_collide_and_both_ends_show(window, size):
    resized(window, *size)
    for chart in window.charts.charts:
        view, label = chart.plot.vb, chart.plot_widget.fontMetrics().horizontalAdvance("FY00")
        centres = [view.mapViewToScene(QPointF(year, 0)).x() for year in chart.tick_years]
        assert chart.tick_years[0] == 2026 and chart.tick_years[-1] == 2035, type(chart).__name__
        assert all(b - a > label for a, b in pairwise(centres)), (type(chart).__name__, centres)


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1280, 800), (1024, 700)])
def test_captions_keep_their_own_room(window, size):
    resized(window, *size)
    for chart in window.charts.charts:
        chart.show_year(2030)
    QApplication.processEvents()
    for chart in window.charts.charts:
        plot = chart.plot_widget.geometry()
        assert plot.height() >= 140 and plot.width() >= 260
        assert chart.legend.geometry().bottom() < plot.top() and chart.title.geometry().bottom() < plot.top()
        readout = chart.readout
        assert readout.geometry().top() > plot.bottom()
        assert readout.height() >= readout.heightForWidth(readout.width())
        assert chart.geometry().height() >= chart.minimumSizeHint().height()


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["Base", "Bear"])
@pytest.mark.parametrize("size", [(1600, 1000), (1280, 800), (1024, 700)])
def test_reference_line_labels_lie_inside_their_plots(window, controller, scenario, size):
    controller.set_scenario(scenario)
    resized(window, *size)
    revenue, cash_flow, returns = window.charts.revenue, window.charts.cash_flow, window.charts.returns
    labelled = [(revenue, line) for line in revenue._peer_lines.values()]
    labelled += [(returns, returns.wacc)]
    if cash_flow.payback.isVisible():
        labelled += [(cash_flow, cash_flow.payback)]
    for chart, line in labelled:
        view = chart.plot.vb.sceneBoundingRect().adjusted(-0.5, -0.5, 0.5, 0.5)  # rounding at the edges
        label = line.label.sceneBoundingRect()
        assert view.contains(label), (line.label.toPlainText(), view, label)


@pytest.mark.slow
def test_main_starts_the_window_and_exits(tmp_path):
    """Start-up smoke test: main() in a fresh interpreter, offscreen, closed by a timer."""
    script = textwrap.dedent(
        """
        import sys
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication
        import main

        app = QApplication(sys.argv[:1])
        def check_and_quit():
            window = app.activeWindow() or app.topLevelWidgets()[0]
            titles = [w.windowTitle() for w in app.topLevelWidgets() if w.isVisible()]
            print("TITLES", titles)
            app.quit()
        QTimer.singleShot(300, check_and_quit)
        sys.exit(main.main([]))
        """
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Alibaba Cloud: RMB 380bn AI & cloud infrastructure plan — alibaba_380bn.json" in done.stdout


@pytest.mark.slow
def test_main_reports_a_bad_scenario_in_one_line(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "main.py", "--scenario", "Sideways"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("error: --scenario: 'Sideways' is not a scenario of this model")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_new_model_shows_no_payback_where_nothing_is_invested(window, controller):
    assert window.new_model()
    assert controller.results.kpis["total_capex"] == 0
    assert controller.results.kpis["payback_years"] == 0  # the contract's value, kept in the JSON
    strip = window.findChild(KpiStrip)
    assert strip.value_labels["payback_years"].text() == "n/a"
    assert strip.value_labels["discounted_payback_years"].text() == "n/a"


def test_projections_of_a_30_year_model_show_every_figure_whole(qtbot, window, controller, tmp_path):
    path = tmp_path / "thirty.json"
    doc = model_doc(horizon=30)
    doc["settings"]["base_core_revenue"] = 1234.5  # figures of seven characters, bold in total rows
    save_model(doc, path)
    window.resize(1600, 1000)
    assert window.open_file(str(path))
    view = window.projections.view
    qtbot.waitUntil(lambda: view.table_model.columnCount() == 30)
    model = view.table_model
    for row in range(model.rowCount()):
        for column in range(model.columnCount()):
            index = model.index(row, column)
            font = index.data(Qt.ItemDataRole.FontRole) or QFont(view.font())
            room = view.columnWidth(column) - 8  # the cell's padding
            assert QFontMetrics(font).horizontalAdvance(index.data()) <= room, (row, column, index.data())


def test_the_capex_title_speaks_of_a_follow_on_only_when_there_is_one(window, controller):
    def title() -> str:
        return next(
            label.text()
            for label in window.capex_panel.findChildren(QLabel)
            if label.text().startswith("Capex plan by asset class")
        )

    assert title() == "Capex plan by asset class (RMB bn): 3 plan years, then the follow-on (shaded)"
    assert window.new_model()  # a new model's plan is its whole horizon
    assert title() == "Capex plan by asset class (RMB bn): 10 plan years, no follow-on"
