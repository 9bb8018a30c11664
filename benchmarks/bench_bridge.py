"""Speed of the bridge (docs/model.md section 9) on the bundled model; prints one JSON object.

    .venv/bin/python benchmarks/bench_bridge.py

Targets (issue 14): the bundled model's Base -> Bull bridge on NPV (7 levers) and a 12-lever
bridge in at most 50 ms, a 16-lever bridge (65,536 states) in at most 1 s, each printed beside
the time of one ``compute``. The 12- and 16-lever cases change the bundled model's settings,
drivers and capex rows a little, plus the servers' book life (a structural lever: two groups).
In-process figures are the best of several runs in a warm process; the command line is timed
from a cold process, as a user meets it (start-up and imports included), beside the plain
``--json`` run without the bridge.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import best_of  # noqa: E402
from model import compute, load_model, validate_model  # noqa: E402 - after the path is set
from model.risk import bridge  # noqa: E402
from resources import bundled_model_path  # noqa: E402

BUNDLED = bundled_model_path()
# The 12- and 16-lever cases move settings the bundled model's calibration solves or pins, so they
# start from the Alibaba model as bundled in version 1, which has no calibration.
UNCALIBRATED = ROOT / "tests" / "data" / "alibaba_v1.json"
NUMERIC_SETTINGS = ("wacc", "tax_rate", "nwc_pct", "base_core_revenue", "ai_revenue_yield", "ai_cash_opex_rate")
NUMERIC_SETTINGS += ("ai_variable_cost_pct", "pull_through", "exit_multiple", "terminal_growth")
DRIVERS = ("core_growth", "core_ebita_margin", "price_change", "utilization")


def changed(model: dict, levers: int) -> dict:
    """``model`` with ``levers`` inputs changed: the servers' life, settings, drivers, capex."""
    doc = copy.deepcopy(model)
    doc["asset_classes"][0]["life"] = 6
    paths = [("settings", k) for k in NUMERIC_SETTINGS] + [("drivers", k) for k in DRIVERS]
    paths += [("capex", name) for name in model["capex"]]
    for section, key in paths[: levers - 1]:
        if section == "settings":
            doc["settings"][key] = doc["settings"][key] * 1.05 + 0.001
        elif key == "utilization":
            doc["drivers"][key] = [min(1.0, v + 0.02) for v in doc["drivers"][key]]
        else:
            doc[section][key] = [v * 1.05 for v in doc[section][key]]
    return validate_model(doc)


def cold(*args: str) -> float:
    """Seconds of one ``python main.py ...`` from a cold process (best of three)."""

    def once() -> None:
        done = subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, check=False)
        if done.returncode != 0:
            raise SystemExit(done.stderr.decode())

    return best_of(3, once)


def main() -> None:
    model = load_model(BUNDLED)
    one_compute = best_of(20, lambda: compute(model, "Bull"))
    out: dict[str, object] = {"compute_ms": round(one_compute * 1e3, 2)}
    bull = bridge(model, "npv", "Base", "Bull")
    out["base_to_bull"] = {
        "levers": len(bull.levers),
        "ms": round(best_of(20, lambda: bridge(model, "npv", "Base", "Bull")) * 1e3, 2),
        "irr_ms": round(best_of(10, lambda: bridge(model, "irr", "Base", "Bull")) * 1e3, 2),
        "target_ms": 50,
    }
    base = load_model(UNCALIBRATED)
    for levers, target, runs in ((12, 50, 10), (16, 1000, 3)):
        other = changed(base, levers)
        result = bridge(base, "npv", against=other)
        assert len(result.levers) == levers and not result.grouped, [lever.lever for lever in result.levers]
        out[f"levers_{levers}"] = {
            "states": 2**levers,
            "ms": round(best_of(runs, lambda other=other: bridge(base, "npv", against=other)) * 1e3, 2),
            "irr_ms": round(best_of(runs, lambda other=other: bridge(base, "irr", against=other)) * 1e3, 2),
            "target_ms": target,
        }
    with tempfile.TemporaryDirectory() as folder:
        sixteen = Path(folder) / "sixteen.json"
        sixteen.write_text(json.dumps(changed(base, 16)))
        out["command_line_cold_s"] = {
            "json_only": round(cold("--json"), 3),
            "bridge_base_to_bull": round(cold("--json", "--analysis", "bridge", "--to", "Bull", "--metric", "npv"), 3),
            "bridge_16_levers": round(
                cold(str(UNCALIBRATED), "--json", "--analysis", "bridge", "--against", str(sixteen), "--metric", "npv"),
                3,
            ),
        }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
