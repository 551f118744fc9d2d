import os
import threading
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test import override_settings

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent / "test-artifacts"


class _OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server for an in-memory SQLite test database: its request threads share the test's one
    connection (Django hands it over, since another would see an empty database), and one SQLite
    connection used by two threads at once fails with InterfaceError. A board that fires two requests
    together (the Share dialog loads its people and its link) met that; each request now waits its turn.
    Connections stay threaded, so a browser's kept-alive connection does not hold the others up."""

    def set_app(self, application: Any) -> None:
        lock = threading.Lock()

        def one_at_a_time(environ: Any, start_response: Any) -> Any:
            with lock:
                return application(environ, start_response)

        super().set_app(one_at_a_time)


@pytest.fixture(autouse=True, scope="session")
def _live_server_shares_sqlite_safely() -> Iterator[None]:
    from django.db import connection
    from django.test.testcases import LiveServerThread

    if connection.vendor != "sqlite" or connection.settings_dict.get("TEST", {}).get("NAME"):
        yield
        return
    original = LiveServerThread.server_class
    LiveServerThread.server_class = _OneRequestAtATimeServer
    yield
    LiveServerThread.server_class = original


@pytest.fixture(autouse=True, scope="session")
def _static_files_without_manifest() -> Iterator[None]:
    # Production storage needs `collectstatic` first; tests serve the source
    # files instead (the gunicorn test covers the collected, hashed ones).
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> Iterator[None]:
    # Argon2 is deliberately slow; tests that check it is used re-enable it.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_redis_cache(request: pytest.FixtureRequest) -> None:
    # The database cache lives in the test database and is rolled back with it, except in
    # transactional tests (browser tests, for one): their flush leaves the cache table,
    # which is no model's, as it was. Redis outlives every test. Either way counters and
    # cached answers are cleared, so that logging in a dozen times never trips a rate limit.
    from django.core.cache import cache

    if settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache":
        cache.clear()
        return
    marker = request.node.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        request.getfixturevalue("transactional_db")
        cache.clear()


# --- The cast: who owns, who is let in, who is kept out ---------------------------

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def owner(db):
    from accounts.models import User

    return User.objects.create_user(email="olive@example.com", password=PASSWORD, full_name="Olive Owner")


@pytest.fixture
def member(db):
    from accounts.models import User

    return User.objects.create_user(email="mel@example.com", password=PASSWORD, full_name="Mel Member")


@pytest.fixture
def outsider(db):
    from accounts.models import User

    return User.objects.create_user(email="otto@example.com", password=PASSWORD, full_name="Otto Outsider")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def outsider_client(client, outsider):
    client.force_login(outsider)
    return client


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


def bearer_client(user):
    """An API client that sends a fresh access token of `user`, as a script would."""
    from rest_framework.test import APIClient

    from accounts.api.views import issue_token_pair

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token_pair(user)['access']}")
    return client


@pytest.fixture
def owner_api(owner):
    return bearer_client(owner)


@pytest.fixture
def outsider_api(outsider):
    return bearer_client(outsider)


@pytest.fixture
def frozen_ratelimit_clock(monkeypatch):
    """Holds django-ratelimit's clock still, so a test never straddles the edge of a counting window."""
    import django_ratelimit.core

    now = 1_900_000_000.0
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))
    return now


def assert_admin_offers_no_add(admin_client, model: str) -> None:
    """The admin lists `model` ("app_label/model_name") on its index and its own page, but never offers to add one."""
    listing = admin_client.get(f"/admin/{model}/").content.decode()

    assert f'href="/admin/{model}/add/"' not in listing
    assert admin_client.get(f"/admin/{model}/add/").status_code == 403
    index = admin_client.get("/admin/").content.decode()
    assert f'href="/admin/{model}/"' in index
    assert f'href="/admin/{model}/add/"' not in index


# --- Browser tests ------------------------------------------------------------


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.path.exists(CHROMIUM) or not any(item.get_closest_marker("browser") for item in items):
        return
    reason = f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)"
    config.issue_config_time_warning(pytest.PytestWarning(reason), stacklevel=2)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest):
    """A fresh browser tab; console errors and uncaught exceptions are collected on it."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    errors: list[str] = []
    tab.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    tab.console_errors = errors
    yield tab
    call_report = getattr(request.node, "rep_call", None)
    if call_report is not None and call_report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}-failure.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def save_screenshot():
    """Saves a full-page screenshot under test-artifacts/ for a person to look at."""

    def save(tab, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        tab.screenshot(path=str(path), full_page=True)
        return path

    return save
