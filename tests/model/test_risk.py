"""Risk analysis (docs/model.md section 8) checked against recomputing the model by hand."""

from __future__ import annotations

import copy
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from model import ModelError, compute, risk, validate_model
from model.edits import SetUncertainty, apply_edit
from model.engine import plan_arrays
from model.risk.sampling import (
    correlated_uniforms,
    inverse_cdf,
    mean_and_sd,
    sample_values,
    uniform_draws,
    with_distribution,
)
from model.schema import DEFAULT_APPLY, NUMERIC_SETTINGS, REQUIRED_DRIVERS
from tests.factories import model_doc

ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------- by hand


def apply_by_hand(model: dict, target: str, value: float, apply: str | None = None) -> dict:
    """The model document with one value applied as section 8 says, validated again."""
    doc = copy.deepcopy(model)
    kind, _, key = target.partition(".")
    mode = apply or DEFAULT_APPLY[kind]

    def moved(current: float) -> float:
        return {"set": value, "shift": current + value, "scale": current * value}[mode]

    if kind == "settings":
        doc["settings"][key] = moved(doc["settings"][key])
    elif kind == "drivers":
        doc["drivers"][key] = [moved(v) for v in doc["drivers"][key]]
    elif kind == "capex":
        doc["capex"][key] = [moved(v) for v in doc["capex"][key]]
    else:
        cls = next(c for c in doc["asset_classes"] if c["name"] == key)
        cls["life"] = max(1, math.floor(moved(cls["life"]) + 0.5))
    doc["drivers"]["utilization"] = [min(max(v, 0.0), 1.0) for v in doc["drivers"]["utilization"]]
    return validate_model(doc)


def kpi_by_hand(model: dict, changes: list[tuple[str, float, str | None]], metric: str = "npv") -> float:
    for target, value, apply in changes:
        model = apply_by_hand(model, target, value, apply)
    result = compute(model).kpis[metric]
    return np.nan if result is None else result


def with_uncertainty(model: dict, inputs: list[dict], correlations: list | None = None, **section) -> dict:
    doc = copy.deepcopy(model)
    doc["uncertainty"] = {"inputs": inputs, "correlations": correlations or [], **section}
    doc["sources"] = {k: v for k, v in doc["sources"].items() if not k.startswith("uncertainty.")}
    return validate_model(doc)


SERVERS = "AI servers & accelerators"


# --------------------------------------------------------------------------- Monte Carlo


def test_zero_spread_gives_exactly_the_deterministic_npv(v1_model):
    inputs = [
        {"target": "drivers.utilization", "dist": "normal", "mean": 0.0, "sd": 0.0},
        {"target": f"capex.{SERVERS}", "dist": "lognormal", "mu": 0.0, "sigma": 0.0},
        {"target": "settings.ai_revenue_yield", "dist": "triangular", "low": 0.6, "mode": 0.6, "high": 0.6},
        {"target": f"life.{SERVERS}", "dist": "pert", "low": 5, "mode": 5, "high": 5},
        {"target": "settings.wacc", "dist": "uniform", "low": 0.1, "high": 0.1},
    ]
    model = with_uncertainty(v1_model, inputs, trials=300)
    deterministic = compute(model)
    run = risk.monte_carlo(model)
    assert run.invalid_trials == 0
    # The same engine code; a batch sums its vintages through BLAS, in another order: equal to
    # the last bits, not bit for bit.
    assert run.samples["npv"].to_numpy() == pytest.approx(deterministic.kpis["npv"], rel=1e-12)
    assert run.samples["irr"].to_numpy() == pytest.approx(deterministic.kpis["irr"], abs=1e-12)
    assert run.statistics.loc["npv", "sd"] == pytest.approx(0.0, abs=1e-12)
    assert run.statistics.loc["npv", "p5"] == pytest.approx(deterministic.kpis["npv"], rel=1e-12)
    assert run.statistics.loc["npv", "p95"] == pytest.approx(deterministic.kpis["npv"], rel=1e-12)
    for line in risk.FAN_LINES:
        for p in risk.FAN_PERCENTILES:
            np.testing.assert_allclose(run.fans[line].loc[p].to_numpy(), deterministic.line(line), rtol=1e-12)


