"""Who gets in: another user's map answers 404 to everything, and no one gets in without logging in."""

from typing import Any

import pytest

from stories.tests.test_api_support import build_board, snapshot

pytestmark = pytest.mark.django_db

# Every story-map endpoint and method, with a body that would succeed for the owner.
ENDPOINTS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/api/v1/projects/{project}/map/", None),
    ("get", "/api/v1/projects/{project}/activities/", None),
    ("post", "/api/v1/projects/{project}/activities/", {"title": "Sneak in"}),
    ("get", "/api/v1/activities/{browse}/", None),
    ("patch", "/api/v1/activities/{browse}/", {"title": "Taken over"}),
    ("delete", "/api/v1/activities/{browse}/", None),
    ("post", "/api/v1/activities/{browse}/move/", {"position": 1}),
    ("get", "/api/v1/projects/{project}/steps/", None),
    ("post", "/api/v1/projects/{project}/steps/", {"activity": "{browse}", "title": "Sneak in"}),
    ("get", "/api/v1/steps/{search}/", None),
    ("patch", "/api/v1/steps/{search}/", {"title": "Taken over"}),
    ("delete", "/api/v1/steps/{search}/", None),
    ("post", "/api/v1/steps/{search}/move/", {"position": 0, "activity": "{buy}"}),
    ("get", "/api/v1/projects/{project}/releases/", None),
    ("post", "/api/v1/projects/{project}/releases/", {"name": "Sneak in"}),
    ("get", "/api/v1/releases/{mvp}/", None),
    ("patch", "/api/v1/releases/{mvp}/", {"name": "Taken over"}),
    ("delete", "/api/v1/releases/{mvp}/", None),
    ("post", "/api/v1/releases/{mvp}/move/", {"position": 1}),
    ("get", "/api/v1/projects/{project}/personas/", None),
    ("post", "/api/v1/projects/{project}/personas/", {"name": "Sneak in"}),
    ("get", "/api/v1/personas/{shopper}/", None),
    ("patch", "/api/v1/personas/{shopper}/", {"name": "Taken over"}),
    ("delete", "/api/v1/personas/{shopper}/", None),
    ("get", "/api/v1/projects/{project}/stories/", None),
    ("post", "/api/v1/projects/{project}/stories/", {"step": "{search}", "title": "Sneak in"}),
    ("get", "/api/v1/stories/{keyword}/", None),
    ("patch", "/api/v1/stories/{keyword}/", {"title": "Taken over"}),
    ("patch", "/api/v1/stories/{keyword}/", {"title": "Taken over", "version": 1}),
    ("delete", "/api/v1/stories/{keyword}/", None),
    ("post", "/api/v1/stories/{keyword}/move/", {"step": "{pay}", "release": None, "position": 0}),
    ("get", "/api/v1/projects/{project}/", None),
    ("patch", "/api/v1/projects/{project}/", {"name": "Taken over"}),
    ("delete", "/api/v1/projects/{project}/", None),
]
ENDPOINT_IDS = [f"{method} {path}" for method, path, _ in ENDPOINTS]


def call(client, board, method: str, path: str, payload: dict[str, Any] | None):
    ids = {name: obj.pk for name, obj in vars(board).items()}
    if payload is not None:
        payload = {
            key: int(value.format(**ids)) if isinstance(value, str) and value.startswith("{") else value
            for key, value in payload.items()
        }
    return getattr(client, method)(path.format(**ids), payload, format="json")


@pytest.mark.parametrize("method, path, payload", ENDPOINTS, ids=ENDPOINT_IDS)
def test_the_owner_reaches_every_endpoint(owner_api, owner, method, path, payload):
    board = build_board(owner)

    response = call(owner_api, board, method, path, payload)

    assert response.status_code in {200, 201, 204}, response.content


