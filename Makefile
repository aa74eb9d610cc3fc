# Two commands set everything up on a fresh machine with Python 3.11, pip and make:
#   make reports   install, build the synthetic world, render every report
#   make test      install if needed, run the whole test suite
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Pinned versions (make lock regenerates it from pyproject.toml). Installed as constraints: a
# package pyproject.toml names that the lock lacks yet still installs (unpinned) until the next
# make lock.
LOCK   := requirements.lock
WORLD  := data/synthetic/study.json

DOCS_STAMP := $(VENV)/.docs-installed

.PHONY: install lock data reports test test-fast lab bench lint clean docs

install: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[notebooks,dev,dist]"
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (kinerja_research)" >/dev/null
	touch $(STAMP)

# Re-pin after changing dependencies in pyproject.toml (keeps the installed versions it can).
lock:
	bash scripts/lock.sh

data: $(WORLD)

$(WORLD): $(STAMP)
	$(VENV)/bin/kinerja simulate --preset jatim --seed 0 --out data/synthetic

reports: $(STAMP) $(WORLD)
	$(VENV)/bin/kinerja reports

test: $(STAMP) $(DOCS_STAMP)
	bash scripts/install_browser.sh || echo "chromium/poppler-utils could not be installed: browser and PDF tests will report it"
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not notebooks and not browser"

lab: $(STAMP) $(WORLD)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP) $(WORLD)
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[bench]"
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The documentation site (docs/_build/html/index.html): offline, warnings are errors, every
# worked example is executed. tests/test_docs.py runs the same build inside `make test`.
$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(PY) -m sphinx -b html -W --keep-going -j 2 -q docs docs/_build/html
	@echo "docs: open docs/_build/html/index.html"

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf reports/*.html reports/*/ data/synthetic .pytest_cache docs/_build docs/api/generated
