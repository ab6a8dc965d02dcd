# Two commands on a fresh machine:
#   make demo   the whole instructor pipeline on the bundled demo students
#   make test   the test suite
# The sandbox that runs student code while grading runs as another user, who must
# be able to run this interpreter: prefer the system Python to one in a home folder.
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test release check-release lab clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

demo: $(VENV)/.installed
	$(PY) -m nncourse demo

test: $(VENV)/.installed
	$(PY) -m pytest

release: $(VENV)/.installed
	$(PY) -m nncourse release

check-release: $(VENV)/.installed
	$(PY) -m nncourse check-release

lab: $(VENV)/.installed
	$(VENV)/bin/jupyter lab --allow-root

clean:
	rm -rf gradebook.db submitted autograded feedback exchange students grades.csv

# Benchmarks (bench/run.py): every figure a ratio against a peer measured in the
# same run. PyTorch is an optional extra; if it cannot be installed, the PyTorch
# rows say "unavailable". Larger class: make bench BENCH_ARGS="--class-size 200"
.PHONY: bench
bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-bench.txt || echo "PyTorch not installed: its benchmark rows will say unavailable"
	$(PY) bench/run.py $(BENCH_ARGS)
