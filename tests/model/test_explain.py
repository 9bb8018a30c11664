"""Explain any number (model/explain.py): every line and KPI has its formula and precedents, the
values quoted are the engine's, the chain from a KPI reaches sourced inputs, and the dependents
found by inverting the precedents agree with what moves when an input is perturbed."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator

import numpy as np
import pytest

from model import ModelError, Results, compute
from model.edits import blank_model
from model.explain import (
    FORMULAS,
    SOLVED,
    Context,
    Ref,
    all_dependents,
    dependents,
    explain,
    placeholder_key,
    placeholders,
    precedent_refs,
    render,
    term,
    with_values,
)
from model.outputs import KPIS, LINE_KEYS, LINES
from model.schema import SETTINGS


def context_of(model, scenario: str = "Base") -> Context:
    return Context(model, scenario, compute(model, scenario))


@pytest.fixture
def context(bundled_model) -> Context:
    return context_of(bundled_model)


def test_every_line_and_kpi_of_the_registry_has_a_formula():
    assert set(FORMULAS) == set(LINES) | set(KPIS)
    assert not set(LINES) & set(KPIS)  # a placeholder {key} names one number


def variants(model) -> Iterator[Context]:
    """The bundled model and copies with each terminal method and the plan owning its buildings,
    so that every branch of a formula is met."""
    yield context_of(model)
    for method in ("none", "gordon", "exit_multiple"):
        other = copy.deepcopy(model)
        other["settings"]["terminal_method"] = method
        yield context_of(other)
    owned = copy.deepcopy(model)
    owned["settings"]["infrastructure_charge"] = "cohort"
    yield context_of(owned)
    other_solves = copy.deepcopy(model)
    for target, solve in zip(other_solves["calibration"], ("base_core_revenue", "ai_variable_cost_pct"), strict=True):
        target["solve"] = f"settings.{solve}"
    yield context_of(other_solves)
    yield context_of(model, "Bull")  # pays back, discounted too


def test_every_number_a_formula_names_is_among_its_precedents(bundled_model):
    named: dict[str, set[tuple[str, str]]] = {key: set() for key in [*FORMULAS, *SOLVED]}
    for context in variants(bundled_model):
        for ref in (Ref("line", key, year) for key in LINES for year in context.results.years):
            named[ref.key] |= {(p.kind, p.key) for p in precedent_refs(context, ref)}
        for key in KPIS:
            named[key] |= {(p.kind, p.key) for p in precedent_refs(context, Ref("kpi", key))}
        for key in SOLVED:
            if f"settings.{key}" in context.calibration_targets():
                named[key] |= {(p.kind, p.key) for p in precedent_refs(context, Ref("settings", key))}
    for key, formula in [*FORMULAS.items(), *SOLVED.items()]:
        for name in placeholders(formula.words):
            assert placeholder_key(name) in named[key], f"{key}: {{{name}}} is not a precedent"
        assert "{" not in render(formula.words)


@pytest.mark.parametrize("which", ["bundled", "Bull", "version 1", "blank"])
def test_every_explanation_quotes_the_engines_values(bundled_model, v1_model, which):
    model = {"bundled": bundled_model, "Bull": bundled_model, "version 1": v1_model}.get(which) or blank_model(2025)
    context = context_of(model, "Bull" if which == "Bull" else "Base")
    results = context.results
    for ref in (Ref("line", key, year) for key in LINES for year in results.years):
        explanation = explain(context, ref)
        assert same(explanation.term.value, results.value(ref.key, ref.year))
        for precedent in explanation.precedents:
            assert same(precedent.value, engine_value(context, precedent.ref)), (ref, precedent)
    for key in KPIS:
        explanation = explain(context, Ref("kpi", key))
        assert same(explanation.term.value, results.kpis[key])
        for precedent in explanation.precedents:
            assert same(precedent.value, engine_value(context, precedent.ref)), (key, precedent)


def engine_value(context: Context, ref: Ref):
    """A number as the engine and the scenario's model hold it, read independently of explain."""
    resolved, results = context.resolved, context.results
    if ref.kind == "line":
        return results.value(ref.key, ref.year)
    if ref.kind == "kpi":
        return results.kpis[ref.key]
    if ref.kind == "settings":
        return results.calibrated.get(f"settings.{ref.key}", resolved["settings"][ref.key])
    if ref.kind == "drivers":
        row = resolved["drivers"].get(ref.key) or [None if ref.key == "cloud_market" else 0.0] * context.horizon
        return row[ref.year - context.base_year - 1]
    if ref.kind == "capex":
        return resolved["capex"][ref.key][ref.year - context.base_year - 1]
    if ref.kind == "history":
        row = resolved["history"]["capex"][ref.key]
        return row[ref.year - context.base_year + len(row) - 1]
    if ref.kind == "calibration":
        return next(t["value"] for t in resolved["calibration"] if t["line"] == ref.key)
    return term(context, ref).value  # an asset class: its fields in words


