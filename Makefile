# Canvass: `make run` (try it on this machine), `make test` (the whole suite),
# `make test-fast` (all but the browser and slow tests, for every few minutes).
# Everything else is configured through environment variables (see .env.example).

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.canvass-installed
PYTEST_ARGS ?=

.PHONY: help install run test test-fast bench lint format lock migrate check

help:
	@echo "make run        start Canvass (web + worker + beat) on 127.0.0.1:\$$PORT (default 8000)"
	@echo "make test       install, then run the whole test suite"
	@echo "make test-fast  the suite without browser and slow tests (about a minute)"
	@echo "make bench      run every bench/bench_*.py and print their BENCH lines"
	@echo "make lint       ruff check + ruff format --check"
	@echo "make install    create $(VENV) and install the locked dependencies"
	@echo "make lock       rewrite requirements.lock from the current $(VENV)"

install: $(STAMP)

# Reinstalls only when the declared or locked dependencies change.
$(STAMP): pyproject.toml requirements.lock build-constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Canvass needs Python >= 3.11 (set PYTHON=python3.11)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade "pip>=25.3"
	$(PIP) install --quiet --build-constraint build-constraints.txt \
		-c requirements.lock -e ".[dev,embedded]"
	@touch $@

run: install
	$(PY) bin/canvass-run

test: install
	@$(PY) -m pytest -p no:cacheprovider $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests"; exit 1; fi; \
	exit $$rc

# Leaves out the `browser` tests (Playwright) and the `slow` ones (real worker kills,
# `make run` itself); `make test` and CI still run them. Two processes (pytest-xdist),
# each with its own test database, Celery queue and cache; an embedded server is
# started and stopped by the controlling process, the two workers use it.
test-fast: install
	@$(PY) -m pytest -p no:cacheprovider -m "not browser and not slow" -n 2 $(PYTEST_ARGS); \
	rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test-fast: pytest collected no tests"; exit 1; fi; \
	exit $$rc

bench: install
	$(PY) bench/run.py $(BENCH)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: install
	$(PY) manage.py migrate --noinput

check: install
	$(PY) manage.py check

# Pin what is installed now; run after changing dependencies in pyproject.toml.
lock:
	@{ echo "# Exact versions for \`make install\` (pip -c). Regenerate with \`make lock\` after changing"; \
	   echo "# pyproject.toml dependencies; commit the result."; \
	   $(PIP) freeze --exclude-editable | grep -v -i '^canvass'; } > requirements.lock
	@echo "wrote requirements.lock"
