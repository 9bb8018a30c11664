"""The seeded fuzz run of the fast tier: 2,000 cases, no traceback, no crash, no hang.

Each case is bounded in time by the runner (a worker process that does not answer is killed), not
by a signal inside the test. ``make fuzz`` runs 30,000 cases of the same generator.
"""

from __future__ import annotations

from tests.hostile import fuzz

FAST_CASES = 2000
SEED = 20261203


def test_2000_fuzz_cases_end_in_json_or_one_error_line():
    report = fuzz.run(SEED, FAST_CASES, timeout=60.0, sample=400)
    print(report.summary())
    assert report.cases == FAST_CASES
    assert report.tracebacks == 0, "\n".join(report.failures)
    assert report.crashes == 0, "\n".join(report.failures)
    assert report.bad == 0, "\n".join(report.failures)
    assert report.counts["ok"] >= 100 and report.counts["refused"] >= 1000  # both paths exercised


def test_a_case_is_the_same_on_every_run():
    from tests.hostile.generators import fuzz_case

    assert fuzz_case(SEED, 17) == fuzz_case(SEED, 17)
    assert fuzz_case(SEED, 17) != fuzz_case(SEED, 18)


def test_a_case_past_its_time_is_stopped_by_the_runner_and_counted_as_a_hang():
    worker = fuzz.Worker()
    try:
        assert worker.ask(SEED, 0, timeout=0.001) == "hang"  # the worker is still starting
        assert worker.process.poll() is not None  # killed by the runner
    finally:
        worker.stop()


def test_a_worker_that_dies_is_counted_as_a_crash():
    worker = fuzz.Worker()
    try:
        worker.process.kill()
        worker.process.wait()
        assert worker.ask(SEED, 0, timeout=60.0).startswith("crash")
    finally:
        worker.stop()


def test_classify_counts_internal_errors_and_raw_control_characters():
    assert fuzz.classify(2, "", "error: wacc: bad\n")[0] == "refused"
    assert fuzz.classify(2, "", "error: internal error (KeyError: 'x'); please report\n")[0] == "traceback"
    assert fuzz.classify(2, "", "error: \x1b[31m\n")[0] == "raw-control"
    assert fuzz.classify(1, "", "Traceback (most recent call last):\n ...")[0] == "traceback"
    assert fuzz.classify(0, "{NaN}", "")[0] == "bad-output"
