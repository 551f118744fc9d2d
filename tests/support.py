"""Run Mapwright in a separate process, with an environment of the test's choosing."""

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

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
