"""Presets of the synthetic world: every documented knob of :func:`simulate` and its defaults."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

#: Regions of the ``tiny`` preset: a few real Jawa Timur regions, Kota Malang first.
TINY_REGIONS: tuple[str, ...] = (
    "3573", "3507", "3520", "3578", "3515", "3509", "3571", "3525", "3579", "3510", "3504", "3524",
)


@dataclass(frozen=True)
class Params:
    """All parameters of the synthetic world (override any of them by keyword in ``simulate``).

    Effects on service quality are in *latent* units: the standard deviation of a respondent's
    item noise is 1 and answers 1..4 come from fixed thresholds, so a shift of 0.3 moves a
    typical unit's IKM by about 4 points. The truth is always computed from the potential
    outcomes of the units drawn, never copied from these parameters.
    """

    #: Region pool: ``"tiny"`` (12 real Jatim regions incl. Kota Malang), ``"jatim"`` (the 38),
    #: ``"national"`` (Jatim plus synthetic regions in 33 other provinces, 514 in all).
    region_pool: str = "jatim"
    #: Number of regions (Kota Malang, ``"3573"``, is always included); ``None`` = whole pool.
    n_regions: int | None = None
    #: Units (OPD / unit layanan) per region.
    units_per_region: int = 30
    #: First and last year of the unit and region panels (inclusive).
    years: tuple[int, int] = (2015, 2024)
    #: Years with employee rows, inclusive; ``None`` = every year of ``years``.
    employee_years: tuple[int, int] | None = None
    #: Employees per unit, drawn uniformly between the two bounds (inclusive).
    employees_per_unit: tuple[int, int] = (30, 60)
    #: SKM respondents per service unit-year, uniform between the bounds (inclusive).
    respondents_per_unit: tuple[int, int] = (50, 150)
    #: Probability that a survey answer is left blank.
    blank_rate: float = 0.03
    #: Performance indicators per unit-period in ``unit_performance``.
    indicators_per_unit: int = 3
    #: Share of regions (other than Kota Malang) that adopt the merit system.
    merit_share: float = 0.7
    #: Merit adoption years; treated regions are spread over them evenly.
    merit_cohorts: tuple[int, ...] = (2017, 2019, 2021)
    #: Latent service-quality shift of a service unit at full merit exposure.
    merit_effect: float = 0.3
    #: Years of exposure until the merit effect is full (effect = merit_effect * min(e+1, ramp)/ramp).
    merit_ramp: int = 3
    #: Rise of employees' JPM (percentage points) at full merit exposure (the placement channel).
    jpm_gain: float = 6.0
    #: Share of regions with ``lelang_kinerja`` performance contracts (Kota Malang always, from 2019).
    lelang_share: float = 0.6
    #: Start years of lelang_kinerja, spread over the adopting regions.
    lelang_years: tuple[int, ...] = (2016, 2017, 2018, 2019)
    #: Jump in next-period achievement (percentage points) of a punished unit at achievement 100.
    punishment_effect: float = 4.0
    #: Slope of the punishment effect in (achievement - 100), so the jump is smooth in the running variable.
    punishment_slope: float = 0.05
    #: Share of unit-periods below 100 whose punishment is actually imposed (drawn independently
    #: of everything else). 1 is the sharp design; below 1 the design is fuzzy and
    #: ``unit_performance`` gains the treatment-received column ``punished``.
    punishment_compliance: float = 1.0
    #: Share of regions (other than Kota Malang) adopting performance-based TPP.
    tpp_share: float = 0.5
    #: TPP adoption years, spread over the adopting regions.
    tpp_cohorts: tuple[int, ...] = (2018, 2020)
    #: SKP points added to every employee of a region while TPP is in force.
    reward_effect: float = 3.0
    #: Latent service-quality shift of service units while TPP is in force.
    reward_quality_effect: float = 0.05
    #: Latent service-quality shift of Kota Malang's service units under reward_punishment (full).
    malang_effect: float = 0.25
    #: First year of Kota Malang's reward_punishment regime.
    malang_start: int = 2019
    #: Mean SKP points of being well placed (JPM >= 90, category Optimal).
    placement_effect: float = 4.0
    #: Extra SKP points of placement per step of education above S1/D-IV (effect heterogeneity).
    placement_heterogeneity: float = 1.5

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict."""
        return asdict(self)


