"""One language per report: keep the cells written in the report's language.

A notebook cell written in one language carries the tag ``lang-id`` or ``lang-en``; a cell with
no such tag belongs to every language (code, and text drawn from the i18n catalogue). Before a
report runs, the cells of the other language are dropped, so an Indonesian report holds no
English prose and the reverse. In JupyterLab both are visible, one under the other.

>>> import nbformat
>>> nb = nbformat.v4.new_notebook(cells=[
...     nbformat.v4.new_markdown_cell("Pertanyaan", metadata={"tags": ["lang-id"]}),
...     nbformat.v4.new_markdown_cell("Question", metadata={"tags": ["lang-en"]}),
...     nbformat.v4.new_code_cell("x = 1")])
>>> [c.source for c in select_language(nb, "en").cells]
['Question', 'x = 1']
"""

from __future__ import annotations

import copy
from typing import Any

#: Report languages; the first is the default.
LANGUAGES: tuple[str, ...] = ("id", "en")
TAG_PREFIX = "lang-"


def cell_language(cell: Any) -> str | None:
    """The language a cell is written in (its ``lang-XX`` tag), or None for every language."""
    tags = [t for t in cell.get("metadata", {}).get("tags", []) if t.startswith(TAG_PREFIX)]
    if len(tags) > 1:
        raise ValueError(f"a cell has more than one language tag: {tags}")
    return tags[0][len(TAG_PREFIX):] if tags else None


def select_language(nb: Any, lang: str) -> Any:
    """A copy of ``nb`` without the cells written in another language than ``lang``.

    Parameters
    ----------
    nb
        An ``nbformat`` notebook; not modified.
    lang
        ``"id"`` or ``"en"``.

    Returns
    -------
    nbformat.NotebookNode
        The same notebook with only untagged cells and cells tagged ``lang-<lang>``.
    """
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}, not {lang!r}")
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if cell_language(c) in (None, lang)]
    return out
