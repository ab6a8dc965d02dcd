# Two commands on a fresh machine:
#   make demo   the whole instructor pipeline on the bundled demo students
#   make test   the test suite
PYTHON ?= python3
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
