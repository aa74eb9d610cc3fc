"""The report grid (``config/reports.yml``): which notebook runs with which parameters.

Shape::

    defaults:            # given to every notebook that declares the parameter
      seed: 0
    data: data/synthetic # hashed into every report's key (study.json fingerprint, else file stats)
    engine: auto         # fork (Linux fast path), papermill (stock, no fork), auto (fork on Linux)
    timeout: 900         # seconds per report (> 0)
    languages: [id, en]  # every report in each; English ones at en/<name>
    pdf: false           # an A4 PDF beside each HTML (kinerja reports --pdf)
    publish_ipynb: false # publish the executed .ipynb too (scanned like the HTML)
    name_headers: [pegawai]  # header prefixes that mark personal names, besides nama…/name…
    preload_datasets: [synthetic]
    reports:
      - notebook: notebooks/00_data_overview.ipynb
        name: data_overview
        title: Ikhtisar data
        parameters: {dataset: synthetic}
      - notebook: notebooks/10_regional_report.ipynb
        name: "regional/{region}_{period}"
        title: {id: "Laporan kinerja {region} {period}", en: "Performance report {region} {period}"}
        for_each:
          region: {table: regions, column: region_id, where: {kind: [kota, kabupaten]}}
          period: [2024]

``for_each`` expands over the product of its lists; a list may be literal, ``{csv: FILE,
column: C}`` or ``{table: T, column: C, where: {...}}`` (read from ``data``'s Parquet tables).
Parameters that a notebook's ``parameters`` cell does not declare are an error before anything
runs, as are values whose type differs from the declared default. ``title`` (what the index
shows until a report has run and named itself by its first heading) is one text or one per
language; without it, each language takes the first heading of the notebook's cells in it.

>>> g = load_grid("config/reports.yml")  # doctest: +SKIP
>>> [r.name for r in g.reports][:1]      # doctest: +SKIP
['data_overview']
"""

from __future__ import annotations

import ast
import fnmatch
import hashlib
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kinerja_research.reports.job import ENGINES

_NAME_OK = re.compile(r"^[A-Za-z0-9_.\-/]+$")
_TOP_KEYS = {"defaults", "data", "engine", "timeout", "preload_datasets", "preload", "reports", "name_headers",
             "languages", "pdf", "publish_ipynb"}
_ENTRY_KEYS = {"notebook", "name", "title", "parameters", "for_each", "timeout"}


@dataclass(frozen=True)
class ReportSpec:
    """One report of the expanded grid."""

    name: str
    title: str
    notebook: Path
    parameters: dict[str, Any]  # what is injected (grid defaults + entry + for_each + overrides)
    merged: dict[str, Any]  # notebook defaults overlaid with the injected values
    timeout: float | None = None
    lang: str = "id"  # the report's language; "id" reports keep the name, others are "<lang>/<name>"
    base_name: str = ""  # the name without the language folder (same for every language)


@dataclass(frozen=True)
class Grid:
    """An expanded, validated report grid."""

    path: Path | None
    reports: tuple[ReportSpec, ...]
    data: Path | None = None
    engine: str = "auto"
    preload: tuple[str, ...] = ()
    preload_datasets: tuple[str, ...] = ()
    name_headers: tuple[str, ...] = ()  # added to the default name headers (nama…, name…)
    languages: tuple[str, ...] = ("id", "en")
    pdf: bool = False
    publish_ipynb: bool = False
    timeout: float | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def select(self, pattern: str | None) -> tuple[ReportSpec, ...]:
        """Reports whose name, or name without the language folder, matches the glob ``pattern``
        (all when ``None``)."""
        if not pattern:
            return self.reports
        return tuple(r for r in self.reports
                     if fnmatch.fnmatchcase(r.name, pattern) or fnmatch.fnmatchcase(r.base_name or r.name, pattern))


