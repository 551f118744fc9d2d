"""Mapwright in subprocesses, for fault tests: gunicorn, db_worker, and a database they share with the test.

On PostgreSQL runs the subprocesses use pytest-django's test database (the test must be transactional, so
its rows are committed and flushed afterwards); on SQLite runs, a file database migrated once per session
and copied for each test (the test database lives in one connection's memory).
"""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pytest
from django.db import connection

from tests.support import BASE_DIR, GUNICORN_COMMAND, clean_env, free_port, run_manage, run_python

SECRET_KEY = "fault-test-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGH"
PASSWORD = "correct-horse-battery-staple"
POLL_SECONDS = 0.1


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def postgres_url(*, host: str | None = None, port: int | None = None) -> str:
    """The URL of the test database pytest-django made, optionally through another host and port."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{db['USER']}{password}@{host or db['HOST'] or '127.0.0.1'}:{port or db['PORT'] or 5432}/"
        f"{db['NAME']}"
    )


def base_env(database_url: str, **overrides: str) -> dict[str, str]:
    env = {
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
    }
    if os.environ.get("REDIS_URL"):
        env["REDIS_URL"] = os.environ["REDIS_URL"]
    env.update(overrides)
    return clean_env(**env)


def migrated_sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file (with the cache table), to copy for each test."""
    path = directory / "template.sqlite3"
    env = base_env(f"sqlite:///{path}")
    for command in (("migrate", "--no-input", "-v0"), ("createcachetable",)):
        result = run_manage(*command, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
    return path


def sqlite_copy(template: Path, directory: Path) -> str:
    path = directory / "app.sqlite3"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


def wait_for(condition: Callable[[], Any], *, deadline: float, what: str) -> Any:
    """Poll `condition` until it answers something truthy; fail naming `what` after `deadline` seconds."""
    stop = time.monotonic() + deadline
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > stop:
            raise AssertionError(f"timed out after {deadline:g} s waiting for {what}")
        time.sleep(POLL_SECONDS)


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def http(
    method: str,
    url: str,
    *,
    token: str | None = None,
    body: dict | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 15,
) -> Response:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if not request.has_header("Accept"):
        request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return Response(answer.status, dict(answer.headers), answer.read())
    except urllib.error.HTTPError as error:
        return Response(error.code, dict(error.headers), error.read())


@dataclass
class Process:
    popen: subprocess.Popen
    log: list[str] = field(default_factory=list)

    def output(self) -> str:
        return "".join(self.log)

    def kill(self) -> None:
        """SIGKILL: no cleanup, no finally, as when a machine or a container dies."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def start(args: list[str], env: dict[str, str]) -> Process:
    popen = subprocess.Popen(
        [sys.executable, *args], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    process = Process(popen)

    def drain() -> None:
        assert popen.stdout is not None
        for line in popen.stdout:
            process.log.append(line)

    threading.Thread(target=drain, daemon=True).start()
    return process


class App:
    """gunicorn serving Mapwright on a free port, and db_workers started and killed at will."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.env = {**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_WORKERS": "1", "GUNICORN_THREADS": "4"}
        self.url = f"http://127.0.0.1:{self.port}"
        self.processes: list[Process] = []
        self.web: Process | None = None

    def start_web(self) -> Process:
        self.web = start(GUNICORN_COMMAND, self.env)
        self.processes.append(self.web)

        def listening() -> bool:
            if self.web.popen.poll() is not None:
                raise AssertionError(f"gunicorn exited early:\n{self.web.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return True
            except OSError:
                return False

        wait_for(listening, deadline=60, what="gunicorn to listen")
        return self.web

    def start_worker(self) -> Process:
        worker = start(
            ["manage.py", "db_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2", "-v", "2"], self.env
        )
        self.processes.append(worker)
        wait_for(lambda: "Starting worker" in worker.output(), deadline=60, what="db_worker to start")
        return worker

    def seed(self, description: str) -> tuple[int, str]:
        """A user with a project described by `description`: (project id, an API access token)."""
        code = f"""
import json, django
django.setup()
from accounts.api.views import issue_token_pair
from accounts.models import User
from projects.services import project_create
user = User.objects.create_user(email="olive@example.com", password={PASSWORD!r}, full_name="Olive Owner")
project = project_create(owner=user, name="Vet clinic", description={description!r})
print(json.dumps({{"project": project.pk, "token": issue_token_pair(user)["access"]}}))
"""
        result = run_python(code, {**self.env, "DJANGO_SETTINGS_MODULE": "config.settings"}, timeout=120)
        assert result.returncode == 0, result.stderr
        seeded = json.loads(result.stdout.strip().splitlines()[-1])
        return seeded["project"], seeded["token"]

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()


def running_app(env: dict[str, str]) -> Iterator[App]:
    app = App(env)
    try:
        yield app
    finally:
        app.stop()
        for process in app.processes:  # shown by pytest when the test fails
            args = cast(list[str], process.popen.args)  # started with a list of strings
            print(f"--- {' '.join(args[1:4])}\n{process.output()}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("fault-db"))


@pytest.fixture
def app_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL the subprocesses share with each other (and, on PostgreSQL, with this test).

    Tests using it are marked django_db(transaction=True): on PostgreSQL the subprocesses see the rows
    the test database commits, and the database is flushed afterwards."""
    if on_postgresql():
        return postgres_url()
    return sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path)


class TcpProxy:
    """Forwards a local port to `target`; cut() drops every connection and refuses new ones, resume() undoes it."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None

    def start(self) -> "TcpProxy":
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                self._close(end)

    def _close(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def cut(self) -> None:
        if self._listener is not None:
            # shutdown() first: close() alone leaves the thread blocked in accept() still accepting.
            with contextlib.suppress(OSError):
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            self._close(sock)

    def resume(self) -> None:
        self.start()
