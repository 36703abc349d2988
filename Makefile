# The only commands anyone needs: make run, make test; make serve runs it as in production;
# make bench, make bench-scale and make loadtest measure it.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CORPUS ?= ../shared/corpus

.PHONY: install checkers run serve serve-app test bench bench-scale loadtest lint clean

# make serve and serve-app: gunicorn with (cores + 1) workers, DEBUG off, static files by WhiteNoise, the
# database from DATABASE_URL, Redis when REDIS_URL is set. Plain HTTP on this machine (HTTPS=0);
# behind a TLS proxy in production, see docs/deploy.md. A cached page costs a worker about a
# millisecond of CPU and waits on nothing slow, so more workers than cores only queue for them.
WORKERS ?= $(shell echo $$(($$(nproc) + 1)))
SERVE_ENV = DEBUG=0 HTTPS=$${HTTPS:-0} STATIC_MANIFEST=1 SERVE_MEDIA=$${SERVE_MEDIA:-1} \
	CONN_MAX_AGE=$${CONN_MAX_AGE:-60} ALLOWED_HOSTS=$${ALLOWED_HOSTS:-localhost,127.0.0.1,[::1]} \
	SECRET_KEY=$${SECRET_KEY:-$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')}

# The install is redone when the requirements' content changes, not their files' times: a fresh
# clone's files are all newer than an existing .venv.
REQUIREMENTS_HASH := $(shell cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
INSTALLED := $(VENV)/.installed-$(REQUIREMENTS_HASH)

$(INSTALLED):
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	rm -f $(VENV)/.installed*
	touch $@

install: $(INSTALLED)

# The checkers the tests run over the pages and the feed (package.json: the Nu Html Checker, axe-core,
# partytime), installed as the lock file pins them and again when its content changes.
NODE_HASH := $(shell cat package-lock.json | sha256sum | cut -c1-16)
NODE_INSTALLED := node_modules/.installed-$(NODE_HASH)

$(NODE_INSTALLED):
	npm ci --silent --no-audit --no-fund
	rm -f node_modules/.installed*
	touch $@

checkers: $(NODE_INSTALLED)

run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py import_podcast sample --include-drafts
	$(PY) manage.py import_feed sample/feed.xml
	$(PY) manage.py ensure_admin
	PODCAST_HOSTS=$${PODCAST_HOSTS:-maralindqvist} $(PY) manage.py runserver $(HOST):$(PORT)

# make serve: nginx (Debian's nginx-light or nginx) on PORT in front of gunicorn on APP_PORT. Every
# page is published first (publish_site), then after each change, to PUBLISH_ROOT, which nginx
# serves straight from disk; the rest, and staff, go to the app (deploy/nginx.conf). nginx runs as
# this user, its pid, logs and temporary files in RUN_DIR. make serve-app: gunicorn alone on PORT.
RUN_DIR ?= $(CURDIR)/.run
PUBLISH_ROOT ?= $(RUN_DIR)/publish
APP_PORT ?= $(shell echo $$(($(PORT) + 1)))
NGINX ?= $(shell command -v nginx || echo /usr/sbin/nginx)
PUBLISH_ENV = PUBLISH_ROOT=$(PUBLISH_ROOT) PUBLISH_ORIGIN=$${PUBLISH_ORIGIN:-http://$(HOST):$(PORT)}
NGINX_RUN = $(NGINX) -p $(RUN_DIR) -c $(RUN_DIR)/nginx.conf -e $(RUN_DIR)/error.log

serve: install
	@test -x $(NGINX) || { echo "make serve needs nginx: apt-get install nginx-light (or make serve-app)"; exit 2; }
	$(PY) manage.py migrate --no-input
	STATIC_MANIFEST=1 $(PY) manage.py collectstatic --no-input --verbosity 0
	mkdir -p $(RUN_DIR) $(PUBLISH_ROOT)
	$(SERVE_ENV) $(PUBLISH_ENV) $(PY) manage.py publish_site
	$(SERVE_ENV) $(PUBLISH_ENV) $(PY) manage.py nginx_config --listen $(HOST):$(PORT) --app $(HOST):$(APP_PORT) \
		--run $(RUN_DIR) > $(RUN_DIR)/nginx.conf
	$(NGINX_RUN) -t -q
	$(NGINX_RUN) -g 'daemon off;' & nginx=$$!; trap 'kill $$nginx; exit' INT TERM; trap 'kill $$nginx' EXIT; \
		$(SERVE_ENV) $(PUBLISH_ENV) $(VENV)/bin/gunicorn podcast.wsgi --workers $(WORKERS) \
		--bind $(HOST):$(APP_PORT) --no-control-socket

serve-app: install
	$(PY) manage.py migrate --no-input
	STATIC_MANIFEST=1 $(PY) manage.py collectstatic --no-input --verbosity 0
	$(SERVE_ENV) $(VENV)/bin/gunicorn podcast.wsgi --workers $(WORKERS) --bind $(HOST):$(PORT) --no-control-socket

test: install checkers
	$(PY) -m pytest

bench: install
	$(PY) benchmarks/bench_sync.py $(CORPUS)/2026-06
	$(PY) benchmarks/bench_pages.py $(CORPUS)/2026-06
	$(PY) benchmarks/bench_admin.py $(CORPUS)/2026-06

# Ten times the 2026-06 archive in PostgreSQL: import, paged lists and search at scale.
bench-scale: install
	$(PY) benchmarks/bench_scale.py --corpus $(CORPUS)/2026-06

# wrk against make serve on PostgreSQL, and nginx serving a saved page as the baseline; then
# EDITS one-line admin saves with publishing and without, each checked on the next public GET.
EDITS ?= 200
loadtest: install
	$(PY) benchmarks/loadtest.py --corpus $(CORPUS)/2026-06
	$(PY) benchmarks/edit_visibility.py --corpus $(CORPUS)/2026-06 --edits $(EDITS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) node_modules db.sqlite3 media staticfiles .pytest_cache
