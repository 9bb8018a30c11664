"""One edit to the repainted window, on a 30-year, 12-class model; prints one JSON object.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_edit.py [--against COMMIT]

The window is shown at 1600 x 1000 on the Charts tab. An edit is one capex cell set through the
controller (as typing it does, one undo step), in a year of the plan (every chart moves) and in a
year after it (the plan's cash-flow and returns charts stay as they were), measured apart; the clock
stops when the event loop has nothing left to do: every view updated and every widget that was asked
to repaint has painted (the offscreen platform paints into real images). ``paints`` counts the
widgets painted per edit, so an edit that paints nothing would show. The program of the previous
commit is measured in the same run, on the same model file; each figure is the median of many edits
in the best of several processes (the machine may be busy with other work). Beside it, the peer: the
bare model computation of the same edit. Target: 16 ms (one frame at 60 Hz).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PREVIOUS, interleaved, run_in_tree, trees

PROCESSES = 3
EDITS = 40
CHILD = """
import json, statistics, sys, time
from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, sys.argv[2])
from model import compute
from model.edits import SetCell, apply_edit
from ui.app import create_window

class Paints(QObject):
    count = 0
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False

window = create_window(sys.argv[1])
window.resize(1600, 1000)
window.show()
for _ in range(5):
    app.processEvents()
controller = window.controller
name = next(iter(controller.model["capex"]))
paints = Paints()
app.installEventFilter(paints)
out = {}
# A year of the plan moves every chart; a year after it (follow-on capex) leaves the plan's cash
# flows and returns, and their charts, as they were.
for label, year in (("plan_year", 1), ("after_the_plan", 5)):
    times, painted, bare = [], [], []
    for i in range(int(sys.argv[3])):
        paints.count = 0
        start = time.perf_counter()
        controller.apply(SetCell("capex", name, year, 40.0 + i % 7), "benchmark edit")
        app.processEvents()
        times.append(time.perf_counter() - start)
        painted.append(paints.count)
    model = controller.model
    for i in range(int(sys.argv[3])):
        start = time.perf_counter()
        compute(apply_edit(model, SetCell("capex", name, year, 40.0 + i % 7))[0])
        bare.append(time.perf_counter() - start)
    out[label] = {"edit_ms": statistics.median(times) * 1000, "compute_ms": statistics.median(bare) * 1000,
                  "paints": statistics.median(painted)}
controller.undo_stack.setClean()
print(json.dumps(out))
"""


def summary(runs: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, float]]:
    out = {}
    for edit in runs[0]:
        best = min((run[edit] for run in runs), key=lambda figures: figures["edit_ms"])
        out[edit] = {
            "edit_to_repainted_window_ms": round(best["edit_ms"], 2),
            "widgets_painted_per_edit": best["paints"],
            "peer_bare_compute_of_the_edit_ms": round(min(run[edit]["compute_ms"] for run in runs), 2),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=PREVIOUS, help=f"the commit to compare with (default {PREVIOUS})")
    against = parser.parse_args().against
    from benchmarks.bench_ui import generated_model
    from model import save_model

    report: dict[str, object] = {"edits": EDITS, "best_of_processes": PROCESSES}
    with tempfile.TemporaryDirectory() as folder:
        model = Path(folder) / "generated_30y_12_classes.json"
        save_model(generated_model(), model)
        args, env = [str(model), folder, str(EDITS)], {"QT_QPA_PLATFORM": "offscreen"}
        with trees(against) as labelled:
            samples = interleaved(labelled, PROCESSES, lambda tree: json.loads(run_in_tree(tree, CHILD, args, env)))
        report.update({label: summary(runs) for label, runs in samples.items()})
    report["target"] = {"edit_to_repainted_window_ms": "<= 16"}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()
