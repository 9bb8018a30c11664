"""Speed of the risk analyses on the bundled model; prints one JSON object.

    .venv/bin/python benchmarks/bench_risk.py

The bundled model is version 2: every trial solves its calibration (FY2026 revenue and margin)
and runs the follow-on recursion. Beside the Monte Carlo time stands the version 1 engine's, in
the same run, on the Alibaba model as bundled in version 1 (``benchmarks/common.py``).
Targets: 100,000 Monte Carlo trials with an IRR each in under 1 s on two cores; the
vectorised IRR at least 100 times faster than numpy-financial's ``irr`` in a loop over the same
trials' cash flows; the tornado under 50 ms; a 21 x 21 grid under 0.5 s. Each figure is the best
of several runs (the machine may be busy with other work). numpy-financial is timed on a subset
of the trials and scaled to all of them (it takes 50 to 100 microseconds per trial); the JSON says
how many it actually ran. Beside today's vectorised IRR stands the previous commit's
(``benchmarks/common.py``), on the same flows, in the same process.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import numpy_financial as npf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import PREVIOUS, ROOT, best_of, run_version_1
from model import load_model, risk
from model.engine import plan_arrays
from model.irr import timed_flows
from model.risk.irr import irr_rows, sign_changes
from model.risk.sampling import sample_values
from model.validation import correlation_matrix
from resources import bundled_model_path

BUNDLED = bundled_model_path()
TRIALS = 100_000
NPF_SUBSET = 2_000
VERSION_1_BUNDLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "alibaba_v1.json"
# 100,000 trials of the version 1 engine's Monte Carlo, best of three (seconds).
MONTE_CARLO_SCRIPT = """
import json, sys, time
from model import risk, validate_model
payload = json.load(sys.stdin)
model = validate_model(payload["model"])
risk.monte_carlo(model, trials=2000)
times = []
for _ in range(3):
    start = time.perf_counter()
    risk.monte_carlo(model, trials=payload["trials"])
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": round(min(times), 3)}))
"""


def trial_cash_flows(model: dict) -> tuple[np.ndarray, np.ndarray]:
    """The IRR cash flows (go-forward FCF with the terminal value in year H, year-end timing as
    the bundled model has it) and WACC of the Monte Carlo trials."""
    section = model["uncertainty"]
    entries = section["inputs"]
    values = sample_values(entries, correlation_matrix(section), TRIALS, section["seed"], section["sampler"])
    targets = [risk.Target.parse(model, e["target"], e["apply"]) for e in entries]
    batch, valid = risk.apply_values(plan_arrays(model), targets, values)
    assert valid.all()
    result = risk.evaluate(batch, TRIALS, ("fcf",))
    wacc = np.broadcast_to(batch.settings["wacc"], TRIALS)
    t0 = model["settings"]["valuation_year"] - model["base_year"]
    solved = result["solved"]  # a trial whose calibration cannot be solved has no flows
    return timed_flows(result["fcf"][solved, t0:], result["terminal_value"][solved], False), wacc[solved]


def previous_irr_rows(commit: str):
    """``irr_rows`` of ``model/risk/irr.py`` as it was at ``commit`` (it imports only ``model.irr``,
    unchanged since), or None when git cannot give it."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{commit}:model/risk/irr.py"], capture_output=True, text=True, check=False
    )
    if source.returncode != 0:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "previous_irr.py"
        path.write_text(source.stdout, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("previous_irr", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return module.irr_rows


def main() -> None:
    model = load_model(BUNDLED)
    risk.monte_carlo(model, trials=2_000)  # warm caches and scipy's lazy set-up

    monte_carlo = best_of(3, lambda: risk.monte_carlo(model, trials=TRIALS))
    version_1 = run_version_1(
        MONTE_CARLO_SCRIPT, {"model": json.loads(VERSION_1_BUNDLED.read_text(encoding="utf-8")), "trials": TRIALS}
    )
    flows, wacc = trial_cash_flows(model)
    vectorised = best_of(7, lambda: irr_rows(flows, wacc))
    previous = previous_irr_rows(PREVIOUS)
    vectorised_previous = best_of(7, lambda: previous(flows, wacc)) if previous else None
    subset = flows[:NPF_SUBSET]
    loop = best_of(3, lambda: [npf.irr(np.concatenate([[0.0], row])) for row in subset]) * TRIALS / NPF_SUBSET
    ours, peer = irr_rows(subset, wacc[:NPF_SUBSET]), np.array([npf.irr(np.concatenate([[0.0], r])) for r in subset])
    tornado = best_of(10, lambda: risk.tornado(model))
    axis = np.linspace(0.0, 1.0, 21)
    grid = best_of(
        5,
        lambda: risk.grid(
            model, ("settings.wacc", 0.06 + 0.08 * axis), ("settings.pull_through", 0.2 + 0.8 * axis), "irr"
        ),
    )
    print(
        json.dumps(
            {
                "cpu_count": os.cpu_count(),
                "montecarlo_100k_trials_with_irr_s": round(monte_carlo, 3),
                "version_1_montecarlo_100k_trials_with_irr_s": version_1.get("seconds", version_1.get("error")),
                "vectorised_irr_100k_s": round(vectorised, 4),
                f"previous_{PREVIOUS}_vectorised_irr_100k_s": vectorised_previous and round(vectorised_previous, 4),
                "irr_rows_solved": len(flows),
                "rows_with_two_sign_changes": int((sign_changes(flows)[0] == 2).sum()),
                "npf_irr_loop_100k_s": round(loop, 2),
                "npf_irr_loop_trials_timed": NPF_SUBSET,
                "irr_speedup_vs_npf": round(loop / vectorised, 1),
                f"previous_{PREVIOUS}_irr_speedup_vs_npf": vectorised_previous and round(loop / vectorised_previous, 1),
                "irr_max_difference_vs_npf": float(np.nanmax(np.abs(ours - peer))),
                "tornado_ms": round(tornado * 1000, 2),
                "grid_21x21_irr_s": round(grid, 4),
                "targets": {
                    "montecarlo_100k_trials_with_irr_s": "< 1",
                    "irr_speedup_vs_npf": ">= 100",
                    "tornado_ms": "< 50",
                    "grid_21x21_irr_s": "< 0.5",
                },
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
