import json

import pytest
from django.urls import reverse

from projects.models import Project
from projects.services import project_create
from stories import services
from stories.models import Activity, Persona, Release, Step, Story

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic")


@pytest.fixture
def board_map(project):
    activity = services.activity_create(project=project, title="Book a visit")
    step = services.step_create(project=project, activity=activity, title="Pick a time")
    other_step = services.step_create(project=project, activity=activity, title="Confirm")
    release = services.release_create(project=project, name="MVP")
    persona = services.persona_create(project=project, name="Pet owner")
    story = services.story_create(project=project, step=step, release=release, title="Book online")
    return {
        "activity": activity,
        "step": step,
        "other_step": other_step,
        "release": release,
        "persona": persona,
        "story": story,
    }


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


PLURAL = {"story": "stories", "step": "steps", "activity": "activities", "release": "releases"}


def move(client, name, pk, body):
    """A move as the board makes it: JSON to the API's move endpoint, with the page's session."""
    return client.post(f"/api/v1/{PLURAL[name]}/{pk}/move/", json.dumps(body), content_type="application/json")


def test_adding_each_kind_of_thing_in_place(owner_client, project, board_map):
    pid = {"project_id": project.pk}
    owner_client.post(reverse("stories:activity-add", kwargs=pid), {"title": "Look after my pet"})
    owner_client.post(
        reverse("stories:step-add", kwargs=pid), {"title": "Reschedule", "activity": board_map["activity"].pk}
    )
    owner_client.post(reverse("stories:release-add", kwargs=pid), {"name": "Release 2", "goal": "More"})
    owner_client.post(
        reverse("stories:persona-add", kwargs=pid), {"name": "Receptionist", "goals": "Fill gaps\nNo calls"}
    )
    response = owner_client.post(
        reverse("stories:story-add", kwargs=pid),
        {"title": "Cancel a visit", "step": board_map["step"].pk, "release": ""},
    )
    assert response.status_code == 302
    story = Story.objects.get(title="Cancel a visit")
    assert response["Location"] == f"/projects/{project.pk}/#story-{story.pk}"
    assert story.release is None
    assert list(Activity.objects.values_list("title", flat=True)) == ["Book a visit", "Look after my pet"]
    assert Step.objects.get(title="Reschedule").position == 2
    assert Release.objects.get(name="Release 2").position == 1
    assert Persona.objects.get(name="Receptionist").goals == ["Fill gaps", "No calls"]


def test_an_add_naming_another_projects_step_is_refused_with_a_message(owner_client, owner, project, board_map):
    elsewhere = project_create(owner=owner, name="Elsewhere")
    foreign = services.step_create(
        project=elsewhere, activity=services.activity_create(project=elsewhere, title="A"), title="Foreign"
    )
    response = owner_client.post(
        reverse("stories:story-add", kwargs={"project_id": project.pk}),
        {"title": "Sneaky", "step": foreign.pk},
        follow=True,
    )
    assert "The story was not added. Step: No such step in this project." in response.content.decode()
    assert not Story.objects.filter(title="Sneaky").exists()


def test_an_empty_title_is_refused_with_a_message(owner_client, project):
    response = owner_client.post(
        reverse("stories:activity-add", kwargs={"project_id": project.pk}), {"title": "  "}, follow=True
    )
    assert "The activity was not added. Title: This field is required." in response.content.decode()
    assert not Activity.objects.exists()


def test_editing_and_deleting_backbone_releases_and_personas(owner_client, board_map):
    owner_client.post(
        reverse("stories:activity-edit", kwargs={"pk": board_map["activity"].pk}), {"title": "Book", "description": ""}
    )
    owner_client.post(
        reverse("stories:step-edit", kwargs={"pk": board_map["step"].pk}), {"title": "Choose a slot", "description": ""}
    )
    owner_client.post(
        reverse("stories:release-edit", kwargs={"pk": board_map["release"].pk}), {"name": "MVP 1", "goal": "g"}
    )
    owner_client.post(
        reverse("stories:persona-edit", kwargs={"pk": board_map["persona"].pk}), {"name": "Owner", "goals": ""}
    )
    assert Activity.objects.get().title == "Book"
    assert Step.objects.get(pk=board_map["step"].pk).title == "Choose a slot"
    assert Release.objects.get().name == "MVP 1"
    assert Persona.objects.get().name == "Owner"

    owner_client.post(reverse("stories:release-delete", kwargs={"pk": board_map["release"].pk}))
    story = Story.objects.get()
    assert story.release is None  # the story moved to Unplanned
    owner_client.post(reverse("stories:step-delete", kwargs={"pk": board_map["step"].pk}))
    assert not Story.objects.exists()
    assert Step.objects.get().position == 0


