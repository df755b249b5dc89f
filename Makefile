# Two commands for users: `make demo` and `make test`. Both set up .venv first, from uv.lock.
#
#   make lock          refresh uv.lock to the newest releases pyproject.toml allows
#   make test-ranges   the fast tests against the newest and the lowest releases the ranges allow
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# uv itself is pinned and kept in its own small venv, so `uv sync` never removes it.
UV_VERSION := 0.13.9
TOOLS := .venv-tools
UV := $(TOOLS)/bin/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: setup demo test lint bench lock test-ranges test-newest test-lowest notebooks clean

setup: $(VENV)/.installed

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --quiet --locked --extra dev --python $(PYTHON)
	touch $@

demo: setup
	$(PY) -m examples.demo

test: setup
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	$(PY) -m bench

lock: | $(UV)
	$(UV) lock --upgrade

# The library's ranges, proven: newest releases on the newest Python here, lowest direct
# dependencies on the oldest Python the project supports.
test-ranges: test-newest test-lowest

test-newest: | $(UV)
	.ci/ranges newest

test-lowest: | $(UV)
	.ci/ranges lowest

clean:
	rm -rf $(VENV) $(TOOLS) .venv-newest .venv-lowest .venv-lowest-core .venv-bench .pytest_cache .mypy_cache .ruff_cache
