"""Importing story maps over the JSON API, and exporting them so that they import back."""

import copy
import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from projects.models import Project
from projects.services import project_create
from stories import services
from stories.models import Activity, MapSnapshot, Persona, Release, Step, Story

pytestmark = pytest.mark.django_db

IMPORT_URL = "/api/v1/projects/import/"
JIRA_HEADER = [
    "Issue ID",
    "Issue Type",
    "Summary",
    "Description",
    "Parent",
    "Priority",
    "Labels",
    "Story Points",
    "Fix Version",
    "Status",
    "Persona",
]


def map_import_url(project: Project, mode: str | None = None) -> str:
    return f"/api/v1/projects/{project.pk}/import/" + (f"?mode={mode}" if mode else "")


def export(client, project: Project, export_format: str = "json", **params: str):
    response = client.get(f"/api/v1/projects/{project.pk}/export/", {"format": export_format, **params})
    assert response.status_code == 200, response.content
    return json.loads(response.content) if export_format == "json" else response.content.decode("utf-8")


def send(client, url: str, content: bytes | str, content_type: str):
    """The file as the request body, as a script would send it."""
    return client.generic("POST", url, data=content, content_type=content_type)


def upload(client, url: str, content: bytes, filename: str, content_type: str = "text/csv"):
    """The file as a multipart field named "file", as a browser form would send it."""
    return client.post(
        url, {"file": SimpleUploadedFile(filename, content, content_type=content_type)}, format="multipart"
    )


def new_project(response) -> Project:
    assert response.status_code == 201, response.content
    return Project.objects.get(pk=response.json()["id"])


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def board_stories(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (activity["title"], step["title"], story)
        for activity in document["activities"]
        for step in activity["steps"]
        for story in step["stories"]
    ]


@pytest.fixture
def varied(owner):
    """A map with a bit of everything a document can carry."""
    project = project_create(owner=owner, name="Vet clinic", description="Owners book visits; vets see them.")
    pet_owner = services.persona_create(
        project=project, name="Pet owner", description="Busy, books from a phone.", goals=["Book fast", "No calls"]
    )
    receptionist = services.persona_create(project=project, name="Receptionist")
    mvp = services.release_create(project=project, name="MVP", goal="Book online")
    later = services.release_create(project=project, name="Later")
    services.release_create(project=project, name="Someday", goal="Nothing planned yet")
    book = services.activity_create(project=project, title="Book a visit", description="The core journey")
    pick = services.step_create(project=project, activity=book, title="Pick a time", description="Calendar view")
    confirm = services.step_create(project=project, activity=book, title="Confirm booking")
    remind = services.activity_create(project=project, title="Get reminders", description="Before each visit")
    vaccination = services.step_create(project=project, activity=remind, title="Vaccination due")
    services.step_create(project=project, activity=remind, title="Follow up")  # a step without stories
    services.activity_create(project=project, title="Pay")  # an activity without steps
    services.story_create(
        project=project,
        step=pick,
        release=mvp,
        title="See free slots",
        description="As a pet owner, I want to see free slots, so that I pick one.",
        acceptance_criteria=["Given a day, when I open it, then I see free slots", "Full days are greyed out"],
        priority="must",
        estimate=3,
        persona=pet_owner,
        status="done",
    )
    services.story_create(
        project=project,
        step=pick,
        release=mvp,
        title="Filter by vet",
        priority="should",
        estimate=0,
        status="in_progress",
    )
    services.story_create(project=project, step=pick, release=later, title="Book for two pets", priority="could")
    services.story_create(project=project, step=pick, title="Voice booking", priority="wont", estimate=13)
    services.story_create(
        project=project, step=confirm, release=mvp, title="Get a confirmation", estimate=2, persona=receptionist
    )
    services.story_create(
        project=project,
        step=vaccination,
        title="Reminder by SMS, \u201cfast\u201d",
        description="Line one,\nline two: ünïcode",
        acceptance_criteria=["Sent 7 days before"],
        priority="could",
        estimate=5,
    )
    return project


