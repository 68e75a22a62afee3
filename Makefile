# Two commands do everything: `make lab` (learn) and `make test` (check). See README.md.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The stamp is a copy of the requirements the venv was built from: editing requirements.txt or
# pyproject.toml re-installs.
STAMP := $(VENV)/requirements.installed
NB ?=

.PHONY: install lab test test-perturbed test-colab notebooks run lint format clean release \
	autograde grade-solutions

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; v = sys.version_info; sys.exit(0 if v >= (3, 10) else "Python >= 3.10 is needed, $(PYTHON) is %d.%d" % v[:2])'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--no-build-isolation --editable .
	cat requirements.txt pyproject.toml > $(STAMP)

lab: install  ## open JupyterLab on the learner's notebooks
	$(BIN)/jupyter lab notebooks/

test: install  ## every test: unit tests, lint, fresh builds, nbval over every instructor notebook
	COURSE_OFFLINE=1 $(BIN)/python -m pytest

# The lanes where the course is used (.ci/run runs them after `make test`):
# - other float rounding on this machine (3 TensorFlow threads instead of 2): training outputs must
#   stay within the tolerances their cells declare, exact outputs exact (docs/TESTING.md);
# - Colab: every notebook opened alone, as from its badge, in a Python 3.13 venv with Colab's
#   versions (tests/colab/requirements.txt); clones the committed HEAD of this checkout.
test-perturbed: install  ## the notebooks again with other float rounding
	COURSE_TF_THREADS=3 COURSE_OFFLINE=1 $(BIN)/python -m pytest instructor

test-colab: install  ## every notebook as opened from its Colab badge, under Colab's versions
	$(BIN)/python -m tests.colab.lane

# The two builds of each source/NN_topic.py (docs/NOTEBOOK_CONVENTIONS.md): instructor/ (executed when its
# code changed, offline, as the tests run it) and notebooks/ (the learner's). One: NB=NN_topic.
notebooks: install  ## build instructor/ and notebooks/ from source/ (NB=NN_topic for one)
	$(BIN)/python -m tools.build_notebooks $(NB)

run: install  ## re-execute the instructor notebooks even if their code is unchanged (NB= for one)
	$(BIN)/python -m tools.build_notebooks --execute $(NB)

lint: install  ## ruff over the code and the notebooks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Only what can be rebuilt: never submissions (submitted/) or grades (grades/: the gradebook).
clean:
	rm -rf $(VENV) .venv-colab release

# --- grading (nbgrader) ---
# The student versions, autograding and feedback, driven through nbgrader by `python -m grading`
# (README "Grading with nbgrader"; `$(BIN)/python -m grading <command> --help`). Notebook
# NN_topic is assignment NN_topic.
SUBMISSIONS ?= submitted
GRADES ?= grades
TIMEOUT ?=
WORKERS ?=

release: install  ## student versions in release/NN_topic/NN_topic.ipynb (one: NB=01_edge_detection)
	$(BIN)/python -m grading release $(NB)

# SUBMISSIONS holds <student>/<assignment>/<assignment>.ipynb (only read). Writes $(GRADES)/:
# gradebook.db, scores.csv, grades.csv, results/, autograded/, feedback/, summary.txt.
# TIMEOUT: seconds per cell (default: grading.course.DEFAULT_TIMEOUT); WORKERS: submissions graded
# at once (default: the number of cores).
autograde: install  ## grade SUBMISSIONS=<folder> into GRADES=grades (TIMEOUT=<s> per cell, WORKERS=<n> at once)
	$(BIN)/python -m grading autograde --submissions $(SUBMISSIONS) --out $(GRADES) \
		$(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(WORKERS),--workers $(WORKERS))

grade-solutions: install  ## release-day check: the solutions get full marks (NB= for one)
	$(BIN)/python -m grading grade-solutions $(if $(TIMEOUT),--timeout $(TIMEOUT)) \
		$(if $(WORKERS),--workers $(WORKERS)) $(NB)
