# Two commands: `make book` builds the website into _build/html; `make test` runs every test.
# Both create the virtualenv .venv from requirements.txt first (once, and again when it changes).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# A user's MPLBACKEND (often Agg on servers) would reach the notebook kernels, where plt.show() then draws
# nothing: nbval reports missing figures and `make notebooks` stores none. Without it, kernels use inline.
unexport MPLBACKEND

# One BLAS thread when notebooks run: their matrices are small, and on a busy 2-core machine a second thread
# makes the recurrent chapters several times slower. The results are the same bit for bit either way.
test notebooks: export OPENBLAS_NUM_THREADS = 1
test notebooks: export OMP_NUM_THREADS = 1

.PHONY: book test notebooks bench clean

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

book: $(STAMP)
	rm -rf _build/html
	$(VENV)/bin/jupyter-book build . --warningiserror --nitpick --keep-going

# Unit tests, nbval over every chapter, notebook hygiene, and the browser test of the built site.
test: book
	$(PY) -m pytest tests chapters --nbval --nbval-current-env \
		--nbval-sanitize-with tests/sanitize.cfg -p no:cacheprovider

# Restart & Run All for every chapter, storing outputs (run after editing a notebook).
notebooks: $(STAMP)
	$(PY) scripts/execute_notebooks.py

bench: $(STAMP)
	$(PY) benchmarks/bench_conv.py
	$(PY) benchmarks/bench_pooling.py
	$(PY) benchmarks/bench_widgets.py
	$(PY) benchmarks/bench_rnn.py
	$(PY) benchmarks/bench_gated.py
	$(PY) benchmarks/bench_gradient_decay.py

clean:
	rm -rf _build