@pytest.fixture
def target(owner):
    """A project that has a map of its own already."""
    project = project_create(owner=owner, name="Clinic v2", description="The second try.")
    mvp = services.release_create(project=project, name="mvp", goal="Old goal")
    services.persona_create(project=project, name="Vet", goals=["See the day"])
    sign_up = services.activity_create(project=project, title="Sign up")
    email = services.step_create(project=project, activity=sign_up, title="Enter email")
    services.story_create(project=project, step=email, release=mvp, title="Check the address", estimate=1)
    services.activity_create(project=project, title="Log in")
    return project


# --- Round trips -------------------------------------------------------------------------------


def test_the_json_export_imports_as_a_new_project_that_exports_the_same(owner_api, varied):
    document = export(owner_api, varied)
    # The export carries everything the map has, so that equal exports mean equal maps.
    stories = {story["title"]: story for _, _, story in board_stories(document)}
    assert {story["status"] for story in stories.values()} == {"todo", "in_progress", "done"}
    assert [stories[title]["estimate"] for title in ("Filter by vet", "Book for two pets")] == [0, None]
    assert stories["Voice booking"]["priority"] == "wont"
    assert stories["See free slots"]["persona"] == "Pet owner"
    assert stories["Voice booking"]["release"] is None
    assert document["personas"][0]["goals"] == ["Book fast", "No calls"]
    assert [release["name"] for release in document["releases"]] == ["MVP", "Later", "Someday"]

    response = send(owner_api, IMPORT_URL, json.dumps(document), "application/json")
    imported = new_project(response)
    assert imported.pk != varied.pk
    body = response.json()
    assert (body["name"], body["description"]) == ("Vet clinic", "Owners book visits; vets see them.")
    assert (body["activity_count"], body["story_count"], body["point_total"]) == (3, 6, 23)
    assert export(owner_api, imported) == document


def test_the_json_export_uploaded_as_a_file_imports_the_same(owner_api, varied):
    document = export(owner_api, varied)
    response = upload(owner_api, IMPORT_URL, json.dumps(document).encode(), "vet-clinic.json", "application/json")
    assert export(owner_api, new_project(response)) == document


