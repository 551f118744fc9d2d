import json

import pytest
from django.conf import settings as django_settings
from django.test import override_settings

from tests.support import clean_env, run_python

READY_IN_FRESH_PROCESS = """
import django
django.setup()
from django.test import Client
response = Client().get("/ready")
print(response.status_code)
print(response.content.decode())
"""

PAGES_IN_FRESH_PROCESS = READY_IN_FRESH_PROCESS.replace('get("/ready")', 'get("/")')


def ready_in_fresh_process(**env: str) -> tuple[int, dict]:
    environment = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_SECRET_KEY="a-test-key-for-a-subprocess-only-0123456789-abcdefghijklmn",
        DJANGO_ALLOWED_HOSTS="testserver",
        **env,
    )
    result = run_python(READY_IN_FRESH_PROCESS, environment)
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-2:]
    return int(status), json.loads(body)


@pytest.mark.django_db
def test_ready_names_each_check_when_all_pass(client):
    response = client.get("/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["failed"] == []
    assert body["checks"] == {
        "database": {"status": "ok"},
        "cache": {"status": "ok"},
        "migrations": {"status": "ok"},
    }


@pytest.mark.slow
def test_ready_answers_503_naming_the_database_when_postgresql_is_unreachable():
    # Nothing listens on port 1: the connection is refused at once.
    status, body = ready_in_fresh_process(DATABASE_URL="postgres://postgres@127.0.0.1:1/mapwright")
    assert status == 503
    assert body["status"] == "failed"
    assert body["checks"]["database"]["status"] == "failed"
    assert "database" in body["failed"]


@pytest.mark.slow
def test_ready_answers_503_naming_the_database_when_sqlite_cannot_open(tmp_path):
    missing = tmp_path / "no-such-folder" / "db.sqlite3"
    status, body = ready_in_fresh_process(DATABASE_URL=f"sqlite:///{missing}", REDIS_URL="")
    assert status == 503
    assert body["checks"]["database"]["status"] == "failed"


@pytest.mark.slow
def test_ready_answers_503_naming_migrations_not_yet_applied(tmp_path):
    status, body = ready_in_fresh_process(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    assert status == 503
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["migrations"]["status"] == "failed"
    assert "migrations" in body["failed"]


def redis_that_is_down() -> dict:
    return {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }


@pytest.mark.django_db
def test_ready_answers_503_naming_the_cache_when_redis_is_down(client):
    with override_settings(CACHES=redis_that_is_down()):
        response = client.get("/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["cache"]
    assert body["checks"]["database"] == {"status": "ok"}


@pytest.mark.django_db
def test_pages_still_render_while_redis_is_down(client):
    with override_settings(CACHES=redis_that_is_down()):
        assert client.get("/").status_code == 200
        assert client.get("/health").status_code == 200
        assert client.get("/admin/login/").status_code == 200


@pytest.mark.slow
def test_redis_down_in_a_process_configured_with_redis_url(tmp_path):
    status, body = ready_in_fresh_process(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", REDIS_URL="redis://127.0.0.1:1/0"
    )
    assert status == 503
    assert "cache" in body["failed"]


@pytest.mark.skipif(
    django_settings.CACHES["default"]["BACKEND"] != "django_redis.cache.RedisCache",
    reason="needs REDIS_URL: checks the configured Redis answers /ready",
)
@pytest.mark.django_db
def test_ready_uses_the_configured_redis(client):
    assert client.get("/ready").json()["checks"]["cache"] == {"status": "ok"}
