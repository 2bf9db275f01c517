# OkiOki: `make run` starts the app with demo data; `make test` runs every check.
# Needs only Python 3.11 on the machine; everything else is installed into .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .uv/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: run install rules migrate demo test test-corpus lint fmt bench messages makemessages check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "OkiOki needs Python 3.11 (found %s). Set PYTHON=/path/to/python3.11." % sys.version.split()[0])'

$(UV): | check-python
	$(PYTHON) -m venv .uv
	.uv/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python $(PYTHON) --quiet
	touch $@

static/vendor/.installed: scripts/fetch_assets.py | $(VENV)/.installed
	$(PY) scripts/fetch_assets.py
	touch $@

install: $(VENV)/.installed static/vendor/.installed rules messages

# The validation rules into var/rules/<release>/, checked against apps/einvoice/rules.lock.
rules: | $(VENV)/.installed
	$(PY) scripts/fetch_rules.py

messages: | $(VENV)/.installed
	$(PY) scripts/compile_messages.py

migrate: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-true} $(PY) manage.py seed_demo

run: demo
	DEBUG=$${DEBUG:-true} OUTBOUND_ALLOW_PRIVATE=$${OUTBOUND_ALLOW_PRIVATE:-true} $(PY) manage.py run_dev

# The live bank connection in `make run`: unless Ponto is configured, a local stand-in of
# Ponto Connect (labelled on the Bank page); "Connect your bank" connects the demo account.
ifeq ($(PONTO_CLIENT_ID),)
run: export PONTO_CLIENT_ID := ponto-client-standin
run: export PONTO_CLIENT_SECRET := ponto-secret-standin
run: export PONTO_APPLICATION_ID := ponto-application-standin
run: export PONTO_STANDIN := true
run: export PONTO_API_URL := http://127.0.0.1:8054/ponto-connect
run: export PONTO_AUTHORIZATION_URL := http://127.0.0.1:8054/oauth2/auth
run: export PONTO_WEBHOOK_KEYS_URL := http://127.0.0.1:8054/webhooks/keys
run: export PONTO_WEBHOOK_ISSUER := http://127.0.0.1:8054
endif

# OkiOki's own invoices in `make run`: unless set, the demo's fictitious "OkiOki BV" (made by
# seed_demo) issues them. Production sets PLATFORM_COMPANY_NUMBER to the real company's.
ifeq ($(PLATFORM_COMPANY_NUMBER),)
run: export PLATFORM_COMPANY_NUMBER := 0790123495
endif

# Subscribing in `make run`: unless Stripe is configured, a local stand-in of Stripe (labelled
# on the plan page, no real payment); its plans are synced to it at start-up.
ifeq ($(STRIPE_SECRET_KEY),)
run: export STRIPE_SECRET_KEY := sk_test_standin
run: export STRIPE_WEBHOOK_SECRET := whsec_standin
run: export STRIPE_STANDIN := true
run: export STRIPE_API_BASE := http://127.0.0.1:8055
endif

# Google Drive folders in `make run`: unless Google is configured, a local stand-in of Google's
# sign-in and Drive (labelled on the drive's pages; Gmail keeps its app-password route, the
# stand-in has no mail); the demo bakery's "Facturen 2026" is connected through it at start-up.
ifeq ($(GOOGLE_CLIENT_ID),)
run: export GOOGLE_CLIENT_ID := google-client-standin
run: export GOOGLE_CLIENT_SECRET := google-secret-standin
run: export DRIVES_STANDIN := true
run: export GOOGLE_AUTH_URL := http://127.0.0.1:8056/authorize
run: export GOOGLE_TOKEN_URL := http://127.0.0.1:8056/token
run: export GOOGLE_REVOKE_URL := http://127.0.0.1:8056/revoke
run: export GOOGLE_USERINFO_URL := http://127.0.0.1:8056/userinfo
run: export GOOGLE_DRIVE_API_URL := http://127.0.0.1:8056/drive/v3
endif

# Peppol in `make run`: unless a partner is configured, a local stand-in of the access point,
# the SML and the SMP (labelled as such on every page that mentions Peppol).
ifeq ($(PEPPOL_PROVIDER),)
run: export PEPPOL_PROVIDER := recommand
run: export PEPPOL_STANDIN := true
run: export PEPPOL_API_URL := http://127.0.0.1:8025/api/v1
run: export PEPPOL_API_KEY := key_standin
run: export PEPPOL_API_SECRET := secret_standin
run: export PEPPOL_WEBHOOK_SECRET := whsec_standin
run: export PEPPOL_NETWORK := test
run: export PEPPOL_SML_ZONE := participant.sml.standin.okioki.localhost
run: export PEPPOL_DNS_NAMESERVER := 127.0.0.1:8053
endif

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DEBUG=true $(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install lint
	DEBUG=true $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -n $${PYTEST_WORKERS:-auto} $(PYTEST_ARGS)

bench: install
	$(PY) bench/run.py

# The public e-invoice corpus (opt-in): collect it first, see scripts/corpus.py.
test-corpus: install
	EINVOICE_CORPUS=$${EINVOICE_CORPUS:-var/corpus} $(VENV)/bin/pytest -n $${PYTEST_WORKERS:-auto} tests/einvoice/test_public_corpus.py

makemessages: install
	cd $(CURDIR) && $(PY) manage.py makemessages --no-obsolete -l nl -l fr --ignore=.venv --ignore=.uv --ignore=var --ignore=node_modules
	$(PY) manage.py makemessages --no-obsolete -d djangojs -l nl -l fr --ignore=.venv --ignore=.uv --ignore=var --ignore=static/vendor --ignore=node_modules

clean:
	rm -rf .venv .uv static/vendor var/test
