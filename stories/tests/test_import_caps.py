"""Imports are capped in everything a document can multiply, and maps built one by one in what they hold."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Project
from projects.services import project_create
from stories.document import GENERATED_LIMITS, IMPORTED_LIMITS, MAP_LIMITS, DocumentInvalid, document_parse
from stories.imports import MAX_IMPORT_BYTES
from stories.models import Activity, Persona, Release, Step, Story


def largest_document(*, title: str = "Largest map") -> bytes:
    """A story map document at every import cap at once, and as close to the 5 MB file limit as it gets."""
    limits = IMPORTED_LIMITS
    steps = limits.activities * limits.steps_per_activity

    def stories_in(a: int, s: int) -> int:
        # Spread over the steps, the first ones taking one more while stories are left.
        index = a * limits.steps_per_activity + s
        return limits.stories // steps + (1 if index < limits.stories % steps else 0)

    releases = [{"name": f"Release {r}", "goal": "Ship it"} for r in range(limits.releases)]
    personas = [
        {"name": f"Persona {p}", "description": "Someone", "goals": ["Get it done"]} for p in range(limits.personas)
    ]

    def build(description_length: int) -> bytes:
        document = {
            "schema_version": 1,
            "title": title,
            "personas": personas,
            "releases": releases,
            "activities": [
                {
                    "title": f"Activity {a}",
                    "steps": [
                        {
                            "title": f"Step {a}.{s}",
                            "stories": [
                                {
                                    "title": f"Story {a}.{s}.{n}",
                                    "description": "d" * description_length,
                                    "acceptance_criteria": ["Given a map, when it is imported, then it is all there"],
                                    "release": f"Release {(a + s + n) % limits.releases}",
                                    "persona": f"Persona {(a * s + n) % limits.personas}",
                                    "priority": "must",
                                    "estimate": 3,
                                }
                                for n in range(stories_in(a, s))
                            ],
                        }
                        for s in range(limits.steps_per_activity)
                    ],
                }
                for a in range(limits.activities)
            ],
        }
        return json.dumps(document).encode()

    base = len(build(0))
    return build(min((MAX_IMPORT_BYTES - 4096 - base) // limits.stories, 4_000))


pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/projects/import/"


def send_json(client, url: str, document: dict | bytes):
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.generic("POST", url, body, content_type="application/json")


def one_story_map(**extra) -> dict:
    return {
        "activities": [{"title": "Shop", "steps": [{"title": "Pay", "stories": [{"title": "Pay by card"}]}]}],
        **extra,
    }


# --- Documents: personas and releases are capped like the rest ----------------------------


def test_an_import_of_150000_personas_is_refused_and_saves_nothing(owner_api, owner):
    document = one_story_map(personas=[{"name": f"p{index}"} for index in range(150_000)])
    content = json.dumps(document).encode()
    assert len(content) <= MAX_IMPORT_BYTES

    response = send_json(owner_api, IMPORT_URL, content)

    assert response.status_code == 400, response.content
    assert (
        f"personas: has 150000 personas (with those its stories name); at most {IMPORTED_LIMITS.personas} are allowed"
        in response.json()["problems"]
    )
    assert not Project.objects.filter(owner=owner).exists()
    assert not Persona.objects.exists()


def test_releases_that_stories_name_count_against_the_cap(owner_api, owner):
    stories = [
        {"title": f"Story {index}", "release": f"Release {index}"} for index in range(IMPORTED_LIMITS.releases + 1)
    ]
    document = {"activities": [{"title": "Shop", "steps": [{"title": "Pay", "stories": stories}]}]}

    response = send_json(owner_api, IMPORT_URL, document)

    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"releases: has {IMPORTED_LIMITS.releases + 1} releases (with those its stories name); "
        f"at most {IMPORTED_LIMITS.releases} are allowed"
    ]
    assert not Release.objects.exists()


def test_as_many_personas_and_releases_as_the_caps_allow_import(owner_api):
    document = one_story_map(
        personas=[{"name": f"Persona {index}"} for index in range(IMPORTED_LIMITS.personas)],
        releases=[{"name": f"Release {index}"} for index in range(IMPORTED_LIMITS.releases)],
    )

    response = send_json(owner_api, IMPORT_URL, document)

    assert response.status_code == 201, response.content
    project = Project.objects.get(pk=response.json()["id"])
    assert project.personas.count() == IMPORTED_LIMITS.personas
    assert project.releases.count() == IMPORTED_LIMITS.releases


@pytest.mark.parametrize("key", ["personas", "releases"])
def test_an_ai_answer_is_capped_in_personas_and_releases_too(key):
    items = [{"name": f"Name {index}"} for index in range(GENERATED_LIMITS.personas + 1)]
    with pytest.raises(DocumentInvalid) as caught:
        document_parse(one_story_map(**{key: items}), limits=GENERATED_LIMITS)
    most = getattr(GENERATED_LIMITS, key)
    assert caught.value.problems == [
        f"{key}: has {len(items)} {key} (with those its stories name); at most {most} are allowed"
    ]


def test_the_import_page_lists_the_cap_it_went_past(owner_client, owner):
    document = one_story_map(releases=[{"name": f"Release {index}"} for index in range(IMPORTED_LIMITS.releases + 1)])
    upload = SimpleUploadedFile("map.json", json.dumps(document).encode(), content_type="application/json")

    response = owner_client.post("/projects/import/", {"file": upload, "name": ""})

    assert response.status_code == 400
    assert f"at most {IMPORTED_LIMITS.releases} are allowed" in response.content.decode()
    assert not Project.objects.filter(owner=owner).exists()


def test_the_largest_document_the_caps_allow_imports_whole(owner_api):
    content = largest_document()
    assert len(content) <= MAX_IMPORT_BYTES

    response = send_json(owner_api, IMPORT_URL, content)

    assert response.status_code == 201, response.content[:500]
    project = Project.objects.get(pk=response.json()["id"])
    assert project.stories.count() == IMPORTED_LIMITS.stories
    assert project.activities.count() == IMPORTED_LIMITS.activities
    assert project.steps.count() == IMPORTED_LIMITS.activities * IMPORTED_LIMITS.steps_per_activity
    assert project.releases.count() == IMPORTED_LIMITS.releases
    assert project.personas.count() == IMPORTED_LIMITS.personas
    story = project.stories.get(title="Story 1.2.0")
    assert (story.release.name, story.persona.name, story.priority, story.estimate) == (
        "Release 3",
        "Persona 2",
        "must",
        3,
    )
    assert story.acceptance_criteria == ["Given a map, when it is imported, then it is all there"]


# --- A map holds at most MAP_LIMITS, however it is built --------------------------------


@pytest.fixture
def full_project(owner):
    return project_create(owner=owner, name="Full")


def fill(project, model, count: int, **fields) -> None:
    name = "name" if model in (Release, Persona) else "title"
    model.objects.bulk_create(
        model(project=project, position=index, **{name: f"{model.__name__} {index}"}, **fields)
        for index in range(count)
    )


@pytest.mark.parametrize(
    ("model", "path", "body", "message"),
    [
        (Release, "releases", {"name": "One more"}, f"A map holds at most {MAP_LIMITS.releases} releases."),
        (Persona, "personas", {"name": "One more"}, f"A map holds at most {MAP_LIMITS.personas} personas."),
        (Activity, "activities", {"title": "One more"}, f"A map holds at most {MAP_LIMITS.activities} activities."),
    ],
)
def test_the_api_refuses_one_more_than_a_map_holds(owner_api, full_project, model, path, body, message):
    limit = {Release: MAP_LIMITS.releases, Persona: MAP_LIMITS.personas, Activity: MAP_LIMITS.activities}[model]
    fill(full_project, model, limit - 1)
    url = f"/api/v1/projects/{full_project.pk}/{path}/"

    assert (
        owner_api.post(url, {**body, "name" if "name" in body else "title": "The last one"}, format="json").status_code
        == 201
    )
    response = owner_api.post(url, body, format="json")

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [message]}
    assert model.objects.filter(project=full_project).count() == limit


def test_the_api_refuses_one_more_step_than_an_activity_holds(owner_api, full_project):
    activity = Activity.objects.create(project=full_project, title="Busy")
    Step.objects.bulk_create(
        Step(project=full_project, activity=activity, title=f"Step {index}", position=index)
        for index in range(MAP_LIMITS.steps_per_activity)
    )

    response = owner_api.post(
        f"/api/v1/projects/{full_project.pk}/steps/", {"activity": activity.pk, "title": "One more"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "non_field_errors": [f"An activity holds at most {MAP_LIMITS.steps_per_activity} steps."]
    }


def test_the_api_refuses_one_more_story_than_a_map_holds(owner_api, full_project):
    activity = Activity.objects.create(project=full_project, title="Busy")
    step = Step.objects.create(project=full_project, activity=activity, title="Crowded")
    Story.objects.bulk_create(
        Story(project=full_project, step=step, title=f"Story {index}", position=index)
        for index in range(MAP_LIMITS.stories)
    )

    response = owner_api.post(
        f"/api/v1/projects/{full_project.pk}/stories/", {"step": step.pk, "title": "One more"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [f"A map holds at most {MAP_LIMITS.stories} stories."]}
    assert full_project.stories.count() == MAP_LIMITS.stories


@pytest.mark.parametrize(
    ("model", "path", "noun"), [(Release, "releases", "release"), (Persona, "personas", "persona")]
)
def test_the_board_refuses_one_more_than_a_map_holds(owner_client, full_project, model, path, noun):
    limit = getattr(MAP_LIMITS, path)
    fill(full_project, model, limit)

    response = owner_client.post(f"/projects/{full_project.pk}/{path}/", {"name": "One more"}, follow=True)

    assert f"The {noun} was not added. A map holds at most {limit} {path}." in response.content.decode()
    assert model.objects.filter(project=full_project).count() == limit


def test_appending_to_a_full_map_is_refused_and_changes_nothing(owner_api, full_project):
    fill(full_project, Release, MAP_LIMITS.releases - 1)
    document = one_story_map(releases=[{"name": "New 1"}, {"name": "New 2"}])

    response = send_json(owner_api, f"/api/v1/projects/{full_project.pk}/import/?mode=append", document)

    assert response.status_code == 400
    assert response.json()["problems"] == [
        f"releases: the map would hold {MAP_LIMITS.releases + 1} releases; a map holds at most {MAP_LIMITS.releases}"
    ]
    assert full_project.releases.count() == MAP_LIMITS.releases - 1
    assert not full_project.activities.exists()


# --- Rate limits on creating map objects and on imports ---------------------------------


def test_creating_map_objects_over_the_api_is_rate_limited_per_user(
    owner_api, full_project, settings, frozen_ratelimit_clock
):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "map-write": "3/m"}
    url = f"/api/v1/projects/{full_project.pk}/personas/"

    statuses = [owner_api.post(url, {"name": f"Persona {index}"}, format="json").status_code for index in range(4)]

    assert statuses == [201, 201, 201, 429]
    assert full_project.personas.count() == 3


def test_imports_are_rate_limited_per_user(owner_api, settings, frozen_ratelimit_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "import": "2/h"}

    statuses = [send_json(owner_api, IMPORT_URL, one_story_map()).status_code for _ in range(3)]

    assert statuses == [201, 201, 429]
    assert Project.objects.count() == 2
