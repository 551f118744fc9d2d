"""The live board's socket (projects/consumers.py) against the real ASGI application.

Transactional: the consumer reads the database from its own thread, so what the test writes
must be committed; and a change reaches the sockets only once its transaction commits.
"""

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.test import Client

from config.asgi import application
from conftest import bearer_client
from projects import live
from projects.consumers import initials
from projects.limits import LIVE_CLOSE_NO_ACCESS, LIVE_CLOSE_REMOVED
from projects.models import Membership
from projects.services import project_create
from projects.tests.sockets import WebsocketClient
from stories.models import Story
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 3


@pytest.fixture(autouse=True)
def _connections_closed_after_use(monkeypatch):
    # Each socket's database work runs in a thread of its own; like a server's, those connections
    # close after each use instead of lingering past the test.
    from django.db import connections

    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


@pytest.fixture
def cookies(owner, member, outsider) -> dict[str, str]:
    """Each person's session cookie, as their browser would send it."""
    jar = {}
    for name, user in (("owner", owner), ("member", member), ("outsider", outsider)):
        client = Client()
        client.force_login(user)
        jar[name] = client.cookies["sessionid"].value
    return jar


def socket(project_id: int, cookie: str | None = None, origin: str = "http://localhost") -> WebsocketClient:
    """A board's socket, logged in with `cookie` (session_cookie(user), made outside the event loop)."""
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie is not None:
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    return WebsocketClient(application, f"/ws/projects/{project_id}/", headers=headers)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    """Play `scenario` on an event loop of its own thread.

    The browser tests' Playwright keeps an event loop running on the main thread for the whole
    session, and async_to_sync refuses to start inside one. The thread sees the same database:
    these tests commit (transaction=True).
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(async_to_sync(scenario)).result()


async def opened(communicator: WebsocketClient) -> dict[str, Any]:
    """Connect, and return the server's hello (who the socket says you are)."""
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    hello = await communicator.receive_json_from(timeout=TIMEOUT)
    assert hello["type"] == "hello"
    return hello


async def next_of(communicator: WebsocketClient, kind: str) -> dict[str, Any]:
    """The next message of type `kind`, skipping others (presence comes and goes)."""
    while True:
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        if message["type"] == kind:
            return message


async def assert_closed_without_data(communicator: WebsocketClient, code: int) -> None:
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected  # accepted only so that the close code reaches the browser
    output = await communicator.receive_output(timeout=TIMEOUT)
    assert output == {"type": "websocket.close", "code": code}
    await communicator.wait()


def test_anonymous_visitors_and_outsiders_are_closed_with_a_code_and_told_nothing(project, outsider, cookies):
    async def scenario() -> None:
        await assert_closed_without_data(socket(project.pk), LIVE_CLOSE_NO_ACCESS)
        await assert_closed_without_data(socket(project.pk, cookies["outsider"]), LIVE_CLOSE_NO_ACCESS)
        await assert_closed_without_data(socket(project.pk + 999, cookies["outsider"]), LIVE_CLOSE_NO_ACCESS)

    run(scenario)


def test_another_site_cannot_open_a_board_with_a_visitors_cookie(project, owner, cookies):
    async def scenario() -> None:
        connected, _ = await socket(project.pk, cookies["owner"], origin="https://evil.example").connect(
            timeout=TIMEOUT
        )
        assert not connected

    run(scenario)


def test_a_viewer_hears_of_an_editors_change_once_it_is_saved(project, owner, member, cookies):
    Membership.objects.create(project=project, user=member, role="viewer")
    story = Story.objects.get(title="Ring the bell")

    async def scenario() -> None:
        viewer = socket(project.pk, cookies["member"])
        await opened(viewer)
        response = await sync_to_async(owner_api_patch)(story.pk, {"title": "Ring twice", "version": story.version})
        assert response.status_code == 200, response.content
        message = await next_of(viewer, "map.event")
        assert message["actor_name"] == "Olive Owner"
        assert message["story_id"] == story.pk
        assert message["verb"] == "edited"
        assert message["text"].startswith("Olive Owner edited story “")
        await viewer.disconnect()

    def owner_api_patch(pk: int, body: dict[str, Any]):
        return bearer_client(owner).patch(f"/api/v1/stories/{pk}/", body, format="json")

    run(scenario)


