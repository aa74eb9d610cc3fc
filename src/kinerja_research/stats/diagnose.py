"""Design diagnosis: simulate a declared design many times and report how it performs.

DeclareDesign's idea (Blair, Cooper, Coppock & Humphreys 2019, *APSR* 113(3)) in Python: a
:class:`Design` names a world (by default a preset of the synthetic world,
:func:`kinerja_research.data.simulate.simulate`), the estimand read from the world's truth and
the estimator call. :func:`diagnose` builds the world ``sims`` times with independent seeds, runs
the estimator on each and summarises bias, RMSE, power, coverage, the mean estimate against the
mean estimand and the minimum detectable effect, each with its Monte-Carlo standard error
(Morris, White & Crowther 2019, *Statistics in Medicine* 38(11), table 6).

Reproducibility: the seed of simulation ``i`` is the ``i``-th child of
``numpy.random.SeedSequence(seed)``, whatever the number of worker processes, and every worker
runs with one BLAS thread, so the results are identical for any ``n_jobs``. Worker processes
come from joblib (loky backend), which sends the design with cloudpickle: estimators and worlds
defined in a notebook or inside a function work in parallel too.
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as _st

from kinerja_research.stats._progress import progress_bar
from kinerja_research.stats._results import Results
from kinerja_research.stats._validate import check_alpha

__all__ = [
    "Design",
    "DiagnosisResults",
    "diagnose",
    "extract_estimate",
    "resolve_truth",
]

#: Columns of :attr:`DiagnosisResults.simulations`, one row per simulation.
SIMULATION_COLUMNS = [
    "sim",
    "world_seed",
    "estimator_seed",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "p_value",
    "estimand",
    "covered",
    "significant",
    "error",
]

#: The diagnosands, in the order of the tidy table.
DIAGNOSANDS = (
    "bias",
    "rmse",
    "power",
    "coverage",
    "mean_estimate",
    "mean_estimand",
    "mean_se",
    "empirical_se",
    "mde",
)


# --------------------------------------------------------------------------------------------
# The declaration
# --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Design:
    """A research design declared for diagnosis: world, estimand, estimator.

    Parameters
    ----------
    estimator
        ``estimator(world)`` or ``estimator(world, seed=...)`` (when it accepts a ``seed``
        keyword it receives an independent integer seed per simulation, for bootstraps and
        cross-fitting). Returns a :class:`~kinerja_research.stats._results.Results` (the row
        ``term`` of its ``tidy()`` is used) or a triple ``(estimate, std_error, (conf_low,
        conf_high))``. Must be a module-level function (or a :func:`functools.partial` of one)
        when ``diagnose`` runs in several processes.
    estimand
        What the estimator targets: a name in the world's ``truth`` (dotted for nested
        entries, e.g. ``"merit_att_simple"``), a callable ``estimand(world) -> float``, or a
        number (``0.0`` for placebo designs).
    preset
        Synthetic-world preset passed to the world builder.
    overrides
        Keyword overrides passed to the world builder (effect sizes, sizes, ...).
    term
        Row of the estimator's tidy table to diagnose; ``None`` takes the only row.
    alpha
        Significance level: intervals are at ``1 - alpha`` and a simulation is significant
        when its interval excludes ``null``.
    null
        Value of the null hypothesis behind ``power`` (default 0: "no effect").
    world
        World builder ``world(preset=..., seed=..., **overrides)``; ``None`` uses
        :func:`kinerja_research.data.simulate.simulate`. Any object with a ``truth`` attribute
        (or a mapping with a ``"truth"`` key) can serve as a world.
    name
        Label printed with the results.

    Examples
    --------
    >>> from kinerja_research.stats.diagnose import Design
    >>> def att(study, seed):  # doctest: +SKIP
    ...     panel = merit_panel(study)
    ...     return staggered_did(panel, "ikm", "unit_id", "period", "cohort",
    ...                          random_state=seed).aggregate("simple")
    >>> design = Design(estimator=att, estimand="merit_att_simple", preset="tiny")  # doctest: +SKIP
    """

    estimator: Callable[..., Any]
    estimand: str | float | Callable[[Any], float]
    preset: str = "tiny"
    overrides: Mapping[str, Any] = field(default_factory=dict)
    term: str | None = None
    alpha: float = 0.05
    null: float = 0.0
    world: Callable[..., Any] | None = None
    name: str | None = None

    def __post_init__(self) -> None:
        if not callable(self.estimator):
            raise TypeError(f"estimator must be callable, got {type(self.estimator).__name__}")
        if not (
            isinstance(self.estimand, str)
            or callable(self.estimand)
            or (isinstance(self.estimand, int | float) and not isinstance(self.estimand, bool))
        ):
            raise TypeError(
                "estimand must be a name in study.truth, a callable world -> float or a number, "
                f"got {type(self.estimand).__name__}"
            )
        if isinstance(self.estimand, str) and not self.estimand.strip():
            raise ValueError("estimand name is empty")
        if not isinstance(self.preset, str):
            raise TypeError(f"preset must be a string, got {type(self.preset).__name__}")
        if not isinstance(self.overrides, Mapping):
            raise TypeError(f"overrides must be a mapping, got {type(self.overrides).__name__}")
        if self.term is not None and not isinstance(self.term, str):
            raise TypeError(f"term must be a string or None, got {type(self.term).__name__}")
        try:
            check_alpha(self.alpha)
        except TypeError as exc:  # a Design reports every bad alpha as a ValueError
            raise ValueError(str(exc)) from None
        if self.world is not None and not callable(self.world):
            raise TypeError(f"world must be callable or None, got {type(self.world).__name__}")
        # a plain dict copy: the caller's mapping may change later, and it must pickle
        object.__setattr__(self, "overrides", dict(self.overrides))

    # -- descriptions used in provenance and display -------------------------------------
    @property
    def estimand_label(self) -> str:
        """The estimand as printed: its truth name, the callable's name or the number."""
        return _label(self.estimand)

    @property
    def estimator_label(self) -> str:
        """Qualified name of the estimator callable."""
        return _label(self.estimator)

    def describe(self) -> dict[str, Any]:
        """A plain-dict description of the design (stored in the results' provenance)."""
        return {
            "name": self.name,
            "world": "kinerja_research.data.simulate.simulate"
            if self.world is None
            else _label(self.world),
            "preset": self.preset,
            "overrides": dict(self.overrides),
            "estimand": self.estimand_label,
            "estimator": self.estimator_label,
            "term": self.term,
            "alpha": float(self.alpha),
            "null": float(self.null),
        }