def test_the_card_editor_saves_every_field(owner_client, board_map):
    story = board_map["story"]
    url = reverse("stories:story", kwargs={"pk": story.pk})
    assert 'name="version" value="1"' in owner_client.get(url).content.decode()
    response = owner_client.post(
        url,
        {
            "title": "Book an appointment online",
            "description": "As a pet owner, I want to book online, so that I don't have to call.",
            "acceptance_criteria": "Given a slot\n\nThen it is mine\n",
            "status": "in_progress",
            "priority": "must",
            "estimate": "5",
            "persona": board_map["persona"].pk,
            "step": board_map["other_step"].pk,
            "release": "",
            "version": "1",
        },
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.title == "Book an appointment online"
    assert story.acceptance_criteria == ["Given a slot", "Then it is mine"]
    assert (story.status, story.priority, story.estimate, story.persona_id) == (
        "in_progress",
        "must",
        5,
        board_map["persona"].pk,
    )
    assert (story.step_id, story.release_id, story.version) == (board_map["other_step"].pk, None, 2)


def test_a_save_that_lost_a_race_is_refused_and_says_so(owner_client, board_map):
    story = board_map["story"]
    services.story_update(story=story, title="Someone else's title")  # saved while our editor was open
    response = owner_client.post(
        reverse("stories:story", kwargs={"pk": story.pk}),
        {"title": "My title", "status": "todo", "priority": "should", "step": board_map["step"].pk, "version": "1"},
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Not saved: someone else saved this card since you opened it." in html
    assert "Someone else&#x27;s title" in html
    assert 'value="My title"' in html  # what was typed is not lost
    assert 'name="version" value="2"' in html
    story.refresh_from_db()
    assert story.title == "Someone else's title"


def test_invalid_card_fields_are_explained(owner_client, board_map):
    story = board_map["story"]
    response = owner_client.post(
        reverse("stories:story", kwargs={"pk": story.pk}),
        {
            "title": "x" * 201,
            "status": "someday",
            "priority": "should",
            "estimate": "-1",
            "step": board_map["step"].pk,
            "version": "1",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value has at most 200 characters" in html
    assert "Select a valid choice. someday is not one of the available choices." in html
    assert "Ensure this value is greater than or equal to 0." in html
    story.refresh_from_db()
    assert story.title == "Book online"


def test_moving_a_card_to_another_cell_and_position(owner_client, project, board_map):
    second = services.story_create(project=project, step=board_map["other_step"], title="Second")
    response = move(
        owner_client,
        "story",
        board_map["story"].pk,
        {"step": board_map["other_step"].pk, "release": None, "position": 0, "version": 1},
    )
    assert response.status_code == 200
    story = Story.objects.get(pk=board_map["story"].pk)
    assert (story.step_id, story.release_id, story.position, story.version) == (board_map["other_step"].pk, None, 0, 2)
    second.refresh_from_db()
    assert second.position == 1


def test_a_move_with_a_stale_version_is_refused(owner_client, board_map):
    services.story_update(story=board_map["story"], title="Changed")
    response = move(
        owner_client,
        "story",
        board_map["story"].pk,
        {"step": board_map["step"].pk, "release": None, "position": 0, "version": 1},
    )
    assert response.status_code == 409
    assert response.json()["current"]["version"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"release": None, "position": 0}, "step"),
        ({"step": 999_999, "release": None, "position": 0}, "step"),
        ({"step": "STEP", "release": 999_999, "position": 0}, "release"),
        ({"step": "STEP", "release": None, "position": -1}, "position"),
        ({"step": "STEP", "release": None, "position": "first"}, "position"),
    ],
)
def test_bad_moves_answer_400_naming_the_field(owner_client, board_map, body, field):
    body = {key: board_map["step"].pk if value == "STEP" else value for key, value in body.items()}
    response = move(owner_client, "story", board_map["story"].pk, body)
    assert response.status_code == 400
    assert field in response.json()
    assert Story.objects.get().version == 1


def test_a_body_that_is_not_json_is_refused(owner_client, board_map):
    response = owner_client.post(
        f"/api/v1/stories/{board_map['story'].pk}/move/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_reordering_steps_activities_and_releases(owner_client, project, board_map):
    second_activity = services.activity_create(project=project, title="Look after my pet")
    services.release_create(project=project, name="Release 2")
    assert move(owner_client, "activity", second_activity.pk, {"position": 0}).status_code == 200
    assert (
        move(
            owner_client, "step", board_map["other_step"].pk, {"position": 0, "activity": second_activity.pk}
        ).status_code
        == 200
    )
    assert move(owner_client, "release", board_map["release"].pk, {"position": 1}).status_code == 200
    assert list(Activity.objects.values_list("title", flat=True)) == ["Look after my pet", "Book a visit"]
    assert list(second_activity.steps.values_list("title", flat=True)) == ["Confirm"]
    assert list(board_map["activity"].steps.values_list("title", "position")) == [("Pick a time", 0)]
    assert list(Release.objects.values_list("name", flat=True)) == ["Release 2", "MVP"]


def test_board_writes_have_their_own_per_user_limit(owner_client, board_map, settings, frozen_ratelimit_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "board-write": "3/m"}
    for position in (0, 0):
        assert move(owner_client, "activity", board_map["activity"].pk, {"position": position}).status_code == 200
    edit_url = reverse("stories:activity-edit", kwargs={"pk": board_map["activity"].pk})
    assert owner_client.post(edit_url, {"title": "Book", "description": ""}).status_code == 302
    response = move(owner_client, "activity", board_map["activity"].pk, {"position": 0})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    response = owner_client.post(
        reverse("stories:activity-add", kwargs={"project_id": board_map["activity"].project_id}), {"title": "More"}
    )
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_the_default_board_limit_is_far_above_a_person_dragging_cards(settings):
    count, period = settings.RATE_LIMITS["board-write"].split("/")
    assert int(count) >= 300 and period == "m"


def endpoints(board_map):
    project_id = board_map["activity"].project_id
    return [
        ("get", reverse("stories:board", kwargs={"project_id": project_id}), {}),
        ("post", reverse("stories:activity-add", kwargs={"project_id": project_id}), {"title": "X"}),
        (
            "post",
            reverse("stories:step-add", kwargs={"project_id": project_id}),
            {"title": "X", "activity": board_map["activity"].pk},
        ),
        ("post", reverse("stories:release-add", kwargs={"project_id": project_id}), {"name": "X"}),
        ("post", reverse("stories:persona-add", kwargs={"project_id": project_id}), {"name": "X"}),
        (
            "post",
            reverse("stories:story-add", kwargs={"project_id": project_id}),
            {"title": "X", "step": board_map["step"].pk},
        ),
        ("post", reverse("stories:activity-edit", kwargs={"pk": board_map["activity"].pk}), {"title": "X"}),
        ("post", reverse("stories:activity-delete", kwargs={"pk": board_map["activity"].pk}), {}),
        ("post", reverse("stories:step-edit", kwargs={"pk": board_map["step"].pk}), {"title": "X"}),
        ("post", reverse("stories:step-delete", kwargs={"pk": board_map["step"].pk}), {}),
        ("post", reverse("stories:release-edit", kwargs={"pk": board_map["release"].pk}), {"name": "X"}),
        ("post", reverse("stories:release-delete", kwargs={"pk": board_map["release"].pk}), {}),
        ("post", reverse("stories:persona-edit", kwargs={"pk": board_map["persona"].pk}), {"name": "X"}),
        ("post", reverse("stories:persona-delete", kwargs={"pk": board_map["persona"].pk}), {}),
        ("get", reverse("stories:story", kwargs={"pk": board_map["story"].pk}), {}),
        (
            "post",
            reverse("stories:story", kwargs={"pk": board_map["story"].pk}),
            {"title": "X", "status": "todo", "priority": "must", "step": board_map["step"].pk, "version": 1},
        ),
        ("post", reverse("stories:story-delete", kwargs={"pk": board_map["story"].pk}), {}),
        ("post", reverse("stories:undo", kwargs={"project_id": project_id}), {}),
        ("post", reverse("stories:redo", kwargs={"project_id": project_id}), {}),
        ("get", reverse("stories:trash", kwargs={"project_id": project_id}), {}),
        ("get", reverse("projects:edit", kwargs={"project_id": project_id}), {}),
        ("post", reverse("projects:edit", kwargs={"project_id": project_id}), {"name": "X"}),
        ("get", reverse("projects:delete", kwargs={"project_id": project_id}), {}),
        ("post", reverse("projects:delete", kwargs={"project_id": project_id}), {}),
    ]


def snapshot():
    return [list(model.objects.order_by("pk").values()) for model in (Project, Activity, Step, Release, Persona, Story)]


def test_everything_of_another_users_project_is_not_found(client, outsider, board_map):
    client.force_login(outsider)
    before = snapshot()
    for method, url, data in endpoints(board_map):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert snapshot() == before
