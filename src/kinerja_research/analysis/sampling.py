"""The one SKM sample-size rule of every report: Krejcie–Morgan on each unit's service users.

Permenpan RB 14/2017 asks for the Krejcie & Morgan (1970) sample of the unit's population of
service users (:func:`kinerja_research.scoring.skm_sample_size`). The population is taken from
the data when the ``units`` table has it (a ``population`` or ``service_users`` column); otherwise
the stated default :data:`DEFAULT_SERVICE_USERS` is used, and the reports say so.

>>> import kinerja_research as kr
>>> pop = unit_population(kr.simulate("tiny"))
>>> sorted(pop.columns), pop["source"].unique().tolist()
(['population', 'source', 'unit_id'], ['default'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kinerja_research.data.study import Study
from kinerja_research.scoring import skm_sample_size

__all__ = ["DEFAULT_SERVICE_USERS", "POPULATION_COLUMNS", "sample_check", "unit_population"]

#: Service users per unit and year assumed when the data do not give a unit's population. 100
#: users need 80 questionnaires (the published Krejcie–Morgan table).
DEFAULT_SERVICE_USERS = 100

#: Columns of ``units`` read as a unit's yearly service users, first found wins.
POPULATION_COLUMNS = ("population", "service_users")


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return int(value)


def unit_population(study: Study, population: Any = None, *,
                    default: int = DEFAULT_SERVICE_USERS) -> pd.DataFrame:
    """Each unit's service-user population and where it came from.

    Parameters
    ----------
    study
        The study; its ``units`` table is read for a population column.
    population
        Overrides the data: an int for every unit, ``{unit_id: N}`` or a frame with ``unit_id``
        and ``population``. Units it does not cover fall back to the data, then ``default``.
    default
        Users assumed for a unit whose population nobody gives.

    Returns
    -------
    pandas.DataFrame
        ``unit_id`` (str), ``population`` (int), ``source`` (``"given"``, ``"data"`` or
        ``"default"``).

    Examples
    --------
    >>> import kinerja_research as kr
    >>> unit_population(kr.simulate("tiny"), 500)["population"].unique().tolist()
    [500]
    """
    default = _positive_int(default, "default")
    units = study.units
    ids = units["unit_id"].astype(str).reset_index(drop=True)
    pop = pd.Series(np.nan, index=ids.index, dtype=float)
    source = pd.Series("default", index=ids.index, dtype=object)
    col = next((c for c in POPULATION_COLUMNS if c in units.columns), None)
    if col is not None:
        data = pd.to_numeric(units[col], errors="coerce").reset_index(drop=True).astype(float)
        have = data.notna() & (data >= 1)
        pop[have], source[have] = data[have], "data"
    if population is not None:
        if isinstance(population, pd.DataFrame):
            if not {"unit_id", "population"} <= set(population.columns):
                raise ValueError("a population frame needs columns unit_id and population")
            given = ids.map(dict(zip(population["unit_id"].astype(str), population["population"], strict=True)))
        elif isinstance(population, Mapping):
            given = ids.map({str(k): v for k, v in population.items()})
        else:
            given = pd.Series(_positive_int(population, "population"), index=ids.index)
        given = pd.to_numeric(given, errors="coerce").astype(float)
        if (given < 1).any():
            raise ValueError("every given population must be at least 1")
        have = given.notna()
        pop[have], source[have] = given[have], "given"
    pop = pop.fillna(default)
    return pd.DataFrame({"unit_id": ids, "population": pop.astype(np.int64), "source": source})


def sample_check(scored: pd.DataFrame, populations: pd.DataFrame) -> pd.DataFrame:
    """Add the required SKM sample to IKM scores (one row per unit and period).

    Parameters
    ----------
    scored
        :func:`kinerja_research.scoring.ikm` output by ``unit_id`` (and period), with ``n``.
    populations
        :func:`unit_population` output.

    Returns
    -------
    pandas.DataFrame
        ``scored`` with ``population``, ``population_source``, ``sample_required`` and
        ``below_sample_size`` (bool).

    Examples
    --------
    >>> s = pd.DataFrame({"unit_id": ["a", "b"], "n": [90, 10]})
    >>> p = pd.DataFrame({"unit_id": ["a", "b"], "population": [100, 100], "source": "default"})
    >>> sample_check(s, p)[["sample_required", "below_sample_size"]].to_dict("list")
    {'sample_required': [80, 80], 'below_sample_size': [False, True]}
    """
    pop = populations.set_index("unit_id")
    uid = scored["unit_id"].astype(str)
    n_pop = uid.map(pop["population"]).to_numpy(dtype=float)
    if np.isnan(n_pop).any():
        raise ValueError("sample_check: some scored units have no population; build it with unit_population")
    req = np.asarray(skm_sample_size(n_pop), dtype=np.int64)
    return scored.assign(population=n_pop.astype(np.int64), population_source=uid.map(pop["source"]).to_numpy(),
                         sample_required=req, below_sample_size=scored["n"].to_numpy() < req)
