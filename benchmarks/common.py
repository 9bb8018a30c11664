"""What the benchmarks share: the best of several timings, and the version 1 engine measured in
the same run as today's, so that the benchmarks print both.

``VERSION_1`` is the last commit whose model layer computed format version 1 (one life per class,
no history, no follow-on). Its ``model`` package is taken from git into a temporary folder and
timed in a subprocess, so the two engines never share a module and each runs on the same machine,
the same inputs and the same minute.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VERSION_1 = "38b9e57"


def best_of(runs: int, work: Callable[[], object]) -> float:
    """The shortest of ``runs`` timings of ``work()``, in seconds (the least disturbed by the machine)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def run_version_1(script: str, payload: object) -> dict:
    """Run ``script`` (Python reading JSON ``payload`` from stdin, printing JSON) against the
    version 1 ``model`` package; its result, or ``{"error": ...}`` when git cannot give it."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", VERSION_1, "model"], capture_output=True, check=False)
    if archive.returncode != 0:
        return {"error": f"version 1 engine not available: {archive.stderr.decode(errors='replace').strip()}"}
    with tempfile.TemporaryDirectory() as folder:
        with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
            tar.extractall(folder, filter="data")
        done = subprocess.run(
            [sys.executable, "-c", script],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            cwd=folder,
            env={"PYTHONPATH": folder, "PATH": "/usr/bin:/bin"},
            check=False,
        )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout)


# Times ``compute`` of each model document given on stdin with the version 1 engine (median ms).
COMPUTE_SCRIPT = """
import json, statistics, sys, time
from model import compute, validate_model
payload = json.load(sys.stdin)
out = {}
for key, doc in payload["models"].items():
    model = validate_model(doc)
    for _ in range(max(10, payload["repeats"] // 20)):
        compute(model)
    samples = []
    for _ in range(payload["repeats"]):
        start = time.perf_counter(); compute(model); samples.append(time.perf_counter() - start)
    out[key] = round(statistics.median(samples) * 1000.0, 4)
print(json.dumps(out))
"""


# The commit the speed benchmarks of the window compare against (``--against`` overrides it):
# the last one before the start-up, first-Monte-Carlo, IRR and edit-to-repaint work.
PREVIOUS = "81a1071"
TREE_PATHS = ("main.py", "model", "ui", "resources")


def commit_tree(commit: str, folder: Path) -> Path | str:
    """The program (main.py, model, ui, resources) of ``commit`` written into ``folder``; its
    path, or why git cannot give it."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, *TREE_PATHS], capture_output=True, check=False)
    if archive.returncode != 0:
        return f"commit {commit} not available: {archive.stderr.decode(errors='replace').strip()}"
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def run_in_tree(tree: Path, script: str, args: list[str], env: dict[str, str] | None = None) -> str:
    """Standard output of ``script`` run by a fresh interpreter on the program in ``tree``."""
    # A user's Python keeps the compiled bytecode of every module after the first start (and pip
    # writes it on install); without this a shell that sets PYTHONDONTWRITEBYTECODE would time
    # the compiling of the program's own modules on every start.
    inherited = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=tree,
        env={**inherited, "PYTHONPATH": str(tree), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed in {tree}:\n{done.stderr}")
    return done.stdout


@contextlib.contextmanager
def trees(against: str) -> Iterator[list[tuple[str, Path]]]:
    """(label, folder) of the program of ``against`` and of this working copy, in that order."""
    with tempfile.TemporaryDirectory() as folder:
        previous = commit_tree(against, Path(folder))
        if isinstance(previous, str):
            print(previous, file=sys.stderr)
        yield ([(f"previous ({against})", previous)] if isinstance(previous, Path) else []) + [("this version", ROOT)]


def interleaved(
    labelled: list[tuple[str, Path]], rounds: int, sample: Callable[[Path], dict[str, float]]
) -> dict[str, list[dict[str, float]]]:
    """``rounds`` samples of each program, taken in turn (A, B, A, B...), so that a busy minute
    of the machine falls on both alike."""
    samples: dict[str, list[dict[str, float]]] = {label: [] for label, _ in labelled}
    for _ in range(rounds):
        for label, tree in labelled:
            samples[label].append(sample(tree))
    return samples
