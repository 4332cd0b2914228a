"""Django settings for Jiuzhu.

Configuration comes from environment variables so that the same code runs the embedded
default (SQLite + database task queue, zero set-up) and a production PostgreSQL site.

- ``JIUZHU_DATABASE_URL``: database URL (default: SQLite file ``var/jiuzhu.sqlite3``).
- ``JIUZHU_TEST_DATABASE_URL``: used instead when running the test suite, if set.
- ``JIUZHU_SECRET_KEY`` (required unless DEBUG or the demo), ``JIUZHU_DEBUG``,
  ``JIUZHU_ALLOWED_HOSTS``; the security settings are listed in docs/security.md.
"""

import os
import sys
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent.parent
VAR_DIR = Path(os.environ.get("JIUZHU_VAR_DIR", PROJECT_DIR / "var"))

TESTING = "pytest" in sys.modules or os.environ.get("JIUZHU_TESTING") == "1"

DEBUG = os.environ.get("JIUZHU_DEBUG", "0") == "1"
# A demo site (`jiuzhu demo` sets it): plain http on 127.0.0.1, the demo logins exempt from the
# second factor and the forced password change. Never set it on a real site.
DEMO = os.environ.get("JIUZHU_DEMO", "0") == "1"
JIUZHU_DEMO = DEMO

DEV_SECRET_KEY = "insecure-dev-key-change-me-in-production-0123456789abcdef"
SECRET_KEY = os.environ.get("JIUZHU_SECRET_KEY", "")
if not SECRET_KEY and (DEBUG or TESTING or DEMO):
    SECRET_KEY = DEV_SECRET_KEY
if not DEBUG and not TESTING and not DEMO and (not SECRET_KEY or SECRET_KEY == DEV_SECRET_KEY):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "JIUZHU_SECRET_KEY is not set (or is the development default) and JIUZHU_DEBUG is off: "
        "refusing to start. Set JIUZHU_SECRET_KEY to a long random value (see docs/security.md). "
        "未设置 JIUZHU_SECRET_KEY（或仍为开发默认值），拒绝启动。"
    )
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
    "ninja",  # Swagger UI from the package's own static files (no CDN)
    "jiuzhu.core",
    "jiuzhu.areas",
    "jiuzhu.accounts",
    "jiuzhu.audit",
    "jiuzhu.dicts",
    "jiuzhu.registry",
    "jiuzhu.verify",
    "jiuzhu.papers",
    "jiuzhu.cases",
    "jiuzhu.cooperation",
    "jiuzhu.demo",
    "jiuzhu.policy",
    "jiuzhu.monitoring",
    "jiuzhu.funds",
    "jiuzhu.support",
    "jiuzhu.stats",
    "jiuzhu.portal",
    "jiuzhu.interop",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "jiuzhu.core.middleware.ContentSecurityPolicyMiddleware",
    "jiuzhu.core.middleware.ChineseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jiuzhu.accounts.security.AccountSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "jiuzhu.urls"

