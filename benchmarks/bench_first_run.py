"""The first Monte Carlo of a session against a later one; prints one JSON object.

    .venv/bin/python benchmarks/bench_first_run.py [--against COMMIT]

A user opens the workbench and presses Run on the Risk tab: that first run pays for every module
the analysis imports on first use, a later one does not. Each sample is a fresh interpreter that
loads and computes the bundled model (as the window does before it is shown), then times the
first 100,000-trial Monte Carlo ("cold") and a second one ("warm"). The issue's target: cold at
most 1 s beyond warm. The program of the previous commit is measured in the same run, so the two
figures share the machine and the minute; each figure is the best of several fresh processes
(the machine may be busy with other work).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PREVIOUS, interleaved, run_in_tree, trees

PROCESSES = 3
TRIALS = 100_000
CHILD = """
import json, sys, time
from model import compute, load_model
from resources import bundled_model_path
model = load_model(bundled_model_path())
compute(model)
times = []
for _ in range(2):
    start = time.perf_counter()
    from model.risk import ANALYSES, MonteCarloRequest
    ANALYSES["montecarlo"].run(model, None, MonteCarloRequest(trials=int(sys.argv[1])))
    times.append(time.perf_counter() - start)
print(json.dumps({"cold": times[0], "warm": times[1], "scipy_stats": "scipy.stats" in sys.modules}))
"""


def summary(runs: list[dict]) -> dict[str, object]:
    cold, warm = min(r["cold"] for r in runs), min(r["warm"] for r in runs)
    return {
        "first_montecarlo_s": round(cold, 3),
        "later_montecarlo_s": round(warm, 3),
        "first_beyond_later_s": round(cold - warm, 3),
        "imports_scipy_stats": runs[0]["scipy_stats"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", default=PREVIOUS, help=f"the commit to compare with (default {PREVIOUS})")
    against = parser.parse_args().against
    report: dict[str, object] = {"trials": TRIALS, "best_of_processes": PROCESSES}
    with trees(against) as labelled:
        samples = interleaved(labelled, PROCESSES, lambda tree: json.loads(run_in_tree(tree, CHILD, [str(TRIALS)])))
    report.update({label: summary(runs) for label, runs in samples.items()})
    report["target"] = {"first_beyond_later_s": "<= 1"}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