def same(shown, engine) -> bool:
    if shown is None or (isinstance(shown, float) and np.isnan(shown)):
        return engine is None or (isinstance(engine, float) and np.isnan(engine))
    return shown == engine


def test_total_revenue_in_2026_by_hand(context):
    explanation = explain(context, Ref("line", "total_revenue", 2026))
    assert explanation.term.label == "Total revenue FY2026"
    assert (
        explanation.formula == "[Core revenue] + [Installed fleet revenue] + [Plan revenue] + [Follow-on fleet revenue]"
    )
    values = {p.ref.key: p.value for p in explanation.precedents}
    assert list(values) == ["core_revenue", "installed_revenue", "plan_revenue", "follow_on_revenue"]
    # Core revenue: base 95.6 grown 6 % in FY2026 (drivers.core_growth[0]).
    assert values["core_revenue"] == pytest.approx(95.6 * 1.06, abs=1e-12)
    assert values["follow_on_revenue"] == 0.0  # FY2026 is a plan year
    assert sum(values.values()) == pytest.approx(158.132, abs=1e-9)  # the calibration target
    assert explanation.term.value == pytest.approx(158.132, abs=1e-9)
    # The reported figure and its source come with it.
    assert explanation.reported is not None and explanation.reported.value == 158.132
    assert [note.path for note in explanation.sources] == ["actuals.2026.total_revenue"]
    assert "Form 20-F" in explanation.sources[0].text


def test_ebita_margin_in_2026_by_hand(context):
    explanation = explain(context, Ref("line", "ebita_margin", 2026))
    assert explanation.formula == "[Total EBITA] / [Total revenue]"
    ebita, revenue = (p.value for p in explanation.precedents)
    assert [p.label for p in explanation.precedents] == ["Total EBITA FY2026", "Total revenue FY2026"]
    assert ebita / revenue == pytest.approx(0.09, abs=1e-12)  # calibrated to the reported 9.0 %
    assert explanation.term.unit == "%"
    assert with_values(explanation, lambda shown: f"{shown.value:.2f}") == f"{ebita:.2f} / {revenue:.2f}"


def test_npv_by_hand(context):
    explanation = explain(context, Ref("kpi", "npv"))
    pv = [p for p in explanation.precedents if p.ref.kind == "line"]
    assert [p.ref.year for p in pv] == list(range(2026, 2036))  # valued at the end of FY2025
    # Each PV is FCF discounted at the 10 % WACC for its years after FY2025.
    for p in pv:
        fcf = context.results.value("fcf", p.ref.year)
        assert p.value == pytest.approx(fcf / 1.1 ** (p.ref.year - 2025), rel=1e-12)
    tv = next(p for p in explanation.precedents if p.ref == Ref("kpi", "pv_terminal_value"))
    assert explanation.term.value == pytest.approx(sum(p.value for p in pv) + tv.value, abs=1e-9)
    assert explanation.formula == "Σ of [PV of FCF] over the years after the [Valuation year] + [PV of terminal value]"
    assert with_values(explanation, str) is None  # [PV of FCF] stands for ten numbers: words only


