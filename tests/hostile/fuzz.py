"""The seeded fuzz runner: N cases of model file + command-line options, none may end in a traceback.

Each case is made from (seed, index) by ``generators.fuzz_case`` and run through the command line's
own code (``main.main``) in a worker process. The runner, not the case, bounds the time: a worker
that does not answer within ``--timeout`` seconds is killed and the case counted as a hang; a worker
that dies (a segfault, an abort) is a crash; both are restarted. An outcome is acceptable when it
is exit 0 with strict JSON, or exit 2 with exactly one ``error:`` line that is no internal error and
holds no raw control character. Every ``--sample``-th case also runs as a real ``python main.py``
process, to check what a user's terminal receives.

    python -m tests.hostile.fuzz --cases 30000 --seed 1     (make fuzz)
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import queue
import re
import select
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ACCEPTED = ("ok", "refused")


def classify(status: object, stdout: str, stderr: str) -> tuple[str, str]:
    """("ok" | "refused" | a failure kind, detail) of one command-line run."""
    if "Traceback (most recent call last)" in stderr:
        return "traceback", stderr[-600:]
    if status == 0:
        try:
            json.loads(stdout, parse_constant=lambda name: (_ for _ in ()).throw(ValueError(name)))
        except ValueError as error:
            return "bad-output", f"exit 0 without strict JSON: {error}"
        return "ok", ""
    lines = stderr.splitlines()
    if status != 2 or len(lines) != 1 or not lines[0].startswith("error: "):
        return "bad-error", f"exit {status}, stderr {stderr[-400:]!r}"
    if "internal error" in lines[0]:  # an exception nobody anticipated: a traceback in disguise
        return "traceback", lines[0][:600]
    if RAW_CONTROL.search(lines[0]):
        return "raw-control", repr(lines[0][:200])
    return "refused", ""


# --------------------------------------------------------------------------- the worker


def worker() -> None:
    """Answer "seed index" lines with one JSON line each; runs cases in this process."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # nothing the code under test prints can garble the answers
    sys.path.insert(0, str(ROOT))
    import main
    from tests.hostile.generators import fuzz_case, seeds

    sources = seeds()
    folder = Path(tempfile.mkdtemp(prefix="capex-fuzz-"))
    for line in sys.stdin:
        seed, index = map(int, line.split())
        data, options = fuzz_case(seed, index, sources)
        path = folder / "case.json"
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status: object = main.main([str(path), "--json", *options])
        except SystemExit as exit_:
            status = exit_.code
        except BaseException:  # whatever escapes is what the run counts
            status, err = "exception", io.StringIO(traceback.format_exc())
        kind, detail = classify(status, out.getvalue(), err.getvalue())
        answer = {"index": index, "kind": kind, "detail": detail, "seconds": time.perf_counter() - start}
        protocol.write(json.dumps(answer) + "\n")


# --------------------------------------------------------------------------- the runner


@dataclass
class Report:
    seed: int
    cases: int = 0
    counts: collections.Counter = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0
    seconds: float = 0.0
    cli_processes: int = 0

    @property
    def tracebacks(self) -> int:
        return self.counts["traceback"]

    @property
    def crashes(self) -> int:
        return self.counts["crash"] + self.counts["hang"]

    @property
    def bad(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind not in ACCEPTED)

    @property
    def crash_count(self) -> int:
        return self.crashes

    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {n:,}" for kind, n in sorted(self.counts.items()))
        return (
            f"seed {self.seed}: {self.cases:,} cases in {self.seconds:.0f} s ({kinds}); "
            f"{self.tracebacks} tracebacks, {self.crashes} crashes or hangs; slowest case {self.slowest:.2f} s; "
            f"{self.cli_processes} run as separate processes"
        )


class Worker:
    def __init__(self) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.hostile.fuzz", "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            cwd=ROOT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        self.buffer = b""

    def ask(self, seed: int, index: int, timeout: float) -> dict | str:
        """The case's answer, or "hang" / "crash: ..." when the worker did not give one."""
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(f"{seed} {index}\n".encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            return self._crash()
        deadline = time.monotonic() + timeout
        fd = self.process.stdout.fileno()
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                self.stop()
                return "hang"
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 65536)
                if not chunk:
                    return self._crash()
                self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    def _crash(self) -> str:
        status = self.process.wait(timeout=30)
        self.log.seek(0)
        tail = self.log.read()[-400:].decode(errors="replace")
        return f"crash: exit {status}: {tail}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=30)
        for stream in (self.process.stdin, self.process.stdout, self.log):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()


def run(
    seed: int, cases: int, workers: int | None = None, timeout: float = 60.0, sample: int = 500, start: int = 0
) -> Report:
    """Run cases ``start`` .. ``start + cases - 1`` of ``seed``; the report."""
    report = Report(seed)
    todo: queue.Queue[int] = queue.Queue()
    for index in range(start, start + cases):
        todo.put(index)
    lock = threading.Lock()
    began = time.perf_counter()

    def record(index: int, kind: str, detail: str, seconds: float) -> None:
        with lock:
            report.cases += 1
            report.counts[kind] += 1
            report.slowest = max(report.slowest, seconds)
            if kind not in ("ok", "refused") and len(report.failures) < 50:
                report.failures.append(f"case {index} ({kind}): {detail.strip()[-500:]}")

    def drive() -> None:
        current = Worker()
        try:
            while True:
                try:
                    index = todo.get_nowait()
                except queue.Empty:
                    return
                answer = current.ask(seed, index, timeout)
                if isinstance(answer, dict):
                    record(index, answer["kind"], answer["detail"], answer["seconds"])
                else:
                    kind = "hang" if answer == "hang" else "crash"
                    record(index, kind, answer, timeout if kind == "hang" else 0.0)
                    current.stop()
                    current = Worker()
        finally:
            current.stop()

    threads = [threading.Thread(target=drive) for _ in range(workers or max(1, os.cpu_count() or 1))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for index in range(start, start + cases, sample) if sample else ():
        kind, detail = run_process(seed, index, timeout)
        report.cli_processes += 1
        if kind not in ACCEPTED:
            record(index, f"process-{kind}", detail, 0.0)
    report.seconds = time.perf_counter() - began
    return report


def run_process(seed: int, index: int, timeout: float) -> tuple[str, str]:
    """Case ``index`` through a real ``python main.py`` process: what a terminal would show."""
    sys.path.insert(0, str(ROOT))
    from tests.hostile.generators import fuzz_case

    data, options = fuzz_case(seed, index)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.json"
        path.write_bytes(data)
        try:
            done = subprocess.run(
                [sys.executable, str(ROOT / "main.py"), str(path), "--json", *options],
                capture_output=True,
                timeout=timeout,
                cwd=ROOT,
            )
        except subprocess.TimeoutExpired:
            return "hang", f"no answer within {timeout} s"
    return classify(done.returncode, done.stdout.decode(errors="replace"), done.stderr.decode(errors="replace"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cases", type=int, default=30_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="first case index (to repeat one case: --cases 1)")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a case may take before it is a hang")
    parser.add_argument("--sample", type=int, default=500, help="every Nth case also runs as a process")
    args = parser.parse_args(argv)
    if args.worker:
        worker()
        return 0
    report = run(args.seed, args.cases, args.workers, args.timeout, args.sample, args.start)
    for failure in report.failures:
        print(failure, file=sys.stderr)
    print(report.summary())
    return 1 if report.bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
