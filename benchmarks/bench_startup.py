"""Process start to the workbench window on screen; prints one JSON object.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_startup.py [--against COMMIT]

Each sample is a fresh interpreter started on the real start-up path, ``main.main([model])``, as
``python main.py model`` runs it; the clock starts before the process is spawned and stops when
the main window has painted its first frame (the first paint of the window, then the rest of
that frame: a zero-delay timer fires only after the frame's paint events are done). Settings and
data folders are fresh, so no recovery dialog or recent file interferes. The program of the
previous commit is measured in the same run; each figure is the best of several processes (the
machine may be busy with other work). Target: the window on screen within 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PREVIOUS, best_of, interleaved, run_in_tree, trees

PROCESSES = 5
CHILD = """
import os, sys, time
# The order main.main() imports in: the model layer, then the window's modules and Qt with them.
# (Importing Qt first would slow every later import: PySide6 reads the source of each module
# imported after it, looking for its __feature__ switches.)
import model
import ui.app
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

class FirstFrame(QObject):
    def __init__(self):
        super().__init__()
        self.seen = False

    def eventFilter(self, watched, event):
        if not self.seen and event.type() == QEvent.Type.Paint and isinstance(watched, QMainWindow):
            self.seen = True
            QTimer.singleShot(0, self.done)
        return False

    def done(self):
        print(time.time() - float(os.environ["BENCH_SPAWNED_AT"]), flush=True)
        for window in QApplication.topLevelWidgets():
            if isinstance(window, QMainWindow):
                window.controller.undo_stack.setClean()
        QApplication.quit()

watcher = FirstFrame()
create_window = ui.app.create_window

def create_watched_window(*args, **kwargs):
    # The application main.main() creates exists by now: watch its first frame.
    QApplication.instance().installEventFilter(watcher)
    return create_window(*args, **kwargs)

ui.app.create_window = create_watched_window
import main
main.main(sys.argv[1:])  # no argument: the bundled model
"""


def start_up(tree: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as home:
        env = {
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_CONFIG_HOME": f"{home}/config",
            "XDG_DATA_HOME": f"{home}/data",
            "XDG_CACHE_HOME": f"{home}/cache",
            "BENCH_SPAWNED_AT": repr(time.time()),
        }
        return {"seconds": float(run_in_tree(tree, CHILD, [], env).strip().splitlines()[-1])}


def import_floor() -> None:
    """A fresh interpreter that only imports what the window cannot do without: the floor."""
    run_in_tree(Path.cwd(), "import numpy, PySide6.QtWidgets, pyqtgraph", [])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=PREVIOUS, help=f"the commit to compare with (default {PREVIOUS})")
    against = parser.parse_args().against
    report: dict[str, object] = {"best_of_processes": PROCESSES}
    report["peer_python_importing_numpy_qt_pyqtgraph_s"] = round(best_of(PROCESSES, import_floor), 3)
    with trees(against) as labelled:
        samples = interleaved(labelled, PROCESSES, start_up)
    for label, runs in samples.items():
        report[label] = {"process_start_to_window_on_screen_s": round(min(run["seconds"] for run in runs), 3)}
    report["target"] = {"process_start_to_window_on_screen_s": "<= 1"}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    main()
