"""The API under bad input: absurdly nested JSON, URLs that match nothing, wrong methods.

Every JSON endpoint is found by walking the URL configuration, so an endpoint
added later is covered without anyone remembering to list it here.
"""

import json
import logging
from dataclasses import dataclass

import pytest
from django.urls import get_resolver
from rest_framework.views import APIView

from config.api import MAX_JSON_DEPTH, JSONBodyInvalid, json_body
from conftest import bearer_client
from stories.models import Activity, Persona, Release, Step, Story
from stories.tests.test_api_support import build_board
from stories.tests.test_board_robust import deleted_change
from tests.support import walk_urls

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch")
DEEP = "[" * 100_000
# Which row a `pk` in a URL stands for, by the URL name's first word.
PK_MODELS = {"activity": Activity, "step": Step, "release": Release, "persona": Persona, "story": Story}
# Endpoints whose schema says they take no body (request=None): they never read it, so any body is ignored.
# They never read a body, so they answer as they would to none: done, or why not (409 "Nothing to undo").
TAKE_NO_BODY = {
    "auth-api:email-resend",
    "stories-api:undo",
    "stories-api:redo",
    "stories-api:trash-restore",
    "projects-api:share-link",
    "projects-api:invitation-resend",
    # The assists read the map, not a body: a proposal (201), or why there is none (422).
    "aimap-api:step-suggest-stories",
    "aimap-api:story-suggest-criteria",
    "aimap-api:story-split",
    "aimap-api:activity-fill-gaps",
    "aimap-api:proposal-reject",
}


@dataclass(frozen=True)
class Endpoint:
    route: str  # "/api/v1/activities/<int:pk>/"
    name: str  # "stories-api:activity-detail"
    view: type[APIView]
    methods: tuple[str, ...]


def api_write_endpoints() -> list[Endpoint]:
    """Every DRF view under /api/ with a POST, PUT or PATCH handler."""
    found = []
    for route, name, callback in walk_urls(get_resolver().url_patterns):
        view = getattr(callback, "cls", None)
        if not route.startswith("/api/") or view is None or not issubclass(view, APIView):
            continue
        methods = tuple(method for method in WRITE_METHODS if hasattr(view, method))
        if methods:
            found.append(Endpoint(route, name, view, methods))
    return found


ENDPOINTS = api_write_endpoints()


def test_the_walk_finds_the_json_endpoints_the_audit_named():
    routes = {endpoint.route for endpoint in ENDPOINTS}
    assert {
        "/api/v1/auth/email/verify/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/password/reset/confirm/",
        "/api/v1/projects/<int:pk>/",
        "/api/v1/stories/<int:pk>/move/",
    } <= routes
    assert len(ENDPOINTS) >= 25


def a_member(project):
    from accounts.models import User
    from projects.models import Membership

    user = User.objects.create_user(email=f"member{project.pk}@example.com", password="a-long-password-1")
    return Membership.objects.create(project=project, user=user, role="viewer")


def an_invitation(project):
    from projects.services import membership_add

    return membership_add(project=project, by=project.owner, email=f"invited{project.pk}@example.com", role="viewer")


def a_proposal(board):
    from projects.tests.test_roles_everywhere import a_proposal as of_user

    return of_user(board, board.project.owner)


def a_comment(project):
    from stories.models import Comment

    story = Story.objects.filter(project=project).earliest("pk")
    return Comment.objects.create(project=project, story=story, author=project.owner, body="A note")


def fill(route: str, name: str, board) -> str:
    """The route with ids of rows that exist and are the user's, so the view gets as far as reading the body."""
    url = route.replace("<int:project_id>", str(board.project.pk))
    if "<int:pk>" in url:
        first_word = name.split(":")[-1].split("-")[0]
        if first_word == "comment":
            row = Story.objects.first() if "stories/<int:pk>/" in route else a_comment(board.project)
        else:
            row = board.project if first_word == "project" else PK_MODELS[first_word]._default_manager.first()
        url = url.replace("<int:pk>", str(row.pk))
    if "<int:change_id>" in url:
        url = url.replace("<int:change_id>", str(deleted_change(board.project).pk))
    if "<int:member_id>" in url:
        url = url.replace("<int:member_id>", str(a_member(board.project).pk))
    if "<int:invitation_id>" in url:
        url = url.replace("<int:invitation_id>", str(an_invitation(board.project).pk))
    if "<uuid:proposal_id>" in url:
        url = url.replace("<uuid:proposal_id>", str(a_proposal(board).pk))
    assert "<" not in url, f"no id for {route}"
    return url


