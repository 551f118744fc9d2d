"""Reading uploaded files into a story map document: document_from_file, without HTTP or the database."""

import json

import pytest

from stories.document import DocumentInvalid, MapDocument, StoryDoc
from stories.imports import MAX_IMPORT_BYTES, document_from_file

HEADER = "Activity,Step,Story,Description,Release,Priority,Estimate\n"


def read_csv(text: str) -> MapDocument:
    return document_from_file(text.encode("utf-8"), filename="map.csv", content_type="text/csv")


def problems_of(content: bytes | str, **kwargs) -> list[str]:
    if isinstance(content, str):
        content = content.encode("utf-8")
    with pytest.raises(DocumentInvalid) as caught:
        document_from_file(content, **kwargs)
    return caught.value.problems


def outline(document: MapDocument) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    """Activities, their steps and the steps' story titles, in board order."""
    return [
        (
            activity["title"],
            [(step["title"], [story["title"] for story in step["stories"]]) for step in activity["steps"]],
        )
        for activity in document["activities"]
    ]


def stories(document: MapDocument) -> dict[str, StoryDoc]:
    return {
        story["title"]: story
        for activity in document["activities"]
        for step in activity["steps"]
        for story in step["stories"]
    }


# --- Spreadsheet CSV ---------------------------------------------------------------------


def test_a_spreadsheet_becomes_activities_steps_and_stories_in_first_seen_order():
    document = read_csv(
        HEADER
        + "Browse,Search,Find by name,Type a name,MVP,must,3\n"
        + 'Buy,Pay,Pay by card,"Visa, Mastercard",MVP,should,5\n'
        + "Browse,Compare,Side by side,,Later,could,2\n"
        + "Browse,Search,Filter by price,,MVP,must,1\n"
        + "Buy,Track order,Get updates,,,,\n"
    )
    assert outline(document) == [
        ("Browse", [("Search", ["Find by name", "Filter by price"]), ("Compare", ["Side by side"])]),
        ("Buy", [("Pay", ["Pay by card"]), ("Track order", ["Get updates"])]),
    ]
    assert [release["name"] for release in document["releases"]] == ["MVP", "Later"]
    card = stories(document)["Pay by card"]
    assert card == {
        "title": "Pay by card",
        "description": "Visa, Mastercard",
        "acceptance_criteria": [],
        "release": "MVP",
        "priority": "should",
        "estimate": 5,
        "persona": None,
        "status": "todo",
        "labels": [],
    }
    updates = stories(document)["Get updates"]
    assert (updates["release"], updates["priority"], updates["estimate"]) == (None, None, None)


def test_activity_and_step_names_match_whatever_their_case():
    document = read_csv("Activity,Step,Story\nBrowse,Search,One\nbrowse,SEARCH,Two\n")
    assert outline(document) == [("Browse", [("Search", ["One", "Two"])])]


@pytest.mark.parametrize(
    ("written", "priority"),
    [
        ("must", "must"),
        ("Should", "should"),
        ("COULD", "could"),
        ("won't", "wont"),
        ("Won't", "wont"),
        ("wont", "wont"),
        ("Highest", "must"),
        ("High", "must"),
        ("Medium", "should"),
        ("Low", "could"),
        ("Lowest", "wont"),
    ],
)
def test_priorities_are_read_from_moscow_and_jira_names(written, priority):
    document = read_csv(f"Activity,Step,Story,Priority\nA,S,Story,{written}\n")
    assert stories(document)["Story"]["priority"] == priority


def test_a_typographic_apostrophe_in_wont_is_read_like_a_straight_one():
    # Spreadsheet programs turn ' into U+2019 as you type; document_parse already accepts that apostrophe.
    document = read_csv("Activity,Step,Story,Priority\nA,S,Story,Won\u2019t\n")
    assert stories(document)["Story"]["priority"] == "wont"


@pytest.mark.parametrize(("written", "estimate"), [("0", 0), ("3", 3), ("13", 13), ("5.0", 5), ("", None)])
def test_estimates_are_whole_numbers_or_blank(written, estimate):
    document = read_csv(f"Activity,Step,Story,Estimate\nA,S,Story,{written}\n")
    assert stories(document)["Story"]["estimate"] == estimate


