# The only commands anyone needs: make run, make test, make bench.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CORPUS ?= ../shared/corpus

.PHONY: install run test bench lint clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py import_podcast sample --include-drafts
	$(PY) manage.py ensure_admin
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/bench_sync.py $(CORPUS)/2026-06
	$(PY) benchmarks/bench_pages.py $(CORPUS)/2026-06
	$(PY) benchmarks/bench_admin.py $(CORPUS)/2026-06

lint: install
	$(PY) -m pip install --quiet ruff
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache
