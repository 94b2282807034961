"""Settings, read from the environment and validated at start-up.

Every setting a deployment may change is an environment variable documented in README.md.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent

ENVIRONMENTS = ("development", "production")
ENV = os.environ.get("STOCKTAKE_ENV", "development")
if ENV not in ENVIRONMENTS:
    raise ImproperlyConfigured(f"STOCKTAKE_ENV must be one of {', '.join(ENVIRONMENTS)}, not {ENV!r}.")
PRODUCTION = ENV == "production"


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name) or str(default)
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ImproperlyConfigured(f"{name} must be a whole number above 0, not {raw!r}.")
    return value


DATA_DIR = Path(os.environ.get("STOCKTAKE_DATA_DIR", Path.cwd() / "var")).resolve()


def _secret_key() -> str:
    key = os.environ.get("STOCKTAKE_SECRET_KEY", "")
    if key:
        if PRODUCTION and len(key) < 50:
            raise ImproperlyConfigured("STOCKTAKE_SECRET_KEY must be at least 50 characters in production.")
        return key
    if PRODUCTION:
        raise ImproperlyConfigured("STOCKTAKE_SECRET_KEY is required when STOCKTAKE_ENV=production.")
    # Development: one random key per data directory, kept so sessions survive restarts.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("STOCKTAKE_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("STOCKTAKE_DEBUG cannot be on when STOCKTAKE_ENV=production.")

ALLOWED_HOSTS = env_list("STOCKTAKE_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("STOCKTAKE_ALLOWED_HOSTS is required when STOCKTAKE_ENV=production.")
CSRF_TRUSTED_ORIGINS = env_list("STOCKTAKE_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "stocktake.core",
    "stocktake.vocabularies",
    "stocktake.organisations",
    "stocktake.initiatives",
    "stocktake.pages",
    "stocktake.demo",
    "stocktake.interchange",
    "django_tasks",
    "django_tasks_db",
    "stocktake.jobs",
    "stocktake.search",
    "stocktake.accounts",
    "stocktake.governance",
    "stocktake.monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "stocktake.core.middleware.SecurityHeadersMiddleware",
    "stocktake.accounts.ratelimit.ApiRateLimitMiddleware",  # /api/ only; last, so its 429s get the headers
]

ROOT_URLCONF = "stocktake.urls"
WSGI_APPLICATION = "stocktake.wsgi.application"

TEMPLATES = [
    {
        # Public pages: Jinja2 renders a 50-row list several times faster than Django's engine.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "jinja2"],
        "APP_DIRS": True,  # an app's own pages live in <app>/jinja2/
        "OPTIONS": {
            "environment": "stocktake.jinja2.environment",
            "autoescape": True,
            "auto_reload": DEBUG,
        },
    },
    {
        # The admin and Django's own pages.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'stocktake.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {error}") from error
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # Kept open between requests, as PostgreSQL's are: opening one and setting its pragmas on every
    # request halved the rate of pages served from the cache (1,180 against 2,700 a second). Autocommit
    # holds no read snapshot between queries, so writers and WAL checkpoints are not kept waiting.
    _database["CONN_MAX_AGE"] = 600
    _database["OPTIONS"] = {
        # WAL lets readers proceed while one writer writes; IMMEDIATE avoids mid-transaction lock upgrades.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    if _database["NAME"] != ":memory:":
        Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
elif _database["ENGINE"] not in ("django.db.backends.postgresql",):
    raise ImproperlyConfigured("DATABASE_URL must point at SQLite or PostgreSQL.")
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "TIMEOUT": 300,
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("STOCKTAKE_CACHE_ENTRIES", "5000"))},
    }
}

LANGUAGE_CODE = "en"
# The languages whose interface strings ship today; vocabulary titles exist in all six UN languages.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("ar", "العربية")]
UN_LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_MAX_AGE = 31536000 if PRODUCTION else 3600

# Behind a reverse proxy that sets X-Forwarded-Proto and appends the client's address to
# X-Forwarded-For (nginx: proxy_add_x_forwarded_for). Sign-in throttling and API limits then count
# the address the proxy saw, not the proxy's own.
BEHIND_PROXY = env_bool("STOCKTAKE_BEHIND_PROXY", False)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("STOCKTAKE_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("STOCKTAKE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("STOCKTAKE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("STOCKTAKE_HSTS_PRELOAD", True)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]  # the operator chose not to preload, knowingly
    if BEHIND_PROXY:
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("STOCKTAKE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Imports and exports run as background jobs, queued in the database and run by `stocktake db_worker`
# (which `stocktake serve` starts beside the web server). Since django-tasks 0.12 the database backend
# is its own package, django-tasks-db.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


# The largest file a steward may upload for import (bytes); uploads stream to disk, never to memory.
IMPORT_MAX_BYTES = env_positive_int("STOCKTAKE_IMPORT_MAX_BYTES", 1024**3)

# The reporting-org of exported IATI activities that were not imported from an IATI publisher.
STOCKTAKE_IATI_REPORTING_ORG_REF = os.environ.get("STOCKTAKE_IATI_REPORTING_ORG_REF", "XI-STOCKTAKE")
STOCKTAKE_IATI_REPORTING_ORG_TYPE = os.environ.get("STOCKTAKE_IATI_REPORTING_ORG_TYPE", "90")
STOCKTAKE_IATI_REPORTING_ORG_NAME = os.environ.get("STOCKTAKE_IATI_REPORTING_ORG_NAME", "Stocktake")

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

SITE_NAME = _("Stocktake")
# How many rows a public list page shows.
LIST_PAGE_SIZE = 50
# Seconds a public page stays in the cache (0 disables). A cached page is never served once anything
# in the registry has changed (see core/caching.py), so this bounds memory, not staleness.
PAGE_CACHE_SECONDS = int(os.environ.get("STOCKTAKE_PAGE_CACHE_SECONDS", "300"))

# Search: "tantivy" (embedded, the default: one index directory beside the data) or "postgres" (the
# index lives in the database, for deployments where several servers share it).
SEARCH_BACKEND = os.environ.get("STOCKTAKE_SEARCH_BACKEND", "tantivy")
SEARCH_INDEX_DIR = Path(os.environ.get("STOCKTAKE_SEARCH_INDEX_DIR", DATA_DIR / "search")).resolve()

# Accounts. The address links in e-mails start with (no trailing slash).
STOCKTAKE_BASE_URL = os.environ.get("STOCKTAKE_BASE_URL", "http://127.0.0.1:8000")
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "pages:home"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24  # a reset link works for one day

# E-mail: printed on the console unless an SMTP server is configured (STOCKTAKE_EMAIL_URL-like
# variables below), or written to files in a directory (STOCKTAKE_EMAIL_FILE_PATH, for tests).
DEFAULT_FROM_EMAIL = os.environ.get("STOCKTAKE_EMAIL_FROM", "Stocktake <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_HOST = os.environ.get("STOCKTAKE_EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(os.environ.get("STOCKTAKE_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("STOCKTAKE_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("STOCKTAKE_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("STOCKTAKE_EMAIL_TLS", True)
    EMAIL_TIMEOUT = 20
elif os.environ.get("STOCKTAKE_EMAIL_FILE_PATH"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = os.environ["STOCKTAKE_EMAIL_FILE_PATH"]
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# API rate limits: requests per minute, per token and per client address (anonymous included).
API_RATE_PER_TOKEN = env_positive_int("STOCKTAKE_API_RATE_PER_TOKEN", 600)
API_RATE_PER_ADDRESS = env_positive_int("STOCKTAKE_API_RATE_PER_ADDRESS", 300)

# Partnership health checks: a round lasts this many months, counted from the record's publication.
HEALTH_CHECK_MONTHS = env_positive_int("STOCKTAKE_HEALTH_CHECK_MONTHS", 12)
if not 6 <= HEALTH_CHECK_MONTHS <= 12:
    raise ImproperlyConfigured(
        f"STOCKTAKE_HEALTH_CHECK_MONTHS must be between 6 and 12, not {HEALTH_CHECK_MONTHS}."
    )
