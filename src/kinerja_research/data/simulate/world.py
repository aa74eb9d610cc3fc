"""The generator of the synthetic world: tables built from potential outcomes (docs/guide/architecture.md#the-synthetic-world).

Everything is vectorized with NumPy over regions, units, unit-years, respondents and employees;
the only Python loops run over years (at most a few dozen) and over the nine SKM items.
Column dtypes follow the data contract (``kinerja_research.data.schemas``).
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from kinerja_research.data.schemas import CATEGORIES
from kinerja_research.data.simulate.presets import TINY_REGIONS, Params

MALANG = "3573"
#: Last year appraised as a 0–100 ``skp_value``; from 2022 on Permenpan 6/2022 ratings are used.
LAST_SKP_VALUE_YEAR = 2021
#: SKM answer thresholds on the latent scale (answer = 1 + number of thresholds exceeded).
THRESHOLDS = (-2.0, -1.0, 0.5)
#: Baseline latent service quality: with the thresholds above, IKM is about 84 (band B).
Q0 = 0.35
#: Persistence of unit achievement from one period to the next.
ACHIEVEMENT_RHO = 0.5

#: BPS codes of the 33 provinces other than Jawa Timur (35), for the national pool.
OTHER_PROVINCES = (
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "36",
    "51", "52", "53", "61", "62", "63", "64", "65", "71", "72", "73", "74", "75", "76", "81",
    "82", "91", "92",
)
SECTORS = CATEGORIES["sector"]
#: Sectors that serve the public directly and run an SKM survey.
SERVICE_SECTORS = frozenset(
    {"pendidikan", "kesehatan", "kependudukan", "perizinan", "sosial", "perhubungan", "kecamatan"}
)
SECTOR_PROB = np.array(
    [0.10, 0.10, 0.04, 0.04, 0.06, 0.05, 0.05, 0.05, 0.30, 0.04, 0.03, 0.03, 0.03, 0.03, 0.05]
)
SECTOR_LABEL = {
    "pendidikan": "Dinas Pendidikan", "kesehatan": "Puskesmas", "kependudukan": "Dispendukcapil",
    "perizinan": "DPMPTSP", "pekerjaan_umum": "Dinas PUPR", "sosial": "Dinas Sosial",
    "perhubungan": "Dinas Perhubungan", "lingkungan": "Dinas Lingkungan Hidup",
    "kecamatan": "Kecamatan", "keuangan": "BPKAD", "perencanaan": "Bappeda",
    "kepegawaian": "BKPSDM", "inspektorat": "Inspektorat", "sekretariat": "Sekretariat Daerah",
    "lainnya": "Badan",
}
# Effects of the unit's sector on JPM and SKP: they confound placement (docs/guide/architecture.md#the-synthetic-world).
SECTOR_JPM = np.array([2, 3, 0, 1, -1, -2, -2, 0, -3, 2, 2, 1, 1, 0, -2], dtype=float)
SECTOR_SKP = np.array([1, 1.5, 0, 0.5, -1, -0.5, -1, 0, -1.5, 1, 1, 0.5, 0.5, 0, -1])

POSITIONS = CATEGORIES["position_type"]  # jpt, administrator, pengawas, fungsional, pelaksana
POSITION_PROB = np.array([0.01, 0.05, 0.10, 0.42, 0.42])
POSITION_JPM = np.array([3, 2, 1, 1, -1], dtype=float)
EDUCATION = CATEGORIES["education_level"]  # s3, s2, s1_d4, d3, d1_d2_slta, sltp
EDUCATION_PROB = np.array([0.01, 0.11, 0.55, 0.12, 0.20, 0.01])
EDUCATION_JPM = np.array([8, 5, 2, -1, -4, -6], dtype=float)
EDUCATION_SKP = np.array([2, 1.5, 1, 0, -1, -2])
#: Steps of education relative to S1/D-IV, scaling the heterogeneity of the placement effect.
EDUCATION_STEP = np.array([2, 1, 0, -1, -1, -2], dtype=float)


# -------------------------------------------------------------------------------------------
# helpers
# -------------------------------------------------------------------------------------------
def _strings(values: pa.Array) -> pd.Series:
    """An Arrow string array as a pandas ``string`` Series (no per-element Python objects)."""
    return pd.Series(pd.arrays.ArrowStringArray(values.cast(pa.string())))


def _padded(ints: np.ndarray, width: int, prefix: str = "") -> pa.Array:
    """Zero-padded decimal text of non-negative integers, with an optional prefix, vectorized."""
    s = pc.utf8_lpad(pa.array(np.asarray(ints, dtype=np.int64)).cast(pa.string()), width, "0")
    if prefix:
        s = pc.binary_join_element_wise(pa.scalar(prefix), s, "")
    return s


def _cat(codes: np.ndarray, column: str) -> pd.Categorical:
    return pd.Categorical.from_codes(
        np.asarray(codes, dtype=np.int8), dtype=pd.CategoricalDtype(list(CATEGORIES[column]))
    )


def _int(values: np.ndarray) -> pd.arrays.IntegerArray:
    return pd.array(np.asarray(values, dtype=np.int64), dtype="Int64")


def _bool(values: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.array(np.asarray(values, dtype=bool), dtype="boolean")


def _synthetic(df: pd.DataFrame) -> pd.DataFrame:
    df.attrs["synthetic"] = True
    return df


def _ramp(exposure: np.ndarray, ramp: int) -> np.ndarray:
    """Dynamic effect profile: 1/ramp in the first treated year, full after ``ramp`` years."""
    return np.where(exposure >= 0, np.minimum(exposure + 1, ramp) / ramp, 0.0)


def _spread(rng: np.random.Generator, n_pool: int, share: float, levels: tuple[int, ...],
            *, min_treated: int, min_untreated: int) -> np.ndarray:
    """Assign ``round(share * n_pool)`` randomly chosen items to ``levels`` in turn; 0 = never."""
    n = int(round(share * n_pool))
    n = max(min(n, n_pool - min_untreated), min(min_treated, n_pool - min_untreated), 0)
    out = np.zeros(n_pool, dtype=np.int64)
    chosen = rng.permutation(n_pool)[:n]
    out[chosen] = np.asarray(levels, dtype=np.int64)[np.arange(n) % len(levels)]
    return out


# -------------------------------------------------------------------------------------------
# regions
# -------------------------------------------------------------------------------------------
def jatim_regions() -> pd.DataFrame:
    """The 38 kabupaten/kota of Jawa Timur with their BPS codes (package data)."""
    path = resources.files("kinerja_research.data") / "regions_jatim.csv"
    with resources.as_file(path) as p:
        return pd.read_csv(p, comment="#", dtype=str)


def _region_pool(kind: str) -> pd.DataFrame:
    jatim = jatim_regions()
    if kind == "tiny":
        return jatim.set_index("region_id").loc[list(TINY_REGIONS)].reset_index()
    # Kota Malang first so that any n_regions keeps the synthetic-control case.
    jatim = pd.concat([jatim[jatim.region_id == MALANG], jatim[jatim.region_id != MALANG]])
    if kind == "jatim":
        return jatim.reset_index(drop=True)
    n_other = 514 - len(jatim)
    per = np.full(len(OTHER_PROVINCES), n_other // len(OTHER_PROVINCES))
    per[: n_other % len(OTHER_PROVINCES)] += 1
    prov = np.repeat(np.array(OTHER_PROVINCES), per)
    k = np.concatenate([np.arange(m) for m in per])
    n_kota = np.repeat(np.maximum(per // 5, 1), per)
    is_kota = k >= per.repeat(per) - n_kota
    num = np.where(is_kota, 71 + (k - (per.repeat(per) - n_kota)), k + 1)
    codes = np.char.add(prov, np.char.zfill(num.astype(str), 2))
    kind_arr = np.where(is_kota, "kota", "kabupaten")
    names = np.char.add(np.where(is_kota, "Kota Sintetis ", "Kabupaten Sintetis "), codes)
    other = pd.DataFrame({"region_id": codes, "name": names, "kind": kind_arr, "province_id": prov})
    return pd.concat([jatim, other.astype(str)], ignore_index=True)


# -------------------------------------------------------------------------------------------
# the survey: IKM from latent quality with common random numbers
# -------------------------------------------------------------------------------------------
class _Survey:
    """Respondent noise drawn once; answers and IKM under any latent quality (CRN)."""

    def __init__(self, rng: np.random.Generator, n_resp_per_cell: np.ndarray, blank_rate: float):
        self.n_cells = len(n_resp_per_cell)
        self.cell = np.repeat(np.arange(self.n_cells), n_resp_per_cell)
        n = len(self.cell)
        # A respondent's general leniency plus item-specific noise: total sd about 1.1.
        self.noise = (
            rng.normal(0, 0.5, size=(n, 1)) + rng.normal(0, 1.0, size=(n, 9))
        ).astype(np.float32)
        self.filled = rng.random((n, 9)) >= blank_rate
        self.counts = np.stack(
            [np.bincount(self.cell, weights=self.filled[:, j], minlength=self.n_cells)
             for j in range(9)], axis=1,
        )

    def answers(self, q_cell: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Answers 1..4 (int8; blanks not applied) of the respondents in ``rows``."""
        noise = self.noise if rows is None else self.noise[rows]
        cell = self.cell if rows is None else self.cell[rows]
        x = noise + q_cell[cell].astype(np.float32)[:, None]
        ans = np.ones(x.shape, dtype=np.int8)
        for c in THRESHOLDS:
            ans += x > c
        return ans

    def ikm(self, q_cell: np.ndarray, cells: np.ndarray | None = None) -> np.ndarray:
        """IKM (Permenpan 14/2017, exact 1/9 weights) per cell; NaN outside ``cells``."""
        rows = None if cells is None else np.flatnonzero(np.isin(self.cell, cells))
        ans = self.answers(q_cell, rows)
        cell = self.cell if rows is None else self.cell[rows]
        filled = self.filled if rows is None else self.filled[rows]
        sums = np.stack(
            [np.bincount(cell, weights=ans[:, j] * filled[:, j], minlength=self.n_cells)
             for j in range(9)], axis=1,
        )
        with np.errstate(invalid="ignore", divide="ignore"):
            nrr = sums / self.counts  # NRR per unsur: sum / answers filled for that unsur
        out = 25.0 * np.nanmean(np.where(self.counts > 0, nrr, np.nan), axis=1)
        if cells is not None:
            mask = np.zeros(self.n_cells, dtype=bool)
            mask[cells] = True
            out[~mask] = np.nan
        return out


# -------------------------------------------------------------------------------------------
# the world
# -------------------------------------------------------------------------------------------
def build(p: Params, seed: int) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame], int]:
    """Build the canonical tables and the potential-outcome tables.

    Returns
    -------
    tables, potential_outcomes, placement_period
    """
    ss = np.random.SeedSequence(seed)
    (r_pol, r_unit, r_q, r_skm, r_perf, r_emp, r_nip, r_inst) = (
        np.random.default_rng(s) for s in ss.spawn(8)
    )
    years = np.arange(p.years[0], p.years[1] + 1)
    T = len(years)

    # ---- regions and region-level policies ----------------------------------------------
    pool = _region_pool(p.region_pool)
    n_reg = len(pool) if p.n_regions is None else p.n_regions
    if n_reg > len(pool):
        raise ValueError(f"n_regions={n_reg} exceeds the {len(pool)} regions of the {p.region_pool!r} pool")
    regions = pool.iloc[:n_reg].sort_values("region_id").reset_index(drop=True)
    R = len(regions)
    region_ids = regions.region_id.to_numpy(dtype=str)
    malang = region_ids == MALANG
    others = np.flatnonzero(~malang)
    merit_g = np.zeros(R, dtype=np.int64)
    lelang_s = np.zeros(R, dtype=np.int64)
    tpp_g = np.zeros(R, dtype=np.int64)
    # Kota Malang is kept out of the merit and TPP designs, so that its synthetic-control gap
    # isolates the reward_punishment regime; it runs lelang kinerja from malang_start (as in 2019).
    merit_g[others] = _spread(r_pol, len(others), p.merit_share, p.merit_cohorts,
                              min_treated=2, min_untreated=min(2, len(others) - 2))
    lelang_s[others] = _spread(r_pol, len(others), p.lelang_share, p.lelang_years,
                               min_treated=1, min_untreated=0)
    lelang_s[malang] = p.malang_start
    tpp_g[others] = _spread(r_pol, len(others), p.tpp_share, p.tpp_cohorts,
                            min_treated=1, min_untreated=1)

    # ---- units --------------------------------------------------------------------------
    U = p.units_per_region
    n_units = R * U
    u_reg = np.repeat(np.arange(R), U)
    u_k = np.tile(np.arange(U), R)
    sector = r_unit.choice(len(SECTORS), size=n_units, p=SECTOR_PROB / SECTOR_PROB.sum())
    # Every region has a secretariat (not a service unit) and at least one kecamatan (service).
    sector[u_k == 0] = SECTORS.index("sekretariat")
    sector[u_k == 1] = SECTORS.index("kecamatan")
    service_sectors = np.array([s in SERVICE_SECTORS for s in SECTORS])
    is_service = service_sectors[sector]
    unit_id_arr = pc.binary_join_element_wise(
        pa.array(region_ids[u_reg]), _padded(u_k + 1, 3), "-"
    )
    sector_labels = np.array([SECTOR_LABEL[s] for s in SECTORS])
    unit_names = np.char.add(
        np.char.add(sector_labels[sector], " "),
        np.char.add(np.char.zfill((u_k + 1).astype(str), 2),
                    np.char.add(" ", regions.name.to_numpy(dtype=str)[u_reg])),
    )
    units = _synthetic(pd.DataFrame({
        "unit_id": _strings(unit_id_arr),
        "region_id": _strings(pa.array(region_ids[u_reg])),
        "name": _strings(pa.array(unit_names)),
        "sector": _cat(sector, "sector"),
        "is_service_unit": _bool(is_service),
    }))

    # ---- latent service quality per unit-year -------------------------------------------
    yr = years[None, :]
    region_re = r_q.normal(0, 0.12, R)
    region_re[malang] = np.clip(region_re[malang], -0.05, 0.05)  # Malang inside the donors' hull
    unit_re = r_q.normal(0, 0.2, n_units)
    year_fx = r_q.normal(0, 0.03, T) + 0.015 * (years - years[0])
    q_base = (Q0 + region_re[u_reg][:, None] + unit_re[:, None] + year_fx[None, :]
              + r_q.normal(0, 0.06, (n_units, T)))
    g_u = merit_g[u_reg][:, None]
    merit_delta = np.where(g_u > 0, p.merit_effect * _ramp(yr - g_u, p.merit_ramp), 0.0)
    tpp_u = tpp_g[u_reg][:, None]
    tpp_on = (tpp_u > 0) & (yr >= tpp_u)
    tpp_delta = p.reward_quality_effect * tpp_on
    malang_delta = np.where(
        malang[u_reg][:, None], p.malang_effect * _ramp(yr - p.malang_start, p.merit_ramp), 0.0
    )
    q_obs = q_base + merit_delta + tpp_delta + malang_delta

    # ---- SKM survey ---------------------------------------------------------------------
    svc = np.flatnonzero(is_service)
    cell_u = np.repeat(svc, T)  # cells: service unit-years, unit-major
    cell_t = np.tile(np.arange(T), len(svc))
    lo, hi = p.respondents_per_unit
    n_resp = r_skm.integers(lo, hi + 1, size=len(cell_u))
    survey = _Survey(r_skm, n_resp, p.blank_rate)
    q_cell = q_obs[cell_u, cell_t]
    ans = survey.answers(q_cell)
    skm = {
        "response_id": _strings(_padded(np.arange(len(survey.cell)) + 1, 8, "R")),
        "unit_id": _strings(unit_id_arr.take(pa.array(cell_u[survey.cell]))),
        "period": _int(years[cell_t[survey.cell]]),
    }
    for j in range(9):
        skm[f"u{j + 1}"] = pd.arrays.IntegerArray(ans[:, j].astype(np.int64), ~survey.filled[:, j])
    skm_responses = _synthetic(pd.DataFrame(skm))

    ikm_obs = survey.ikm(q_cell)
    cell_g = merit_g[u_reg[cell_u]]
    cell_year = years[cell_t]
    merit_post = np.flatnonzero((cell_g > 0) & (cell_year >= cell_g))
    ikm_merit0 = ikm_obs.copy()
    ikm_merit0[merit_post] = survey.ikm(q_cell - merit_delta[cell_u, cell_t], merit_post)[merit_post]
    cell_tpp = tpp_g[u_reg[cell_u]]
    tpp_post = np.flatnonzero((cell_tpp > 0) & (cell_year >= cell_tpp))
    ikm_tpp0 = ikm_obs.copy()
    ikm_tpp0[tpp_post] = survey.ikm(q_cell - tpp_delta[cell_u, cell_t], tpp_post)[tpp_post]
    malang_cells = np.flatnonzero(malang[u_reg[cell_u]])
    ikm_malang0 = ikm_obs.copy()
    if len(malang_cells):
        ikm_malang0[malang_cells] = survey.ikm(
            q_cell - malang_delta[cell_u, cell_t], malang_cells
        )[malang_cells]

    cell_unit_ids = _strings(unit_id_arr.take(pa.array(cell_u)))
    cell_region_ids = _strings(pa.array(region_ids[u_reg[cell_u]]))
    po: dict[str, pd.DataFrame] = {}
    merit_treated = (cell_g > 0) & (cell_year >= cell_g)
    po["merit"] = pd.DataFrame({
        "unit_id": cell_unit_ids, "region_id": cell_region_ids, "period": cell_year,
        "cohort": cell_g, "treated": merit_treated,
        "ikm0": ikm_merit0, "ikm1": np.where(cell_g > 0, ikm_obs, np.nan), "ikm": ikm_obs,
    })
    po["reward_ikm"] = pd.DataFrame({
        "unit_id": cell_unit_ids, "region_id": cell_region_ids, "period": cell_year,
        "cohort": cell_tpp, "treated": (cell_tpp > 0) & (cell_year >= cell_tpp),
        "ikm0": ikm_tpp0, "ikm1": np.where(cell_tpp > 0, ikm_obs, np.nan), "ikm": ikm_obs,
    })
    if len(malang_cells):
        mc = pd.DataFrame({"year": cell_year[malang_cells], "ikm0": ikm_malang0[malang_cells],
                           "ikm1": ikm_obs[malang_cells]})
        mal = mc.groupby("year", as_index=False)[["ikm0", "ikm1"]].mean()
        mal.insert(1, "treated", mal.year >= p.malang_start)
        mal.insert(0, "region_id", MALANG)
    else:
        mal = pd.DataFrame(columns=["region_id", "year", "treated", "ikm0", "ikm1"])
    po["malang"] = mal

    # ---- performance contracts and the punishment RD ------------------------------------
    # Small persistent unit effects: rows of one unit stay nearly independent given achievement.
    mu = r_perf.normal(1.5, 2.0, n_units)
    eps = r_perf.normal(0, 7.0, (n_units, T))
    ach = np.empty((n_units, T))
    ach0 = np.empty((n_units, T))
    lel_u = lelang_s[u_reg]
    ach0[:, 0] = 100 + mu + eps[:, 0] / np.sqrt(1 - ACHIEVEMENT_RHO**2)
    ach[:, 0] = ach0[:, 0]
    punished = np.zeros((n_units, T), dtype=bool)  # punished in year t for missing 100 in t-1
    if not 0 < p.punishment_compliance <= 1:
        raise ValueError(
            f"punishment_compliance must be in (0, 1], got {p.punishment_compliance!r}"
        )
    fuzzy = p.punishment_compliance < 1
    # Whether a unit-period's punishment would be imposed if it missed 100 (a complier). Its own
    # stream (spawn key 8), drawn only for a fuzzy world: sharp worlds stay bit-identical.
    complier = (
        np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(8,))).random((n_units, T))
        < p.punishment_compliance
        if fuzzy else np.ones((n_units, T), dtype=bool)
    )
    for t in range(1, T):
        ach0[:, t] = 100 + mu + ACHIEVEMENT_RHO * (ach[:, t - 1] - 100 - mu) + eps[:, t]
        punished[:, t] = ((lel_u > 0) & (years[t] >= lel_u) & (ach[:, t - 1] < 100)
                          & complier[:, t])
        jump = p.punishment_effect + p.punishment_slope * (ach[:, t - 1] - 100)
        ach[:, t] = ach0[:, t] + punished[:, t] * jump
    rd_u, rd_s = np.nonzero((lel_u[:, None] > 0) & (years[None, 1:] >= lel_u[:, None]))
    x = ach[rd_u, rd_s]
    y0 = ach0[rd_u, rd_s + 1]
    po["punishment"] = pd.DataFrame({
        "unit_id": _strings(unit_id_arr.take(pa.array(rd_u))),
        "region_id": _strings(pa.array(region_ids[u_reg[rd_u]])),
        "period": years[rd_s], "achievement": x,
        # punished: treatment received; assigned: the rule (below 100); complier: would be
        # punished if below 100. In a sharp world all three agree below 100.
        "punished": punished[rd_u, rd_s + 1], "assigned": x < 100,
        "complier": complier[rd_u, rd_s + 1],
        "y0": y0, "y1": y0 + p.punishment_effect + p.punishment_slope * (x - 100),
        "next_achievement": ach[rd_u, rd_s + 1],
    })
    K = p.indicators_per_unit
    n_ut = n_units * T
    d = r_perf.normal(0, 0.06, (n_ut, K))
    ratio = (ach.reshape(-1)[:, None] / 100) * (1 + d - d.mean(axis=1, keepdims=True))
    target = np.round(np.exp(r_perf.normal(4.0, 1.0, (n_ut, K))), 0) + 1
    hib = r_perf.random((n_ut, K)) < 0.75
    # achievement = mean over indicators of realization/target*100 (inverted when lower is better)
    realization = np.where(hib, target * ratio, target / ratio)
    perf_u = np.repeat(np.repeat(np.arange(n_units), T), K)
    perf_cols = {
        "unit_id": _strings(unit_id_arr.take(pa.array(perf_u))),
        "period": _int(np.repeat(np.tile(years, n_units), K)),
        "indicator_id": _strings(_padded(np.tile(np.arange(K) + 1, n_ut), 2, "IKU")),
        "target": target.reshape(-1),
        "realization": realization.reshape(-1),
        "higher_is_better": _bool(hib.reshape(-1)),
    }
    if fuzzy:
        # the treatment received (unit punished in this period), repeated on its indicator rows:
        # with imperfect compliance it cannot be derived from achievement and the rule
        perf_cols["punished"] = _bool(np.repeat(punished.reshape(-1), K))
    unit_performance = _synthetic(pd.DataFrame(perf_cols))

    # ---- employees ----------------------------------------------------------------------
    e_years = years if p.employee_years is None else np.arange(p.employee_years[0],
                                                                p.employee_years[1] + 1)
    lo, hi = p.employees_per_unit
    n_emp = r_emp.integers(lo, hi + 1, size=n_units)
    pu = np.repeat(np.arange(n_units), n_emp)  # person -> unit
    P = len(pu)
    pos = r_emp.choice(5, size=P, p=POSITION_PROB)
    edu = r_emp.choice(6, size=P, p=EDUCATION_PROB)
    sex = r_emp.integers(1, 3, size=P)
    person_jpm = r_emp.normal(0, 6.0, P)
    person_skp = r_emp.normal(0, 3.0, P)
    unit_skp = r_emp.normal(0, 0.5, n_units)  # small: employees of a unit stay nearly independent
    nip = _nips(r_nip, P, int(e_years[0]), sex)

    EY = len(e_years)
    row_p = np.tile(np.arange(P), EY)
    row_year = np.repeat(e_years, P)
    row_t = row_year - years[0]
    row_u = pu[row_p]
    row_r = u_reg[row_u]
    n_rows = len(row_p)
    exposure = np.where(merit_g[row_r] > 0, row_year - merit_g[row_r], -1)
    jpm = np.clip(np.round(
        82 + EDUCATION_JPM[edu[row_p]] + SECTOR_JPM[sector[row_u]] + POSITION_JPM[pos[row_p]]
        + person_jpm[row_p] + p.jpm_gain * _ramp(exposure, p.merit_ramp)
        + r_emp.normal(0, 3.0, n_rows), 2), 0, 100)
    well_placed = jpm >= 90  # JPM category Optimal (Peraturan BRIN 3/2023 Pasal 33 bands)
    skp_base = (83 + EDUCATION_SKP[edu[row_p]] + SECTOR_SKP[sector[row_u]] + person_skp[row_p]
                + unit_skp[row_u] + r_emp.normal(0, 2.5, n_rows))
    tau = p.placement_effect + p.placement_heterogeneity * EDUCATION_STEP[edu[row_p]]
    tpp_row = (tpp_g[row_r] > 0) & (row_year >= tpp_g[row_r])

    def skp(placed: np.ndarray | bool, reward: np.ndarray | bool) -> np.ndarray:
        return np.clip(skp_base + p.reward_effect * reward + tau * placed, 0, 100)

    skp_obs = skp(well_placed, tpp_row)
    has_value = row_year <= LAST_SKP_VALUE_YEAR
    perf_z = (skp_obs - 84) / 5
    hasil = np.where(perf_z > 1.3, 2, np.where(perf_z < -2.0, 0, 1))
    structural = pos <= 2
    absent = r_emp.negative_binomial(0.5, 0.3, n_rows)
    u_disc = r_emp.random(n_rows)
    p_disc = 0.015 + 0.01 * np.minimum(absent, 10)
    disc = np.where(u_disc < p_disc * 0.15, 3, np.where(u_disc < p_disc * 0.4, 2,
                                                         np.where(u_disc < p_disc, 1, 0)))
    beh = r_emp.normal(0, 1, n_rows)
    perilaku = np.where((disc > 0) | (beh < -2.2), 0, np.where(beh > 1.5, 2, 1))
    tech = np.where(r_emp.random(n_rows) < 0.35, 0.0, np.round(r_emp.gamma(2.0, 12.0, n_rows)))
    rating_mask = has_value  # missing ratings before 2022, missing skp_value from 2022
    rating_codes_h = np.where(rating_mask, -1, hasil)
    rating_codes_p = np.where(rating_mask, -1, perilaku)
    employees = _synthetic(pd.DataFrame({
        "nip": _strings(nip.take(pa.array(row_p))),
        "period": _int(row_year),
        "unit_id": _strings(unit_id_arr.take(pa.array(row_u))),
        "position_type": _cat(pos[row_p], "position_type"),
        "education_level": _cat(edu[row_p], "education_level"),
        "leadership_training": _bool(structural[row_p] & (r_emp.random(n_rows) < 0.7)),
        "functional_training": _bool((pos[row_p] == 3) & (r_emp.random(n_rows) < 0.6)),
        "technical_training_hours": tech,
        "seminar": _bool(r_emp.random(n_rows) < 0.45),
        "skp_value": np.where(has_value, np.round(skp_obs, 2), np.nan),
        "rating_hasil_kerja": _cat(rating_codes_h, "rating_hasil_kerja"),
        "rating_perilaku_kerja": _cat(rating_codes_p, "rating_perilaku_kerja"),
        "discipline_level": _cat(disc, "discipline_level"),
        "days_absent": _int(absent),
        "jpm": jpm,
    }))

    # Placement: employees of the last employee year with a numeric SKP.
    value_years = e_years[e_years <= LAST_SKP_VALUE_YEAR]
    placement_period = int(value_years.max()) if len(value_years) else -1
    sel = np.flatnonzero(row_year == placement_period)
    # skp_value is published rounded to 2 decimals; the potential outcomes are rounded alike.
    po["placement"] = pd.DataFrame({
        "row": sel, "unit_id": _strings(unit_id_arr.take(pa.array(row_u[sel]))),
        "period": row_year[sel], "treatment": well_placed[sel],
        "y0": np.round(skp(False, tpp_row)[sel], 2), "y1": np.round(skp(True, tpp_row)[sel], 2),
    })
    # Reward: unit-period mean SKP with TPP in force or not, at the observed placements.
    vr = np.flatnonzero(has_value)
    s0 = np.round(skp(well_placed, False), 2)[vr]
    s1 = np.round(skp(well_placed, True), 2)[vr]
    key = row_u[vr] * T + row_t[vr]
    uniq, inv = np.unique(key, return_inverse=True)
    cnt = np.bincount(inv)
    ru, rt = uniq // T, uniq % T
    rg = tpp_g[u_reg[ru]]
    po["reward"] = pd.DataFrame({
        "unit_id": _strings(unit_id_arr.take(pa.array(ru))),
        "region_id": _strings(pa.array(region_ids[u_reg[ru]])),
        "period": years[rt], "cohort": rg, "treated": (rg > 0) & (years[rt] >= rg),
        "n_employees": cnt,
        "skp0": np.bincount(inv, weights=s0) / cnt, "skp1": np.bincount(inv, weights=s1) / cnt,
    })

    # ---- institution assessments --------------------------------------------------------
    reg_y = np.repeat(np.arange(R), T)
    yy = np.tile(years, R)
    gy = merit_g[reg_y]
    merit_exp = np.where((gy > 0) & (yy >= gy), np.minimum(yy - gy + 1, 6), 0)
    reg_eff = r_inst.normal(0, 15, R)[reg_y]
    merit_score = np.clip(np.round(
        165 + reg_eff + 4 * (yy - years[0]) + 28 * merit_exp + r_inst.normal(0, 8, len(yy)), 1
    ), 100, 400)
    maxima = np.array([30.0, 30.0, 15.0, 25.0])
    frac = np.clip(0.62 + 0.015 * (yy - years[0])[:, None] + r_inst.normal(0, 0.06, R)[reg_y][:, None]
                   + r_inst.normal(0, 0.03, (len(yy), 4)), 0.2, 1.0)
    comp = np.round(frac * maxima, 2)
    omb = np.clip(np.round(58 + 2.5 * (yy - years[0]) + r_inst.normal(0, 6, R)[reg_y]
                           + r_inst.normal(0, 5, len(yy)), 2), 0, 100)
    institution_assessments = _synthetic(pd.DataFrame({
        "region_id": _strings(pa.array(region_ids[reg_y])),
        "year": _int(yy),
        "merit_score": merit_score,
        "sakip_perencanaan": comp[:, 0], "sakip_pengukuran": comp[:, 1],
        "sakip_pelaporan": comp[:, 2], "sakip_evaluasi": comp[:, 3],
        "sakip_score": np.round(comp.sum(axis=1), 2),
        "ombudsman_score": omb,
        # a synthetic world publishes no labels: scoring derives every zone and predicate
        "ombudsman_zone": pd.Categorical([None] * len(yy), categories=list(CATEGORIES["ombudsman_zone"])),
        "sakip_grade": pd.Categorical([None] * len(yy), categories=list(CATEGORIES["sakip_grade"])),
    }))

    # ---- policies -----------------------------------------------------------------------
    parts = []
    for name, starts in (("merit_system", merit_g), ("lelang_kinerja", lelang_s),
                         ("tpp_performance", tpp_g)):
        idx = np.flatnonzero(starts > 0)
        parts.append((region_ids[idx], np.full(len(idx), name), starts[idx]))
    parts.append((region_ids[malang], np.full(int(malang.sum()), "reward_punishment"),
                  np.full(int(malang.sum()), p.malang_start)))
    pol_r = np.concatenate([a for a, _, _ in parts])
    pol_name = np.concatenate([b for _, b, _ in parts])
    pol_start = np.concatenate([c for _, _, c in parts])
    policy_codes = np.array([CATEGORIES["policy"].index(s) for s in pol_name], dtype=np.int8)
    policies = _synthetic(pd.DataFrame({
        "region_id": pd.Series(pol_r, dtype="string"),
        "unit_id": pd.Series([pd.NA] * len(pol_r), dtype="string"),
        "policy": _cat(policy_codes, "policy"),
        "start_period": _int(pol_start),
    }).sort_values(["policy", "region_id"], ignore_index=True))

    regions_out = _synthetic(pd.DataFrame({
        "region_id": regions.region_id.astype("string"),
        "name": regions.name.astype("string"),
        "kind": pd.Categorical(regions.kind, categories=list(CATEGORIES["kind"])),
        "province_id": regions.province_id.astype("string"),
    }))

    tables = {
        "regions": regions_out, "units": units, "employees": employees,
        "skm_responses": skm_responses, "unit_performance": unit_performance,
        "institution_assessments": institution_assessments, "policies": policies,
    }
    return tables, po, placement_period


