"""OkiOki settings: one module, every deployment knob read from the environment.

The embedded default (no variables set, DEBUG on) runs on SQLite under ``var/`` with a
filesystem Celery broker, so ``make run`` needs no server. Production sets DATABASE_URL,
REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and the e-mail settings; see README.md.
"""

from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from stdnum.be import vat as be_vat

from okioki.env import env_bool, env_int, env_list, env_path, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env_path("OKIOKI_VAR_DIR", BASE_DIR / "var")
# Local state (SQLite, broker files, cache) lives here; a fresh clone has no var/ yet.
VAR_DIR.mkdir(parents=True, exist_ok=True)
SHARED_DATA_DIR = env_path("OKIOKI_SHARED_DATA", BASE_DIR.parent / "shared" / "data")

DEBUG = env_bool("DEBUG", False)

if DEBUG:
    SECRET_KEY = env_str("SECRET_KEY", "django-insecure-okioki-development-only")
else:
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            f"SECRET_KEY is {len(SECRET_KEY)} characters long; production needs at least 50. "
            "Make one: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "apps.core",
    "apps.accounts",
    "apps.companies",
    "apps.outbox",
    "apps.billing",
    "apps.einvoice",
    "apps.documents",
    "apps.peppol",
    "apps.banking",
    "apps.inbox",
    "apps.connections",
    "apps.sales",
    "apps.flows",
    "apps.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "apps.accounts.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "apps.core.uploads.UploadLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "apps.companies.middleware.CompanyScopeMiddleware",
]

ROOT_URLCONF = "okioki.urls"
WSGI_APPLICATION = "okioki.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "apps.companies.context_processors.company",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'okioki.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the embedded worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, background jobs ---------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "okioki"),
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://")
CELERY_RESULT_BACKEND = env_str(
    "CELERY_RESULT_BACKEND", REDIS_URL or f"file://{VAR_DIR / 'celery' / 'results'}"
)
if CELERY_BROKER_URL == "filesystem://":
    # The embedded default: messages are files under var/, so `make run` needs no server.
    _BROKER_DIR = VAR_DIR / "celery" / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR),
        "data_folder_out": str(_BROKER_DIR),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_TIMEZONE = "Europe/Brussels"

