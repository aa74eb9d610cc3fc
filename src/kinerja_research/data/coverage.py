"""What an ingested study covers: rows by region and period, missing periods, cross-table checks.

>>> cov = coverage(study.tables())  # doctest: +SKIP
>>> missing_periods(cov, study.regions)  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from kinerja_research.data.rejects import LONG_DIGITS

#: Column that gives each table's period, for coverage and missing periods.
PERIOD_COLUMN = {"employees": "period", "skm_responses": "period", "unit_performance": "period",
                 "institution_assessments": "year", "policies": "start_period"}


@dataclass
class CrossCheck:
    """One cross-table check: rows of ``table`` whose ``column`` is not a key of ``reference``."""

    table: str
    column: str
    reference: str
    n_rows: int | None  # None: not checked (a table is absent)
    n_keys: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def checked(self) -> bool:
        """Whether the check could be made (both tables present)."""
        return self.n_rows is not None


def _unit_region(units: pd.DataFrame) -> pd.Series:
    return units.drop_duplicates("unit_id").set_index("unit_id")["region_id"].astype("string")


def coverage(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows per table, region and period.

    Tables with a unit reach their region through the units table; a unit not found there is
    counted under region ``"?"``.

    Returns
    -------
    pandas.DataFrame
        ``table``, ``region_id``, ``period``, ``rows``, sorted.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> cov = coverage(kr.simulate("tiny").tables())
    >>> sorted(cov["table"].unique())[:2]
    ['employees', 'institution_assessments']
    """
    units = tables["units"]
    to_region = _unit_region(units) if len(units) else pd.Series(dtype="string")
    parts = []
    for t, col in PERIOD_COLUMN.items():
        df = tables[t]
        if not len(df):
            continue
        if "region_id" in df.columns:
            region = df["region_id"].astype("string")
        else:
            region = df["unit_id"].astype("string").map(to_region).astype("string")
        g = pd.DataFrame({"region_id": region.fillna("?"), "period": df[col].astype("Int64")})
        c = g.groupby(["region_id", "period"], observed=True, dropna=False).size().rename("rows").reset_index()
        parts.append(c.assign(table=t))
    if not parts:
        return pd.DataFrame(columns=["table", "region_id", "period", "rows"])
    out = pd.concat(parts, ignore_index=True)[["table", "region_id", "period", "rows"]]
    return out.sort_values(["table", "region_id", "period"], ignore_index=True)


def missing_periods(coverage: pd.DataFrame, regions: pd.DataFrame) -> tuple[
        dict[str, list[int]], dict[str, dict[str, list[int]]], dict[str, list[str]]]:
    """Years missing per table, years missing per region, and known regions without any row.

    Policies are left out: their period is a start year, and years without a new policy are normal.

    Returns
    -------
    tuple
        ``{table: [years inside its span with no row]}``, ``{table: {region_id: [years the
        table covers but the region lacks]}}`` and ``{table: [region_ids without any row]}``.

    Examples
    --------
    >>> cov = pd.DataFrame({"table": "skm_responses", "region_id": ["3573", "3573", "3578"],
    ...                     "period": [2021, 2023, 2023], "rows": 1})
    >>> missing_periods(cov, pd.DataFrame({"region_id": ["3573", "3578", "3579"]}))
    ({'skm_responses': [2022]}, {'skm_responses': {'3578': [2021]}}, {'skm_responses': ['3579']})
    """
    missing: dict[str, list[int]] = {}
    gaps: dict[str, dict[str, list[int]]] = {}
    absent: dict[str, list[str]] = {}
    known = set(regions["region_id"].dropna().astype(str)) if len(regions) else set()
    for t, c in coverage[coverage["table"] != "policies"].groupby("table", sort=True):
        years = c["period"].dropna().astype(int)
        if years.empty:
            continue
        present = set(years)
        missing[str(t)] = sorted(set(range(min(present), max(present) + 1)) - present)
        c = c[c["region_id"] != "?"].dropna(subset=["period"])
        per = c.groupby("region_id")["period"].agg(lambda s: set(s.astype(int)))
        g = {str(r): sorted(present - ys) for r, ys in per.items() if present - ys}
        if g:
            gaps[str(t)] = g
        if known - set(per.index.astype(str)):
            absent[str(t)] = sorted(known - set(per.index.astype(str)))
    return missing, gaps, absent


def cross_checks(tables: dict[str, pd.DataFrame], present: set[str]) -> list[CrossCheck]:
    """Rows whose unit or region is not in the units or regions table.

    Parameters
    ----------
    tables
        The seven tables.
    present
        Tables that came from a file; a check needing an absent table is reported as not checked.

    Examples
    --------
    >>> import kinerja_research as kr
    >>> checks = cross_checks(kr.simulate("tiny").tables(), {"employees", "units"})
    >>> [(c.table, c.n_rows) for c in checks]
    [('employees', 0), ('units', None)]
    """
    pairs = [("employees", "unit_id", "units"), ("skm_responses", "unit_id", "units"),
             ("unit_performance", "unit_id", "units"), ("policies", "unit_id", "units"),
             ("units", "region_id", "regions"), ("institution_assessments", "region_id", "regions"),
             ("policies", "region_id", "regions")]
    out = []
    for table, column, ref in pairs:
        if table not in present:
            continue
        if ref not in present:
            out.append(CrossCheck(table, column, ref, None))
            continue
        known = pd.Index(tables[ref][column if ref != "units" else "unit_id"].dropna().astype(str).unique())
        vals = tables[table][column].astype("string")
        unknown = vals.notna() & ~vals.isin(known)
        keys = sorted(vals[unknown].unique().tolist())
        shown = [LONG_DIGITS.sub("…", k) for k in keys[:10]]  # codes, but never an NIP-long run
        out.append(CrossCheck(table, column, ref, int(unknown.sum()), len(keys), shown))
    return out
