# Expedite Desk: `make demo` runs the app on SQLite, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install demo serve test lint typecheck translations messages clean

# xstatic-bootstrap is sdist-only and its build imports pkg_resources, which setuptools 82
# removed. Since pip 26 PIP_CONSTRAINT no longer reaches build environments, so the
# constraint goes in through --build-constraint (pip >= 25.3).
$(VENV)/.installed: pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --no-cache-dir --quiet --upgrade 'pip>=25.3'
	$(PY) -m pip install --no-cache-dir --quiet --build-constraint constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	$(PY) scripts/compile_translations.py

# Regenerate the catalogue after changing UI strings (needs GNU gettext).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --ignore ".venv/*" --ignore "staticfiles/*"

demo: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py sync_schedules
	$(PY) manage.py seed_demo
	$(MAKE) --no-print-directory serve

# The web server and the django-q2 cluster together; Ctrl-C stops both. They run in their
# own sessions so that exactly one TERM reaches each (qcluster crashes on a second signal
# while it is stopping).
serve:
	@echo "Expedite Desk on http://$(HOST)/  (agent1 / supervisor / customer1, password: demo)"
	@setsid $(PY) manage.py qcluster & QPID=$$!; \
	setsid $(PY) manage.py runserver $(HOST) & WPID=$$!; \
	trap 'kill -TERM $$QPID $$WPID 2>/dev/null; wait' INT TERM; \
	wait

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The service layer and jobs are typed (STYLE.md); views and tests are not checked.
TYPED := tickets/services tickets/tasks.py quotas/services.py quotas/tasks.py \
	staffing/services.py staffing/service_hours.py staffing/capacity.py \
	monitoring/services monitoring/tasks.py

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy $(TYPED)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 expedite_desk.egg-info
	find locale -name '*.mo' -delete
