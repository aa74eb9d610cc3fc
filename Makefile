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

.PHONY: install lock data reports test test-fast lab bench lint clean

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

test: $(STAMP)
	bash scripts/install_browser.sh || echo "chromium could not be installed: browser tests will report it"
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not notebooks and not browser"

lab: $(STAMP) $(WORLD)
	$(VENV)/bin/jupyter lab notebooks/

bench: $(STAMP) $(WORLD)
	$(PY) -m pip install --quiet -c $(LOCK) -e ".[bench]"
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf reports/*.html reports/*/ data/synthetic .pytest_cache
