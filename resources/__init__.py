"""Files shipped with the workbench, found through ``importlib.resources`` wherever it is installed."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def bundled_models_folder() -> Path:
    """The folder of the models that ship with the workbench (read-only: saving goes elsewhere)."""
    # setuptools installs package data as ordinary files, never zipped, so this is a real folder.
    return Path(str(files(__name__) / "models"))


def bundled_model_path() -> Path:
    """The model the workbench opens when given none: Alibaba's RMB 380 bn plan."""
    return bundled_models_folder() / "alibaba_380bn.json"


def user_guide_path() -> Path:
    """The user guide the Help menu shows (Markdown)."""
    return Path(str(files(__name__) / "guide" / "user-guide.md"))
