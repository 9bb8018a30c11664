"""Fuzzing the loader and the command line with mutated model files (a seeded mutator).

Every mutated file either loads or is refused with the model's own error (ModelError, of which
ModelFileError is one), never another exception and never a hang: the cases run in worker
processes, and the runner (this test, not a signal inside the case) stops a case that takes more
than CASE_TIMEOUT seconds and counts it as a hang (no absolute timing inside a case: a loaded
machine must not fail the suite). Every case also goes through the command line's own code
(``main.main``), and a sample through a real ``python main.py FILE --json`` process: exit 0 with
JSON, or exit 2 with one ``error:`` line.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import multiprocessing
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import main
from model import ModelError, load_model, save_model
from tests.conftest import BUNDLED_MODEL_PATH, ROOT
from tests.factories import model_doc

CASES = 2000
CLI_SAMPLE = 16  # a process costs a second or more to start; every case also runs through main.main
LITERAL = "\x00literal\x00"  # stands for a value JSON cannot express, spliced in as raw text

ODD_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    1e308,
    -1e308,
    5e-324,
    "",
    " ",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e400",
    "=cmd|' /C calc'!A0",
    "x" * 5000,
    [],
    {},
    [None],
    {"": None},
    2**63,
    10**30,
]
ODD_LITERALS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "9" * 5000, "1" + "0" * 400, "0." + "0" * 400 + "1"]


CASE_TIMEOUT = 60.0  # seconds the runner waits for a case (a loaded machine) before calling it a hang


def run_cases(check, cases: list[Path]) -> list[str]:
    """``check(path)`` (a failure text or None) for every case, in worker processes; the failures.

    A case that does not answer within CASE_TIMEOUT is a hang: the workers are stopped and the
    remaining cases are not run, so the test fails at once instead of waiting for ever.
    """
    failures = []
    with multiprocessing.get_context("spawn").Pool(max(2, os.cpu_count() or 2)) as pool:
        pending = [(path, pool.apply_async(check, (str(path),))) for path in cases]
        for path, result in pending:
            try:
                failure = result.get(timeout=CASE_TIMEOUT)
            except multiprocessing.TimeoutError:
                pool.terminate()
                return [*failures, f"{path.name}: no answer within {CASE_TIMEOUT} s (a hang)"]
            if failure:
                failures.append(failure)
    return failures


# --------------------------------------------------------------------------- the mutator


def seed_docs() -> list[dict]:
    """The bundled model and small models, each a different shape to mutate."""
    bundled = json.loads(BUNDLED_MODEL_PATH.read_text(encoding="utf-8"))
    expensed = model_doc(
        4,
        asset_classes=[
            {"name": "Servers", "treatment": "capitalized", "life": 3, "revenue_generating": True},
            {"name": "Fit-out", "treatment": "expensed"},
        ],
        capex={"Servers": [50.0, 60.0, 0.0, 0.0], "Fit-out": [5.0, 5.0, 5.0, 5.0]},
    )
    expensed["drivers"] = {key: [*values, values[-1]] for key, values in expensed["drivers"].items()}
    scenario = model_doc(3, scenarios={"Bull": {"settings": {"wacc": 0.08}, "drivers": {"utilization": [1, 1, 1]}}})
    return [bundled, model_doc(3), expensed, scenario]


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every location in a document, as a tuple of keys and indices."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replace_at(doc: Any, path: tuple, value: Any) -> Any:
    """``doc`` with the value at ``path`` replaced; ``value`` itself when path is the root."""
    if not path:
        return value
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return doc


def remove_at(doc: Any, path: tuple) -> None:
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    del parent[path[-1]]


def nested(depth: int) -> Any:
    value: Any = 1.0
    for _ in range(depth):
        value = [value]
    return value


def mutate_doc(rng: random.Random, doc: dict) -> bytes:
    """A structural mutation, serialised; values JSON cannot hold go in as raw literals."""
    doc = copy.deepcopy(doc)
    literals: list[str] = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        path = rng.choice(paths(doc))
        kind = rng.randrange(8)
        if kind == 0:  # a value of another type, or an odd one of the same
            doc = replace_at(doc, path, copy.deepcopy(rng.choice(ODD_VALUES)))
        elif kind == 1 and path:
            remove_at(doc, path)
        elif kind == 2:  # a literal JSON cannot express as a value: NaN, a huge number
            literals.append(rng.choice(ODD_LITERALS))
            doc = replace_at(doc, path, LITERAL)
        elif kind == 3:  # a number scaled to the edge of what floats hold
            if _num(old := _get(doc, path)):
                doc = replace_at(doc, path, old * rng.choice((1e300, -1, 1e-300, 1e10)))
        elif kind == 4:  # nesting, shallow or far past the recursion limit
            depth = rng.choice((2, 40, 900, 5000, 100_000))
            if depth > 500:
                literals.append("[" * depth + "1" + "]" * depth)
                doc = replace_at(doc, path, LITERAL)
            else:
                doc = replace_at(doc, path, nested(depth))
        elif kind == 5:  # an unknown key
            if isinstance(value := _get(doc, path), dict):
                value[rng.choice(("extra", "wacc ", "Settings", ""))] = 1
        elif kind == 6:  # a list longer or shorter than the horizon, or huge
            if isinstance(value := _get(doc, path), list) and value:
                value[:] = rng.choice((value[:-1], [*value, value[-1]], value * 20_000))
        else:  # a repeated key
            literals.append('{"wacc": 0.1, "wacc": 0.2}')
            doc = replace_at(doc, path, LITERAL)
    text = json.dumps(doc, ensure_ascii=rng.random() < 0.5)
    for literal in literals:
        text = text.replace(json.dumps(LITERAL), literal, 1)
    return text.encode("utf-8")


def _num(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _get(doc: Any, path: tuple) -> Any:
    for step in path:
        doc = doc[step]
    return doc


def mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    """A byte-level mutation: flips, insertions, deletions, truncation or plain noise."""
    kind = rng.randrange(5)
    if kind == 0:
        return data[: rng.randrange(len(data))]
    if kind == 1:
        return rng.randbytes(rng.choice((0, 1, 64, 4096)))
    data = bytearray(data)
    for _ in range(rng.choice((1, 2, 8, 64))):
        at = rng.randrange(len(data))
        if kind == 2:
            data[at] = rng.randrange(256)
        elif kind == 3:
            data[at:at] = rng.choice((b"{", b"[", b"]", b'"', b"\\", b",", b"\xed\xa0\x80", b"\\u0000", b"\xff"))
        else:
            del data[at : at + rng.randrange(1, 16)]
    return bytes(data)


def mutated_files(folder: Path) -> list[Path]:
    """CASES mutated model files, the same ones on every run."""
    rng = random.Random(20250601)
    docs = seed_docs()
    texts = [json.dumps(doc).encode() for doc in docs] + [BUNDLED_MODEL_PATH.read_bytes()]
    files = []
    for case in range(CASES):
        data = mutate_bytes(rng, rng.choice(texts)) if case % 3 == 2 else mutate_doc(rng, rng.choice(docs))
        path = folder / f"case{case:04d}.json"
        path.write_bytes(data)
        files.append(path)
    return files


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> list[Path]:
    return mutated_files(tmp_path_factory.mktemp("fuzz"))


# --------------------------------------------------------------------------- the tests


def test_the_mutator_makes_both_loadable_and_refused_files(cases):
    outcomes = [_load(path) for path in cases[:300]]
    assert sum(isinstance(outcome, dict) for outcome in outcomes) >= 20
    assert sum(isinstance(outcome, ModelError) for outcome in outcomes) >= 200


def _load(path: Path) -> dict | ModelError:
    try:
        return load_model(path)
    except ModelError as error:
        return error


def check_load(name: str) -> str | None:
    """Load one case (in a worker); what went wrong, or None."""
    path = Path(name)
    try:
        outcome = _load(path)
        if isinstance(outcome, dict):
            # What loads can be saved again: nothing unwritable slipped through.
            saved = path.with_suffix(".saved.json")
            save_model(outcome, saved)
            assert load_model(saved) == outcome
    except Exception as error:
        return f"{path.name}: {type(error).__name__}: {str(error)[:200]}"
    if isinstance(outcome, ModelError) and (not str(outcome) or "\n" in str(outcome)):
        return f"{path.name}: not a one-line message: {outcome!s:.200}"
    return None


@pytest.mark.slow
def test_every_mutated_file_loads_or_is_refused_with_a_model_error(cases):
    failures = run_cases(check_load, cases)
    assert not failures, "\n".join(failures[:20])


def check_cli(name: str) -> str | None:
    """``main.main`` on one case (in a worker): exit 0 with strict JSON, or SystemExit(2) and one line."""
    path = Path(name)
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main.main([str(path), "--json"])
    except SystemExit as exit_:
        status = exit_.code
    except Exception as error:
        return f"{path.name}: {type(error).__name__}: {str(error)[:200]}"
    problem = _cli_problem(status, out.getvalue(), err.getvalue())
    if not problem and "internal error" in err.getvalue():
        problem = f"internal error: {err.getvalue()[:200]}"
    return f"{path.name}: {problem}" if problem else None


@pytest.mark.slow
def test_every_mutated_file_through_the_command_line_code(cases):
    """``main.main`` in worker processes: exit 0 with strict JSON, or SystemExit(2) and one error line."""
    failures = run_cases(check_cli, cases)
    assert not failures, "\n".join(failures[:20])


def _cli_problem(status: int, stdout: str, stderr: str) -> str | None:
    if status == 0:
        try:
            json.loads(stdout, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        except ValueError as error:
            return f"exit 0 without strict JSON ({error})"
        return None
    lines = stderr.splitlines()
    if status != 2 or len(lines) != 1 or not lines[0].startswith("error: "):
        return f"exit {status}, stderr {stderr[-300:]!r}"
    return None


@pytest.mark.slow
def test_a_sample_through_the_command_line_process(cases):
    rng = random.Random(7)
    sample = rng.sample(cases, CLI_SAMPLE)
    environment = {**os.environ, "PYTHONWARNINGS": "default"}

    def run(path: Path) -> str | None:
        try:
            done = subprocess.run(
                [sys.executable, str(ROOT / "main.py"), str(path), "--json"],
                capture_output=True,
                text=True,
                timeout=60,  # a process start; the per-case limit is checked in process above
                env=environment,
                cwd=ROOT,
            )
        except subprocess.TimeoutExpired:
            return f"{path.name}: the command line hung"
        problem = _cli_problem(done.returncode, done.stdout, done.stderr)
        return f"{path.name}: {problem}" if problem else None

    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        failures = [failure for failure in pool.map(run, sample) if failure]
    assert not failures, "\n".join(failures)