def test_importing_with_replace_swaps_the_map_and_keeps_the_old_one_as_a_snapshot(owner_api, varied, target):
    before = export(owner_api, target)
    document = export(owner_api, varied)

    response = send(owner_api, map_import_url(target, "replace"), json.dumps(document), "application/json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["id"], body["name"], body["story_count"], body["point_total"]) == (target.pk, "Clinic v2", 6, 23)
    after = export(owner_api, target)
    assert after == {**document, "title": "Clinic v2", "description": "The second try."}
    snapshot = MapSnapshot.objects.get(project=target)
    assert snapshot.reason == "Before an import"
    assert snapshot.document == before
    assert snapshot.counts == {"personas": 1, "releases": 1, "activities": 2, "steps": 1, "stories": 1}
    assert Project.objects.filter(owner=target.owner).count() == 2  # no new project


def test_replace_is_the_default_mode(owner_api, varied, target):
    response = send(owner_api, map_import_url(target), json.dumps(export(owner_api, varied)), "application/json")
    assert response.status_code == 201, response.content
    assert [activity["title"] for activity in export(owner_api, target)["activities"]] == [
        "Book a visit",
        "Get reminders",
        "Pay",
    ]
    assert MapSnapshot.objects.filter(project=target).count() == 1


def test_importing_with_append_adds_the_activities_after_the_existing_ones(owner_api, varied, target):
    document = export(owner_api, varied)

    response = send(owner_api, map_import_url(target, "append"), json.dumps(document), "application/json")

    assert response.status_code == 201, response.content
    assert (response.json()["activity_count"], response.json()["story_count"]) == (5, 7)
    after = export(owner_api, target)
    assert [activity["title"] for activity in after["activities"]] == [
        "Sign up",
        "Log in",
        "Book a visit",
        "Get reminders",
        "Pay",
    ]
    # Releases and personas of the same name are reused (whatever the case), the others added after.
    assert after["releases"] == [
        {"name": "mvp", "goal": "Old goal"},
        {"name": "Later", "goal": ""},
        {"name": "Someday", "goal": "Nothing planned yet"},
    ]
    assert [persona["name"] for persona in after["personas"]] == ["Vet", "Pet owner", "Receptionist"]
    assert after["activities"][0]["steps"][0]["stories"][0]["title"] == "Check the address"
    # Positions stay gapless: 0, 1, 2, … in each group.
    assert list(Activity.objects.filter(project=target).values_list("position", flat=True)) == [0, 1, 2, 3, 4]
    assert list(Release.objects.filter(project=target).values_list("position", flat=True)) == [0, 1, 2]
    assert list(Persona.objects.filter(project=target).values_list("position", flat=True)) == [0, 1, 2]
    for activity in Activity.objects.filter(project=target):
        positions = list(Step.objects.filter(activity=activity).values_list("position", flat=True))
        assert positions == list(range(len(positions))), activity.title
    for step in Step.objects.filter(project=target):
        for release_id in {story.release_id for story in Story.objects.filter(step=step)}:
            cell = Story.objects.filter(step=step, release_id=release_id)  # type: ignore[misc]  # None: IS NULL
            positions = list(cell.values_list("position", flat=True))
            assert positions == list(range(len(positions))), step.title
    assert not MapSnapshot.objects.filter(project=target).exists()


def test_appended_stories_join_the_existing_release_of_the_same_name(owner_api, varied, target):
    document = export(owner_api, varied)
    send(owner_api, map_import_url(target, "append"), json.dumps(document), "application/json")
    after = export(owner_api, target)
    expected = copy.deepcopy(document["activities"])
    for _, _, story in board_stories({"activities": expected}):
        if story["release"] == "MVP":
            story["release"] = "mvp"
    assert after["activities"][2:] == expected
    assert Release.objects.filter(project=target, name__iexact="mvp").count() == 1


# --- Spreadsheet CSV ------------------------------------------------------------------------------

SPREADSHEET = (
    "Activity,Step,Story,Description,Release,Priority,Estimate\n"
    "Browse,Search,Find by name,Type a name,MVP,must,3\n"
    "Browse,Search,Filter by price,,MVP,High,0\n"
    "Browse,Search,Save a search,,Later,won't,\n"
    'Buy,Pay,Pay by card,"Visa, Mastercard",MVP,Medium,5\n'
    "Browse,Compare,,,,,\n"
    "Buy,Pay,Pay later,,,could,8\n"
    "Buy,Track order,Get updates,,Later,Lowest,2\n"
)


def test_a_spreadsheet_csv_builds_the_board(owner_api):
    response = send(owner_api, IMPORT_URL, SPREADSHEET, "text/csv")

    project = new_project(response)
    body = response.json()
    assert (body["name"], body["activity_count"], body["story_count"], body["point_total"]) == (
        "Imported story map",
        2,
        6,
        18,
    )
    document = export(owner_api, project)
    outline = [
        (activity["title"], [(step["title"], [s["title"] for s in step["stories"]]) for step in activity["steps"]])
        for activity in document["activities"]
    ]
    assert outline == [
        ("Browse", [("Search", ["Find by name", "Filter by price", "Save a search"]), ("Compare", [])]),
        ("Buy", [("Pay", ["Pay by card", "Pay later"]), ("Track order", ["Get updates"])]),
    ]
    assert document["releases"] == [{"name": "MVP", "goal": ""}, {"name": "Later", "goal": ""}]
    facts = {
        story["title"]: (story["release"], story["priority"], story["estimate"], story["description"])
        for _, _, story in board_stories(document)
    }
    assert facts == {
        "Find by name": ("MVP", "must", 3, "Type a name"),
        "Filter by price": ("MVP", "must", 0, ""),
        "Save a search": ("Later", "wont", None, ""),
        "Pay by card": ("MVP", "should", 5, "Visa, Mastercard"),
        "Pay later": (None, "could", 8, ""),
        "Get updates": ("Later", "wont", 2, ""),
    }


def test_a_spreadsheet_with_columns_in_another_order_and_summary_for_story(owner_api):
    content = "Estimate,Summary,Step,Activity,Priority\n3,Find by name,Search,Browse,could\n"
    project = new_project(send(owner_api, IMPORT_URL, content, "text/csv"))
    [(activity, step, story)] = board_stories(export(owner_api, project))
    assert (activity, step, story["title"], story["estimate"], story["priority"]) == (
        "Browse",
        "Search",
        "Find by name",
        3,
        "could",
    )


def test_a_spreadsheet_saved_with_a_byte_order_mark_imports(owner_api):
    project = new_project(upload(owner_api, IMPORT_URL, "\ufeff".encode() + SPREADSHEET.encode(), "shop.csv"))
    assert [activity["title"] for activity in export(owner_api, project)["activities"]] == ["Browse", "Buy"]


def test_a_spreadsheet_can_be_appended_to_an_existing_map(owner_api, target):
    response = upload(owner_api, map_import_url(target, "append"), SPREADSHEET.encode(), "shop.csv")
    assert response.status_code == 201, response.content
    after = export(owner_api, target)
    assert [activity["title"] for activity in after["activities"]] == ["Sign up", "Log in", "Browse", "Buy"]
    assert [release["name"] for release in after["releases"]] == ["mvp", "Later"]


# --- The new project's name ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "query", "expected"),
    [
        ("json-body", "?name=Q3%20plan", "Q3 plan"),
        ("json-body", "", "Pet shop"),
        ("json-upload", "", "Pet shop"),
        ("csv-upload", "?name=From%20the%20query", "From the query"),
        ("csv-upload", "", "roadmap"),
        ("csv-upload", "?name=%20%20", "roadmap"),
        ("csv-body", "", "Imported story map"),
        ("untitled-json-body", "", "Imported story map"),
    ],
)
def test_the_new_projects_name(owner_api, how, query, expected):
    titled = json.dumps({"title": "Pet shop", "activities": [{"title": "Buy"}]}).encode()
    url = IMPORT_URL + query
    if how == "json-body":
        response = send(owner_api, url, titled, "application/json")
    elif how == "json-upload":
        response = upload(owner_api, url, titled, "catalogue.json", "application/json")
    elif how == "csv-upload":
        response = upload(owner_api, url, SPREADSHEET.encode(), "roadmap.csv")
    elif how == "csv-body":
        response = send(owner_api, url, SPREADSHEET, "text/csv")
    else:
        response = send(owner_api, url, b'{"activities": [{"title": "Buy"}]}', "application/json")
    assert new_project(response).name == expected
    assert response.json()["name"] == expected


