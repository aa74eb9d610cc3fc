"""Rewrite references to documents outside the repository so they point to the docs pages.

Module docstrings, comments, tests and rubric files cited the project's private design notes
("DESIGN §6"), the domain notes ("shared/domain/rubrics.md §2", "rubrics.md open question 3") and
the validation folder ("shared/validation/results/rd_senate.json"). Each such reference is
rewritten to the page of ``docs/`` that now holds the same content. The rewrite is idempotent:
a second run changes nothing.

Usage (from the repository root)::

    python docs/fix_refs.py            # rewrite in place, print every change as file:line
    python docs/fix_refs.py --check    # change nothing; exit 1 if any reference is left
    python docs/fix_refs.py --table    # print the Markdown table of docs/_refmap.md

The table of what maps where is ``docs/_refmap.md``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Where references are looked for (relative to the repository root).
SCAN = ("src", "tests", "README.md", "data", "config", "notebooks", "benchmarks", "scripts")
SUFFIXES = {".py", ".yml", ".yaml", ".md", ".csv", ".ipynb", ".txt", ".toml", ".cfg", ".sh"}

GUIDE = "docs/guide"
DESIGN_PAGES = {
    "1": "docs/index.md",
    "2": f"{GUIDE}/architecture.md#data-flow",
    "3": f"{GUIDE}/data-contract.md",
    "4": f"{GUIDE}/architecture.md#the-synthetic-world",
    "5": f"{GUIDE}/rubrics.md",
    "6": f"{GUIDE}/methods.md",
    "7": f"{GUIDE}/reports.md",
    "8": f"{GUIDE}/architecture.md",
}

#: Sections of the domain notes on rubrics → the rubric whose entry on docs/guide/rubrics.md
#: holds the same rule (the longest matching section number wins).
RUBRIC_SECTIONS = {
    "1": "ip_asn/permenpan-38-2018+perban-bkn-8-2019",
    "2": "ikm/permenpan-14-2017",
    "2.5": "ikm/kepmenpan-25-2004",
    "3": "skp/permenpan-6-2022",
    "3.1": "skp/pp-10-1979",
    "3.2": "skp/pp-46-2011",
    "3.3": "skp/pp-30-2019",
    "3.5": "skp/permenpan-6-2022",
    "4": "merit/permenpan-40-2018",
    "5": "sakip/permenpan-88-2021",
    "5.1": "sakip/permenpan-88-2021",
    "5.2": "sakip/permenpan-12-2015",
    "6": "jpm/optimal-3band",
    "6.2": "jpm/memenuhi-syarat-3band",
    "7": "disiplin/pp-94-2021",
    "7.3": "disiplin/pp-53-2010",
    "8.1": "ombudsman/kepatuhan-2015",
    "8.2": "ombudsman/opini-2022",
    "9": "tpp/prov-jatim",
    "9.2": "tpp/prov-jatim",
    "9.3": "tpp/permentan-68-2012",
    "10.1": "lelang_kinerja/kota-malang-2019",
}


def rubric_anchor(rubric_id: str) -> str:
    """The anchor of a rubric's entry on docs/guide/rubrics.md (as the docs build makes it)."""
    return "rubric-" + re.sub(r"[^a-z0-9]+", "-", rubric_id.lower()).strip("-")


def _own_rubric(rel: str) -> str | None:
    m = re.search(r"rubrics/files/(?P<kind>[^/]+)/(?P<version>[^/]+)\.ya?ml$", rel)
    return f"{m.group('kind')}/{m.group('version')}" if m else None


def _rubric_section(match: re.Match[str], rel: str) -> str:
    own = _own_rubric(rel)
    if own:  # a rubric file citing its own section: its own entry on the page
        return f"{GUIDE}/rubrics.md#{rubric_anchor(own)}"
    section = match.group("sec")
    parts = section.split(".")
    for n in range(len(parts), 0, -1):
        rid = RUBRIC_SECTIONS.get(".".join(parts[:n]))
        if rid:
            return f"{GUIDE}/rubrics.md#{rubric_anchor(rid)}"
    return f"{GUIDE}/rubrics.md"


Rule = tuple[str, re.Pattern[str], str | Callable[..., str], str | None]
_RUBRICS_MD = r"(?<![\w/])(?:/work/)?(?:shared/domain/)?rubrics\.md"

