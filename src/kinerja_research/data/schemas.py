"""The canonical tables of the data contract (docs/guide/data-contract.md, ``data/README.md``) as specifications.

One specification per table drives three things: parsing raw text into typed columns, the
pandera schema that checks values, and the documentation. Categorical values are the canonical
(lower-case) codes; readers map common Indonesian spellings onto them first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:  # pandera is imported when a schema is built: `import kinerja_research` stays light
    import pandera.pandas as pa

#: The canonical codes of each categorical column.
CATEGORIES: dict[str, tuple[str, ...]] = {
    "kind": ("kota", "kabupaten", "provinsi"),
    "sector": (
        "pendidikan", "kesehatan", "kependudukan", "perizinan", "pekerjaan_umum", "sosial",
        "perhubungan", "lingkungan", "kecamatan", "keuangan", "perencanaan", "kepegawaian",
        "inspektorat", "sekretariat", "lainnya",
    ),
    "position_type": ("jpt", "administrator", "pengawas", "fungsional", "pelaksana"),
    "education_level": ("s3", "s2", "s1_d4", "d3", "d1_d2_slta", "sltp"),
    "rating_hasil_kerja": ("di_bawah", "sesuai", "di_atas"),
    "rating_perilaku_kerja": ("di_bawah", "sesuai", "di_atas"),
    "discipline_level": ("none", "ringan", "sedang", "berat"),
    "policy": ("merit_system", "lelang_kinerja", "tpp_performance", "rompi", "reward_punishment"),
    # published labels, beside the scores they were given for (scoring never overrides them)
    "ombudsman_zone": ("merah", "kuning", "hijau"),
    "sakip_grade": ("aa", "a", "bb", "b", "cc", "c", "d"),
}

#: Spellings seen in real exports, normalised (lower case, separators as "_") → canonical code.
CATEGORY_SYNONYMS: dict[str, dict[str, str]] = {
    "education_level": {
        "s_3": "s3", "doktor": "s3", "s_2": "s2", "magister": "s2", "s1": "s1_d4",
        "s_1": "s1_d4", "d4": "s1_d4", "d_iv": "s1_d4", "div": "s1_d4", "s1_d_iv": "s1_d4",
        "sarjana": "s1_d4", "d_iii": "d3", "diii": "d3", "d_3": "d3", "d2": "d1_d2_slta",
        "d1": "d1_d2_slta", "d_ii": "d1_d2_slta", "d_i": "d1_d2_slta", "slta": "d1_d2_slta",
        "sma": "d1_d2_slta", "smk": "d1_d2_slta", "sltp": "sltp", "smp": "sltp", "sd": "sltp",
        "sltp_ke_bawah": "sltp",
    },
    "position_type": {
        "jabatan_pimpinan_tinggi": "jpt", "jpt_pratama": "jpt", "jpt_madya": "jpt",
        "jpt_utama": "jpt", "jabatan_administrator": "administrator",
        "jabatan_pengawas": "pengawas", "jabatan_fungsional": "fungsional", "jf": "fungsional",
        "jabatan_pelaksana": "pelaksana", "jfu": "pelaksana", "fungsional_umum": "pelaksana",
    },
    "rating_hasil_kerja": {
        "dibawah_ekspektasi": "di_bawah", "di_bawah_ekspektasi": "di_bawah",
        "sesuai_ekspektasi": "sesuai", "diatas_ekspektasi": "di_atas",
        "di_atas_ekspektasi": "di_atas", "dibawah": "di_bawah", "diatas": "di_atas",
    },
    "discipline_level": {
        "tidak_ada": "none", "tidak_pernah": "none", "": "none", "-": "none",
        "tidak_pernah_dijatuhi_hukuman": "none", "hukuman_ringan": "ringan",
        "hukuman_sedang": "sedang", "hukuman_berat": "berat",
    },
    "kind": {"kab": "kabupaten", "kab.": "kabupaten", "prov": "provinsi", "provinsi": "provinsi"},
    "ombudsman_zone": {
        "zona_hijau": "hijau", "zona_kuning": "kuning", "zona_merah": "merah",
        "kepatuhan_tinggi": "hijau", "kepatuhan_sedang": "kuning", "kepatuhan_rendah": "merah",
        "green": "hijau", "yellow": "kuning", "red": "merah",
    },
    "sakip_grade": {"predikat_aa": "aa", "predikat_a": "a", "predikat_bb": "bb", "predikat_b": "b",
                    "predikat_cc": "cc", "predikat_c": "c", "predikat_d": "d"},
}
CATEGORY_SYNONYMS["rating_perilaku_kerja"] = CATEGORY_SYNONYMS["rating_hasil_kerja"]

TRUE_WORDS = frozenset({"true", "1", "ya", "y", "yes", "t", "sudah", "ada", "1.0"})
FALSE_WORDS = frozenset({"false", "0", "tidak", "n", "no", "f", "belum", "tidak ada", "0.0"})


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the contract."""

    name: str
    kind: str  # "str" | "int" | "float" | "bool" | "cat"
    required: bool = True
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    pattern: str | None = None
    doc: str = ""

    @property
    def categories(self) -> tuple[str, ...]:
        return CATEGORIES[self.name]


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract: its columns and key."""

    name: str
    columns: tuple[ColumnSpec, ...]
    key: tuple[str, ...]
    wide: tuple[str, ...] = field(default=())

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


C = ColumnSpec
_ID = None  # ids are stripped and blanks made missing by the parser; no regex needed

TABLE_SPECS: dict[str, TableSpec] = {
    "regions": TableSpec(
        "regions",
        (
            C("region_id", "str", pattern=r"^\d{2}(\d{2})?$", doc="BPS code"),
            C("name", "str"),
            C("kind", "cat"),
            C("province_id", "str", pattern=r"^\d{2}$"),
        ),
        key=("region_id",),
    ),
    "units": TableSpec(
        "units",
        (
            C("unit_id", "str", pattern=_ID),
            C("region_id", "str", pattern=r"^\d{2}(\d{2})?$"),
            C("name", "str"),
            C("sector", "cat"),
            C("is_service_unit", "bool"),
        ),
        key=("unit_id",),
    ),
    "employees": TableSpec(
        "employees",
        (
            C("nip", "str", doc="18-digit NIP; see kinerja_research.data.nip"),
            C("period", "int", min=1990, max=2100),
            C("unit_id", "str", pattern=_ID),
            C("position_type", "cat"),
            C("education_level", "cat"),
            C("leadership_training", "bool", required=False, nullable=True),
            C("functional_training", "bool", required=False, nullable=True),
            C("technical_training_hours", "float", required=False, nullable=True, min=0),
            C("seminar", "bool", required=False, nullable=True),
            C("skp_value", "float", required=False, nullable=True, min=0, max=120),
            C("rating_hasil_kerja", "cat", required=False, nullable=True),
            C("rating_perilaku_kerja", "cat", required=False, nullable=True),
            C("discipline_level", "cat", required=False, nullable=True),
            C("days_absent", "int", required=False, nullable=True, min=0, max=366),
            C("jpm", "float", required=False, nullable=True, min=0, max=100),
        ),
        key=("nip", "period"),
    ),
    "skm_responses": TableSpec(
        "skm_responses",
        (
            C("response_id", "str", pattern=_ID),
            C("unit_id", "str", pattern=_ID),
            C("period", "int", min=1990, max=2100),
            *(C(f"u{i}", "int", nullable=True, min=1, max=4) for i in range(1, 10)),
        ),
        key=("response_id",),
    ),
    "unit_performance": TableSpec(
        "unit_performance",
        (
            C("unit_id", "str", pattern=_ID),
            C("period", "int", min=1990, max=2100),
            C("indicator_id", "str", pattern=_ID),
            C("target", "float", min=0, min_exclusive=True),
            C("realization", "float", nullable=True, min=0),
            C("higher_is_better", "bool"),
        ),
        key=("unit_id", "period", "indicator_id"),
    ),
    "institution_assessments": TableSpec(
        "institution_assessments",
        (
            C("region_id", "str", pattern=r"^\d{2}(\d{2})?$"),
            C("year", "int", min=1990, max=2100),
            C("merit_score", "float", required=False, nullable=True, min=100, max=400),
            C("sakip_perencanaan", "float", required=False, nullable=True, min=0, max=30),
            C("sakip_pengukuran", "float", required=False, nullable=True, min=0, max=30),
            C("sakip_pelaporan", "float", required=False, nullable=True, min=0, max=15),
            C("sakip_evaluasi", "float", required=False, nullable=True, min=0, max=25),
            C("sakip_score", "float", required=False, nullable=True, min=0, max=100),
            C("ombudsman_score", "float", required=False, nullable=True, min=0, max=100),
            C("ombudsman_zone", "cat", required=False, nullable=True,
              doc="zone as Ombudsman RI published it (hijau/kuning/merah); never re-derived"),
            C("sakip_grade", "cat", required=False, nullable=True,
              doc="SAKIP predicate as KemenPANRB published it (AA … D); never re-derived"),
        ),
        key=("region_id", "year"),
    ),
    "policies": TableSpec(
        "policies",
        (
            C("region_id", "str", pattern=r"^\d{2}(\d{2})?$"),
            C("unit_id", "str", required=False, nullable=True),
            C("policy", "cat"),
            C("start_period", "int", min=1990, max=2100),
        ),
        key=("region_id", "unit_id", "policy"),
    ),
}


def table_spec(table: str) -> TableSpec:
    """Return the specification of a canonical table, with a clear error for a wrong name."""
    try:
        return TABLE_SPECS[table]
    except KeyError:
        raise ValueError(
            f"unknown table {table!r}; the data contract has: {', '.join(TABLE_SPECS)}"
        ) from None


def _checks(spec: ColumnSpec) -> list[pa.Check]:
    import pandera.pandas as pa

    checks: list[pa.Check] = []
    if spec.kind == "cat":
        checks.append(pa.Check.isin(list(spec.categories)))
    if spec.min is not None:
        checks.append(
            pa.Check.gt(spec.min) if spec.min_exclusive else pa.Check.ge(spec.min)
        )
    if spec.max is not None:
        checks.append(pa.Check.le(spec.max))
    if spec.pattern is not None:
        checks.append(pa.Check.str_matches(spec.pattern))
    return checks


def pandera_schema(table: str, columns: list[str] | None = None) -> pa.DataFrameSchema:
    """The pandera schema checking the values of a parsed canonical table.

    Types are enforced by the parser (which reports unparseable values with a reason), so the
    schema checks values: ranges, category codes, patterns and missingness.
    """
    import pandera.pandas as pa

    spec = table_spec(table)
    cols = {}
    for c in spec.columns:
        if columns is not None and c.name not in columns:
            continue
        cols[c.name] = pa.Column(checks=_checks(c), nullable=c.nullable, required=c.required)
    return pa.DataFrameSchema(cols, strict=False, coerce=False)


def empty_frame(table: str) -> pd.DataFrame:
    """An empty DataFrame with the canonical columns and dtypes of ``table``."""
    spec = table_spec(table)
    return pd.DataFrame({c.name: pd.Series(dtype=DTYPES[c.kind](c)) for c in spec.columns})


DTYPES = {
    "str": lambda c: "string",
    "int": lambda c: "Int64",
    "float": lambda c: "float64",
    "bool": lambda c: "boolean",
    "cat": lambda c: pd.CategoricalDtype(list(c.categories)),
}
