"""What every notebook's first code cell calls: validate parameters, load the data, set style.

Notebooks hold narrative and calls only (docs/guide/reports.md); this module turns their plain-literal
parameters into a :class:`NotebookContext`.

>>> ctx = setup(dataset="synthetic", lang="en", seed=0)  # doctest: +SKIP
>>> ctx.study, ctx.t("coverage")  # doctest: +SKIP
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kinerja_research.analysis.i18n import number, translate
from kinerja_research.config import project_path, settings
from kinerja_research.data.study import Study, covered_periods

LANGS = ("id", "en")

#: CSS class of the synthetic-data banner; ``kinerja_research.reports.document.BANNER_CLASS``
#: reads the same (reports sit above this layer and may not be imported from here).
BANNER_CLASS = "kr-synthetic-banner"


@dataclass(frozen=True)
class NotebookContext:
    """Validated parameters, the loaded study and helpers for one notebook run."""

    study: Study
    params: dict[str, Any]
    lang: str
    k: int
    data_dir: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def t(self, key: str, **fmt: Any) -> str:
        """Text in the notebook's language (see :mod:`kinerja_research.analysis.i18n`)."""
        return translate(key, self.lang, **fmt)

    def table(self, df: Any, **kw: Any) -> Any:
        """``df`` as a reader's table in the notebook's language (:func:`~kinerja_research.analysis.tables.styled`)."""
        from kinerja_research.analysis.tables import styled

        return styled(df, lang=self.lang, **kw)

    def num(self, x: Any, digits: int = 2) -> str:
        """A number in the notebook's language format (``1.234,56`` in Indonesian)."""
        return number(x, self.lang, digits)

    @property
    def synthetic(self) -> bool:
        return self.study.synthetic


def data_dir(dataset: str) -> Path:
    """Folder of a named dataset: ``synthetic`` → ``world.out`` in settings; else
    ``data/processed/<dataset>``, both relative to the project root (so a notebook opened from
    ``notebooks/`` uses the project's data, never a second world of its own).
    ``KINERJA_DATA`` overrides the synthetic folder."""
    if dataset == "synthetic":
        env = os.environ.get("KINERJA_DATA")
        if env:
            return Path(env)
        return project_path(settings().get("world", {}).get("out", "data/synthetic"))
    return project_path("data/processed") / dataset


@functools.cache
def _load_cached(path: str, stamp: float) -> Study:
    from kinerja_research.data.store import load

    return load(path)


def load_dataset(dataset: str = "synthetic", *, seed: int = 0) -> tuple[Study, Path]:
    """Load a named dataset, building the default synthetic world first if it is absent.

    Loaded studies are cached per process (keyed by folder and modification time), so report
    workers that load once serve every report they fork.
    """
    d = data_dir(dataset)
    meta = d / "study.json"
    if not meta.exists():
        if dataset != "synthetic":
            raise ValueError(
                f"dataset {dataset!r} not found in {d}; validate and save it first "
                "(see README: Bringing your own data), or use dataset='synthetic'"
            )
        import kinerja_research as kr
        from kinerja_research.data.store import save

        world = settings().get("world", {})
        save(kr.simulate(world.get("preset", "jatim"), int(world.get("seed", seed))), d)
    return _load_cached(str(d.resolve()), meta.stat().st_mtime), d


def setup(
    *,
    dataset: str = "synthetic",
    lang: str = "id",
    seed: int = 0,
    region: str | None = None,
    period: int | None = None,
    k: int | None = None,
    **extra: Any,
) -> NotebookContext:
    """Validate a notebook's parameters and load its data.

    Parameters
    ----------
    dataset
        ``"synthetic"`` (the default world) or the name of a processed dataset.
    lang
        ``"id"`` (Bahasa Indonesia) or ``"en"``.
    seed
        Seed for every random step of the notebook.
    region, period
        For regional reports: a region_id of the data and a year it covers.
    k
        Smallest group shown (default ``k_anonymity`` from settings, 5).
    **extra
        Notebook-specific parameters, passed through after a type check (plain literals only).

    Raises
    ------
    ValueError
        With a message naming the bad parameter and the allowed values.

    Notes
    -----
    On synthetic data the setup cell displays the banner "DATA SINTETIS — bukan data ASN
    sebenarnya" (English: "SYNTHETIC DATA — not real civil servants") as its first output; on
    real data nothing.
    """
    if lang not in LANGS:
        raise ValueError(f"parameter lang must be one of {LANGS}, not {lang!r}")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"parameter seed must be a non-negative integer, not {seed!r}")
    kk = int(settings().get("k_anonymity", 5)) if k is None else k
    if not isinstance(kk, int) or kk < 1:
        raise ValueError(f"parameter k must be a positive integer, not {k!r}")
    for name, value in extra.items():
        if not isinstance(value, str | int | float | bool | list | tuple | type(None)):
            raise ValueError(f"parameter {name} must be a plain literal, not {type(value).__name__}")
    study, d = load_dataset(dataset, seed=seed)
    if region is not None:
        region = str(region)
        known = set(study.regions["region_id"].astype(str))
        if region not in known:
            raise ValueError(f"parameter region={region!r} is not a region_id of dataset {dataset!r}")
    if period is not None:
        years = covered_periods(study)
        if int(period) not in years:
            raise ValueError(f"parameter period={period!r} is not covered; the data cover {years[0]}–{years[-1]}")
    _style()
    if study.synthetic:
        _show_banner(lang)
    params = {"dataset": dataset, "lang": lang, "seed": seed, "region": region, "period": period, "k": kk, **extra}
    return NotebookContext(study=study, params=params, lang=lang, k=kk, data_dir=d, extra=dict(extra))


def banner_html(lang: str) -> str:
    """The synthetic-data banner (the class the runner and the index look for)."""
    return f'<div class="{BANNER_CLASS}">{translate("synthetic_banner", lang)}</div>'


def _show_banner(lang: str) -> None:
    """Display the banner as HTML output of the setup cell (only inside a notebook kernel)."""
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:  # pragma: no cover - IPython comes with the notebooks extra
        return
    if get_ipython() is not None:
        display(HTML(banner_html(lang)))


def warm_imports() -> None:
    """Import what :func:`setup` and the reader tables load on first use: seaborn (and SciPy
    through it), pandas' Styler with its Jinja2 templates.

    Report workers call it before forking (:func:`kinerja_research.reports.warmup.prepare_worker`
    calls every preloaded module's ``warm_imports``), so that the forked reports do not each
    import them again (most of a second a report). The style is still applied by :func:`setup`, in
    the report itself, so notebooks that do not call it are unaffected.
    """
    import pandas as pd
    import seaborn  # noqa: F401

    from kinerja_research.analysis.tables import styled

    styled(pd.DataFrame({"x": [1.0]})).to_html()  # loads and compiles the HTML templates once


@functools.cache
def _style() -> None:
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(style="whitegrid", context="notebook")
    mpl.rcParams.update({"figure.dpi": 96, "savefig.dpi": 96, "figure.figsize": (7.5, 4)})