DISTRIBUTIONS = [
    ({"dist": "normal", "mean": 0.3, "sd": 0.2}, 0.3, 0.2**2),
    (
        {"dist": "lognormal", "mu": 0.1, "sigma": 0.25},
        math.exp(0.1 + 0.25**2 / 2),
        (math.exp(0.25**2) - 1) * math.exp(0.2 + 0.25**2),
    ),
    ({"dist": "triangular", "low": 1.0, "mode": 2.0, "high": 4.0}, 7 / 3, (1 + 4 + 16 - 2 - 4 - 8) / 18),
    # Beta-PERT with λ = 4: mean (a + 4m + b) / 6, variance (mean − a)(b − mean) / 7.
    ({"dist": "pert", "low": 0.0, "mode": 4.0, "high": 6.0}, 22 / 6, (22 / 6) * (6 - 22 / 6) / 7),
    ({"dist": "uniform", "low": -1.0, "high": 3.0}, 1.0, 16 / 12),
]


@pytest.mark.parametrize("sampler", ["random", "lhs"])
@pytest.mark.parametrize(("entry", "mean", "variance"), DISTRIBUTIONS, ids=[d[0]["dist"] for d in DISTRIBUTIONS])
def test_sample_moments_match_theory(entry, mean, variance, sampler):
    n = 40_000
    values = sample_values([entry], np.eye(1), n, seed=11, sampler=sampler)[:, 0]
    # Five standard errors of the mean; the variance within 5 % (its standard error here is < 1.5 %).
    assert values.mean() == pytest.approx(mean, abs=5 * math.sqrt(variance / n))
    assert values.var(ddof=1) == pytest.approx(variance, rel=0.05)


def test_latin_hypercube_puts_one_draw_in_each_stratum():
    n = 1_000
    draws = uniform_draws(np.random.default_rng(3), n, 4, "lhs")
    for column in draws.T:
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))
    # Imposing correlations only reorders the draws, so the strata survive it.
    target = np.array([[1.0, 0.6, 0.0, 0.0], [0.6, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -0.4], [0.0, 0.0, -0.4, 1.0]])
    for column in correlated_uniforms(target, n, 3, "lhs").T:
        assert sorted(np.floor(column * n).astype(int)) == list(range(n))


@pytest.mark.parametrize("sampler", ["random", "lhs"])
def test_imposed_rank_correlations_are_reached(sampler):
    target = np.array([[1.0, 0.5, -0.3, 0.0], [0.5, 1.0, 0.2, 0.8], [-0.3, 0.2, 1.0, 0.0], [0.0, 0.8, 0.0, 1.0]])
    draws = correlated_uniforms(target, 10_000, 5, sampler)
    reached = stats.spearmanr(draws).statistic
    assert np.abs(reached - target).max() < 0.05


def test_v1_model_reaches_its_correlation(v1_model):
    run = risk.monte_carlo(v1_model, trials=10_000)
    reached = stats.spearmanr(run.samples["settings.ai_revenue_yield"], run.samples["drivers.utilization"]).statistic
    assert reached == pytest.approx(0.5, abs=0.05)


def test_inconsistent_correlations_are_refused(v1_model):
    inputs = [
        {"target": f"settings.{k}", "dist": "uniform", "low": 0.1, "high": 0.2} for k in ("wacc", "tax_rate", "nwc_pct")
    ]
    bad = [["settings.wacc", "settings.tax_rate", 0.9], ["settings.wacc", "settings.nwc_pct", 0.9],
           ["settings.tax_rate", "settings.nwc_pct", -0.9]]  # fmt: skip
    with pytest.raises(ModelError, match="positive semi-definite"):
        with_uncertainty(v1_model, inputs, bad)