@pytest.mark.parametrize("method, path, payload", ENDPOINTS, ids=ENDPOINT_IDS)
def test_another_users_map_is_404_for_every_endpoint_and_method_and_nothing_changes(
    outsider_api, owner, outsider, method, path, payload
):
    board = build_board(owner)
    build_board(outsider, name="The outsider's own")
    before = snapshot()

    response = call(outsider_api, board, method, path, payload)

    assert response.status_code == 404, response.content
    assert response.json() == {"detail": response.json()["detail"]}
    assert snapshot() == before


@pytest.mark.parametrize("method, path, payload", ENDPOINTS, ids=ENDPOINT_IDS)
def test_every_endpoint_needs_authentication(api_client, owner, method, path, payload):
    board = build_board(owner)
    before = snapshot()

    response = call(api_client, board, method, path, payload)

    assert response.status_code == 401
    assert snapshot() == before


def test_an_invalid_bearer_token_is_401(api_client, owner):
    board = build_board(owner)
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    response = api_client.get(f"/api/v1/projects/{board.project.pk}/map/")

    assert response.status_code == 401


def test_a_logged_in_browser_session_reaches_the_map(api_client, owner):
    board = build_board(owner)
    api_client.force_login(owner)

    response = api_client.get(f"/api/v1/projects/{board.project.pk}/map/")

    assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/activities/{}/",
        "/api/v1/steps/{}/",
        "/api/v1/releases/{}/",
        "/api/v1/personas/{}/",
        "/api/v1/stories/{}/",
    ],
)
@pytest.mark.parametrize("object_id", [999_999, 99_999_999_999_999_999_999])
def test_an_id_that_does_not_exist_is_404(owner_api, owner, path, object_id):
    build_board(owner)

    assert owner_api.get(path.format(object_id)).status_code == 404


# --- Members: a viewer reads, an editor changes the map, only the owner manages the project ---

OWNER_ONLY = {("patch", "/api/v1/projects/{project}/"), ("delete", "/api/v1/projects/{project}/")}


def join(board, user, role: str) -> None:
    from projects.models import Membership

    Membership.objects.create(project=board.project, user=user, role=role)


@pytest.mark.parametrize("method, path, payload", ENDPOINTS, ids=ENDPOINT_IDS)
def test_a_viewer_reads_every_endpoint_and_every_write_is_403(owner, member, method, path, payload):
    from conftest import bearer_client

    board = build_board(owner)
    join(board, member, "viewer")
    before = snapshot()

    response = call(bearer_client(member), board, method, path, payload)

    if method == "get":
        assert response.status_code == 200, response.content
    else:
        assert response.status_code == 403, response.content
        detail = response.json()["detail"]
        assert detail in {
            "You can read this map but not change it: ask its owner to make you an editor.",
            "Only the project's owner can do that.",
        }
        assert snapshot() == before


@pytest.mark.parametrize("method, path, payload", ENDPOINTS, ids=ENDPOINT_IDS)
def test_an_editor_changes_the_map_but_not_the_project(owner, member, method, path, payload):
    from conftest import bearer_client

    board = build_board(owner)
    join(board, member, "editor")
    before = snapshot()

    response = call(bearer_client(member), board, method, path, payload)

    if (method, path) in OWNER_ONLY:
        assert response.status_code == 403, response.content
        assert response.json()["detail"] == "Only the project's owner can do that."
        assert snapshot() == before
    else:
        assert response.status_code in {200, 201, 204}, response.content


def test_a_member_removed_gets_404_at_once(owner, member):
    from conftest import bearer_client
    from projects.models import Membership

    board = build_board(owner)
    join(board, member, "editor")
    client = bearer_client(member)
    assert client.get(f"/api/v1/projects/{board.project.pk}/map/").status_code == 200
    Membership.objects.filter(user=member).delete()
    assert client.get(f"/api/v1/projects/{board.project.pk}/map/").status_code == 404
    assert client.get(f"/api/v1/stories/{board.keyword.pk}/").status_code == 404