def _label(obj: Any) -> str:
    if isinstance(obj, str):
        return obj
    if isinstance(obj, int | float):
        return repr(float(obj))
    func = getattr(obj, "func", None)  # functools.partial
    if func is not None:
        return f"partial({_label(func)})"
    mod = getattr(obj, "__module__", None)
    qual = getattr(obj, "__qualname__", None) or type(obj).__name__
    return f"{mod}.{qual}" if mod else qual


# --------------------------------------------------------------------------------------------
# One simulation
# --------------------------------------------------------------------------------------------
def resolve_truth(world: Any, name: str) -> float:
    """Read a scalar true value from a world's ``truth`` by (dotted) name.

    Parameters
    ----------
    world
        A :class:`~kinerja_research.data.study.Study` (or any object with ``truth``, or a
        mapping with a ``"truth"`` key).
    name
        Entry of the truth, ``"a.b"`` for nested entries (mapping keys or attributes).

    Returns
    -------
    float

    Examples
    --------
    >>> resolve_truth({"truth": {"placement_ate": 2.5}}, "placement_ate")
    2.5
    """
    truth = world.get("truth") if isinstance(world, Mapping) else getattr(world, "truth", None)
    if truth is None:
        raise ValueError(
            f"the world has no truth to read estimand {name!r} from (real data?); "
            "give the estimand as a callable or a number"
        )
    value: Any = truth
    walked: list[str] = []
    for part in name.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif not isinstance(value, Mapping) and hasattr(value, part):
            value = getattr(value, part)
        else:
            keys = list(value.keys()) if isinstance(value, Mapping) else [
                k for k in dir(value) if not k.startswith("_")
            ]
            where = ".".join(walked) or "truth"
            raise ValueError(f"{where} has no entry {part!r}; available: {keys}")
        walked.append(part)
    return _as_scalar(value, what=f"truth entry {name!r}")


