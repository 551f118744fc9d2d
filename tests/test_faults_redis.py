"""Redis stopped or hung (SIGSTOP) under a running app: pages and the API keep working, /ready names the cache,
an outage costs one REDIS_TIMEOUT per request (not one per cache call), and Redis coming back is noticed at once.

Each test starts its own redis-server and points the cache at it with the settings Mapwright derives from
REDIS_URL and REDIS_TIMEOUT (read from config/settings.py in a subprocess).
"""

import json
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from conftest import PASSWORD
from tests.fault_support import wait_for
from tests.support import clean_env, free_port, run_python

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server (apt-get install redis-server)"),
]

REDIS_TIMEOUT = 0.5
# One timeout, plus the request's own work on a loaded machine; a second timeout would pass it.
ONE_TIMEOUT = REDIS_TIMEOUT + 0.45


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self.answers, deadline=20, what="redis-server to answer PING")

    def answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def hang(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def production_caches(redis_url: str) -> dict:
    """CACHES as config/settings.py makes them from REDIS_URL and REDIS_TIMEOUT."""
    code = "import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="1",
        REDIS_URL=redis_url,
        REDIS_TIMEOUT=str(REDIS_TIMEOUT),
        REDIS_CONNECT_TIMEOUT=str(REDIS_TIMEOUT),
    )
    result = run_python(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def app_on_redis(settings, redis_server):
    settings.CACHES = production_caches(redis_server.url)
    assert settings.CACHES["default"]["OPTIONS"]["IGNORE_EXCEPTIONS"] is True
    assert settings.RATELIMIT_FAIL_OPEN is True
    return redis_server


def timed(call):
    began = time.monotonic()
    response = call()
    return response, time.monotonic() - began


def log_in(client):
    return client.post("/login/", {"username": "olive@example.com", "password": PASSWORD})


def assert_ready_names_the_cache(client) -> None:
    response, took = timed(lambda: client.get("/ready"))
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache"]
    # /ready writes, reads and deletes: three cache calls, one timeout.
    assert took <= ONE_TIMEOUT, f"/ready took {took:.2f} s with Redis down"


def assert_the_site_works(client, api_client) -> None:
    page, took = timed(lambda: client.get("/login/"))
    assert page.status_code == 200
    # Logging in counts two rate limits (by address and by email): with the limits failing open, it works.
    response, took = timed(lambda: log_in(client))
    assert response.status_code == 302, response.content.decode()
    assert took <= ONE_TIMEOUT, f"logging in took {took:.2f} s with Redis down"
    assert client.get("/projects/").status_code == 200
    token = api_client.post("/api/v1/auth/token/", {"email": "olive@example.com", "password": PASSWORD}, format="json")
    assert token.status_code == 200, token.content.decode()
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access']}")
    assert api_client.get("/api/v1/projects/").status_code == 200


@pytest.mark.django_db
def test_a_hung_redis_costs_one_timeout_per_request_and_its_return_is_noticed_at_once(
    app_on_redis, client, api_client, owner
):
    assert client.get("/ready").status_code == 200

    app_on_redis.hang()

    assert_ready_names_the_cache(client)
    assert_the_site_works(client, api_client)

    app_on_redis.resume()

    assert client.get("/ready").status_code == 200


@pytest.mark.django_db
def test_a_stopped_redis_leaves_the_site_up_and_ready_answers_again_once_it_is_back(
    app_on_redis, client, api_client, owner
):
    assert client.get("/ready").status_code == 200

    app_on_redis.stop()

    assert_ready_names_the_cache(client)
    assert_the_site_works(client, api_client)

    app_on_redis.start()

    assert client.get("/ready").status_code == 200
