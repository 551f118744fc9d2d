"""Test helpers shared across apps: Mapwright in a separate process, the URL walk, a browser log-in."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver

BASE_DIR = Path(__file__).resolve().parent.parent
# How production starts the web server (the Dockerfile's CMD, docker-compose's web): gunicorn with
# uvicorn's worker (config/gunicorn.py) serving the ASGI application; arguments to `python`.
GUNICORN_COMMAND = ["-m", "gunicorn", "--config", "config/gunicorn.py", "config.asgi:application"]
CONFIG_PREFIXES = ("DJANGO_", "DATABASE_", "REDIS_", "SENTRY_", "AI_", "EMAIL_", "TASKS_", "GUNICORN_")


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without Mapwright's settings, plus `overrides`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(CONFIG_PREFIXES)}
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def run_python(code: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return run(["-c", code], env, timeout)


def run_manage(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return run(["manage.py", *args], env, timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_listening(url: str, process: subprocess.Popen[str], deadline: float = 60) -> None:
    """Wait until the server `process` answers `url` (any status), failing if it exits or `deadline` passes."""
    stop = time.monotonic() + deadline
    while time.monotonic() < stop:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"the server exited early: {output}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            # Not listening yet: wait a moment, waking at once if the server exits.
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.2)
    raise AssertionError("the server did not start listening in time")


def walk_urls(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str, object]]:
    """Every route of the URL configuration: (route, namespaced name, callback), for tests that try them all."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from walk_urls(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield "/" + prefix + str(pattern.pattern), f"{namespace}{pattern.name}", pattern.callback


def log_in(page: Any, live_server: Any, user: Any) -> None:
    """Log `user` in through the login page of a browser test's live server."""
    from conftest import PASSWORD

    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/projects/")
