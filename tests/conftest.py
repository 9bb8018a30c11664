"""Shared fixtures. Qt runs offscreen in every test run, set before anything imports Qt."""

import gc
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from model import load_model
from resources import bundled_model_path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_MODEL_PATH = bundled_model_path()

# The fast tier (pytest --fast, which make test-fast runs): property tests that set no count of
# their own draw 10 examples instead of Hypothesis' 100, and the engine's property tests 10 random
# models instead of 40 (MODEL_EXAMPLES, read when their module is imported).
settings.register_profile("fast", max_examples=10)
FAST_MODEL_EXAMPLES = "10"
# A window costs about half a second to build: the fast tier keeps the first few window tests
# (those taking qtbot) of each module, in file order, where the other tests of the module already
# cover the module's model code.
FAST_WINDOW_TESTS_PER_MODULE = 3


def pytest_addoption(parser):
    parser.addoption(
        "--fast",
        action="store_true",
        help="the fast tier: no slow or LibreOffice tests, one case of each parametrized test, "
        f"at most {FAST_WINDOW_TESTS_PER_MODULE} window tests per module, smaller property runs",
    )


def pytest_configure(config):
    if config.getoption("--fast"):
        settings.load_profile("fast")
        os.environ.setdefault("MODEL_EXAMPLES", FAST_MODEL_EXAMPLES)


def pytest_collection_modifyitems(config, items):
    # LibreOffice tests start an office suite: they are slow wherever they are.
    for item in items:
        if item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.slow)
    if config.getoption("--fast"):
        kept = fast_tier(items)
        chosen = set(kept)
        config.hook.pytest_deselected(items=[item for item in items if item not in chosen])
        items[:] = kept


def fast_tier(items):
    """The tests make test-fast runs: each test function once (its first case), not marked slow,
    and at most FAST_WINDOW_TESTS_PER_MODULE window tests per module; make test runs every case."""
    functions_seen, windows_per_module, kept = set(), Counter(), []
    for item in items:
        function = item.nodeid.split("[", 1)[0]
        if item.get_closest_marker("slow") or function in functions_seen:
            continue
        if "qtbot" in getattr(item, "fixturenames", ()):
            if windows_per_module[item.path] == FAST_WINDOW_TESTS_PER_MODULE:
                continue
            windows_per_module[item.path] += 1
        functions_seen.add(function)
        kept.append(item)
    return kept


V1_MODEL_PATH = ROOT / "tests" / "data" / "alibaba_v1.json"


@pytest.fixture
def bundled_model():
    """The bundled Alibaba model, freshly loaded (tests may change their copy)."""
    return load_model(BUNDLED_MODEL_PATH)


@pytest.fixture
def v1_model():
    """The Alibaba model as bundled in format version 1 (no calibration, one life per class,
    every class earning revenue): the fixture of tests about mechanics that depend on its content."""
    return load_model(V1_MODEL_PATH)


@pytest.fixture(autouse=True)
def automatic_collection_outside_windows():
    """A window turns Python's automatic garbage collection off for the process and collects
    between events instead (ui/worker.py); a test without a window runs with it on, as the
    command line does."""
    yield
    gc.enable()