def test_columns_may_come_in_any_order_and_any_case():
    document = read_csv(
        "estimate,RELEASE,Story,Priority,Step,Description,Activity\n8,Beta,Export CSV,could,Share,Why,Report\n"
    )
    assert outline(document) == [("Report", [("Share", ["Export CSV"])])]
    story = stories(document)["Export CSV"]
    assert (story["estimate"], story["release"], story["priority"], story["description"]) == (8, "Beta", "could", "Why")


def test_summary_is_accepted_for_the_story_column():
    document = read_csv("Activity,Step,Summary\nBrowse,Search,Find by name\n")
    assert outline(document) == [("Browse", [("Search", ["Find by name"])])]


def test_a_row_with_only_an_activity_and_a_step_adds_an_empty_step():
    document = read_csv(HEADER + "Browse,Search,Find,,,,\nBrowse,Compare,,,,,\nPlan,Wish list\n")
    assert outline(document) == [("Browse", [("Search", ["Find"]), ("Compare", [])]), ("Plan", [("Wish list", [])])]


def test_a_utf8_byte_order_mark_is_accepted():
    content = "\ufeffActivity,Step,Story\nCafé,Order,Crème brûlée\n".encode()
    document = document_from_file(content, filename="map.csv", content_type="text/csv")
    assert outline(document) == [("Café", [("Order", ["Crème brûlée"])])]
    as_json = "\ufeff" + json.dumps({"title": "Café", "activities": []})
    assert document_from_file(as_json.encode(), content_type="application/json")["title"] == "Café"


def test_blank_lines_are_skipped_but_still_counted():
    problems = problems_of("Activity,Step,Story\nA,S,Fine\n\n,,\nA,,Lost\n", content_type="text/csv")
    assert problems == ["Line 5: Step is empty."]


# --- Spreadsheet CSV: problems ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("Activity,Step,Title\n", "Missing column: Story."),
        ("Activity,Description\n", "Missing columns: Step, Story."),
        ("Name,Notes\n", "Missing columns: Activity, Step, Story."),
    ],
)
def test_missing_columns_are_named(header, message):
    problems = problems_of(header + "a,b,c\n", content_type="text/csv")
    assert len(problems) == 1
    assert problems[0].startswith(message)
    assert "Activity, Step, Story, Description, Release, Priority, Estimate" in problems[0]


def test_a_story_without_a_title_is_reported_by_its_line():
    problems = problems_of(HEADER + "A,S,Fine,,,,\nA,S,Also fine,,,,\nA,S,,Has a description,,,\n")
    assert problems == ["Line 4: Story is empty; every story needs a title."]


def test_rows_without_activity_or_step_and_bad_values_are_each_reported():
    problems = problems_of(
        HEADER
        + ",S,Story,,,,\n"  # line 2
        + "A,,Story,,,,\n"  # line 3
        + "A,S,Story,,,maybe,\n"  # line 4
        + "A,S,Story,,,,3.5\n"  # line 5
        + "A,S,Story,,,,-1\n"  # line 6
        + "A,S,Story,,,,lots\n",  # line 7
        content_type="text/csv",
    )
    assert problems == [
        "Line 2: Activity is empty.",
        "Line 3: Step is empty.",
        "Line 4: Priority 'maybe' is not one of must, should, could, won't.",
        "Line 5: Estimate '3.5' is not a whole number of points.",
        "Line 6: Estimate '-1' is not a whole number of points.",
        "Line 7: Estimate 'lots' is not a whole number of points.",
    ]


def test_at_most_twenty_problems_are_listed():
    rows = "".join(f"A,S,Story {number},,,urgent,\n" for number in range(30))
    problems = problems_of(HEADER + rows, content_type="text/csv")
    assert len(problems) == 20
    assert problems[0].startswith("Line 2: Priority 'urgent'")
    assert problems[-1].startswith("Line 21: Priority 'urgent'")


def test_at_most_twenty_problems_are_listed_whatever_the_problem():
    problems = problems_of(HEADER + ",S,Story,,,,\n" * 30, content_type="text/csv")
    assert problems == [f"Line {number}: Activity is empty." for number in range(2, 22)]


# --- JSON --------------------------------------------------------------------------------------


