"""How fast the workbench window reacts, offscreen; prints one JSON object.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_ui.py

For the bundled model and a generated 30-year, 12-class model:

* ``startup_s``: a fresh interpreter started until the main window's first paint (targets < 2 s);
* ``edit_ms``: one capex cell typed in until KPIs, charts and projections are updated and the
  window has repainted (target < 50 ms);
* ``paste_20_ms``: a 2 × 10 block pasted (one undo step), same end point;
* the peers in the same run: ``import_only_s`` (a fresh interpreter that only imports numpy,
  PySide6 and pyqtgraph, the floor under any start-up), ``compute_ms`` (the bare
  model computation) and ``apply_edit_ms`` (validate the edited model and compute it), so the
  window's own share is visible.

Times are medians of repeated runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model import compute, load_model, save_model, validate_model  # noqa: E402
from model.edits import SetCell, apply_edit  # noqa: E402
from resources import bundled_model_path  # noqa: E402

BUNDLED_MODEL = bundled_model_path()
REPEATS = 30

STARTUP_CHILD = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
from ui.app import create_window

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            print(time.time() - float(os.environ["BENCH_SPAWNED_AT"]), flush=True)
            app.quit()
        return False

window = create_window(sys.argv[1])
watcher = FirstPaint()
window.charts.revenue.plot_widget.viewport().installEventFilter(watcher)
window.resize(1600, 1000)
window.show()
app.exec()
"""


def generated_model(horizon: int = 30, classes: int = 12) -> dict:
    """The bundled model stretched to ``horizon`` years and ``classes`` capitalized classes."""
    base = load_model(BUNDLED_MODEL)
    names = [f"Class {i + 1}" for i in range(classes)]
    doc = {
        key: base[key] for key in ("format", "version", "name", "currency", "unit", "base_year", "settings", "peers")
    }
    doc["horizon"] = horizon
    doc["asset_classes"] = [
        {"name": name, "treatment": "capitalized", "life": 3 + i % 20, "revenue_generating": i % 3 != 2}
        for i, name in enumerate(names)
    ]
    doc["capex"] = {name: [10.0 + (i * 7 + t * 3) % 17 for t in range(horizon)] for i, name in enumerate(names)}
    doc["drivers"] = {key: [values[0]] * horizon for key, values in base["drivers"].items() if key != "cloud_market"}
    doc["scenarios"] = {"Bull": {"settings": {"wacc": 0.09}}}
    return validate_model(doc)


def median_ms(run, repeats: int = REPEATS) -> float:
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def startup_seconds(model_path: Path, settings_folder: str) -> float:
    runs = []
    for _ in range(3):
        env = {**os.environ, "BENCH_SPAWNED_AT": repr(time.time())}
        done = subprocess.run(
            [sys.executable, "-c", STARTUP_CHILD, str(model_path), settings_folder],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        runs.append(float(done.stdout.strip().splitlines()[-1]))
    return round(statistics.median(runs), 3)


def import_only_seconds() -> float:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import numpy, PySide6.QtWidgets, pyqtgraph"], check=True)
        runs.append(time.perf_counter() - start)
    return round(statistics.median(runs), 3)


def window_timings(model_path: Path) -> dict[str, float]:
    from PySide6.QtCore import QItemSelection, QItemSelectionModel
    from PySide6.QtWidgets import QApplication

    from ui.app import create_window

    app = QApplication.instance() or QApplication([])
    window = create_window(model_path)
    window.resize(1600, 1000)
    window.show()
    app.processEvents()
    controller = window.controller
    first_class = next(iter(controller.model["capex"]))

    def edit(i: int) -> None:
        controller.apply(SetCell("capex", first_class, 0, 50.0 + i % 2), "benchmark edit")
        window.repaint()

    view = window.capex_panel.capex_view
    block = QItemSelection(view.table_model.index(0, 0), view.table_model.index(0, 0))
    view.selectionModel().select(block, QItemSelectionModel.SelectionFlag.ClearAndSelect)
    rows = ["\t".join(str(10 + i + t) for t in range(10)) for i in range(2)]

    def paste(i: int) -> None:
        view.paste_text("\n".join(rows).replace("1", str(1 + i % 2)) + "\n")
        window.repaint()

    timings = {"edit_ms": median_ms(edit), "paste_20_ms": median_ms(paste)}
    assert controller.undo_stack.count() == 2 * REPEATS, "an edit was refused"
    controller.undo_stack.setClean()
    window.close()
    window.deleteLater()
    app.processEvents()
    return timings


def model_timings(model: dict) -> dict[str, float]:
    first_class = next(iter(model["capex"]))
    return {
        "compute_ms": median_ms(lambda i: compute(model)),
        "apply_edit_ms": median_ms(lambda i: compute(apply_edit(model, SetCell("capex", first_class, 0, 50.0 + i))[0])),
    }


def main() -> None:
    report: dict[str, object] = {"import_only_s": import_only_seconds()}
    with tempfile.TemporaryDirectory() as folder:
        from PySide6.QtCore import QSettings

        QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
        generated_path = Path(folder) / "generated_30y_12_classes.json"
        save_model(generated_model(), generated_path)
        for name, path in (("bundled", BUNDLED_MODEL), ("30_years_12_classes", generated_path)):
            model = load_model(path)
            report[name] = {
                "startup_s": startup_seconds(path, folder),
                **window_timings(path),
                **model_timings(model),
            }
    report["targets"] = {"startup_s": 2.0, "edit_ms": 50.0}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
