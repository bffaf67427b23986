"""Django settings for Garde. Every value an operator may change comes from a GARDE_* variable;
docs/configuration.md lists them all."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _

from garde import config

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = config.data_dir()
PRIVATE_DIR = DATA_DIR / "private"

SECRET_KEY = config.secret_key(DATA_DIR)
DEBUG = config.env_bool("GARDE_DEBUG", default=False)
BASE_URL = os.environ.get("GARDE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_base = urlsplit(BASE_URL)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("GARDE_ALLOWED_HOSTS", f"{_base.hostname},127.0.0.1,localhost").split(
        ","
    )
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [f"{_base.scheme}://{_base.netloc}"]
SECURE = _base.scheme == "https"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "ninja",  # serves Swagger UI from local static files, not from a CDN
    "garde.core",
    "garde.accounts",
    "garde.api",
    "garde.breaches",
    "garde.careers",
    "garde.connlogs",
    "garde.consent",
    "garde.dsr",
    "garde.marketing",
    "garde.register",
    "garde.requests",
    "garde.retention",
    "garde.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The banner's consent writes skip the rest (see garde/consent/middleware.py).
    "garde.consent.middleware.ConsentWriteMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "garde.accounts.middleware.MfaEnforcementMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "garde.urls"
WSGI_APPLICATION = "garde.wsgi.application"
ASGI_APPLICATION = "garde.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "garde.web.context_processors.garde",
            ],
        },
    }
]

DATABASES = {
    "default": config.database(
        os.environ.get("GARDE_DATABASE_URL"), default_file=DATA_DIR / "garde.sqlite3"
    ),
    # Connection logs live on their own store (the policy's "systèmes dédiés distincts").
    "connlogs": config.database(
        os.environ.get("GARDE_CONNLOGS_DATABASE_URL"), default_file=DATA_DIR / "connlogs.sqlite3"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so that a worker process started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-garde.sqlite3")}
if DATABASES["connlogs"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["connlogs"]["TEST"] = {"NAME": str(DATA_DIR / "test-connlogs.sqlite3")}
DATABASE_ROUTERS = ["garde.core.routers.DedicatedStoreRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "garde.accounts.passwords.CnilEntropyValidator",
        "OPTIONS": {"min_bits": config.env_int("GARDE_PASSWORD_MIN_BITS", default=50)},
    },
    {"NAME": "garde.accounts.passwords.PersonalInformationValidator"},
    {
        "NAME": "garde.accounts.passwords.StrengthValidator",
        "OPTIONS": {"min_score": config.env_int("GARDE_PASSWORD_MIN_SCORE", default=4)},
    },
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"
PASSWORD_RESET_TIMEOUT = 60 * 60  # one hour: a reset link is a bearer secret

# Lock-out (CNIL 2022-100, case 2: the 50-bit minimum holds because log-in is restricted).
GARDE_LOCKOUT_THRESHOLD = config.env_int("GARDE_LOCKOUT_THRESHOLD", default=5)
GARDE_LOCKOUT_MINUTES = config.env_int("GARDE_LOCKOUT_MINUTES", default=15)
GARDE_PASSWORD_REMINDER_MONTHS = config.env_int("GARDE_PASSWORD_REMINDER_MONTHS", default=12)
# Largest file a request attachment may be (requests/attachments.py), 10 MiB by default.
GARDE_UPLOAD_MAX_BYTES = config.env_int("GARDE_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Uploads up to the limit stay in memory until encrypted; anything larger (to be refused) is
# spooled inside the private area, never in the system's shared temporary directory.
FILE_UPLOAD_MAX_MEMORY_SIZE = GARDE_UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_TEMP_DIR = str(PRIVATE_DIR / "tmp")
# Behind a reverse proxy, the client address is the first X-Forwarded-For entry.
GARDE_TRUST_X_FORWARDED_FOR = config.env_bool("GARDE_TRUST_X_FORWARDED_FOR", default=False)
# Legal deadlines (core/deadlines.py): French holidays of this subdivision too ("57" or "6AE"
# for Alsace-Moselle), and whether an end on a non-working day moves to the next working day.
GARDE_HOLIDAY_SUBDIVISION = os.environ.get("GARDE_HOLIDAY_SUBDIVISION", "") or None
GARDE_DEADLINE_ROLL_FORWARD = config.env_bool("GARDE_DEADLINE_ROLL_FORWARD", default=True)
# Fulfilment engine (dsr): time budget of one access request across all systems, how long an
# access package stays downloadable before its file is deleted, and the erasure strategy for a
# data category no ErasurePolicy covers (null, fixed, hash, random, delete).
GARDE_DSR_TIME_BUDGET_SECONDS = config.env_int("GARDE_DSR_TIME_BUDGET_SECONDS", default=60)
GARDE_DSR_PACKAGE_DAYS = config.env_int("GARDE_DSR_PACKAGE_DAYS", default=30)
GARDE_DSR_DEFAULT_STRATEGY = os.environ.get("GARDE_DSR_DEFAULT_STRATEGY", "null")
GARDE_MFA_ISSUER = os.environ.get("GARDE_MFA_ISSUER", "Garde")
GARDE_OPERATOR_NAME = os.environ.get("GARDE_OPERATOR_NAME", "inherent")
# Connection logs: the checkpoint origin (also the signed-note key name) and how often the open
# segment's tree head is signed.
GARDE_CONNLOGS_ORIGIN = os.environ.get("GARDE_CONNLOGS_ORIGIN", f"{_base.hostname}/connlogs")
GARDE_CONNLOGS_HEAD_INTERVAL_SECONDS = config.env_int(
    "GARDE_CONNLOGS_HEAD_INTERVAL_SECONDS", default=60
)
# Largest NDJSON body POST /api/v1/connlogs takes (bytes); bigger ones get a 413.
GARDE_CONNLOGS_API_MAX_BYTES = config.env_int(
    "GARDE_CONNLOGS_API_MAX_BYTES", default=16 * 1024 * 1024
)

SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_NAME = "garde_session"
CSRF_COOKIE_NAME = "garde_csrf"
LANGUAGE_COOKIE_NAME = "garde_lang"
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_DIR)},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

_email = config.email(os.environ.get("GARDE_EMAIL_URL"))
globals().update(_email)
DEFAULT_FROM_EMAIL = os.environ.get("GARDE_EMAIL_FROM", "Garde <no-reply@garde.localhost>")
# The mailto: half of newsletters' List-Unsubscribe (RFC 8058); empty: unsubscribe@ the
# sender's domain.
GARDE_NEWSLETTER_UNSUBSCRIBE_ADDRESS = os.environ.get("GARDE_NEWSLETTER_UNSUBSCRIBE_ADDRESS", "")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("GARDE_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GARDE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