CSRF_FAILURE_VIEW = "jiuzhu.core.error_views.csrf_failure"

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
# Password policy: at least 10 characters, not all digits, not a common password, not close to
# the user's name (11111111 fails three ways).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "full_name")},
    },
    {
        "NAME": "jiuzhu.accounts.validators.MinimumLength",
        "OPTIONS": {"min_length": int(os.environ.get("JIUZHU_PASSWORD_MIN_LENGTH", "10"))},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
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
# The audit read log (audit.services.audit_read_log; docs/security.md): each web process chains
# the waiting reads after a response at most this often (seconds); 0 = only by verify, anchor
# and the audit log page (the tests chain explicitly).
JIUZHU_AUDIT_READ_CHAIN_SECONDS = float(
    os.environ.get("JIUZHU_AUDIT_READ_CHAIN_SECONDS", "0" if TESTING else "5")
)
# The citizen portal's public pages (standards, recipient list, 公示 of a village: the same for
# everyone) are kept this many seconds in each process's cache (portal.selectors.public_cached);
# 0 = not cached (tests, unless a test turns it on).
JIUZHU_PORTAL_PUBLIC_CACHE_SECONDS = int(
    os.environ.get("JIUZHU_PORTAL_PUBLIC_CACHE_SECONDS", "0" if TESTING else "30")
)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sign-in security (jiuzhu.accounts.security; docs/security.md).
# The SPDCI interface's signing key (a JWK file); made once under VAR_DIR when unset.
DCI_SIGNING_KEY = os.environ.get("JIUZHU_DCI_SIGNING_KEY", "")
JIUZHU_IDLE_TIMEOUT_MINUTES = int(os.environ.get("JIUZHU_IDLE_TIMEOUT_MINUTES", "30"))
JIUZHU_LOGIN_MAX_FAILURES = int(os.environ.get("JIUZHU_LOGIN_MAX_FAILURES", "5"))
JIUZHU_LOGIN_MAX_FAILURES_PER_ADDRESS = int(
    os.environ.get("JIUZHU_LOGIN_MAX_FAILURES_PER_ADDRESS", "20")
)
JIUZHU_LOGIN_LOCKOUT_MINUTES = int(os.environ.get("JIUZHU_LOGIN_LOCKOUT_MINUTES", "15"))
JIUZHU_TRUSTED_PROXY_HEADER = os.environ.get("JIUZHU_TRUSTED_PROXY_HEADER", "")
# The second factor (TOTP) for roles that can reveal PII, decide, pay or manage accounts. On by
# default; the test suite turns it off (its own tests turn it on).
JIUZHU_REQUIRE_TOTP = os.environ.get("JIUZHU_REQUIRE_TOTP", "0" if TESTING else "1") == "1"

# Transport and browser security: on by default outside DEBUG and the local demo.
_SECURE = not (DEBUG or DEMO or TESTING)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = _SECURE
SECURE_SSL_REDIRECT = _SECURE and os.environ.get("JIUZHU_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("JIUZHU_HSTS_SECONDS", "31536000")) if _SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _SECURE
SECURE_HSTS_PRELOAD = _SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if os.environ.get("JIUZHU_BEHIND_TLS_PROXY", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Content-Security-Policy (core.middleware): same-origin scripts and the per-request nonce.
JIUZHU_CSP = os.environ.get(
    "JIUZHU_CSP",
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
)

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
# After `jiuzhu collectstatic` (a deployment step; bench/load_portal.py does it) the collected
# files are served hashed and pre-compressed: `{% static %}` names the content-hashed file, which
# WhiteNoise sends gzip-compressed with a far-future, immutable cache header, so a phone fetches
# the stylesheet and scripts once per release. Without a collected manifest (development, tests)
# the files are served from the finders as before. Not strict: a file added since the last
# collectstatic is still served, under its plain name.
_collected = (STATIC_ROOT / "staticfiles.json").exists() or "collectstatic" in sys.argv
if _collected and not TESTING:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    WHITENOISE_MANIFEST_STRICT = False

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
# Files kept across a refused form (cases.pending) that nobody sent again: deleted by the daily
# ``pending_sweep`` job once older than this.
JIUZHU_PENDING_UPLOAD_HOURS = int(os.environ.get("JIUZHU_PENDING_UPLOAD_HOURS", "48"))

# Citizen portal (/m/): the SMS backend for sign-in codes and notices (see jiuzhu/portal/sms.py).
JIUZHU_SMS_BACKEND = os.environ.get("JIUZHU_SMS_BACKEND", "memory" if TESTING else "console")
JIUZHU_SMS_FILE = os.environ.get("JIUZHU_SMS_FILE", str(VAR_DIR / "sms-outbox.txt"))
# The public address printed in the village QR posters (一码通办), e.g. https://jiuzhu.example.gov.cn;
# blank: the address the staff member downloading the poster is using.
JIUZHU_PORTAL_URL = os.environ.get("JIUZHU_PORTAL_URL", "").rstrip("/")
