# Kefu — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PACKAGES := -e shared -e services/customer -e services/complaint -e services/ticket \
            -e services/survey -e services/gateway
PIP_INSTALL := $(BIN)/pip install --disable-pip-version-check -q -c constraints.txt
# Both cores: every test has its own broker and databases, so workers never share state.
PYTEST_ARGS ?= -n 2

.PHONY: install run test test-unit lint typecheck check bench bench-smoke bench-classification lock clean events asyncapi images k8s-validate

install: $(STAMP)

$(STAMP): constraints.txt requirements-dev.txt shared/pyproject.toml services/*/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) $(PACKAGES) -r requirements-dev.txt
	@touch $(STAMP)

## Start broker, migrations, four services and the gateway (Ctrl-C stops them all).
run: install
	$(BIN)/python scripts/devstack.py

## Unit and integration tests (SQLite; PostgreSQL too when TEST_DATABASE_URL is set).
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-unit: install
	$(BIN)/python -m pytest -m "not integration and not e2e" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check shared services tests scripts bench

## mypy --strict (pyproject.toml) on the shared library and each service's package.
TYPED_SERVICES := $(notdir $(wildcard services/*))
typecheck: install
	$(BIN)/mypy shared/kefu_shared $(foreach s,$(TYPED_SERVICES),services/$(s)/$(s))

check: lint typecheck test

## Request path against the bare floor (PostgreSQL, wrk; about 12 minutes). See bench/README.md.
bench: install
	$(BIN)/python bench/requestpath.py $(BENCH_ARGS)

## The same in seconds per case (CI runs it so the bench cannot rot).
bench-smoke: install
	$(BIN)/python bench/requestpath.py --smoke $(BENCH_ARGS)

## Revenue classification of 1,000,000 customers / 10,000,000 orders (about 5 minutes).
bench-classification: install
	$(BIN)/python bench/classification.py $(BENCH_ARGS)

## Re-pin every dependency after changing a pyproject.toml or requirements-dev.txt.
lock:
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q $(PACKAGES) -r requirements-dev.txt
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

## Regenerate shared/asyncapi.yaml (every topic and message) from the registries.
asyncapi: install
	$(BIN)/python -m kefu_shared.asyncapi --output shared/asyncapi.yaml

## Print the events of a topic (default customer.events.v1) from the beginning.
TOPIC ?= customer.events.v1
events: install
	@$(BIN)/python -m kefu_shared.tail $(TOPIC)

## One image per service (Dockerfile, SERVICE build argument); without a Docker engine
## (as on CI) the Dockerfile is linted with hadolint instead.
IMAGE_SERVICES := gateway customer complaint ticket survey
IMAGE_TAG ?= dev
images: install
	@if docker info >/dev/null 2>&1; then \
	  for s in $(IMAGE_SERVICES); do \
	    docker build --build-arg SERVICE=$$s -t kefu/$$s:$(IMAGE_TAG) . || exit 1; \
	  done; \
	else \
	  echo "no Docker engine: linting the Dockerfile instead"; \
	  $(BIN)/hadolint Dockerfile && echo "Dockerfile: hadolint clean"; \
	fi

## Render deploy/k8s overlays (dev, prod) and validate them offline (see deploy/k8s/README.md).
k8s-validate: install
	$(BIN)/python scripts/k8s_validate.py
