"""The Jira CSV keeps persona, status and labels: exported, imported and exported again it is the same file."""

import csv
import io

import pytest

from projects.models import Project
from projects.services import project_create
from stories import services
from stories.document import DocumentInvalid
from stories.imports import document_from_file
from stories.models import Story
from stories.selectors import document_from_map, project_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(owner) -> Project:
    project = project_create(owner=owner, name="Vet clinic", label_names={"red": "Payments", "teal": "Front end"})
    owner_persona = services.persona_create(project=project, name="Pet owner")
    vet = services.persona_create(project=project, name="Vet")
    mvp = services.release_create(project=project, name="MVP")
    book = services.activity_create(project=project, title="Book a visit", description="The core")
    pick = services.step_create(project=project, activity=book, title="Pick a time")
    confirm = services.step_create(project=project, activity=book, title="Confirm booking")
    treat = services.activity_create(project=project, title="Treat")
    notes = services.step_create(project=project, activity=treat, title="Write notes")
    services.story_create(
        project=project,
        step=pick,
        release=mvp,
        title="See free slots",
        acceptance_criteria=["Given a day, when I open it, then I see free slots"],
        priority="must",
        estimate=3,
        persona=owner_persona,
        status="done",
        labels=["red", "teal", "risky", "needs-split"],
    )
    services.story_create(
        project=project, step=pick, title="Book for two pets", persona=owner_persona, status="in_progress"
    )
    services.story_create(project=project, step=confirm, release=mvp, title="Get a confirmation", labels=["blue"])
    services.story_create(project=project, step=notes, title="Dictate notes", persona=vet, labels=["blocked", "red"])
    return project


def csv_of(project: Project, epic_level: str = "activities") -> str:
    return project_export(project=project, export_format="csv", epic_level=epic_level)[0]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def reimported(owner, text: str) -> Project:
    document = document_from_file(text.encode(), filename="vet-clinic.csv")
    return services.project_import(owner=owner, document=document, name="Again")


def test_labels_persona_and_status_are_columns_jira_reads(clinic):
    table = rows(csv_of(clinic))
    header = table[0]
    # Four labels at most on a story: the step's label and four more "Labels" columns.
    assert header == [
        "Issue ID",
        "Issue Type",
        "Summary",
        "Description",
        "Parent",
        "Priority",
        *["Labels"] * 5,
        "Story Points",
        "Fix Version",
        "Status",
        "Persona",
    ]
    by_summary = {row[2]: row for row in table[1:]}
    slots = by_summary["See free slots"]
    assert slots[6:11] == ["pick-a-time", "front-end", "needs-split", "payments", "risky"]
    assert slots[11:] == ["3", "MVP", "Done", "Pet owner"]
    assert by_summary["Book for two pets"][6:] == ["pick-a-time", "", "", "", "", "", "", "In Progress", "Pet owner"]
    assert by_summary["Get a confirmation"][13:] == ["To Do", ""]
    assert by_summary["Book a visit"][6:] == ["book-a-visit", "", "", "", "", "", "", "", ""]


@pytest.mark.parametrize("epic_level", ["activities", "steps"])
def test_exported_imported_and_exported_again_the_csv_is_the_same(owner, clinic, epic_level):
    text = csv_of(clinic, epic_level)
    again = reimported(owner, text)
    assert csv_of(again, epic_level) == text


def test_the_imported_map_has_the_personas_statuses_and_labels(owner, clinic):
    again = reimported(owner, csv_of(clinic))
    stories = {story.title: story for story in Story.objects.filter(project=again).select_related("persona")}
    slots = stories["See free slots"]
    assert (slots.status, slots.persona.name, slots.priority, slots.estimate) == ("done", "Pet owner", "must", 3)
    assert stories["Book for two pets"].status == "in_progress"
    assert stories["Dictate notes"].persona.name == "Vet"
    document = document_from_map(project=again)
    by_title = {s["title"]: s for a in document["activities"] for st in a["steps"] for s in st["stories"]}
    # Jira labels have no capitals or spaces; the names come back readable. The file does not say which
    # colour a name had: new names take the free colours in the order the file gives them.
    assert document["labels"] == [{"colour": "red", "name": "Front end"}, {"colour": "orange", "name": "Payments"}]
    assert by_title["See free slots"]["labels"] == ["Front end", "Payments", "Risky", "Needs split"]
    assert by_title["Get a confirmation"]["labels"] == ["Blue"]
    assert by_title["Dictate notes"]["labels"] == ["Payments", "Blocked"]


def test_steps_as_epics_come_back_under_their_activities(owner, clinic):
    document = document_from_map(project=reimported(owner, csv_of(clinic, "steps")))
    assert [(a["title"], [s["title"] for s in a["steps"]]) for a in document["activities"]] == [
        ("Book a visit", ["Pick a time", "Confirm booking"]),
        ("Treat", ["Write notes"]),
    ]


HEADER = (
    "Issue ID,Issue Type,Summary,Description,Parent,Priority,Labels,Labels,Story Points,Fix Version,Status,Persona\n"
)


def test_a_jira_csv_with_an_unknown_status_or_too_many_labels_is_refused_by_line():
    teams = ",".join(f"team-{n}" for n in range(9))
    text = (
        HEADER.replace("Labels,Labels", "Labels," + ",".join(["Labels"] * 9))
        + "E1,Epic,Book,,,,book"
        + "," * 9
        + ",,,,\n"
        + f"S1,Story,One,,E1,,step,{teams},,,Blocked on legal,\n"
        + "S2,Story,Two,,E1,,step,"
        + "," * 8
        + ",,,done,\n"
    )
    with pytest.raises(DocumentInvalid) as error:
        document_from_file(text.encode(), filename="jira.csv")
    assert error.value.problems == [
        "Line 3: the label “Team 8” would be colour number 9: a map has 8 colour labels besides the annotations "
        "(Risky, Blocked, Unclear, Needs split).",
        "Line 3: Status 'Blocked on legal' is not one of To Do, In Progress, Done.",
    ]


def test_a_jira_csv_from_elsewhere_reads_its_labels_and_statuses_leniently():
    text = (
        HEADER
        + "E1,Epic,Book,,,,,,,,,\n"
        + "S1,Story,One,,E1,,search,Risky,,,in progress,Owner\n"
        + "S2,Story,Two,,E1,,search,ux,,,DONE,\n"
    )
    document = document_from_file(text.encode(), filename="jira.csv")
    one, two = document["activities"][0]["steps"][0]["stories"]
    assert (one["labels"], one["status"], one["persona"]) == (["Risky"], "in_progress", "Owner")
    assert (two["labels"], two["status"]) == (["Ux"], "done")
    assert document["labels"] == [{"colour": "red", "name": "Ux"}]