def test_a_json_document_is_read_and_completed():
    content = json.dumps(
        {
            "schema_version": 1,
            "title": "  Shop  ",
            "activities": [
                {"title": "Buy", "steps": [{"title": "Pay", "stories": [{"title": "Card", "release": "MVP"}]}]}
            ],
        }
    ).encode()
    document = document_from_file(content, filename="shop.json")
    assert document["title"] == "Shop"
    assert document["releases"] == [{"name": "MVP", "goal": ""}]
    assert stories(document)["Card"]["status"] == "todo"


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("map.json", ""),
        ("", "application/json"),
        ("", "text/plain"),
        ("", ""),
        ("MAP.JSON", "application/octet-stream"),
    ],
)
def test_json_is_recognised_by_content_type_file_name_or_content(filename, content_type):
    content = b'  {"title": "Shop", "activities": [{"title": "Buy"}]}'
    document = document_from_file(content, filename=filename, content_type=content_type)
    assert outline(document) == [("Buy", [])]


def test_invalid_json_gives_the_line_and_column():
    content = b'{\n  "title": "Map",\n  "activities": [\n}\n'
    problems = problems_of(content, content_type="application/json")
    assert problems == ["Line 4, column 1: not valid JSON (Expecting value)."]


def test_a_json_list_is_not_a_document():
    assert problems_of(b"[]", content_type="application/json") == ["the document must be a JSON object"]


def test_json_problems_name_the_field_path():
    document = {
        "releases": [{"name": 7}],
        "activities": [
            {
                "title": "Buy",
                "steps": [{"title": "Pay", "stories": [{"title": "Card", "release": 2}, {"description": "No title"}]}],
            }
        ],
    }
    problems = problems_of(json.dumps(document), content_type="application/json")
    assert problems == [
        "releases[0].name: must be a string",
        "activities[0].steps[0].stories[0].release: must be a name (a string) or null",
        "activities[0].steps[0].stories[1].title: is required",
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 100_000,  # nesting deeper than Python's recursion limit
        b'{"activities": [], "estimate": ' + b"9" * 5_000 + b"}",  # more digits than int() converts
    ],
    ids=["deeply-nested", "huge-number"],
)
def test_pathological_json_is_refused_as_invalid_not_crashing(content):
    # Each is well under 5 MB and must be a 400 with a problem, not an unhandled exception (a 500).
    problems = problems_of(content, content_type="application/json")
    assert problems
    assert "JSON" in problems[0]


# --- Any file ------------------------------------------------------------------------------


def test_text_that_is_not_utf8_is_refused_saying_so():
    content = "Activity,Step,Story\nCafé,Order,Pay\n".encode("latin-1")
    problems = problems_of(content, filename="map.csv", content_type="text/csv")
    assert len(problems) == 1
    assert "UTF-8" in problems[0]
    assert "byte 24" in problems[0]  # where the é is


@pytest.mark.parametrize("content", [b"", b"  \n\r\n\t", "\ufeff".encode(), "\ufeff\n".encode()])
def test_an_empty_file_is_refused(content):
    assert problems_of(content, content_type="text/csv") == ["The file is empty."]


def test_five_mb_is_accepted_and_one_byte_more_is_refused():
    start = b'{"title": "Padded", "activities": []}'
    exactly = start + b" " * (MAX_IMPORT_BYTES - len(start))
    assert document_from_file(exactly, content_type="application/json")["title"] == "Padded"
    problems = problems_of(exactly + b" ", content_type="application/json")
    assert len(problems) == 1
    assert "at most 5 MB" in problems[0]


# --- Limits of an imported document -------------------------------------------------------------


def json_document(activities: int, steps: int = 1, stories: int = 0) -> bytes:
    step = {"title": "S", "stories": [{"title": "T"}] * stories}
    return json.dumps({"activities": [{"title": f"A{n}", "steps": [step] * steps} for n in range(activities)]}).encode()


def test_fifty_activities_of_fifty_steps_and_five_thousand_stories_are_allowed():
    document = document_from_file(json_document(50, steps=50, stories=2), content_type="application/json")
    assert len(document["activities"]) == 50
    assert sum(len(step["stories"]) for activity in document["activities"] for step in activity["steps"]) == 5_000


def test_more_than_fifty_activities_are_refused():
    problems = problems_of(json_document(51), content_type="application/json")
    assert problems == ["activities: has 51 activities; at most 50 are allowed"]


