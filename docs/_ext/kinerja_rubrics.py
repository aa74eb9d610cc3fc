"""Directives that render reference tables from the package's own data files at build time.

- ``kinerja-rubrics``: every rubric file under ``kinerja_research/rubrics/files`` — regulation,
  article, validity dates, boundary convention, sources, notes, recorded verifications, and the
  confidence mark of each table;
- ``kinerja-contract``: the columns of every canonical table (``kinerja_research.data.TABLE_SPECS``);
- ``kinerja-aliases``: the Indonesian header aliases and dropped personal columns
  (``kinerja_research/data/aliases.yml``).

The pages follow the code: a new rubric version, column or alias appears without editing them.
The directives emit reStructuredText, so use them inside an ``{eval-rst}`` block in MyST pages.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective
from sphinx.util.nodes import nested_parse_with_titles

_SPECIAL = re.compile(r"([\\`*_|\[\]<>])")


def esc(value: Any) -> str:
    """``value`` as one line of reStructuredText that renders literally."""
    text = " ".join(str(value).split())
    return _SPECIAL.sub(r"\\\1", text)


def _link(url: str) -> str:
    url = str(url).strip()
    if re.match(r"https?://\S+$", url):
        return f"`{esc(url)} <{url}>`__"
    return esc(url)


class _Generated(SphinxDirective):
    has_content = False

    def lines(self) -> list[str]:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self) -> list[nodes.Node]:
        container = nodes.container()
        content = StringList(self.lines(), source=f"<{self.name}>")
        nested_parse_with_titles(self.state, content, container)
        return container.children


def rubric_documents() -> list[dict[str, Any]]:
    """Every rubric file as parsed YAML, sorted by id."""
    root = resources.files("kinerja_research.rubrics").joinpath("files")
    docs = []
    for kind_dir in root.iterdir():
        if not kind_dir.is_dir():
            continue
        for f in kind_dir.iterdir():
            if f.name.endswith(".yml"):
                docs.append(yaml.safe_load(f.read_text(encoding="utf-8")))
    return sorted(docs, key=lambda d: d["id"])


_KIND_TITLES = {
    "ip_asn": "IP ASN — Indeks Profesionalitas ASN",
    "ikm": "IKM / SKM — Indeks Kepuasan Masyarakat",
    "skp": "SKP — individual performance appraisal",
    "merit": "Sistem merit",
    "sakip": "SAKIP — Akuntabilitas Kinerja Instansi Pemerintah",
    "jpm": "JPM — Job Person Match",
    "disiplin": "Discipline sanctions",
    "ombudsman": "Ombudsman compliance",
    "tpp": "TPP and tunjangan kinerja",
    "lelang_kinerja": "Lelang kinerja (Kota Malang)",
}


def rubric_label(rubric_id: str) -> str:
    """The cross-reference label of a rubric's section: ``ikm/permenpan-14-2017`` → ``rubric-ikm-permenpan-14-2017``."""
    return "rubric-" + re.sub(r"[^a-z0-9]+", "-", rubric_id.lower()).strip("-")


