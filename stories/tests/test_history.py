"""Undo, redo and the Trash: every board change comes back as it was, or is refused with a reason."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from projects.services import project_create
from stories import history, services
from stories.limits import TRASH_DAYS, UNDO_DEPTH
from stories.models import Activity, MapChange, Persona, Release, Step, Story
from stories.tests.factories import assert_positions_gapless, board_of, vet_clinic_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


def full_state(project):
    """Everything a person sees of the map, plus where it all sits."""
    return (
        json.dumps(board_of(project)),  # as text, so that order counts
        list(Persona.objects.filter(project=project).order_by("position").values_list("name", "description")),
        list(Release.objects.filter(project=project).order_by("position").values_list("name", "goal")),
        list(
            Story.objects.filter(project=project).order_by("pk").values_list("pk", "title", "persona__name", "estimate")
        ),
    )


def undo(project, user):
    return history.change_undo(project=project, user=user)


def test_deleting_an_activity_with_stories_comes_back_in_place(project, owner):
    services.activity_create(project=project, title="Get reminders", by=owner)
    before = full_state(project)
    check_in = Activity.objects.get(project=project, title="Check in")
    services.activity_delete(activity=check_in, by=owner)
    assert "Check in" not in board_of(project)

    done = undo(project, owner)

    assert done.change.label == "delete activity “Check in”"
    assert full_state(project) == before
    assert list(board_of(project)) == ["Check in", "Pay", "Get reminders"]
    assert done.focus == f"activity-{check_in.pk}"
    assert_positions_gapless(project)


@pytest.mark.parametrize(
    "change",
    [
        "add_story",
        "edit_story",
        "move_story",
        "delete_story",
        "add_step",
        "move_step",
        "delete_step",
        "rename_activity",
        "unchanged_activity",
        "move_activity",
        "add_release",
        "move_release",
        "delete_release",
        "edit_persona",
        "delete_persona",
        "add_persona",
    ],
)
def test_every_board_change_undoes_and_redoes(project, owner, change):
    arrive = Step.objects.get(project=project, title="Arrive")
    desk = Step.objects.get(project=project, title="Pay at the desk")
    mvp = Release.objects.get(project=project, name="mvp")
    card = Story.objects.get(project=project, title="Scan the QR code")
    persona = Persona.objects.get(project=project)
    actions = {
        "add_story": lambda: services.story_create(project=project, step=arrive, title="Wave", by=owner),
        "edit_story": lambda: services.story_update(story=card, title="Scan the code", estimate=3, by=owner),
        "move_story": lambda: services.story_move(story=card, step=desk, release=None, position=0, by=owner),
        "delete_story": lambda: services.story_delete(story=card, by=owner),
        "add_step": lambda: services.step_create(project=project, activity=arrive.activity, title="Wait", by=owner),
        "move_step": lambda: services.step_move(step=arrive, activity=desk.activity, position=0, by=owner),
        "delete_step": lambda: services.step_delete(step=arrive, by=owner),
        "rename_activity": lambda: services.activity_update(activity=arrive.activity, title="Arriving", by=owner),
        "unchanged_activity": lambda: services.activity_update(activity=arrive.activity, title="Check in", by=owner),
        "move_activity": lambda: services.activity_move(activity=arrive.activity, position=1, by=owner),
        "add_release": lambda: services.release_create(project=project, name="Later", position=0, by=owner),
        "move_release": lambda: services.release_move(release=mvp, position=0, by=owner),
        "delete_release": lambda: services.release_delete(release=mvp, by=owner),
        "edit_persona": lambda: services.persona_update(persona=persona, description="Busy", by=owner),
        "delete_persona": lambda: services.persona_delete(persona=persona, by=owner),
        "add_persona": lambda: services.persona_create(project=project, name="Vet", by=owner),
    }
    if change == "move_release":
        services.release_create(project=project, name="Later", by=None)
        mvp = Release.objects.get(project=project, name="Later")
    before = full_state(project)
    actions[change]()
    after = full_state(project)
    assert after != before or change == "unchanged_activity"
    if change == "unchanged_activity":
        # Saving an unchanged title is no change: nothing to undo.
        assert history.history_state(project=project, user=owner).undo is None
        return

    undo(project, owner)
    assert full_state(project) == before
    assert_positions_gapless(project)
    history.change_redo(project=project, user=owner)
    assert full_state(project) == after
    assert_positions_gapless(project)


def test_undo_works_across_reloads_for_the_last_fifty_changes(project, owner):
    activity = Activity.objects.get(project=project, title="Pay")
    for number in range(UNDO_DEPTH + 5):
        services.activity_update(activity=activity, title=f"Pay {number}", by=owner)
    for _ in range(UNDO_DEPTH):
        undo(project, owner)
    assert Activity.objects.get(pk=activity.pk).title == "Pay 4"
    with pytest.raises(history.UndoRefused, match="Nothing to undo"):
        undo(project, owner)


def test_each_person_undoes_only_their_own_changes(project, owner, member):
    card = Story.objects.get(project=project, title="Ring the bell")
    services.story_update(story=card, title="Ring twice", by=owner)
    with pytest.raises(history.UndoRefused, match="Nothing to undo"):
        undo(project, member)
    assert history.history_state(project=project, user=owner).undo.label == "edit story “Ring twice”"


def test_undo_refuses_to_lose_a_later_edit(project, owner, member):
    card = Story.objects.get(project=project, title="Ring the bell")
    services.story_update(story=card, title="Ring twice", by=owner)
    services.story_update(story=card, title="Knock", by=member)

    with pytest.raises(history.UndoRefused, match="“Knock” was changed since"):
        undo(project, owner)
    assert Story.objects.get(pk=card.pk).title == "Knock"


def test_undoing_an_add_refuses_when_the_row_gained_children(project, owner, member):
    activity = services.activity_create(project=project, title="Get reminders", by=owner)
    services.step_create(project=project, activity=activity, title="Choose a channel", by=member)

    with pytest.raises(history.UndoRefused, match="gained steps"):
        undo(project, owner)
    assert Step.objects.filter(activity=activity).exists()


def test_a_neighbour_added_meanwhile_moves_over(project, owner, member):
    arrive = Step.objects.get(project=project, title="Arrive")
    card = Story.objects.get(project=project, title="Ring the bell")
    services.story_delete(story=card, by=owner)
    services.story_create(project=project, step=arrive, title="Wave", position=0, by=member)

    undo(project, owner)

    assert board_of(project)["Check in"]["Arrive"][None] == ["Ring the bell", "Wave"]
    assert_positions_gapless(project)


def test_a_new_change_ends_the_redo_list(project, owner):
    card = Story.objects.get(project=project, title="Ring the bell")
    services.story_update(story=card, title="Ring twice", by=owner)
    undo(project, owner)
    assert history.history_state(project=project, user=owner).redo is not None
    services.story_update(story=card, title="Knock", by=owner)
    assert history.history_state(project=project, user=owner).redo is None


def test_undo_raises_the_version_so_an_open_editor_still_conflicts(project, owner):
    card = Story.objects.get(project=project, title="Ring the bell")
    opened = card.version
    services.story_update(story=card, title="Ring twice", by=owner)
    undo(project, owner)
    with pytest.raises(services.StoryConflict):
        services.story_update(story=card, version=opened, title="Mine")


def test_writes_without_a_person_are_not_recorded(project):
    assert not MapChange.objects.exists()  # the map was built with by=None


# --- The Trash ---------------------------------------------------------------------------


def test_a_deleted_story_comes_back_from_the_trash_in_its_place(project, owner, member):
    arrive = Step.objects.get(project=project, title="Arrive")
    services.story_create(project=project, step=arrive, title="Wave", by=None)
    cell_before = board_of(project)["Check in"]["Arrive"][None]
    card = Story.objects.get(project=project, title="Ring the bell")
    services.story_delete(story=card, by=owner)
    services.story_update(story=Story.objects.get(title="Wave"), title="Wave hello", by=owner)

    items = history.trash_list(project=project)
    assert [(item.noun, item.title) for item in items] == [("story", "Ring the bell")]
    history.trash_restore(change=items[0].change, user=member)

    assert board_of(project)["Check in"]["Arrive"][None] == [cell_before[0], "Wave hello"]
    assert Story.objects.get(pk=card.pk).title == "Ring the bell"
    assert history.trash_list(project=project) == []
    # The deleter's own undo goes on with their edit, and never redoes the deletion.
    assert history.history_state(project=project, user=owner).undo.label == "edit story “Wave hello”"
    assert history.history_state(project=project, user=owner).redo is None


def test_the_trash_lists_what_went_with_an_activity_and_forgets_after_thirty_days(project, owner):
    services.activity_delete(activity=Activity.objects.get(project=project, title="Check in"), by=owner)
    (item,) = history.trash_list(project=project)
    assert (item.noun, item.title, item.contents) == ("activity", "Check in", "with 1 step and 2 stories")
    MapChange.objects.update(created=timezone.now() - datetime.timedelta(days=TRASH_DAYS, minutes=1))
    assert history.trash_list(project=project) == []


def test_restoring_a_story_whose_step_is_gone_says_to_restore_the_step_first(project, owner):
    card = Story.objects.get(project=project, title="Ring the bell")
    services.story_delete(story=card, by=owner)
    services.step_delete(step=Step.objects.get(project=project, title="Arrive"), by=owner)
    story_item = next(item for item in history.trash_list(project=project) if item.noun == "story")
    with pytest.raises(history.UndoRefused, match="restore that first"):
        history.trash_restore(change=story_item.change, user=owner)
    step_item = next(item for item in history.trash_list(project=project) if item.noun == "step")
    history.trash_restore(change=step_item.change, user=owner)
    history.trash_restore(change=story_item.change, user=owner)
    assert board_of(project)["Check in"]["Arrive"] == {"mvp": ["Scan the QR code"], None: ["Ring the bell"]}


# --- Pages and API -----------------------------------------------------------------------


def test_board_undo_button_names_the_change_and_undoes_it(owner_client, project, owner):
    activity = Activity.objects.get(project=project, title="Check in")
    owner_client.post(reverse("stories:activity-delete", args=[activity.pk]))
    board = owner_client.get(reverse("stories:board", args=[project.pk])).content.decode()
    assert "Undo delete activity “Check in”" in board

    response = owner_client.post(reverse("stories:undo", args=[project.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"#activity-{activity.pk}")
    assert "Check in" in board_of(project)


def test_trash_page_restores(owner_client, project, owner):
    card = Story.objects.get(project=project, title="Ring the bell")
    owner_client.post(reverse("stories:story-delete", args=[card.pk]))
    page = owner_client.get(reverse("stories:trash", args=[project.pk])).content.decode()
    assert "Story “Ring the bell”" in page
    change = MapChange.objects.get(kind=MapChange.Kind.DELETE)
    owner_client.post(reverse("stories:trash-restore", args=[change.pk]))
    assert Story.objects.filter(pk=card.pk).exists()


def test_someone_elses_trash_is_not_found(outsider_client, project, owner):
    services.story_delete(story=Story.objects.get(project=project, title="Ring the bell"), by=owner)
    change = MapChange.objects.get()
    assert outsider_client.get(reverse("stories:trash", args=[project.pk])).status_code == 404
    assert outsider_client.post(reverse("stories:trash-restore", args=[change.pk])).status_code == 404
    assert outsider_client.post(reverse("stories:undo", args=[project.pk])).status_code == 404
    assert not Story.objects.filter(title="Ring the bell").exists()


def test_api_undo_redo_and_trash(owner_api, project, outsider_api):
    card = Story.objects.get(project=project, title="Ring the bell")
    assert owner_api.delete(f"/api/v1/stories/{card.pk}/").status_code == 204
    assert owner_api.get(f"/api/v1/projects/{project.pk}/history/").json() == {
        "undo": {"id": MapChange.objects.get().pk, "label": "delete story “Ring the bell”"},
        "redo": None,
    }
    trash = owner_api.get(f"/api/v1/projects/{project.pk}/trash/").json()
    assert [item["title"] for item in trash] == ["Ring the bell"]
    assert outsider_api.post(f"/api/v1/projects/{project.pk}/undo/").status_code == 404

    undone = owner_api.post(f"/api/v1/projects/{project.pk}/undo/")
    assert undone.status_code == 200
    assert undone.json()["focus"] == f"story-{card.pk}"
    assert undone.json()["redo"]["label"] == "delete story “Ring the bell”"
    assert Story.objects.filter(pk=card.pk).exists()

    again = owner_api.post(f"/api/v1/projects/{project.pk}/undo/")
    assert again.status_code == 409
    assert again.json() == {"detail": "Nothing to undo."}
    assert owner_api.post(f"/api/v1/projects/{project.pk}/redo/").status_code == 200
    assert not Story.objects.filter(pk=card.pk).exists()
    change = MapChange.objects.get()
    assert outsider_api.post(f"/api/v1/trash/{change.pk}/restore/").status_code == 404
    assert owner_api.post(f"/api/v1/trash/{change.pk}/restore/").status_code == 200
    assert Story.objects.filter(pk=card.pk).exists()


def test_personas_move_through_the_same_engine_and_undo(owner_api, project, owner):
    vet = services.persona_create(project=project, name="Vet", by=None)
    response = owner_api.post(f"/api/v1/personas/{vet.pk}/move/", {"position": 0}, format="json")
    assert response.status_code == 200
    assert list(Persona.objects.filter(project=project).values_list("name", flat=True)) == ["Vet", "pet owner"]
    assert owner_api.post(f"/api/v1/personas/{vet.pk}/move/", {"position": -1}, format="json").status_code == 400
    undo(project, owner)
    assert list(Persona.objects.filter(project=project).values_list("name", flat=True)) == ["pet owner", "Vet"]


@pytest.mark.parametrize("kind", ["activities", "steps", "releases", "personas", "stories"])
def test_every_move_counts_against_the_board_limit(owner_api, project, kind, settings, frozen_ratelimit_clock):
    # The board moves through these same endpoints, so they share its limit, whoever calls them.
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "board-write": "2/m"}
    rows = {
        "activities": Activity.objects.filter(project=project),
        "steps": Step.objects.filter(project=project),
        "releases": Release.objects.filter(project=project),
        "personas": Persona.objects.filter(project=project),
        "stories": Story.objects.filter(project=project, release__isnull=True),
    }
    row = rows[kind].first()
    assert row is not None
    body = {"position": 0, **({"step": row.step_id, "release": None} if isinstance(row, Story) else {})}
    answers = [owner_api.post(f"/api/v1/{kind}/{row.pk}/move/", body, format="json").status_code for _ in range(3)]
    assert answers == [200, 200, 429]