def test_more_than_fifty_steps_in_an_activity_are_refused():
    problems = problems_of(json_document(1, steps=51), content_type="application/json")
    assert problems == ["activities[0].steps: has 51 steps; at most 50 are allowed"]


def test_more_than_five_thousand_stories_are_refused():
    problems = problems_of(json_document(1, stories=5_001), content_type="application/json")
    assert problems == ["activities: hold 5001 stories; at most 5000 are allowed"]
    csv_text = "Activity,Step,Story\n" + "A,S,T\n" * 5_001
    assert problems_of(csv_text, content_type="text/csv") == ["activities: hold 5001 stories; at most 5000 are allowed"]


def test_titles_and_texts_have_their_lengths():
    story = {"title": "T" * 200, "description": "d" * 4_000}
    fits = {"activities": [{"title": "A" * 200, "steps": [{"title": "S", "stories": [story]}]}]}
    assert document_from_file(json.dumps(fits).encode(), content_type="application/json")
    story.update(title="T" * 201, description="d" * 4_001)
    problems = problems_of(json.dumps(fits), content_type="application/json")
    assert problems == [
        "activities[0].steps[0].stories[0].title: is longer than 200 characters",
        "activities[0].steps[0].stories[0].description: is longer than 4000 characters",
    ]


# --- Jira CSV -----------------------------------------------------------------------------------

JIRA_HEADER = "Issue ID,Issue Type,Summary,Description,Parent,Priority,Labels,Story Points,Fix Version\n"


def test_jira_epics_become_activities_and_labels_their_steps():
    document = read_csv(
        JIRA_HEADER
        + "E1,Epic,Book a visit,The core,,,book-a-visit,,\n"
        + "E2,Epic,Get reminders,,,,get-reminders,,\n"
        + 'S1,Story,See free slots,"As an owner, I see slots.\n\n'
        + 'Acceptance criteria:\n- Shows today\n- Shows tomorrow",'
        + "E1,High,pick-a-time,3,MVP\n"
        + "S2,Story,Confirm,,E1,Medium,confirm-booking,0,MVP\n"
        + "S3,Story,SMS,,E2,Lowest,,,\n"
        + "S4,Story,Stray,,E9,Low,misc,1,Later\n"
    )
    assert outline(document) == [
        ("Book a visit", [("Pick a time", ["See free slots"]), ("Confirm booking", ["Confirm"])]),
        ("Get reminders", [("Stories", ["SMS"])]),
        ("Unsorted", [("Misc", ["Stray"])]),
    ]
    slots = stories(document)["See free slots"]
    assert slots["description"] == "As an owner, I see slots."
    assert slots["acceptance_criteria"] == ["Shows today", "Shows tomorrow"]
    assert (slots["priority"], slots["estimate"], slots["release"]) == ("must", 3, "MVP")
    assert (stories(document)["Confirm"]["estimate"], stories(document)["SMS"]["priority"]) == (0, "wont")
    assert [release["name"] for release in document["releases"]] == ["MVP", "Later"]


def test_jira_rows_with_bad_values_are_reported_by_line():
    problems = problems_of(
        JIRA_HEADER + "E1,Epic,,,,,,,\nS1,Story,Fine,,E1,Blocker,,,\nS2,Story,Big,,E1,,,two,\n",
        content_type="text/csv",
    )
    assert problems == [
        "Line 2: Summary is empty; every issue needs one.",
        "Line 3: Priority 'Blocker' is not one of must, should, could, won't.",
        "Line 4: Story Points 'two' is not a whole number of points.",
    ]


def test_a_csv_with_only_its_header_imports_nothing():
    from stories.document import DocumentInvalid
    from stories.imports import document_from_file

    with pytest.raises(DocumentInvalid) as error:
        document_from_file(b"Activity,Step,Story\n", filename="empty.csv")
    assert "no rows" in error.value.problems[0]


def test_the_count_of_all_problems_is_kept_beside_the_first_twenty():
    from stories.document import DocumentInvalid
    from stories.imports import document_from_file

    lines = ["Activity,Step,Story,Priority"] + [f"A,S,Story {n},someday" for n in range(30)]
    with pytest.raises(DocumentInvalid) as error:
        document_from_file("\n".join(lines).encode(), filename="bad.csv")
    assert len(error.value.problems) == 20
    assert error.value.total == 30
