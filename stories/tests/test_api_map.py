import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.services import project_create
from stories import services
from stories.tests.test_api_support import build_big_board, build_board

pytestmark = pytest.mark.django_db


def map_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/map/"


def test_the_map_has_the_whole_board_in_board_order(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(map_url(board.project.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"project", "personas", "releases", "activities"}
    assert set(body["project"]) == {"id", "name", "description", "label_names", "created", "updated"}
    assert (body["project"]["id"], body["project"]["name"]) == (board.project.pk, "Shop")
    assert body["personas"] == [
        {"id": board.shopper.pk, "name": "Shopper", "description": "", "goals": ["Find it fast"], "position": 0}
    ]
    assert body["releases"] == [
        {"id": board.mvp.pk, "name": "MVP", "goal": "Sell the first thing.", "position": 0},
        {"id": board.later.pk, "name": "Later", "goal": "", "position": 1},
    ]
    assert [(a["id"], a["title"], a["position"]) for a in body["activities"]] == [
        (board.browse.pk, "Browse", 0),
        (board.buy.pk, "Buy", 1),
    ]
    browse, buy = body["activities"]
    assert set(browse) == {"id", "title", "description", "position", "steps"}
    assert [(s["id"], s["title"], s["position"]) for s in browse["steps"]] == [
        (board.search.pk, "Search", 0),
        (board.view.pk, "View item", 1),
    ]
    search, view = browse["steps"]
    assert set(search) == {"id", "title", "description", "position", "stories"}
    # Down the column: the top release's cell first, Unplanned last.
    assert [s["id"] for s in search["stories"]] == [board.keyword.pk, board.price.pk, board.saved.pk]
    assert view["stories"] == []
    assert [s["id"] for s in buy["steps"][0]["stories"]] == [board.card.pk]
    assert search["stories"][0] == {
        "id": board.keyword.pk,
        "title": "Search by keyword",
        "description": "",
        "acceptance_criteria": ["Matches titles", "Ignores case"],
        "status": "todo",
        "priority": "must",
        "estimate": 3,
        "labels": [],
        "persona": board.shopper.pk,
        "release": board.mvp.pk,
        "position": 0,
        "version": 1,
    }
    assert search["stories"][2]["release"] is None
    assert search["stories"][2]["persona"] is None


def test_the_map_follows_the_board_after_moves(owner_api, owner):
    board = build_board(owner)
    services.activity_move(activity=board.buy, position=0)
    services.release_move(release=board.later, position=0)
    services.story_move(story=board.saved, step=board.search, release=board.later, position=0)

    body = owner_api.get(map_url(board.project.pk)).json()

    assert [a["title"] for a in body["activities"]] == ["Buy", "Browse"]
    assert [r["name"] for r in body["releases"]] == ["Later", "MVP"]
    search = body["activities"][1]["steps"][0]
    assert [s["title"] for s in search["stories"]] == ["Saved searches", "Search by keyword", "Filter by price"]


def test_an_empty_project_has_an_empty_map(owner_api, owner):
    project = project_create(owner=owner, name="Empty")

    body = owner_api.get(map_url(project.pk)).json()

    assert body["personas"] == body["releases"] == body["activities"] == []


def test_a_thousand_story_map_loads_in_as_few_queries_as_a_tiny_one(owner_api, owner, django_assert_max_num_queries):
    tiny = build_big_board(owner, activities=1, steps=1, releases=1, stories=1, name="Tiny")
    big = build_big_board(owner, name="Big")

    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as tiny_queries:
        tiny_response = owner_api.get(map_url(tiny.pk))
    with django_assert_max_num_queries(10), CaptureQueriesContext(connection) as big_queries:
        big_response = owner_api.get(map_url(big.pk))

    assert tiny_response.status_code == big_response.status_code == 200
    assert len(big_queries) == len(tiny_queries)
    body = big_response.json()
    assert len(body["activities"]) == 10
    assert [len(activity["steps"]) for activity in body["activities"]] == [5] * 10
    assert sum(len(step["stories"]) for a in body["activities"] for step in a["steps"]) == 1000
    first_column = body["activities"][0]["steps"][0]["stories"]
    release_ids = [release["id"] for release in body["releases"]]
    assert [story["release"] for story in first_column] == [rid for rid in release_ids for _ in range(5)]
    assert [story["position"] for story in first_column] == [0, 1, 2, 3, 4] * 4
