"""Story writes through the API: 30 a minute per user ("story-write"), then 429 with Retry-After."""

import pytest

from conftest import bearer_client
from stories.models import Story
from stories.tests.test_api_support import build_board, snapshot

pytestmark = pytest.mark.django_db


def assert_rate_limited(response) -> None:
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    retry_after = response["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= 60


def create_story(client, board, title: str):
    return client.post(
        f"/api/v1/projects/{board.project.pk}/stories/", {"step": board.search.pk, "title": title}, format="json"
    )


def test_thirty_story_writes_a_minute_pass_and_the_31st_is_429(owner_api, owner, frozen_ratelimit_clock):
    board = build_board(owner)
    for number in range(30):
        assert create_story(owner_api, board, f"Story {number}").status_code == 201
    before = snapshot()

    response = owner_api.patch(f"/api/v1/stories/{board.keyword.pk}/", {"title": "One too many"}, format="json")

    assert_rate_limited(response)
    assert snapshot() == before


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("post", "/api/v1/projects/{project}/stories/", {"step": "{search}", "title": "New"}),
        ("patch", "/api/v1/stories/{keyword}/", {"title": "Changed"}),
        ("delete", "/api/v1/stories/{keyword}/", None),
    ],
    ids=["create", "update", "delete"],
)
def test_every_kind_of_story_write_is_limited(owner_api, owner, frozen_ratelimit_clock, method, path, payload):
    board = build_board(owner)
    ids = {"project": board.project.pk, "search": board.search.pk, "keyword": board.keyword.pk, "pay": board.pay.pk}
    for _ in range(30):
        owner_api.patch(f"/api/v1/stories/{board.price.pk}/", {"status": "done"}, format="json")
    before = snapshot()
    if payload is not None:
        payload = {k: int(v.format(**ids)) if isinstance(v, str) and "{" in v else v for k, v in payload.items()}

    response = getattr(owner_api, method)(path.format(**ids), payload, format="json")

    assert_rate_limited(response)
    assert snapshot() == before


def test_refused_story_writes_count_towards_the_limit(owner_api, owner, frozen_ratelimit_clock):
    board = build_board(owner)
    for _ in range(30):
        assert create_story(owner_api, board, "").status_code == 400

    assert_rate_limited(create_story(owner_api, board, "Valid at last"))


def test_the_story_write_limit_leaves_reads_and_other_writes_alone(owner_api, owner, frozen_ratelimit_clock):
    board = build_board(owner)
    for number in range(31):
        create_story(owner_api, board, f"Story {number}")
    assert_rate_limited(create_story(owner_api, board, "Still limited"))

    assert owner_api.get(f"/api/v1/stories/{board.keyword.pk}/").status_code == 200
    assert owner_api.get(f"/api/v1/projects/{board.project.pk}/stories/").status_code == 200
    assert owner_api.get(f"/api/v1/projects/{board.project.pk}/map/").status_code == 200
    activity = owner_api.post(f"/api/v1/projects/{board.project.pk}/activities/", {"title": "More"}, format="json")
    assert activity.status_code == 201
    assert owner_api.post(f"/api/v1/releases/{board.later.pk}/move/", {"position": 0}, format="json").status_code == 200
    assert (
        owner_api.patch(f"/api/v1/projects/{board.project.pk}/", {"name": "Renamed"}, format="json").status_code == 200
    )


def test_one_users_story_write_limit_leaves_another_user_alone(owner_api, owner, member, frozen_ratelimit_clock):
    board = build_board(owner)
    members_board = build_board(member, name="Mel's")
    for number in range(31):
        create_story(owner_api, board, f"Story {number}")

    response = create_story(bearer_client(member), members_board, "Mel's story")

    assert response.status_code == 201
    assert Story.objects.filter(title="Mel's story").exists()
