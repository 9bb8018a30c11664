"""Drawing the uncertain inputs of docs/model.md section 8: distributions, samplers and correlation.

Every draw starts as a uniform number in (0, 1) from a ``numpy.random.Generator`` seeded with the
model's seed, so the same seed gives the same trials. Latin hypercube sampling puts exactly one
draw in each of N equal strata per input. Rank correlations are imposed by Iman–Conover, which
only reorders each input's draws: the marginal distributions (and the LHS strata) are untouched.
Finally each uniform is turned into a value by the distribution's inverse CDF, computed from
scipy.special's functions (scipy.stats is not imported: it alone takes about a second).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from model.errors import ModelError
from model.schema import DISTRIBUTIONS


def point_value(entry: Mapping[str, Any]) -> float:
    """The single value of an input whose distribution has no spread (sd, sigma or width 0)."""
    dist = entry["dist"]
    if dist == "normal":
        return float(entry["mean"])
    if dist == "lognormal":
        return float(np.exp(entry["mu"]))
    return float(entry["low"])


def pert_shapes(entry: Mapping[str, Any]) -> tuple[float, float]:
    """The beta shapes of a Beta-PERT with λ = 4 on [low, high]: 1 + 4 (mode − low) / (high − low)
    and 1 + 4 (high − mode) / (high − low)."""
    width = entry["high"] - entry["low"]
    return 1.0 + 4.0 * (entry["mode"] - entry["low"]) / width, 1.0 + 4.0 * (entry["high"] - entry["mode"]) / width


def has_spread(entry: Mapping[str, Any]) -> bool:
    """Whether the input's distribution has any spread (sd, sigma or width above 0)."""
    dist = entry["dist"]
    if dist not in DISTRIBUTIONS:
        raise ModelError("dist", f"{dist!r} is not a known distribution")
    if dist == "normal":
        return bool(entry["sd"] > 0)
    if dist == "lognormal":
        return bool(entry["sigma"] > 0)
    return bool(entry["high"] - entry["low"] > 0)


def inverse_cdf(entry: Mapping[str, Any]) -> Callable[[NDArray[np.float64]], NDArray[np.float64]]:
    """The input's inverse CDF: values at cumulative probabilities.

    Each is the formula of scipy.stats' ``ppf`` for the distribution (loc + scale × the standard
    quantile), computed with the same special functions, so the values are scipy's to the last
    bit (tests/model/test_risk.py holds them to scipy.stats) without importing scipy.stats, which
    would add about a second to the first Monte Carlo of a session.
    """
    if not has_spread(entry):
        value = point_value(entry)
        return lambda probabilities: np.full(np.shape(probabilities), value)
    from scipy import special  # imported here: it adds 0.15 s to the window's start-up

    dist = entry["dist"]
    if dist == "normal":
        mean, sd = entry["mean"], entry["sd"]
        return lambda q: np.asarray(special.ndtri(q) * sd + mean, dtype=float)
    if dist == "lognormal":
        sigma, scale = entry["sigma"], np.exp(entry["mu"])
        return lambda q: np.asarray(np.exp(sigma * special.ndtri(q)) * scale, dtype=float)
    low, width = entry["low"], entry["high"] - entry["low"]
    if dist == "uniform":
        return lambda q: np.asarray(q * width + low, dtype=float)
    if dist == "triangular":
        c = (entry["mode"] - low) / width
        return lambda q: np.where(q < c, np.sqrt(c * q), 1.0 - np.sqrt((1.0 - c) * (1.0 - q))) * width + low
    a, b = pert_shapes(entry)
    return lambda q: np.asarray(special.betaincinv(a, b, q) * width + low, dtype=float)


def mean_and_sd(entry: Mapping[str, Any]) -> tuple[float, float]:
    """The mean and standard deviation of the input's distribution (0 sd without spread)."""
    if not has_spread(entry):
        return point_value(entry), 0.0
    dist = entry["dist"]
    if dist == "normal":
        return float(entry["mean"]), float(entry["sd"])
    if dist == "lognormal":
        mu, variance = entry["mu"], entry["sigma"] ** 2
        return math.exp(mu + variance / 2.0), math.sqrt(math.expm1(variance) * math.exp(2.0 * mu + variance))
    low, high = entry["low"], entry["high"]
    if dist == "uniform":
        return (low + high) / 2.0, (high - low) / math.sqrt(12.0)
    if dist == "triangular":
        mode = entry["mode"]
        variance = (low * low + mode * mode + high * high - low * mode - low * high - mode * high) / 18.0
        return (low + mode + high) / 3.0, math.sqrt(variance)
    a, b = pert_shapes(entry)
    width = high - low
    return low + width * a / (a + b), width * math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1.0)))


def quantiles(entry: Mapping[str, Any], probabilities: NDArray[np.float64]) -> NDArray[np.float64]:
    """The input's values at the given cumulative probabilities."""
    return inverse_cdf(entry)(np.asarray(probabilities, dtype=float))