def test_each_trial_is_the_model_recomputed_by_hand(v1_model):
    run = risk.monte_carlo(v1_model, trials=2_000, seed=42)
    entries = v1_model["uncertainty"]["inputs"]
    assert run.samples[f"life.{SERVERS}"].round().nunique() == 3  # lives differ between trials
    for trial in run.samples.index[:: len(run.samples) // 12]:
        row = run.samples.loc[trial]
        changes = [(e["target"], row[e["target"]], e["apply"]) for e in entries]
        assert row["npv"] == pytest.approx(kpi_by_hand(v1_model, changes), rel=1e-12, abs=1e-9)
        assert row["irr"] == pytest.approx(kpi_by_hand(v1_model, changes, "irr"), abs=1e-9)


def test_statistics_are_those_of_the_trials(v1_model):
    run = risk.monte_carlo(v1_model, trials=3_000)
    npv = run.samples["npv"].to_numpy()
    assert run.statistics.loc["npv", "mean"] == pytest.approx(npv.mean())
    assert run.statistics.loc["npv", "p10"] == pytest.approx(np.percentile(npv, 10))
    assert run.prob_npv_positive == pytest.approx((npv > 0).mean())
    assert run.convergence["trials"].iloc[-1] == run.valid_trials
    assert run.convergence["mean"].iloc[-1] == pytest.approx(npv.mean())
    assert list(run.fans["fcf"].columns) == compute(v1_model).years


def test_same_seed_same_results(v1_model):
    first = risk.monte_carlo(v1_model, trials=12_000, seed=7)
    again = risk.monte_carlo(v1_model, trials=12_000, seed=7)
    other = risk.monte_carlo(v1_model, trials=12_000, seed=8)
    assert first.samples.equals(again.samples)
    assert first.to_json() == again.to_json()
    assert not first.samples.equals(other.samples)


def test_invalid_trials_are_counted_not_dropped(v1_model):
    doc = copy.deepcopy(v1_model)
    doc["settings"]["terminal_method"] = "gordon"
    inputs = [{"target": "settings.wacc", "dist": "normal", "mean": 0.06, "sd": 0.04}]
    model = with_uncertainty(validate_model(doc), inputs, trials=5_000, seed=1, sampler="random")
    run = risk.monte_carlo(model)
    wacc = sample_values(inputs, np.eye(1), 5_000, 1, "random")[:, 0]
    expected_invalid = int((wacc <= model["settings"]["terminal_growth"]).sum())
    assert expected_invalid > 0
    assert run.invalid_trials == expected_invalid
    assert run.valid_trials == len(run.samples) == 5_000 - expected_invalid
    assert run.to_json()["invalid_trials"] == expected_invalid


def test_left_out_trials_are_counted_by_the_rule_they_break(v1_model):
    """Each left-out trial is counted under the first rule it breaks: a tax rate of 1 or more
    (section 3) before the Gordon terminal value's wacc above terminal growth."""
    doc = copy.deepcopy(v1_model)
    doc["settings"]["terminal_method"] = "gordon"
    inputs = [
        {"target": "settings.wacc", "dist": "normal", "mean": 0.06, "sd": 0.04},
        {"target": "settings.tax_rate", "dist": "normal", "mean": 0.8, "sd": 0.2},
    ]
    model = with_uncertainty(validate_model(doc), inputs, trials=5_000, seed=3, sampler="random")
    run = risk.monte_carlo(model)
    wacc, tax = sample_values(inputs, np.eye(2), 5_000, 3, "random").T
    bad_tax = (tax < 0) | (tax >= 1)
    bad_gordon = ~bad_tax & (wacc <= model["settings"]["terminal_growth"])
    expected = {
        "settings.tax_rate is outside its range": int(bad_tax.sum()),
        "the Gordon terminal value needs wacc above terminal_growth": int(bad_gordon.sum()),
    }
    assert min(expected.values()) > 0
    assert run.invalid_by_rule == expected
    assert list(run.invalid_by_rule.values()) == sorted(expected.values(), reverse=True)  # most frequent first
    assert sum(run.invalid_by_rule.values()) == run.invalid_trials
    assert run.to_json()["invalid_by_rule"] == expected


def test_a_run_without_left_out_trials_counts_no_rule(v1_model):
    inputs = [{"target": "settings.wacc", "dist": "normal", "mean": 0.1, "sd": 0.0}]
    run = risk.monte_carlo(with_uncertainty(v1_model, inputs, trials=50, seed=1, sampler="random"))
    assert run.invalid_trials == 0
    assert run.to_json()["invalid_by_rule"] == {}


def test_a_run_can_be_cancelled_between_chunks(v1_model):
    seen = []

    def progress(done, total):
        seen.append(done)
        return len(seen) < 2

    with pytest.raises(risk.RunCancelled):
        risk.monte_carlo(v1_model, trials=risk.CHUNK_TRIALS * 4, progress=progress)
    assert seen == [risk.CHUNK_TRIALS, 2 * risk.CHUNK_TRIALS]


def test_no_uncertain_inputs_is_a_clear_error():
    with pytest.raises(ModelError, match="no uncertain inputs"):
        risk.monte_carlo(validate_model(model_doc()))


# --------------------------------------------------------------------------- applying values


def test_lives_round_to_whole_years_and_utilization_is_clipped(v1_model):
    plan = plan_arrays(v1_model)
    life = risk.Target.parse(v1_model, f"life.{SERVERS}")
    utilization = risk.Target.parse(v1_model, "drivers.utilization")
    batch, valid = risk.apply_values(plan, [life, utilization], np.array([[4.5, 0.5], [0.2, -2.0], [60.0, 0.0]]))
    # Rounded half up and kept in the range of docs/model.md section 3 (1..50 years).
    assert batch.lives[:, 0].tolist() == [5, 1, 50]
    # The class gives no economic or tax life of its own, so both follow the book life.
    assert batch.economic_lives[:, 0].tolist() == batch.tax_lives[:, 0].tolist() == [5, 1, 50]
    assert batch.drivers["utilization"][0].max() == 1.0
    assert batch.drivers["utilization"][1].max() == 0.0
    assert valid.tolist() == [True, True, True]


def test_an_economic_or_tax_life_target_moves_only_its_own_life(v1_model):
    plan = plan_arrays(v1_model)
    targets = [risk.Target.parse(v1_model, f"{kind}.{SERVERS}") for kind in ("economic_life", "tax_life")]
    batch, valid = risk.apply_values(plan, targets, np.array([[3.5, 0.2], [-1.0, 70.0]]))
    assert batch.economic_lives[:, 0].tolist() == [4, 1]
    assert batch.tax_lives[:, 0].tolist() == [0, 50]  # a tax life of 0 deducts the cost at once
    assert (batch.lives[..., 0] == plan.lives[0]).all()
    assert valid.all()


# --------------------------------------------------------------------------- tornado, grid, breakeven


def test_tornado_agrees_with_recomputing_by_hand(v1_model):
    result = risk.tornado(v1_model)
    assert result.basis == "P10/P90"
    assert result.base_npv == pytest.approx(compute(v1_model).kpis["npv"], rel=1e-12)
    swings = result.table["swing"].to_numpy()
    assert (swings[:-1] >= swings[1:]).all()
    for row in result.table.itertuples():
        assert row.npv_low == pytest.approx(kpi_by_hand(v1_model, [(row.target, row.low, row.apply)]), rel=1e-12)
        assert row.npv_high == pytest.approx(kpi_by_hand(v1_model, [(row.target, row.high, row.apply)]), rel=1e-12)
    wacc = result.table.set_index("target").loc["settings.wacc"]
    entry = next(e for e in v1_model["uncertainty"]["inputs"] if e["target"] == "settings.wacc")
    assert wacc["low"] == pytest.approx(stats.triang(0.5, loc=entry["low"], scale=0.02).ppf(0.1))


def test_tornado_without_uncertainty_moves_every_input_ten_percent(v1_model):
    doc = copy.deepcopy(v1_model)
    doc["uncertainty"] = None
    doc["sources"] = {k: v for k, v in doc["sources"].items() if not k.startswith("uncertainty.")}
    model = validate_model(doc)
    result = risk.tornado(model)
    assert result.basis == "0.9x/1.1x"
    # Every numeric setting but the shares and the FX rate (they change no return), every driver
    # the model gives but the market size, every capex class (docs/model.md section 8).
    settings = [key for key in NUMERIC_SETTINGS if key not in ("shares_outstanding", "fx_rmb_per_usd")]
    assert len(result.table) == len(settings) + len(REQUIRED_DRIVERS) + len(model["capex"])
    assert not {"settings.shares_outstanding", "settings.fx_rmb_per_usd"} & set(result.table["target"])
    for row in result.table.head(6).itertuples():
        assert (row.low, row.high, row.apply) == (0.9, 1.1, "scale")
        assert row.npv_high == pytest.approx(kpi_by_hand(model, [(row.target, 1.1, "scale")]), rel=1e-12)


@pytest.mark.parametrize("metric", ["npv", "irr"])
def test_grid_agrees_with_recomputing_by_hand(v1_model, metric):
    xs, ys = [0.08, 0.10, 0.12], [-0.1, 0.0, 0.05]
    result = risk.grid(v1_model, ("settings.wacc", xs), ("drivers.utilization", ys), metric)
    assert result.table.shape == (3, 3)
    for y in ys:
        for x in xs:
            expected = kpi_by_hand(v1_model, [("settings.wacc", x, None), ("drivers.utilization", y, None)], metric)
            assert result.table.loc[y, x] == pytest.approx(expected, rel=1e-12, abs=1e-12)
    assert result.to_json()["values"][1][1] == pytest.approx(result.table.loc[0.0, 0.10])


def test_grid_cells_that_break_a_rule_are_empty(v1_model):
    result = risk.grid(v1_model, ("settings.tax_rate", [0.2, 1.2]), ("settings.wacc", [0.1]))
    assert np.isfinite(result.table.loc[0.1, 0.2])
    assert np.isnan(result.table.loc[0.1, 1.2])
    assert result.to_json()["values"][0][1] is None


def test_breakeven_npv_zero_agrees_with_recomputing_by_hand(v1_model):
    result = risk.breakeven(v1_model, "settings.ai_revenue_yield", "npv", 0.0, 0.3, 1.0)
    assert 0.3 < result.value < 1.0
    assert kpi_by_hand(v1_model, [("settings.ai_revenue_yield", result.value, None)]) == pytest.approx(0, abs=1e-9)
    assert result.kpis["npv"] == pytest.approx(0, abs=1e-9)
    assert result.kpis["irr"] == pytest.approx(v1_model["settings"]["wacc"], abs=1e-9)


def test_breakeven_irr_goal(v1_model):
    result = risk.breakeven(v1_model, "drivers.price_change", "irr", 0.12, -0.1, 0.1)
    assert kpi_by_hand(v1_model, [("drivers.price_change", result.value, None)], "irr") == pytest.approx(0.12, abs=1e-9)


def test_breakeven_out_of_range_is_an_answer(v1_model):
    result = risk.breakeven(v1_model, "settings.ai_revenue_yield", "npv", 0.0, 0.1, 0.3)
    assert result.value is None
    assert result.message == "not reachable in this range"
    assert result.to_json()["reachable"] is False


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m: risk.grid(m, ("settings.wacc", [0.1]), ("settings.wacc", [0.1])), "must differ"),
        (lambda m: risk.grid(m, ("settings.wac", [0.1]), ("drivers.utilization", [0])), "did you mean"),
        (lambda m: risk.breakeven(m, "settings.wacc", "npv", 0, 0.2, 0.1), "LO < HI"),
        (lambda m: risk.breakeven(m, "settings.wacc", "moic", 1, 0.1, 0.2), "npv or irr"),
        (lambda m: risk.breakeven(m, "settings.tax_rate", "npv", 0, 1.5, 2.0), "breaks a rule"),
    ],
)
def test_bad_requests_are_clear_errors(v1_model, call, message):
    with pytest.raises(ModelError, match=message):
        call(v1_model)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("settings.wacc=0.08,0.1", ("settings.wacc", [0.08, 0.1])),
        ("capex.A=B=1", ("capex.A=B", [1.0])),
        ("settings.wacc=8%,10%, 12.5 %", ("settings.wacc", [0.08, 0.1, 0.125])),
        ("drivers.utilization=-5%,0,0.05", ("drivers.utilization", [-0.05, 0.0, 0.05])),
    ],
)
def test_axis_text(text, expected):
    assert risk.parse_axis(text, "--x") == expected