@pytest.mark.parametrize(
    ("endpoint", "method"),
    [(endpoint, method) for endpoint in ENDPOINTS for method in endpoint.methods],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_absurdly_nested_json_is_a_400_on_every_json_endpoint(owner, endpoint, method, caplog):
    board = build_board(owner)
    client = bearer_client(owner)
    url = fill(endpoint.route, endpoint.name, board)
    before = Story.objects.count(), Activity.objects.count()

    with caplog.at_level(logging.WARNING):
        response = getattr(client, method)(url, DEEP, content_type="application/json")

    if endpoint.name in TAKE_NO_BODY:
        assert response.status_code < 400 or response.status_code in {409, 422}, (
            url,
            response.status_code,
            response.content[:300],
        )
    else:
        assert response.status_code == 400, (url, response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    assert response.json()  # a body that says what was wrong
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"
    if endpoint.name not in TAKE_NO_BODY:  # restoring from the Trash, for one, does what it says
        assert (Story.objects.count(), Activity.objects.count()) == before


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/auth/email/verify/",
        "/api/v1/auth/token/refresh/",
        "/api/v1/auth/logout/",
        "/api/v1/auth/password/reset/confirm/",
    ],
)
def test_nested_json_to_the_open_auth_endpoints_is_a_400_for_anyone(api_client, url, caplog):
    response = api_client.post(url, DEEP, content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not [record for record in caplog.records if record.exc_info]


def test_json_nested_just_past_the_limit_is_refused_and_at_the_limit_read():
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json_body(at_limit) == json.loads(at_limit)
    with pytest.raises(JSONBodyInvalid, match="nested too deeply"):
        json_body("[" + at_limit + "]")
    with pytest.raises(JSONBodyInvalid, match="nested too deeply"):
        json_body(DEEP)
    with pytest.raises(JSONBodyInvalid):
        json_body('{"position": NaN}')


def test_an_ordinary_json_write_still_works(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(f"/api/v1/activities/{board.buy.pk}/", {"title": "Purchase"}, format="json")

    assert response.status_code == 200
    assert Activity.objects.get(pk=board.buy.pk).title == "Purchase"


# --- URLs that match no route -------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/nope/", "/api/v1/projects/abc/", "/api/nope", "/api/v1/activities/1/nope/", "/api/v2/projects/"]
)
def test_an_api_url_that_matches_nothing_answers_json_404(owner_api, url):
    response = owner_api.get(url)

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "Not found."}


def test_an_unknown_api_url_is_a_json_404_for_anyone_and_for_every_method(api_client):
    for method in ("get", "post", "put", "patch", "delete"):
        response = getattr(api_client, method)("/api/v1/nope/")
        assert response.status_code == 404, method
        assert response.json() == {"detail": "Not found."}


def test_a_wrong_method_on_an_api_url_is_a_json_405(owner_api, owner):
    board = build_board(owner)

    response = owner_api.put(f"/api/v1/activities/{board.buy.pk}/move/", {}, format="json")

    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/json")
    assert "PUT" in response.json()["detail"]
    assert "POST" in response["Allow"]


def test_pages_keep_the_html_404_page(owner_client):
    response = owner_client.get("/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# --- OPTIONS, found by Schemathesis --------------------------------------------------


def api_routes() -> list[tuple[str, str]]:
    return [
        (route, name)
        for route, name, callback in walk_urls(get_resolver().url_patterns)
        if route.startswith("/api/v1/") and "<uuid:" not in route
    ]


@pytest.mark.parametrize(("route", "name"), api_routes(), ids=[name for _, name in api_routes()])
def test_options_on_every_api_url_answers_200_with_allow(owner, route, name, caplog):
    board = build_board(owner)

    response = bearer_client(owner).options(fill(route, name, board))

    assert response.status_code == 200, response.content[:300]
    assert "OPTIONS" in response["Allow"]
    assert not [record for record in caplog.records if record.exc_info]
