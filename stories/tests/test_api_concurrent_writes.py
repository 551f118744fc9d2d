"""Writes racing a write by someone else, between a request's lookup and its service's lock.

Each test lets another request commit a move between this request's lookup
(`map_object_get_for_user` in the view) and the service locking the project,
which is exactly what two people on one board can do. The services must work
on the object as stored after the lock, not on the caller's earlier copy.
"""

from collections.abc import Callable

import pytest

from stories import services
from stories.api import views
from stories.models import Activity, Persona, Release, Step, Story
from stories.tests.test_api_support import Board, build_board, positions

pytestmark = pytest.mark.django_db


def someone_else_writes_between_lookup_and_lock(monkeypatch, write: Callable[[], object]) -> None:
    real_lookup = views.map_object_get_for_user  # type: ignore[attr-defined]  # patched where the view reads it

    def lookup_then_race(model, *, user, pk, **role):
        found = real_lookup(model, user=user, pk=pk, **role)
        write()
        return found

    monkeypatch.setattr(views, "map_object_get_for_user", lookup_then_race)


def fresh(model, pk):
    return model.objects.get(pk=pk)


def test_renaming_an_activity_keeps_a_move_made_meanwhile(owner_api, owner, monkeypatch):
    board = build_board(owner)
    someone_else_writes_between_lookup_and_lock(
        monkeypatch, lambda: services.activity_move(activity=fresh(Activity, board.buy.pk), position=0)
    )

    response = owner_api.patch(f"/api/v1/activities/{board.buy.pk}/", {"title": "Purchase"}, format="json")

    assert response.status_code == 200
    assert list(Activity.objects.order_by("position", "pk").values_list("title", "position")) == [
        ("Purchase", 0),
        ("Browse", 1),
    ]


def test_renaming_a_step_keeps_a_move_to_another_activity_made_meanwhile(owner_api, owner, monkeypatch):
    board = build_board(owner)
    someone_else_writes_between_lookup_and_lock(
        monkeypatch, lambda: services.step_move(step=fresh(Step, board.search.pk), position=0, activity=board.buy)
    )

    response = owner_api.patch(f"/api/v1/steps/{board.search.pk}/", {"title": "Find"}, format="json")

    assert response.status_code == 200
    assert fresh(Step, board.search.pk).activity_id == board.buy.pk
    assert positions(board.buy.steps.all()) == [0, 1]
    assert positions(board.browse.steps.all()) == [0]


def test_renaming_a_release_keeps_a_move_made_meanwhile(owner_api, owner, monkeypatch):
    board = build_board(owner)
    someone_else_writes_between_lookup_and_lock(
        monkeypatch, lambda: services.release_move(release=fresh(Release, board.later.pk), position=0)
    )

    response = owner_api.patch(f"/api/v1/releases/{board.later.pk}/", {"name": "Soon"}, format="json")

    assert response.status_code == 200
    assert list(Release.objects.order_by("position", "pk").values_list("name", "position")) == [
        ("Soon", 0),
        ("MVP", 1),
    ]


def test_renaming_a_persona_keeps_the_order_after_a_delete_made_meanwhile(owner_api, owner, monkeypatch):
    board = build_board(owner)
    admin = services.persona_create(project=board.project, name="Admin")
    someone_else_writes_between_lookup_and_lock(
        monkeypatch, lambda: services.persona_delete(persona=fresh(Persona, board.shopper.pk))
    )

    response = owner_api.patch(f"/api/v1/personas/{admin.pk}/", {"name": "Shop admin"}, format="json")

    assert response.status_code == 200
    assert positions(board.project.personas.all()) == [0]


def test_patching_a_story_title_keeps_a_move_made_meanwhile(owner_api, owner, monkeypatch):
    board = build_board(owner)
    someone_else_writes_between_lookup_and_lock(
        monkeypatch,
        lambda: services.story_move(story=fresh(Story, board.keyword.pk), step=board.pay, release=None, position=0),
    )

    response = owner_api.patch(f"/api/v1/stories/{board.keyword.pk}/", {"title": "Search by words"}, format="json")

    assert response.status_code == 200
    story = fresh(Story, board.keyword.pk)
    assert (story.step_id, story.release_id) == (board.pay.pk, None)


def test_deleting_a_story_closes_the_gap_in_the_cell_it_was_moved_to_meanwhile(owner_api, owner, monkeypatch):
    board: Board = build_board(owner)
    someone_else_writes_between_lookup_and_lock(
        monkeypatch,
        lambda: services.story_move(
            story=fresh(Story, board.keyword.pk), step=board.pay, release=board.later, position=0
        ),
    )

    response = owner_api.delete(f"/api/v1/stories/{board.keyword.pk}/")

    assert response.status_code == 204
    assert positions(Story.objects.filter(step=board.pay, release=board.later)) == [0]


def test_deleting_a_step_closes_the_gap_in_the_activity_it_was_moved_to_meanwhile(owner_api, owner, monkeypatch):
    board = build_board(owner)
    someone_else_writes_between_lookup_and_lock(
        monkeypatch, lambda: services.step_move(step=fresh(Step, board.search.pk), position=0, activity=board.buy)
    )

    response = owner_api.delete(f"/api/v1/steps/{board.search.pk}/")

    assert response.status_code == 204
    assert positions(board.buy.steps.all()) == [0]
