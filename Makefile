# Prilavok: `make run` starts the appliance with demo data and simulated devices;
# `make test` runs ruff and every test (browser tests included). Both set themselves up.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-clock bench lint venv chromium clean-var

$(PY):
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv python3-pip; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(STAMP): $(PY) setup.cfg pyproject.toml
	$(PIP) install -q -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

chromium:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; }

run: $(STAMP)
	@[ -f var/prilavok.db ] || $(VENV)/bin/prilavok init --demo
	PRILAVOK_PBX_URL=$${PRILAVOK_PBX_URL:-sim} $(VENV)/bin/prilavok run  # the office PBX simulator, calls arriving

lint: $(STAMP)
	$(VENV)/bin/ruff check .

# pytest exits 5 when it collects nothing; that is a failure of the suite here, not a pass.
# After the whole suite, the time-sensitive tests (marker `clock`) run again at four instants
# (tests/conftest.py CLOCK_INSTANTS): after shop midnight, a Sunday evening, New Year's Eve
# 23:30 shop time, noon on a Tuesday. One instant for everything: PRILAVOK_TEST_NOW=... make test
CLOCK_INSTANTS := 2026-12-01T21:10:00Z 2026-12-06T20:10:00Z 2026-12-31T20:30:00Z 2026-12-08T09:00:00Z
PYTEST_RUN = rc=$$?; if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi; [ $$rc -eq 0 ] || exit $$rc

test: $(STAMP) chromium lint
	@$(VENV)/bin/pytest -q -ra $(PYTEST_ARGS); $(PYTEST_RUN)
	@$(MAKE) --no-print-directory test-clock

test-clock: $(STAMP)
	@for now in $(CLOCK_INSTANTS); do \
	  echo "== time-sensitive tests at $$now"; \
	  $(VENV)/bin/pytest -q -m clock --now $$now $(PYTEST_ARGS); $(PYTEST_RUN); \
	done

bench: $(STAMP)
	@[ -f var/bench/prilavok.db ] || PRILAVOK_APP_DATA_DIR=var/bench $(VENV)/bin/prilavok init --scale bench
	PRILAVOK_APP_DATA_DIR=var/bench $(PY) -m tests.bench

clean-var:
	rm -rf var