@pytest.mark.parametrize(
    "text", ["settings.wacc", "settings.wacc=", "settings.wacc=a,b", "=1,2", "x=nan", "x=%", "x=10%%"]
)
def test_bad_axis_text(text):
    with pytest.raises(ModelError, match="--x"):
        risk.parse_axis(text, "--x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("settings.wacc=8%,abc,12%", "--x: 'abc' in '8%,abc,12%' is not a number"),
        ("settings.wacc=0.1,,0.2", "--x: '' in '0.1,,0.2' is not a number"),
        ("settings.wacc=0.1,inf", "--x: 'inf' in '0.1,inf' is not a finite number"),
    ],
)
def test_a_bad_value_is_named_in_the_error(text, message):
    with pytest.raises(ModelError) as error:
        risk.parse_axis(text, "--x")
    assert str(error.value) == message


def test_goal_and_range_text():
    assert risk.parse_goal("npv=0") == ("npv", 0.0)
    assert risk.parse_goal("irr=0.12") == ("irr", 0.12)
    assert risk.parse_goal("irr=12%") == ("irr", 0.12)
    assert risk.parse_range("-0.2,0.1") == (-0.2, 0.1)
    assert risk.parse_range("30%,90%") == (0.3, 0.9)
    for bad in ("moic=1", "npv", "irr=0.1,0.2"):
        with pytest.raises(ModelError):
            risk.parse_goal(bad)
    with pytest.raises(ModelError):
        risk.parse_range("1")
    with pytest.raises(ModelError, match="range: no values: type them separated by commas"):
        risk.parse_range("  ")
    assert risk.parse_numbers("8%, 0.1,12%", "columns") == [0.08, 0.1, 0.12]


