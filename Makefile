# The two commands: `make run` and `make test`. Everything else they need is set up here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
export PORT

.PHONY: run test lint format install migrate seed bench bench-scale bench-load bench-jobs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# WeasyPrint (generated letters) needs pango from Debian; install it only when the import fails.
# Family videos need ffmpeg (and its ffprobe) from Debian; install it only when it is missing.
install: $(STAMP)
	@$(BIN)/python -c "import weasyprint" 2>/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 >/dev/null; }
	@ffmpeg -version >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ffmpeg >/dev/null; }

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo ""
	@echo "CareCoord is starting on http://127.0.0.1:$(PORT)/"
	@echo "  staff login:  http://127.0.0.1:$(PORT)/login/"
	@echo "  family login: http://127.0.0.1:$(PORT)/portal/login/"
	@echo "  health:       http://127.0.0.1:$(PORT)/healthz"
	@echo ""
	exec $(BIN)/honcho start -f Procfile

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy apps carecoord
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python -m pytest -n $${PYTEST_WORKERS:-auto} --dist loadgroup $(PYTEST_ARGS)

bench: migrate
	$(BIN)/python bench/run_all.py

# Hospital-scale reads at two sizes (BENCH_SMALL, BENCH_LARGE children), interleaved; see bench/scale/run.py.
bench-scale: install
	$(BIN)/python bench/scale/run.py

# Mixed traffic against gunicorn (gunicorn.conf.py) at several concurrencies, on one generated database
# (DATABASE_URL, e.g. the ..._20000 one make bench-scale built); see bench/scale/load.py.
bench-load: install
	$(BIN)/python bench/scale/load.py

# Beat jobs at scale on a throwaway PostgreSQL database (DATABASE_URL), then the outbox through one real
# worker on Redis (REDIS_URL). Knobs: BENCH_JOB_CHILDREN (20000), BENCH_JOB_ITEMS (1; 0 = children only),
# BENCH_JOB_WORKER (1), BENCH_OUTBOX_ROWS (10000), BENCH_MESSAGES (200); see bench/jobs.py.
bench-jobs: install
	$(BIN)/python bench/jobs.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .mypy_cache .ruff_cache
