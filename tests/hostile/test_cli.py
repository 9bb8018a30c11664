"""The command line driven through the same bad inputs, as real processes: exit 0 with strict JSON,
or exit 2 and one ``error:`` line; never a traceback, a raw control character or a warning."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.hostile.fuzz import classify
from tests.hostile.generators import BUNDLED, ROOT, bad_models, small

TIMEOUT = 120  # a process start on a loaded machine; the grid cap makes its case fast


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "default"},
        **kwargs,
    )


def one_error_line(done: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "internal error" not in lines[0]
    return lines[0]


def bundled_with(**settings) -> dict:
    doc = json.loads(BUNDLED.read_text(encoding="utf-8"))
    doc["settings"].update(settings)
    return doc


def write(tmp_path, doc: dict, name: str = "model.json"):
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


SAMPLE = list(bad_models())[::8]


@pytest.mark.slow
def test_a_sample_of_the_bad_models_through_real_processes(tmp_path):
    paths = []
    for i, (_, doc) in enumerate(SAMPLE):
        path = tmp_path / f"bad{i}.json"
        path.write_bytes(json.dumps(doc).encode("utf-8", "surrogatepass"))
        paths.append(path)
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        outcomes = list(pool.map(lambda p: run(str(p), "--json"), paths))
    problems = [
        f"{name}: {detail}"
        for (name, _), done in zip(SAMPLE, outcomes, strict=True)
        if (kind := classify(done.returncode, done.stdout, done.stderr))[0] not in ("ok", "refused")
        for detail in [kind[1]]
    ]
    assert problems == []


@pytest.mark.slow
def test_exit_multiple_1e308_is_computed_with_no_warning(tmp_path):
    done = run(str(write(tmp_path, bundled_with(terminal_method="exit_multiple", exit_multiple=1e308))), "--json")
    assert done.returncode == 0 and done.stderr == ""
    json.loads(done.stdout, parse_constant=pytest.fail)


@pytest.mark.slow
def test_wacc_1e308_prints_nulls_and_no_warning(tmp_path):
    done = run(str(write(tmp_path, bundled_with(wacc=1e308))), "--json")
    assert done.returncode == 0 and done.stderr == ""  # numpy's overflow warnings used to reach stderr
    assert json.loads(done.stdout)["kpis"]["npv"] is None


@pytest.mark.slow
def test_a_3000_by_3000_grid_is_refused_with_a_clear_message():
    values = ",".join(f"{0.01 + i * 1e-4:.4f}" for i in range(3000))
    done = run("--analysis", "grid", "--x", f"settings.wacc={values}", "--y", f"settings.pull_through={values}")
    line = one_error_line(done)
    assert "a grid axis takes at most 500" in line


@pytest.mark.slow
def test_a_grid_just_over_the_cell_limit_is_refused():
    values = ",".join(f"{0.01 + i * 1e-4:.4f}" for i in range(101))
    line = one_error_line(
        run("--analysis", "grid", "--x", f"settings.wacc={values}", "--y", f"settings.pull_through={values}")
    )
    assert "101 rows x 101 columns is 10,201 cells; a grid holds at most 10,000" in line


@pytest.mark.slow
def test_an_export_name_over_255_bytes_is_refused(tmp_path):
    line = one_error_line(run("--export", str(tmp_path / ("a" * 300 + ".xlsx"))))
    assert "names over 255 are refused" in line


@pytest.mark.slow
@pytest.mark.parametrize("target", ["missing/out.xlsx", "folder.xlsx", "loop.xlsx"])
def test_an_export_to_a_bad_target_is_one_error_line(tmp_path, target):
    (tmp_path / "folder.xlsx").mkdir()
    (tmp_path / "loop.xlsx").symlink_to(tmp_path / "loop2.xlsx")
    (tmp_path / "loop2.xlsx").symlink_to(tmp_path / "loop.xlsx")
    done = run("--export", str(tmp_path / target))
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: ")


@pytest.mark.slow
def test_a_read_only_export_target_is_refused_not_replaced(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"theirs")
    target.chmod(stat.S_IRUSR)
    done = run("--export", str(target))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert target.read_bytes() == b"theirs"


@pytest.mark.slow
def test_a_model_file_that_is_a_symlink_loop_is_one_error_line(tmp_path):
    (tmp_path / "a.json").symlink_to(tmp_path / "b.json")
    (tmp_path / "b.json").symlink_to(tmp_path / "a.json")
    assert "Too many levels of symbolic links" in one_error_line(run(str(tmp_path / "a.json"), "--json"))


@pytest.mark.slow
def test_an_unknown_key_with_terminal_escapes_is_quoted(tmp_path):
    doc = small()
    doc["\x1b[2J\x1b[31mowned\x07"] = 1
    line = one_error_line(run(str(write(tmp_path, doc)), "--json"))
    assert "\x1b" not in line and "\x07" not in line
    assert "\\x1b[2J\\x1b[31mowned\\x07" in line


def test_a_scenario_name_with_control_characters_is_quoted():
    line = one_error_line(run("--scenario", "Bull\x1b]0;title\x07\nsecond line", "--json"))
    assert not any(c in line for c in "\x1b\x07\n") and "\\x1b]0;title\\x07" in line


@pytest.mark.slow
def test_tornado_ends_at_infinity_print_null(tmp_path):
    doc = small()
    doc["uncertainty"]["inputs"].append(
        {"target": "capex.Servers", "dist": "lognormal", "mu": 709.0, "sigma": 1.0, "apply": "scale"}
    )
    done = run(str(write(tmp_path, doc)), "--analysis", "tornado")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    rows = {row["target"]: row for row in json.loads(done.stdout)["tornado"]["inputs"]}
    assert rows["capex.Servers"]["npv_high"] is None


@pytest.mark.slow
def test_a_broken_pipe_prints_no_traceback():
    """``--json | head``: the reader goes away before the output is written."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), "--json", "--analysis", "tornado"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()  # like head, which has read what it wanted
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=TIMEOUT) in (0, 1)
    assert stderr == ""


def test_an_internal_error_is_one_line_and_status_2(tmp_path, monkeypatch):
    """The last safety net: an error no rule foresaw still ends in one line naming it, to report."""
    import io
    from contextlib import redirect_stderr

    import main
    from model import engine

    monkeypatch.setattr(engine, "results_json", lambda *a: {}["boom"])
    monkeypatch.setattr("model.results_json", lambda *a: {}["boom"])
    err = io.StringIO()
    with redirect_stderr(err), pytest.raises(SystemExit) as exit_:
        main.main(["--json"])
    assert exit_.value.code == 2
    assert err.getvalue().startswith("error: internal error (KeyError: 'boom')")
    assert err.getvalue().count("\n") == 1