# --------------------------------------------------------------------------- editing the uncertain inputs


def scipy_distribution(entry: dict):
    """The scipy.stats distribution of an input: the reference the sampler's own formulas meet."""
    if entry["dist"] == "normal":
        return stats.norm(entry["mean"], entry["sd"])
    if entry["dist"] == "lognormal":
        return stats.lognorm(entry["sigma"], scale=np.exp(entry["mu"]))
    low, width = entry["low"], entry["high"] - entry["low"]
    if entry["dist"] == "uniform":
        return stats.uniform(low, width)
    if entry["dist"] == "triangular":
        return stats.triang((entry["mode"] - low) / width, loc=low, scale=width)
    a = 1.0 + 4.0 * (entry["mode"] - low) / width
    b = 1.0 + 4.0 * (entry["high"] - entry["mode"]) / width
    return stats.beta(a, b, loc=low, scale=width)


REFERENCE_ENTRIES = [
    {"dist": "normal", "mean": 0.1, "sd": 0.02},
    {"dist": "normal", "mean": -3.0, "sd": 40.0},
    {"dist": "lognormal", "mu": 0.2, "sigma": 0.4},
    {"dist": "lognormal", "mu": -2.0, "sigma": 1.5},
    {"dist": "uniform", "low": -0.2, "high": 0.05},
    {"dist": "triangular", "low": 0.08, "mode": 0.1, "high": 0.13},
    {"dist": "triangular", "low": 0.0, "mode": 0.0, "high": 1.0},
    {"dist": "triangular", "low": -5.0, "mode": 2.0, "high": 2.0},
    {"dist": "pert", "low": 0.08, "mode": 0.1, "high": 0.13},
    {"dist": "pert", "low": 0.0, "mode": 0.5, "high": 1.0},
    {"dist": "pert", "low": 10.0, "mode": 10.0, "high": 30.0},
    {"dist": "pert", "low": 10.0, "mode": 29.999, "high": 30.0},
]