def test_the_chain_from_npv_reaches_inputs_with_their_sources(context):
    seen, pending, inputs = set(), [Ref("kpi", "npv")], set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        if ref.is_input:
            inputs.add(ref)
        pending.extend(precedent_refs(context, ref))
    paths = {ref.source_path for ref in inputs}
    for path in ("settings.wacc", "capex.AI servers & accelerators", "drivers.utilization", "calibration"):
        assert path in paths
    wacc = explain(context, Ref("settings", "wacc"))
    assert wacc.sources[0].path == "settings.wacc" and wacc.sources[0].text.startswith("Judgment")
    tax = explain(context, Ref("settings", "tax_rate"))
    assert tax.sources[0].url.startswith("https://")
    # A solved setting is explained by its calibration target, which has its own source.
    solved = explain(context, Ref("settings", "ai_revenue_yield"))
    assert solved.precedents[0].ref == Ref("calibration", "total_revenue", 2026)
    assert solved.term.value == context.results.calibrated["settings.ai_revenue_yield"]
    assert explain(context, solved.precedents[0].ref).sources[0].path == "calibration"


def test_a_scenario_override_brings_the_scenarios_source(bundled_model):
    context = context_of(bundled_model, "Bull")
    explanation = explain(context, Ref("settings", "wacc"))
    assert explanation.term.value == 0.09
    assert explanation.overridden_by == "Bull"
    assert [note.path for note in explanation.sources] == ["settings.wacc", "scenarios.Bull"]
    assert explain(context, Ref("settings", "tax_rate")).overridden_by is None


def test_a_number_the_model_does_not_have_is_refused_by_name(context):
    with pytest.raises(ModelError, match=r"capex\.No such class: is not a number of this model"):
        explain(context, Ref("capex", "No such class", 2026))
    with pytest.raises(ModelError, match=r"drivers\.utilization"):
        explain(context, Ref("drivers", "utilization", 2099))


def test_dependents_invert_precedents(context):
    assert Ref("line", "ai_revenue", 2027) in dependents(context, Ref("drivers", "utilization", 2027))
    assert dependents(context, Ref("kpi", "pv_terminal_value")) == [Ref("kpi", "npv")]
    for ref in dependents(context, Ref("settings", "pull_through")):
        assert Ref("settings", "pull_through") in precedent_refs(context, ref)


# --------------------------------------------------------------------------- perturbation

Perturbation = tuple[Ref, Callable[[dict], None]]


def perturbations(model) -> Iterator[Perturbation]:
    """Every numeric input of the model nudged alone, and each life and lag of a class."""
    base = model["base_year"]

    def nudge(section: str, key: str, i: int, change: Callable[[float], float]) -> Callable[[dict], None]:
        def apply(document: dict) -> None:
            row = document[section][key] if section != "history" else document["history"]["capex"][key]
            row[i] = change(row[i])

        return apply

    for key, spec in SETTINGS.items():
        if spec.kind == "number":

            def setting(document: dict, key: str = key) -> None:
                document["settings"][key] = document["settings"][key] * 1.1 + 0.001

            yield Ref("settings", key), setting
    for key, row in model["drivers"].items():
        for i in range(len(row)):
            if key == "cloud_market":
                change = lambda v: (v or 0.0) * 1.1 + 1.0  # noqa: E731
            elif key == "utilization":
                change = lambda v: v - 0.01  # noqa: E731
            else:
                change = lambda v: v + 0.01  # noqa: E731
            yield Ref("drivers", key, base + 1 + i), nudge("drivers", key, i, change)
    for name, row in model["capex"].items():
        for i in range(len(row)):
            yield Ref("capex", name, base + 1 + i), nudge("capex", name, i, lambda v: v * 1.1 + 0.5)
    for name, row in model["history"]["capex"].items():
        for i in range(len(row)):
            yield Ref("history", name, base - len(row) + 1 + i), nudge("history", name, i, lambda v: v * 1.1 + 0.5)
    for index, cls in enumerate(model["asset_classes"]):
        if cls["treatment"] == "capitalized":
            for field in ("life", "economic_life", "lag", "tax_life"):

                def longer(document: dict, index: int = index, field: str = field) -> None:
                    changed = document["asset_classes"][index]
                    changed[field] = changed.get(field, changed["life"]) + 1

                yield Ref("asset_classes", cls["name"]), longer


