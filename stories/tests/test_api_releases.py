import pytest

from projects.services import project_create
from stories.models import Release, Story
from stories.tests.test_api_support import build_board, positions, snapshot, titles

pytestmark = pytest.mark.django_db

RELEASE_FIELDS = {"id", "name", "goal", "position"}


def list_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/releases/"


def detail_url(release_id: int) -> str:
    return f"/api/v1/releases/{release_id}/"


def move_url(release_id: int) -> str:
    return f"/api/v1/releases/{release_id}/move/"


def test_release_list_is_paginated_top_to_bottom(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(list_url(board.project.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"] == [
        {"id": board.mvp.pk, "name": "MVP", "goal": "Sell the first thing.", "position": 0},
        {"id": board.later.pk, "name": "Later", "goal": "", "position": 1},
    ]


def test_creating_a_release_puts_it_at_the_bottom(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(list_url(board.project.pk), {"name": " Someday ", "goal": "Nice to have"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == RELEASE_FIELDS
    assert (body["name"], body["goal"], body["position"]) == ("Someday", "Nice to have", 2)
    assert Release.objects.get(pk=body["id"]).project == board.project


def test_creating_a_release_at_a_position_shifts_the_others(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(list_url(board.project.pk), {"name": "Alpha", "position": 0}, format="json")

    assert response.status_code == 201
    assert titles(board.project.releases.all(), "name") == ["Alpha", "MVP", "Later"]
    assert positions(board.project.releases.all()) == [0, 1, 2]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Fine", "goal": "x" * 4001}, "goal"),
        ({"name": "Fine", "position": -3}, "position"),
    ],
)
def test_creating_a_release_with_a_bad_field_is_refused_and_saves_nothing(owner_api, owner, payload, field):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.post(list_url(board.project.pk), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


def test_release_detail(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(detail_url(board.later.pk))

    assert response.status_code == 200
    assert response.json() == {"id": board.later.pk, "name": "Later", "goal": "", "position": 1}


def test_patching_a_release_changes_name_and_goal(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(detail_url(board.mvp.pk), {"name": "Launch", "goal": "Go live"}, format="json")

    assert response.status_code == 200
    assert response.json() == {"id": board.mvp.pk, "name": "Launch", "goal": "Go live", "position": 0}


@pytest.mark.parametrize("payload", [{"name": ""}, {"name": "x" * 201}, {"goal": None}])
def test_patching_a_release_with_a_bad_field_is_refused(owner_api, owner, payload):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.patch(detail_url(board.mvp.pk), payload, format="json")

    assert response.status_code == 400
    assert set(payload) <= set(response.json())
    assert snapshot() == before


def test_deleting_a_release_moves_its_stories_to_the_end_of_unplanned(owner_api, owner):
    board = build_board(owner)

    response = owner_api.delete(detail_url(board.mvp.pk))

    assert response.status_code == 204
    assert titles(board.project.releases.all(), "name") == ["Later"]
    assert positions(board.project.releases.all()) == [0]
    unplanned = Story.objects.filter(step=board.search, release=None)
    assert titles(unplanned) == ["Saved searches", "Search by keyword", "Filter by price"]
    assert positions(unplanned) == [0, 1, 2]
    assert Story.objects.get(pk=board.keyword.pk).version == 2


@pytest.mark.parametrize("position, expected", [(0, ["C", "A", "B"]), (1, ["A", "C", "B"]), (5, ["A", "B", "C"])])
def test_moving_a_release_reorders_the_rows_gaplessly(owner_api, owner, position, expected):
    project = project_create(owner=owner, name="Rows")
    ids = {name: owner_api.post(list_url(project.pk), {"name": name}, format="json").json()["id"] for name in "ABC"}

    response = owner_api.post(move_url(ids["C"]), {"position": position}, format="json")

    assert response.status_code == 200
    assert response.json()["position"] == expected.index("C")
    assert titles(project.releases.all(), "name") == expected
    assert positions(project.releases.all()) == [0, 1, 2]


@pytest.mark.parametrize("payload", [{}, {"position": -1}, {"position": [1]}])
def test_moving_a_release_needs_a_position_of_0_or_more(owner_api, owner, payload):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.post(move_url(board.later.pk), payload, format="json")

    assert response.status_code == 400
    assert "position" in response.json()
    assert snapshot() == before
