"""Regenerate every figure quoted in docs/alibaba.md from the bundled model.

Each table in docs/alibaba.md sits between ``<!-- figures:NAME -->`` and ``<!-- /figures -->``;
this script recomputes them with the engine and rewrites the blocks in place::

    .venv/bin/python docs/alibaba_figures.py          # rewrite docs/alibaba.md
    .venv/bin/python docs/alibaba_figures.py --check  # exit 1 if the doc is stale

The tornado moves each uncertain input alone to its distribution's P10 and P90 (docs/model.md
section 8: settings and lives set, drivers shifted, capex scaled, utilization clipped, then the
calibration), computed here with the engine on modified copies of the model.
"""

from __future__ import annotations

import copy
import math
import re
import sys
from pathlib import Path

import numpy as np
from scipy import stats

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from model import compute, load_model, scenario_names, validate_model  # noqa: E402

MODEL_PATH = ROOT / "resources" / "models" / "alibaba_380bn.json"
DOC_PATH = ROOT / "docs" / "alibaba.md"
BLOCK = re.compile(r"(<!-- figures:(?P<name>[a-z_]+) -->\n)(?P<body>.*?)(<!-- /figures -->)", re.DOTALL)
YEARS = (2026, 2027, 2028, 2029, 2030)


def money(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}"


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value * 100:.{digits}f} %"


def years(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f}"


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def scenarios_table(model: dict) -> str:
    rows = []
    for name in scenario_names(model):
        r = compute(model, name)
        k = r.kpis
        rows.append(
            [
                name,
                money(sum(r.line("capex_total"))),
                money(k["npv"]),
                pct(k["irr"]),
                years(k["payback_years"]),
                "n/a" if k["npv_per_share"] is None else f"{k['npv_per_share']:.2f}",
                f"{r.calibrated['settings.ai_revenue_yield']:.3f}",
                pct(r.calibrated["settings.ai_cash_opex_rate"], 2),
                str(len(r.warnings)),
            ]
        )
    header = [
        "Scenario",
        "Plan capex",
        "NPV",
        "IRR",
        "Payback (yrs)",
        "NPV per ADS (RMB)",
        "Solved yield",
        "Solved opex rate",
        "Warnings",
    ]
    return table(header, rows)


def path_table(model: dict, line: str, fmt) -> str:
    rows = []
    for name in scenario_names(model):
        r = compute(model, name)
        rows.append([name, *(fmt(float(r.lines.loc[line, y])) for y in YEARS)])
    return table(["Scenario", *(f"FY{y}" for y in YEARS)], rows)


def growth_table(model: dict) -> str:
    rows = []
    for name in scenario_names(model):
        r = compute(model, name)
        revenue = r.line("total_revenue")
        growth = [revenue[i] / revenue[i - 1] - 1.0 for i in (1, 2)]
        cagr = (revenue[2] / 118.028) ** (1 / 3) - 1.0
        rows.append([name, pct(growth[0], 0), pct(growth[1], 0), pct(cagr, 0)])
    rows.append(["Goldman Sachs (Oct 2025), external revenue", "29 %", "19 %", "about 27 % (33/29/19)"])
    rows.append(["CICC, cloud revenue", "", "", "above 30 %"])
    return table(["View", "FY2027 growth", "FY2028 growth", "FY2025-FY2028 CAGR"], rows)


def intensity_table(model: dict) -> str:
    r = compute(model)
    rows = [[f"FY{y}", pct(float(r.lines.loc["capex_intensity", y]), 0)] for y in (2026, 2027, 2028, 2029, 2032, 2035)]
    return table(["Year", "Segment capex / revenue (Base)"], rows)


def go_forward_table(model: dict) -> str:
    moved = copy.deepcopy(model)
    moved["settings"]["valuation_year"] = 2026
    moved = validate_model(moved)
    rows = []
    for name in scenario_names(moved):
        k = compute(moved, name).kpis
        rows.append([name, money(k["total_capex"]), money(k["npv"]), pct(k["irr"]), years(k["payback_years"])])
    return table(["Scenario (valuation year FY2026)", "Capex still to spend", "NPV", "IRR", "Payback (yrs)"], rows)


