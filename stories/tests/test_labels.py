"""Labels end to end: the project's colour names, a story's labels through the editor, the API,
the document format, the exports and the spreadsheet import."""

import json
import re

import pytest
from django.core.exceptions import ValidationError

from projects.models import Project
from projects.services import project_create, project_labels_update
from stories import services
from stories.document import IMPORTED_LIMITS, DocumentInvalid, document_parse
from stories.imports import document_from_file
from stories.labels import clean_label_names, keys_for_names, label_names
from stories.limits import LabelColour
from stories.models import MapSnapshot, Story
from stories.selectors import document_from_map, project_export

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(owner):
    """Two activities (Buy listed after Browse), three steps, a renamed colour and a labelled story."""
    project = project_create(owner=owner, name="Shop", label_names={"red": "Payments"})
    buy = services.activity_create(project=project, title="Buy")
    browse = services.activity_create(project=project, title="Browse", position=0)
    pay = services.step_create(project=project, activity=buy, title="Pay")
    search = services.step_create(project=project, activity=browse, title="Search")
    services.step_create(project=project, activity=browse, title="Compare")
    story = services.story_create(project=project, step=pay, title="Pay by card", labels=["risky", "red", "red"])
    return {"project": project, "pay": pay, "search": search, "story": story}


def story_url(story: Story) -> str:
    return f"/board/stories/{story.pk}/"


def labels_url(project: Project) -> str:
    return f"/projects/{project.pk}/labels/"


# --- Names ------------------------------------------------------------------------------


def test_a_story_keeps_its_labels_once_each_in_palette_order(shop):
    assert shop["story"].labels == ["red", "risky"]
    assert label_names(shop["project"])["red"] == "Payments"
    assert label_names(shop["project"])["blue"] == "Blue"


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ({"red": "Payments", "blue": " payments "}, "Blue: “payments” is already the name of another colour (Red)"),
        ({"green": "Risky"}, "Green: “Risky” is the name of an annotation (Risky)"),
        ({"green": "needs_split"}, "Green: “needs_split” is the name of an annotation (Needs split)"),
        ({"green": "Blue"}, "Green: “Blue” is the name of another colour (Blue)"),
        ({"green": "G" * 41}, "Green: a label's name can have at most 40 characters"),
        ({"green": "!!"}, "Green: “!!” needs a letter or a digit"),
        ({"pink": "Hot"}, "Unknown colour pink"),
    ],
)
def test_a_name_that_would_not_say_which_label_it_is_is_refused(names, message):
    with pytest.raises(ValidationError) as error:
        clean_label_names(names)
    assert message in " ".join(error.value.message_dict["label_names"])


def test_names_are_tidied_and_a_colours_own_name_is_no_renaming():
    assert clean_label_names({"red": "  Big   spend ", "blue": "", "green": "GREEN"}) == {"red": "Big spend"}


def test_names_are_read_back_whatever_their_case_spacing_or_hyphens():
    names = {"red": "Front end", "risky": "Risky"}
    assert keys_for_names(["front-end", "RISKY", "Red", "needs split", "nope"], project_names=names) == (
        ["red", "risky", "needs-split"],
        ["nope"],
    )


# --- The story editor ---------------------------------------------------------------------------


def test_the_editor_groups_steps_by_activity_in_board_order_and_offers_the_projects_label_names(owner_client, shop):
    html = owner_client.get(story_url(shop["story"])).content.decode()
    assert "data-story-form" in html
    select = re.search(r'<select name="step".*?</select>', html, re.S).group(0)
    groups = re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    assert [(title, re.findall(r">([^<]+)</option>", options)) for title, options in groups] == [
        ("Browse", ["Search", "Compare"]),
        ("Buy", ["Pay"]),
    ]
    assert re.search(rf'<option value="{shop["pay"].pk}" selected>Pay</option>', select)
    legends = re.findall(r"<legend>(\w+)", html)
    assert legends[-2:] == ["Labels", "Annotations"]
    assert re.search(r'value="red"[^>]*checked[^>]*>.*?Payments</label>', html, re.S)
    assert re.search(r'value="risky"[^>]*checked', html)
    assert not re.search(r'value="blue"[^>]*checked', html)


def form_data(story: Story, **changes: object) -> dict[str, object]:
    return {
        "title": story.title,
        "status": story.status,
        "priority": story.priority,
        "step": story.step_id,
        "version": story.version,
        **changes,
    }


