"""The XlsxWriter stubs in typings/ agree with the installed XlsxWriter (mypy's stubtest), so a
method the workbook code calls that an XlsxWriter release renames or reshapes fails here first."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TYPINGS = ROOT / "typings"


def test_the_xlsxwriter_stubs_match_the_installed_library():
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "xlsxwriter",
            "--ignore-missing-stub",  # the stubs declare only what the workbook code calls
            "--allowlist",
            str(TYPINGS / "stubtest-allowlist.txt"),
        ],
        cwd=ROOT,
        env={**os.environ, "MYPYPATH": str(TYPINGS)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
