# molmask: the README's two commands are `make study` and `make test`; `make help` lists the rest.
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# torch is installed first, on its own, so the resolver never picks a CUDA build for us.
TORCH ?= torch==2.13.0
# Leave empty for the CPU wheel; for a GPU set e.g. TORCH_INDEX=https://download.pytorch.org/whl/cu128
TORCH_INDEX ?=
KERNEL ?= molmask
N_WORKERS ?= 2
# Setup reruns when a pin changes; pyproject.toml is left out because nbdev_export rewrites it on every run.
STAMP := $(VENV)/.molmask-setup
# Recipes that run project tools see the venv first on PATH (for `!` shell lines in notebooks).
RUN := PATH="$(abspath $(BIN)):$$PATH"

.PHONY: help setup study test test-slow export clean-nbs check lint readme lab lock hooks docs docs-clean lessons screenshots

help:
	@echo "make study      set up the environment if needed, then run the quick study into runs/quick"
	@echo "make test       set up the environment if needed, then run every notebook's tests (slow cells skipped)"
	@echo "make test-slow  the same, also running cells flagged 'slow'"
	@echo "make setup      create $(VENV) (torch first, then .[dev] under constraints.txt) and the '$(KERNEL)' kernel"
	@echo "make export     nbdev_export: regenerate molmask_nb/ from nbs/"
	@echo "make clean-nbs  nbdev_clean: strip notebook metadata and fix cell ids"
	@echo "make check      the CI hygiene checks (clean, export in sync, README in sync) against git"
	@echo "make lint       ruff check (settings in ruff.toml) of nbs/, molmask_nb/, tools/ and benchmarks/"
	@echo "make readme     regenerate README.md from nbs/index.ipynb"
	@echo "make lab        jupyter lab"
	@echo "make hooks      nbdev_install_hooks (Jupyter save hook, git merge driver for notebooks)"
	@echo "make lock       rebuild constraints.txt from a fresh install of the pins in settings.ini"
	@echo "make docs       build the documentation site into _docs/html (notebooks executed, cached; API reference) and check it"
	@echo "make lessons    re-execute the lesson notebooks (settings.ini 'lessons') in place: they are committed with outputs"
	@echo "make screenshots  headless Chromium screenshots of the built site into _docs/screenshots, checked"
	@echo "make docs-clean remove _docs (the site, its sources and the execution cache)"

setup: $(STAMP)

$(STAMP): settings.ini setup.py constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),-c constraints.txt) "$(TORCH)"
	$(BIN)/python -m pip install -e ".[dev]" -c constraints.txt
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python ($(KERNEL))"
	touch $@

study: setup
	$(RUN) $(BIN)/molmask study quick --out runs/quick

test: setup
	$(RUN) $(BIN)/nbdev_test --n_workers $(N_WORKERS) --timing

test-slow: setup
	$(RUN) $(BIN)/nbdev_test --n_workers $(N_WORKERS) --timing --flags slow

export: setup
	$(RUN) $(BIN)/nbdev_export

clean-nbs: setup
	$(RUN) $(BIN)/nbdev_clean

check: setup
	VENV="$(VENV)" bash .ci/run check

lint: setup
	$(BIN)/ruff check nbs molmask_nb tools benchmarks

readme:
	$(PYTHON) tools/readme.py nbs/index.ipynb README.md

lab: setup
	$(RUN) $(BIN)/jupyter lab

hooks: setup
	$(RUN) $(BIN)/nbdev_install_hooks

docs: setup
	$(RUN) $(BIN)/python tools/docs.py build

docs-clean:
	rm -rf _docs

lessons: setup
	$(RUN) $(BIN)/python tools/lessons.py run

screenshots: setup
	$(RUN) $(BIN)/python tools/screenshot_docs.py

lock:
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install "$(TORCH)"; \
	"$$tmp/venv/bin/python" -m pip install $$(sed -n 's/^\(dev_\)\{0,1\}requirements *= *//p' settings.ini); \
	{ echo "# Full lock of molmask_nb's transitive dependencies: a fresh CPU install (Python 3.11, Linux x86_64) of the"; \
	  echo "# exact pins in settings.ini \`requirements\` + \`dev_requirements\`. \`make setup\` installs with \`-c constraints.txt\`."; \
	  echo "# Regenerate after changing a pin in settings.ini:  make lock"; \
	  echo "# soupsieve is held at 2.8.3: later releases need Python >= 3.11.5, and Debian 12 ships 3.11.2."; \
	  echo "# torch is pinned without the \`+cpu\` local tag, so the CPU wheel and a CUDA 2.13.0 wheel both satisfy it."; \
	  "$$tmp/venv/bin/python" -m pip freeze --all --exclude-editable | grep -v -i -e '^#' -e '^-e ' -e '^molmask' -e '^pip==' | sed -e 's/^\(torch==[^+]*\)+.*/\1/' -e 's/^soupsieve==.*/soupsieve==2.8.3/'; \
	} > constraints.txt.tmp; \
	mv constraints.txt.tmp constraints.txt