def test_the_editor_saves_the_labels_ticked(owner_client, shop):
    story = shop["story"]
    response = owner_client.post(
        story_url(story), form_data(story, colour_labels=["blue", "red"], annotations=["unclear"])
    )
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.labels == ["red", "blue", "unclear"]

    owner_client.post(story_url(story), form_data(story))  # nothing ticked: no labels
    story.refresh_from_db()
    assert story.labels == []


def test_the_editor_refuses_a_label_that_is_not_offered(owner_client, shop):
    story = shop["story"]
    response = owner_client.post(story_url(story), form_data(story, colour_labels=["pink"], title="Changed"))
    assert response.status_code == 400
    assert "Select a valid choice. pink is not one of the available choices." in response.content.decode()
    story.refresh_from_db()
    assert (story.title, story.labels) == ("Pay by card", ["red", "risky"])


def test_a_conflict_keeps_the_labels_ticked_and_shows_the_saved_ones(owner_client, shop):
    story = shop["story"]
    services.story_update(story=story, labels=["green"])  # someone else, meanwhile
    response = owner_client.post(story_url(story), form_data(story, version=1, annotations=["blocked"]))
    assert response.status_code == 409
    html = response.content.decode()
    assert re.search(r'value="blocked"[^>]*checked', html)
    assert not re.search(r'value="green"[^>]*checked', html)
    assert re.search(r"<dt>Labels</dt><dd><span class=\"an\">Green</span>", html)
    story.refresh_from_db()
    assert story.labels == ["green"]


# --- The API ------------------------------------------------------------------------------------


