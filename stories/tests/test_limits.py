# mypy: disable-error-code="attr-defined"
# (This test reads the limits off DRF and form fields of many kinds, typed only as Field.)
"""One source for every limit and choice list: the API, the pages' forms and the document format agree.

A map edited through the API up to every limit exports and imports again unchanged;
one past any limit is refused by all three, each naming the field.
"""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.validators import MaxValueValidator, MinValueValidator
from django.urls import reverse
from rest_framework import serializers as drf

from accounts.addresses import EMAIL_MAX
from aimap.api.serializers import GenerateMapSerializer
from aimap.forms import GenerateMapForm
from aimap.models import Generation
from aimap.providers import BACKBONE_PROMPT_FILE, STORIES_PROMPT_FILE, stories_system_prompt, system_prompt
from projects.api.serializers import ProjectWriteSerializer
from projects.forms import ProjectForm
from projects.limits import PROJECT_DESCRIPTION_MAX, PROJECT_NAME_MAX
from projects.models import Project
from projects.services import project_create
from stories import forms
from stories.api import serializers
from stories.document import IMPORTED_LIMITS, PRIORITIES, STATUSES, DocumentInvalid, document_parse
from stories.limits import (
    CRITERIA_MAX,
    CRITERION_MAX,
    ESTIMATE_MAX,
    ESTIMATE_MIN,
    LABEL_NAME_MAX,
    TEXT_MAX,
    TITLE_MAX,
    LabelColour,
    StoryPriority,
    StoryStatus,
)
from stories.models import Activity, Persona, Release, Step, Story

pytestmark = pytest.mark.django_db


def text(length: int, letter: str = "x") -> str:
    """`length` characters that survive stripping."""
    return letter * length


def criteria(count: int = CRITERIA_MAX, length: int = CRITERION_MAX) -> list[str]:
    # Distinct entries, each exactly `length` long.
    return [f"{index:03d}".ljust(length, "c") for index in range(count)]


def export(client, project_id: int) -> dict:
    response = client.get(f"/api/v1/projects/{project_id}/export/?format=json")
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def created(response) -> dict:
    assert response.status_code == 201, response.content
    return response.json()


# --- The map at every limit -------------------------------------------------------------