# --- Authentication -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "companies:home"
ACCOUNT_ADAPTER = "apps.accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[OkiOki] "
ACCOUNT_RATE_LIMITS = {
    "login_failed": env_str("LOGIN_RATE_LIMIT", "10/m/ip,5/5m/key"),
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
# The client IP that the per-IP limits count: X-Forwarded-For is read only through this many
# proxies of ours (0: the connecting address; a spoofed header is ignored), or from one header
# that the proxy sets (e.g. X-Real-IP).
ALLAUTH_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env_str("TRUSTED_CLIENT_IP_HEADER", "") or None
# When the per-account limit locks an account, its owner is e-mailed a single-use link that
# lets their browser sign in anyway (apps.accounts.lockout); valid this long, one per period.
LOGIN_UNLOCK_VALID_MINUTES = env_int("LOGIN_UNLOCK_VALID_MINUTES", 60)
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "OkiOki"
# a code typed as the authenticator turns to the next one still counts (RFC 6238, 5.2)
MFA_TOTP_TOLERANCE = 1

# --- Internationalisation -------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("nl", _("Dutch")), ("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "okioki_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
TIME_ZONE = "Europe/Brussels"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["okioki.formats"]

# --- Static and private files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env_path("STATIC_ROOT", VAR_DIR / "staticfiles")
# Uploaded and collected documents: never under STATIC_ROOT and never served directly; views
# check access and stream them.
PRIVATE_STORAGE_ROOT = env_path("PRIVATE_STORAGE_ROOT", VAR_DIR / "files")
MEDIA_ROOT = PRIVATE_STORAGE_ROOT
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_STORAGE_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
MAX_UPLOAD_SIZE = env_int("MAX_UPLOAD_SIZE", 25 * 1024 * 1024)
# Upload size is checked as the request streams in (apps.core.uploads): a request declared
# larger than this is a 413 before its body is read; each file is cut past the largest limit.
MAX_UPLOAD_REQUEST_SIZE = env_int("MAX_UPLOAD_REQUEST_SIZE", 4 * MAX_UPLOAD_SIZE)
FILE_UPLOAD_HANDLERS = [
    "apps.core.uploads.SizeLimitUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- E-mail ---------------------------------------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# Without a server (``make run``) every e-mail is written to a file in var/mail/, one per
# message: invitations and verification links, and the documents sent to accountants (whose
# UBL attachments would flood a console).
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_path("EMAIL_FILE_PATH", VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OkiOki <no-reply@okioki.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Transfer to the accountant ---------------------------------------------------------------
# One stable sender for every document sent to accountants, so that SPF/DKIM can be aligned
# and packages with an allowed-senders list (Exact Online) accept it.
TRANSFER_FROM_EMAIL = env_str("TRANSFER_FROM_EMAIL", "documents@okioki.localhost")
TRANSFER_MAX_MESSAGE_MB = env_int("TRANSFER_MAX_MESSAGE_MB", 20)
# Temporary failures (4xx, connection errors) are retried with backoff for this long.
TRANSFER_RETRY_HOURS = env_int("TRANSFER_RETRY_HOURS", 24)
# A delivery "sending" for longer than this belongs to a worker that died; it is retried.
TRANSFER_STUCK_MINUTES = env_int("TRANSFER_STUCK_MINUTES", 15)
# Resending a period of more documents than this asks the person to confirm first.
TRANSFER_RESEND_CONFIRM_OVER = env_int("TRANSFER_RESEND_CONFIRM_OVER", 5)

# --- Security -------------------------------------------------------------------------------
# Production (DEBUG off) is safe by default: `manage.py check --deploy` is clean without any of
# these variables; each can still be turned off (e.g. behind a proxy that redirects itself).
SESSION_COOKIE_HTTPONLY = True
_SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", _SECURE_COOKIES)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", _SECURE_COOKIES)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
# The container healthcheck asks over plain HTTP from inside; it must not be redirected.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
# Preloading is the domain owner's decision (it is hard to undo): off unless asked for, so the
# check --deploy reminder about it is silenced rather than answered for them.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Platform staff must have TOTP before they can use the admin.
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- REST API -------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "apps.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "OkiOki API",
    "DESCRIPTION": "Documents, e-invoices and transfer to the accountant, per company.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed sidecar package, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Product settings -----------------------------------------------------------------------
# Validation rules: a release folder, or a folder of release folders (var/rules/<release>/,
# filled by scripts/fetch_rules.py at `make install`); files are checked against
# apps/einvoice/rules.lock at load. Default: var/rules, else the ../shared copy.
_FETCHED_RULES = BASE_DIR / "var" / "rules"
_SHARED_RULES = SHARED_DATA_DIR / "validation"
PEPPOL_RULES_DIR = env_path(
    "PEPPOL_RULES_DIR",
    _SHARED_RULES if not _FETCHED_RULES.is_dir() and _SHARED_RULES.is_dir() else _FETCHED_RULES,
)
INBOUND_EMAIL_DOMAIN = env_str("INBOUND_EMAIL_DOMAIN", "in.okioki.localhost")
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)

# Secrets stored for the user (mailbox and cloud folder passwords) are encrypted with these
# Fernet keys; the first encrypts, all decrypt (rotation). Required in production, so that
# SECRET_KEY can be rotated freely; only development derives a key from SECRET_KEY.
ENCRYPTION_KEYS = env_list("ENCRYPTION_KEYS", [])
if not DEBUG and not ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "ENCRYPTION_KEYS is required in production (comma-separated Fernet keys). Make one: "
        "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
    )
