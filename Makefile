# The README's two commands, `make demo` and `make test`, are all the set-up there is:
# every target bootstraps .venv from pyproject.toml first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test test-sqlite test-postgres lint schema bench mutation clean assets

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# GraphiQL's npm packages (pinned in web/package-lock.json), copied into the Python package
# so that the gateway serves its IDE itself (web/build.mjs). Without npm the page loads them
# from a CDN and says so; `.ci/run` installs Debian's nodejs and npm when they are missing.
IDE_ASSETS := app/graphql/static/graphiql/BUILT

assets: $(IDE_ASSETS)

$(IDE_ASSETS): web/package.json web/package-lock.json web/build.mjs
	@if command -v npm >/dev/null; then \
		cd web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs; \
	else \
		echo "npm is missing: GraphiQL will load from a CDN (apt-get install nodejs npm, then make assets)"; \
	fi

demo: $(STAMP) $(IDE_ASSETS)
	$(BIN)/complaints-gateway demo

serve: $(STAMP) $(IDE_ASSETS)
	$(BIN)/complaints-gateway db upgrade
	$(BIN)/complaints-gateway serve

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy app tests bench

# The whole suite twice: on an embedded SQLite file, then on a throwaway PostgreSQL server.
test: lint test-sqlite test-postgres

test-sqlite: $(STAMP) $(IDE_ASSETS)
	$(BIN)/pytest -q

test-postgres: $(STAMP) $(IDE_ASSETS)
	scripts/with-postgres $(BIN)/pytest -q

schema: $(STAMP)
	$(BIN)/complaints-gateway schema export

# The gateway against its floors, as ratios, in one table (bench/ratios.py; issue 10): a few
# minutes. BENCH_ARGS passes options, e.g. BENCH_ARGS="--baseline-dir ../base --rounds 5".
# The older benches run alone: $(BIN)/python -m bench.run (native read path), bench.legacy,
# bench.timeline, bench.safety, bench.perreq.
# (c) is measured on SQLite, and on a throwaway PostgreSQL too when scripts/with-postgres can
# start one (TEST_DATABASE_URL); without PostgreSQL the bench runs on SQLite alone.
bench: $(STAMP)
	@if scripts/with-postgres true >/dev/null 2>&1; then \
		scripts/with-postgres $(BIN)/python -m bench.ratios $(BENCH_ARGS); \
	else \
		$(BIN)/python -m bench.ratios $(BENCH_ARGS); \
	fi

# Mutation testing (mutmut 3), a developer tool, not part of CI: mutates only the modules where
# a wrong answer is silent, and runs each mutant against the fast unit tests only (both lists
# are [tool.mutmut] in pyproject.toml). Starts afresh, prints the score of each module, then
# the survivors; `$(BIN)/mutmut show NAME` shows one, `$(BIN)/mutmut browse` all of them.
mutation: $(STAMP)
	rm -rf mutants
	$(BIN)/mutmut run
	@echo "module                              killed/total"
	@$(BIN)/mutmut results --all true | awk '{ \
		name = $$1; sub(/:$$/, "", name); sub(/\.[^.]*$$/, "", name); \
		status = $$0; sub(/^[^:]*: /, "", status); total[name]++; \
		if (status == "killed" || status == "timeout") killed[name]++ } \
		END { for (m in total) printf "%-35s %5d/%d\n", m, killed[m], total[m] }' | sort
	@$(BIN)/mutmut results

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache web/node_modules app/graphql/static/graphiql
