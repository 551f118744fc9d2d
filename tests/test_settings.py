"""config/settings.py as each environment configures it, read in a fresh process."""

import json
import re
import secrets

import pytest

from tests.support import BASE_DIR, clean_env, run_manage, run_python

# Each test reads the settings in a fresh process.
pytestmark = pytest.mark.slow

PRODUCTION_KEY = secrets.token_urlsafe(50)

DUMP_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from django.core.cache import caches
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "DB_ENGINE": settings.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(settings.DATABASES["default"]["NAME"]),
    "DB_HOST": settings.DATABASES["default"].get("HOST", ""),
    "CACHE": settings.CACHES["default"]["BACKEND"],
    "CACHE_OPTIONS": settings.CACHES["default"].get("OPTIONS", {}),
    "EMAIL_BACKEND": settings.MAILERS["default"]["BACKEND"],
    "EMAIL_OPTIONS": settings.MAILERS["default"]["OPTIONS"],
    "AI_PROVIDER": settings.AI_PROVIDER,
    "TASKS": settings.TASKS["default"]["BACKEND"],
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": settings.SECURE_HSTS_SECONDS,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "HASHER": settings.PASSWORD_HASHERS[0],
}))
"""


def dump_settings(**env: str) -> dict:
    result = run_python(DUMP_SETTINGS, clean_env(DJANGO_SETTINGS_MODULE="config.settings", **env))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", env=clean_env())
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_debug_runs_without_a_secret_key_on_the_embedded_default():
    values = dump_settings(DJANGO_DEBUG="1")
    assert values["DEBUG"] is True
    assert values["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB_NAME"] == str(BASE_DIR / "db.sqlite3")
    assert values["CACHE"] == "config.cache.AtomicDatabaseCache"
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert values["AI_PROVIDER"] == "offline"
    assert values["TASKS"] == "django.tasks.backends.immediate.ImmediateBackend"
    assert values["HASHER"] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert values["SESSION_COOKIE_SECURE"] is False


def test_debug_off_turns_on_secure_cookies_hsts_and_the_https_redirect():
    values = dump_settings(DJANGO_SECRET_KEY=PRODUCTION_KEY)
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert values["SECURE_SSL_REDIRECT"] is True


def test_the_redirect_alone_can_be_turned_off_for_plain_http_on_localhost():
    values = dump_settings(DJANGO_SECRET_KEY=PRODUCTION_KEY, DJANGO_SECURE_SSL_REDIRECT="0")
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000


def test_database_url_selects_postgresql_through_psycopg_3():
    values = dump_settings(
        DJANGO_SECRET_KEY=PRODUCTION_KEY, DATABASE_URL="postgres://mapwright:secret@db.internal:5432/mapwright"
    )
    assert values["DB_ENGINE"] == "django.db.backends.postgresql"
    assert values["DB_NAME"] == "mapwright"
    assert values["DB_HOST"] == "db.internal"


def test_redis_url_selects_django_redis_that_bypasses_its_errors():
    values = dump_settings(DJANGO_SECRET_KEY=PRODUCTION_KEY, REDIS_URL="redis://cache.internal:6379/0")
    assert values["CACHE"] == "django_redis.cache.RedisCache"
    assert values["CACHE_OPTIONS"]["IGNORE_EXCEPTIONS"] is True


def test_email_host_selects_smtp_and_tasks_backend_selects_the_database_worker():
    values = dump_settings(
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        EMAIL_HOST="smtp.example.com",
        EMAIL_PORT="465",
        EMAIL_USE_SSL="1",
        EMAIL_HOST_USER="mailer",
        TASKS_BACKEND="database",
    )
    assert values["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["EMAIL_OPTIONS"] | {"password": ""} == {
        "host": "smtp.example.com",
        "port": 465,
        "username": "mailer",
        "password": "",
        "use_tls": False,
        "use_ssl": True,
        "timeout": 10,
    }
    assert values["TASKS"] == "django_tasks_db.DatabaseBackend"


def test_a_malformed_value_is_named_in_the_error():
    result = run_manage("check", env=clean_env(DJANGO_DEBUG="maybe"))
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be a boolean" in result.stderr

    result = run_manage("check", env=clean_env(DJANGO_DEBUG="1", AI_PROVIDER="skynet"))
    assert "AI_PROVIDER must be 'offline' or 'openai'" in result.stderr


def test_deploy_checks_refuse_the_console_email_backend():
    result = run_manage("check", "--deploy", env=clean_env(DJANGO_SECRET_KEY=PRODUCTION_KEY))
    assert result.returncode != 0
    assert "mail.E001" in result.stderr


def test_deploy_checks_pass_under_production_settings():
    env = clean_env(
        DJANGO_SECRET_KEY=PRODUCTION_KEY,
        DJANGO_ALLOWED_HOSTS="mapwright.example.com",
        DJANGO_CSRF_TRUSTED_ORIGINS="https://mapwright.example.com",
        EMAIL_HOST="smtp.example.com",
    )
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SENTRY_STATE = """
import json, django
django.setup()
import sentry_sdk
client = sentry_sdk.get_client()
print(json.dumps({
    "active": client.is_active(),
    "send_default_pii": client.options.get("send_default_pii"),
    "environment": client.options.get("environment"),
    "traces_sample_rate": client.options.get("traces_sample_rate"),
}))
"""


def test_sentry_starts_only_with_a_dsn_and_never_sends_personal_data():
    base = clean_env(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_SECRET_KEY=PRODUCTION_KEY)

    without = run_python(SENTRY_STATE, base)
    assert without.returncode == 0, without.stderr
    assert json.loads(without.stdout.splitlines()[-1])["active"] is False

    # A DSN on a closed local port: nothing leaves the machine.
    configured = {
        **base,
        "SENTRY_DSN": "http://publickey@127.0.0.1:9/1",
        "SENTRY_ENVIRONMENT": "staging",
        "SENTRY_TRACES_SAMPLE_RATE": "0.25",
    }
    with_dsn = run_python(SENTRY_STATE, configured)
    assert with_dsn.returncode == 0, with_dsn.stderr
    state = json.loads(with_dsn.stdout.splitlines()[-1])
    assert state == {"active": True, "send_default_pii": False, "environment": "staging", "traces_sample_rate": 0.25}


def test_every_environment_variable_is_in_the_readme_configuration_table():
    sources = (BASE_DIR / "config/settings.py").read_text() + (BASE_DIR / "config/gunicorn.py").read_text()
    names = set(re.findall(r'(?:env_\w+|environ\.get)\(\s*"([A-Z_]+)"', sources))
    readme = (BASE_DIR / "README.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in readme)
    assert len(names) > 30
    assert missing == []