def moved(before: Results, after: Results) -> set[Ref]:
    """The lines (by year) and KPIs that differ beyond rounding."""
    a, b = before.lines_array, after.lines_array
    with np.errstate(invalid="ignore"):
        differ = ~((np.isnan(a) & np.isnan(b)) | (np.abs(a - b) <= 1e-9 * (1 + np.abs(a))))
    found = {Ref("line", LINE_KEYS[i], before.years[j]) for i, j in zip(*np.nonzero(differ), strict=True)}
    for key, value in before.kpis.items():
        other = after.kpis[key]
        if (value is None) != (other is None) or (value is not None and abs(value - other) > 1e-9 * (1 + abs(value))):
            found.add(Ref("kpi", key))
    return found


def perturbed(model) -> Iterator[tuple[Ref, set[Ref]]]:
    """Each input and what moved when it alone was nudged (nudges the model refuses are skipped)."""
    before = compute(model)
    for ref, change in perturbations(model):
        document = copy.deepcopy(model)
        change(document)
        try:
            after = compute(document)
        except ModelError:  # e.g. a core revenue the calibrated margin cannot bear
            continue
        yield ref, moved(before, after)


@pytest.mark.parametrize("calibrated", [True, False], ids=["calibrated", "uncalibrated"])
def test_everything_an_input_moves_is_among_its_traced_dependents(bundled_model, calibrated):
    """The trace is never short: perturb each input alone; every line and KPI that moves is a
    dependent of it, directly or through other numbers (with the calibration's solved settings
    carrying the effects the calibration spreads)."""
    if not calibrated:
        del bundled_model["calibration"]
    context = context_of(bundled_model)
    checked = 0
    for ref, moved_refs in perturbed(bundled_model):
        traced = all_dependents(context, ref)
        assert moved_refs <= traced, f"{ref}: moves {sorted(moved_refs - traced)[:5]} but does not trace them"
        checked += bool(moved_refs)
    assert checked > 100  # the loop met the inputs (the solved settings and a few others move nothing)


def test_a_direct_dependent_that_does_not_move_meets_a_zero_or_a_cancelling_factor(bundled_model):
    """Nor is the trace long without reason: on the uncalibrated model, a direct dependent that
    stays put when its input is nudged is 0, or is read through a number that is 0 that year
    (pull-through revenue of a retired fleet), or is the rent of a fleet wholly in service, where
    more capex raises capex in service and lowers the rent rate in proportion."""
    del bundled_model["calibration"]
    context = context_of(bundled_model)
    for ref, moved_refs in perturbed(bundled_model):
        if ref.kind == "asset_classes":  # one field at a time: the others' dependents stay
            continue
        for dependent in dependents(context, ref):
            if dependent in moved_refs or dependent.kind not in ("line", "kpi"):
                continue
            zero_factor = any(
                p.kind == "line" and term(context, p).value == 0 for p in precedent_refs(context, dependent)
            )
            cancelling = dependent.key == "infrastructure_rent" and ref.kind == "capex"
            assert term(context, dependent).value in (0, None) or zero_factor or cancelling, (ref, dependent)
