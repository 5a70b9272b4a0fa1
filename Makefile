# The README's two commands, `make demo` and `make test`, are all the set-up there is:
# every target bootstraps .venv from pyproject.toml first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo serve test test-sqlite test-postgres lint schema bench mutation clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

demo: $(STAMP)
	$(BIN)/complaints-gateway demo

serve: $(STAMP)
	$(BIN)/complaints-gateway db upgrade
	$(BIN)/complaints-gateway serve

lint: $(STAMP)
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy app tests bench

# The whole suite twice: on an embedded SQLite file, then on a throwaway PostgreSQL server.
test: lint test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -q

test-postgres: $(STAMP)
	scripts/with-postgres $(BIN)/pytest -q

schema: $(STAMP)
	$(BIN)/complaints-gateway schema export

bench: $(STAMP)
	$(BIN)/python -m bench.run

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
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
