# Yorisoi: the two commands are `make run` (the whole system, embedded) and `make test` (the whole suite).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
AXE    := node_modules/axe-core/axe.min.js

.PHONY: bench bench-pages bench-forms bench-meetings fuzz venv test lint typecheck browser forms pytest pytest-postgres run histories describe diagram clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy --strict .

pytest: venv
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint typecheck browser forms pytest pytest-postgres

# The same suite again with every read model in PostgreSQL (YORISOI_TEST_POSTGRES_URL: a server whose user may create
# databases; .ci/run sets it to the local one). Without it the pass is skipped, with a message. Two parts run once, in
# the SQLite pass: tests/statemachines (the pure engine: no database at all) and tests/browser (chromium on the pages,
# whose every route the PostgreSQL pass still drives over HTTP in tests/web); this keeps .ci/run within its 45 minutes.
# Tests parametrised by the db_url fixture ran on both databases in the first pass and are deselected in this one.
PG_ONCE := --ignore=tests/statemachines --ignore=tests/browser
pytest-postgres: venv
	@if [ -z "$$YORISOI_TEST_POSTGRES_URL" ]; then \
		echo "make pytest-postgres: YORISOI_TEST_POSTGRES_URL is not set: the PostgreSQL pass is skipped (.ci/run sets it)"; \
	else \
		YORISOI_TEST_DATABASE=postgresql $(BIN)/python -m pytest $(PG_ONCE) $(PYTEST_ARGS); \
	fi

# Debian's chromium and Japanese fonts for the real-browser tests (tests/browser); apt-get runs only when one is missing.
# Without root or sudo it says so and carries on: the browser tests then skip.
browser: $(AXE)
	@if [ -x /usr/bin/chromium ] && { dpkg-query -W -f='$${Status}' fonts-noto-cjk 2>/dev/null | grep -q "ok installed" || fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; }; then \
		exit 0; \
	fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "make browser: chromium/fonts-noto-cjk are missing and neither root nor sudo is available;" \
		"install them with 'apt-get install chromium fonts-noto-cjk' (the browser tests will skip)." >&2; exit 0; fi; \
	echo "make browser: installing chromium and fonts-noto-cjk with apt-get"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq \
		&& $$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends chromium fonts-noto-cjk \
		|| echo "make browser: apt-get failed; the browser tests will skip until chromium and fonts-noto-cjk are installed." >&2

# The 帳票 (web/forms) embed Debian's Noto Sans CJK JP (fonts-noto-cjk); their tests draw each first page with poppler's
# pdftoppm (poppler-utils). apt-get runs only when one is missing; without root or sudo it says so and carries on: the
# forms then answer 503 form_fonts_missing and the PNG test skips.
forms:
	@if fc-list 2>/dev/null | grep -q "Noto Sans CJK JP" && command -v pdftoppm >/dev/null; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "make forms: fonts-noto-cjk/poppler-utils are missing and neither root nor sudo is available;" \
		"install them with 'apt-get install fonts-noto-cjk poppler-utils' (the forms answer 503 until then)." >&2; exit 0; fi; \
	echo "make forms: installing fonts-noto-cjk and poppler-utils with apt-get"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq \
		&& $$sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends fonts-noto-cjk poppler-utils \
		|| echo "make forms: apt-get failed; the forms answer 503 until fonts-noto-cjk is installed." >&2

# axe-core, the accessibility engine of tests/browser/test_accessibility.py, exactly as package-lock.json pins it (npm
# ci installs nothing else and never rewrites the lock). Without npm, or when npm ci fails, it says so and carries on:
# the accessibility tests then skip, or fail under YORISOI_REQUIRE_BROWSER=1 (.ci/run).
$(AXE): package.json package-lock.json
	@if ! command -v npm >/dev/null; then \
		echo "make $@: npm is not installed (apt-get install nodejs npm); the accessibility tests" \
			"(tests/browser/test_accessibility.py) will skip until 'npm ci' has installed axe-core." >&2; exit 0; \
	fi; \
	npm ci --no-audit --no-fund --ignore-scripts && touch $@ \
		|| echo "make $@: npm ci failed; the accessibility tests will skip until axe-core is installed." >&2

run: venv forms
	$(BIN)/python -m deploy.embedded $(ARGS)

# Re-record tests/histories/*.json after an intended (patched) change to the workflow.
histories: venv
	YORISOI_RECORD_HISTORIES=1 $(BIN)/python -m pytest tests/workflows/test_lifecycle_devserver.py

# Thousands of generated requests and payloads (schemathesis, hypothesis), bounded to 20 minutes: no 5xx, and a
# refused request writes nothing.
fuzz: venv
	YORISOI_FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} timeout 1200 $(BIN)/python -m pytest -q -p no:cacheprovider \
		--timeout=1200 tests/web/test_api_fuzz.py tests/statemachines/case/test_payloads.py

# The scale figures, each beside its anchor measured in the same run (README: "Scale benchmark"): results in
# bench/results/latest.json. About 80 minutes; BENCH_QUICK=1 shrinks every size (about 5 minutes, bench/results/quick.json).
bench: venv
	$(BIN)/python -m bench $(if $(filter-out 0,$(BENCH_QUICK)),--quick,)

# Server-side render time of each page with 10,000 cases (issue 5); results in bench/results/pages.json.
bench-pages: venv
	$(BIN)/python -m bench.pages

# Server-side time to download each 帳票 as PDF (issue 14); results in bench/results/forms.json.
bench-forms: venv forms
	$(BIN)/python -m bench.forms

# Server-side time to print a 支援調整会議's packet of 30 cases (issue 14 item 2); results in bench/results/meetings.json.
bench-meetings: venv forms
	$(BIN)/python -m bench.meetings

describe: venv
	@$(BIN)/python -m statemachines describe

diagram: venv
	@$(BIN)/python -m statemachines diagram

clean:
	rm -rf $(VENV) node_modules .mypy_cache .ruff_cache .pytest_cache .hypothesis
