import pytest

from stories.models import Persona, Story
from stories.tests.test_api_support import build_board, positions, snapshot, titles

pytestmark = pytest.mark.django_db

PERSONA_FIELDS = {"id", "name", "description", "goals", "position"}


def list_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/personas/"


def detail_url(persona_id: int) -> str:
    return f"/api/v1/personas/{persona_id}/"


def test_persona_list_is_paginated(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(list_url(board.project.pk))

    assert response.status_code == 200
    assert response.json()["count"] == 1
    assert response.json()["results"] == [
        {"id": board.shopper.pk, "name": "Shopper", "description": "", "goals": ["Find it fast"], "position": 0}
    ]


def test_creating_a_persona_adds_it_last_with_cleaned_goals(owner_api, owner):
    board = build_board(owner)
    payload = {"name": "Shop owner", "description": "Runs the shop.", "goals": [" Sell more ", "", "Less admin"]}

    response = owner_api.post(list_url(board.project.pk), payload, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == PERSONA_FIELDS
    assert (body["name"], body["description"], body["position"]) == ("Shop owner", "Runs the shop.", 1)
    assert body["goals"] == ["Sell more", "Less admin"]
    assert Persona.objects.get(pk=body["id"]).project == board.project


def test_creating_a_persona_without_goals(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(list_url(board.project.pk), {"name": "Visitor"}, format="json")

    assert response.status_code == 201
    assert response.json()["goals"] == []


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Fine", "goals": "Sell more"}, "goals"),
        ({"name": "Fine", "goals": [1, 2]}, "goals"),
        ({"name": "Fine", "goals": [["nested"]]}, "goals"),
        ({"name": "Fine", "goals": {"a": "b"}}, "goals"),
        ({"name": "Fine", "goals": ["x" * 501]}, "goals"),
        ({"name": "Fine", "goals": [f"Goal {n}" for n in range(51)]}, "goals"),
    ],
)
def test_creating_a_persona_with_a_bad_field_is_refused_and_saves_nothing(owner_api, owner, payload, field):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.post(list_url(board.project.pk), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before


def test_persona_detail(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(detail_url(board.shopper.pk))

    assert response.status_code == 200
    assert response.json()["goals"] == ["Find it fast"]


def test_patching_a_persona_changes_only_the_fields_given(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(detail_url(board.shopper.pk), {"goals": ["Pay quickly"]}, format="json")

    assert response.status_code == 200
    assert response.json() == {
        "id": board.shopper.pk,
        "name": "Shopper",
        "description": "",
        "goals": ["Pay quickly"],
        "position": 0,
    }


@pytest.mark.parametrize("payload", [{"name": ""}, {"goals": "one"}, {"goals": [3]}, {"description": "x" * 4001}])
def test_patching_a_persona_with_a_bad_field_is_refused(owner_api, owner, payload):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.patch(detail_url(board.shopper.pk), payload, format="json")

    assert response.status_code == 400
    assert set(payload) <= set(response.json())
    assert snapshot() == before


def test_deleting_a_persona_keeps_its_stories_without_it_and_closes_the_gap(owner_api, owner):
    board = build_board(owner)
    second = owner_api.post(list_url(board.project.pk), {"name": "Admin"}, format="json").json()

    response = owner_api.delete(detail_url(board.shopper.pk))

    assert response.status_code == 204
    assert titles(board.project.personas.all(), "name") == ["Admin"]
    assert positions(board.project.personas.all()) == [0]
    assert Persona.objects.get(pk=second["id"]).position == 0
    story = Story.objects.get(pk=board.keyword.pk)
    assert (story.persona_id, story.version) == (None, 2)
