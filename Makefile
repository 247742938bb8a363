# The two commands a newcomer needs:  make demo   and   make test
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-sqlite test-postgres bench install clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)  ## API + PWA + demo data on SQLite at http://127.0.0.1:8000
	$(VENV)/bin/roadside demo --host 127.0.0.1 --port 8000

test: $(STAMP)  ## the whole suite (SQLite, or PostgreSQL when DATABASE_URL is set)
	$(PY) -m pytest -q

test-postgres: $(STAMP)
	DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres $(PY) -m pytest -q

bench: $(STAMP)  ## benchmarks print ratios measured side by side in one run
	$(PY) -m benchmarks

clean:
	rm -rf instance .pytest_cache