#: (name, pattern, replacement, only in files whose path ends with this — or None). Order matters:
#: specific forms first. Every replacement is free of the patterns, so a second run is a no-op.
RULES: list[Rule] = [
    ("design+style", re.compile(r"DESIGN §7, STYLE"), f"{GUIDE}/reports.md", None),
    ("design+rubrics", re.compile(r"DESIGN §5, ``(?:/work/)?shared/domain/rubrics\.md``"),
     f"``{GUIDE}/rubrics.md``", None),
    ("transcribed", re.compile(r"Transcribed from " + _RUBRICS_MD + r" §(?P<sec>\d+(?:\.\d+)*)"),
     lambda m, rel: f"Documented in {_rubric_section(m, rel)}", None),
    ("design-of-this-project", re.compile(r"DESIGN §4 of this project"),
     f"the synthetic world's design ({GUIDE}/architecture.md#the-synthetic-world)", None),
    ("design", re.compile(r"DESIGN(?:\.md)? §(?P<sec>\d+)"),
     lambda m: DESIGN_PAGES.get(m.group("sec"), f"{GUIDE}/architecture.md"), None),
    ("rubrics-open-question",
     re.compile(_RUBRICS_MD + r"(?P<ws1>\s+)open(?P<ws2>\s+)questions?(?P<ws3>\s+)(?P<n>\d+)"),
     lambda m: f"{GUIDE}/rubrics.md#open-questions,{m.group('ws1')}question{m.group('ws3')}{m.group('n')}",
     None),
    ("rubrics-open-question-unnumbered",
     re.compile(_RUBRICS_MD + r"(?P<ws>\s+)open(?=\s)"),
     lambda m: f"{GUIDE}/rubrics.md#open-questions{m.group('ws')}open", None),
    ("rubrics-section",
     re.compile(_RUBRICS_MD + r" §(?P<sec>\d+(?:\.\d+)*)"),
     _rubric_section, None),
    ("rubrics", re.compile(_RUBRICS_MD),
     f"{GUIDE}/rubrics.md", None),
    ("glossary", re.compile(r"(?:/work/)?shared/domain/glossary\.md"),
     f"{GUIDE}/data-contract.md", None),
    ("regions-source", re.compile(r"Source: (?:/work/)?shared/domain/regions_jatim\.csv \("),
     "Source: BPS, Badan Pusat Statistik (", None),
    ("validation-copy",
     re.compile(r"copied from(?P<ws>\s+)(?:/work/)?shared/validation/data/(?P<file>[\w-]+(?:\.[\w-]+)*)"),
     lambda m: f"copied from the validation case data{m.group('ws')}(``{m.group('file')}``, "
               f"{GUIDE}/methods.md)", None),
    ("validation-result",
     re.compile(r"(?:/work/)?shared/validation/results/(?P<case>\w+)\.json"),
     lambda m: f"validation case ``{m.group('case')}`` ({GUIDE}/methods.md)", None),
    ("validation-readme", re.compile(r"(?:/work/)?shared/validation/README\.md"),
     f"{GUIDE}/methods.md", None),
    ("validation-not-in", re.compile(r"Not in (?:/work/)?shared/validation:"),
     f"Not a validation case of {GUIDE}/methods.md:", None),
    ("validation", re.compile(r"(?:/work/)?shared/validation\b"), f"{GUIDE}/methods.md", None),
    # `grep DESIGN` must find nothing: the coverage test's dict of designs is renamed.
    ("designs-name", re.compile(r"\bDESIGNS\b"), "SYNTHETIC_STUDIES", "tests/test_coverage.py"),
]


def files() -> Iterator[Path]:
    """Every text file under the scanned paths, sorted."""
    for entry in SCAN:
        path = ROOT / entry
        if path.is_file():
            yield path
        elif path.is_dir():
            for p in sorted(path.rglob("*")):
                if p.is_file() and p.suffix in SUFFIXES and "__pycache__" not in p.parts:
                    yield p


def rewrite(text: str, rel: str) -> tuple[str, list[tuple[int, str, str]]]:
    """``text`` with every rule applied, and the changes as (line, old, new)."""
    changes: list[tuple[int, str, str]] = []
    for _name, pattern, repl, only in RULES:
        if only and not rel.endswith(only):
            continue
        out, pos = [], 0
        for m in pattern.finditer(text):
            if callable(repl):
                new = repl(m, rel) if repl.__code__.co_argcount == 2 else repl(m)
            else:
                new = repl
            line = text.count("\n", 0, m.start()) + 1
            changes.append((line, m.group(0), new))
            out.append(text[pos:m.start()])
            out.append(new)
            pos = m.end()
        if out:
            out.append(text[pos:])
            text = "".join(out)
    return text, sorted(changes)


def main(argv: list[str] | None = None) -> int:
    """Rewrite (default), check (``--check``) or tabulate (``--table``) the references."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="change nothing; exit 1 if any is left")
    ap.add_argument("--table", action="store_true", help="print the Markdown table, change nothing")
    args = ap.parse_args(argv)
    total = 0
    if args.table:
        print("| file:line | reference | replaced by |")
        print("|---|---|---|")
    for path in files():
        rel = path.relative_to(ROOT).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        new, changes = rewrite(text, rel)
        if not changes:
            continue
        total += len(changes)
        for line, old, repl in changes:
            old_1, repl_1 = " ".join(old.split()), " ".join(repl.split())
            if args.table:
                print(f"| `{rel}:{line}` | `{old_1}` | `{repl_1}` |")
            else:
                print(f"{rel}:{line}: {old_1!r} -> {repl_1!r}")
        if not (args.check or args.table):
            path.write_text(new, encoding="utf-8")
    if not args.table:
        verb = "left" if args.check else "rewritten"
        print(f"{total} reference(s) {verb}", file=sys.stderr)
    return 1 if (args.check and total) else 0


if __name__ == "__main__":
    sys.exit(main())