@pytest.mark.parametrize("entry", REFERENCE_ENTRIES, ids=lambda e: "-".join(str(v) for v in e.values()))
def test_inverse_cdfs_are_scipy_stats_ppf_to_the_last_bit(entry):
    rng = np.random.default_rng(11)
    probabilities = np.concatenate([[0.0, 1.0, 0.5, 2.0**-53, 1.0 - 2.0**-53, 1e-12], rng.random(20_000)])
    ours = inverse_cdf(entry)(probabilities)
    reference = scipy_distribution(entry).ppf(probabilities)
    np.testing.assert_array_equal(ours, reference)


@pytest.mark.parametrize("entry", REFERENCE_ENTRIES, ids=lambda e: "-".join(str(v) for v in e.values()))
def test_mean_and_sd_are_scipy_stats(entry):
    reference = scipy_distribution(entry)
    mean, sd = mean_and_sd(entry)
    assert mean == pytest.approx(reference.mean(), rel=1e-13, abs=1e-15)
    assert sd == pytest.approx(reference.std(), rel=1e-12)


@pytest.mark.parametrize("dist", ["normal", "lognormal", "uniform", "triangular", "pert"])
def test_an_input_without_spread_is_its_point_value(dist):
    entry = {"normal": {"mean": 0.3, "sd": 0.0}, "lognormal": {"mu": 0.0, "sigma": 0.0}}.get(
        dist, {"low": 0.3, "mode": 0.3, "high": 0.3}
    )
    value = 1.0 if dist == "lognormal" else 0.3
    assert inverse_cdf({"dist": dist, **entry})(np.array([0.1, 0.9])).tolist() == [value, value]
    assert mean_and_sd({"dist": dist, **entry}) == (value, 0.0)