# Collecting documents: mailboxes (IMAP), the forwarding address (SMTP or webhook), cloud folders.
INBOX_SCAN_INTERVAL_MINUTES = env_int("INBOX_SCAN_INTERVAL_MINUTES", 15)
INBOX_AUTH_FAILURES_BEFORE_PAUSE = env_int("INBOX_AUTH_FAILURES_BEFORE_PAUSE", 3)
INBOX_TIMEOUT = env_int("INBOX_TIMEOUT", 30)
# A message larger than this is recorded with its reason and not downloaded (bytes, as sent).
INBOX_MAX_MESSAGE_SIZE = env_int("INBOX_MAX_MESSAGE_SIZE", MAX_UPLOAD_SIZE * 3 // 2)
INBOUND_SMTP_HOST = env_str("INBOUND_SMTP_HOST", "127.0.0.1")
INBOUND_SMTP_PORT = env_int("INBOUND_SMTP_PORT", 2525)
# Shared secret of the inbound-mail webhook (HTTP basic auth password); empty: webhook off.
INBOUND_WEBHOOK_SECRET = env_str("INBOUND_WEBHOOK_SECRET", "")
# Bounds on one e-mail, one ZIP and the forwarding address (no input may take a worker down).
MAIL_MAX_DEPTH = env_int("MAIL_MAX_DEPTH", 30)  # MIME levels read; deeper: headers only
MAIL_MAX_PARTS = env_int("MAIL_MAX_PARTS", 10_000)  # MIME parts read; more: headers only
MAIL_MAX_ATTACHMENTS = env_int("MAIL_MAX_ATTACHMENTS", 50)  # documents taken from one e-mail
ZIP_MAX_TOTAL_SIZE = env_int(
    "ZIP_MAX_TOTAL_SIZE", 2 * MAX_UPLOAD_SIZE
)  # unpacked, per upload/e-mail
ZIP_MAX_MEMBERS = env_int("ZIP_MAX_MEMBERS", 200)  # files unpacked from one ZIP
INBOUND_SENDER_MESSAGES_PER_HOUR = env_int("INBOUND_SENDER_MESSAGES_PER_HOUR", 60)
INBOUND_ABUSE_CEILING_FACTOR = env_int("INBOUND_ABUSE_CEILING_FACTOR", 10)
INBOUND_ABUSE_CEILING_MIN = env_int("INBOUND_ABUSE_CEILING_MIN", 500)
# Outgoing connections to hosts users type (apps.core.outbound): only public internet addresses,
# unless this is on (`make run` and the tests, to reach servers on this computer; never in
# production). "Test connection" runs in a worker with this timeout (seconds).
OUTBOUND_ALLOW_PRIVATE = env_bool("OUTBOUND_ALLOW_PRIVATE", False)

# Peppol participant lookup (apps.peppol.lookup): the OpenPeppol SML zone (the test network's
# is participant.sml.test.tech.peppol.org), the DNS server to ask ("host:port"; empty: the
# system's resolver) and how long a verdict is kept.
PEPPOL_SML_ZONE = env_str("PEPPOL_SML_ZONE", "participant.sml.prod.tech.peppol.org")
PEPPOL_DNS_NAMESERVER = env_str("PEPPOL_DNS_NAMESERVER", "")
PEPPOL_LOOKUP_HOURS = env_int("PEPPOL_LOOKUP_HOURS", 6)
# The Peppol access-point partner that carries our e-invoices (apps.peppol.clients). Empty
# PEPPOL_PROVIDER: Peppol is not configured (said so on screen; invoices go by e-mail).
# PEPPOL_NETWORK is the partner's "test" or "production" network; PEPPOL_STANDIN marks the
# development stand-in of `make run` (labelled on every page that mentions Peppol; refused
# outside DEBUG).
PEPPOL_PROVIDER = env_str("PEPPOL_PROVIDER", "")
PEPPOL_API_URL = env_str("PEPPOL_API_URL", "https://app.recommand.eu/api/v1").rstrip("/")
PEPPOL_API_KEY = env_str("PEPPOL_API_KEY", "")
PEPPOL_API_SECRET = env_str("PEPPOL_API_SECRET", "")
PEPPOL_WEBHOOK_SECRET = env_str("PEPPOL_WEBHOOK_SECRET", "")
PEPPOL_NETWORK = env_str("PEPPOL_NETWORK", "production")
PEPPOL_STANDIN = env_bool("PEPPOL_STANDIN", False)
PEPPOL_SEND_TIMEOUT = env_int("PEPPOL_SEND_TIMEOUT", 60)  # seconds; the partner sends AS4 inline
if PEPPOL_PROVIDER not in ("", "recommand"):
    raise ImproperlyConfigured(f"PEPPOL_PROVIDER {PEPPOL_PROVIDER!r}: expected recommand or empty")
if PEPPOL_NETWORK not in ("test", "production"):
    raise ImproperlyConfigured("PEPPOL_NETWORK must be test or production")
if PEPPOL_STANDIN and not DEBUG:
    raise ImproperlyConfigured("PEPPOL_STANDIN is for development only (DEBUG=true)")
if PEPPOL_PROVIDER and not DEBUG and not (PEPPOL_API_KEY and PEPPOL_API_SECRET):
    raise ImproperlyConfigured("PEPPOL_PROVIDER needs PEPPOL_API_KEY and PEPPOL_API_SECRET")
OUTBOUND_TEST_TIMEOUT = env_int("OUTBOUND_TEST_TIMEOUT", 10)

# Sign-in with Google and Microsoft (OAuth2) for mailboxes: "Connect Gmail" and "Connect
# Microsoft 365 / Outlook.com" (apps.inbox.clients.oauth). Without a client id the buttons
# explain the other routes. Register SITE_URL/inbox/oauth/callback/ as the redirect URI. The
# *_AUTH_URL, *_TOKEN_URL... overrides point at a stand-in (the tests' fake); *_IMAP_URL is
# where the mailbox is read (imaps://host:port, or imap:// to this computer only).
GOOGLE_CLIENT_ID = env_str("GOOGLE_CLIENT_ID", "")
GOOGLE_CLIENT_SECRET = env_str("GOOGLE_CLIENT_SECRET", "")
GOOGLE_AUTH_URL = env_str("GOOGLE_AUTH_URL", "https://accounts.google.com/o/oauth2/v2/auth")
GOOGLE_TOKEN_URL = env_str("GOOGLE_TOKEN_URL", "https://oauth2.googleapis.com/token")
GOOGLE_REVOKE_URL = env_str("GOOGLE_REVOKE_URL", "https://oauth2.googleapis.com/revoke")
GOOGLE_USERINFO_URL = env_str(
    "GOOGLE_USERINFO_URL", "https://openidconnect.googleapis.com/v1/userinfo"
)
GOOGLE_IMAP_URL = env_str("GOOGLE_IMAP_URL", "imaps://imap.gmail.com:993")
MICROSOFT_CLIENT_ID = env_str("MICROSOFT_CLIENT_ID", "")
MICROSOFT_CLIENT_SECRET = env_str("MICROSOFT_CLIENT_SECRET", "")
MICROSOFT_TENANT = env_str("MICROSOFT_TENANT", "common")
MICROSOFT_AUTH_URL = env_str(
    "MICROSOFT_AUTH_URL",
    f"https://login.microsoftonline.com/{MICROSOFT_TENANT}/oauth2/v2.0/authorize",
)
MICROSOFT_TOKEN_URL = env_str(
    "MICROSOFT_TOKEN_URL", f"https://login.microsoftonline.com/{MICROSOFT_TENANT}/oauth2/v2.0/token"
)
# Microsoft has no revocation endpoint for these tokens; a stand-in may offer one
MICROSOFT_REVOKE_URL = env_str("MICROSOFT_REVOKE_URL", "")
MICROSOFT_IMAP_URL = env_str("MICROSOFT_IMAP_URL", "imaps://outlook.office365.com:993")
# Microsoft Graph, where a Microsoft 365 mailbox whose IMAP is off is read instead
# (apps.inbox.clients.graph_mail); the tests point it at their stand-in.
MICROSOFT_GRAPH_URL = env_str("MICROSOFT_GRAPH_URL", "https://graph.microsoft.com/v1.0").rstrip("/")
# Dropbox (cloud folders): a scoped-access app, redirect URI SITE_URL/inbox/oauth/callback/
DROPBOX_CLIENT_ID = env_str("DROPBOX_CLIENT_ID", "")  # the app key
DROPBOX_CLIENT_SECRET = env_str("DROPBOX_CLIENT_SECRET", "")  # the app secret
DROPBOX_AUTH_URL = env_str("DROPBOX_AUTH_URL", "https://www.dropbox.com/oauth2/authorize")
DROPBOX_TOKEN_URL = env_str("DROPBOX_TOKEN_URL", "https://api.dropboxapi.com/oauth2/token")
DROPBOX_API_URL = env_str("DROPBOX_API_URL", "https://api.dropboxapi.com/2")
DROPBOX_CONTENT_URL = env_str("DROPBOX_CONTENT_URL", "https://content.dropboxapi.com/2")
if DROPBOX_CLIENT_ID and not DROPBOX_CLIENT_SECRET:
    raise ImproperlyConfigured("DROPBOX_CLIENT_ID needs DROPBOX_CLIENT_SECRET")
# Google Drive folders (apps.inbox.clients.google_drive), signed in with the Google client
# above (its consent asks for the Drive scope); the override points at a stand-in.
GOOGLE_DRIVE_API_URL = env_str("GOOGLE_DRIVE_API_URL", "https://www.googleapis.com/drive/v3")
# DRIVES_STANDIN marks `make run`'s local stand-in of Google's sign-in and Google Drive
# (tests/fakes/drive_standin.py): development only, labelled on the drive's pages.
DRIVES_STANDIN = env_bool("DRIVES_STANDIN", False)
if DRIVES_STANDIN and not DEBUG:
    raise ImproperlyConfigured("DRIVES_STANDIN is for development only (DEBUG=true)")
if GOOGLE_CLIENT_ID and not GOOGLE_CLIENT_SECRET:
    raise ImproperlyConfigured("GOOGLE_CLIENT_ID needs GOOGLE_CLIENT_SECRET")
if MICROSOFT_CLIENT_ID and not MICROSOFT_CLIENT_SECRET:
    raise ImproperlyConfigured("MICROSOFT_CLIENT_ID needs MICROSOFT_CLIENT_SECRET")
if not all(
    url.startswith(("imaps://", "imap://")) for url in (GOOGLE_IMAP_URL, MICROSOFT_IMAP_URL)
):
    raise ImproperlyConfigured("GOOGLE_IMAP_URL and MICROSOFT_IMAP_URL: imaps://host:port")

# Live bank connection (Ponto Connect, PSD2). Without PONTO_CLIENT_ID it is not configured:
# the Bank page says statements can be uploaded or e-mailed instead. The client certificate
# and its key (files, PEM) are presented on every call to the API (mutual TLS).
# PONTO_STANDIN marks `make run`'s local stand-in (development only, labelled on screen).
PONTO_CLIENT_ID = env_str("PONTO_CLIENT_ID", "")
PONTO_CLIENT_SECRET = env_str("PONTO_CLIENT_SECRET", "")
PONTO_CERTIFICATE = env_str("PONTO_CERTIFICATE", "")
PONTO_PRIVATE_KEY = env_str("PONTO_PRIVATE_KEY", "")
PONTO_CA_BUNDLE = env_str("PONTO_CA_BUNDLE", "")
PONTO_API_URL = env_str("PONTO_API_URL", "https://api.ibanity.com/ponto-connect").rstrip("/")
PONTO_AUTHORIZATION_URL = env_str(
    "PONTO_AUTHORIZATION_URL", "https://authorization.myponto.com/oauth2/auth"
)
PONTO_WEBHOOK_KEYS_URL = env_str("PONTO_WEBHOOK_KEYS_URL", "https://api.ibanity.com/webhooks/keys")
PONTO_WEBHOOK_ISSUER = env_str("PONTO_WEBHOOK_ISSUER", "https://api.ibanity.com")
PONTO_APPLICATION_ID = env_str("PONTO_APPLICATION_ID", "")
PONTO_STANDIN = env_bool("PONTO_STANDIN", False)
if PONTO_STANDIN and not DEBUG:
    raise ImproperlyConfigured("PONTO_STANDIN is for development only (DEBUG=true)")
if (
    PONTO_CLIENT_ID
    and not DEBUG
    and not (
        PONTO_CLIENT_SECRET and PONTO_CERTIFICATE and PONTO_PRIVATE_KEY and PONTO_APPLICATION_ID
    )
):
    raise ImproperlyConfigured(
        "PONTO_CLIENT_ID needs PONTO_CLIENT_SECRET, PONTO_CERTIFICATE, PONTO_PRIVATE_KEY "
        "and PONTO_APPLICATION_ID"
    )
# Billing (Stripe). Without STRIPE_SECRET_KEY nobody can subscribe (the plan page says so);
# OkiOki's database stays the meter of record either way. STRIPE_API_BASE points the client
# at another address (the tests' fake, `make run`'s stand-in: STRIPE_STANDIN, labelled).
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "").rstrip("/")
STRIPE_STANDIN = env_bool("STRIPE_STANDIN", False)
if STRIPE_STANDIN and not DEBUG:
    raise ImproperlyConfigured("STRIPE_STANDIN is for development only (DEBUG=true)")
