# Symposium: `make run` to try it, `make test` to prove it. Everything lives in .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app symposium
INSTALLED := $(VENV)/.installed
CATALOGUES := $(wildcard translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: install run test lint format messages benchmark clean fonts

install: $(INSTALLED) $(COMPILED) fonts

# Badges must print names in Latin, Greek, Cyrillic, Arabic and Chinese script: WeasyPrint
# embeds Noto Sans (with Noto Sans Arabic) and WenQuanYi Micro Hei from these packages.
FONT_PACKAGES := fonts-noto-core fonts-wqy-microhei
fonts:
	@if fc-list 2>/dev/null | grep -q NotoSansArabic && fc-list | grep -qi wqy; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing fonts for badges: $(FONT_PACKAGES)"; \
	  apt-get install -y -q $(FONT_PACKAGES) >/dev/null 2>&1 || \
	  { apt-get update -q >/dev/null && apt-get install -y -q $(FONT_PACKAGES) >/dev/null; }; \
	else echo "For badges in every script: sudo apt-get install $(FONT_PACKAGES)"; fi

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po $(INSTALLED)
	$(BIN)/pybabel compile --statistics -i $< -o $@

run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(BIN)/honcho -f Procfile.dev start

test: install lint audit
	$(BIN)/pytest $(PYTEST_ARGS)

# Known weaknesses in our code (bandit; a reviewed line says `# nosec <id>` and why) and in
# the installed packages (pip-audit against PyPI's vulnerability data). A vulnerability
# fails the build; a vulnerability service that cannot be reached is reported, not fatal.
.PHONY: audit
audit: $(INSTALLED)
	@set -o pipefail; $(BIN)/bandit -q -r symposium 2>&1 | { grep -v 'nosec encountered' || true; }
	@$(BIN)/python -c "$$PIP_AUDIT_JUDGE" $(PIP_AUDIT)

PIP_AUDIT ?= $(BIN)/pip-audit
define PIP_AUDIT_JUDGE
import json, re, subprocess, sys
command = [*sys.argv[1:], "--skip-editable", "--progress-spinner", "off", "--format", "json"]
run = subprocess.run(command, capture_output=True, text=True)
try:
    report = json.loads(run.stdout)
except ValueError:
    down = r"ConnectionError|Timeout|NameResolution|Max retries|ServiceError|Temporary failure"
    if re.search(down, run.stderr):
        print("pip-audit: the vulnerability service is unreachable; packages NOT audited")
        sys.exit(0)
    sys.exit(run.stderr or f"pip-audit failed ({run.returncode})")
packages = report["dependencies"]
found = [(p, v) for p in packages for v in p.get("vulns", [])]
for p, v in found:
    fixed = ", ".join(v["fix_versions"]) or "no fixed release yet"
    print(f"{p['name']} {p['version']}: {v['id']} (fixed in {fixed})", file=sys.stderr)
unknown = [p["name"] for p in packages if "skip_reason" in p]
if unknown:
    print(f"pip-audit: {len(unknown)} of {len(packages)} packages unknown to the service, not audited")
print(f"pip-audit: {len(found)} known vulnerabilities in {len(packages) - len(unknown)} packages")
sys.exit(1 if found else 0)
endef
export PIP_AUDIT_JUDGE

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# After changing texts: collect them and merge them into the catalogues.
messages: $(INSTALLED)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

benchmark: install
	$(BIN)/python benchmarks/http_load.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