def test_a_long_title_is_cut_to_a_project_name(owner_api):
    title = "Very long title " * 12  # 192 characters: a fine document title, too long for a project name
    project = new_project(send(owner_api, IMPORT_URL, json.dumps({"title": title}), "application/json"))
    assert project.name == title.strip()[:120].strip()


def test_the_imported_project_is_the_importers(owner_api, outsider_api, owner):
    project = new_project(send(owner_api, IMPORT_URL, SPREADSHEET, "text/csv"))
    assert project.owner == owner
    assert outsider_api.get(f"/api/v1/projects/{project.pk}/export/").status_code == 404


# --- Jira CSV ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("epics", "epic_titles"), [("activities", 3), ("steps", 4)])
def test_the_jira_csv_lists_epics_first_and_parents_every_story(owner_api, varied, epics, epic_titles):
    text = export(owner_api, varied, "csv", epics=epics)
    assert next(csv.reader(io.StringIO(text))) == JIRA_HEADER
    table = rows(text)
    kinds = [row["Issue Type"] for row in table]
    assert kinds == ["Epic"] * epic_titles + ["Story"] * 6
    ids = [row["Issue ID"] for row in table]
    assert len(set(ids)) == len(ids)
    epic_ids = {row["Issue ID"]: row["Summary"] for row in table if row["Issue Type"] == "Epic"}
    parents = {row["Summary"]: epic_ids[row["Parent"]] for row in table if row["Issue Type"] == "Story"}
    if epics == "activities":
        assert list(epic_ids.values()) == ["Book a visit", "Get reminders", "Pay"]
        assert parents["Get a confirmation"] == "Book a visit"
        assert parents["Reminder by SMS, \u201cfast\u201d"] == "Get reminders"
    else:
        assert list(epic_ids.values()) == ["Pick a time", "Confirm booking", "Vaccination due", "Follow up"]
        assert parents["Get a confirmation"] == "Confirm booking"
        assert parents["Voice booking"] == "Pick a time"
    slots = next(row for row in table if row["Summary"] == "See free slots")
    assert (slots["Priority"], slots["Story Points"], slots["Fix Version"], slots["Labels"]) == (
        "High",
        "3",
        "MVP",
        "pick-a-time",
    )
    filter_row = next(row for row in table if row["Summary"] == "Filter by vet")
    assert (filter_row["Story Points"], filter_row["Priority"]) == ("0", "Medium")
    voice = next(row for row in table if row["Summary"] == "Voice booking")
    assert (voice["Priority"], voice["Fix Version"]) == ("Lowest", "")


