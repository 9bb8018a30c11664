"""Every rule of docs/model.md section 3 (and the uncertainty rules of section 8): one bad model each.

Each case changes one field of a valid four-year model and names the exact field path the error
must carry and a recognisable part of the rule. ``validate_model`` must raise (so nothing is
returned) and leave the document it was given unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from model import ModelError, validate_model
from model.fileio import model_to_json, parse_model_json
from tests.factories import model_doc

H = 4


def base_doc() -> dict:
    """A valid four-year model with a capitalized and an expensed class, a scenario and sources."""
    doc = model_doc(H)
    doc["asset_classes"].append({"name": "R&D", "treatment": "expensed"})
    doc["capex"]["R&D"] = [1.0, 1.0, 0.0, 0.0]
    doc["drivers"]["cloud_market"] = [None, 0.0, 500.0, 600.0]
    doc["scenarios"] = {"Bull": {"settings": {"wacc": 0.09}}}
    doc["actuals"] = {"2026": {"total_revenue": 150.0}}
    doc["sources"] = {"settings.wacc": {"text": "House view", "date": "2026-05-20"}}
    return doc


def put(*keys: Any, value: Any) -> Callable[[dict], None]:
    """A change that sets doc[k1][k2]... = value."""

    def change(doc: dict) -> None:
        target = doc
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def drop(*keys: Any) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        target = doc
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def both(*changes: Callable[[dict], None]) -> Callable[[dict], None]:
    def change(doc: dict) -> None:
        for one in changes:
            one(doc)

    return change


def scenario(**overrides: Any) -> Callable[[dict], None]:
    return put("scenarios", "Bull", value=overrides)


UNCERTAIN = [
    {"target": "settings.ai_revenue_yield", "dist": "triangular", "low": 0.5, "mode": 1.0, "high": 1.5},
    {"target": "drivers.utilization", "dist": "normal", "mean": 0.0, "sd": 0.05},
    {"target": "capex.Servers", "dist": "lognormal", "mu": 0.0, "sigma": 0.1},
]


def uncertainty(inputs: list | None = None, correlations: list | None = None, **extra: Any) -> Callable[[dict], None]:
    section = {"trials": 100, "seed": 1, "inputs": copy.deepcopy(UNCERTAIN if inputs is None else inputs)}
    if correlations is not None:
        section["correlations"] = correlations
    section.update(extra)
    return put("uncertainty", value=section)


def with_input(**fields: Any) -> Callable[[dict], None]:
    return uncertainty([{**UNCERTAIN[1], **fields}])


NAN, INF = float("nan"), float("inf")

# (id, change, exact field path, part of the rule)
CASES: list[tuple[str, Callable[[dict], None], str, str]] = [
    # format / version
    ("format-wrong", put("format", value="capex-plan"), "format", 'is not "capex-model"'),
    ("format-missing", drop("format"), "format", 'is not "capex-model"'),
    ("version-newer", put("version", value=3), "version", "version 3 is newer than this program reads (2)"),
    ("version-much-newer", put("version", value=17), "version", "version 17 is newer"),
    ("version-text", put("version", value="1"), "version", "is not a version number"),
    ("version-zero", put("version", value=0), "version", "is not a version number"),
    ("version-fraction", put("version", value=1.5), "version", "is not a version number"),
    ("version-infinite", put("version", value=INF), "version", "is not a version number"),
    ("version-missing", drop("version"), "version", "is not a version number"),
    # required parts
    ("name-missing", drop("name"), "name", "is missing"),
    ("name-empty", put("name", value="  "), "name", "is not a non-empty text"),
    ("name-control-character", put("name", value="Plan\x07"), "name", "holds the character U+0007, which no file can"),
    ("base-year-missing", drop("base_year"), "base_year", "is missing"),
    ("horizon-missing", drop("horizon"), "horizon", "is missing"),
    ("drivers-missing", drop("drivers"), "drivers", "is missing"),
    ("capex-missing", drop("capex"), "capex", "is missing"),
    ("classes-missing", drop("asset_classes"), "asset_classes", "is missing"),
    # base_year, horizon
    ("base-year-text", put("base_year", value="2025"), "base_year", "'2025' is not a number"),
    ("base-year-fraction", put("base_year", value=2025.5), "base_year", "2025.5 is not a whole number"),
    ("horizon-short", put("horizon", value=2), "horizon", "2 is outside 3..30"),
    ("horizon-long", put("horizon", value=31), "horizon", "31 is outside 3..30"),
    ("horizon-fraction", put("horizon", value=4.5), "horizon", "4.5 is not a whole number"),
    ("horizon-bool", put("horizon", value=True), "horizon", "true is not a number"),
    # arrays: exactly H finite numbers
    (
        "array-short",
        put("drivers", "utilization", value=[1.0] * 3),
        "drivers.utilization",
        "has 3 values; the horizon needs 4",
    ),
    ("array-long", put("capex", "Servers", value=[0.0] * 5), "capex.Servers", "has 5 values; the horizon needs 4"),
    (
        "array-not-list",
        put("drivers", "core_growth", value=0.05),
        "drivers.core_growth",
        "0.05 is not a list of 4 numbers",
    ),
    ("array-nan", put("drivers", "core_growth", 1, value=NAN), "drivers.core_growth[1]", "nan is not a finite number"),
    (
        "array-inf",
        put("drivers", "price_change", 0, value=INF),
        "drivers.price_change[0]",
        "inf is not a finite number",
    ),
    (
        "array-text",
        put("drivers", "core_ebita_margin", 2, value="0.1"),
        "drivers.core_ebita_margin[2]",
        "'0.1' is not a number",
    ),
    ("array-null", put("drivers", "utilization", 0, value=None), "drivers.utilization[0]", "null is not a number"),
    ("array-bool", put("capex", "Servers", 2, value=True), "capex.Servers[2]", "true is not a number"),
    ("capex-nan", put("capex", "R&D", 3, value=NAN), "capex.R&D[3]", "not a finite number"),
    # asset classes
    ("classes-empty", put("asset_classes", value=[]), "asset_classes", "is not a non-empty list"),
    ("class-not-object", put("asset_classes", 0, value="Servers"), "asset_classes[0]", "is not an object"),
    (
        "class-name-duplicate",
        put("asset_classes", 1, "name", value="Servers"),
        "asset_classes[1].name",
        "'Servers' is used by another class",
    ),
    ("class-name-empty", put("asset_classes", 0, "name", value=""), "asset_classes[0].name", "is not a non-empty text"),
    ("class-name-missing", drop("asset_classes", 0, "name"), "asset_classes[0].name", "is missing"),
    (
        "class-treatment",
        put("asset_classes", 0, "treatment", value="leased"),
        "asset_classes[0].treatment",
        "'leased' is not capitalized or expensed",
    ),
    (
        "class-treatment-missing",
        drop("asset_classes", 1, "treatment"),
        "asset_classes[1].treatment",
        "null is not capitalized or expensed",
    ),
    (
        "class-life-missing",
        drop("asset_classes", 0, "life"),
        "asset_classes[0].life",
        "a capitalized class needs a life of 1..50 years",
    ),
    ("class-life-zero", put("asset_classes", 0, "life", value=0), "asset_classes[0].life", "0 is outside 1..50"),
    ("class-life-51", put("asset_classes", 0, "life", value=51), "asset_classes[0].life", "51 is outside 1..50"),
    (
        "class-life-fraction",
        put("asset_classes", 0, "life", value=2.5),
        "asset_classes[0].life",
        "2.5 is not a whole number",
    ),
    ("class-life-text", put("asset_classes", 0, "life", value="5"), "asset_classes[0].life", "'5' is not a number"),
    (
        "class-revenue-flag",
        put("asset_classes", 0, "revenue_generating", value="yes"),
        "asset_classes[0].revenue_generating",
        "is not true or false",
    ),
    (
        "class-unknown-key",
        put("asset_classes", 0, "lifetime", value=5),
        "asset_classes[0].lifetime",
        "unknown key; did you mean 'life'?",
    ),
    # capex: declared classes only, every class present, values >= 0
    ("capex-undeclared", put("capex", "Racks", value=[0.0] * H), "capex.Racks", "unknown key"),
    ("capex-row-missing", drop("capex", "R&D"), "capex.R&D", "is missing: every declared class needs a capex row"),
    ("capex-negative", put("capex", "Servers", 1, value=-5.0), "capex.Servers[1]", "-5 is below 0"),
    # settings, one rule each
    ("settings-not-object", put("settings", value=[0.1]), "settings", "is not an object"),
    ("wacc-minus-one", put("settings", "wacc", value=-1.0), "settings.wacc", "-1 must be above -1"),
    ("wacc-below-minus-one", put("settings", "wacc", value=-1.5), "settings.wacc", "-1.5 is below -1"),
    ("wacc-text", put("settings", "wacc", value="10%"), "settings.wacc", "'10%' is not a number"),
    (
        "gordon-wacc-equal-growth",
        both(put("settings", "terminal_method", value="gordon"), put("settings", "terminal_growth", value=0.10)),
        "settings.wacc",
        "0.1 must be above terminal_growth (0.1) for the Gordon terminal value",
    ),
    (
        "gordon-wacc-below-growth",
        both(put("settings", "terminal_method", value="gordon"), put("settings", "terminal_growth", value=0.12)),
        "settings.wacc",
        "must be above terminal_growth (0.12)",
    ),
    ("tax-one", put("settings", "tax_rate", value=1.0), "settings.tax_rate", "1 must be below 1"),
    ("tax-negative", put("settings", "tax_rate", value=-0.1), "settings.tax_rate", "-0.1 is below 0"),
    (
        "variable-cost-one",
        put("settings", "ai_variable_cost_pct", value=1.0),
        "settings.ai_variable_cost_pct",
        "1 must be below 1",
    ),
    (
        "variable-cost-negative",
        put("settings", "ai_variable_cost_pct", value=-0.01),
        "settings.ai_variable_cost_pct",
        "is below 0",
    ),
    ("nwc-above-one", put("settings", "nwc_pct", value=1.01), "settings.nwc_pct", "1.01 is above 1"),
    ("nwc-below-minus-one", put("settings", "nwc_pct", value=-1.01), "settings.nwc_pct", "-1.01 is below -1"),
    (
        "base-core-zero",
        put("settings", "base_core_revenue", value=0),
        "settings.base_core_revenue",
        "0 must be above 0",
    ),
    (
        "base-core-negative",
        put("settings", "base_core_revenue", value=-3.0),
        "settings.base_core_revenue",
        "-3 is below 0",
    ),
    ("yield-negative", put("settings", "ai_revenue_yield", value=-0.1), "settings.ai_revenue_yield", "-0.1 is below 0"),
    (
        "opex-negative",
        put("settings", "ai_cash_opex_rate", value=-0.1),
        "settings.ai_cash_opex_rate",
        "-0.1 is below 0",
    ),
    ("pull-through-negative", put("settings", "pull_through", value=-0.1), "settings.pull_through", "-0.1 is below 0"),
    ("exit-multiple-negative", put("settings", "exit_multiple", value=-1.0), "settings.exit_multiple", "-1 is below 0"),
    ("fx-zero", put("settings", "fx_rmb_per_usd", value=0.0), "settings.fx_rmb_per_usd", "0 must be above 0"),
    (
        "terminal-method",
        put("settings", "terminal_method", value="dcf"),
        "settings.terminal_method",
        "'dcf' is not one of none, book_value, gordon, exit_multiple",
    ),
    ("mid-year-text", put("settings", "mid_year", value="yes"), "settings.mid_year", "'yes' is not true or false"),
    (
        "setting-nan",
        put("settings", "terminal_growth", value=NAN),
        "settings.terminal_growth",
        "nan is not a finite number",
    ),
    # drivers, one rule each
    ("utilization-above-one", put("drivers", "utilization", 3, value=1.4), "drivers.utilization[3]", "1.4 is above 1"),
    ("utilization-negative", put("drivers", "utilization", 0, value=-0.1), "drivers.utilization[0]", "-0.1 is below 0"),
    (
        "core-growth-minus-one",
        put("drivers", "core_growth", 2, value=-1.0),
        "drivers.core_growth[2]",
        "-1 must be above -1",
    ),
    (
        "price-change-minus-one",
        put("drivers", "price_change", 1, value=-1.0),
        "drivers.price_change[1]",
        "-1 must be above -1",
    ),
    (
        "margin-above-one",
        put("drivers", "core_ebita_margin", 0, value=1.01),
        "drivers.core_ebita_margin[0]",
        "1.01 is above 1",
    ),
    (
        "margin-below-minus-one",
        put("drivers", "core_ebita_margin", 3, value=-1.01),
        "drivers.core_ebita_margin[3]",
        "-1.01 is below -1",
    ),
    (
        "cloud-market-negative",
        put("drivers", "cloud_market", 2, value=-1.0),
        "drivers.cloud_market[2]",
        "-1 is below 0",
    ),
    (
        "cloud-market-short",
        put("drivers", "cloud_market", value=[None]),
        "drivers.cloud_market",
        "has 1 values; the horizon needs 4",
    ),
    ("driver-missing", drop("drivers", "price_change"), "drivers.price_change", "is missing"),
    # unknown keys, with the nearest known key suggested
    ("unknown-top-level", put("horizn", value=5), "horizn", "unknown key; did you mean 'horizon'?"),
    ("unknown-setting", put("settings", "wac", value=0.1), "settings.wac", "unknown key; did you mean 'wacc'?"),
    (
        "unknown-driver",
        put("drivers", "utilisation", value=[1.0] * H),
        "drivers.utilisation",
        "unknown key; did you mean 'utilization'?",
    ),
    ("unknown-capex-suggests", put("capex", "Server", value=[0.0] * H), "capex.Server", "did you mean 'Servers'?"),
    # actuals, peers, sources
    ("actuals-year", put("actuals", "FY26", value={"total_revenue": 1.0}), "actuals.FY26", "is not a fiscal year"),
    ("actuals-line", put("actuals", "2026", "revenue", value=1.0), "actuals.2026.revenue", "unknown key; did you mean"),
    (
        "actuals-value",
        put("actuals", "2026", "total_revenue", value="150"),
        "actuals.2026.total_revenue",
        "is not a number",
    ),
    ("peers-line", put("peers", value={"AWS": {"margin": 0.3}}), "peers.AWS.margin", "unknown key"),
    (
        "source-names-nothing",
        put("sources", "settings.nope", value={"text": "x"}),
        "sources.settings.nope",
        "names no input",
    ),
    (
        "source-without-text",
        put("sources", "settings.wacc", value={"url": "https://example.com"}),
        "sources.settings.wacc.text",
        "is not a non-empty text",
    ),
    (
        "source-unknown-key",
        put("sources", "settings.wacc", value={"text": "x", "link": "y"}),
        "sources.settings.wacc.link",
        "unknown key",
    ),
    # scenario overrides: known fields, declared classes, same rules after applying
    (
        "scenario-base-reserved",
        put("scenarios", "Base", value={}),
        "scenarios.Base",
        '"Base" is reserved for the model itself',
    ),
    (
        "scenario-base-in-another-case",
        put("scenarios", "base", value={}),
        "scenarios.base",
        """"Base" is reserved for the model itself (and 'base' would be read as it)""",
    ),
    (
        "scenario-name-with-tab",
        put("scenarios", "Bull\tcase", value={}),
        "scenarios",
        "'Bull\\tcase' holds the control character U+0009: a scenario name is one line of text without tabs",
    ),
    (
        "scenario-name-with-line-break",
        put("scenarios", "Bull\ncase", value={}),
        "scenarios",
        "'Bull\\ncase' holds the control character U+000A",
    ),
    ("scenario-name-with-c1-control", put("scenarios", "Bull\x85", value={}), "scenarios", "U+0085"),
    (
        "scenario-names-differing-in-case",
        both(put("scenarios", "Bull", value={}), put("scenarios", "bull", value={})),
        "scenarios.bull",
        "'bull' is the name of another scenario ('Bull', in another case)",
    ),
    ("scenario-not-object", put("scenarios", "Bull", value=[1]), "scenarios.Bull", "is not an object"),
    ("scenario-unknown-section", scenario(horizon=5), "scenarios.Bull.horizon", "unknown key"),
    (
        "scenario-unknown-setting",
        scenario(settings={"wac": 0.1}),
        "scenarios.Bull.settings.wac",
        "did you mean 'wacc'?",
    ),
    (
        "scenario-bad-setting",
        scenario(settings={"tax_rate": 1.0}),
        "scenarios.Bull.settings.tax_rate",
        "1 must be below 1",
    ),
    (
        "scenario-bad-driver",
        scenario(drivers={"utilization": [1.0, 1.0, 1.0, 1.4]}),
        "scenarios.Bull.drivers.utilization[3]",
        "1.4 is above 1",
    ),
    (
        "scenario-short-driver",
        scenario(drivers={"utilization": [1.0]}),
        "scenarios.Bull.drivers.utilization",
        "has 1 values",
    ),
    ("scenario-undeclared-capex", scenario(capex={"Racks": [0.0] * H}), "scenarios.Bull.capex.Racks", "unknown key"),
    (
        "scenario-negative-capex",
        scenario(capex={"Servers": [1.0, -1.0, 0.0, 0.0]}),
        "scenarios.Bull.capex.Servers[1]",
        "-1 is below 0",
    ),
    (
        "scenario-undeclared-class",
        scenario(asset_classes={"Racks": {"life": 3}}),
        "scenarios.Bull.asset_classes.Racks",
        "unknown key",
    ),
    (
        "scenario-class-life",
        scenario(asset_classes={"Servers": {"life": 0}}),
        "scenarios.Bull.asset_classes.Servers.life",
        "0 is outside 1..50",
    ),
    (
        "scenario-class-rename",
        scenario(asset_classes={"Servers": {"name": "GPUs"}}),
        "scenarios.Bull.asset_classes.Servers.name",
        "unknown key",
    ),
    (
        "scenario-class-treatment",
        scenario(asset_classes={"R&D": {"treatment": "capitalized"}}),
        "scenarios.Bull.asset_classes.R&D.treatment",
        "a scenario cannot change a treatment",
    ),
    (
        "scenario-gordon-after-applying",
        scenario(settings={"terminal_method": "gordon", "terminal_growth": 0.12}),
        "scenarios.Bull: settings.wacc",
        "must be above terminal_growth (0.12)",
    ),
    (
        "scenario-wacc-breaks-base-gordon",
        both(
            put("settings", "terminal_method", value="gordon"),
            put("settings", "terminal_growth", value=0.03),
            scenario(settings={"wacc": 0.02}),
        ),
        "scenarios.Bull: settings.wacc",
        "0.02 must be above terminal_growth (0.03)",
    ),
    # uncertainty section (docs/model.md section 8)
    ("uncertainty-unknown-key", uncertainty(trails=10), "uncertainty.trails", "did you mean 'trials'?"),
    ("uncertainty-trials", uncertainty(trials=0), "uncertainty.trials", "0 is outside 1..1000000"),
    ("uncertainty-sampler", uncertainty(sampler="sobol"), "uncertainty.sampler", "'sobol' is not random or lhs"),
    ("uncertainty-inputs-not-list", put("uncertainty", value={"inputs": {}}), "uncertainty.inputs", "is not a list"),
    ("input-dist", with_input(dist="beta"), "uncertainty.inputs[0].dist", "'beta' is not one of normal, lognormal"),
    (
        "input-param-missing",
        uncertainty([{"target": "drivers.utilization", "dist": "normal", "mean": 0.0}]),
        "uncertainty.inputs[0].sd",
        "is missing: normal needs mean, sd",
    ),
    ("input-param-misspelt", with_input(std=0.1), "uncertainty.inputs[0].std", "did you mean 'sd'?"),
    ("input-sd-negative", with_input(sd=-0.1), "uncertainty.inputs[0].sd", "-0.1 is below 0"),
    (
        "input-target-kind",
        with_input(target="rates.wacc"),
        "uncertainty.inputs[0].target",
        "the kind must be settings, drivers, capex, life, economic_life or tax_life",
    ),
    (
        "input-target-misspelt",
        with_input(target="settings.wac"),
        "uncertainty.inputs[0].target",
        "did you mean 'settings.wacc'?",
    ),
    (
        "input-target-not-numeric",
        with_input(target="settings.mid_year"),
        "uncertainty.inputs[0].target",
        "is not a numeric input",
    ),
    (
        "input-life-of-expensed",
        with_input(target="life.R&D"),
        "uncertainty.inputs[0].target",
        "names no capitalized asset class",
    ),
    ("input-apply", with_input(apply="multiply"), "uncertainty.inputs[0].apply", "is not set, shift or scale"),
    (
        "input-mode-outside",
        uncertainty([{"target": "settings.wacc", "dist": "pert", "low": 0.08, "mode": 0.2, "high": 0.12}]),
        "uncertainty.inputs[0].mode",
        "low ≤ mode ≤ high is not true",
    ),
    (
        "input-high-below-low",
        uncertainty([{"target": "settings.wacc", "dist": "uniform", "low": 0.12, "high": 0.08}]),
        "uncertainty.inputs[0].high",
        "0.08 is below low",
    ),
    (
        "input-listed-twice",
        uncertainty([UNCERTAIN[1], UNCERTAIN[1]]),
        "uncertainty.inputs[1].target",
        "is listed twice",
    ),
    (
        "correlations-not-psd",
        uncertainty(
            correlations=[
                ["settings.ai_revenue_yield", "drivers.utilization", 0.9],
                ["drivers.utilization", "capex.Servers", 0.9],
                ["settings.ai_revenue_yield", "capex.Servers", -0.9],
            ]
        ),
        "uncertainty.correlations",
        "not positive semi-definite",
    ),
    (
        "correlation-above-one",
        uncertainty(correlations=[["settings.ai_revenue_yield", "drivers.utilization", 1.5]]),
        "uncertainty.correlations[0][2]",
        "1.5 is above 1",
    ),
    (
        "correlation-unknown-target",
        uncertainty(correlations=[["settings.wacc", "drivers.utilization", 0.5]]),
        "uncertainty.correlations[0]",
        "'settings.wacc' is not an uncertain input",
    ),
    (
        "correlation-with-itself",
        uncertainty(correlations=[["drivers.utilization", "drivers.utilization", 0.5]]),
        "uncertainty.correlations[0]",
        "cannot be correlated with itself",
    ),
    (
        "correlation-shape",
        uncertainty(correlations=[["drivers.utilization", "capex.Servers"]]),
        "uncertainty.correlations[0]",
        "is not [target, target, correlation]",
    ),
]


def test_the_base_document_is_valid():
    validate_model(base_doc())
    doc = base_doc()
    uncertainty(correlations=[["settings.ai_revenue_yield", "drivers.utilization", 0.5]])(doc)
    validate_model(doc)


@pytest.mark.parametrize(("change", "path", "rule"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_each_rule_is_refused_naming_the_field(change, path, rule):
    doc = base_doc()
    change(doc)
    before = copy.deepcopy(doc)
    with pytest.raises(ModelError) as caught:
        validate_model(doc)
    error = caught.value
    assert error.path == path
    assert rule in error.rule
    assert str(error) == f"{path}: {error.rule}"
    assert repr(doc) == repr(before)  # the caller's document is untouched (repr: NaN != NaN)


def test_the_documented_example_message():
    doc = base_doc()
    doc["drivers"]["utilization"][3] = 1.4
    with pytest.raises(ModelError, match=r"^drivers\.utilization\[3\]: 1\.4 is above 1$"):
        validate_model(doc)


def test_an_unknown_key_far_from_any_known_one_gets_no_suggestion():
    doc = base_doc()
    doc["zzzzqqq"] = 1
    with pytest.raises(ModelError) as caught:
        validate_model(doc)
    assert caught.value.path == "zzzzqqq"
    assert caught.value.rule == "unknown key"


def test_a_document_that_is_not_an_object_is_refused():
    for doc in ([], "model", 3, None):
        with pytest.raises(ModelError, match="is not an object"):
            validate_model(doc)


# Limits that must be accepted: the rules are as strict as section 3, no stricter.
BOUNDARIES = [
    put("settings", "nwc_pct", value=1.0),
    put("settings", "tax_rate", value=0.0),
    put("settings", "exit_multiple", value=0.0),
    put("settings", "wacc", value=-0.5),
    put("drivers", "utilization", value=[0.0, 1.0, 0.0, 1.0]),
    put("drivers", "core_ebita_margin", value=[-1.0, 1.0, -1.0, 1.0]),
    put("drivers", "core_growth", value=[-0.99, 0.0, 2.0, 0.0]),
    put("drivers", "cloud_market", value=[None, 0, None, 0.0]),
    put("asset_classes", 0, "life", value=50),
    put("asset_classes", 0, "life", value=1),
    put("asset_classes", 0, "life", value=5.0),  # a whole number written as a float
    both(
        put("settings", "terminal_method", value="gordon"),
        put("settings", "wacc", value=0.0301),
        put("settings", "terminal_growth", value=0.03),
    ),
    both(
        put("horizon", value=3),
        *(
            put("drivers", k, value=[0.5] * 3)
            for k in ("core_growth", "core_ebita_margin", "utilization", "price_change")
        ),
        put("drivers", "cloud_market", value=[None] * 3),
        put("capex", "Servers", value=[1.0] * 3),
        put("capex", "R&D", value=[0.0] * 3),
    ),
]


@pytest.mark.parametrize("change", BOUNDARIES)
def test_values_on_the_limits_are_accepted(change):
    doc = base_doc()
    change(doc)
    validate_model(doc)


def test_horizon_30_is_accepted():
    doc = model_doc(30)
    assert validate_model(doc)["horizon"] == 30


def test_defaults_are_filled_in():
    doc = base_doc()
    del doc["settings"]["wacc"]
    model = validate_model(doc)
    assert model["settings"]["wacc"] == 0.10
    assert model["settings"]["mid_year"] is False
    assert model["currency"] == "RMB" and model["unit"] == "bn"
    assert model["asset_classes"][0]["revenue_generating"] is True
    assert model["asset_classes"][1]["revenue_generating"] is False


# --------------------------------------------------------------------------- the file text


def test_duplicate_keys_are_refused():
    text = model_to_json(validate_model(base_doc())).replace('"wacc": 0.1,', '"wacc": 0.1, "wacc": 0.2,', 1)
    assert text.count('"wacc"') >= 2
    with pytest.raises(ModelError) as caught:
        parse_model_json(text)
    assert caught.value.path == "wacc"
    assert caught.value.rule == "appears twice in the same object"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_json_number_literals_are_refused(literal):
    text = model_to_json(validate_model(base_doc())).replace('"wacc": 0.1', f'"wacc": {literal}', 1)
    with pytest.raises(ModelError) as caught:
        parse_model_json(text)
    assert caught.value.rule == f"{literal} is not a number JSON allows"


def test_a_huge_number_that_json_reads_as_infinity_is_refused_by_its_field():
    text = model_to_json(validate_model(base_doc())).replace('"wacc": 0.1', '"wacc": 1e400', 1)
    with pytest.raises(ModelError, match=r"^settings\.wacc: inf is not a finite number$"):
        parse_model_json(text)
    text = model_to_json(validate_model(base_doc())).replace('"version": 2', '"version": 1e400', 1)
    with pytest.raises(ModelError, match=r"^version: inf is not a version number$"):
        parse_model_json(text)


def test_newer_version_in_a_file_is_refused_with_its_number():
    text = model_to_json(validate_model(base_doc())).replace('"version": 2', '"version": 3', 1)
    with pytest.raises(ModelError, match=r"^version: version 3 is newer than this program reads \(2\)$"):
        parse_model_json(text)
