# npcompile: `make demo` runs the main job, `make test` the tests.
# Each target creates .venv from requirements.txt (pinned) and builds the Rust
# extension into it; the first run downloads torch and compiles libtorch's shim.

SHELL := /bin/bash
.DEFAULT_GOAL := demo

VENV       := $(CURDIR)/.venv
VENV_PY    := $(VENV)/bin/python
STAMP      := $(VENV)/.stamp
# The interpreter that creates the venv (the one found on PATH before .venv/bin).
PYTHON     ?= python3

# torch-sys finds libtorch in the venv's torch (LIBTORCH_USE_PYTORCH) by running
# `python`, and only does so when VIRTUAL_ENV is set: every cargo/maturin call
# sees the venv first on PATH.
export VIRTUAL_ENV          := $(VENV)
export LIBTORCH_USE_PYTORCH := 1
export PATH                 := $(VENV)/bin:$(PATH)
ENV := VIRTUAL_ENV=$(VENV) PATH=$(VENV)/bin:$$PATH LIBTORCH_USE_PYTORCH=1

CARGO_TEST_FLAGS ?= --release --workspace
PYTEST_FLAGS     ?= -x -p no:cacheprovider
BENCH_FLAGS      ?=

.PHONY: venv build demo test test-rust test-python bench clean distclean

venv: $(STAMP)

$(STAMP): requirements.txt
	@test -x $(VENV_PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -r requirements.txt
	@touch $@

build: venv
	$(ENV) $(VENV)/bin/maturin develop --release

demo: build
	$(VENV_PY) -m npcompile demo

test: build
	$(ENV) cargo test $(CARGO_TEST_FLAGS)
	$(VENV_PY) -m pytest tests $(PYTEST_FLAGS)
	@echo "== again with the native executor wherever it can run (NPCOMPILE_NATIVE=always) =="
	NPCOMPILE_NATIVE=always $(VENV_PY) -m pytest tests $(PYTEST_FLAGS)

# The halves of `test`, for iterating on one side.
test-rust: venv
	$(ENV) cargo test $(CARGO_TEST_FLAGS)

test-python: build
	$(VENV_PY) -m pytest tests $(PYTEST_FLAGS)
	NPCOMPILE_NATIVE=always $(VENV_PY) -m pytest tests $(PYTEST_FLAGS)

bench: build
	$(VENV_PY) -m npcompile bench $(BENCH_FLAGS)

clean:
	cargo clean
	rm -rf bench-results .pytest_cache .hypothesis
	rm -f python/npcompile/_core*.so
	find python tests -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
