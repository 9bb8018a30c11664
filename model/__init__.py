"""The capex model: validation, computation and files. Pure Python; never imports Qt.

Typical use::

    from model import load_model, compute
    from resources import bundled_model_path
    model = load_model(bundled_model_path())
    results = compute(model, "Bull")
    results.kpis["npv"], results.line("ebita_margin"), results.value("ebita_margin", 2027)
    results.lines  # every line as a pandas DataFrame (pandas is imported on this first request)
"""

from model.document import Model
from model.engine import Results, compute, results_json
from model.errors import ModelError, ModelFileError
from model.fileio import atomic_write, load_model, save_model
from model.validation import apply_scenario, scenario_names, validate_model

__all__ = [
    "Model",
    "ModelError",
    "ModelFileError",
    "Results",
    "apply_scenario",
    "atomic_write",
    "compute",
    "load_model",
    "results_json",
    "save_model",
    "scenario_names",
    "validate_model",
]