def _cell_source(cell: Mapping[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def notebook_parameters(notebook: str | Path) -> dict[str, Any]:
    """The declared parameters of a notebook: names and default values of its ``parameters`` cell.

    Raises
    ------
    ValueError
        When the notebook has no or several cells tagged ``parameters``, or the cell holds
        anything but ``name = <plain literal>`` assignments.

    Examples
    --------
    >>> notebook_parameters("tests/notebooks/ok.ipynb")  # doctest: +SKIP
    {'label': 'fixture', 'n': 3, 'lang': 'id', 'seed': 0}
    """
    p = Path(notebook)
    try:
        nb = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"notebook {p} does not exist") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"notebook {p} is not valid JSON: {exc}") from None
    cells = [c for c in nb.get("cells", []) if "parameters" in (c.get("metadata", {}).get("tags") or [])]
    if len(cells) != 1:
        raise ValueError(f"notebook {p} must have exactly one cell tagged 'parameters', found {len(cells)}")
    src = _cell_source(cells[0])
    try:
        tree = ast.parse(src)
    except SyntaxError as exc:
        raise ValueError(f"notebook {p}: the parameters cell is not valid Python ({exc.msg}, line {exc.lineno})") from None
    out: dict[str, Any] = {}
    for node in tree.body:
        target = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target, value = node.targets[0].id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            target, value = node.target.id, node.value
        if target is None:
            raise ValueError(f"notebook {p}: the parameters cell may only hold 'name = literal' lines; "
                             f"line {node.lineno} is {ast.unparse(node)!r}")
        try:
            out[target] = ast.literal_eval(value)
        except ValueError:
            raise ValueError(f"notebook {p}: parameter {target} must be a plain literal, "
                             f"not {ast.unparse(value)!r}") from None
    return out


#: Modules that import others lazily, inside the functions notebooks call: preloading those too
#: keeps the import out of every forked report (kr.analysis.notebook.setup styles plots with seaborn).
_IMPLIED: dict[str, tuple[str, ...]] = {"kinerja_research.analysis.notebook": ("seaborn",)}


def notebook_modules(notebook: str | Path) -> set[str]:
    """Modules a notebook uses: its imports, plus ``kinerja_research`` subpackages it reaches as
    attributes (``kr.stats.did``), which load lazily. The runner preloads them in its workers.

    Examples
    --------
    >>> sorted(notebook_modules("tests/notebooks/regional.ipynb"))[:2]  # doctest: +SKIP
    ['kinerja_research', 'kinerja_research.analysis.i18n']
    """
    import importlib.util

    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    found: set[str] = set()
    aliases = {"kinerja_research"}  # names bound to the package, in any earlier cell
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        src = "\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in _cell_source(cell).splitlines())
        try:
            tree = ast.parse(src)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    found.add(a.name)
                    if a.name == "kinerja_research":
                        aliases.add(a.asname or a.name)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
        for node in ast.walk(tree):
            # kr.stats.did → kinerja_research.stats, kinerja_research.stats.did (the ones that exist)
            chain: list[str] = []
            cur: ast.AST = node
            while isinstance(cur, ast.Attribute):
                chain.append(cur.attr)
                cur = cur.value
            if chain and isinstance(cur, ast.Name) and cur.id in aliases:
                mod = "kinerja_research"
                for part in reversed(chain):
                    mod = f"{mod}.{part}"
                    try:
                        if importlib.util.find_spec(mod) is None:
                            break
                    except (ImportError, ValueError):
                        break
                    found.add(mod)
    for mod in list(found):
        found.update(_IMPLIED.get(mod, ()))
    return found