def test_the_api_creates_and_changes_a_storys_labels(owner_api, shop):
    project, search = shop["project"], shop["search"]
    response = owner_api.post(
        f"/api/v1/projects/{project.pk}/stories/",
        {"step": search.pk, "title": "Find", "labels": ["needs-split", "teal", "teal"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["labels"] == ["teal", "needs-split"]
    story_id = response.json()["id"]
    response = owner_api.patch(f"/api/v1/stories/{story_id}/", {"labels": []}, format="json")
    assert (response.status_code, response.json()["labels"]) == (200, [])
    found = owner_api.get(f"/api/v1/projects/{project.pk}/map/").json()
    assert found["activities"][1]["steps"][0]["stories"][0]["labels"] == ["red", "risky"]
    assert found["project"]["label_names"]["red"] == "Payments"


@pytest.mark.parametrize("labels", [["red", "crimson"], "red", [1], ["red"] * 13])
def test_the_api_refuses_labels_that_are_not_label_keys(owner_api, shop, labels):
    story = shop["story"]
    response = owner_api.patch(f"/api/v1/stories/{story.pk}/", {"labels": labels, "title": "X"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"labels"}
    story.refresh_from_db()
    assert (story.title, story.labels) == ("Pay by card", ["red", "risky"])


def test_the_service_refuses_an_unknown_label_naming_the_field(shop):
    with pytest.raises(ValidationError) as error:
        services.story_update(story=shop["story"], labels=["crimson"])
    assert "crimson" in error.value.message_dict["labels"][0]


def test_the_project_api_shows_all_eight_names_and_takes_some(owner_api, shop):
    project = shop["project"]
    url = f"/api/v1/projects/{project.pk}/"
    assert owner_api.get(url).json()["label_names"] == {
        "red": "Payments",
        "orange": "Orange",
        "yellow": "Yellow",
        "green": "Green",
        "teal": "Teal",
        "blue": "Blue",
        "purple": "Purple",
        "grey": "Grey",
    }
    response = owner_api.patch(url, {"label_names": {"blue": "Mobile", "red": ""}}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["label_names"]["red"], response.json()["label_names"]["blue"]) == ("Red", "Mobile")
    project.refresh_from_db()
    assert project.label_names == {"blue": "Mobile"}


@pytest.mark.parametrize(
    "names",
    [
        {"blue": "payments"},  # the name red already has
        {"blue": "B" * 41},
        {"pink": "Hot"},
        {"blue": 7},
        ["Payments"],
        {"green": "Blocked"},
    ],
)
def test_the_project_api_refuses_bad_names_and_keeps_the_old_ones(owner_api, shop, names):
    project = shop["project"]
    response = owner_api.patch(f"/api/v1/projects/{project.pk}/", {"label_names": names}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"label_names"}
    project.refresh_from_db()
    assert project.label_names == {"red": "Payments"}


def test_another_users_project_names_cannot_be_changed(outsider_api, outsider_client, shop):
    project = shop["project"]
    patch = outsider_api.patch(f"/api/v1/projects/{project.pk}/", {"label_names": {"red": "Mine"}}, format="json")
    assert patch.status_code == 404
    assert outsider_client.post(labels_url(project), {"name_red": "Mine"}).status_code == 404
    assert outsider_client.get(labels_url(project)).status_code == 404
    project.refresh_from_db()
    assert project.label_names == {"red": "Payments"}


# --- The labels page and the board's form ---------------------------------------------------------


def test_the_boards_form_renames_colours_and_goes_back_to_the_board(owner_client, shop):
    project = shop["project"]
    names = {f"name_{colour}": "" for colour in LabelColour.values}  # the board's form sends all eight
    response = owner_client.post(
        labels_url(project), {**names, "name_red": "Payments", "name_orange": "Returns", "name_grey": "Grey"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/projects/{project.pk}/"
    project.refresh_from_db()
    assert project.label_names == {"red": "Payments", "orange": "Returns"}
    board = owner_client.get(response["Location"]).content.decode()
    assert "Label names saved." in board


def test_the_boards_form_says_what_is_wrong_naming_the_colour_and_saves_nothing(owner_client, shop):
    project = shop["project"]
    response = owner_client.post(labels_url(project), {"name_orange": "PAYMENTS", "name_teal": "Fine"}, follow=True)
    html = response.content.decode()
    assert response.redirect_chain == [(f"/projects/{project.pk}/", 302)]
    assert "Label names not saved. Orange: “PAYMENTS” is already the name of another colour (Red)" in html
    response = owner_client.post(labels_url(project), {"name_teal": "T" * 41}, follow=True)
    assert "Label names not saved. Teal: Ensure this value has at most 40 characters" in response.content.decode()
    project.refresh_from_db()
    assert project.label_names == {"red": "Payments"}


def test_the_labels_page_works_without_the_board(owner_client, shop, client):
    project = shop["project"]
    html = owner_client.get(labels_url(project)).content.decode()
    assert 'name="name_red"' in html and 'value="Payments"' in html and 'name="name_grey"' in html
    response = owner_client.post(labels_url(project), {"from": "page", "name_blue": "Risky"})
    assert response.status_code == 400
    assert "Blue: “Risky” is the name of an annotation (Risky): choose another." in response.content.decode()
    client.logout()
    assert client.post(labels_url(project), {"name_red": "X"}).status_code == 302  # to the sign-in page
    project.refresh_from_db()
    assert project.label_names == {"red": "Payments"}


def test_renaming_raises_the_maps_version(shop):
    project = shop["project"]
    before = Project.objects.get(pk=project.pk).map_version
    project_labels_update(project=project, names={"green": "Growth"})
    assert Project.objects.get(pk=project.pk).map_version > before


# --- The document -------------------------------------------------------------------------------


def test_the_document_names_labels_and_reads_back_into_a_new_project(owner, shop):
    document = document_from_map(project=shop["project"])
    assert document["labels"] == [{"colour": "red", "name": "Payments"}]
    assert document["activities"][1]["steps"][0]["stories"][0]["labels"] == ["Payments", "Risky"]
    assert document == services._map_document(project=shop["project"])

    imported = services.project_import(owner=owner, document=document_parse(document, limits=IMPORTED_LIMITS))
    assert imported.label_names == {"red": "Payments"}
    assert Story.objects.get(project=imported).labels == ["red", "risky"]
    assert document_from_map(project=imported)["labels"] == document["labels"]


def test_a_documents_label_names_resolve_against_its_own_list_then_the_palette():
    parsed = document_parse(
        {
            "labels": [{"colour": "Blue", "name": "  Mobile  app "}, {"colour": "red", "name": "Red"}],
            "activities": [
                {
                    "title": "A",
                    "steps": [{"title": "S", "stories": [{"title": "T", "labels": ["blocked", "mobile-app", "RED"]}]}],
                }
            ],
        },
        limits=IMPORTED_LIMITS,
    )
    assert parsed["labels"] == [{"colour": "blue", "name": "Mobile app"}]
    assert parsed["activities"][0]["steps"][0]["stories"][0]["labels"] == ["Red", "Mobile app", "Blocked"]


def test_a_document_with_bad_labels_is_refused_naming_each_place():
    with pytest.raises(DocumentInvalid) as error:
        document_parse(
            {
                "labels": [
                    {"colour": "red", "name": "Payments"},
                    {"colour": "pink", "name": "Hot"},
                    {"colour": "blue", "name": "payments"},
                    {"colour": "red", "name": "Again"},
                    {"colour": "green", "name": "G" * 41},
                ],
                "activities": [
                    {
                        "title": "A",
                        "steps": [
                            {"title": "S", "stories": [{"title": "T"}]},
                            {
                                "title": "S2",
                                "stories": [{"title": "1"}, {"title": "2"}, {"title": "3", "labels": ["X"]}],
                            },
                        ],
                    },
                    {"title": "B", "steps": [{"title": "S", "stories": [{"title": "T", "labels": "Payments"}]}]},
                ],
            },
            limits=IMPORTED_LIMITS,
        )
    assert error.value.problems == [
        "labels[1].colour: must be one of red, orange, yellow, green, teal, blue, purple, grey",
        "labels[2].name: “payments” is already the name of another colour (Red): give each colour its own name",
        "labels[3].colour: names red a second time",
        "labels[4].name: is longer than 40 characters",
        "activities[0].steps[1].stories[2].labels: no label called “X”",
        "activities[1].steps[0].stories[0].labels: must be a list of label names",
    ]


def test_a_document_without_labels_still_parses_as_the_ai_writes_it():
    parsed = document_parse(
        {"activities": [{"title": "A", "steps": [{"title": "S", "stories": [{"title": "T"}]}]}]}, limits=IMPORTED_LIMITS
    )
    assert parsed["labels"] == []
    assert parsed["activities"][0]["steps"][0]["stories"][0]["labels"] == []


def test_replacing_takes_the_documents_names_and_appending_only_names_unnamed_colours(owner, shop):
    project = shop["project"]
    project_labels_update(project=project, names={"blue": "Mobile"})
    document = document_parse(
        {
            "labels": [
                {"colour": "red", "name": "Billing"},
                {"colour": "green", "name": "Growth"},
                {"colour": "teal", "name": "mobile"},
            ],
            "activities": [
                {"title": "New", "steps": [{"title": "S", "stories": [{"title": "T", "labels": ["Growth"]}]}]}
            ],
        },
        limits=IMPORTED_LIMITS,
    )
    services.map_import(project=project, document=document, mode="append")
    project.refresh_from_db()
    # Red and blue keep their names; green is free; teal's "mobile" is blue's name already.
    assert project.label_names == {"red": "Payments", "green": "Growth", "blue": "Mobile"}

    services.map_import(project=project, document=document, mode="replace")
    project.refresh_from_db()
    assert project.label_names == {"red": "Billing", "green": "Growth", "teal": "mobile"}
    assert Story.objects.get(project=project).labels == ["green"]
    # The map it replaced, names and all, is kept and comes back.
    services.snapshot_restore(snapshot=MapSnapshot.objects.filter(project=project).earliest("created", "id"))
    project.refresh_from_db()
    assert project.label_names == {"red": "Payments", "green": "Growth", "blue": "Mobile"}


# --- Exports and the spreadsheet import ------------------------------------------------------------


def test_the_markdown_shows_labels_after_the_storys_facts(shop):
    content, _, _ = project_export(project=shop["project"], export_format="md")
    assert "- **Pay by card** (should, Unplanned) — Labels: Payments, Risky\n" in content


def test_the_json_export_carries_label_names(shop):
    content, _, _ = project_export(project=shop["project"], export_format="json")
    document = json.loads(content)
    assert document["labels"] == [{"colour": "red", "name": "Payments"}]


def test_a_spreadsheet_labels_column_gives_names_and_new_ones_take_free_colours():
    document = document_from_file(
        (
            b"Activity,Step,Story,Labels\n"
            b'Browse,Search,Find,"Risky, Payments"\n'
            b'Browse,Search,Filter,"red, payments,Mobile app"\n'
            b"Buy,Pay,Card,\n"
        ),
        filename="map.csv",
    )
    # Red is taken by its own name, so the new names take orange and yellow, in the order the file gives them.
    assert document["labels"] == [{"colour": "orange", "name": "Payments"}, {"colour": "yellow", "name": "Mobile app"}]
    stories = [story for activity in document["activities"] for step in activity["steps"] for story in step["stories"]]
    assert [story["labels"] for story in stories] == [["Payments", "Risky"], ["Red", "Payments", "Mobile app"], []]


def test_a_spreadsheet_with_more_new_labels_than_colours_is_refused_by_line():
    names = ",".join(f"Team {n}" for n in range(9))
    with pytest.raises(DocumentInvalid) as error:
        document_from_file(f'Activity,Step,Story,Labels\nA,S,T,"{names}"\nA,S,,Label only\n'.encode(), filename="m.csv")
    assert error.value.problems == [
        "Line 2: the label “Team 8” would be colour number 9: a map has 8 colour labels besides the annotations "
        "(Risky, Blocked, Unclear, Needs split).",
        "Line 3: Story is empty; every story needs a title.",
    ]
