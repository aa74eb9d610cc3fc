"""The docstring examples of the rubrics and scoring modules run and hold (they are the API docs)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "kinerja_research.rubrics", "kinerja_research.rubrics._loader", "kinerja_research.rubrics._schema",
    "kinerja_research.scoring", "kinerja_research.scoring.achievement", "kinerja_research.scoring.discipline",
    "kinerja_research.scoring.ikm", "kinerja_research.scoring.ip_asn", "kinerja_research.scoring.jpm",
    "kinerja_research.scoring.merit", "kinerja_research.scoring.ombudsman", "kinerja_research.scoring.sakip",
    "kinerja_research.scoring.skp", "kinerja_research.scoring.study", "kinerja_research.scoring.tpp",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
                             extraglobs={"pd": importlib.import_module("pandas")})
    assert result.failed == 0
