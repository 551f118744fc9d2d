from dataclasses import dataclass
from typing import Any

import pytest

from stories.models import Story
from stories.tests.test_api_support import Board, build_board, positions, snapshot, titles

pytestmark = pytest.mark.django_db

STORY_FIELDS = {
    "id",
    "step",
    "release",
    "persona",
    "title",
    "description",
    "acceptance_criteria",
    "status",
    "priority",
    "estimate",
    "labels",
    "position",
    "version",
    "created",
    "updated",
}


def list_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/stories/"


def detail_url(story_id: int) -> str:
    return f"/api/v1/stories/{story_id}/"


def move_url(story_id: int) -> str:
    return f"/api/v1/stories/{story_id}/move/"


def cell(board_step, release) -> list[str]:
    return titles(Story.objects.filter(step=board_step, release=release))


@dataclass
class Boards:
    """The owner's board, another board of the owner, and the outsider's board."""

    mine: Board
    other: Board
    foreign: Board

    def resolve(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Replace stand-ins like "OTHER.mvp" or "MINE.search" by that object's id."""
        resolved = {}
        for key, value in payload.items():
            if isinstance(value, str) and value.split(".")[0] in {"MINE", "OTHER", "FOREIGN"}:
                board_name, attribute = value.split(".")
                value = getattr(getattr(self, board_name.lower()), attribute).pk
            resolved[key] = value
        return resolved


@pytest.fixture
def boards(owner, outsider) -> Boards:
    return Boards(build_board(owner), build_board(owner, name="Other"), build_board(outsider, name="Foreign"))


# --- List -------------------------------------------------------------------------------


def test_story_list_is_paginated_in_board_order(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(list_url(board.project.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [story["id"] for story in body["results"]] == [
        board.keyword.pk,
        board.price.pk,
        board.saved.pk,
        board.card.pk,
    ]
    first = body["results"][0]
    assert set(first) == STORY_FIELDS
    assert {key: first[key] for key in STORY_FIELDS - {"created", "updated"}} == {
        "id": board.keyword.pk,
        "step": board.search.pk,
        "release": board.mvp.pk,
        "persona": board.shopper.pk,
        "title": "Search by keyword",
        "description": "",
        "acceptance_criteria": ["Matches titles", "Ignores case"],
        "status": "todo",
        "priority": "must",
        "estimate": 3,
        "labels": [],
        "position": 0,
        "version": 1,
    }


def test_story_list_shows_only_that_projects_stories(owner_api, boards):
    body = owner_api.get(list_url(boards.other.project.pk)).json()

    assert {story["id"] for story in body["results"]} == {
        boards.other.keyword.pk,
        boards.other.price.pk,
        boards.other.saved.pk,
        boards.other.card.pk,
    }


# --- Create -----------------------------------------------------------------------------


def test_creating_a_story_with_every_field(owner_api, owner):
    board = build_board(owner)
    payload = {
        "step": board.view.pk,
        "release": board.later.pk,
        "persona": board.shopper.pk,
        "title": "  Zoom photos ",
        "description": "Big pictures.",
        "acceptance_criteria": ["Pinch to zoom", "  ", "Double tap"],
        "status": "in_progress",
        "priority": "could",
        "estimate": 8,
    }

    response = owner_api.post(list_url(board.project.pk), payload, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == STORY_FIELDS
    assert {key: body[key] for key in payload} == {
        **payload,
        "title": "Zoom photos",
        "acceptance_criteria": ["Pinch to zoom", "Double tap"],
    }
    assert (body["position"], body["version"]) == (0, 1)
    story = Story.objects.get(pk=body["id"])
    assert (story.project, story.step, story.release, story.persona) == (
        board.project,
        board.view,
        board.later,
        board.shopper,
    )


def test_creating_a_story_without_a_release_puts_it_in_unplanned_at_the_end(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(list_url(board.project.pk), {"step": board.search.pk, "title": "Recent"}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert (body["release"], body["persona"], body["position"]) == (None, None, 1)
    assert (body["status"], body["priority"], body["estimate"], body["acceptance_criteria"]) == (
        "todo",
        "should",
        None,
        [],
    )
    assert cell(board.search, None) == ["Saved searches", "Recent"]


def test_creating_a_story_at_a_position_shifts_its_cell(owner_api, owner):
    board = build_board(owner)
    payload = {"step": board.search.pk, "release": board.mvp.pk, "title": "Autocomplete", "position": 1}

    response = owner_api.post(list_url(board.project.pk), payload, format="json")

    assert response.status_code == 201
    assert response.json()["position"] == 1
    assert cell(board.search, board.mvp) == ["Search by keyword", "Autocomplete", "Filter by price"]
    assert positions(Story.objects.filter(step=board.search, release=board.mvp)) == [0, 1, 2]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": "No step"}, "step"),
        ({"step": None, "title": "Null step"}, "step"),
        ({"step": 999_999, "title": "Missing step"}, "step"),
        ({"step": 99_999_999_999_999_999_999, "title": "Huge step id"}, "step"),
        ({"step": "search", "title": "Step by name"}, "step"),
        ({"step": "OTHER.search", "title": "Step of another project"}, "step"),
        ({"step": "FOREIGN.search", "title": "Step of another user"}, "step"),
        ({"step": "MINE.search", "release": "OTHER.mvp", "title": "Release of another project"}, "release"),
        ({"step": "MINE.search", "release": "FOREIGN.mvp", "title": "Release of another user"}, "release"),
        ({"step": "MINE.search", "release": 999_999, "title": "Missing release"}, "release"),
        ({"step": "MINE.search", "persona": "OTHER.shopper", "title": "Persona of another project"}, "persona"),
        ({"step": "MINE.search", "persona": "FOREIGN.shopper", "title": "Persona of another user"}, "persona"),
        ({"step": "MINE.search"}, "title"),
        ({"step": "MINE.search", "title": ""}, "title"),
        ({"step": "MINE.search", "title": "   "}, "title"),
        ({"step": "MINE.search", "title": "x" * 201}, "title"),
        ({"step": "MINE.search", "title": None}, "title"),
        ({"step": "MINE.search", "title": ["a", "list"]}, "title"),
        ({"step": "MINE.search", "title": "Fine", "description": "x" * 4001}, "description"),
        ({"step": "MINE.search", "title": "Fine", "status": "blocked"}, "status"),
        ({"step": "MINE.search", "title": "Fine", "status": None}, "status"),
        ({"step": "MINE.search", "title": "Fine", "priority": "urgent"}, "priority"),
        ({"step": "MINE.search", "title": "Fine", "estimate": -1}, "estimate"),
        ({"step": "MINE.search", "title": "Fine", "estimate": 2**31}, "estimate"),
        ({"step": "MINE.search", "title": "Fine", "estimate": "three"}, "estimate"),
        ({"step": "MINE.search", "title": "Fine", "estimate": 1.5}, "estimate"),
        ({"step": "MINE.search", "title": "Fine", "position": -1}, "position"),
        ({"step": "MINE.search", "title": "Fine", "acceptance_criteria": "Works"}, "acceptance_criteria"),
        ({"step": "MINE.search", "title": "Fine", "acceptance_criteria": [1, 2]}, "acceptance_criteria"),
        ({"step": "MINE.search", "title": "Fine", "acceptance_criteria": [None]}, "acceptance_criteria"),
        ({"step": "MINE.search", "title": "Fine", "acceptance_criteria": {"a": "b"}}, "acceptance_criteria"),
        ({"step": "MINE.search", "title": "Fine", "acceptance_criteria": None}, "acceptance_criteria"),
        ({"step": "MINE.search", "title": "Fine", "acceptance_criteria": ["x" * 501]}, "acceptance_criteria"),
        (
            {"step": "MINE.search", "title": "Fine", "acceptance_criteria": [f"C{n}" for n in range(51)]},
            "acceptance_criteria",
        ),
    ],
)
def test_creating_a_story_with_a_bad_field_is_refused_naming_it_and_saves_nothing(owner_api, boards, payload, field):
    before = snapshot()

    response = owner_api.post(list_url(boards.mine.project.pk), boards.resolve(payload), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


def test_creating_a_story_with_malformed_json_is_a_400(owner_api, owner):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.post(list_url(board.project.pk), '{"title": "oops",', content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert snapshot() == before


# --- Detail and update -------------------------------------------------------------------------


def test_story_detail(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(detail_url(board.card.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == STORY_FIELDS
    assert (body["id"], body["step"], body["release"], body["title"], body["estimate"]) == (
        board.card.pk,
        board.pay.pk,
        board.later.pk,
        "Pay by card",
        5,
    )


def test_patching_a_story_without_a_version_just_writes_and_raises_the_version(owner_api, owner):
    board = build_board(owner)
    payload = {
        "title": "Search by words",
        "status": "done",
        "priority": "wont",
        "estimate": None,
        "persona": None,
        "acceptance_criteria": ["Any word"],
        "description": "Full text.",
    }

    response = owner_api.patch(detail_url(board.keyword.pk), payload, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert {key: body[key] for key in payload} == payload
    assert (body["version"], body["step"], body["release"], body["position"]) == (2, board.search.pk, board.mvp.pk, 0)
    story = Story.objects.get(pk=board.keyword.pk)
    assert (story.title, story.status, story.estimate, story.persona_id, story.version) == (
        "Search by words",
        "done",
        None,
        None,
        2,
    )


def test_patching_a_story_sets_a_persona_of_the_project(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(detail_url(board.card.pk), {"persona": board.shopper.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["persona"] == board.shopper.pk


def test_patching_a_story_with_the_current_version_writes(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(detail_url(board.card.pk), {"title": "Pay by phone", "version": 1}, format="json")

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["version"]) == ("Pay by phone", 2)


def test_patching_a_story_with_a_stale_version_is_a_409_with_the_story_as_it_is_now(owner_api, owner):
    board = build_board(owner)
    assert owner_api.patch(detail_url(board.card.pk), {"title": "Pay by phone"}, format="json").status_code == 200
    current = owner_api.get(detail_url(board.card.pk)).json()
    before = snapshot()

    response = owner_api.patch(detail_url(board.card.pk), {"title": "Pay by cash", "version": 1}, format="json")

    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "current"}
    assert body["detail"]
    assert body["current"] == current
    assert (body["current"]["title"], body["current"]["version"]) == ("Pay by phone", 2)
    assert snapshot() == before


def test_patching_a_story_to_another_step_and_release_puts_it_at_the_end_of_that_cell(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(
        detail_url(board.keyword.pk), {"step": board.pay.pk, "release": board.later.pk}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["step"], body["release"], body["position"], body["version"]) == (board.pay.pk, board.later.pk, 1, 2)
    assert cell(board.pay, board.later) == ["Pay by card", "Search by keyword"]
    assert cell(board.search, board.mvp) == ["Filter by price"]
    assert positions(Story.objects.filter(step=board.search, release=board.mvp)) == [0]


def test_patching_a_story_release_to_null_moves_it_to_unplanned(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(detail_url(board.keyword.pk), {"release": None}, format="json")

    assert response.status_code == 200
    assert (response.json()["release"], response.json()["position"]) == (None, 1)
    assert cell(board.search, None) == ["Saved searches", "Search by keyword"]
    assert positions(Story.objects.filter(step=board.search, release=board.mvp)) == [0]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"step": "OTHER.search"}, "step"),
        ({"step": "FOREIGN.search"}, "step"),
        ({"step": None}, "step"),
        ({"release": "OTHER.mvp"}, "release"),
        ({"release": "FOREIGN.mvp"}, "release"),
        ({"persona": "OTHER.shopper"}, "persona"),
        ({"persona": 999_999}, "persona"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"status": "blocked"}, "status"),
        ({"priority": "high"}, "priority"),
        ({"estimate": -5}, "estimate"),
        ({"acceptance_criteria": "Works"}, "acceptance_criteria"),
        ({"acceptance_criteria": [True]}, "acceptance_criteria"),
        ({"version": "latest"}, "version"),
        ({"version": 0}, "version"),
        ({"title": "Fine", "estimate": -1}, "estimate"),
    ],
)
def test_patching_a_story_with_a_bad_field_is_refused_naming_it_and_changes_nothing(owner_api, boards, payload, field):
    before = snapshot()

    response = owner_api.patch(detail_url(boards.mine.keyword.pk), boards.resolve(payload), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


# --- Delete -------------------------------------------------------------------------------


def test_deleting_a_story_closes_the_gap_in_its_cell(owner_api, owner):
    board = build_board(owner)

    response = owner_api.delete(detail_url(board.keyword.pk))

    assert response.status_code == 204
    assert not Story.objects.filter(pk=board.keyword.pk).exists()
    assert cell(board.search, board.mvp) == ["Filter by price"]
    assert positions(Story.objects.filter(step=board.search, release=board.mvp)) == [0]


# --- Move ---------------------------------------------------------------------------------


def test_moving_a_story_within_its_cell(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(
        move_url(board.price.pk), {"step": board.search.pk, "release": board.mvp.pk, "position": 0}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["position"], response.json()["version"]) == (0, 2)
    assert cell(board.search, board.mvp) == ["Filter by price", "Search by keyword"]
    assert positions(Story.objects.filter(step=board.search, release=board.mvp)) == [0, 1]


def test_moving_a_story_to_another_step_and_release(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(
        move_url(board.keyword.pk), {"step": board.pay.pk, "release": board.later.pk, "position": 0}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["step"], body["release"], body["position"], body["version"]) == (board.pay.pk, board.later.pk, 0, 2)
    assert cell(board.pay, board.later) == ["Search by keyword", "Pay by card"]
    assert positions(Story.objects.filter(step=board.pay, release=board.later)) == [0, 1]
    assert cell(board.search, board.mvp) == ["Filter by price"]
    assert positions(Story.objects.filter(step=board.search, release=board.mvp)) == [0]


def test_moving_a_story_to_unplanned(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(
        move_url(board.keyword.pk), {"step": board.search.pk, "release": None, "position": 0}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["release"], response.json()["position"]) == (None, 0)
    assert cell(board.search, None) == ["Search by keyword", "Saved searches"]
    assert positions(Story.objects.filter(step=board.search, release=None)) == [0, 1]
    assert positions(Story.objects.filter(step=board.search, release=board.mvp)) == [0]


def test_moving_a_story_past_the_end_of_a_cell_puts_it_last(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(
        move_url(board.card.pk), {"step": board.search.pk, "release": board.mvp.pk, "position": 50}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["position"] == 2
    assert cell(board.search, board.mvp) == ["Search by keyword", "Filter by price", "Pay by card"]
    assert Story.objects.filter(step=board.pay).count() == 0


def test_a_series_of_moves_keeps_every_cell_gapless(owner_api, owner):
    board = build_board(owner)
    moves = [
        (board.saved, board.search, board.mvp, 0),
        (board.card, board.search, board.mvp, 1),
        (board.keyword, board.view, None, 0),
        (board.price, board.view, None, 0),
        (board.saved, board.view, board.later, 3),
    ]

    for story, step, release, position in moves:
        payload = {"step": step.pk, "release": release.pk if release else None, "position": position}
        assert owner_api.post(move_url(story.pk), payload, format="json").status_code == 200

    assert cell(board.search, board.mvp) == ["Pay by card"]
    assert cell(board.view, None) == ["Filter by price", "Search by keyword"]
    assert cell(board.view, board.later) == ["Saved searches"]
    for step in (board.search, board.view, board.pay):
        for release in (board.mvp, board.later, None):
            in_cell = Story.objects.filter(step=step, release=release)
            assert positions(in_cell) == list(range(in_cell.count()))


def test_moving_a_story_with_the_current_version(owner_api, owner):
    board = build_board(owner)
    payload = {"step": board.view.pk, "release": None, "position": 0, "version": 1}

    response = owner_api.post(move_url(board.keyword.pk), payload, format="json")

    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_moving_a_story_with_a_stale_version_is_a_409_and_moves_nothing(owner_api, owner):
    board = build_board(owner)
    owner_api.patch(detail_url(board.keyword.pk), {"status": "done"}, format="json")
    before = snapshot()
    payload = {"step": board.view.pk, "release": None, "position": 0, "version": 1}

    response = owner_api.post(move_url(board.keyword.pk), payload, format="json")

    assert response.status_code == 409
    assert response.json()["current"]["version"] == 2
    assert response.json()["current"]["step"] == board.search.pk
    assert snapshot() == before


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"release": None, "position": 0}, "step"),
        ({"step": "MINE.view", "position": 0}, "release"),
        ({"step": "MINE.view", "release": None}, "position"),
        ({"step": "MINE.view", "release": None, "position": -1}, "position"),
        ({"step": "OTHER.view", "release": None, "position": 0}, "step"),
        ({"step": "FOREIGN.view", "release": None, "position": 0}, "step"),
        ({"step": "MINE.view", "release": "OTHER.mvp", "position": 0}, "release"),
        ({"step": "MINE.view", "release": "FOREIGN.mvp", "position": 0}, "release"),
        ({"step": "MINE.view", "release": 999_999, "position": 0}, "release"),
        ({"step": "MINE.view", "release": None, "position": 0, "version": "new"}, "version"),
    ],
)
def test_moving_a_story_with_a_bad_field_is_refused_naming_it_and_moves_nothing(owner_api, boards, payload, field):
    before = snapshot()

    response = owner_api.post(move_url(boards.mine.keyword.pk), boards.resolve(payload), format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before
