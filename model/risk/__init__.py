"""Risk analysis of docs/model.md section 8 (Monte Carlo, tornado, two-way grid and breakeven) and
the bridge of section 9.

Each analysis is one module behind the interface of ``model.risk.analysis`` and one entry in
``ANALYSES``. They share ``targets`` (the inputs they move and how values enter a batch of plans),
``batch`` (many trials through the engine at once), ``sampling`` (drawing the uncertain inputs)
and ``irr`` (the IRR of many rows at once); ``text`` reads what a user types for them.
"""

from __future__ import annotations

from model.risk.analysis import METRICS, Analysis, RunCancelled
from model.risk.batch import evaluate
from model.risk.breakeven import Breakeven, BreakevenRequest, BreakevenResults, breakeven
from model.risk.bridge import Bridge, BridgeRequest, BridgeResults, bridge
from model.risk.diff import Change, apply_change, diff
from model.risk.grid import Grid, GridRequest, GridResults, grid
from model.risk.montecarlo import (
    CHUNK_TRIALS,
    FAN_LINES,
    FAN_PERCENTILES,
    PERCENTILES,
    STATISTICS,
    MonteCarlo,
    MonteCarloRequest,
    MonteCarloResults,
    monte_carlo,
)
from model.risk.sampling import with_distribution
from model.risk.targets import Target, apply_values, moves_returns, target_paths
from model.risk.text import parse_axis, parse_goal, parse_numbers, parse_range
from model.risk.tornado import Tornado, TornadoRequest, TornadoResults, tornado

ANALYSES: dict[str, Analysis] = {
    analysis.name: analysis for analysis in (MonteCarlo(), Tornado(), Grid(), Breakeven(), Bridge())
}

__all__ = [
    "ANALYSES",
    "CHUNK_TRIALS",
    "FAN_LINES",
    "FAN_PERCENTILES",
    "METRICS",
    "PERCENTILES",
    "STATISTICS",
    "Analysis",
    "Breakeven",
    "BreakevenRequest",
    "BreakevenResults",
    "Bridge",
    "BridgeRequest",
    "BridgeResults",
    "Change",
    "Grid",
    "GridRequest",
    "GridResults",
    "MonteCarlo",
    "MonteCarloRequest",
    "MonteCarloResults",
    "RunCancelled",
    "Target",
    "Tornado",
    "TornadoRequest",
    "TornadoResults",
    "apply_change",
    "apply_values",
    "breakeven",
    "bridge",
    "diff",
    "evaluate",
    "grid",
    "monte_carlo",
    "moves_returns",
    "parse_axis",
    "parse_goal",
    "parse_numbers",
    "parse_range",
    "target_paths",
    "tornado",
    "with_distribution",
]