def quantile(entry: dict, p: float) -> float:
    dist = entry["dist"]
    if dist == "normal":
        return float(stats.norm.ppf(p, entry["mean"], entry["sd"]))
    if dist == "lognormal":
        return float(np.exp(stats.norm.ppf(p, entry["mu"], entry["sigma"])))
    if dist == "uniform":
        return entry["low"] + p * (entry["high"] - entry["low"])
    low, mode, high = entry["low"], entry["mode"], entry["high"]
    if high == low:
        return low
    if dist == "triangular":
        return float(stats.triang.ppf(p, (mode - low) / (high - low), loc=low, scale=high - low))
    alpha = 1 + 4 * (mode - low) / (high - low)  # Beta-PERT, lambda = 4
    beta = 1 + 4 * (high - mode) / (high - low)
    return float(low + stats.beta.ppf(p, alpha, beta) * (high - low))


def apply_target(model: dict, target: str, value: float, mode: str) -> dict:
    doc = copy.deepcopy(model)
    doc["scenarios"], doc["sources"] = {}, {}  # the tornado moves the Base alone
    kind, _, key = target.partition(".")
    if kind == "settings":
        doc["settings"][key] = value
    elif kind == "drivers":
        base = np.asarray(doc["drivers"][key], dtype=float)
        moved = base * value if mode == "scale" else (np.full_like(base, value) if mode == "set" else base + value)
        if key == "utilization":
            moved = np.clip(moved, 0.0, 1.0)
        doc["drivers"][key] = [float(v) for v in moved]
    elif kind == "capex":
        doc["capex"][key] = [v * value for v in doc["capex"][key]]
    else:
        field = {"life": "life", "economic_life": "economic_life", "tax_life": "tax_life"}[kind]
        low = 0 if field == "tax_life" else 1
        for cls in doc["asset_classes"]:
            if cls["name"] == key:
                cls[field] = int(min(50, max(low, math.floor(value + 0.5))))
    return validate_model(doc)


def tornado_rows(model: dict) -> list[tuple[str, float, float, float, float]]:
    base = compute(model).kpis["npv"]
    rows = []
    for entry in model["uncertainty"]["inputs"]:
        low, high = quantile(entry, 0.10), quantile(entry, 0.90)
        npv_low = compute(apply_target(model, entry["target"], low, entry["apply"])).kpis["npv"]
        npv_high = compute(apply_target(model, entry["target"], high, entry["apply"])).kpis["npv"]
        rows.append((entry["target"], low, high, npv_low - base, npv_high - base))
    rows.sort(key=lambda row: abs(row[4] - row[3]), reverse=True)
    return rows


def tornado_table(model: dict) -> str:
    out = []
    for target, low, high, d_low, d_high in tornado_rows(model):
        kind = target.partition(".")[0]
        if kind in ("economic_life", "life", "tax_life"):
            shown = f"{math.floor(low + 0.5)} / {math.floor(high + 0.5)} yrs"
        elif kind == "capex":
            shown = f"x{low:.2f} / x{high:.2f}"
        elif kind == "drivers":
            shown = f"{low * 100:+.1f} / {high * 100:+.1f} pts"
        else:
            shown = f"{low:.3f} / {high:.3f}"
        out.append([f"`{target}`", shown, f"{d_low:+.1f}", f"{d_high:+.1f}", f"{abs(d_high - d_low):.1f}"])
    base = compute(model).kpis["npv"]
    return f"Base NPV {money(base)}.\n\n" + table(
        ["Input", "P10 / P90 value", "NPV change at P10", "NPV change at P90", "Swing"], out
    )


BUILDERS = {
    "scenarios": scenarios_table,
    "revenue": lambda m: path_table(m, "total_revenue", money),
    "margin": lambda m: path_table(m, "ebita_margin", pct),
    "views": growth_table,
    "intensity": intensity_table,
    "tornado": tornado_table,
    "go_forward": go_forward_table,
}


def render(text: str, model: dict | None = None) -> str:
    """The doc's text with every figures block regenerated from the model."""
    model = model if model is not None else load_model(MODEL_PATH)

    def block(match: re.Match) -> str:
        name = match.group("name")
        if name not in BUILDERS:
            raise KeyError(f"docs/alibaba.md: unknown figures block {name!r}")
        return match.group(1) + BUILDERS[name](model) + match.group(4)

    return BLOCK.sub(block, text)


def main(argv: list[str]) -> int:
    text = DOC_PATH.read_text(encoding="utf-8")
    fresh = render(text)
    if "--check" in argv:
        if fresh != text:
            print("docs/alibaba.md is stale: run docs/alibaba_figures.py", file=sys.stderr)
            return 1
        return 0
    DOC_PATH.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