def _as_scalar(value: Any, *, what: str) -> float:
    arr = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value)
    if arr.size != 1:
        raise ValueError(
            f"{what} is not a single number (shape {arr.shape}); "
            "give the estimand as a callable returning one number"
        )
    try:
        return float(arr.reshape(()))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} is not numeric: {value!r}") from exc


def extract_estimate(
    result: Any, *, term: str | None = None, alpha: float = 0.05
) -> tuple[float, float, float, float, float]:
    """Estimate, standard error, interval and p-value from an estimator's return value.

    Parameters
    ----------
    result
        A :class:`~kinerja_research.stats._results.Results` or a triple
        ``(estimate, std_error, (conf_low, conf_high))``.
    term
        Row of ``result.tidy()`` to use; ``None`` takes the only row.
    alpha
        Must equal ``result.alpha`` for a Results (intervals of another level would make the
        coverage meaningless).

    Returns
    -------
    tuple
        ``(estimate, std_error, conf_low, conf_high, p_value)``; for a triple the p-value is
        the two-sided normal one of ``estimate / std_error``.

    Examples
    --------
    >>> est, se, low, high, p = extract_estimate((1.0, 0.5, (0.02, 1.98)))
    >>> round(p, 4)
    0.0455
    """
    if isinstance(result, Results):
        if not math.isclose(result.alpha, alpha):
            raise ValueError(
                f"the estimator returned {1 - result.alpha:.0%} intervals but the design's alpha "
                f"is {alpha}; pass alpha={alpha} to the estimator or set Design(alpha=...)"
            )
        tidy = result.tidy()
        if term is None:
            if len(tidy) != 1:
                raise ValueError(
                    f"the estimator returned {len(tidy)} terms {list(tidy['term'])}; "
                    "choose one with Design(term=...)"
                )
            row = tidy.iloc[0]
        else:
            rows = tidy[tidy["term"].astype(str) == term]
            if len(rows) != 1:
                raise ValueError(
                    f"term {term!r} matches {len(rows)} rows; terms are {list(tidy['term'])}"
                )
            row = rows.iloc[0]
        return (
            float(row["estimate"]),
            float(row["std_error"]),
            float(row["conf_low"]),
            float(row["conf_high"]),
            float(row["p_value"]),
        )
    if isinstance(result, tuple | list) and len(result) == 3:
        est, se, ci = result
        if not (isinstance(ci, Sequence | np.ndarray) and len(ci) == 2):
            raise TypeError("the third element of the triple must be (conf_low, conf_high)")
        est_f, se_f = float(est), float(se)
        p = float(2 * _st.norm.sf(abs(est_f / se_f))) if se_f > 0 else float("nan")
        return est_f, se_f, float(ci[0]), float(ci[1]), p
    raise TypeError(
        "the estimator must return a Results object or (estimate, std_error, (low, high)), "
        f"got {type(result).__name__}"
    )


def _accepts_seed(func: Callable[..., Any]) -> bool:
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return False
    p = params.get("seed")
    return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)


def _build_world(design: Design, seed: int) -> Any:
    if design.world is not None:
        return design.world(preset=design.preset, seed=seed, **design.overrides)
    from kinerja_research.data.simulate import simulate  # built by another module; lazy

    return simulate(preset=design.preset, seed=seed, **design.overrides)


def _estimand_value(design: Design, world: Any) -> float:
    e = design.estimand
    if isinstance(e, str):
        return resolve_truth(world, e)
    if callable(e):
        return _as_scalar(e(world), what="the estimand callable's value")
    return float(e)


def _one_simulation(
    design: Design, sim: int, world_seed: int, estimator_seed: int, errors: str
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "sim": sim,
        "world_seed": world_seed,
        "estimator_seed": estimator_seed,
    }
    try:
        world = _build_world(design, world_seed)
        estimand = _estimand_value(design, world)
        if _accepts_seed(design.estimator):
            out = design.estimator(world, seed=estimator_seed)
        else:
            out = design.estimator(world)
        est, se, lo, hi, p = extract_estimate(out, term=design.term, alpha=float(design.alpha))
    except Exception as exc:  # noqa: BLE001 - recorded per simulation when asked to
        if errors == "raise":
            raise RuntimeError(
                f"simulation {sim} (world seed {world_seed}, estimator seed {estimator_seed}) "
                f"failed: {type(exc).__name__}: {exc}"
            ) from exc
        nan = float("nan")
        record.update(
            estimate=nan, std_error=nan, conf_low=nan, conf_high=nan, p_value=nan,
            estimand=nan, error=f"{type(exc).__name__}: {exc}",
        )
        return record
    record.update(
        estimate=est, std_error=se, conf_low=lo, conf_high=hi, p_value=p,
        estimand=estimand, error=None,
    )
    return record


def _blas_one_thread() -> AbstractContextManager[Any]:
    """One BLAS/OpenMP thread: no oversubscription and the same arithmetic in every process."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn depends on threadpoolctl
        return nullcontext()
    return threadpool_limits(limits=1)


def _run_chunk(
    design: Design, items: list[tuple[int, int, int]], errors: str
) -> list[dict[str, Any]]:
    with _blas_one_thread():
        return [_one_simulation(design, i, ws, es, errors) for i, ws, es in items]


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------
def _seeds(seed: int | np.random.SeedSequence, sims: int) -> list[tuple[int, int, int]]:
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    items = []
    for i, child in enumerate(root.spawn(sims)):
        world_ss, est_ss = child.spawn(2)
        # 32-bit integers: every world builder and estimator accepts them (RandomState too)
        items.append(
            (i, int(world_ss.generate_state(1)[0]), int(est_ss.generate_state(1)[0]))
        )
    return items


def diagnose(
    design: Design,
    *,
    sims: int = 500,
    seed: int | np.random.SeedSequence = 0,
    n_jobs: int | None = None,
    chunksize: int | None = None,
    mde_power: float = 0.8,
    errors: Literal["raise", "record"] = "raise",
    progress: bool = True,
) -> DiagnosisResults:
    """Simulate a declared design ``sims`` times and report its diagnosands.

    Parameters
    ----------
    design
        The declared :class:`Design`.
    sims
        Number of simulated worlds (each with its own seed).
    seed
        Root of the :class:`numpy.random.SeedSequence`; simulation ``i`` uses its ``i``-th
        child, split into a world seed and an estimator seed.
    n_jobs
        Worker processes; ``None`` or ``-1`` uses ``os.cpu_count()``, ``1`` runs in this
        process. Results do not depend on it.
    chunksize
        Simulations per task sent to a worker; ``None`` picks about eight tasks per worker.
    mde_power
        Power at which the minimum detectable effect is computed.
    errors
        ``"raise"`` stops at the first failing simulation; ``"record"`` keeps going, stores the
        error message in :attr:`DiagnosisResults.simulations` and computes the diagnosands
        from the simulations that succeeded (their number is ``n_ok`` in the tidy table).
    progress
        Show a rich progress bar.

    Returns
    -------
    DiagnosisResults
        Tidy rows ``bias``, ``rmse``, ``power``, ``coverage``, ``mean_estimate``,
        ``mean_estimand``, ``mean_se``, ``empirical_se`` and ``mde``; ``std_error`` is the
        Monte-Carlo standard error of each.

    Notes
    -----
    With estimates :math:`\\hat\\theta_i`, estimands :math:`\\theta_i`, standard errors
    :math:`s_i` and intervals :math:`[l_i, u_i]` over :math:`n` simulations:
    bias :math:`= \\overline{\\hat\\theta - \\theta}`; RMSE
    :math:`= \\sqrt{\\overline{(\\hat\\theta - \\theta)^2}}` (MCSE by the delta method);
    coverage :math:`= \\overline{1\\{l_i \\le \\theta_i \\le u_i\\}}`; power
    :math:`= \\overline{1\\{\\text{null} \\notin [l_i, u_i]\\}}`; proportions have MCSE
    :math:`\\sqrt{p(1-p)/n}`; empirical SE is the standard deviation of the estimates
    (MCSE :math:`\\mathrm{sd}/\\sqrt{2(n-1)}`). The minimum detectable effect is
    :math:`(z_{1-\\alpha/2} + z_{\\text{mde\\_power}}) \\times \\bar s` (Bloom 1995,
    *Evaluation Review* 19(5)): the smallest true effect that a two-sided level-:math:`\\alpha`
    test with this average standard error detects with probability ``mde_power``. Its
    statistic and p-value columns test bias against 0 and coverage against
    :math:`1 - \\alpha`; the other rows have none.

    Examples
    --------
    >>> import numpy as np
    >>> def world(*, preset, seed, mu=0.3, n=50):
    ...     y = np.random.default_rng(seed).normal(mu, 1.0, n)
    ...     return {"y": y, "truth": {"mean": mu}}
    >>> def mean_z(w):
    ...     m, se = w["y"].mean(), 1 / np.sqrt(len(w["y"]))
    ...     return m, se, (m - 1.959964 * se, m + 1.959964 * se)
    >>> d = Design(estimator=mean_z, estimand="mean", world=world)
    >>> res = diagnose(d, sims=200, seed=1, n_jobs=1, progress=False)
    >>> round(res.coef["coverage"], 2)  # doctest: +SKIP
    0.95
    """
    if not isinstance(design, Design):
        raise TypeError(f"design must be a Design, got {type(design).__name__}")
    if isinstance(sims, bool) or not isinstance(sims, int | np.integer) or sims < 2:
        raise ValueError(f"sims must be an integer of at least 2, got {sims!r}")
    if not isinstance(seed, int | np.integer | np.random.SeedSequence) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer or a SeedSequence, got {type(seed).__name__}")
    if n_jobs is not None and (
        isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or (n_jobs < 1 and n_jobs != -1)
    ):
        raise ValueError(f"n_jobs must be None, -1 or a positive integer, got {n_jobs!r}")
    if chunksize is not None and (not isinstance(chunksize, int) or chunksize < 1):
        raise ValueError(f"chunksize must be a positive integer, got {chunksize!r}")
    if not 0 < mde_power < 1:
        raise ValueError(f"mde_power must be strictly between 0 and 1, got {mde_power!r}")
    if errors not in ("raise", "record"):
        raise ValueError(f"errors must be 'raise' or 'record', got {errors!r}")

    sims = int(sims)
    items = _seeds(seed, sims)
    workers = (os.cpu_count() or 1) if n_jobs in (None, -1) else int(n_jobs)
    workers = max(1, min(workers, sims))
    if chunksize is None:
        chunksize = max(1, math.ceil(sims / (8 * workers)))
    chunks = [items[i : i + chunksize] for i in range(0, sims, chunksize)]
    workers = min(workers, len(chunks))

    records: list[dict[str, Any]] = []
    label = f"diagnose {design.name or design.estimand_label}"
    with progress_bar(bool(progress), sims, label) as advance:
        if workers == 1:
            for chunk in chunks:
                records.extend(_run_chunk(design, chunk, errors))
                advance(len(chunk))
        else:
            # joblib's loky workers receive the design through cloudpickle (functions defined
            # in a notebook or inside another function travel by value) and run with one BLAS
            # thread, as the in-process path does: the same numbers for any n_jobs
            from joblib import Parallel, delayed, parallel_config

            with parallel_config(backend="loky", inner_max_num_threads=1):
                results = Parallel(n_jobs=workers, return_as="generator_unordered")(
                    delayed(_run_chunk)(design, c, errors) for c in chunks
                )
                for part in results:
                    records.extend(part)
                    advance(len(part))
    records.sort(key=lambda r: r["sim"])
    return DiagnosisResults._from_records(
        records, design=design, seed=seed, sims=sims, n_jobs=workers, mde_power=mde_power
    )


# --------------------------------------------------------------------------------------------
# The results
# --------------------------------------------------------------------------------------------
def _diagnosands(
    sim: pd.DataFrame, *, alpha: float, mde_power: float
) -> pd.DataFrame:
    est = sim["estimate"].to_numpy(float)
    truth = sim["estimand"].to_numpy(float)
    se = sim["std_error"].to_numpy(float)
    covered = sim["covered"].to_numpy(float)
    signif = sim["significant"].to_numpy(float)
    n = len(est)
    err = est - truth

    def mean_mcse(x: np.ndarray) -> tuple[float, float]:
        if np.ptp(x) == 0:  # a constant (e.g. a fixed estimand): exactly no Monte-Carlo error
            return float(x[0]), 0.0
        return float(np.mean(x)), float(np.std(x, ddof=1) / np.sqrt(n))

    def prop_mcse(x: np.ndarray) -> tuple[float, float]:
        p = float(np.mean(x))
        return p, float(np.sqrt(p * (1 - p) / n))

    bias, bias_se = mean_mcse(err)
    mse, mse_se = mean_mcse(err**2)
    rmse = float(np.sqrt(mse))
    # delta method: Var(sqrt(M)) ≈ Var(M) / (4 M)  (Morris et al. 2019, table 6)
    rmse_se = mse_se / (2 * rmse) if rmse > 0 else float("nan")
    power, power_se = prop_mcse(signif)
    coverage, coverage_se = prop_mcse(covered)
    mean_est, mean_est_se = mean_mcse(est)
    mean_truth, mean_truth_se = mean_mcse(truth)
    mean_se, mean_se_se = mean_mcse(se)
    emp_se = float(np.std(est, ddof=1))
    emp_se_se = emp_se / np.sqrt(2 * (n - 1))
    mde_factor = float(_st.norm.ppf(1 - alpha / 2) + _st.norm.ppf(mde_power))

    values = {
        "bias": (bias, bias_se, 0.0),
        "rmse": (rmse, rmse_se, np.nan),
        "power": (power, power_se, np.nan),
        "coverage": (coverage, coverage_se, 1 - alpha),
        "mean_estimate": (mean_est, mean_est_se, np.nan),
        "mean_estimand": (mean_truth, mean_truth_se, np.nan),
        "mean_se": (mean_se, mean_se_se, np.nan),
        "empirical_se": (emp_se, emp_se_se, np.nan),
        "mde": (mde_factor * mean_se, mde_factor * mean_se_se, np.nan),
    }
    z = _st.norm.ppf(1 - alpha / 2)
    rows = []
    for term in DIAGNOSANDS:
        value, mcse, null = values[term]
        # no test where there is no null, or no Monte-Carlo variation to scale by
        stat = (value - null) / mcse if np.isfinite(null) and mcse > 0 else np.nan
        p = 2 * _st.norm.sf(abs(stat)) if np.isfinite(stat) else np.nan
        rows.append({
            "term": term,
            "estimate": value,
            "std_error": mcse,
            "statistic": stat,
            "p_value": p,
            "conf_low": value - z * mcse,
            "conf_high": value + z * mcse,
            "null": null,
            "n_ok": n,
        })
    return pd.DataFrame(rows)


class DiagnosisResults(Results):
    """Diagnosands of a simulated design, with Monte-Carlo standard errors.

    ``tidy()`` has one row per diagnosand (``bias``, ``rmse``, ``power``, ``coverage``,
    ``mean_estimate``, ``mean_estimand``, ``mean_se``, ``empirical_se``, ``mde``):
    ``estimate`` is the diagnosand, ``std_error`` its Monte-Carlo standard error, the
    interval its Monte-Carlo interval at ``1 - alpha``, and ``statistic``/``p_value`` test
    ``null`` (0 for bias, ``1 - alpha`` for coverage). :attr:`simulations` holds one row per
    simulation (estimates, intervals, estimands, seeds; never data rows).

    Examples
    --------
    >>> res = diagnose(design, sims=500, seed=0)  # doctest: +SKIP
    >>> res.coef["coverage"], res.se["coverage"]  # doctest: +SKIP
    """

    method = "design diagnosis (Monte-Carlo simulation)"

    @classmethod
    def _from_records(
        cls,
        records: list[dict[str, Any]],
        *,
        design: Design,
        seed: int | np.random.SeedSequence,
        sims: int,
        n_jobs: int,
        mde_power: float,
    ) -> DiagnosisResults:
        alpha = float(design.alpha)
        sim = pd.DataFrame.from_records(records)
        for col in ("estimate", "std_error", "conf_low", "conf_high", "p_value", "estimand"):
            sim[col] = sim[col].astype(float)
        ok = sim["error"].isna().to_numpy() & np.isfinite(sim["estimate"].to_numpy(float))
        lo, hi = sim["conf_low"].to_numpy(float), sim["conf_high"].to_numpy(float)
        truth = sim["estimand"].to_numpy(float)
        sim["covered"] = pd.array(
            np.where(ok, (lo <= truth) & (truth <= hi), False), dtype="boolean"
        )
        sim["significant"] = pd.array(
            np.where(ok, (design.null < lo) | (design.null > hi), False), dtype="boolean"
        )
        sim.loc[~ok, ["covered", "significant"]] = pd.NA
        sim["error"] = sim["error"].astype("string")
        sim = sim[SIMULATION_COLUMNS]
        good = sim[ok]
        if len(good) < 2:
            first = sim["error"].dropna()
            raise RuntimeError(
                f"only {len(good)} of {sims} simulations succeeded; first error: "
                f"{first.iloc[0] if len(first) else 'non-finite estimates'}"
            )
        tidy = _diagnosands(good, alpha=alpha, mde_power=mde_power)
        seed_repr: Any = int(seed) if isinstance(seed, int | np.integer) else repr(seed)
        provenance = {
            "method": cls.method,
            "estimand": design.estimand_label,
            "design": design.describe(),
            "variance": "Monte-Carlo standard errors over simulations (Morris et al. 2019)",
            "seed": seed_repr,
            "sims": sims,
            "n_ok": int(ok.sum()),
            "n_failed": int((~ok).sum()),
            "n_jobs": n_jobs,
            "mde_power": mde_power,
            "seed_scheme": "SeedSequence(seed).spawn(sims)[i].spawn(2) -> world, estimator",
        }
        return cls(
            tidy=tidy, provenance=provenance, alpha=alpha,
            extra={"simulations": sim},
        )

    @property
    def simulations(self) -> pd.DataFrame:
        """One row per simulation: seeds, estimate, SE, interval, estimand, covered, significant."""
        return self._get_extra("simulations")

    @property
    def design(self) -> Mapping[str, Any]:
        """The design's description (as stored in provenance)."""
        return MappingProxyType(dict(self._provenance["design"]))

    def _header_lines(self) -> list[str]:
        lines = super()._header_lines()
        d = self._provenance["design"]
        p = self._provenance
        lines[1:1] = [
            f"  design: {d['name'] or d['estimator']} on {d['world']}(preset={d['preset']!r})",
            f"  simulations: {p['n_ok']} of {p['sims']} succeeded",
        ]
        return lines

    def plot(self, ax: Any = None) -> Any:
        """Sampling distribution of the estimates against the estimand; returns the figure."""
        import matplotlib.pyplot as plt

        sim = self._get_extra("simulations")
        est = sim["estimate"].to_numpy(float)
        est = est[np.isfinite(est)]
        if ax is None:
            fig, ax = plt.subplots(figsize=(6, 3.5))
        else:
            fig = ax.figure
        ax.hist(est, bins=min(50, max(10, len(est) // 10)), color="#8da0cb", edgecolor="white")
        coef = self.coef
        ax.axvline(coef["mean_estimand"], color="black", lw=1.5, label="mean estimand")
        ax.axvline(coef["mean_estimate"], color="#d95f02", ls="--", lw=1.5, label="mean estimate")
        ax.set_xlabel("estimate")
        ax.set_ylabel("simulations")
        d = self._provenance["design"]
        ax.set_title(
            f"{d['name'] or d['estimand']}: bias {coef['bias']:.3g}, "
            f"coverage {coef['coverage']:.1%}, power {coef['power']:.1%}"
        )
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig
