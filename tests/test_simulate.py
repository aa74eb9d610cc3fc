"""The synthetic world: determinism, the data contract, NIPs, presets, overrides, plausibility."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from kinerja_research.data.schemas import TABLE_SPECS, empty_frame, pandera_schema
from kinerja_research.data.simulate import Truth, jatim_regions, simulate
from kinerja_research.data.study import TABLES, Study


# -------------------------------------------------------------------------------------------
# determinism and provenance
# -------------------------------------------------------------------------------------------
def test_same_seed_gives_identical_tables(tiny: Study) -> None:
    again = simulate("tiny", seed=0)
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(again, name), getattr(tiny, name))
    for key, frame in tiny.potential_outcomes.items():
        pd.testing.assert_frame_equal(again.potential_outcomes[key], frame)
    assert again.truth.merit_att_simple == tiny.truth.merit_att_simple


def test_different_seed_gives_different_tables(tiny: Study) -> None:
    other = simulate("tiny", seed=1)
    for name in ("employees", "skm_responses", "unit_performance", "institution_assessments"):
        a, b = getattr(tiny, name), getattr(other, name)
        assert not (a.shape == b.shape and a.equals(b)), name
    assert other.truth.merit_att_simple != tiny.truth.merit_att_simple


def test_meta_and_synthetic_flags(tiny: Study) -> None:
    assert tiny.synthetic
    assert {k: tiny.meta[k] for k in ("synthetic", "preset", "seed", "overrides", "source")} == {
        "synthetic": True, "preset": "tiny", "seed": 0, "overrides": {},
        "source": "kinerja_research.simulate",
    }
    for name in TABLES:
        assert getattr(tiny, name).attrs["synthetic"] is True, name
    assert isinstance(tiny.truth, Truth)
    s = simulate("tiny", seed=2, merit_effect=0.5, years=[2016, 2023])
    assert s.meta["overrides"] == {"merit_effect": 0.5, "years": [2016, 2023]}


# -------------------------------------------------------------------------------------------
# the data contract
# -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("table", TABLES)
def test_columns_and_dtypes_match_contract(tiny: Study, table: str) -> None:
    df = getattr(tiny, table)
    expected = empty_frame(table)
    assert list(df.columns) == list(expected.columns)
    for col in df.columns:
        assert df[col].dtype == expected[col].dtype, (table, col, df[col].dtype)


@pytest.mark.parametrize("table", TABLES)
def test_values_pass_contract_schema(tiny: Study, table: str) -> None:
    pandera_schema(table).validate(getattr(tiny, table), lazy=True)
    key = list(TABLE_SPECS[table].key)
    if table == "policies":  # region-wide rows have no unit_id; the key is region + policy
        key = ["region_id", "policy"]
    assert not getattr(tiny, table).duplicated(key).any()


def test_foreign_keys_resolve(tiny: Study) -> None:
    units = set(tiny.units.unit_id)
    regions = set(tiny.regions.region_id)
    for name in ("employees", "skm_responses", "unit_performance"):
        assert set(getattr(tiny, name).unit_id) <= units, name
    for name in ("units", "institution_assessments", "policies"):
        assert set(getattr(tiny, name).region_id) <= regions, name
    assert (tiny.regions.province_id == tiny.regions.region_id.str.slice(0, 2)).all()
    svc = set(tiny.units.unit_id[tiny.units.is_service_unit.astype(bool)])
    assert set(tiny.skm_responses.unit_id) == svc  # every service unit is surveyed, only they


# -------------------------------------------------------------------------------------------
# NIPs
# -------------------------------------------------------------------------------------------
def _nip_ok(nip: str) -> bool:
    """Independent scalar checker of the contract's NIP rules (data/README.md)."""
    if len(nip) != 18 or not nip.isdigit():
        return False
    try:
        birth = dt.date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        return False
    ay, am = int(nip[8:12]), int(nip[12:14])
    if not 1 <= am <= 12:
        return False
    if ay * 12 + am < (birth.year + 18) * 12 + birth.month:
        return False
    return nip[14] in "12"


def test_every_nip_passes_the_rules(jatim: Study) -> None:
    people = jatim.employees.drop_duplicates("nip")
    sample = people.nip.sample(3000, random_state=0).tolist()
    assert all(_nip_ok(n) for n in sample)
    from kinerja_research.data.nip import is_valid_nip  # the package's vectorized checker

    assert bool(is_valid_nip(jatim.employees.nip).all())


def test_nip_unique_per_person_and_stable_across_periods(jatim: Study) -> None:
    emp = jatim.employees
    assert not emp.duplicated(["nip", "period"]).any()
    per_nip = emp.groupby("nip", observed=True).agg(
        n=("period", "size"), units=("unit_id", "nunique"), edu=("education_level", "nunique"))
    n_years = emp.period.nunique()
    assert (per_nip.n == n_years).all()  # the same person in every year
    assert (per_nip.units == 1).all() and (per_nip.edu == 1).all()


# -------------------------------------------------------------------------------------------
# presets and overrides
# -------------------------------------------------------------------------------------------
def test_unknown_preset_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match="tiny, jatim, national"):
        simulate("bogus")


def test_unknown_override_lists_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"'merit_efect'.*merit_effect"):
        simulate("tiny", merit_efect=1.0)


@pytest.mark.parametrize("bad", [{"years": (2024, 2015)}, {"employees_per_unit": (5, 2)},
                                 {"merit_cohorts": (2030,)}, {"n_regions": 13}])
def test_bad_override_values_raise(bad: dict) -> None:
    with pytest.raises(ValueError):
        simulate("tiny", **bad)


