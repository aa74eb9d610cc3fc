"""The synthetic world: every canonical table, built from potential outcomes with known truth.

>>> from kinerja_research.data.simulate import simulate
>>> study = simulate("tiny", seed=0)
>>> study.meta["synthetic"], study.employees.attrs["synthetic"]
(True, True)
"""

from __future__ import annotations

from typing import Any

from kinerja_research.data.simulate.presets import PRESETS, Params, resolve
from kinerja_research.data.simulate.truth import Truth, compute_truth
from kinerja_research.data.simulate.world import build, describe_params, jatim_regions
from kinerja_research.data.study import Study

__all__ = ["PRESETS", "Params", "Truth", "jatim_regions", "simulate"]


def simulate(preset: str = "jatim", seed: int = 0, **overrides: Any) -> Study:
    """Build a synthetic world with known true effects (docs/guide/architecture.md#the-synthetic-world).

    Mechanisms (all built from potential outcomes with common random numbers):

    1. ``merit_system`` adoption, staggered by region (some never): employees' JPM rises with
       exposure and service units' latent quality rises with exposure (dynamic effect, full
       after ``merit_ramp`` years, no anticipation) → SKM answers u1..u9 → IKM.
    2. ``lelang_kinerja`` performance contracts: a unit whose achievement (mean over its
       indicators of realization/target × 100, inverted when lower is better, no cap) is
       below 100 is punished next period → sharp jump in next-period achievement.
    3. ``tpp_performance`` (performance-based TPP): raises SKP (and slightly service quality).
    4. Kota Malang (3573) alone gets ``reward_punishment`` from ``malang_start`` (2019) → a
       gap in its region-year IKM; it is kept out of the merit and TPP roll-outs.
    5. Placement: an employee is well placed when ``jpm >= 90`` (JPM category Optimal); JPM
       depends on education, sector and position, as does SKP → confounded ATE on ``skp_value``.

    Parameters
    ----------
    preset
        ``"tiny"`` (12 real Jatim regions × 8 units, 2017–2024; for tests and Monte Carlo),
        ``"jatim"`` (the 38 kabupaten/kota of Jawa Timur × 30 units, 2015–2024) or
        ``"national"`` (514 regions × 40 units, about 4.3 million employees in 2021 only).
    seed
        Seed of the random generator; the same seed gives identical tables.
    **overrides
        Any field of :class:`~kinerja_research.data.simulate.presets.Params`:
        ``n_regions``, ``units_per_region``, ``years`` (first, last), ``employee_years``,
        ``employees_per_unit`` (min, max), ``respondents_per_unit`` (min, max), ``blank_rate``,
        ``indicators_per_unit``, ``merit_share``, ``merit_cohorts``, ``merit_effect`` (latent
        quality shift at full exposure), ``merit_ramp``, ``jpm_gain``, ``lelang_share``,
        ``lelang_years``, ``punishment_effect`` (achievement points at 100),
        ``punishment_slope``, ``tpp_share``, ``tpp_cohorts``, ``reward_effect`` (SKP points),
        ``reward_quality_effect``, ``malang_effect``, ``malang_start``, ``placement_effect``
        (mean SKP points), ``placement_heterogeneity``, ``region_pool``.

    Returns
    -------
    Study
        The seven canonical tables (each with ``attrs["synthetic"] = True``), ``truth`` (a
        :class:`Truth`), ``potential_outcomes`` (keys ``merit``, ``reward``, ``reward_ikm``,
        ``punishment``, ``malang``, ``placement``; no NIPs) and ``meta``.

    Raises
    ------
    ValueError
        Unknown preset or override (the valid ones are listed), or an invalid value.

    Examples
    --------
    >>> study = simulate("tiny", seed=3, merit_effect=0.5)
    >>> sorted(study.potential_outcomes)
    ['malang', 'merit', 'placement', 'punishment', 'reward', 'reward_ikm']
    """
    if not isinstance(preset, str):
        raise TypeError(f"preset must be a string, got {type(preset).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    params = resolve(preset, overrides)
    tables, po, placement_period = build(params, seed)
    truth = compute_truth(po, placement_period)
    meta = {
        "synthetic": True, "preset": preset, "seed": seed,
        "overrides": {k: list(v) if isinstance(v, tuple) else v for k, v in overrides.items()},
        "source": "kinerja_research.simulate", "params": describe_params(params),
    }
    return Study(**tables, truth=truth, potential_outcomes=po, meta=meta)
