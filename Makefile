# make run: a working portal on 127.0.0.1:8000 (SQLite and in-process tasks unless DATABASE_URL /
# REDIS_URL say otherwise). make test: lint, Django checks and the whole test suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := portal.settings

.PHONY: run test lint format bench messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --no-input
	DEBUG=$${DEBUG:-1} $(PY) manage.py seed_demo --if-empty
	@echo "Portal: http://127.0.0.1:8000/  (demo logins are printed above)"
	DEBUG=$${DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:8000

# Tests run in parallel workers (pytest-xdist, one per CPU; each has its own test database and
# its own process, so frozen clocks and live servers do not meet) unless REDIS_URL is set: the
# Celery worker tests share that Redis db, so CI (.ci/run sets it) runs serially.
# PYTEST_WORKERS=0 runs serially anywhere.
PYTEST_WORKERS ?= $(if $(REDIS_URL),0,auto)

# Tests run with DEBUG off, which needs both secrets: throwaway ones unless given.
TEST_ENV = SECRET_KEY=$${SECRET_KEY:-test-$$RANDOM$$RANDOM} \
	BURDEN_PERTURBATION_KEY=$${BURDEN_PERTURBATION_KEY:-test-$$RANDOM$$RANDOM}

test: $(VENV)/.installed lint
	$(TEST_ENV) $(PY) manage.py check
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the translation catalogues after changing user-facing strings; the Chinese is written
# in locale/zh_Hans/LC_MESSAGES/*.po, the one source (scripts/translate.py says how).
messages: $(VENV)/.installed
	$(PY) scripts/translate.py

bench: $(VENV)/.installed
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var staticfiles
