"""The map endpoint's fast path: plain dicts, and a map read once per version of it.

`StoryMapSerializer` builds its answer without nested serializers, and
`story_map_json` keeps it rendered per process under the project's map_version. These
tests hold both to the slow, obvious answer: the nested serializers over a
fresh `story_map_get`, after every kind of write the board and the API make.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stories import services
from stories.api.serializers import (
    MapActivitySerializer,
    PersonaSerializer,
    ReleaseSerializer,
    StoryMapSerializer,
)
from stories.document import IMPORTED_LIMITS, document_parse
from stories.models import Story
from stories.selectors import document_from_map, story_map_get
from stories.tests.test_api_support import Board, build_board

pytestmark = pytest.mark.django_db


def map_url(project_id: int) -> str:
    return f"/api/v1/projects/{project_id}/map/"


def reference_map(project) -> dict[str, Any]:
    """The map as the nested serializers give it, read fresh from the database."""
    from projects.api.serializers import ProjectSummarySerializer

    story_map = story_map_get(project=project)
    return {
        "project": ProjectSummarySerializer(story_map.project).data,
        "personas": PersonaSerializer(story_map.personas, many=True).data,
        "releases": ReleaseSerializer(story_map.releases, many=True).data,
        "activities": MapActivitySerializer(story_map.activities, many=True).data,
    }


def as_json(data: Any) -> Any:
    import json

    from rest_framework.renderers import JSONRenderer

    return json.loads(JSONRenderer().render(data))


def test_the_plain_map_is_what_the_nested_serializers_give(owner):
    board = build_board(owner)
    services.story_update(story=board.price, description="Under 20 €", status="done")

    fast = StoryMapSerializer().to_representation(story_map_get(project=board.project))

    assert as_json(fast) == as_json(reference_map(board.project))
    assert fast["activities"][0]["steps"][0]["stories"][0]["acceptance_criteria"] == ["Matches titles", "Ignores case"]


def test_an_unchanged_map_is_answered_without_reading_its_stories_again(owner_api, owner):
    board = build_board(owner)
    first = owner_api.get(map_url(board.project.pk))

    with CaptureQueriesContext(connection) as queries:
        again = owner_api.get(map_url(board.project.pk))

    assert again.status_code == 200
    assert again.json() == first.json()
    story_reads = [q["sql"] for q in queries if 'FROM "stories_story"' in q["sql"] and "SUM(" not in q["sql"]]
    assert story_reads == [], "the stories were read again although nothing changed"


def write_story_title(board: Board) -> None:
    services.story_update(story=board.keyword, title="Search by any word")


def write_story_order(board: Board) -> None:
    # Only positions change for the card that is not moved: the renumbering leaves its version alone.
    services.story_move(story=board.price, step=board.search, release=board.mvp, position=0)


def write_story_cell(board: Board) -> None:
    services.story_move(story=board.saved, step=board.view, release=board.later)


def write_story_create(board: Board) -> None:
    services.story_create(project=board.project, step=board.pay, release=None, title="Pay later")


def write_story_delete(board: Board) -> None:
    services.story_delete(story=board.price)


def write_activity(board: Board) -> None:
    services.activity_update(activity=board.buy, title="Checkout")


def write_activity_order(board: Board) -> None:
    services.activity_move(activity=board.buy, position=0)


def write_step(board: Board) -> None:
    services.step_update(step=board.view, description="Photos and price")


def write_step_move(board: Board) -> None:
    services.step_move(step=board.view, activity=board.buy, position=0)


def write_release(board: Board) -> None:
    services.release_update(release=board.mvp, goal="Sell anything.")


def write_release_delete(board: Board) -> None:
    services.release_delete(release=board.later)


def write_persona(board: Board) -> None:
    services.persona_update(persona=board.shopper, goals=["Find it fast", "Pay once"])


def write_persona_delete(board: Board) -> None:
    services.persona_delete(persona=board.shopper)


def write_import_replace(board: Board) -> None:
    document = document_from_map(project=board.project)
    document["activities"][0]["steps"][0]["stories"][0]["title"] = "Imported title"
    services.map_import(
        project=board.project, document=document_parse(document, limits=IMPORTED_LIMITS), mode="replace"
    )


WRITES: list[Callable[[Board], None]] = [
    write_story_title,
    write_story_order,
    write_story_cell,
    write_story_create,
    write_story_delete,
    write_activity,
    write_activity_order,
    write_step,
    write_step_move,
    write_release,
    write_release_delete,
    write_persona,
    write_persona_delete,
    write_import_replace,
]


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__.removeprefix("write_") for w in WRITES])
def test_the_map_shows_every_write_at_once(owner_api, owner, write):
    board = build_board(owner)
    before = owner_api.get(map_url(board.project.pk)).json()

    write(board)
    after = owner_api.get(map_url(board.project.pk))

    assert after.status_code == 200
    assert after.json() != before, "the write should change the map"
    board.project.refresh_from_db()
    assert after.json() == as_json(reference_map(board.project))


def test_each_project_has_its_own_map(owner_api, owner):
    shop = build_board(owner, name="Shop")
    other = build_board(owner, name="Other shop")
    Story.objects.filter(project=other.project).delete()

    shop_map = owner_api.get(map_url(shop.project.pk)).json()
    other_map = owner_api.get(map_url(other.project.pk)).json()

    assert shop_map["project"]["name"] == "Shop"
    assert other_map["project"]["name"] == "Other shop"
    assert all(step["stories"] == [] for activity in other_map["activities"] for step in activity["steps"])


def test_a_map_written_to_all_day_keeps_one_cached_version(owner_api, owner):
    from stories.api import serializers

    board = build_board(owner)
    serializers._map_cache.clear()

    for n in range(5):
        services.story_update(story=board.keyword, title=f"Search, take {n}")
        assert owner_api.get(map_url(board.project.pk)).status_code == 200

    # Past versions can never be asked for again: keeping them would grow each worker's memory with every write.
    assert list(serializers._map_cache) == [board.project.pk]


def test_a_client_holding_the_current_map_gets_304_until_it_changes(owner_api, owner):
    board = build_board(owner)
    first = owner_api.get(map_url(board.project.pk))
    etag = first.headers["ETag"]
    assert first["Content-Type"] == "application/json"

    unchanged = owner_api.get(map_url(board.project.pk), headers={"If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.content == b""

    write_story_title(board)
    changed = owner_api.get(map_url(board.project.pk), headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert "Search by any word" in changed.content.decode()


def test_a_client_that_takes_gzip_gets_the_same_map_gzipped(owner_api, owner):
    import gzip
    import json

    board = build_board(owner)
    plain = owner_api.get(map_url(board.project.pk))
    zipped = owner_api.get(map_url(board.project.pk), headers={"Accept-Encoding": "gzip, br"})

    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