def test_the_jira_csv_imports_back_with_its_stories(owner_api, varied):
    document = export(owner_api, varied)
    text = export(owner_api, varied, "csv", epics="activities")

    imported = export(owner_api, new_project(upload(owner_api, IMPORT_URL, text.encode(), "vet-clinic.csv")))

    assert imported["title"] == "vet-clinic"
    assert [activity["title"] for activity in imported["activities"]] == ["Book a visit", "Get reminders", "Pay"]
    # Each story's step comes back from its label; steps without stories have no label to come back from.
    assert [[step["title"] for step in activity["steps"]] for activity in imported["activities"]] == [
        ["Pick a time", "Confirm booking"],
        ["Vaccination due"],
        [],
    ]

    def essentials(doc: dict) -> list[tuple]:
        return [
            (
                activity,
                step,
                story["title"],
                story["description"],
                story["acceptance_criteria"],
                story["release"],
                story["priority"],
                story["estimate"],
            )
            for activity, step, story in board_stories(doc)
        ]

    assert essentials(imported) == essentials(document)


def test_the_jira_csv_imports_back_with_the_activities_descriptions(owner_api, varied):
    # The export writes each activity's description into its epic's Description column; reading it back drops it.
    text = export(owner_api, varied, "csv", epics="activities")
    assert next(row for row in rows(text) if row["Summary"] == "Book a visit")["Description"] == "The core journey"

    imported = export(owner_api, new_project(send(owner_api, IMPORT_URL, text, "text/csv")))

    assert [activity["description"] for activity in imported["activities"]] == [
        "The core journey",
        "Before each visit",
        "",
    ]


def test_the_jira_csv_with_steps_as_epics_imports_back_steps_under_their_activities(owner_api, varied):
    # Each step's epic carries its activity as its label: the steps come back under their activities,
    # even a step without stories.
    text = export(owner_api, varied, "csv", epics="steps")
    imported = export(owner_api, new_project(send(owner_api, IMPORT_URL, text, "text/csv")))
    outline = [
        (activity["title"], [(step["title"], [s["title"] for s in step["stories"]]) for step in activity["steps"]])
        for activity in imported["activities"]
    ]
    assert outline == [
        (
            "Book a visit",
            [
                ("Pick a time", ["See free slots", "Filter by vet", "Book for two pets", "Voice booking"]),
                ("Confirm booking", ["Get a confirmation"]),
            ],
        ),
        ("Get reminders", [("Vaccination due", ["Reminder by SMS, \u201cfast\u201d"]), ("Follow up", [])]),
    ]


