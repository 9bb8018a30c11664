"""How long the Excel export takes, and how long LibreOffice takes to recalculate the result.

Prints one JSON object: the median wall time (time.perf_counter, milliseconds) of exporting the
bundled model (``export_workbook``, written to a temporary folder) with the standard sheets, and
with every sheet as ``main.py --export`` writes it (the risk sheets included, whose Monte Carlo run
is part of the time); the file size; and, in the same run, the time headless LibreOffice takes to
open, recalculate and save the full workbook (one soffice start included; null when LibreOffice is
not installed). Target: export under 1 s.

    python benchmarks/bench_export.py [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from model import load_model  # noqa: E402
from model.workbook import SHEETS, export_workbook, risk_sheets  # noqa: E402
from tests.conftest import BUNDLED_MODEL_PATH  # noqa: E402
from tests.model.test_export_libreoffice import SOFFICE, recalculate  # noqa: E402

TARGET_MS = 1000.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    model = load_model(BUNDLED_MODEL_PATH)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "bundled.xlsx"

        def median_ms(extra_sheets) -> float:
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                export_workbook(model, target, extra_sheets=extra_sheets())
                times.append((time.perf_counter() - started) * 1000)
            return statistics.median(times)

        export_ms = median_ms(tuple)
        export_all_ms = median_ms(lambda: risk_sheets(model, None))
        recalc_ms = None
        if SOFFICE:
            out_dir, profile = Path(folder) / "out", Path(folder) / "profile"
            out_dir.mkdir()
            started = time.perf_counter()
            recalculate([target], out_dir, profile)
            recalc_ms = (time.perf_counter() - started) * 1000
        print(
            json.dumps(
                {
                    "benchmark": "export",
                    "python": platform.python_version(),
                    "sheets": list(SHEETS),
                    "repeats": args.repeats,
                    "export_standard_sheets_ms": round(export_ms, 1),
                    "export_every_sheet_ms": round(export_all_ms, 1),
                    "file_kb": round(target.stat().st_size / 1024, 1),
                    "libreoffice_recalculate_ms": None if recalc_ms is None else round(recalc_ms, 1),
                    "target_export_ms": TARGET_MS,
                    "export_target_met": export_all_ms < TARGET_MS,
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
