"""Shared fixtures. Qt runs offscreen in every test run, set before anything imports Qt."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from model import load_model
from resources import bundled_model_path

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_MODEL_PATH = bundled_model_path()

# make test-fast selects this profile (--hypothesis-profile=fast): a property test that does not set
# its own max_examples draws 10 examples there instead of Hypothesis' 100.
settings.register_profile("fast", max_examples=10)


def pytest_collection_modifyitems(items):
    # LibreOffice tests start an office suite: they are slow wherever they are, so make test-fast
    # leaves them out with the other slow ones.
    for item in items:
        if item.get_closest_marker("libreoffice"):
            item.add_marker(pytest.mark.slow)


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
