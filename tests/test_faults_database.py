"""The database unreachable: the API answers JSON 503 with Retry-After, pages a plain 503 page; then it comes back.

Mapwright runs under gunicorn in a subprocess. On PostgreSQL runs it reaches the test database through a TCP
proxy this test cuts; on SQLite runs its database file's folder is moved away, so the file cannot be opened.
"""

from pathlib import Path

import pytest
from django.db import connection

from tests.fault_support import (
    PASSWORD,
    App,
    TcpProxy,
    base_env,
    http,
    on_postgresql,
    postgres_url,
    running_app,
    sqlite_copy,
    sqlite_template,  # noqa: F401 - fixture
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

UNAVAILABLE = {"detail": "The service is temporarily unavailable."}


class Outage:
    """Takes the app's database away and brings it back."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        if on_postgresql():
            db = connection.settings_dict
            self.proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432))).start()
            self.url = postgres_url(host="127.0.0.1", port=self.proxy.port)
        else:
            self.folder = tmp_path / "data"
            self.folder.mkdir()
            self.url = sqlite_copy(request.getfixturevalue("sqlite_template"), self.folder)

    def cut(self) -> None:
        if on_postgresql():
            self.proxy.cut()
        else:
            self.folder.rename(self.folder.with_name("data-gone"))

    def restore(self) -> None:
        if on_postgresql():
            self.proxy.resume()
        else:
            self.folder.with_name("data-gone").rename(self.folder)


@pytest.fixture
def outage(request, tmp_path):
    outage = Outage(request, tmp_path)
    yield outage
    if on_postgresql():
        outage.proxy.cut()


@pytest.fixture
def app(outage):
    # SQLite keeps no connection between requests, so each one opens the file anew.
    env = base_env(outage.url, DATABASE_CONN_MAX_AGE="60" if on_postgresql() else "0")
    yield from running_app(env)


def log_in(app: App):
    return http("POST", f"{app.url}/api/v1/auth/token/", body={"email": "olive@example.com", "password": PASSWORD})


def assert_unavailable_json(response) -> None:
    assert response.status == 503, response.text
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == UNAVAILABLE
    assert int(response.headers["Retry-After"]) > 0


def test_with_the_database_down_the_api_answers_json_503_and_pages_a_plain_503_page(app, outage):
    app.start_web()
    app.seed("A vet clinic where pet owners book visits.")
    assert log_in(app).status == 200
    token = log_in(app).json()["access"]
    assert http("GET", f"{app.url}/api/v1/projects/", token=token).status == 200

    outage.cut()

    assert_unavailable_json(log_in(app))
    assert_unavailable_json(http("GET", f"{app.url}/api/v1/projects/", token=token))
    # A returning visitor's session is looked up in the database before the page is drawn.
    page = http("GET", f"{app.url}/projects/", headers={"Accept": "text/html", "Cookie": "sessionid=returning-visitor"})
    assert page.status == 503, page.text
    assert page.headers["Content-Type"].startswith("text/html")
    assert "Mapwright is temporarily unavailable" in page.text
    assert "Traceback" not in page.text and "OperationalError" not in page.text
    assert int(page.headers["Retry-After"]) > 0
    assert http("GET", f"{app.url}/health").status == 200  # alive, only not ready
    ready = http("GET", f"{app.url}/ready")
    assert ready.status == 503 and "database" in ready.json()["failed"]

    outage.restore()

    assert log_in(app).status == 200
    assert http("GET", f"{app.url}/api/v1/projects/", token=token).status == 200