def test_a_map_edited_through_the_api_to_every_limit_exports_and_imports_unchanged(owner_api):
    project = created(
        owner_api.post(
            "/api/v1/projects/",
            {"name": text(PROJECT_NAME_MAX, "n"), "description": text(PROJECT_DESCRIPTION_MAX, "d")},
            format="json",
        )
    )
    base = f"/api/v1/projects/{project['id']}"
    persona = created(
        owner_api.post(
            f"{base}/personas/",
            {"name": text(TITLE_MAX, "p"), "description": text(TEXT_MAX), "goals": criteria()},
            format="json",
        )
    )
    release = created(
        owner_api.post(f"{base}/releases/", {"name": text(TITLE_MAX, "r"), "goal": text(TEXT_MAX)}, format="json")
    )
    activity = created(
        owner_api.post(
            f"{base}/activities/", {"title": text(TITLE_MAX, "a"), "description": text(TEXT_MAX)}, format="json"
        )
    )
    step = created(
        owner_api.post(
            f"{base}/steps/",
            {"activity": activity["id"], "title": text(TITLE_MAX, "s"), "description": text(TEXT_MAX)},
            format="json",
        )
    )
    # One story per choice of each list, all at the limits; the first at the smallest estimate.
    stories = []
    for index, (priority, status) in enumerate(zip(StoryPriority.values, [*StoryStatus.values, "todo"], strict=True)):
        story = created(
            owner_api.post(
                f"{base}/stories/",
                {"step": step["id"], "title": text(TITLE_MAX - 1, "t") + str(index)},
                format="json",
            )
        )
        response = owner_api.patch(
            f"/api/v1/stories/{story['id']}/",
            {
                "description": text(TEXT_MAX),
                "acceptance_criteria": criteria(),
                "estimate": ESTIMATE_MIN if index == 0 else ESTIMATE_MAX,
                "priority": priority,
                "status": status,
                "persona": persona["id"],
                "release": release["id"],
                "version": story["version"],
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        stories.append(response.json())
    assert stories[1]["estimate"] == ESTIMATE_MAX

    document = export(owner_api, project["id"])
    exported = document["activities"][0]["steps"][0]["stories"]
    assert [story["estimate"] for story in exported] == [ESTIMATE_MIN] + [ESTIMATE_MAX] * 3
    assert all(len(story["acceptance_criteria"]) == CRITERIA_MAX for story in exported)

    response = owner_api.post("/api/v1/projects/import/", json.dumps(document), content_type="application/json")
    imported = created(response)
    assert imported["name"] == text(PROJECT_NAME_MAX, "n")
    assert imported["description"] == text(PROJECT_DESCRIPTION_MAX, "d")
    assert export(owner_api, imported["id"]) == document


# --- One past each limit ---------------------------------------------------------------


@pytest.fixture
def board(owner) -> dict[str, Any]:
    project = project_create(owner=owner, name="Limits")
    activity = Activity.objects.create(project=project, title="Book")
    step = Step.objects.create(project=project, activity=activity, title="Pick a time")
    story = Story.objects.create(project=project, step=step, title="See free slots")
    persona = Persona.objects.create(project=project, name="Owner")
    release = Release.objects.create(project=project, name="MVP")
    return {"project": project, "activity": activity, "step": step, "story": story, "persona": persona, "r": release}


def story_document(**story: Any) -> dict:
    return {
        "schema_version": 1,
        "title": "Limits",
        "activities": [{"title": "Book", "steps": [{"title": "Pick a time", "stories": [{"title": "A", **story}]}]}],
    }


def document_problems(document: dict) -> list[str]:
    with pytest.raises(DocumentInvalid) as refused:
        document_parse(document, limits=IMPORTED_LIMITS)
    return refused.value.problems


STORY = "activities[0].steps[0].stories[0]"

# (what, the story field, a value one past its limit)
STORY_FIELDS_PAST = [
    ("title", "title", text(TITLE_MAX + 1)),
    ("description", "description", text(TEXT_MAX + 1)),
    ("criterion length", "acceptance_criteria", criteria(1, CRITERION_MAX + 1)),
    ("criteria count", "acceptance_criteria", criteria(CRITERIA_MAX + 1, 5)),
    ("estimate above", "estimate", ESTIMATE_MAX + 1),
    ("estimate below", "estimate", ESTIMATE_MIN - 1),
    ("priority", "priority", "urgent"),
    ("status", "status", "blocked"),
]


def form_value(field: str, value: Any) -> Any:
    # The page's form takes one criterion per line.
    return "\n".join(value) if isinstance(value, list) else value


@pytest.mark.parametrize("what, field, value", STORY_FIELDS_PAST, ids=[case[0] for case in STORY_FIELDS_PAST])
def test_a_story_one_past_a_limit_is_refused_by_the_api_the_form_and_the_document(
    owner_api, owner_client, board, what, field, value
):
    story = board["story"]

    response = owner_api.patch(f"/api/v1/stories/{story.pk}/", {field: value}, format="json")
    assert response.status_code == 400, (what, response.content)
    assert field in response.json()

    form_data = {
        "title": "See free slots",
        "status": "todo",
        "priority": "should",
        "step": board["step"].pk,
        "version": story.version,
        field: form_value(field, value),
    }
    page = owner_client.post(reverse("stories:story", args=[story.pk]), form_data)
    assert page.status_code == 400, what
    assert field in page.context["form"].errors, page.context["form"].errors

    problems = document_problems(story_document(**{field: value}))
    assert any(problem.startswith(f"{STORY}.{field}") for problem in problems), problems

    story.refresh_from_db()
    assert (story.title, story.description, story.acceptance_criteria, story.estimate) == (
        "See free slots",
        "",
        [],
        None,
    )
    assert (story.status, story.priority) == ("todo", "should")


MAP_OBJECTS_PAST = [
    # (what, API path, field, value, form class, form data, document, document path)
    (
        "activity title",
        "/api/v1/activities/{activity}/",
        "title",
        text(TITLE_MAX + 1),
        forms.ActivityForm,
        {},
        {"activities": [{"title": text(TITLE_MAX + 1)}]},
        "activities[0].title",
    ),
    (
        "activity description",
        "/api/v1/activities/{activity}/",
        "description",
        text(TEXT_MAX + 1),
        forms.ActivityForm,
        {"title": "Book"},
        {"activities": [{"title": "Book", "description": text(TEXT_MAX + 1)}]},
        "activities[0].description",
    ),
    (
        "step title",
        "/api/v1/steps/{step}/",
        "title",
        text(TITLE_MAX + 1),
        forms.StepForm,
        {},
        {"activities": [{"title": "Book", "steps": [{"title": text(TITLE_MAX + 1)}]}]},
        "activities[0].steps[0].title",
    ),
    (
        "release goal",
        "/api/v1/releases/{r}/",
        "goal",
        text(TEXT_MAX + 1),
        forms.ReleaseForm,
        {"name": "MVP"},
        {"releases": [{"name": "MVP", "goal": text(TEXT_MAX + 1)}]},
        "releases[0].goal",
    ),
    (
        "persona name",
        "/api/v1/personas/{persona}/",
        "name",
        text(TITLE_MAX + 1),
        forms.PersonaForm,
        {},
        {"personas": [{"name": text(TITLE_MAX + 1)}]},
        "personas[0].name",
    ),
    (
        "persona goal length",
        "/api/v1/personas/{persona}/",
        "goals",
        criteria(1, CRITERION_MAX + 1),
        forms.PersonaForm,
        {"name": "Owner"},
        {"personas": [{"name": "Owner", "goals": criteria(1, CRITERION_MAX + 1)}]},
        "personas[0].goals",
    ),
    (
        "persona goal count",
        "/api/v1/personas/{persona}/",
        "goals",
        criteria(CRITERIA_MAX + 1, 5),
        forms.PersonaForm,
        {"name": "Owner"},
        {"personas": [{"name": "Owner", "goals": criteria(CRITERIA_MAX + 1, 5)}]},
        "personas[0].goals",
    ),
]


@pytest.mark.parametrize(
    "what, path, field, value, form_class, form_data, document, where",
    MAP_OBJECTS_PAST,
    ids=[case[0] for case in MAP_OBJECTS_PAST],
)
def test_a_map_object_one_past_a_limit_is_refused_by_the_api_the_form_and_the_document(
    owner_api, board, what, path, field, value, form_class, form_data, document, where
):
    url = path.format(**{key: row.pk for key, row in board.items()})
    before = owner_api.get(url).json()

    response = owner_api.patch(url, {field: value}, format="json")
    assert response.status_code == 400, (what, response.content)
    assert field in response.json()
    assert owner_api.get(url).json() == before

    form = form_class({**form_data, field: form_value(field, value)})
    assert not form.is_valid()
    assert field in form.errors, form.errors

    problems = document_problems({"schema_version": 1, **document})
    assert any(problem.startswith(where) for problem in problems), problems


@pytest.mark.parametrize(
    "field, value",
    [("name", text(PROJECT_NAME_MAX + 1)), ("description", text(PROJECT_DESCRIPTION_MAX + 1))],
    ids=["name", "description"],
)
def test_a_project_one_past_a_limit_is_refused_by_the_api_and_the_form(owner_api, board, field, value):
    project = board["project"]
    response = owner_api.patch(f"/api/v1/projects/{project.pk}/", {field: value}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    project.refresh_from_db()
    assert project.name == "Limits"

    form = ProjectForm({"name": "Limits", "description": "", field: value})
    assert not form.is_valid()
    assert field in form.errors


def test_a_document_description_one_past_the_project_limit_is_refused():
    problems = document_problems({"schema_version": 1, "description": text(PROJECT_DESCRIPTION_MAX + 1)})
    assert len(problems) == 1
    assert "description" in problems[0]
    assert f"longer than {PROJECT_DESCRIPTION_MAX} characters" in problems[0]
    document_parse({"schema_version": 1, "description": text(PROJECT_DESCRIPTION_MAX)}, limits=IMPORTED_LIMITS)


def test_a_generation_description_one_past_the_project_limit_is_refused_by_the_api_and_the_form(owner_api, board):
    project = board["project"]
    response = owner_api.post(
        f"/api/v1/projects/{project.pk}/generate-map/",
        {"description": text(PROJECT_DESCRIPTION_MAX + 1)},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "description" in response.json()
    assert not Generation.objects.exists()
    form = GenerateMapForm({"description": text(PROJECT_DESCRIPTION_MAX + 1), "mode": "append"})
    assert not form.is_valid()
    assert "description" in form.errors


# --- The constants are the ones in use -----------------------------------------------


TITLE_FIELDS = [(Persona, "name"), (Activity, "title"), (Step, "title"), (Release, "name"), (Story, "title")]
TEXT_FIELDS = [(Persona, "description"), (Activity, "description"), (Step, "description")]
TEXT_FIELDS += [(Release, "goal"), (Story, "description")]


def max_length(model: type, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def test_the_models_use_the_limits():
    assert {max_length(model, name) for model, name in TITLE_FIELDS} == {TITLE_MAX}
    assert {max_length(model, name) for model, name in TEXT_FIELDS} == {TEXT_MAX}
    assert (max_length(Project, "name"), max_length(Project, "description")) == (
        PROJECT_NAME_MAX,
        PROJECT_DESCRIPTION_MAX,
    )
    assert max_length(Generation, "description") == PROJECT_DESCRIPTION_MAX
    validators = Story._meta.get_field("estimate").validators
    assert MaxValueValidator(ESTIMATE_MAX) in validators
    assert MinValueValidator(ESTIMATE_MIN) in validators
    assert Story._meta.get_field("status").choices == StoryStatus.choices
    assert Story._meta.get_field("priority").choices == StoryPriority.choices
    assert (tuple(StoryPriority.values), tuple(StoryStatus.values)) == (PRIORITIES, STATUSES)


def fields_of(serializer_class: type[drf.Serializer]) -> dict[str, drf.Field]:
    return dict(serializer_class().fields)


INPUT_SERIALIZERS = [
    serializers.ActivityCreateSerializer,
    serializers.ActivityUpdateSerializer,
    serializers.StepCreateSerializer,
    serializers.StepUpdateSerializer,
    serializers.ReleaseCreateSerializer,
    serializers.ReleaseUpdateSerializer,
    serializers.PersonaWriteSerializer,
    serializers.StoryCreateSerializer,
    serializers.StoryUpdateSerializer,
]
TITLE_NAMES = {"title", "name"}
TEXT_NAMES = {"description", "goal"}
LIST_NAMES = {"acceptance_criteria", "goals"}


def test_the_api_serializers_use_the_limits():
    seen: set[str] = set()
    for serializer_class in INPUT_SERIALIZERS:
        for name, field in fields_of(serializer_class).items():
            seen.add(name)
            if name in TITLE_NAMES:
                assert field.max_length == TITLE_MAX, (serializer_class, name)
            elif name in TEXT_NAMES:
                assert field.max_length == TEXT_MAX, (serializer_class, name)
            elif name in LIST_NAMES:
                assert (field.max_length, field.child.max_length) == (CRITERIA_MAX, CRITERION_MAX)
            elif name == "estimate":
                assert (field.min_value, field.max_value) == (ESTIMATE_MIN, ESTIMATE_MAX)
            elif name == "status":
                assert list(field.choices) == StoryStatus.values
            elif name == "priority":
                assert list(field.choices) == StoryPriority.values
    assert seen >= TITLE_NAMES | TEXT_NAMES | LIST_NAMES | {"estimate", "status", "priority"}
    project = fields_of(ProjectWriteSerializer)
    assert (project["name"].max_length, project["description"].max_length) == (
        PROJECT_NAME_MAX,
        PROJECT_DESCRIPTION_MAX,
    )
    assert fields_of(GenerateMapSerializer)["description"].max_length == PROJECT_DESCRIPTION_MAX


FORMS: list[Callable[[], Any]] = [
    forms.ActivityForm,
    forms.StepForm,
    forms.ReleaseForm,
    forms.PersonaForm,
    forms.StoryTitleForm,
    lambda: forms.StoryForm(project=None),
]


def test_the_forms_use_the_limits_and_render_them_as_maxlength():
    for make in FORMS:
        form = make()
        for name, field in form.fields.items():
            if name in TITLE_NAMES:
                assert field.max_length == TITLE_MAX, (form, name)
            elif name in TEXT_NAMES:
                assert field.max_length == TEXT_MAX, (form, name)
    story_form = forms.StoryForm(project=None)
    assert (story_form.fields["estimate"].min_value, story_form.fields["estimate"].max_value) == (
        ESTIMATE_MIN,
        ESTIMATE_MAX,
    )
    assert list(dict(story_form.fields["status"].choices)) == StoryStatus.values
    assert list(dict(story_form.fields["priority"].choices)) == StoryPriority.values
    assert forms.ImportNewProjectForm().fields["name"].max_length == PROJECT_NAME_MAX
    project_form = ProjectForm().as_div()
    assert f'maxlength="{PROJECT_NAME_MAX}"' in project_form
    assert f'maxlength="{PROJECT_DESCRIPTION_MAX}"' in project_form
    assert f'maxlength="{PROJECT_DESCRIPTION_MAX}"' in GenerateMapForm().as_div()


def test_the_board_page_limits_its_inputs_as_the_api_does(owner_client, board):
    Story.objects.all().delete()  # an empty cell shows the new-story input too
    response = owner_client.get(reverse("stories:board", args=[board["project"].pk]))
    assert response.status_code == 200
    html = response.content.decode()
    limits = {
        match.group("name"): int(match.group("limit"))
        for match in re.finditer(r'name="(?P<name>\w+)"[^>]*?maxlength="(?P<limit>\d+)"', html)
    }
    colours = {f"name_{colour}": LABEL_NAME_MAX for colour in LabelColour.values}
    # The email is the Share dialog's (the owner's board), where an address is invited.
    assert limits == {
        "title": TITLE_MAX,
        "name": TITLE_MAX,
        "description": TEXT_MAX,
        "goal": TEXT_MAX,
        "email": EMAIL_MAX,
        **colours,
    }
    # Every text input and area of the board's forms carries a limit.
    unlimited = re.findall(
        r'<(?:input|textarea)(?![^>]*type="(?:hidden|submit|radio|checkbox)")(?![^>]*maxlength)'
        r'[^>]*name="(\w+)"',
        html,
    )
    assert set(unlimited) <= {"goals", "csrfmiddlewaretoken"}, unlimited


def test_the_ai_prompts_state_the_limits_they_are_checked_against():
    for path in (BACKBONE_PROMPT_FILE, STORIES_PROMPT_FILE):
        raw = path.read_text(encoding="utf-8")
        assert "$TITLE_MAX" in raw
        assert not re.search(r"\b(200|4,000|500)\b", raw), path
    assert f"titles up to {TITLE_MAX} characters" in system_prompt()
    assert (
        f"Titles up to {TITLE_MAX} characters, descriptions up to {TEXT_MAX:,}, each criterion up to {CRITERION_MAX}."
        in stories_system_prompt()
    )


# --- Stories saved before the limit held ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_estimates_the_api_accepted_past_the_limit_are_brought_to_it_by_the_migration():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("stories", "0002_mapsnapshot")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps
        user = old.get_model("accounts", "User").objects.create(email="olive@example.com", password="!")
        project = old.get_model("projects", "Project").objects.create(owner=user, name="Vet clinic")
        activity = old.get_model("stories", "Activity").objects.create(project=project, title="Book")
        step = old.get_model("stories", "Step").objects.create(project=project, activity=activity, title="Pick")
        OldStory = old.get_model("stories", "Story")
        big = OldStory.objects.create(project=project, step=step, title="Huge", estimate=5_000)
        fine = OldStory.objects.create(project=project, step=step, title="Fine", estimate=ESTIMATE_MAX)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert Story.objects.get(pk=big.pk).estimate == ESTIMATE_MAX
    assert Story.objects.get(pk=big.pk).version == 2
    assert (Story.objects.get(pk=fine.pk).estimate, Story.objects.get(pk=fine.pk).version) == (ESTIMATE_MAX, 1)
    Story.objects.get(pk=big.pk).full_clean()