PRESETS: dict[str, Params] = {
    # tiny: ~2,400 employees a year, so that placement weighting (about 30 dummies per arm)
    # is not in its small-sample regime in the Monte-Carlo coverage checks.
    "tiny": Params(
        region_pool="tiny", n_regions=12, units_per_region=8, years=(2017, 2024),
        employees_per_unit=(20, 30), respondents_per_unit=(20, 35), merit_cohorts=(2019, 2021),
        lelang_share=0.85, lelang_years=(2018, 2019), tpp_cohorts=(2019, 2020),
        # TPP's quality effect is a region-level shock that the unit-clustered merit DiD of the
        # Monte-Carlo coverage checks would wrongly count as noise; off in tiny.
        reward_quality_effect=0.0,
    ),
    "jatim": Params(),
    "national": Params(
        region_pool="national", n_regions=514, units_per_region=40, employee_years=(2021, 2021),
        employees_per_unit=(150, 268), respondents_per_unit=(15, 30),
    ),
}


def resolve(preset: str, overrides: dict[str, Any]) -> Params:
    """The parameters of ``preset`` with ``overrides`` applied, checked.

    Raises
    ------
    ValueError
        For an unknown preset or override key (the valid ones are listed) or a bad value.
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; valid presets: {', '.join(PRESETS)}")
    valid = [f.name for f in fields(Params)]
    unknown = sorted(set(overrides) - set(valid))
    if unknown:
        raise ValueError(
            f"unknown override(s) {', '.join(map(repr, unknown))}; valid overrides: {', '.join(valid)}"
        )
    clean: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    p = replace(PRESETS[preset], **clean)
    _check(p)
    return p


def _check(p: Params) -> None:
    if p.region_pool not in ("tiny", "jatim", "national"):
        raise ValueError("region_pool must be 'tiny', 'jatim' or 'national'")
    y0, y1 = p.years
    if not (1990 <= y0 < y1 <= 2100):
        raise ValueError(f"years must be (first, last) with 1990 <= first < last <= 2100, got {p.years}")
    if p.employee_years is not None:
        e0, e1 = p.employee_years
        if not (y0 <= e0 <= e1 <= y1):
            raise ValueError(f"employee_years {p.employee_years} must lie within years {p.years}")
    for name in ("employees_per_unit", "respondents_per_unit"):
        lo, hi = getattr(p, name)
        if not (1 <= lo <= hi):
            raise ValueError(f"{name} must be (min, max) with 1 <= min <= max, got {(lo, hi)}")
    if p.units_per_region < 2:
        raise ValueError("units_per_region must be at least 2")
    if p.n_regions is not None and p.n_regions < 3:
        raise ValueError("n_regions must be at least 3 (Kota Malang, a never-treated and a treated region)")
    for name in ("merit_cohorts", "lelang_years", "tpp_cohorts"):
        ys = getattr(p, name)
        if not ys or not all(y0 < y <= y1 for y in ys):
            raise ValueError(f"{name} must be non-empty years after {y0} and up to {y1}, got {ys}")
    if not (y0 < p.malang_start <= y1):
        raise ValueError(f"malang_start must be after {y0} and up to {y1}")
    for name in ("merit_share", "lelang_share", "tpp_share", "blank_rate"):
        if not 0 <= getattr(p, name) < 1:
            raise ValueError(f"{name} must be in [0, 1)")
    if p.merit_ramp < 1 or p.indicators_per_unit < 1:
        raise ValueError("merit_ramp and indicators_per_unit must be at least 1")