def test_a_refused_change_tells_nobody(project, owner, member, cookies):
    Membership.objects.create(project=project, user=member, role="viewer")
    story = Story.objects.get(title="Ring the bell")

    async def scenario() -> None:
        watcher = socket(project.pk, cookies["owner"])
        await opened(watcher)
        response = await sync_to_async(
            lambda: bearer_client(member).patch(f"/api/v1/stories/{story.pk}/", {"title": "Mine"}, format="json")
        )()
        assert response.status_code == 403
        assert await watcher.receive_nothing(timeout=0.3)
        await watcher.disconnect()

    run(scenario)


def test_presence_says_who_is_here_to_the_newcomer_and_to_those_already_here(project, owner, member, cookies):
    Membership.objects.create(project=project, user=member, role="editor")

    async def scenario() -> None:
        first = socket(project.pk, cookies["owner"])
        hello = await opened(first)
        assert hello["me"] == {"id": owner.pk, "name": "Olive Owner", "initials": "OO"}

        second = socket(project.pk, cookies["member"])
        await opened(second)
        arrived = await next_of(first, "presence")
        assert (arrived["action"], arrived["user"]["name"]) == ("here", "Mel Member")
        already = await next_of(second, "presence")
        assert (already["action"], already["user"]["id"]) == ("here", owner.pk)

        await second.disconnect()
        gone = await next_of(first, "presence")
        assert (gone["action"], gone["user"]["id"], gone["channel"]) == ("left", member.pk, arrived["channel"])
        await first.disconnect()

    run(scenario)


def test_a_removed_members_open_board_is_closed_at_once(project, owner, member, cookies):
    membership = Membership.objects.create(project=project, user=member, role="editor")

    async def scenario() -> None:
        watcher = socket(project.pk, cookies["owner"])
        await opened(watcher)
        removed = socket(project.pk, cookies["member"])
        await opened(removed)
        response = await sync_to_async(
            lambda: bearer_client(owner).delete(f"/api/v1/projects/{project.pk}/members/{membership.pk}/")
        )()
        assert response.status_code == 204
        closing = await removed.receive_output(timeout=TIMEOUT)
        while closing["type"] != "websocket.close":
            closing = await removed.receive_output(timeout=TIMEOUT)
        assert closing["code"] == LIVE_CLOSE_REMOVED
        # The owner's board stays open, and hears that the member left.
        arrived = await next_of(watcher, "presence")
        assert (arrived["action"], arrived["user"]["id"]) == ("here", member.pk)
        gone = await next_of(watcher, "presence")
        assert (gone["action"], gone["user"]["id"]) == ("left", member.pk)
        await watcher.disconnect()

    run(scenario)

    # Opening the board again is refused like anyone else's.
    async def again() -> None:
        await assert_closed_without_data(socket(project.pk, cookies["member"]), LIVE_CLOSE_NO_ACCESS)

    run(again)


def test_a_hung_channel_layer_does_not_hold_up_or_fail_the_change(project, owner, monkeypatch, caplog):
    story = Story.objects.get(title="Ring the bell")

    async def hangs(*args: Any, **kwargs: Any) -> None:
        await asyncio.sleep(30)

    layer = get_channel_layer()
    monkeypatch.setattr(layer, "group_send", hangs)
    monkeypatch.setattr(live, "LIVE_SEND_TIMEOUT", 0.05)
    response = bearer_client(owner).patch(
        f"/api/v1/stories/{story.pk}/", {"title": "Saved anyway", "version": story.version}, format="json"
    )
    assert response.status_code == 200
    assert Story.objects.get(pk=story.pk).title == "Saved anyway"
    assert "could not tell the open boards" in caplog.text


@pytest.mark.parametrize(
    ("name", "letters"), [("Ana Lima", "AL"), ("ana", "A"), ("Jean-Luc de la Tour", "JD"), ("ana@example.com", "A")]
)
def test_initials(name, letters):
    assert initials(name) == letters