def test_the_first_monte_carlo_does_not_import_scipy_stats():
    """scipy.stats alone takes about a second to import: the sampler works without it."""
    script = (
        "import sys\n"
        "from model import load_model, risk\n"
        "from resources import bundled_model_path\n"
        "risk.monte_carlo(load_model(bundled_model_path()), trials=500)\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("dist", ["normal", "lognormal", "uniform", "triangular", "pert"])
def test_switching_distribution_keeps_mean_and_sd(dist):
    entry = {"target": "settings.wacc", "dist": "triangular", "apply": "set", "low": 0.08, "mode": 0.1, "high": 0.13}
    before = scipy_distribution(entry)
    after = scipy_distribution(with_distribution(entry, dist))
    assert after.mean() == pytest.approx(before.mean(), rel=1e-8)
    assert after.std() == pytest.approx(before.std(), rel=1e-8)


def test_a_lognormal_needs_a_positive_mean():
    entry = {"target": "drivers.utilization", "dist": "normal", "apply": "shift", "mean": 0.0, "sd": 0.05}
    with pytest.raises(ModelError, match="positive mean"):
        with_distribution(entry, "lognormal")


def test_the_uncertainty_section_is_edited_and_undone_as_one_record(v1_model):
    section = copy.deepcopy(v1_model["uncertainty"])
    section["inputs"][0]["high"] = 0.8
    edited, inverse = apply_edit(v1_model, SetUncertainty(section), "Bull")
    assert edited["uncertainty"]["inputs"][0]["high"] == 0.8
    assert "uncertainty" not in edited["scenarios"]["Bull"]  # the section belongs to the model
    restored, _ = apply_edit(edited, inverse)
    assert restored["uncertainty"] == v1_model["uncertainty"]
    section["inputs"][0]["high"] = 0.5  # below the mode
    with pytest.raises(ModelError, match=r"uncertainty.inputs\[0\]"):
        apply_edit(v1_model, SetUncertainty(section))


def test_target_paths_name_every_movable_input(v1_model):
    paths = risk.target_paths(v1_model)
    assert "settings.wacc" in paths and f"life.{SERVERS}" in paths and f"capex.{SERVERS}" in paths
    assert "life.Model training & chip R&D" not in paths  # expensed: no life
    for path in paths:
        risk.Target.parse(v1_model, path)


# --------------------------------------------------------------------------- version 2: the calibration in every trial


def test_every_monte_carlo_trial_of_the_bundled_model_reproduces_its_calibration(bundled_model):
    """The calibration is solved in every trial (docs/model.md section 8): each trial's FY2026
    revenue and margin equal the reported figures, whatever the trial moved."""
    targets = {target["line"]: target for target in bundled_model["calibration"]}
    run = risk.monte_carlo(bundled_model, trials=400, seed=11)
    assert run.valid_trials > 0
    assert set(targets) == {"total_revenue", "ebita_margin"}
    for line, target in targets.items():  # p10, p50 and p90 of the line in the calibration year
        assert np.allclose(run.fans[line][target["year"]], target["value"], rtol=0, atol=1e-9), line


def test_the_bundled_model_leaves_out_trials_whose_margin_calibration_cannot_be_solved(bundled_model):
    """The figure docs/risk.md gives: at seed 7, 2,515 of 20,000 trials (12.7 %) are left out, every
    one because the FY2026 EBITA-margin calibration would need a negative AI cash opex rate."""
    run = risk.monte_carlo(bundled_model, trials=20_000, seed=7)
    rule = "the calibration of ebita_margin 2026 needs a negative AI cash opex rate"
    assert run.invalid_trials == 2_515
    assert run.invalid_by_rule == {rule: 2_515}


def test_a_calibrated_setting_is_refused_as_a_target_by_name(bundled_model):
    solved = bundled_model["calibration"][0]["solve"]
    with pytest.raises(ModelError, match="is solved by the calibration"):
        risk.Target.parse(bundled_model, solved)
    assert solved not in risk.target_paths(bundled_model)
