# Symposium: `make run` to try it, `make test` to prove it. Everything lives in .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app symposium
INSTALLED := $(VENV)/.installed
#: what `make run` needs; `make install` (and so check, test) adds the test and audit tools
RUN_INSTALLED := $(VENV)/.installed-run
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: install install-run run serve check test screenshots lint format messages benchmark soak clean fonts

install: $(INSTALLED) $(COMPILED) fonts
install-run: $(RUN_INSTALLED) $(COMPILED) fonts

# Badges must print names in Latin, Greek, Cyrillic, Arabic and Chinese script: WeasyPrint
# embeds Noto Sans (with Noto Sans Arabic) and WenQuanYi Micro Hei from these packages.
# WeasyPrint subsets the fonts it embeds with HarfBuzz's subsetter, which Pango's own
# packages do not bring along.
FONT_PACKAGES := fonts-noto-core fonts-wqy-microhei libharfbuzz-subset0
fonts:
	@if fc-list 2>/dev/null | grep -q NotoSansArabic && fc-list | grep -qi wqy \
	  && { /sbin/ldconfig -p 2>/dev/null || ldconfig -p; } | grep -q libharfbuzz-subset; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing fonts for badges: $(FONT_PACKAGES)"; \
	  apt-get install -y -q $(FONT_PACKAGES) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q $(FONT_PACKAGES) >/dev/null; }; \
	else echo "For badges in every script: sudo apt-get install $(FONT_PACKAGES)"; fi

$(RUN_INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[run]'
	$(BIN)/python -m compileall -q symposium  # bytecode ready: every process starts sooner
	touch $@

$(INSTALLED): pyproject.toml $(RUN_INSTALLED)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(RUN_INSTALLED)
	$(BIN)/pybabel compile --statistics -i $< -o $@

# `make run PORT=8080 MAIL_PORT=2525`: the site on PORT, the mail catcher on MAIL_PORT, and
# links in mail pointing at the site (SYMPOSIUM_BASE_URL, unless you set it yourself).
# Ctrl-C stops all three and ends quietly.
PORT ?= 5000
MAIL_PORT ?= 1025
SYMPOSIUM_BASE_URL ?= http://127.0.0.1:$(PORT)
SERVE = trap true INT; $(BIN)/honcho -f Procfile.dev start -p $(PORT); status=$$?; \
	[ $$status -eq 0 ] || [ $$status -eq 130 ] || exit $$status
run serve: export PORT := $(PORT)
run serve: export MAIL_PORT := $(MAIL_PORT)
run serve: export SYMPOSIUM_BASE_URL := $(SYMPOSIUM_BASE_URL)
run serve: export SYMPOSIUM_MAIL_PORT := $(MAIL_PORT)
# Payments of a paid edition go to the stand-in Mollie beside the site (Procfile.dev).
MOLLIE_PORT ?= 5006
SYMPOSIUM_MOLLIE_API_ENDPOINT ?= http://127.0.0.1:$(MOLLIE_PORT)
SYMPOSIUM_MOLLIE_API_KEY ?= test_standin
run serve: export MOLLIE_PORT := $(MOLLIE_PORT)
run serve: export SYMPOSIUM_MOLLIE_API_ENDPOINT := $(SYMPOSIUM_MOLLIE_API_ENDPOINT)
run serve: export SYMPOSIUM_MOLLIE_API_KEY := $(SYMPOSIUM_MOLLIE_API_KEY)

# `make run DEMO=--paid`: the upcoming edition sells tickets; pay in the stand-in Mollie.
DEMO ?=
run: install-run
	$(FLASK) db upgrade
	$(FLASK) demo $(DEMO)
	@$(SERVE)

# The three processes of `make run` alone: no install, no migration, no demo.
serve:
	@$(SERVE)

# Tests run in parallel, a process per CPU (`make test JOBS=4` to choose); each test has
# its own ports, folders and databases. `make check` is the inner loop: lint and every test
# that is neither slow nor in the browser. `make test` is all of it, what CI runs, with
# property tests at their full example counts.
JOBS ?= auto
PARALLEL = -n $(JOBS)

check: install lint
	$(BIN)/pytest $(PARALLEL) -m "not slow and not e2e" $(PYTEST_ARGS)

test: install lint audit
	SYMPOSIUM_HYPOTHESIS_PROFILE=ci $(BIN)/pytest $(PARALLEL) $(PYTEST_ARGS)

# Every page the accessibility tests visit, as full-page pictures in tests/e2e/artifacts/.
screenshots: install
	SYMPOSIUM_SCREENSHOTS=1 $(BIN)/pytest $(PARALLEL) -m e2e -k accessibilit $(PYTEST_ARGS)

# Known weaknesses in our code (bandit; a reviewed line says `# nosec <id>` and why) and in
# the installed packages (pip-audit against PyPI's vulnerability data). A vulnerability
# fails the build; a vulnerability service that cannot be reached is reported, not fatal.
.PHONY: audit
audit: $(INSTALLED)
	@set -o pipefail; $(BIN)/bandit -q -r symposium 2>&1 | { grep -v 'nosec encountered' || true; }
	@$(BIN)/python scripts/audit_packages.py $(PIP_AUDIT)

PIP_AUDIT ?= $(BIN)/pip-audit

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# After changing texts: collect them and merge them into the catalogues.
messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

# Every speed figure against its target, ratios measured in the same run (benchmarks/all.py;
# `make benchmark BENCHMARK_ARGS=--quick` for a look). The load comes from wrk.
benchmark: install wrk
	$(BIN)/python benchmarks/all.py $(BENCHMARK_ARGS)

.PHONY: wrk
wrk:
	@if command -v wrk >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing wrk for the benchmarks"; \
	  apt-get install -y -q wrk >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }; \
	else echo "For the benchmarks' load: sudo apt-get install wrk (else Python threads are used)"; fi

# Not part of `make test` (tests/test_soak.py is its small version): minutes, not seconds.
soak: install
	$(BIN)/python benchmarks/soak.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
