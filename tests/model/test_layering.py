"""The model layer and the command line's --json path never import Qt (STYLE.md, point 1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_PREFIXES = ("PySide6", "shiboken6", "pyqtgraph")

REPORT = f"""
import json, sys
qt = sorted(m for m in sys.modules if m.split(".")[0] in {QT_PREFIXES!r})
print(json.dumps(qt), file=sys.stderr)
"""


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )


def loaded_qt(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stderr.strip().splitlines()[-1])


def test_the_report_sees_qt_when_it_is_imported():
    """The check itself can fail: importing PySide6 shows up in the report."""
    assert "PySide6" in loaded_qt(run_python("import PySide6.QtCore" + REPORT))


def test_the_model_layer_imports_no_qt():
    code = "import model, model.engine, model.fileio, model.validation, model.irr, model.schema" + REPORT
    assert loaded_qt(run_python(code)) == []


def test_the_json_command_line_imports_no_qt():
    code = (
        "import contextlib, io, json, main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        "    status = main.main(['--json'])\n"
        "assert status == 0 and json.loads(out.getvalue())['kpis']\n"
    )
    assert loaded_qt(run_python(code + REPORT)) == []
