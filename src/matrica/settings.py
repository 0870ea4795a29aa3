"""Matrica settings: one module, driven by environment variables, safe defaults for a laptop.

MATRICA_DATA_DIR  where the SQLite file and the generated secret key live (default ./var)
DATABASE_URL      postgres://… selects PostgreSQL; unset means SQLite in the data dir
SECRET_KEY        set it in production; a laptop generates one and keeps it in the data dir
DEBUG             "1"/"true" to turn on
ALLOWED_HOSTS     comma-separated (default: localhost names)
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf.locale import LANG_INFO
from django.utils.translation import gettext_lazy as _


def env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("MATRICA_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    # A laptop install keeps its own key so that sessions survive restarts.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_flag("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "ninja",
    "matrica.tenancy",
    "matrica.framework",
    "matrica.staff",
    "matrica.accounts",
    "matrica.training",
    "matrica.curricula",
    "matrica.surveys",
    "matrica.imports",
    "matrica.xapi",
    "matrica.compliance",
    "matrica.delivery",
    "matrica.evaluation",
    "matrica.credentials",
    "matrica.teams",
    "matrica.library",
    "matrica.needs",
    "matrica.audit",
    "matrica.api",
    "matrica.demo",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # CSP, Permissions-Policy, and no-store on every response to a signed-in user.
    "matrica.security.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "matrica.audit.middleware.AuditContextMiddleware",
    # Signs out a session idle or open too long (MATRICA_IDLE_TIMEOUT_MINUTES, _SESSION_MAX_HOURS).
    "matrica.accounts.middleware.SessionTimeoutMiddleware",
    # Turns a locked-out sign-in into the lock-out page; last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "matrica.urls"
WSGI_APPLICATION = "matrica.wsgi.application"
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
                "matrica.accounts.context_processors.role",
            ],
        },
    }
]


def _databases() -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return {"default": dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)}
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "matrica.sqlite3",
            "OPTIONS": {
                # Writers queue for the lock instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA cache_size=-64000;"
                ),
            },
            "TEST": {"NAME": os.environ.get("MATRICA_TEST_SQLITE")},
        }
    }


DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# NIST 800-63B: length over composition rules, and no common, numeric or look-alike passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes watches every sign-in (the pages' and the admin's) and refuses a locked one before
# the password is checked; ModelBackend then checks it.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Locked after this many failed sign-ins in a row, per account and per address, until the
# cool-off passes or an administrator unlocks it (matrica.accounts.actions.unlock_account).
AXES_FAILURE_LIMIT = int(os.environ.get("MATRICA_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("MATRICA_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "matrica.accounts.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Axes' own admin pages would delete attempts unaudited: unlocking is an action of ours.
AXES_ENABLE_ADMIN = False
# Django's login view masks the password; axes keeps no form data either.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "password"]
AXES_DISABLE_ACCESS_LOG = True

# English is the source language. Montenegrin (cnr) is not in Django's catalogue, so it is
# described here and falls back to Serbian Latin for Django's own strings.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("sq", _("Albanian")),
    ("sr", _("Serbian (Cyrillic)")),
    ("sr-latn", _("Serbian (Latin)")),
    ("bs", _("Bosnian")),
    ("hr", _("Croatian")),
    ("cnr", _("Montenegrin")),
    ("mk", _("Macedonian")),
    ("tr", _("Turkish")),
]
LANG_INFO.setdefault(
    "cnr",
    {
        "bidi": False,
        "code": "cnr",
        "name": "Montenegrin",
        "name_local": "crnogorski",
        "fallback": ["sr-latn"],
    },
)
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Belgrade")
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns on every request when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_flag("MATRICA_COLLECTSTATIC")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = True

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "matrica@localhost")
# Where people reach Matrica: the links in mail and in calendar entries are absolute.
MATRICA_BASE_URL = os.environ.get("MATRICA_BASE_URL", "http://127.0.0.1:8000")

SESSION_COOKIE_HTTPONLY = True
# A session ends after MATRICA_IDLE_TIMEOUT_MINUTES without a request and, however busy, after
# MATRICA_SESSION_MAX_HOURS (matrica.accounts.middleware.SessionTimeoutMiddleware).
MATRICA_IDLE_TIMEOUT_MINUTES = int(os.environ.get("MATRICA_IDLE_TIMEOUT_MINUTES", "30"))
MATRICA_SESSION_MAX_HOURS = int(os.environ.get("MATRICA_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = MATRICA_SESSION_MAX_HOURS * 3600
SESSION_COOKIE_SECURE = env_flag("HTTPS")
CSRF_COOKIE_SECURE = env_flag("HTTPS")
SECURE_SSL_REDIRECT = env_flag("HTTPS")
SECURE_HSTS_SECONDS = 31536000 if env_flag("HTTPS") else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4, through matrica.security.SecurityHeadersMiddleware):
# nothing inline, nothing from elsewhere. Scripts are the vendored htmx and matrica.js; htmx's
# indicator style element is turned off in base.html (the CSS styles .htmx-indicator) and hx-on
# (which needs 'unsafe-eval') is not used. The Django admin works under the same policy.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Permissions-Policy: no page needs a powerful browser feature; every one is off.
MATRICA_PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "camera", "display-capture", "encrypted-media",
        "geolocation", "gyroscope", "hid", "idle-detection", "magnetometer", "microphone",
        "midi", "payment", "publickey-credentials-get", "screen-wake-lock", "serial", "usb",
        "xr-spatial-tracking",
    )
}  # fmt: skip
# HSTS for subdomains and the preload list commit a whole ministry domain to HTTPS for a long
# time: that is the operator's decision, not the application's.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]

MATRICA_PAGE_SIZE = 50
MATRICA_SMALL_CELL = 5
MATRICA_EXPIRING_WINDOW_DAYS = int(os.environ.get("MATRICA_EXPIRING_WINDOW_DAYS", "90"))
# Lookups of the public certificate verification page per client address: "count/period".
MATRICA_VERIFY_RATE = os.environ.get("MATRICA_VERIFY_RATE", "20/10m")

# The resource library's uploads: kept under the data directory, outside the web root and the
# static files, and served only through the library's download view to users who may see them.
# Training is followed up on use at work this many days after a session (and, for days the
# daily `matrica follow-up` did not run, up to the grace days later).
MATRICA_FOLLOW_UP_DAYS = int(os.environ.get("MATRICA_FOLLOW_UP_DAYS", "90"))
MATRICA_FOLLOW_UP_GRACE_DAYS = int(os.environ.get("MATRICA_FOLLOW_UP_GRACE_DAYS", "30"))
MATRICA_UPLOAD_DIR = Path(os.environ.get("MATRICA_UPLOAD_DIR", DATA_DIR / "uploads")).resolve()
MATRICA_UPLOAD_MAX_MB = int(os.environ.get("MATRICA_UPLOAD_MAX_MB", "50"))
# Requests per API token (count/period, period in s, m or h; docs/api.md).
MATRICA_API_RATE = os.environ.get("MATRICA_API_RATE", "600/1m")
# The largest roster or evidence file an import reads (docs/imports.md).
MATRICA_IMPORT_MAX_MB = int(os.environ.get("MATRICA_IMPORT_MAX_MB", "50"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