# --- Broken files --------------------------------------------------------------------------------

BAD_FILES: dict[str, tuple[bytes | str, str, str]] = {
    "not-utf8": ("Activity,Step,Story\nCafé,Order,Pay\n".encode("latin-1"), "text/csv", "UTF-8"),
    "missing-columns": (b"Activity,Title\nBrowse,Find\n", "text/csv", "Missing columns: Step, Story."),
    "invalid-json": (b'{\n  "title": "Map",\n  "activities": [\n}\n', "application/json", "Line 4, column 1: "),
    "story-without-title": (
        b"Activity,Step,Story,Description\nBrowse,Search,Find,\nBrowse,Search,,Has a description\n",
        "text/csv",
        "Line 3: Story is empty; every story needs a title.",
    ),
    "release-as-a-number": (
        json.dumps(
            {"activities": [{"title": "A", "steps": [{"title": "S", "stories": [{"title": "T", "release": 2}]}]}]}
        ),
        "application/json",
        "activities[0].steps[0].stories[0].release: must be a name (a string) or null",
    ),
    "empty": (b"", "text/csv", "The file is empty."),
    "blank": (b"\n  \n", "application/json", "The file is empty."),
}


def assert_refused(response, expected: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "The file was not imported; nothing was changed."
    assert any(expected in problem for problem in body["problems"]), body["problems"]


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_broken_file_creates_no_project(owner_api, owner, target, case):
    content, content_type, expected = BAD_FILES[case]
    projects = list(Project.objects.values_list("pk", flat=True))
    assert_refused(send(owner_api, IMPORT_URL, content, content_type), expected)
    assert list(Project.objects.values_list("pk", flat=True)) == projects


@pytest.mark.parametrize("case", BAD_FILES)
@pytest.mark.parametrize("mode", ["replace", "append"])
def test_a_broken_file_leaves_the_map_as_it_was(owner_api, target, case, mode):
    content, content_type, expected = BAD_FILES[case]
    before = export(owner_api, target)
    assert_refused(send(owner_api, map_import_url(target, mode), content, content_type), expected)
    assert export(owner_api, target) == before
    assert not MapSnapshot.objects.filter(project=target).exists()


def test_a_broken_upload_is_refused_like_a_broken_body(owner_api, target):
    content = "Activity,Step,Story\nCafé,Order,Pay\n".encode("latin-1")
    before = export(owner_api, target)
    assert_refused(upload(owner_api, map_import_url(target), content, "map.csv"), "UTF-8")
    assert_refused(upload(owner_api, IMPORT_URL, content, "map.csv"), "UTF-8")
    assert export(owner_api, target) == before
    assert Project.objects.count() == 1


FIVE_MB = 5 * 1024 * 1024


@pytest.mark.parametrize("size", [FIVE_MB + 1024, int(5.2 * 1024 * 1024)], ids=["just-over", "5.2MB"])
def test_a_body_over_five_mb_is_refused(owner_api, target, size):
    content = b"Activity,Step,Story\n" + b"x" * size
    before = export(owner_api, target)
    assert_refused(send(owner_api, IMPORT_URL, content, "text/csv"), "5 MB")
    assert_refused(send(owner_api, map_import_url(target), content, "text/csv"), "5 MB")
    assert Project.objects.count() == 1
    assert export(owner_api, target) == before


def test_an_upload_over_five_mb_is_refused(owner_api, target):
    content = b"Activity,Step,Story\n" + b"x" * FIVE_MB
    assert_refused(upload(owner_api, IMPORT_URL, content, "big.csv"), "5 MB")
    assert Project.objects.count() == 1


def test_a_document_over_the_activity_limit_is_refused(owner_api, target):
    document = {"activities": [{"title": f"Activity {number}"} for number in range(51)]}
    before = export(owner_api, target)
    assert_refused(
        send(owner_api, IMPORT_URL, json.dumps(document), "application/json"),
        "has 51 activities; at most 50 are allowed",
    )
    assert_refused(
        send(owner_api, map_import_url(target, "append"), json.dumps(document), "application/json"),
        "has 51 activities; at most 50 are allowed",
    )
    assert Project.objects.count() == 1
    assert export(owner_api, target) == before


def test_a_file_over_the_story_limit_is_refused(owner_api, target):
    content = "Activity,Step,Story\n" + "Browse,Search,Find\n" * 5_001
    before = export(owner_api, target)
    response = send(owner_api, map_import_url(target, "replace"), content, "text/csv")
    assert_refused(response, "hold 5001 stories; at most 5000 are allowed")
    assert_refused(send(owner_api, IMPORT_URL, content, "text/csv"), "at most 5000 are allowed")
    assert export(owner_api, target) == before
    assert Project.objects.count() == 1


def test_at_most_twenty_problems_are_listed(owner_api):
    content = "Activity,Step,Story,Estimate\n" + "".join(f"Browse,Search,Story {n},lots\n" for n in range(30))
    response = send(owner_api, IMPORT_URL, content, "text/csv")
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert len(problems) == 20
    assert problems[0] == "Line 2: Estimate 'lots' is not a whole number of points."
    assert problems[19].startswith("Line 21: ")
    assert not Project.objects.exists()


def test_deeply_nested_json_is_a_400_not_a_server_error(owner_api, target):
    owner_api.raise_request_exception = False
    response = send(owner_api, map_import_url(target), b"[" * 100_000, "application/json")
    assert response.status_code == 400
    assert response.json()["problems"]


def test_a_multipart_request_without_a_file_field_is_a_400_naming_it(owner_api, target):
    before = export(owner_api, target)
    upload_elsewhere = {"document": SimpleUploadedFile("map.csv", SPREADSHEET.encode(), content_type="text/csv")}
    response = owner_api.post(IMPORT_URL, upload_elsewhere, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()
    response = owner_api.post(map_import_url(target), {"mode": "append"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()
    assert Project.objects.count() == 1
    assert export(owner_api, target) == before


def test_an_unknown_mode_is_a_400_naming_it(owner_api, target, varied):
    before = export(owner_api, target)
    response = send(
        owner_api, map_import_url(target, "merge"), json.dumps(export(owner_api, varied)), "application/json"
    )
    assert response.status_code == 400
    assert "mode" in response.json()
    assert export(owner_api, target) == before
    assert not MapSnapshot.objects.filter(project=target).exists()


# --- Who may import and export ------------------------------------------------------------------


def test_another_users_project_can_be_neither_imported_into_nor_exported(outsider_api, owner_api, target):
    before = export(owner_api, target)
    for mode in ("replace", "append"):
        assert send(outsider_api, map_import_url(target, mode), SPREADSHEET, "text/csv").status_code == 404
        response = upload(outsider_api, map_import_url(target, mode), SPREADSHEET.encode(), "map.csv")
        assert response.status_code == 404
    for export_format in ("json", "csv", "md"):
        response = outsider_api.get(f"/api/v1/projects/{target.pk}/export/", {"format": export_format})
        assert response.status_code == 404
    assert export(owner_api, target) == before
    assert not MapSnapshot.objects.exists()


def test_an_unknown_project_is_a_404(owner_api):
    assert send(owner_api, "/api/v1/projects/999999/import/", SPREADSHEET, "text/csv").status_code == 404
    assert owner_api.get("/api/v1/projects/999999/export/").status_code == 404


def test_without_signing_in_nothing_is_imported_or_exported(api_client, owner_api, target):
    before = export(owner_api, target)
    assert send(api_client, IMPORT_URL, SPREADSHEET, "text/csv").status_code == 401
    assert send(api_client, map_import_url(target), SPREADSHEET, "text/csv").status_code == 401
    assert upload(api_client, IMPORT_URL, SPREADSHEET.encode(), "map.csv").status_code == 401
    assert api_client.get(f"/api/v1/projects/{target.pk}/export/").status_code == 401
    assert Project.objects.count() == 1
    assert export(owner_api, target) == before
