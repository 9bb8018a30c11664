"""Capex Workbench: start-up and command line.

Without --json the workbench window opens; with --json (or --export) nothing graphical is
imported, so the command line works on machines without a display or without Qt's libraries.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from resources import bundled_model_path

BUNDLED_MODEL = bundled_model_path()

EXAMPLES = """\
examples:
  python main.py                                  open the workbench on the bundled Alibaba model
  python main.py my_plan.json                     open the workbench on a model file
  python main.py --json                           print the bundled model's results as JSON
  python main.py --scenario Bull --json           the same for the Bull scenario
  python main.py my_plan.json --json > out.json   compute a model file without a window
  python main.py --scenario Bull --export bull.xlsx  write the Bull scenario as a live Excel workbook
  python main.py plan.xlsx --json                 an exported workbook is read back as a model
  python main.py --analysis montecarlo --trials 20000 --seed 7    add a Monte Carlo section to the JSON
  python main.py --analysis tornado               add the tornado (npv at each input's P10 and P90)
  python main.py --analysis grid --x settings.wacc=0.08,0.1,0.12 --y drivers.price_change=-0.02,0,0.02
  python main.py --analysis breakeven --target drivers.price_change --goal irr=10% --range=-0.2,0.1
                                                  (write --range=LO,HI with = when LO is negative)
  python main.py --analysis bridge --to Bull --metric npv        why Bull's NPV differs from Base's
  python main.py plan.json --analysis bridge --against colleague.xlsx --metric ebita_margin@2028
  python main.py --analysis montecarlo --seed 7 --analysis bridge --to Bull --metric npv --export risk.xlsx
                                                  the workbook with those analyses' sheets, as run

Model files are JSON of format version 2 (docs/model.md); version 1 files are read as version 2
and give the numbers they always gave. A calibrated setting (the bundled model solves the AI
revenue yield and the AI cash opex rate to match reported FY2026) cannot be an analysis target.
Errors (a bad model file, an unknown scenario, a bad option) print one line beginning
"error:" on standard error and exit with status 2."""


class OneLineErrorParser(argparse.ArgumentParser):
    """argparse prints usage plus a message on error; the contract is one line and status 2."""

    def error(self, message: str) -> None:  # argparse's own hook name
        fail(message)


def fail(message: str) -> None:
    from model.errors import printable  # imported on use, as everything of the model is here

    print(f"error: {printable(message)}", file=sys.stderr)
    raise SystemExit(2)


def load_and_warn(path: str) -> Any:
    """The model of ``path``; each conflict found in a workbook (the visible cells were used) is
    printed on standard error as a "warning:" line."""
    from model.errors import printable
    from model.fileio import load_model_reporting

    model, conflicts = load_model_reporting(path)
    for conflict in conflicts:
        print(f"warning: {path}: {printable(conflict)}", file=sys.stderr)
    return model


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrorParser(
        prog="capex-workbench",
        description="Model a multi-year capex plan: cloud revenue, EBITA margin and return on capital "
        "(NPV, IRR, payback, ROIC), live.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "model",
        nargs="?",
        default=str(BUNDLED_MODEL),
        metavar="MODEL",
        help="a model file (.json) or an exported workbook (.xlsx); default: the bundled Alibaba RMB 380bn model",
    )
    parser.add_argument(
        "--scenario",
        default=None,
        metavar="NAME",
        help='a scenario of the model, e.g. "Bull"; default: Base (the model itself)',
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the results (every line and KPI) as one JSON object and open no window",
    )
    parser.add_argument(
        "--export",
        default=None,
        metavar="OUT.xlsx",
        help="write the scenario as an Excel workbook with live formulas and open no window; with "
        "--analysis, the workbook holds each analysis's sheet instead of the JSON being printed",
    )
    risk = parser.add_argument_group("risk analysis (each adds its section to the JSON, or its sheet to --export)")
    risk.add_argument(
        "--analysis",
        action="append",
        choices=tuple(ANALYSIS_REQUESTS),
        help="run an analysis and print the JSON (implies --json unless --export is given); may be repeated",
    )
    risk.add_argument("--trials", type=int, metavar="N", help="Monte Carlo trials; default: the model's")
    risk.add_argument("--seed", type=int, metavar="S", help="Monte Carlo seed; default: the model's")
    risk.add_argument("--x", metavar="TARGET=v1,v2,...", help="grid columns, e.g. settings.wacc=0.08,0.1")
    risk.add_argument("--y", metavar="TARGET=v1,v2,...", help="grid rows")
    risk.add_argument(
        "--metric",
        metavar="M",
        help="grid: npv or irr (default npv); bridge: any KPI (npv, irr, payback_years...) or a line "
        "in a year (total_revenue@2028)",
    )
    risk.add_argument("--target", metavar="TARGET", help="breakeven input, e.g. settings.ai_revenue_yield")
    risk.add_argument("--goal", metavar="npv=0|irr=RATE", help="breakeven goal")
    risk.add_argument("--range", metavar="LO,HI", help="breakeven search range")
    risk.add_argument(
        "--from", dest="from_scenario", metavar="S", help="bridge: the from state, a scenario of MODEL; default Base"
    )
    risk.add_argument(
        "--to",
        dest="to_scenario",
        metavar="S",
        help="bridge: the to state, a scenario of MODEL (or of --against FILE); default Base",
    )
    risk.add_argument(
        "--against", metavar="FILE", help="bridge: take the to state from this model file or exported workbook"
    )
    return parser


# --------------------------------------------------------------------------- analysis requests
# Each turns the options of one analysis of model.risk.ANALYSES into its Request; the option texts
# are read by model.risk.text, as the window reads its fields.


def montecarlo_request(args: argparse.Namespace) -> Any:
    from model.risk import MonteCarloRequest

    return MonteCarloRequest(trials=args.trials, seed=args.seed)


def tornado_request(args: argparse.Namespace) -> Any:
    from model.risk import TornadoRequest

    return TornadoRequest()


def grid_request(args: argparse.Namespace) -> Any:
    from model.risk import GridRequest, parse_axis

    require(args, ("x", "y"), "--analysis grid needs --x TARGET=v1,... and --y TARGET=v1,...")
    return GridRequest(parse_axis(args.x, "--x"), parse_axis(args.y, "--y"), args.metric or "npv")


def breakeven_request(args: argparse.Namespace) -> Any:
    from model.risk import BreakevenRequest, parse_goal, parse_range

    require(args, ("target", "goal", "range"), "--analysis breakeven needs --target, --goal and --range")
    metric, goal = parse_goal(args.goal, "--goal")
    low, high = parse_range(args.range, "--range")
    return BreakevenRequest(args.target, metric, goal, low, high)


def bridge_request(args: argparse.Namespace) -> Any:
    from model import ModelError
    from model.risk import BridgeRequest

    require(args, ("metric",), "--analysis bridge needs --metric M (a KPI such as npv, or LINE@YEAR)")
    against = None
    if args.against is not None:
        try:
            against = load_and_warn(args.against)
        except ModelError as error:
            raise ModelError(f"--against {args.against}", str(error)) from None
    return BridgeRequest(args.metric, args.from_scenario or "Base", args.to_scenario, against)


def require(args: argparse.Namespace, options: tuple[str, ...], message: str) -> None:
    """Refuse an analysis whose options are missing, naming the first one."""
    from model import ModelError

    for option in options:
        if not getattr(args, option):
            raise ModelError(f"--{option}", message)


ANALYSIS_REQUESTS: dict[str, Callable[[argparse.Namespace], Any]] = {
    "montecarlo": montecarlo_request,
    "tornado": tornado_request,
    "grid": grid_request,
    "breakeven": breakeven_request,
    "bridge": bridge_request,
}


def run_analyses(model: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The results of the analyses asked for, by name, in the order given (for the scenario asked
    for, checked first even with no analysis); an error names its option as typed."""
    from model import apply_scenario
    from model.risk import ANALYSES

    with options_as_typed():
        apply_scenario(model, args.scenario)
        return {
            name: ANALYSES[name].run(model, args.scenario, ANALYSIS_REQUESTS[name](args))
            for name in args.analysis or ()
        }


# The fields model.risk and model.validation name in an error (``x: ...``) that the command line
# gives as an option of the same name: there the message names the option as typed (``--x: ...``).
OPTION_FIELDS = ("scenario", "trials", "seed", "x", "y", "metric", "target", "goal", "range", "from", "to", "against")


@contextlib.contextmanager
def options_as_typed() -> Iterator[None]:
    from model import ModelError
    from model.errors import ModelFileError

    try:
        yield
    except ModelFileError:
        raise  # its path is a file the user named (a model file called "x" stays "x")
    except ModelError as error:
        if error.path not in OPTION_FIELDS:
            raise
        raise ModelError(f"--{error.path}", error.rule) from None


def run_export(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from model import ModelError
    from model.workbook import analysis_sheets, export_workbook

    try:
        model = load_and_warn(args.model)
        runs = run_analyses(model, args)
        if "bridge" in runs and args.against is not None:
            # The to state is a scenario of another file: the sheet names the file too.
            bridge = runs["bridge"]
            runs["bridge"] = replace(bridge, end_name=f"{bridge.end_name} of {Path(args.against).name}")
        export_workbook(model, args.export, args.scenario, analysis_sheets(runs))
    except ModelError as error:
        fail(str(error))
    return 0


def run_headless(args: argparse.Namespace) -> int:
    from model import ModelError, compute, results_json

    try:
        model = load_and_warn(args.model)
        runs = run_analyses(model, args)
        results = compute(model, args.scenario)
        output = results_json(model, args.scenario, results)
        for name, result in runs.items():
            output[name] = result.to_json()
    except ModelError as error:
        fail(str(error))
    write_output(json.dumps(output, allow_nan=False))
    return 0


def write_output(text: str) -> None:
    """Print the JSON; a reader that stops early (``--json | head``) ends the run quietly."""
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader is gone: further writes (even Python's own flush at exit) would fail again,
        # so standard output goes to nowhere, and the status says the output was cut short.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None


# Each analysis option and the analyses that read it.
ANALYSIS_OPTIONS = {
    "trials": ("montecarlo",),
    "seed": ("montecarlo",),
    "x": ("grid",),
    "y": ("grid",),
    "metric": ("grid", "bridge"),
    "target": ("breakeven",),
    "goal": ("breakeven",),
    "range": ("breakeven",),
    "from_scenario": ("bridge",),
    "to_scenario": ("bridge",),
    "against": ("bridge",),
}
OPTION_NAMES = {"from_scenario": "from", "to_scenario": "to"}


def check_combination(args: argparse.Namespace) -> None:
    """Refuse options that would be silently ignored, and an export that would destroy its input."""
    for name, readers in ANALYSIS_OPTIONS.items():
        if getattr(args, name) is not None and not set(readers) & set(args.analysis or ()):
            fail(f"--{OPTION_NAMES.get(name, name)} works only with --analysis {' or '.join(readers)}")
    if args.export is None:
        return
    if args.json:
        fail("--export writes a workbook and prints nothing: use it without --json")
    out = Path(args.export)
    if out.suffix.lower() != ".xlsx":
        fail(f"--export: {args.export!r} does not end in .xlsx")
    check_file_name(out, "--export")
    try:
        same = out.resolve() == Path(args.model).resolve()
    except (OSError, RuntimeError) as error:  # a loop of symbolic links, a folder that cannot be read
        fail(f"--export: {args.export!r} cannot be used: {getattr(error, 'strerror', None) or error}")
    if same:
        fail(f"--export: {args.export!r} is the model file itself; choose another name")


NAME_MAX_BYTES = 255  # the longest file name (one component of a path) common file systems hold


def check_file_name(path: Path, option: str) -> None:
    """Refuse a file name no file system can hold before any work is done for it."""
    for part in path.parts:
        size = len(os.fsencode(part))
        if size > NAME_MAX_BYTES:
            fail(f"{option}: the file name {part[:40]!r}... is {size} bytes; names over {NAME_MAX_BYTES} are refused")


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    check_combination(args)
    if args.export is not None:
        return headless(run_export, args)
    if args.json or args.analysis:
        return headless(run_headless, args)
    return run_window(args)


DEBUG_VARIABLE = "CAPEX_WORKBENCH_DEBUG"  # set to 1: an unexpected error shows its traceback


def headless(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run the command line's work so that whatever happens, the user sees one ``error:`` line.

    Overflow warnings of numpy (a WACC of 1e308) are not errors: the figures they touch print as
    null. Exhausted memory and any error the model layer did not foresee still end in one line
    (naming it an internal error, to be reported) and status 2, never a traceback.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return run(args)
    except (SystemExit, KeyboardInterrupt):
        raise
    except MemoryError:
        fail("not enough memory for this model or analysis; nothing was written")
    except RecursionError:
        fail("the model is nested too deeply to be read")
    except Exception as error:
        if os.environ.get(DEBUG_VARIABLE):
            raise
        fail(f"internal error ({type(error).__name__}: {error}); please report it with the model file")
    return 2  # not reached: fail() exits


def run_window(args: argparse.Namespace) -> int:
    from model import ModelError
    from ui.app import run

    try:
        with options_as_typed():
            return run(args.model, args.scenario)
    except ModelError as error:
        fail(str(error))


if __name__ == "__main__":
    raise SystemExit(main())
