import csv
import io
import json

import pytest

from projects.services import project_create
from stories import services
from stories.exports import JIRA_COLUMNS
from stories.selectors import document_from_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    project = project_create(owner=owner, name="Vet clinic", description="Owners book visits.")
    owner_persona = services.persona_create(project=project, name="Pet owner", goals=["Book fast"])
    mvp = services.release_create(project=project, name="MVP", goal="Book online")
    book = services.activity_create(project=project, title="Book a visit", description="The core")
    pick = services.step_create(project=project, activity=book, title="Pick a time")
    confirm = services.step_create(project=project, activity=book, title="Confirm booking")
    remind = services.activity_create(project=project, title="Get reminders")
    vaccinate = services.step_create(project=project, activity=remind, title="Vaccination due")
    services.story_create(
        project=project,
        step=pick,
        release=mvp,
        title="See free slots",
        description="As a pet owner, I want to see free slots, so that I pick one.",
        acceptance_criteria=["Given a day, when I open it, then I see free slots"],
        priority="must",
        estimate=3,
        persona=owner_persona,
    )
    services.story_create(project=project, step=confirm, release=mvp, title="Get a confirmation", priority="should")
    services.story_create(
        project=project, step=vaccinate, title="Reminder by SMS, *fast*", priority="could", estimate=2
    )
    return project


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_json_export_is_the_story_map_document(owner_api, project):
    response = owner_api.get(f"/api/v1/projects/{project.pk}/export/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="vet-clinic.json"'
    assert json.loads(response.content) == document_from_map(project=project)


def test_jira_csv_has_the_columns_epics_first_and_parent_links(owner_api, project):
    response = owner_api.get(f"/api/v1/projects/{project.pk}/export/", {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8")
    assert text.splitlines()[0].split(",") == JIRA_COLUMNS
    table = rows(text)
    assert [row["Issue Type"] for row in table] == ["Epic", "Epic", "Story", "Story", "Story"]
    epics = {row["Summary"]: row["Issue ID"] for row in table if row["Issue Type"] == "Epic"}
    assert epics == {"Book a visit": "E1", "Get reminders": "E2"}
    stories = {row["Summary"]: row for row in table if row["Issue Type"] == "Story"}
    slots = stories["See free slots"]
    assert slots["Parent"] == "E1"
    assert slots["Priority"] == "High"
    assert slots["Story Points"] == "3"
    assert slots["Fix Version"] == "MVP"
    assert slots["Labels"] == "pick-a-time"
    assert "As a pet owner" in slots["Description"]
    assert "Acceptance criteria:\n- Given a day, when I open it, then I see free slots" in slots["Description"]
    assert stories["Reminder by SMS, *fast*"]["Parent"] == "E2"
    assert stories["Reminder by SMS, *fast*"]["Fix Version"] == ""


def test_jira_csv_can_make_steps_the_epics(owner_api, project):
    table = rows(
        owner_api.get(f"/api/v1/projects/{project.pk}/export/", {"format": "csv", "epics": "steps"}).content.decode()
    )
    epics = [row["Summary"] for row in table if row["Issue Type"] == "Epic"]
    assert epics == ["Pick a time", "Confirm booking", "Vaccination due"]
    parent = {row["Summary"]: row["Parent"] for row in table if row["Issue Type"] == "Story"}
    assert parent == {"See free slots": "E1", "Get a confirmation": "E2", "Reminder by SMS, *fast*": "E3"}


def test_markdown_export_is_an_outline_with_a_section_per_release(owner_api, project):
    response = owner_api.get(f"/api/v1/projects/{project.pk}/export/", {"format": "md"})
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# Vet clinic\n")
    for heading in ("## Personas", "## Map", "### Book a visit", "#### Pick a time", "## Release: MVP", "## Unplanned"):
        assert f"\n{heading}\n" in text
    assert "- **See free slots** (must, 3 points, MVP, Pet owner)" in text
    assert "  - [ ] Given a day, when I open it, then I see free slots" in text
    assert "2 stories, 3 points." in text
    assert "Reminder by SMS, \\*fast\\*" in text  # markup characters are shown, not applied


def test_an_unknown_format_is_a_400_naming_it(owner_api, project):
    response = owner_api.get(f"/api/v1/projects/{project.pk}/export/", {"format": "pdf", "epics": "themes"})
    assert response.status_code == 400
    assert set(response.json()) == {"format", "epics"}


def test_another_users_project_cannot_be_exported(outsider_api, client, outsider, project):
    assert outsider_api.get(f"/api/v1/projects/{project.pk}/export/").status_code == 404
    client.force_login(outsider)
    assert client.get(f"/projects/{project.pk}/export/?format=csv").status_code == 404


def test_the_board_menu_downloads_each_format(client, owner, project):
    client.force_login(owner)
    html = client.get(f"/projects/{project.pk}/").content.decode()
    for export_format in ("json", "csv", "md"):
        assert f"/projects/{project.pk}/export/?format={export_format}" in html
        response = client.get(f"/projects/{project.pk}/export/", {"format": export_format})
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment; filename=")


def test_cells_that_look_like_formulas_are_kept_as_text_and_read_back(owner_api, owner):
    from stories.imports import document_from_file

    project = project_create(owner=owner, name="Sheets")
    step = services.step_create(
        project=project, activity=services.activity_create(project=project, title="=A"), title="S"
    )
    services.story_create(project=project, step=step, title='=HYPERLINK("http://evil.example")')
    text = owner_api.get(f"/api/v1/projects/{project.pk}/export/", {"format": "csv"}).content.decode()
    table = rows(text)
    assert table[0]["Summary"] == "'=A"
    assert table[1]["Summary"] == '\'=HYPERLINK("http://evil.example")'
    document = document_from_file(text.encode(), filename="sheets.csv")
    assert document["activities"][0]["title"] == "=A"
    assert document["activities"][0]["steps"][0]["stories"][0]["title"] == '=HYPERLINK("http://evil.example")'
