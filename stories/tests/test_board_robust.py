"""The board's pages under any HTTP method and odd bodies: never a server error.

Every URL of the board (the `stories` URL namespace) is found by walking the
URL configuration and tried with every method a browser or script may send.
"""

import logging
from collections.abc import Iterator

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from stories import services
from stories.models import Activity, Comment, MapChange, MapSnapshot, Persona, Release, Step
from stories.selectors import document_from_map
from stories.tests.test_api_support import Board, build_board

pytestmark = pytest.mark.django_db

# POST last: it is the one method that may change what the others are tried on.
METHODS = ("get", "head", "options", "put", "patch", "delete", "post")
EDIT_URLS = ("activity-edit", "step-edit", "release-edit", "persona-edit")


def _board_routes(patterns: list, prefix: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in (None, "stories"):
                yield from _board_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and pattern.lookup_str.startswith("stories.views."):
            yield pattern.name, "/" + prefix + str(pattern.pattern)  # type: ignore[misc]  # all are named


BOARD_ROUTES = dict(_board_routes(get_resolver().url_patterns))


def test_the_walk_finds_every_board_url():
    assert {*EDIT_URLS, "board", "story", "story-delete", "snapshot-restore", "import-new", "trash-restore"} <= set(
        BOARD_ROUTES
    )
    assert not any(route.startswith("/api/") for route in BOARD_ROUTES.values())


def url_for(name: str, board: Board) -> str:
    """The board URL `name` with ids of rows that exist, so the view gets past its lookup."""
    noun = name.split("-")[0]
    rows: dict[str, Model] = {
        "activity": board.buy,
        "step": board.search,
        "release": board.mvp,
        "persona": board.shopper,
        "story": board.keyword,
    }
    route = BOARD_ROUTES[name].replace("<int:project_id>", str(board.project.pk))
    if noun == "comment" and "stories/<int:pk>/" not in route:
        rows["comment"] = Comment.objects.create(
            project=board.project, story=board.keyword, author=board.project.owner, body="A note"
        )
    elif noun == "comment":
        rows["comment"] = board.keyword  # the card the comments are on
    if "<int:pk>" in route:
        route = route.replace("<int:pk>", str(rows[noun].pk))
    if "<int:snapshot_id>" in route:
        services.map_import(project=board.project, document=document_from_map(project=board.project), mode="replace")
        route = route.replace("<int:snapshot_id>", str(MapSnapshot.objects.get(project=board.project).pk))
    if "<int:change_id>" in route:
        route = route.replace("<int:change_id>", str(deleted_change(board.project).pk))
    assert "<" not in route, route
    return route


def deleted_change(project):
    """Something of the project in its Trash: a story added and deleted by its owner."""
    step = Step.objects.filter(project=project).first()
    assert step is not None
    story = services.story_create(project=project, step=step, title="Thrown away")
    services.story_delete(story=story, by=project.owner)
    return MapChange.objects.filter(project=project).latest("pk")


@pytest.fixture
def owner_client(owner) -> Client:
    """A browser-like client: the CSRF check runs (reading form bodies first); the token goes as board.js sends it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    client.get("/projects/")
    client.defaults["HTTP_X_CSRFTOKEN"] = client.cookies["csrftoken"].value
    return client


@pytest.mark.parametrize("name", sorted(BOARD_ROUTES))
def test_every_board_url_answers_every_method_without_a_server_error(owner, owner_client, name, caplog):
    board = build_board(owner)
    url = url_for(name, board)

    with caplog.at_level(logging.WARNING):
        for method in METHODS:
            response = getattr(owner_client, method)(url)
            assert response.status_code < 500, (method, url, response.status_code)
            if response.status_code == 405:
                assert response["Allow"], (method, url)

    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"


@pytest.mark.parametrize("name", EDIT_URLS)
def test_http_delete_on_an_edit_url_is_405_and_deletes_nothing(owner, owner_client, name):
    board = build_board(owner)
    model = {"activity": Activity, "step": Step, "release": Release, "persona": Persona}[name.split("-")[0]]
    before = model._default_manager.count()

    response = owner_client.delete(url_for(name, board))

    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"POST", "OPTIONS"}
    assert model._default_manager.count() == before


def test_the_board_form_that_deletes_still_deletes(owner, owner_client):
    board = build_board(owner)

    response = owner_client.post(BOARD_ROUTES["activity-delete"].replace("<int:pk>", str(board.buy.pk)))

    assert response.status_code == 302
    assert not Activity.objects.filter(pk=board.buy.pk).exists()
