"""How long one computation takes: the bundled model and a large 30-year, 12-class model.

Prints one JSON object: the median wall time (time.perf_counter, milliseconds) of ``compute`` on
each model, of our IRR root finder alone, and, in the same run, of numpy-financial's ``irr`` on the
same cash flows as a peer; plus the targets (bundled < 1 ms, 30-year < 5 ms) and whether each is
met. ``--profile`` also prints where the time goes (to standard error, so stdout stays JSON).

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

from model import compute, load_model, validate_model  # noqa: E402
from model.irr import irr_roots  # noqa: E402
from resources import bundled_model_path  # noqa: E402

BUNDLED = bundled_model_path()
TARGETS_MS = {"bundled": 1.0, "horizon_30_classes_12": 5.0}


def large_model(horizon: int = 30, classes: int = 12) -> dict:
    """A 30-year plan with 12 asset classes (10 capitalized with lives 3..25, 2 expensed), all drivers moving."""
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
    return validate_model(doc)


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


def irr_flows(results) -> np.ndarray:
    """FCF by year with the terminal value in year H: the flows whose IRR the engine reports."""
    flows = np.array(results.line("fcf"), dtype=float)
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

    models = {"bundled": load_model(BUNDLED), "horizon_30_classes_12": large_model()}
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
        flows = irr_flows(results)
        compute_ms = median_ms(lambda m=model: compute(m), args.repeats)
        report[key] = {
            "horizon": model["horizon"],
            "asset_classes": len(model["asset_classes"]),
            "compute_ms": round(compute_ms, 4),
            "target_ms": TARGETS_MS[key],
            "target_met": compute_ms < TARGETS_MS[key],
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
