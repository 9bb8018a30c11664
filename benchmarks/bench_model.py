"""How long one computation takes: the bundled model and a large 30-year, 12-class model.

Prints one JSON object: the median wall time (time.perf_counter, milliseconds) of ``compute`` on
each model, of our IRR root finder alone, and, in the same run, of numpy-financial's ``irr`` on the
same cash flows as a peer; plus the targets (bundled < 1 ms, 30-year < 5 ms) and whether each is
met. The large model is version 2 with history, lags, economic and tax lives, a compute cost path,
a follow-on with reinvestment and a two-target calibration. Beside each figure stands the version
1 engine's time in the same run (``benchmarks/common.py``) on the version 1 counterpart: the
Alibaba model as bundled in version 1, and the same large plan without its version 2 features.
``--profile`` also prints where the time goes (to standard error, so stdout stays JSON).

    python benchmarks/bench_model.py [--repeats N] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import platform
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import numpy_financial as npf  # noqa: E402

from benchmarks.common import COMPUTE_SCRIPT, run_version_1  # noqa: E402
from model import compute, load_model, validate_model  # noqa: E402
from model.irr import irr_roots  # noqa: E402
from resources import bundled_model_path  # noqa: E402

BUNDLED = bundled_model_path()
VERSION_1_BUNDLED = ROOT / "tests" / "data" / "alibaba_v1.json"
TARGETS_MS = {"bundled": 1.0, "horizon_30_classes_12": 5.0}


def large_model(horizon: int = 30, classes: int = 12, version: int = 2) -> dict:
    """A 30-year plan with 12 asset classes (10 capitalized with lives 3..25, 2 expensed), all
    drivers moving; as version 2, with every feature of that version switched on."""
    asset_classes, capex = [], {}
    for i in range(classes):
        name = f"Class {i + 1}"
        if i < classes - 2:
            life = 3 + (i * 22) // (classes - 3)
            asset_classes.append(
                {"name": name, "treatment": "capitalized", "life": life, "revenue_generating": i % 3 != 2}
            )
        else:
            asset_classes.append({"name": name, "treatment": "expensed"})
        # A build-out over the first third of the plan, then maintenance spending: every cell nonzero.
        ramp = [1.0 + t if t < horizon // 3 else 0.5 for t in range(horizon)]
        capex[name] = [round((2.0 + 0.5 * i) * r, 3) for r in ramp]
    years = range(horizon)
    doc = {
        "format": "capex-model",
        "version": 1,
        "name": "Benchmark: 30-year plan, 12 classes",
        "base_year": 2025,
        "horizon": horizon,
        "settings": {
            "terminal_method": "gordon",
            "terminal_growth": 0.02,
            "mid_year": True,
            "base_core_revenue": 120.0,
            "ai_revenue_yield": 0.9,
        },
        "asset_classes": asset_classes,
        "capex": capex,
        "drivers": {
            "core_growth": [0.08 - 0.002 * t for t in years],
            "core_ebita_margin": [0.08 + 0.003 * t for t in years],
            "utilization": [min(0.95, 0.6 + 0.02 * t) for t in years],
            "price_change": [-0.03 + 0.001 * t for t in years],
            "cloud_market": [1000.0 * 1.1**t for t in years],
        },
    }
    if version == 2:
        capitalized = [c for c in asset_classes if c["treatment"] == "capitalized"]
        for i, cls in enumerate(capitalized):
            cls.update(
                economic_life=max(1, cls["life"] - 1 + i % 3), lag=i % 3, tax_life=0 if i % 4 == 0 else cls["life"]
            )
        doc["version"] = 2
        doc["settings"].update(
            wacc=0.10,
            tax_rate=0.15,
            nwc_pct=0.05,
            ai_cash_opex_rate=0.07,
            ai_variable_cost_pct=0.12,
            pull_through=0.5,
            plan_years=horizon // 3,
            valuation_year=2026,
            infrastructure_charge="rent",
            mid_year=False,  # year-end flows, so that numpy-financial's IRR is a like-for-like peer
        )
        doc["history"] = {"capex": {c["name"]: [1.0, 1.5, 2.0] for c in capitalized}}
        doc["drivers"]["compute_cost_change"] = [-0.05] * horizon
        doc["drivers"]["reinvestment_rate"] = [0.0] * (horizon // 3) + [0.15] * (horizon - horizon // 3)
        doc["calibration"] = [
            {"line": "total_revenue", "year": 2026, "value": 150.0, "solve": "settings.ai_revenue_yield"},
            {"line": "ebita_margin", "year": 2026, "value": 0.01, "solve": "settings.ai_cash_opex_rate"},
        ]
    return doc


def median_ms(call: Callable[[], object], repeats: int) -> float:
    for _ in range(max(10, repeats // 20)):  # warm caches and lazy imports
        call()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000.0


def plain(value: float) -> float | None:
    """JSON has no NaN: numpy-financial's "no IRR" becomes null, as in the engine's output."""
    return float(value) if np.isfinite(value) else None


def irr_flows(model: dict, results) -> np.ndarray:
    """The go-forward FCF with the terminal value in year H: the flows whose IRR the engine reports
    (year-end timing)."""
    flows = np.array(results.line("fcf"), dtype=float)[model["settings"]["valuation_year"] - model["base_year"] :]
    flows[-1] += results.kpis["terminal_value"]
    return flows


def profile(model: dict, label: str, repeats: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(repeats):
        compute(model)
    profiler.disable()
    stream = io.StringIO()
    pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
    print(f"--- profile of compute({label}), {repeats} calls ---\n{stream.getvalue()}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=1000, help="timed calls per measurement (default 1000)")
    parser.add_argument("--profile", action="store_true", help="also print a profile of compute to stderr")
    args = parser.parse_args(argv)

    models = {"bundled": load_model(BUNDLED), "horizon_30_classes_12": validate_model(large_model())}
    version_1_models = {
        "bundled": json.loads(VERSION_1_BUNDLED.read_text(encoding="utf-8")),
        "horizon_30_classes_12": large_model(version=1),
    }
    version_1 = run_version_1(COMPUTE_SCRIPT, {"models": version_1_models, "repeats": args.repeats})
    report: dict[str, object] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numpy_financial": npf.__version__,
        "machine": platform.machine(),
        "repeats": args.repeats,
        "unit": "ms (median wall time per call)",
    }
    for key, model in models.items():
        results = compute(model)
        flows = irr_flows(model, results)
        compute_ms = median_ms(lambda m=model: compute(m), args.repeats)
        report[key] = {
            "horizon": model["horizon"],
            "asset_classes": len(model["asset_classes"]),
            "compute_ms": round(compute_ms, 4),
            "target_ms": TARGETS_MS[key],
            "target_met": compute_ms < TARGETS_MS[key],
            "version_1_compute_ms": version_1.get(key, version_1.get("error")),
            "our_irr_roots_ms": round(median_ms(lambda f=flows: irr_roots(f), args.repeats), 4),
            "peer_numpy_financial_irr_ms": round(median_ms(lambda f=flows: npf.irr(f), args.repeats), 4),
            "irr": results.kpis["irr"],
            "peer_irr": plain(npf.irr(flows)),
        }
        if args.profile:
            profile(model, key, min(args.repeats, 300))
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