def uniform_draws(rng: np.random.Generator, trials: int, inputs: int, sampler: str) -> NDArray[np.float64]:
    """(trials, inputs) uniforms in (0, 1); with "lhs" each column has one draw per 1/trials stratum."""
    if sampler == "lhs":
        strata = rng.permuted(np.broadcast_to(np.arange(trials)[:, None], (trials, inputs)), axis=0)
        return (strata + rng.random((trials, inputs))) / trials
    return rng.random((trials, inputs))


def _factor(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
    """A square root F with F F' = matrix for a positive semi-definite matrix."""
    values, vectors = np.linalg.eigh(matrix)
    factor: NDArray[np.float64] = vectors * np.sqrt(np.clip(values, 0.0, None))
    return factor


def iman_conover(
    draws: NDArray[np.float64], target: NDArray[np.float64], rng: np.random.Generator
) -> NDArray[np.float64]:
    """Reorder each column of ``draws`` so their Spearman rank correlations approach ``target``.

    Van der Waerden scores are decorrelated exactly (Cholesky of their sample correlation) and
    recorrelated with a factor of the target; each column of draws then takes the rank order of
    its score column. The target is given as Spearman correlations; the scores are normal, whose
    Pearson correlation 2 sin(π ρ / 6) has Spearman correlation ρ.
    """
    # Inputs correlated with none of the others keep their independent order.
    linked = np.flatnonzero((target != np.eye(len(target))).any(axis=0))
    trials = len(draws)
    if linked.size < 2 or trials <= linked.size:
        return draws
    from scipy import special  # imported here: it adds 0.15 s to the window's start-up

    scores = special.ndtri(np.arange(1, trials + 1) / (trials + 1))
    columns = rng.permuted(np.broadcast_to(scores[:, None], (trials, linked.size)), axis=0)
    pearson = 2.0 * np.sin(np.pi * target[np.ix_(linked, linked)] / 6.0)
    np.fill_diagonal(pearson, 1.0)
    sample = np.linalg.cholesky(np.corrcoef(columns, rowvar=False))
    correlated = columns @ np.linalg.inv(sample).T @ _factor(pearson).T
    # Row i of each column takes the draw whose rank equals the rank of correlated[i].
    order = np.argsort(correlated, axis=0)
    reordered = np.empty((trials, linked.size))
    np.put_along_axis(reordered, order, np.sort(draws[:, linked], axis=0), axis=0)
    out = draws.copy()
    out[:, linked] = reordered
    return out


def correlated_uniforms(correlation: NDArray[np.float64], trials: int, seed: int, sampler: str) -> NDArray[np.float64]:
    """(trials, inputs) uniforms with the rank correlations imposed; the same seed, the same draws."""
    rng = np.random.default_rng(seed)
    return iman_conover(uniform_draws(rng, trials, len(correlation), sampler), correlation, rng)


def values_at(
    inverses: Sequence[Callable[[NDArray[np.float64]], NDArray[np.float64]]], uniforms: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Each input's value at its column of uniforms, (trials, inputs); ``inverses`` from ``inverse_cdf``."""
    return np.column_stack([inverse(uniforms[:, i]) for i, inverse in enumerate(inverses)]).reshape(uniforms.shape)


def sample_values(
    entries: Sequence[Mapping[str, Any]], correlation: NDArray[np.float64], trials: int, seed: int, sampler: str
) -> NDArray[np.float64]:
    """(trials, inputs) values of the uncertain inputs, in input order (see the module docstring)."""
    return values_at([inverse_cdf(e) for e in entries], correlated_uniforms(correlation, trials, seed, sampler))


HALF_WIDTH_IN_SD = {"uniform": math.sqrt(3.0), "triangular": math.sqrt(6.0), "pert": math.sqrt(7.0)}


def with_distribution(entry: Mapping[str, Any], dist: str) -> dict[str, Any]:
    """The input switched to ``dist`` with the same mean and standard deviation.

    Symmetric shapes keep the mean as their mode; a lognormal needs a positive mean.
    """
    mean, sd = mean_and_sd(entry)
    out: dict[str, Any] = {"target": entry["target"], "dist": dist, "apply": entry["apply"]}
    if dist == "normal":
        out.update(mean=mean, sd=sd)
    elif dist == "lognormal":
        if mean <= 0:
            raise ModelError(f"uncertainty.{entry['target']}.dist", "a lognormal needs a positive mean")
        variance = math.log1p((sd / mean) ** 2)
        out.update(mu=math.log(mean) - variance / 2.0, sigma=math.sqrt(variance))
    elif dist in HALF_WIDTH_IN_SD:
        half = HALF_WIDTH_IN_SD[dist] * sd
        out.update(low=mean - half, high=mean + half)
        if dist != "uniform":
            out["mode"] = mean
    else:
        raise ModelError(f"uncertainty.{entry['target']}.dist", f"{dist!r} is not a known distribution")
    # Ten significant digits: what an analyst would type, without binary noise.
    return {k: float(f"{v:.10g}") if isinstance(v, float) else v for k, v in out.items()}
