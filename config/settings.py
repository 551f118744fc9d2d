"""Mapwright's one settings module.

Every value comes from an environment variable (the README's configuration
table lists them). With nothing set, the embedded default runs: SQLite in the
project folder, Django's database cache, the console email backend, the
offline AI planner and background tasks run in-process. None of it needs a
network.
"""

import os
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        return int(raw) if raw else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name, "")
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return items or default


# --- Core -------------------------------------------------------------------

DEBUG = env_bool("DJANGO_DEBUG", False)

SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it to a long random string, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`, "
            "or set DJANGO_DEBUG=1 for local development."
        )
    # Only ever used with DEBUG on (`make run`); never valid in production.
    SECRET_KEY = "django-insecure-local-development-only-key-do-not-use-in-production"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else ["localhost", "127.0.0.1"]
)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_ratelimit",
    "django_tasks_db",
    # The live board's WebSockets (config/asgi.py); served by uvicorn, so not daphne.
    "channels",
    "config",
    "accounts",
    "projects",
    "stories",
    "aimap",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.middleware.CacheCircuitMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "config.ratelimit.RateLimitMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
# SQLite needs these however its file is named (the default path or DATABASE_URL=sqlite:///…):
# WAL lets readers go on while one connection writes; IMMEDIATE takes the write lock at
# BEGIN, so a transaction that reads and then writes never fails on a lock upgrade (that
# fails at once, whatever the timeout); the timeout (seconds) is how long a writer waits
# its turn for the lock.
SQLITE_OPTIONS = {
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}
if DATABASE_URL:
    DATABASES: dict[str, Any] = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": Path(env_str("SQLITE_PATH") or BASE_DIR / "db.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}

# --- Cache ------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "mapwright",
            "OPTIONS": {
                # django-redis's client, costing at most one REDIS_TIMEOUT per request in an outage.
                "CLIENT_CLASS": "config.cache.CircuitClient",
                # A Redis outage must not take pages down: errors are logged
                # and the cache behaves as a miss.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": env_float("REDIS_CONNECT_TIMEOUT", 1.0),
                "SOCKET_TIMEOUT": env_float("REDIS_TIMEOUT", 1.0),
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "mapwright.cache"
else:
    # A cache every process shares (unlike LocMemCache), so that rate limits
    # hold across gunicorn workers without Redis.
    CACHES = {
        "default": {
            "BACKEND": "config.cache.AtomicDatabaseCache",
            "LOCATION": "mapwright_cache",
        }
    }
    # django-ratelimit names only Redis and memcached as supported; the cache
    # above gives it the shared, atomic counter it needs.
    SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]

# --- The live board (Django Channels) -------------------------------------------

# Open boards of a project form a group on this layer: Redis when there is one, so that every
# worker process hears every change; otherwise a layer within the one process that `make run` is.
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # No socket timeout: a board's socket waits on Redis for its next message.
                "hosts": [{"address": REDIS_URL, "socket_connect_timeout": env_float("REDIS_CONNECT_TIMEOUT", 1.0)}],
                "prefix": "mapwright:live",
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Background tasks (django.tasks) ------------------------------------------

TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate").lower()
_TASK_BACKENDS = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}, not {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default"]}}

# --- Authentication ---------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "projects:list"
LOGOUT_REDIRECT_URL = "home"
# Links in emails point here; empty means "the host the request came to".
SITE_URL = env_str("SITE_URL").rstrip("/")
EMAIL_VERIFICATION_MAX_AGE = env_int("EMAIL_VERIFICATION_MAX_AGE", 3 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 24 * 3600)
# Verification unlocks nothing by default; this makes AI generation wait for it.
REQUIRE_VERIFIED_EMAIL_FOR_AI = env_bool("REQUIRE_VERIFIED_EMAIL_FOR_AI", False)

# --- API --------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.JWTAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.api_exception_handler",
    # DRF's JSON parser lets Python's RecursionError on deeply nested input through as a 500.
    "DEFAULT_PARSER_CLASSES": [
        "config.api.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # OPTIONS on a view without serializer_class was a 500 (found by Schemathesis).
    "DEFAULT_METADATA_CLASS": "config.api.APIMetadata",
    # ?format= is the export endpoint's own parameter (json, csv, md), not DRF's renderer switch.
    "URL_FORMAT_OVERRIDE": None,
}
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_TOKEN_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_TOKEN_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_OBTAIN_SERIALIZER": "accounts.api.serializers.TokenObtainSerializer",  # nosec B105
    "TOKEN_REFRESH_SERIALIZER": "accounts.api.serializers.TokenRefreshSerializer",  # nosec B105
}

# --- Rate limits (django-ratelimit, in the shared cache) ------------------------

RATELIMIT_ENABLE = env_bool("RATELIMIT_ENABLE", True)
RATELIMIT_USE_CACHE = "default"
# With the cache down, limits are waived rather than locking everyone out:
# a Redis outage must not take logins down with it.
RATELIMIT_FAIL_OPEN = True
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY") or None
# "count/period": s(econd), m(inute), h(our) or d(ay). One entry per limit.
RATE_LIMITS = {
    "register": env_str("RATE_LIMIT_REGISTER", "5/m"),
    "login-ip": env_str("RATE_LIMIT_LOGIN_IP", "10/m"),
    "login-email": env_str("RATE_LIMIT_LOGIN_EMAIL", "10/m"),
    "password-reset": env_str("RATE_LIMIT_PASSWORD_RESET", "5/h"),
    "email-resend": env_str("RATE_LIMIT_EMAIL_RESEND", "5/h"),
    # Per user: scripts writing stories through the API, and a person on the board.
    "story-write": env_str("RATE_LIMIT_STORY_WRITE", "30/m"),
    "board-write": env_str("RATE_LIMIT_BOARD_WRITE", "300/m"),
    # Per user: API writes of activities, steps, releases and personas; whole-map imports (pages and API).
    "map-write": env_str("RATE_LIMIT_MAP_WRITE", "60/m"),
    "import": env_str("RATE_LIMIT_IMPORT", "20/h"),
    "invite": env_str("RATE_LIMIT_INVITE", "30/h"),
    # Per IP: read-only share pages opened, so that share-link tokens cannot be guessed cheaply.
    "share": env_str("RATE_LIMIT_SHARE", "60/m"),
    # Comments on cards, per person: a conversation, not a script posting.
    "comment": env_str("RATE_LIMIT_COMMENT", "20/m"),
    "generate": env_str("RATE_LIMIT_GENERATE", "10/h"),
    # Each AI assist (suggest stories, criteria, split, fill gaps) asks the model once; accepting is a map write.
    "assist": env_str("RATE_LIMIT_ASSIST", "60/h"),
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Mapwright API",
    "DESCRIPTION": "User story maps: projects, activities, steps, releases and stories.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from static/, not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # Stories and AI generations both have a "status"; each keeps its own name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "StoryStatusEnum": "stories.models.Story.Status",
        "GenerationStatusEnum": "aimap.models.Generation.Status",
        "QualityCriterionEnum": "stories.quality.CRITERION_KEYS",
    },
    # A required string the serializer refuses blank is documented with minLength: 1.
    "ENFORCE_NON_BLANK_FIELDS": True,
    # After drf-spectacular's own enum hook: the error responses every operation can give.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "config.schema.add_error_responses"],
}

# Imports take files of up to 5 MB as the request body; a little more is read so that
# a larger one gets a clear refusal from the import itself.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- Internationalisation ---------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------

STATIC_URL = "static/"
# whitenoise hands Django's ASGI handler files as synchronous iterators, which it serves through a
# thread (correctly) while warning about it on every static file.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage" if DEBUG else "config.storage.StaticFilesStorage"
        )
    },
}

# --- Email (Django 6.1 mailers) -------------------------------------------------

_email_host = env_str("EMAIL_HOST")
_email_backend = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if _email_host else "django.core.mail.backends.console.EmailBackend"
)
_email_options: dict[str, object] = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_options = {
        "host": _email_host or "localhost",
        "port": env_int("EMAIL_PORT", 587),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", True),
        "use_ssl": env_bool("EMAIL_USE_SSL", False),
        "timeout": env_int("EMAIL_TIMEOUT", 10),
    }
    if _email_options["use_ssl"]:
        _email_options["use_tls"] = False
MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Mapwright <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- AI map generation ------------------------------------------------------

AI_PROVIDER = env_str("AI_PROVIDER", "offline").lower()
if AI_PROVIDER not in {"offline", "openai"}:
    raise ImproperlyConfigured(f"AI_PROVIDER must be 'offline' or 'openai', not {AI_PROVIDER!r}.")
AI_BASE_URL = env_str("AI_BASE_URL")
AI_API_KEY = env_str("AI_API_KEY")
AI_MODEL = env_str("AI_MODEL")
AI_TIMEOUT = env_float("AI_TIMEOUT", 60.0)
# Retries of 429, 5xx, timeouts and connection errors, with backoff, per model call.
AI_HTTP_RETRIES = env_int("AI_HTTP_RETRIES", 2)
AI_CACHE_TTL = env_int("AI_CACHE_TTL", 24 * 3600)
# Sent as max_tokens with every model call. Unset: 4096. Set to 0 or empty: none is sent,
# and the server's own limit applies.
AI_MAX_TOKENS = env_int("AI_MAX_TOKENS", 4096 if "AI_MAX_TOKENS" not in os.environ else 0)
if AI_MAX_TOKENS < 0:
    raise ImproperlyConfigured(f"AI_MAX_TOKENS must be 0 or more, not {AI_MAX_TOKENS}.")
# Stories of this many activities are asked for at once: a self-hosted server runs few requests in parallel.
AI_CONCURRENCY = env_int("AI_CONCURRENCY", 2)
if AI_CONCURRENCY < 1:
    raise ImproperlyConfigured(f"AI_CONCURRENCY must be 1 or more, not {AI_CONCURRENCY}.")
# A running generation renews its heartbeat at each stage; one silent for longer than its slowest
# model call (AI_TIMEOUT, retries included) plus this margin lost its worker and is marked failed.
AI_STALE_MARGIN = env_float("AI_STALE_MARGIN", 30.0)
if AI_STALE_MARGIN < 0:
    raise ImproperlyConfigured(f"AI_STALE_MARGIN must be 0 or more, not {AI_STALE_MARGIN}.")
if AI_PROVIDER == "openai" and not AI_MODEL:
    raise ImproperlyConfigured("AI_PROVIDER=openai needs AI_MODEL (and usually AI_BASE_URL and AI_API_KEY).")

# --- Security ---------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx and the board's fetch() read the token.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    # 'self' also allows the live board's ws:// or wss:// socket to this same host (CSP Level 3).
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    # Load balancers and container health checks talk plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^health/?$", r"^ready/?$"]
    if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Logging: everything to stdout, no secrets ---------------------------------

LOG_LEVEL = env_str("DJANGO_LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    # Links with tokens, JWTs and URL passwords are blanked in every line (config/scrub.py).
    "filters": {"secrets": {"()": "config.scrub.SecretsFilter"}},
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "plain",
            "filters": ["secrets"],
        },
    },
    "root": {"handlers": ["stdout"], "level": LOG_LEVEL},
    "loggers": {
        "django": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
        # Request bodies and headers would carry passwords and tokens.
        "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
        "mapwright": {"handlers": ["stdout"], "level": LOG_LEVEL, "propagate": False},
    },
}

# --- Sentry -------------------------------------------------------------------

SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.scrubber import DEFAULT_DENYLIST, EventScrubber

    from config.scrub import SENTRY_DENYLIST, sentry_before_send

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", "production"),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0),
        send_default_pii=False,
        # Secret keys anywhere in the event (request data, local variables), then
        # secrets inside text: links with tokens, JWTs, URL passwords.
        event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + SENTRY_DENYLIST, recursive=True),
        before_send=sentry_before_send,
        before_send_transaction=sentry_before_send,
    )
