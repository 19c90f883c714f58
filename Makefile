# Muzu: `make run` (serve the demo on http://127.0.0.1:5000) and `make test` (the whole suite).
# Needs only python3.11 (and root, or sudo, for apt-get when Chromium is missing).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := wsgi.py

# apt-get as root, or through sudo on a developer machine.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: run test test-fast install lint migrate demo worker cron browser-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the lock or the project metadata changed.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# The embedded default: SQLite in instance/muzu.sqlite unless DATABASE_URL says otherwise.
migrate: install
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load

# Jobs run inline (no REDIS_URL): no worker, no Redis needed.
run: demo
	@echo "Muzu on http://$(HOST):$(PORT)/ (company yuezu, password muzu2026; Ctrl-C to stop)"
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Every test: PostgreSQL, SQLite where the dialect matters (tests/conftest.py) and the
# browser tests, spread over one pytest-xdist worker per core (each with its own
# databases and Redis database).  TEST_WORKERS=0 runs them in this one process.
# pytest's exit 5 (nothing collected) fails like any other error.
TEST_WORKERS ?= auto
test: install browser-deps
	@$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit 5)" >&2; fi; \
	  exit $$rc

# Without the browser (no Chromium needed).
test-fast: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not browser" $(PYTEST_ARGS)

# ruff, then the layering: no import circle in app/, no import (function-local
# ones included) from the core up into app/blueprints/ or the wiring.
lint: install
	$(BIN)/ruff check .
	$(BIN)/python tools/check_imports.py

worker: install
	$(BIN)/python worker.py

cron: install
	$(BIN)/rq cron app/cron.py --url "$$REDIS_URL" --serializer json

# Browser tests drive Debian's Chromium (never `playwright install`); a CJK font
# makes the Chinese UI legible in the screenshots under test-artifacts/.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
	  echo "Installing Chromium and a CJK font with apt-get"; \
	  $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium fonts-wqy-microhei; \
	fi

clean:
	rm -rf $(VENV) test-artifacts instance/*.sqlite

# Developers: after adding or changing UI strings, re-extract them, merge into
# translations/en and recompile the .mo; translate the new (empty) entries, run
# this again, and commit the .po and .mo.  No fuzzy matching: for short Chinese
# msgids its guesses share a character, not a meaning.
# tests/test_i18n.py fails while any msgid is untranslated or fuzzy.
.PHONY: i18n
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k gettext -k ngettext:1,2 \
	  --project=Muzu --copyright-holder=Muzu -w 100 -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations -w 100 \
	  --ignore-obsolete --no-fuzzy-matching
	$(BIN)/pybabel compile -d translations --statistics
	rm -f translations/messages.pot