class RubricsDirective(_Generated):
    """Render every rubric file, grouped by index, one subsection per regulation version."""

    def lines(self) -> list[str]:
        out: list[str] = []
        by_kind: dict[str, list[dict[str, Any]]] = {}
        for doc in rubric_documents():
            by_kind.setdefault(doc["kind"], []).append(doc)
        for kind in sorted(by_kind):
            title = esc(_KIND_TITLES.get(kind, kind))
            out += [title, "-" * len(title), ""]
            for doc in by_kind[kind]:
                out += self._rubric(doc)
        return out

    def _rubric(self, doc: dict[str, Any]) -> list[str]:
        rid = doc["id"]
        head = f"``{rid}``"
        tables = doc.get("tables") or {}
        verified = [bool(t.get("verified")) for t in tables.values()]
        status = ("all tables verified" if all(verified) else
                  "no table verified" if not any(verified) else
                  f"{sum(verified)} of {len(verified)} tables verified")
        out = [f".. _{rubric_label(rid)}:", "", head, "~" * len(head), ""]
        out += [f"**{esc(doc.get('title', ''))}** — {status}.", ""]
        out += [f":Regulation: {esc(doc.get('regulation', ''))}",
                f":Article: {esc(doc.get('article', ''))}",
                f":In force: {esc(doc.get('valid_from'))} to {esc(doc.get('valid_to') or 'today')}"]
        if doc.get("boundary_convention"):
            out.append(f":Band edges: {esc(doc['boundary_convention'])}")
        out.append("")
        if tables:
            out += [".. list-table::", "   :header-rows: 1", "   :widths: 20 10 20 50", "",
                    "   * - table", "     - kind", "     - confidence", "     - source"]
            for name, t in tables.items():
                mark = esc(t.get("confidence", ""))
                mark = f"**{mark}**" if not t.get("verified") else mark
                out += [f"   * - ``{name}``", f"     - {esc(t.get('kind', ''))}",
                        f"     - {mark}", f"     - {esc(t.get('source', ''))}"]
            out.append("")
        if doc.get("notes"):
            out += ["Notes:", ""] + [f"- {esc(n)}" for n in doc["notes"]] + [""]
        checks = doc.get("verification") or []
        if checks:
            out += ["Checked against published sources:", ""]
            for c in checks:
                out.append(f"- {esc(c.get('claim', ''))} — *{esc(c.get('result', ''))}* "
                           f"({esc(c.get('checked', ''))}; {_link(c.get('source', ''))})")
            out.append("")
        if doc.get("sources"):
            out += ["Sources:", ""] + [f"- {_link(s)}" for s in doc["sources"]] + [""]
        return out


def _column_rule(col: Any, categories: dict[str, tuple[str, ...]]) -> str:
    parts = []
    if col.kind == "cat" and col.name in categories:
        parts.append(", ".join(f"``{c}``" for c in categories[col.name]))
    if col.min is not None or col.max is not None:
        lo = "" if col.min is None else f"{col.min:g} {'<' if col.min_exclusive else '≤'} "
        hi = "" if col.max is None else f" ≤ {col.max:g}"
        parts.append(f"{lo}value{hi}")
    if col.pattern:
        parts.append(f"matches ``{col.pattern}``")
    if col.doc:
        parts.append(esc(col.doc))
    return "; ".join(parts) or "—"


class ContractDirective(_Generated):
    """Render the columns of every canonical table from the package's specifications."""

    def lines(self) -> list[str]:
        from kinerja_research.data import schemas

        categories = getattr(schemas, "CATEGORIES", {})
        out: list[str] = []
        for name, spec in schemas.TABLE_SPECS.items():
            title = f"``{name}`` — key ``{', '.join(spec.key)}``"
            out += [f".. _contract-{name}:", "", title, "~" * len(title), "",
                    ".. list-table::", "   :header-rows: 1", "   :widths: 22 8 10 60", "",
                    "   * - column", "     - type", "     - required", "     - rule"]
            for col in spec.columns:
                req = "yes" if col.required else "optional"
                if getattr(col, "nullable", False):
                    req += ", may be missing"
                out += [f"   * - ``{col.name}``", f"     - {col.kind}", f"     - {req}",
                        f"     - {_column_rule(col, categories)}"]
            out.append("")
        return out


class AliasesDirective(_Generated):
    """Render the Indonesian header aliases and the personal columns dropped on reading."""

    def lines(self) -> list[str]:
        text = resources.files("kinerja_research.data").joinpath("aliases.yml").read_text("utf-8")
        doc = yaml.safe_load(text) or {}
        out = [".. list-table::", "   :header-rows: 1", "   :widths: 25 75", "",
               "   * - canonical column", "     - headers recognised in exports"]
        for column, headers in (doc.get("aliases") or {}).items():
            out += [f"   * - ``{column}``", "     - " + (", ".join(f"``{h}``" for h in headers) or "—")]
        out.append("")
        if doc.get("drop"):
            out += ["Columns dropped on reading because they hold personal data: "
                    + ", ".join(f"``{h}``" for h in doc["drop"]) + ".", ""]
        for key in sorted(set(doc) - {"aliases", "drop"}):
            out += [f"The file also sets ``{esc(key)}``; see "
                    ":mod:`kinerja_research.data.read` for its meaning.", ""]
        return out


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the three directives."""
    app.add_directive("kinerja-rubrics", RubricsDirective)
    app.add_directive("kinerja-contract", ContractDirective)
    app.add_directive("kinerja-aliases", AliasesDirective)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