def test_bad_argument_types_raise() -> None:
    with pytest.raises(TypeError):
        simulate("tiny", seed="0")  # type: ignore[arg-type]


def test_tiny_has_every_design(tiny: Study) -> None:
    pol = tiny.policies
    merit = pol[pol.policy == "merit_system"]
    assert merit.start_period.nunique() >= 2  # at least two cohorts
    assert len(merit) < len(tiny.regions) - 1  # never-treated regions besides Kota Malang
    rp = pol[pol.policy == "reward_punishment"]
    assert rp.region_id.tolist() == ["3573"] and rp.start_period.tolist() == [2019]
    assert "3573" in set(tiny.regions.region_id)
    assert set(tiny.regions.region_id) <= set(jatim_regions().region_id)
    assert len(tiny.potential_outcomes["punishment"]) >= 300  # hundreds of RD rows
    assert (pol.policy == "tpp_performance").sum() >= 1


def test_jatim_is_the_38_regions_2015_2024(jatim: Study) -> None:
    ref = jatim_regions()
    assert len(ref) == 38 and (ref.kind == "kota").sum() == 9
    got = jatim.regions[["region_id", "name"]].astype(str).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, ref[["region_id", "name"]].sort_values("region_id")
                                  .reset_index(drop=True))
    assert sorted(jatim.employees.period.unique()) == list(range(2015, 2025))
    assert len(jatim.units) == 38 * 30
    per_unit = jatim.employees[jatim.employees.period == 2020].groupby("unit_id").size()
    assert per_unit.between(30, 60).all()
    n = jatim.skm_responses.groupby(["unit_id", "period"]).size()
    assert n.between(50, 150).all()
    assert len(jatim.potential_outcomes["punishment"]) >= 3000  # several thousand RD rows
    ia = jatim.institution_assessments
    assert ia[ia.region_id == "3573"].year.min() <= 2015  # four pre-years for Malang


def test_overrides_take_effect() -> None:
    s = simulate("tiny", seed=0, n_regions=5, units_per_region=4, years=(2016, 2022),
                 employees_per_unit=(3, 3), respondents_per_unit=(7, 7))
    assert len(s.regions) == 5 and "3573" in set(s.regions.region_id)
    assert len(s.units) == 20
    assert sorted(s.employees.period.unique()) == list(range(2016, 2023))
    assert (s.employees.groupby(["unit_id", "period"]).size() == 3).all()
    assert (s.skm_responses.groupby(["unit_id", "period"]).size() == 7).all()


def test_national_pool_shape() -> None:
    s = simulate("national", seed=0, n_regions=60, units_per_region=3, employees_per_unit=(5, 5),
                 respondents_per_unit=(3, 3))
    r = s.regions
    assert len(r) == 60 and r.region_id.str.fullmatch(r"\d{4}").all()
    assert (r.province_id == r.region_id.str.slice(0, 2)).all()
    assert r.kind.isin(["kota", "kabupaten"]).all()
    assert s.employees.period.unique().tolist() == [2021]  # one snapshot year
    assert sorted(s.skm_responses.period.unique()) == list(range(2015, 2025))


# -------------------------------------------------------------------------------------------
# plausible Indonesian ASN distributions
# -------------------------------------------------------------------------------------------
def test_employee_distributions_are_plausible(jatim: Study) -> None:
    emp = jatim.employees
    edu = emp.education_level.value_counts(normalize=True)
    assert edu.idxmax() == "s1_d4" and edu["s3"] < 0.03
    pos = emp.position_type.value_counts(normalize=True)
    assert pos["pelaksana"] + pos["fungsional"] > 0.7 and pos["jpt"] < 0.03
    new, old = emp[emp.period >= 2022], emp[emp.period < 2022]
    assert new.skp_value.isna().all() and new.rating_hasil_kerja.notna().all()
    assert old.skp_value.notna().all() and old.rating_hasil_kerja.isna().all()
    assert new.rating_hasil_kerja.value_counts(normalize=True)["sesuai"] > 0.6
    assert old.skp_value.between(0, 100).all() and 75 < old.skp_value.median() < 92
    assert emp.days_absent.median() <= 2 and emp.days_absent.max() >= 10
    assert (emp.discipline_level == "none").mean() > 0.9
    structural = emp.position_type.isin(["jpt", "administrator", "pengawas"])
    assert not emp.leadership_training[~structural].any()


def test_ikm_mostly_band_b(jatim: Study) -> None:
    from kinerja_research.analysis.panels import ikm_by_unit_period

    ikm = ikm_by_unit_period(jatim.skm_responses).ikm
    assert ((ikm >= 76.61) & (ikm < 88.31)).mean() > 0.6
    blanks = jatim.skm_responses[[f"u{i}" for i in range(1, 10)]].isna().mean().mean()
    assert 0.01 < blanks < 0.06


def test_institution_assessments_plausible(jatim: Study) -> None:
    ia = jatim.institution_assessments
    comps = ia[["sakip_perencanaan", "sakip_pengukuran", "sakip_pelaporan", "sakip_evaluasi"]]
    np.testing.assert_allclose(ia.sakip_score, comps.sum(axis=1), rtol=0, atol=1e-9)
    merit = jatim.policies[jatim.policies.policy == "merit_system"].set_index("region_id")
    g = ia.region_id.map(merit.start_period).fillna(0).astype(int)
    post = (g > 0) & (ia.year >= g + 2)
    # Merit scores rise after adoption: treated-post years beat the never-treated ones.
    assert ia.merit_score[post].mean() > ia.merit_score[g == 0].mean() + 30
