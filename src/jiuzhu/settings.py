"""Django settings for Jiuzhu.

Configuration comes from environment variables so that the same code runs the embedded
default (SQLite + database task queue, zero set-up) and a production PostgreSQL site.

- ``JIUZHU_DATABASE_URL``: database URL (default: SQLite file ``var/jiuzhu.sqlite3``).
- ``JIUZHU_TEST_DATABASE_URL``: used instead when running the test suite, if set.
- ``JIUZHU_SECRET_KEY``, ``JIUZHU_DEBUG``, ``JIUZHU_ALLOWED_HOSTS``.
"""

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("JIUZHU_VAR_DIR", PROJECT_DIR / "var"))

TESTING = "pytest" in sys.modules or os.environ.get("JIUZHU_TESTING") == "1"

SECRET_KEY = os.environ.get(
    "JIUZHU_SECRET_KEY", "insecure-dev-key-change-me-in-production-0123456789abcdef"
)
DEBUG = os.environ.get("JIUZHU_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("JIUZHU_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "jiuzhu.core",
    "jiuzhu.areas",
    "jiuzhu.accounts",
    "jiuzhu.audit",
    "jiuzhu.registry",
    "jiuzhu.verify",
    "jiuzhu.cases",
    "jiuzhu.synth",
    "jiuzhu.policy",
    "jiuzhu.monitoring",
    "jiuzhu.funds",
    "jiuzhu.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiuzhu.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiuzhu.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "jiuzhu.accounts.context_processors.current_scope",
            ],
        },
    },
]

WSGI_APPLICATION = "jiuzhu.wsgi.application"

_default_db_url = f"sqlite:///{VAR_DIR / 'jiuzhu.sqlite3'}"
_db_url = os.environ.get("JIUZHU_DATABASE_URL", _default_db_url)
if TESTING and os.environ.get("JIUZHU_TEST_DATABASE_URL"):
    _db_url = os.environ["JIUZHU_TEST_DATABASE_URL"]
DATABASES = {"default": dj_database_url.parse(_db_url, conn_max_age=60)}
if TESTING and DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # One test database per test process, so concurrent runs on one server never collide.
    DATABASES["default"]["TEST"] = {"NAME": f"test_jiuzhu_{os.getpid()}"}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the task worker read while the other writes;
    # IMMEDIATE transactions avoid "database is locked" upgrades under contention.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA cache_size=-200000; PRAGMA temp_store=MEMORY;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests run on a fixed clock (tests/conftest.py) that may lie before or after the real date:
    # cookies without an expiry date keep the real browser of the e2e tests from dropping them.
    SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    CSRF_COOKIE_AGE = None
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# WhiteNoise serves from the finders; an empty STATIC_ROOT keeps it from warning on every start.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = True

TASKS = {
    "default": {
        "BACKEND": os.environ.get("JIUZHU_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# Recurring jobs (jiuzhu.core.schedule) the worker does not run — a site that runs them from
# cron: comma-separated job names, or "all".
JIUZHU_SCHEDULE_OFF = [
    n.strip() for n in os.environ.get("JIUZHU_SCHEDULE_OFF", "").split(",") if n.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"jiuzhu": {"level": "INFO"}},
}

# Page sizes and privacy.
JIUZHU_PAGE_SIZE = 25

# Citizen portal (/m/): the SMS backend for sign-in codes and notices (see jiuzhu/portal/sms.py).
JIUZHU_SMS_BACKEND = os.environ.get("JIUZHU_SMS_BACKEND", "memory" if TESTING else "console")
JIUZHU_SMS_FILE = os.environ.get("JIUZHU_SMS_FILE", str(VAR_DIR / "sms-outbox.txt"))