def _nips(rng: np.random.Generator, n: int, first_year: int, sex: np.ndarray) -> pa.Array:
    """Valid, unique synthetic NIPs, built as 18-digit integers and cast to text by Arrow.

    Birth date: aged 22–58 in ``first_year``. Appointment (TMT CPNS): a month at least 18 years
    after the birth month (the contract's rule) and before ``first_year``. The 3-digit sequence
    numbers people sharing birth date, appointment and sex, as BKN does.
    """
    age_days = rng.integers(22 * 365, 58 * 365, size=n)
    birth = np.datetime64(f"{first_year}-01-01") - age_days.astype("timedelta64[D]")
    bm_idx = birth.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    by = bm_idx // 12 + 1970
    bm = bm_idx % 12 + 1
    bd = (birth - birth.astype("datetime64[M]")).astype(np.int64) + 1
    earliest = bm_idx + 12 * 18 + 1  # strictly after the 18th birthday month: always valid
    latest = (first_year - 1970) * 12 - 1  # December before the first employee year
    span = np.maximum(latest - earliest, 0)
    appt_idx = earliest + np.floor(rng.random(n) ** 1.5 * np.minimum(span, 20 * 12 + 1)).astype(np.int64)
    ay = appt_idx // 12 + 1970
    am = appt_idx % 12 + 1
    head = (((by * 100 + bm) * 100 + bd) * 10_000 + ay) * 100 + am  # 14 digits
    head = head * 10 + sex
    order = np.argsort(head, kind="stable")
    hs = head[order]
    start = np.r_[0, np.flatnonzero(np.diff(hs)) + 1]
    size = np.diff(np.r_[start, n])
    rank = np.arange(n) - np.repeat(start, size)
    if rank.max(initial=0) >= 999:
        raise RuntimeError("more than 999 people share a birth date, appointment month and sex")
    seq = np.empty(n, dtype=np.int64)
    seq[order] = rank + 1
    return pa.array(head * 1000 + seq).cast(pa.string())


def describe_params(p: Params) -> dict[str, Any]:
    """The parameters as JSON-friendly values (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in p.as_dict().items()}
