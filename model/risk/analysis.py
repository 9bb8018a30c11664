"""The one interface every risk analysis of docs/model.md section 8 has.

An analysis is an object with

- ``name``: its key in ``model.risk.ANALYSES``, on the command line (``--analysis NAME``) and in
  the JSON (the section it adds);
- ``Request``: a frozen dataclass of its options, checked when it is built (a bad option raises
  ModelError naming the option), so a request that exists can run;
- ``run(model, scenario, request, progress=None)``: the analysis of a valid model (and scenario)
  over the batch engine, returning its Result; ``progress(done, total)`` may be called along the
  way, and returning False from it stops the run with RunCancelled;
- a Result whose ``to_json()`` is the analysis's plain-JSON section (NaN and infinities as null).

Its workbook sheet is written from that Result by the workbook package, one module per sheet,
looked up by ``name``; the workbook depends on the analyses, never the reverse. Adding an analysis
is one module here and one entry in ``ANALYSES``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Protocol

from model.document import Model
from model.errors import ModelError

METRICS = ("npv", "irr")

Progress = Callable[[int, int], bool]


class RunCancelled(Exception):  # noqa: N818 - it names what happened, like KeyboardInterrupt
    """The user stopped a run; nothing was reported."""


class Result(Protocol):
    def to_json(self) -> dict[str, Any]: ...


class Analysis(Protocol):
    name: ClassVar[str]
    Request: ClassVar[type]

    def run(self, model: Model, scenario: str | None, request: Any, progress: Progress | None = None) -> Result: ...


def check_metric(metric: str) -> str:
    """``metric`` if an analysis can report it (npv or irr)."""
    if metric not in METRICS:
        raise ModelError("metric", f"{metric!r} is not npv or irr")
    return metric
