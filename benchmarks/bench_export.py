"""How long the Excel export takes, and how long LibreOffice takes to recalculate the result.

Prints one JSON object: the median wall time (time.perf_counter, milliseconds) of exporting the
bundled model (``export_workbook``, written to a temporary folder) with the standard sheets, and
with every analysis sheet as the window's Export writes them after the analyst ran them (the model's
Monte Carlo of 10,000 trials with its Trials sheet, the tornado, a 5 x 5 grid, a breakeven and the
Base -> Bull bridge; the runs themselves are not part of the time: the export writes their results);
the file size; the same for a large version 2 model (30 years, 12 classes,
10 history years, lags, a 3-year plan with follow-on reinvestment, rent, calibration: its Fleet
sheet holds every vintage); and, in the same run, the time headless LibreOffice takes to open,
recalculate and save each workbook (one soffice start included; null when LibreOffice is not
installed). Target: export of the bundled model under 1 s.

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

from model import load_model, risk, validate_model  # noqa: E402
from model.workbook import SHEETS, analysis_sheets, export_workbook  # noqa: E402
from tests.conftest import BUNDLED_MODEL_PATH  # noqa: E402
from tests.factories import v2_model_doc  # noqa: E402
from tests.model.test_export_libreoffice import SOFFICE, recalculate  # noqa: E402

TARGET_MS = 1000.0


def large_v2_model(horizon: int = 30, classes: int = 12, history_years: int = 10) -> dict:
    """A 30-year, 12-class version 2 model with history, lags, follow-on and calibration."""
    doc = v2_model_doc(horizon=horizon, scenarios={}, actuals={})
    kinds = doc["asset_classes"][:4]  # servers, network, buildings, power: every kind of life and lag
    declared = [dict(kinds[i % 4], name=f"Class {i}") for i in range(classes - 1)]
    declared.append({"name": "R&D", "treatment": "expensed"})
    doc["asset_classes"] = declared
    doc["capex"] = {c["name"]: [10.0, 12.0, 14.0] + [0.0] * (horizon - 3) for c in declared}
    doc["history"] = {"capex": {c["name"]: [5.0] * history_years for c in declared if c["treatment"] == "capitalized"}}
    doc["drivers"] = {key: (values * 4)[:horizon] for key, values in doc["drivers"].items()}
    doc["calibration"] = doc["calibration"][:1]
    return validate_model(doc)


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
        steps = [-0.02, -0.01, 0.0, 0.01, 0.02]
        runs = {
            "montecarlo": risk.monte_carlo(model),
            "tornado": risk.tornado(model),
            "grid": risk.grid(model, ("settings.wacc", [0.1 + d for d in steps]), ("drivers.price_change", steps)),
            "breakeven": risk.breakeven(model, "drivers.price_change", "npv", 0.0, -0.2, 0.1),
            "bridge": risk.bridge(model, "npv", "Base", "Bull"),
        }
        export_all_ms = median_ms(lambda: analysis_sheets(runs))
        file_kb = target.stat().st_size / 1024
        large = large_v2_model()
        large_target = Path(folder) / "large.xlsx"
        times = []
        for _ in range(max(1, args.repeats // 3)):
            started = time.perf_counter()
            export_workbook(large, large_target)
            times.append((time.perf_counter() - started) * 1000)
        large_ms = statistics.median(times)
        recalc_ms = large_recalc_ms = None
        if SOFFICE:
            out_dir, profile = Path(folder) / "out", Path(folder) / "profile"
            out_dir.mkdir()
            for path in (target, large_target):
                started = time.perf_counter()
                recalculate([path], out_dir, profile)
                elapsed = (time.perf_counter() - started) * 1000
                recalc_ms, large_recalc_ms = (elapsed, None) if path == target else (recalc_ms, elapsed)
        print(
            json.dumps(
                {
                    "benchmark": "export",
                    "python": platform.python_version(),
                    "sheets": list(SHEETS),
                    "repeats": args.repeats,
                    "export_standard_sheets_ms": round(export_ms, 1),
                    "export_every_sheet_ms": round(export_all_ms, 1),
                    "file_kb": round(file_kb, 1),
                    "libreoffice_recalculate_ms": None if recalc_ms is None else round(recalc_ms, 1),
                    "large_v2_export_ms": round(large_ms, 1),
                    "large_v2_file_kb": round(large_target.stat().st_size / 1024, 1),
                    "large_v2_libreoffice_recalculate_ms": None
                    if large_recalc_ms is None
                    else round(large_recalc_ms, 1),
                    "target_export_ms": TARGET_MS,
                    "export_target_met": export_all_ms < TARGET_MS,
                }
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
