"""What the window imports on start-up: pandas takes about a third of a second to import, and
opening the window or editing a cell needs none of it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from tests.conftest import ROOT

# In main.main()'s order: the model layer, then the window. A finder prints where pandas is first
# imported from, so a failure names the caller.
SCRIPT = textwrap.dedent(
    """
    import sys
    import traceback

    class ReportPandas:
        def find_spec(self, name, path=None, target=None):
            if name == "pandas":
                traceback.print_stack()
            return None

    sys.meta_path.insert(0, ReportPandas())

    import model
    import ui.app
    from PySide6.QtWidgets import QApplication
    from model.edits import SetCell
    from resources import bundled_model_path

    app = QApplication(sys.argv[:1])
    window = ui.app.create_window(bundled_model_path())
    window.show()
    app.processEvents()
    controller = window.controller
    servers = next(iter(controller.model["capex"]))
    assert controller.apply(SetCell("capex", servers, 2, 123.0), "Capex")
    app.processEvents()
    assert controller.model["capex"][servers][2] == 123.0
    print("pandas" in sys.modules)
    """
)


def test_opening_the_window_and_an_edit_do_not_import_pandas(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False", done.stderr
