"""Text that cannot be stored (NUL, lone surrogates) is refused where it comes in, naming where, never a 500."""

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Project
from projects.services import project_create
from stories import services
from stories.models import Activity, Story

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/projects/import/"
MESSAGE = "contains a character that is not allowed"
# As JSON carries them: json.dumps keeps a lone surrogate as the escape "\ud800".
NUL, LONE_SURROGATE = "\x00", "\ud800"


def map_with(text: str, where: str) -> dict:
    story: dict[str, Any] = {"title": "Pay by card", "acceptance_criteria": ["Given a card"], "release": "MVP"}
    step: dict[str, Any] = {"title": "Pay", "stories": [story]}
    activity: dict[str, Any] = {"title": "Shop", "steps": [step]}
    document: dict[str, Any] = {
        "title": "Shop map",
        "activities": [activity],
        "personas": [{"name": "Buyer", "goals": ["Buy"]}],
    }
    targets = {
        "title": (document, "title"),
        "activities[0].title": (activity, "title"),
        "activities[0].steps[0].description": (step, "description"),
        "activities[0].steps[0].stories[0].title": (story, "title"),
        "activities[0].steps[0].stories[0].release": (story, "release"),
        "personas[0].name": (document["personas"][0], "name"),
    }
    if where == "activities[0].steps[0].stories[0].acceptance_criteria[1]":
        story["acceptance_criteria"].append(f"then {text}")
    elif where == "personas[0].goals[0]":
        document["personas"][0]["goals"] = [f"Buy {text}"]
    else:
        obj, key = targets[where]
        obj[key] = f"Bad {text} text"
    return document


WHERE = [
    "title",
    "activities[0].title",
    "activities[0].steps[0].description",
    "activities[0].steps[0].stories[0].title",
    "activities[0].steps[0].stories[0].release",
    "activities[0].steps[0].stories[0].acceptance_criteria[1]",
    "personas[0].name",
    "personas[0].goals[0]",
]


@pytest.mark.parametrize("character", [NUL, LONE_SURROGATE], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize("where", WHERE)
def test_the_api_import_refuses_the_character_naming_where(owner_api, owner, character, where):
    body = json.dumps(map_with(character, where)).encode()

    response = owner_api.generic("POST", IMPORT_URL, body, content_type="application/json")

    assert response.status_code == 400, response.content
    assert response.json()["problems"] == [f"{where}: {MESSAGE}"]
    assert not Project.objects.filter(owner=owner).exists()


@pytest.mark.parametrize("character", [NUL, LONE_SURROGATE], ids=["nul", "lone-surrogate"])
def test_importing_into_a_project_refuses_it_and_keeps_the_map(owner_api, owner, character):
    project = project_create(owner=owner, name="Kept")
    services.activity_create(project=project, title="Still here")
    body = json.dumps(map_with(character, "activities[0].title")).encode()

    response = owner_api.generic(
        "POST", f"/api/v1/projects/{project.pk}/import/?mode=replace", body, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["problems"] == [f"activities[0].title: {MESSAGE}"]
    assert list(project.activities.values_list("title", flat=True)) == ["Still here"]
    assert not project.snapshots.exists()


@pytest.mark.parametrize("character", [NUL, LONE_SURROGATE], ids=["nul", "lone-surrogate"])
def test_the_import_page_shows_where_the_character_is(owner_client, owner, character):
    content = json.dumps(map_with(character, "activities[0].steps[0].stories[0].title")).encode()
    upload = SimpleUploadedFile("map.json", content, content_type="application/json")

    response = owner_client.post("/projects/import/", {"file": upload, "name": ""})

    assert response.status_code == 400
    assert f"activities[0].steps[0].stories[0].title: {MESSAGE}" in response.content.decode()
    assert not Project.objects.filter(owner=owner).exists()


def test_a_nul_in_a_spreadsheet_cell_is_refused(owner_api, owner):
    body = b"Activity,Step,Story\nShop,Pay,Pay by\x00card\n"

    response = owner_api.generic("POST", IMPORT_URL, body, content_type="text/csv")

    assert response.status_code == 400
    assert response.json()["problems"] == [f"activities[0].steps[0].stories[0].title: {MESSAGE}"]
    assert not Project.objects.filter(owner=owner).exists()


def test_a_nul_in_the_new_projects_name_is_refused(owner_api, owner):
    body = json.dumps(map_with("fine", "title")).encode()

    response = owner_api.generic("POST", IMPORT_URL + "?name=Bad%00name", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"name": [f"The name {MESSAGE}."]}
    assert not Project.objects.filter(owner=owner).exists()


# --- Every text field of the API: the serializers refuse it, naming the field ---------------


@pytest.fixture
def story(owner):
    project = project_create(owner=owner, name="Shop")
    activity = services.activity_create(project=project, title="Shop")
    step = services.step_create(project=project, activity=activity, title="Pay")
    return services.story_create(project=project, step=step, title="Pay by card")


def raw_json(client, method: str, url: str, text: str):
    # Written by hand: a client library would refuse to encode a lone surrogate at all.
    return client.generic(method, url, text.encode(), content_type="application/json")


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800"], ids=["nul", "lone-surrogate"])
@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PATCH", "stories/{story}/", '{{"title": "Bad {escape}"}}', "title"),
        ("PATCH", "stories/{story}/", '{{"description": "Bad {escape}"}}', "description"),
        ("POST", "projects/{project}/activities/", '{{"title": "Bad {escape}"}}', "title"),
        ("POST", "projects/{project}/releases/", '{{"name": "Bad {escape}"}}', "name"),
        ("POST", "projects/{project}/personas/", '{{"name": "Buyer", "goals": ["Bad {escape}"]}}', "goals"),
        ("PATCH", "projects/{project}/", '{{"name": "Bad {escape}"}}', "name"),
    ],
)
def test_api_text_fields_refuse_it_with_a_400_naming_the_field(owner_api, story, escape, method, path, body, field):
    url = "/api/v1/" + path.format(story=story.pk, project=story.project_id)

    response = raw_json(owner_api, method, url, body.format(escape=escape))

    assert response.status_code == 400, response.content
    assert field in response.json()
    story.refresh_from_db()
    assert story.title == "Pay by card"
    assert Activity.objects.filter(project=story.project).count() == 1


def test_criteria_with_a_lone_surrogate_are_refused_naming_the_field(owner_api, story):
    response = raw_json(
        owner_api, "PATCH", f"/api/v1/stories/{story.pk}/", '{"acceptance_criteria": ["ok", "\\ud800"]}'
    )

    assert response.status_code == 400
    assert "acceptance_criteria" in response.json()
    assert Story.objects.get(pk=story.pk).acceptance_criteria == []
