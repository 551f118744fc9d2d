import pytest

from projects.services import project_create
from stories.models import Activity, Step, Story
from stories.tests.test_api_support import build_board, positions, snapshot, titles

pytestmark = pytest.mark.django_db

ACTIVITY_FIELDS = {"id", "title", "description", "position"}


def list_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/activities/"


def detail_url(activity_id: int) -> str:
    return f"/api/v1/activities/{activity_id}/"


def move_url(activity_id: int) -> str:
    return f"/api/v1/activities/{activity_id}/move/"


def test_activity_list_is_paginated_in_board_order(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(list_url(board.project.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"] == [
        {"id": board.browse.pk, "title": "Browse", "description": "", "position": 0},
        {"id": board.buy.pk, "title": "Buy", "description": "", "position": 1},
    ]


def test_creating_an_activity_puts_it_at_the_end(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(
        list_url(board.project.pk), {"title": " Track order ", "description": "After buying."}, format="json"
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == ACTIVITY_FIELDS
    assert (body["title"], body["description"], body["position"]) == ("Track order", "After buying.", 2)
    assert Activity.objects.get(pk=body["id"]).project == board.project


def test_creating_an_activity_at_a_position_shifts_the_others(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(list_url(board.project.pk), {"title": "Discover", "position": 0}, format="json")

    assert response.status_code == 201
    assert response.json()["position"] == 0
    assert titles(board.project.activities.all()) == ["Discover", "Browse", "Buy"]
    assert positions(board.project.activities.all()) == [0, 1, 2]


def test_creating_an_activity_past_the_end_puts_it_last(owner_api, owner):
    project = project_create(owner=owner, name="Empty")

    response = owner_api.post(list_url(project.pk), {"title": "Only", "position": 7}, format="json")

    assert response.status_code == 201
    assert response.json()["position"] == 0


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "title"),
        ({"title": ""}, "title"),
        ({"title": "  "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": 5}, "title"),
        ({"title": "Fine", "description": "x" * 4001}, "description"),
        ({"title": "Fine", "position": -1}, "position"),
        ({"title": "Fine", "position": "first"}, "position"),
        ({"title": "Fine", "position": 1.5}, "position"),
    ],
)
def test_creating_an_activity_with_a_bad_field_is_refused_and_saves_nothing(owner_api, owner, payload, field):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.post(list_url(board.project.pk), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


def test_activity_detail(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(detail_url(board.buy.pk))

    assert response.status_code == 200
    assert response.json() == {"id": board.buy.pk, "title": "Buy", "description": "", "position": 1}


def test_patching_an_activity_changes_title_and_description(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(
        detail_url(board.buy.pk), {"title": "Purchase", "description": " Pay up. "}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {"id": board.buy.pk, "title": "Purchase", "description": "Pay up.", "position": 1}
    board.buy.refresh_from_db()
    assert (board.buy.title, board.buy.description) == ("Purchase", "Pay up.")


def test_patching_an_activity_ignores_a_position(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(detail_url(board.buy.pk), {"position": 0}, format="json")

    assert response.status_code == 200
    assert titles(board.project.activities.all()) == ["Browse", "Buy"]


@pytest.mark.parametrize("payload", [{"title": ""}, {"title": "x" * 201}, {"title": None}, {"description": "x" * 4001}])
def test_patching_an_activity_with_a_bad_field_is_refused(owner_api, owner, payload):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.patch(detail_url(board.buy.pk), payload, format="json")

    assert response.status_code == 400
    assert set(payload) <= set(response.json())
    assert snapshot() == before


def test_deleting_an_activity_removes_its_steps_and_stories_and_closes_the_gap(owner_api, owner):
    board = build_board(owner)
    tail = owner_api.post(list_url(board.project.pk), {"title": "Track"}, format="json").json()

    response = owner_api.delete(detail_url(board.browse.pk))

    assert response.status_code == 204
    assert titles(board.project.activities.all()) == ["Buy", "Track"]
    assert positions(board.project.activities.all()) == [0, 1]
    assert not Step.objects.filter(pk__in=[board.search.pk, board.view.pk]).exists()
    assert list(Story.objects.values_list("title", flat=True)) == ["Pay by card"]
    assert Activity.objects.get(pk=tail["id"]).position == 1


@pytest.mark.parametrize(
    "position, expected",
    [(0, ["C", "A", "B", "D"]), (1, ["A", "C", "B", "D"]), (3, ["A", "B", "D", "C"]), (99, ["A", "B", "D", "C"])],
)
def test_moving_an_activity_reorders_the_backbone_gaplessly(owner_api, owner, position, expected):
    project = project_create(owner=owner, name="Order")
    ids = {
        title: owner_api.post(list_url(project.pk), {"title": title}, format="json").json()["id"] for title in "ABCD"
    }

    response = owner_api.post(move_url(ids["C"]), {"position": position}, format="json")

    assert response.status_code == 200
    assert response.json()["position"] == expected.index("C")
    assert titles(project.activities.all()) == expected
    assert positions(project.activities.all()) == [0, 1, 2, 3]
    listed = owner_api.get(list_url(project.pk)).json()["results"]
    assert [activity["title"] for activity in listed] == expected


@pytest.mark.parametrize("payload", [{}, {"position": -1}, {"position": None}, {"position": "last"}])
def test_moving_an_activity_needs_a_position_of_0_or_more(owner_api, owner, payload):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.post(move_url(board.buy.pk), payload, format="json")

    assert response.status_code == 400
    assert "position" in response.json()
    assert snapshot() == before