def _type_ok(default: Any, value: Any) -> bool:
    if default is None or value is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float) and isinstance(value, int | float):
        return True
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def check_parameters(notebook: str | Path, parameters: Mapping[str, Any], *,
                     declared: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Check parameters against a notebook's ``parameters`` cell; return defaults merged with them.

    Raises
    ------
    ValueError
        Naming every undeclared parameter (with the declared ones) or every type mismatch.

    Examples
    --------
    >>> check_parameters("tests/notebooks/ok.ipynb", {"n": 5})["n"]  # doctest: +SKIP
    5
    """
    decl = dict(notebook_parameters(notebook) if declared is None else declared)
    unknown = sorted(set(parameters) - set(decl))
    if unknown:
        raise ValueError(f"notebook {notebook} does not declare parameter(s) {unknown}; "
                         f"its parameters cell declares {sorted(decl)}")
    bad = [f"{k}={v!r} ({type(v).__name__}, the default is {type(decl[k]).__name__} {decl[k]!r})"
           for k, v in parameters.items() if not _type_ok(decl[k], v)]
    if bad:
        raise ValueError(f"notebook {notebook}: wrong parameter type(s): {'; '.join(bad)}")
    return {**decl, **parameters}


def _expand_source(source: Any, *, key: str, base: Path, data: Path | None) -> list[Any]:
    if isinstance(source, list):
        return source
    if isinstance(source, str | int | float | bool):
        return [source]
    if not isinstance(source, Mapping):
        raise ValueError(f"for_each.{key} must be a list, {{csv:, column:}} or {{table:, column:}}")
    import pandas as pd

    column = source.get("column")
    if not column:
        raise ValueError(f"for_each.{key} needs a 'column'")
    if "csv" in source:
        path = base / str(source["csv"])
        if not path.resolve().is_relative_to(base.resolve()):
            raise ValueError(f"for_each.{key}: {source['csv']!r} points outside the project folder")
        if not path.exists():
            raise FileNotFoundError(f"for_each.{key}: {path} does not exist")
        frame = pd.read_csv(path, dtype=str)
    elif "table" in source:
        if data is None:
            raise ValueError(f"for_each.{key} reads table {source['table']!r} but the grid has no 'data' folder")
        path = data / f"{source['table']}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"for_each.{key}: {path} does not exist; build the data first (make data)")
        frame = pd.read_parquet(path)
    else:
        raise ValueError(f"for_each.{key} needs 'csv' or 'table'")
    if column not in frame.columns:
        raise ValueError(f"for_each.{key}: column {column!r} not in {list(frame.columns)}")
    for col, want in (source.get("where") or {}).items():
        wanted = [str(w) for w in (want if isinstance(want, list) else [want])]
        frame = frame[frame[col].astype(str).isin(wanted)]
    return [v.item() if hasattr(v, "item") else v for v in frame[column].drop_duplicates().tolist()]


def _format(template: str, values: Mapping[str, Any], *, what: str) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"{what} {template!r} uses {exc} which is not a parameter") from None


class GridError(ValueError):
    """A report grid that cannot run: the message names the key (and line) at fault."""


def _yaml_load(gpath: Path) -> tuple[Any, dict[str, int]]:
    """The parsed grid and the line of each top-level key and ``reports`` entry (1-based)."""
    text = gpath.read_text(encoding="utf-8")
    try:
        raw = yaml.safe_load(text)
        node = yaml.compose(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise GridError(f"report grid {gpath}: YAML syntax error{where}: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise GridError(f"report grid {gpath}: not valid YAML: {exc}") from None
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            lines[str(k.value)] = k.start_mark.line + 1
            if k.value == "reports" and isinstance(v, yaml.SequenceNode):
                for i, item in enumerate(v.value):
                    lines[f"reports[{i}]"] = item.start_mark.line + 1
    return raw, lines


class _Checker:
    """Type and range checks of grid values; errors name the key and, for a file, its line."""

    def __init__(self, gpath: Path | None, lines: Mapping[str, int]) -> None:
        self.gpath, self.lines = gpath, lines

    def fail(self, key: str, msg: str) -> GridError:
        top = key.split(".")[0].split(" ")[0]
        line = self.lines.get(top) or self.lines.get(key.split(".")[0].split(" ")[0].split("(")[0])
        where = f"{self.gpath}" + (f", line {line}" if line else "") if self.gpath else "report grid"
        return GridError(f"{where}: {key}: {msg}")

    def seconds(self, key: str, value: Any) -> float | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(key, f"must be a number of seconds, not {value!r}")
        v = float(value)
        if not math.isfinite(v) or v <= 0:
            raise self.fail(key, f"must be a positive, finite number of seconds, not {value!r}")
        return v

    def flag(self, key: str, value: Any, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {value!r}")
        return value

    def strings(self, key: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str) or not isinstance(value, list | tuple):
            raise self.fail(key, f"must be a list of names, not {value!r}")
        bad = [v for v in value if not isinstance(v, str) or not v.strip()]
        if bad:
            raise self.fail(key, f"must hold non-empty names only, not {bad[:3]!r}")
        return tuple(v.strip() for v in value)

    def mapping(self, key: str, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(key, f"must be a mapping (key: value), not {value!r}")
        return dict(value)

    def inside(self, key: str, base: Path, rel: Any, *, absolute_ok: bool = False) -> Path:
        if not isinstance(rel, str) or not rel.strip():
            raise self.fail(key, f"must be a path inside the project, not {rel!r}")
        if absolute_ok and Path(rel).is_absolute():
            # data may live elsewhere (a shared drive) when the grid says so explicitly
            return Path(rel)
        p = (base / rel).resolve()
        if not p.is_relative_to(base.resolve()):
            raise self.fail(key, f"{rel!r} points outside the project folder {base.resolve()}")
        return base / rel


def load_grid(path: str | Path | Mapping[str, Any], *, lang: str | None = None,
              overrides: Mapping[str, Any] | None = None, base_dir: str | Path | None = None) -> Grid:
    """Read, expand and validate a report grid.

    Every report is expanded once per language of the grid's ``languages`` (default both):
    Indonesian reports keep their name, the others are named ``<lang>/<name>``, and each gets its
    ``lang`` parameter (when the notebook declares one).

    Parameters
    ----------
    path
        The YAML file, or an already-parsed mapping.
    lang
        Render only this language (``"id"`` or ``"en"``), whatever the grid's ``languages``.
    overrides
        Parameters set for every notebook that declares them.
    base_dir
        The project folder: relative notebook, data and csv paths are taken from it and must stay
        inside it (default: the current directory, where ``make reports`` runs).

    Raises
    ------
    GridError, FileNotFoundError
        With a message naming the key (and line) at fault; nothing has run or been written yet.
    """
    from kinerja_research.reports.language import LANGUAGES
    from kinerja_research.reports.privacy import nip_in_value

    if lang not in (None, *LANGUAGES):
        raise GridError(f"lang must be one of {list(LANGUAGES)}, not {lang!r}")
    lines: dict[str, int] = {}
    if isinstance(path, Mapping):
        raw, gpath = dict(path), None
    else:
        gpath = Path(path)
        if gpath.is_dir():
            raise GridError(f"report grid {gpath} is a folder; give the grid's YAML file (e.g. config/reports.yml)")
        if not gpath.exists():
            raise FileNotFoundError(f"report grid {gpath} does not exist")
        raw, lines = _yaml_load(gpath)
        raw = {} if raw is None else raw
    chk = _Checker(gpath, lines)
    if not isinstance(raw, dict):
        raise GridError(f"{gpath or 'the report grid'} must be a mapping with a 'reports' list")
    extra = set(raw) - _TOP_KEYS
    if extra:
        raise chk.fail(sorted(extra)[0], f"unknown key(s) {sorted(extra)} in the report grid; allowed: {sorted(_TOP_KEYS)}")
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    data = chk.inside("data", base, raw["data"], absolute_ok=True) if raw.get("data") is not None else None
    engine = raw.get("engine", "auto")
    if engine not in ENGINES:
        raise chk.fail("engine", f"grid engine must be one of {list(ENGINES)}, not {engine!r}")
    grid_timeout = chk.seconds("timeout", raw.get("timeout"))
    defaults = chk.mapping("defaults", raw.get("defaults"))
    languages = chk.strings("languages", raw.get("languages", list(LANGUAGES)))
    if not languages or set(languages) - set(LANGUAGES) or len(set(languages)) != len(languages):
        raise chk.fail("languages", f"must be a non-empty list of distinct languages from {list(LANGUAGES)}, "
                                    f"not {raw.get('languages')!r}")
    if lang is not None:
        languages = (lang,)
    pdf = chk.flag("pdf", raw.get("pdf"), False)
    publish_ipynb = chk.flag("publish_ipynb", raw.get("publish_ipynb"), False)
    heads = chk.strings("name_headers", raw.get("name_headers"))
    preload = chk.strings("preload", raw.get("preload"))
    preload_datasets = chk.strings("preload_datasets", raw.get("preload_datasets"))
    late = dict(overrides or {})
    for where_, params in (("defaults", defaults), ("parameters (command line)", late)):
        if "lang" in params:
            raise chk.fail(f"{where_}.lang", "a report's language is set by the grid's 'languages' "
                                             "(or --lang), not as a parameter")
        bad = sorted(k for k, v in params.items() if nip_in_value(v))
        if bad:
            raise chk.fail(f"{where_}.{bad[0]}", "holds an NIP; reports must not be parameterized by a "
                                                "person's NIP (use a unit, region or pseudonym)")
    entries = raw.get("reports")
    if not isinstance(entries, list) or not entries:
        raise chk.fail("reports", "the report grid needs a non-empty 'reports' list")
    specs: list[ReportSpec] = []
    declared_cache: dict[Path, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        where = f"reports[{i}]"
        if not isinstance(entry, Mapping) or "notebook" not in entry:
            raise chk.fail(where, "must be a mapping with a 'notebook'")
        bad_keys = set(entry) - _ENTRY_KEYS
        if bad_keys:
            raise chk.fail(where, f"unknown key(s) {sorted(bad_keys)}; allowed: {sorted(_ENTRY_KEYS)}")
        nb = chk.inside(f"{where}.notebook", base, entry["notebook"])
        where = f"{where} ({entry['notebook']})"
        if nb not in declared_cache:
            try:
                declared_cache[nb] = notebook_parameters(nb)
            except FileNotFoundError as exc:
                raise FileNotFoundError(f"{where}: {exc}") from None
            except ValueError as exc:
                raise chk.fail(where, str(exc)) from None
        declared = declared_cache[nb]
        given = chk.mapping(f"{where}.parameters", entry.get("parameters"))
        if "lang" in given:
            raise chk.fail(f"{where}.parameters.lang", "a report's language is set by the grid's 'languages'")
        bad = sorted(k for k, v in given.items() if nip_in_value(v))
        if bad:
            raise chk.fail(f"{where}.parameters.{bad[0]}", "holds an NIP; reports must not be parameterized "
                                                           "by a person's NIP (use a unit, region or pseudonym)")
        loops = chk.mapping(f"{where}.for_each", entry.get("for_each"))
        try:
            values = {k: _expand_source(v, key=k, base=base, data=data) for k, v in loops.items()}
        except ValueError as exc:
            raise chk.fail(where, str(exc)) from None
        for k, vals in values.items():
            if any(nip_in_value(v) for v in vals):
                raise chk.fail(f"{where}.for_each.{k}", "holds an NIP; reports must not be parameterized by a "
                                                        "person's NIP (use a unit, region or pseudonym)")
        timeout = chk.seconds(f"{where}.timeout", entry.get("timeout")) or grid_timeout
        if entry.get("name") is not None and not isinstance(entry["name"], str):
            raise chk.fail(f"{where}.name", f"must be text, not {entry['name']!r}")
        titles = _titles(entry.get("title"), languages, fail=lambda msg, _w=where: chk.fail(f"{_w}.title", msg))
        stem = Path(str(entry["notebook"])).stem
        name_t = str(entry.get("name") or (stem + "".join(f"_{{{k}}}" for k in loops)))
        for combo in itertools.product(*values.values()) if values else [()]:
            loop_vals = dict(zip(values, combo, strict=True))
            for language in languages:
                injected = {k: v for k, v in defaults.items() if k in declared}
                injected.update(given)
                injected.update(loop_vals)
                injected.update({k: v for k, v in late.items() if k in declared})
                if "lang" in declared:
                    injected["lang"] = language
                try:
                    merged = check_parameters(nb, injected, declared=declared)
                except ValueError as exc:
                    raise chk.fail(where, str(exc)) from None
                try:
                    base_name = _format(name_t, merged, what=f"{where} name")
                    if titles.get(language):
                        title = _format(titles[language], merged, what=f"{where} title")
                    else:
                        heading = notebook_title(nb, language) or stem
                        title = " — ".join([heading, *(f"{k} {v}" for k, v in loop_vals.items())])
                except ValueError as exc:
                    raise chk.fail(where, str(exc)) from None
                if not _NAME_OK.match(base_name) or ".." in base_name or base_name.startswith("/"):
                    raise chk.fail(where, f"report name {base_name!r} may use letters, digits, _ . - / only")
                name = base_name if language == LANGUAGES[0] else f"{language}/{base_name}"
                specs.append(ReportSpec(name=name, title=title, notebook=nb, parameters=injected, merged=merged,
                                        timeout=timeout, lang=language, base_name=base_name))
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise chk.fail("reports", f"report names must be unique; repeated: {dupes[:5]}")
    used = sorted(set().union(*(notebook_modules(nb) for nb in declared_cache)))
    return Grid(path=gpath, reports=tuple(specs), data=data, engine=engine,
                preload=tuple(dict.fromkeys([*preload, *used])), preload_datasets=preload_datasets,
                name_headers=heads, languages=languages, pdf=pdf, publish_ipynb=publish_ipynb,
                timeout=grid_timeout, raw=raw)


def data_fingerprint(path: str | Path | None) -> str | None:
    """Fingerprint of the grid's data: a stored study's ``study.json`` fingerprint when there is
    one, else a hash of file names, sizes and modification times under ``path``.

    Examples
    --------
    >>> data_fingerprint(None) is None
    True
    """
    if path is None:
        return None
    p = Path(path)
    if (p / "study.json").exists():
        try:
            from kinerja_research.data.store import data_fingerprint as study_fp

            return "study:" + study_fp(p)
        except (KeyError, ValueError, OSError):
            pass
    if not p.exists():
        return "missing"
    h = hashlib.sha256()
    files: Sequence[Path] = [p] if p.is_file() else sorted(q for q in p.rglob("*") if q.is_file())
    for q in files:
        st = q.stat()
        h.update(f"{q.relative_to(p) if q != p else q.name}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return "files:" + h.hexdigest()[:16]


def _titles(value: Any, languages: Sequence[str], *, fail: Any) -> dict[str, str]:
    """A grid entry's ``title``: one text for every language, or a mapping language → text."""
    from kinerja_research.reports.language import LANGUAGES

    if value is None:
        return {}
    if isinstance(value, str):
        return dict.fromkeys(languages, value)
    if isinstance(value, Mapping):
        unknown = [k for k in value if k not in LANGUAGES]
        if unknown:
            raise fail(f"languages {unknown} are not report languages {list(LANGUAGES)}")
        bad = [k for k, v in value.items() if not isinstance(v, str)]
        if bad:
            raise fail(f"the title for {bad} must be text")
        return {str(k): str(v) for k, v in value.items()}
    raise fail(f"must be text or a mapping of language to text, not {value!r}")


def notebook_title(notebook: str | Path, lang: str | None = None) -> str | None:
    """The first Markdown heading of a notebook, for the index; of the cells in ``lang`` only
    (cells tagged ``lang-<other>`` are skipped) when a language is given."""
    try:
        nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    for c in nb.get("cells", []):
        tags = c.get("metadata", {}).get("tags", [])
        if lang is not None and any(t.startswith("lang-") and t != f"lang-{lang}" for t in tags):
            continue
        if c.get("cell_type") == "markdown":
            for line in _cell_source(c).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return None


__all__ = ["Grid", "GridError", "ReportSpec", "check_parameters", "data_fingerprint", "load_grid", "notebook_modules",
           "notebook_parameters", "notebook_title"]
