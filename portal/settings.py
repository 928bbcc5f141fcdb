"""Settings, all read from the environment (see README "Settings").

With nothing set the portal runs embedded: SQLite in var/, Celery tasks run in process and the
cache is local memory. Production sets DATABASE_URL, REDIS_URL and SECRET_KEY.
"""

import datetime as dt
import secrets
from pathlib import Path

from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.cache_headers import static_cache_headers
from portal.env import (
    env_bool,
    env_choice,
    env_dates,
    env_float,
    env_int,
    env_list,
    env_str,
    parse_database_url,
    parse_redis_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)


def _secret(name: str, filename: str) -> str:
    key = env_str(name)
    if key:
        return key
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} must be set when DEBUG is off")
    # Development only: a random key kept on disk so it survives a restart, never a key
    # written into the source.
    VAR_DIR.mkdir(exist_ok=True)
    path = VAR_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret("SECRET_KEY", "dev-secret-key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

BURDEN_MIN_GROUP = env_int("BURDEN_MIN_GROUP", 5, minimum=1)
# Reporter protection (DESIGN.md; reports.protection). The key draws every record key: it is
# never served, logged or exported, and changing it redraws every figure's noise.
BURDEN_PERTURBATION_KEY = _secret("BURDEN_PERTURBATION_KEY", "dev-perturbation-key")
BURDEN_PERTURBATION = env_bool("BURDEN_PERTURBATION", True)
if not BURDEN_PERTURBATION and not DEBUG:
    raise ImproperlyConfigured("BURDEN_PERTURBATION=0 gives exact figures: it is refused unless DEBUG=1")
# Below the defaults the attacker suite's figures (docs/privacy.md) no longer hold: lower values
# are for development only; higher ones are always allowed.
BURDEN_NOISE_SCALE = env_float("BURDEN_NOISE_SCALE", 0.5, minimum=0 if DEBUG else 0.5)
BURDEN_NOISE_FLOOR_HOURS = env_float("BURDEN_NOISE_FLOOR_HOURS", 8, minimum=0 if DEBUG else 8)
BURDEN_WEEK_CLOSES_AFTER_HOURS = env_float("BURDEN_WEEK_CLOSES_AFTER_HOURS", 36, minimum=0)
# Yuan per hour of a cadre's time, by the level of the unit they serve (Standard Cost Model
# pricing of administrative burden on the county dashboard).
# The direct channel (problems/): working days (Monday to Friday, less BURDEN_HOLIDAYS, ISO dates
# separated by commas) a department has to answer a report routed to it.
BURDEN_RESPONSE_DAYS = env_int("BURDEN_RESPONSE_DAYS", 10, minimum=1)
BURDEN_HOLIDAYS = env_dates("BURDEN_HOLIDAYS")
# Keys the hash by which authors and co-signers find their reports (problems.anonymity). Optional:
# without it a key is derived from SECRET_KEY with a salt of its own, so rotating SECRET_KEY
# also cuts authors off from their old reports (the README says so).
BURDEN_PROBLEM_KEY = env_str("BURDEN_PROBLEM_KEY") or None
BURDEN_WAGE_TARIFF = {
    "township": env_int("BURDEN_WAGE_TOWNSHIP", 60, minimum=0),
    "village": env_int("BURDEN_WAGE_VILLAGE", 35, minimum=0),
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal",
    "reports",
    "problems",
    "auditlog",  # administrators' actions on accounts and reference data (portal/audit.py)
    "axes",  # failed logins per account and per client (see "Logins" below)
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before the session lookup and any view: NUL characters and oversized API bodies.
    "portal.middleware.HostileInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout met anywhere below into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.context_processors.portal",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
if _database_url:
    DATABASES = {"default": parse_database_url(_database_url)}
else:
    VAR_DIR.mkdir(exist_ok=True)
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": VAR_DIR / "db.sqlite3"}}
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Persistent connections: gunicorn workers and Celery reuse one connection each.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DB_CONN_MAX_AGE", 60, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# ---------------------------------------------------------------------------- logins
# Every password check (web /login/, /admin/login/, the token view, the one-time reset) goes
# through django-axes, which counts failures in the database (not the cache, so a Redis outage
# does not open the door) and locks the account, and separately the client address, for the
# cool-off once either reaches the limit.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "portal.accounts.client_address"
AXES_LOCKOUT_CALLABLE = "portal.views.locked_out"
# Reporter protection rule 4: no cadre's login times where any role can read them. Successful
# logins are not logged at all, and failed attempts (kept only until the cool-off ends) are not
# shown in the admin; `manage.py axes_reset_username NAME` lifts a lockout early.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
# X-Forwarded-For is written by the client unless a proxy of ours overwrites it: only the address
# the last TRUSTED_PROXIES proxies saw is believed, by axes and the API throttles alike (DRF's
# NUM_PROXIES below). 0 (the default): the TCP peer's address, X-Forwarded-For ignored.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0, minimum=0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    parse_redis_url(REDIS_URL)
    # Errors are misses (portal/cache.py): with Redis down every page still answers, slower.
    CACHES = {
        "default": {
            "BACKEND": "portal.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions live in the database only: one indexed query per page, and no Redis outage can log
# everyone out or (with a write-through cache missing a delete) bring back a session ended by a
# logout or a password reset while Redis was down.
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Celery: with no REDIS_URL every task runs in process, so the embedded portal needs no broker.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
# A broker that is down must not hang a cadre's submit: fail fast, the dirty mark waits.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# The longest task (a county's rollup) is cut off at BURDEN_TASK_SECONDS; the broker redelivers
# an unacknowledged task (its worker lost) only after the visibility timeout, set just above it so
# a redelivery never overlaps a task still running. Lost work is picked up sooner than that by
# the dirty marks that beat drains every BURDEN_DRAIN_SECONDS.
BURDEN_TASK_SECONDS = env_int("BURDEN_TASK_SECONDS", 900, minimum=60)
BURDEN_DRAIN_SECONDS = env_float("BURDEN_DRAIN_SECONDS", 60, minimum=1)
CELERY_TASK_TIME_LIMIT = BURDEN_TASK_SECONDS
CELERY_TASK_SOFT_TIME_LIMIT = BURDEN_TASK_SECONDS - 30
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 0,
    "socket_connect_timeout": 2,
    "visibility_timeout": BURDEN_TASK_SECONDS + 60,
}
CELERY_BEAT_SCHEDULE = {
    "drain-dirty-county-weeks": {"task": "reports.tasks.drain_dirty", "schedule": BURDEN_DRAIN_SECONDS},
    "purge-idempotency-records": {
        "task": "portal.tasks.purge_idempotency_records",
        "schedule": 24 * 3600.0,
    },
    # Just after midnight in CELERY_TIMEZONE (Asia/Shanghai), when a deadline has passed.
    "recompute-overdue-problem-reports": {
        "task": "problems.tasks.recompute_overdue",
        "schedule": crontab(hour=0, minute=5),
    },
}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Content-hashed names served for a year as immutable once collectstatic has run (portal.staticfiles).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "portal.staticfiles.StaticFilesStorage"},
}
WHITENOISE_ADD_HEADERS_FUNCTION = static_cache_headers
# Serve straight from the source folders unless collectstatic has written its manifest (Docker image).
WHITENOISE_USE_FINDERS = not (STATIC_ROOT / "staticfiles.json").exists()
if WHITENOISE_USE_FINDERS:
    # WhiteNoise warns on every start when STATIC_ROOT is missing, though nothing is served from it.
    STATIC_ROOT.mkdir(exist_ok=True)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "COERCE_DECIMAL_TO_STRING": False,
    "DEFAULT_THROTTLE_RATES": {"login": env_str("LOGIN_THROTTLE_RATE", "10/min")},
    "NUM_PROXIES": TRUSTED_PROXIES,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Grassroots burden portal API",
    "DESCRIPTION": "Filing entries and reading suppressed burden statistics.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.nul_free_parameters",
    ],
    # The direct channel's "kind" and "status" fields would otherwise rename the entries' enums.
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "portal.models.Kind",
        "StatusEnum": "portal.models.LogStatus",
        "ProblemStatusEnum": "problems.models.Status",
        "ProblemRoutingStatusEnum": "problems.models.AssignmentStatus",
        "ProblemStepKindEnum": "problems.models.StepKind",
        "ProblemAnswerKindEnum": "problems.models.AnswerKind",
        "ProblemPatternEnum": "problems.models.Pattern",
    },
}

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
# HTTPS (README "Production"): all off by default, so development over plain HTTP works. HSTS
# is remembered by browsers for SECURE_HSTS_SECONDS: raise it step by step once HTTPS works.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if TRUSTED_PROXIES:
    # Our TLS-terminating proxy says whether the client's request was HTTPS; without a trusted
    # proxy the header is the client's own word and is ignored.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): scripts, style sheets, images and fonts from our own
# origin only. No page has an inline script (json_script blocks are data, type application/json),
# a <style> block or a style attribute of its own (bars are SVG); but ECharts writes its tooltips
# and legends as HTML with style attributes, so style attributes (not <style> elements, which
# could restyle a whole page) are allowed: style-src-attr, CSP level 3.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "style-src-elem": [SELF],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],  # ECharts' saved images and the admin's icons
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own logging config gives "django" a console handler of its own when DEBUG is
        # on; it also propagates to the root's, so each 4xx/5xx line came out twice.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # A successful login is not an event to keep (reporter protection rule 4); lockouts
        # are warnings and still logged.
        "axes": {"level": "WARNING"},
    },
}
