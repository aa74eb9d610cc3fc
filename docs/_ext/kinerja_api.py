"""What the API reference documents, and a build error for every public name without a docstring.

One definition of "public" serves the reference pages (through ``autosummary_context``) and the
docstring check, so a name the reference shows is exactly a name whose docstring is required:

- a module is public when no part of its dotted name starts with ``_``;
- a module's public names are its ``__all__`` when it defines one, else the functions and classes
  it defines whose names do not start with ``_``;
- a name is listed once, in its canonical module: the module that defines it when that module is
  public and declares the name public, else the public package that re-exports it. Re-exports of
  public modules (the lazy names of ``kinerja_research.stats``) are therefore shown only where
  they are defined.

New modules and functions appear in the reference without editing the documentation.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.nodes import make_refnode

logger = logging.getLogger(__name__)


@dataclass
class ModuleAPI:
    """The public functions, classes and exceptions a module's reference page lists."""

    functions: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)


def _is_public_module(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def walk_modules(package: str) -> list[str]:
    """Every public module of ``package`` (the package itself included), sorted."""
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}."):
        if _is_public_module(info.name):
            names.append(info.name)
    return sorted(names)


def _declared(module: ModuleType) -> list[str]:
    if hasattr(module, "__all__"):
        return [n for n in module.__all__ if not n.startswith("__")]
    return [
        n for n, v in vars(module).items()
        if not n.startswith("_")
        and ((_is_api_object(v) and getattr(v, "__module__", None) == module.__name__)
             or (n.isupper() and isinstance(v, str | int | float | tuple | frozenset | dict)))
    ]


def _is_api_object(obj: Any) -> bool:
    # lru_cache and functools.wraps wrappers are routines in all but name
    return inspect.isclass(obj) or inspect.isroutine(obj) or (
        callable(obj) and hasattr(obj, "__wrapped__"))


def _canonical(obj: Any, name: str, fallback: str, declared: dict[str, set[str]]) -> str:
    where = getattr(obj, "__module__", None)
    if isinstance(where, str) and _is_public_module(where) and name in declared.get(where, ()):
        return where
    return fallback


def public_api(package: str) -> dict[str, ModuleAPI]:
    """Map each public module of ``package`` to the names its reference page documents."""
    api: dict[str, ModuleAPI] = {}
    modules = {m: importlib.import_module(m) for m in walk_modules(package)}
    declared = {m: set(_declared(mod)) for m, mod in modules.items()}
    for modname, module in modules.items():
        entry = ModuleAPI()
        for name in _declared(module):
            obj = getattr(module, name, None)
            if obj is None or inspect.ismodule(obj):
                continue
            if _is_api_object(obj):
                if "<locals>" in getattr(obj, "__qualname__", ""):
                    continue  # built at run time inside a function: not importable by name
                if (_canonical(obj, name, modname, declared) != modname
                        or getattr(obj, "__name__", name) != name):
                    continue  # documented where it is defined, under its own name
                if inspect.isclass(obj) and issubclass(obj, BaseException):
                    entry.exceptions.append(name)
                elif inspect.isclass(obj):
                    entry.classes.append(name)
                else:
                    entry.functions.append(name)
            else:
                entry.data.append(name)
        api[modname] = entry
    return api


def _own_members(cls: type) -> list[tuple[str, Any]]:
    members = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if inspect.isfunction(value) or isinstance(value, property):
            members.append((name, value))
    return members


def missing_docstrings(package: str) -> list[str]:
    """Dotted names of public modules, functions, classes and methods that have no docstring."""
    missing = []
    for modname, entry in public_api(package).items():
        module = importlib.import_module(modname)
        if not inspect.getdoc(module):
            missing.append(modname)
        for name in entry.functions + entry.classes + entry.exceptions:
            obj = getattr(module, name)
            if not (obj.__doc__ or "").strip():
                missing.append(f"{modname}.{name}")
            if inspect.isclass(obj):
                for member, value in _own_members(obj):
                    doc = value.fget.__doc__ if isinstance(value, property) and value.fget else value.__doc__
                    if not (doc or "").strip():
                        missing.append(f"{modname}.{name}.{member}")
    return missing


def _check(app: Sphinx) -> None:
    missing = set(missing_docstrings(app.config.kinerja_api_package))
    baseline = set(app.config.kinerja_api_undocumented)
    for name in sorted(missing - baseline):
        logger.warning("public name without a docstring: %s", name, type="kinerja", subtype="docstring")
    for name in sorted(baseline - missing):
        # the baseline only shrinks: a name documented since must leave the list
        logger.warning("%s now has a docstring (or is gone): remove it from "
                       "kinerja_api_undocumented in docs/conf.py", name,
                       type="kinerja", subtype="docstring")


def _module_page(modname: str, entry: ModuleAPI, submodules: list[str]) -> str:
    title = modname.replace("_", r"\_")
    out = [title, "=" * len(title), "", f".. automodule:: {modname}", ""]
    for heading, names in (("Functions", entry.functions), ("Classes", entry.classes),
                           ("Exceptions", entry.exceptions)):
        if names:
            out += [f".. rubric:: {heading}", "", ".. autosummary::", "   :toctree: .",
                    "   :nosignatures:", ""]
            out += [f"   {n}" for n in names] + [""]
    if entry.data:
        out += [".. rubric:: Constants", ""]
        for n in entry.data:
            out += [f".. autodata:: {modname}.{n}", "   :no-value:", ""]
    if submodules:
        out += [".. rubric:: Modules", "", ".. toctree::", "   :maxdepth: 1", ""]
        out += [f"   {m}" for m in submodules] + [""]
    return "\n".join(out)


def write_module_pages(srcdir: str | Path, package: str) -> None:
    """Write one page per public module into ``api/generated`` (a build product, git-ignored).

    autosummary's ``:recursive:`` cannot be used as is: it imports modules by dotted name, and
    ``kinerja_research.scoring.ikm`` is both a module and, re-exported by its package, a function.
    The pages come from :func:`public_api` instead; autosummary then writes each function's and
    class's page from the tables on these pages. ``conf.py`` calls this when the configuration
    is read, before Sphinx looks for source files.
    """
    api = public_api(package)
    out = Path(srcdir) / "api" / "generated"
    # Start empty: a page of a module or function that no longer exists would otherwise linger
    # (and fail the build as a document in no toctree). autosummary rewrites the rest.
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True, exist_ok=True)
    for modname, entry in api.items():
        depth = modname.count(".") + 1
        children = [m for m in api if m.startswith(modname + ".") and m.count(".") == depth]
        text = _module_page(modname, entry, children)
        (out / f"{modname}.rst").write_text(text, encoding="utf-8")


def _canonical_name(dotted: str) -> str | None:
    """Where the object named ``dotted`` (possibly through a re-export) is defined."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        if inspect.ismodule(obj):
            return obj.__name__
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None)
        if isinstance(module, str) and isinstance(qualname, str):
            return f"{module}.{qualname}"
        return None
    return None


def _resolve_short_name(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a short name (``Study``, ``RDResults.density_test``) written in a docstring.

    Docstrings name the package's objects as a reader of the module would (unqualified); Sphinx
    looks only in the current module. This finds the objects of the package whose dotted name
    ends with the target; among several, the one sharing the longest module prefix with the
    place of the reference wins, and a tie stays unresolved (and fails the build).
    """
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "").lstrip(".~")
    package = app.config.kinerja_api_package
    if not target:
        return None
    domain = env.get_domain("py")
    if target.startswith(package + "."):
        # a re-export (kinerja_research.scoring.ikm → the function documented in scoring.ikm)
        canonical = _canonical_name(target)
        if canonical and canonical != target and canonical in domain.objects:
            obj = domain.objects[canonical]
            return make_refnode(app.builder, node["refdoc"], obj.docname, obj.node_id, contnode,
                                canonical)
        return None
    kinds = set(domain.objtypes_for_role(node.get("reftype", "obj")) or [])
    candidates = [name for name, obj in domain.objects.items()
                  if name.startswith(package + ".") and name.endswith("." + target)
                  and (not kinds or obj.objtype in kinds)]
    if not candidates:
        return None
    here = (node.get("py:module") or "").split(".")

    def shared(name: str) -> int:
        parts = name.split(".")
        n = 0
        while n < min(len(parts), len(here)) and parts[n] == here[n]:
            n += 1
        return n

    best = max(shared(c) for c in candidates)
    chosen = [c for c in candidates if shared(c) == best]
    if len(chosen) != 1:
        return None
    obj = domain.objects[chosen[0]]
    return make_refnode(app.builder, node["refdoc"], obj.docname, obj.node_id, contnode, chosen[0])


def _public_bases(app: Sphinx, name: str, obj: Any, options: Any, bases: list[type]) -> None:
    """Show a private base class (``_DiDBase``) as the public classes it derives from."""
    i = 0
    while i < len(bases):
        base = bases[i]
        if base.__name__.startswith("_") and base.__module__.startswith(app.config.kinerja_api_package):
            bases[i:i + 1] = [b for b in base.__bases__ if b is not object] or []
            continue
        i += 1
    if not bases:
        bases.append(object)


def _docstring_fixes(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """Apply ``kinerja_docstring_fixes`` (markup docutils cannot parse) until the source is fixed."""
    for (target, old), new in app.config.kinerja_docstring_fixes.items():
        if name != target:
            continue
        text = "\n".join(lines)
        if old not in text:
            logger.warning("docstring fix for %s no longer applies (%r not found): remove it from "
                           "kinerja_docstring_fixes in docs/conf.py", name, old,
                           type="kinerja", subtype="docstring")
            continue
        lines[:] = text.replace(old, new).split("\n")


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the check; ``conf.py`` passes :func:`public_api` to the autosummary templates."""
    app.add_config_value("kinerja_api_package", "kinerja_research", "env")
    app.add_config_value("kinerja_api_undocumented", [], "env")
    app.add_config_value("kinerja_docstring_fixes", {}, "env")
    app.connect("builder-inited", _check)
    app.connect("missing-reference", _resolve_short_name)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("autodoc-process-docstring", _docstring_fixes)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
