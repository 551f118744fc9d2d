import pytest

from stories.models import Step, Story
from stories.tests.test_api_support import build_board, positions, snapshot, titles

pytestmark = pytest.mark.django_db

STEP_FIELDS = {"id", "activity", "title", "description", "position"}


def list_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/steps/"


def detail_url(step_id: int) -> str:
    return f"/api/v1/steps/{step_id}/"


def move_url(step_id: int) -> str:
    return f"/api/v1/steps/{step_id}/move/"


def test_step_list_runs_left_to_right_across_the_board(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(list_url(board.project.pk))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert body["results"][0] == {
        "id": board.search.pk,
        "activity": board.browse.pk,
        "title": "Search",
        "description": "",
        "position": 0,
    }
    assert [(s["id"], s["activity"], s["position"]) for s in body["results"]] == [
        (board.search.pk, board.browse.pk, 0),
        (board.view.pk, board.browse.pk, 1),
        (board.pay.pk, board.buy.pk, 0),
    ]


def test_step_list_follows_the_activities_order(owner_api, owner):
    board = build_board(owner)
    owner_api.post(f"/api/v1/activities/{board.buy.pk}/move/", {"position": 0}, format="json")

    results = owner_api.get(list_url(board.project.pk)).json()["results"]

    assert [step["title"] for step in results] == ["Pay", "Search", "View item"]


def test_creating_a_step_puts_it_at_the_end_of_its_activity(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(
        list_url(board.project.pk),
        {"activity": board.browse.pk, "title": "Compare", "description": "Side by side"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert set(body) == STEP_FIELDS
    assert (body["activity"], body["title"], body["description"], body["position"]) == (
        board.browse.pk,
        "Compare",
        "Side by side",
        2,
    )


def test_creating_a_step_at_a_position_shifts_its_siblings(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(
        list_url(board.project.pk), {"activity": board.browse.pk, "title": "Land", "position": 0}, format="json"
    )

    assert response.status_code == 201
    assert titles(board.browse.steps.all()) == ["Land", "Search", "View item"]
    assert positions(board.browse.steps.all()) == [0, 1, 2]
    assert positions(board.buy.steps.all()) == [0]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"title": "No activity"}, "activity"),
        ({"activity": None, "title": "Null activity"}, "activity"),
        ({"activity": 999_999, "title": "Missing activity"}, "activity"),
        ({"activity": 99_999_999_999_999_999_999, "title": "Huge id"}, "activity"),
        ({"activity": "browse", "title": "Not an id"}, "activity"),
        ({"activity": True, "title": "A boolean"}, "activity"),
        ({"activity": "OTHER", "title": "Another project's activity"}, "activity"),
        ({"activity": "OUTSIDER", "title": "Another user's activity"}, "activity"),
        ({"activity": "OWN"}, "title"),
        ({"activity": "OWN", "title": "x" * 201}, "title"),
        ({"activity": "OWN", "title": "Fine", "position": -1}, "position"),
    ],
)
def test_creating_a_step_with_a_bad_field_is_refused_and_saves_nothing(owner_api, owner, outsider, payload, field):
    board = build_board(owner)
    other = build_board(owner, name="Other")
    foreign = build_board(outsider, name="Foreign")
    stand_ins = {"OWN": board.browse.pk, "OTHER": other.browse.pk, "OUTSIDER": foreign.browse.pk}
    payload = {key: stand_ins.get(value, value) if isinstance(value, str) else value for key, value in payload.items()}
    before = snapshot()

    response = owner_api.post(list_url(board.project.pk), payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert snapshot() == before


def test_creating_a_step_under_another_projects_activity_names_the_activity(owner_api, owner):
    board = build_board(owner)
    other = build_board(owner, name="Other")

    response = owner_api.post(
        list_url(board.project.pk), {"activity": other.browse.pk, "title": "Misplaced"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"activity": [f"There is no activity with id {other.browse.pk} in this project."]}


def test_step_detail(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(detail_url(board.pay.pk))

    assert response.status_code == 200
    assert response.json() == {
        "id": board.pay.pk,
        "activity": board.buy.pk,
        "title": "Pay",
        "description": "",
        "position": 0,
    }


def test_patching_a_step_changes_title_and_description(owner_api, owner):
    board = build_board(owner)

    response = owner_api.patch(detail_url(board.pay.pk), {"title": "Checkout", "description": "Cards"}, format="json")

    assert response.status_code == 200
    assert (response.json()["title"], response.json()["description"]) == ("Checkout", "Cards")
    board.pay.refresh_from_db()
    assert board.pay.title == "Checkout"


@pytest.mark.parametrize("payload", [{"title": ""}, {"title": "x" * 201}, {"description": ["no"]}])
def test_patching_a_step_with_a_bad_field_is_refused(owner_api, owner, payload):
    board = build_board(owner)
    before = snapshot()

    response = owner_api.patch(detail_url(board.pay.pk), payload, format="json")

    assert response.status_code == 400
    assert set(payload) <= set(response.json())
    assert snapshot() == before


def test_deleting_a_step_removes_its_stories_and_closes_the_gap(owner_api, owner):
    board = build_board(owner)

    response = owner_api.delete(detail_url(board.search.pk))

    assert response.status_code == 204
    assert titles(board.browse.steps.all()) == ["View item"]
    assert positions(board.browse.steps.all()) == [0]
    assert list(Story.objects.values_list("title", flat=True)) == ["Pay by card"]


def test_moving_a_step_within_its_activity(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(move_url(board.view.pk), {"position": 0}, format="json")

    assert response.status_code == 200
    assert response.json()["position"] == 0
    assert titles(board.browse.steps.all()) == ["View item", "Search"]
    assert positions(board.browse.steps.all()) == [0, 1]


def test_moving_a_step_to_another_activity_takes_its_stories_and_closes_both_gaps(owner_api, owner):
    board = build_board(owner)

    response = owner_api.post(move_url(board.search.pk), {"position": 1, "activity": board.buy.pk}, format="json")

    assert response.status_code == 200
    assert (response.json()["activity"], response.json()["position"]) == (board.buy.pk, 1)
    assert titles(board.browse.steps.all()) == ["View item"]
    assert positions(board.browse.steps.all()) == [0]
    assert titles(board.buy.steps.all()) == ["Pay", "Search"]
    assert positions(board.buy.steps.all()) == [0, 1]
    assert Story.objects.filter(step=board.search).count() == 3


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "position"),
        ({"position": -1}, "position"),
        ({"position": 0, "activity": "OTHER"}, "activity"),
        ({"position": 0, "activity": "OUTSIDER"}, "activity"),
        ({"position": 0, "activity": 999_999}, "activity"),
    ],
)
def test_moving_a_step_with_a_bad_field_is_refused_and_changes_nothing(owner_api, owner, outsider, payload, field):
    board = build_board(owner)
    stand_ins = {"OTHER": build_board(owner, name="Other").buy.pk, "OUTSIDER": build_board(outsider).buy.pk}
    payload = {key: stand_ins.get(value, value) if isinstance(value, str) else value for key, value in payload.items()}
    before = snapshot()

    response = owner_api.post(move_url(board.search.pk), payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert snapshot() == before
    assert Step.objects.get(pk=board.search.pk).activity_id == board.browse.pk