if STRIPE_SECRET_KEY and not DEBUG and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("STRIPE_SECRET_KEY needs STRIPE_WEBHOOK_SECRET")
STRIPE_METER_EVENT = env_str("STRIPE_METER_EVENT", "okioki_documents")
# After a failed payment: days of full service before the company falls back to Start.
BILLING_GRACE_DAYS = env_int("BILLING_GRACE_DAYS", 14)
# A collected document deleted as junk within these hours is not billed.
BILLING_JUNK_GRACE_HOURS = env_int("BILLING_JUNK_GRACE_HOURS", 72)
# The platform's own company (its enterprise number): it issues OkiOki's legal invoices.
# No default: `make run` sets the demo's; taking Stripe's payments without it is refused.
PLATFORM_COMPANY_NUMBER = env_str("PLATFORM_COMPANY_NUMBER", "")
if PLATFORM_COMPANY_NUMBER and not be_vat.is_valid(PLATFORM_COMPANY_NUMBER):
    raise ImproperlyConfigured("PLATFORM_COMPANY_NUMBER is not a valid enterprise number")
if STRIPE_SECRET_KEY and not DEBUG and not PLATFORM_COMPANY_NUMBER:
    raise ImproperlyConfigured(
        "STRIPE_SECRET_KEY needs PLATFORM_COMPANY_NUMBER (the company issuing OkiOki's invoices)"
    )
# Reading documents (hostile files): bounded pages, pixels and time; nothing stays "reading".
PDF_MAX_PAGES = env_int("PDF_MAX_PAGES", 50)
OCR_MAX_PAGES = env_int("OCR_MAX_PAGES", 5)
OCR_MAX_PIXELS = env_int("OCR_MAX_PIXELS", 40_000_000)
DOCUMENT_READ_TIME_LIMIT = env_int("DOCUMENT_READ_TIME_LIMIT", 360)
DOCUMENT_READ_MAX_ATTEMPTS = env_int("DOCUMENT_READ_MAX_ATTEMPTS", 3)
DOCUMENT_BULK_THRESHOLD = env_int("DOCUMENT_BULK_THRESHOLD", 20)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # stripe-python logs every request at INFO; its failures reach us as exceptions
        "stripe": {"level": "WARNING"},
    },
}
