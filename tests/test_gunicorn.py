"""Production mode end to end: collectstatic, then gunicorn with DEBUG off."""

import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support import BASE_DIR, GUNICORN_COMMAND, clean_env, free_port, run_manage, wait_until_listening

# Runs collectstatic and gunicorn in subprocesses.
pytestmark = pytest.mark.slow


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def production_server(tmp_path: Path):
    port = free_port()
    env = clean_env(
        DJANGO_SECRET_KEY="gunicorn-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(tmp_path / "static"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
    )
    for command in (("collectstatic", "--no-input"), ("migrate", "--no-input")):
        result = run_manage(*command, env=env)
        assert result.returncode == 0, result.stderr
    process = subprocess.Popen(
        [sys.executable, *GUNICORN_COMMAND],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening(base_url + "/health", process)
        yield base_url, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_gunicorn_serves_pages_health_and_hashed_static_files(production_server):
    base_url, process = production_server

    status, _, body = fetch(base_url + "/")
    assert status == 200
    html = body.decode()
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]{12}\.css)"', html)
    assert stylesheet, "the page should link the hashed stylesheet that collectstatic wrote"

    status, headers, _ = fetch(base_url + stylesheet.group(1))
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert "immutable" in headers["Cache-Control"]
    assert headers.get("Content-Encoding") == "gzip"

    assert fetch(base_url + "/health")[0] == 200
    status, _, body = fetch(base_url + "/ready")
    assert status == 200, body
    assert fetch(base_url + "/static/no-such-file.css")[0] == 404

    # The access log reaches stdout without query strings, and the tokens of
    # reset and verification links are blanked (config/scrub.py).
    fetch(base_url + "/health?token=secret-value")
    fetch(base_url + "/reset/MQ/reset-token-secret-1/")
    fetch(base_url + "/account/verify/verify-token-secret-2/")
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=15)[0]
    assert '"GET /health HTTP/1.1" 200' in output
    assert '"GET /reset/[Filtered]/ HTTP/1.1"' in output
    assert '"GET /account/verify/[Filtered]/ HTTP/1.1"' in output
    for secret in ("secret-value", "reset-token-secret-1", "verify-token-secret-2"):
        assert secret not in output
