# Two commands set everything up on a fresh machine with Python 3.10+:
#   make demo   - create .venv, install, check and pack the bundled demo submission
#   make test   - create .venv, install with test extras, run the whole test suite
#   make lint   - ruff (style, import order, bugbear) and mypy (typed definitions) over the code
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ifeq ($(OS),Windows_NT)
BIN    := $(VENV)/Scripts
endif
DEMO   := fixtures/demo

.PHONY: demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/python fixtures/make_demo.py $(DEMO)
	@# The demo is broken on purpose: exit 1 (findings) is the expected outcome, 2 is a failure.
	$(BIN)/kcsubmit check $(DEMO) || test $$? -eq 1
	@# Then what a teacher does next: repair and pack, from broken sources to archives that pass.
	$(BIN)/kcsubmit pack $(DEMO) --fix -o fixtures/dist

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/python -m ruff check src tests bench fixtures
	$(BIN)/python -m mypy

# Every benchmark in one run (the media are made once into bench/out, about 3 GB): start-up, check vs
# mediainfo, archives, --jobs, fix vs ffmpeg, pack vs zip -0, a 1,000-file soak (about 6 minutes), and
# fix vs HandBrakeCLI on 4K60 HLG and 4:3 SDR clips (about 1 hour at the default 180 s on 2 cores;
# HDR_SECONDS=60 make bench for a shorter table).
HDR_SECONDS ?= 180
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py --write-docs --hdr-seconds $(HDR_SECONDS)

clean:
	rm -rf $(VENV) $(DEMO) fixtures/dist build dist src/*.egg-info
