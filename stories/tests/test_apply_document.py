"""Writing a story map document into a map: replace keeps a snapshot that restore brings back, append joins titles."""

import pytest

from projects.services import project_create
from stories import services
from stories.document import IMPORTED_LIMITS, MapDocument, document_parse
from stories.models import Activity, MapSnapshot, Release, Story
from stories.selectors import document_from_map
from stories.tests.factories import assert_positions_gapless, board_of, vet_clinic_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    """A project whose map is small but not empty: two activities, a release, a persona, three stories."""
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


def story(title: str, release: str | None = None) -> dict:
    return {"title": title, "release": release}


def appended(activities: list[dict]) -> MapDocument:
    return document_parse({"releases": [{"name": "MVP"}], "activities": activities}, limits=IMPORTED_LIMITS)


def test_append_joins_an_activity_and_a_step_of_the_same_title_instead_of_repeating_them(project):
    document = appended(
        [
            {
                "title": "  check   IN ",
                "steps": [
                    {"title": "ARRIVE", "stories": [story("Show the booking", "MVP"), story("Wait in line")]},
                    {"title": "Sit down", "stories": [story("Pick a chair")]},
                ],
            },
            {"title": "Aftercare", "steps": [{"title": "Get a reminder", "stories": [story("Text me", "MVP")]}]},
        ]
    )

    services.map_apply_document(project=project, document=document, mode="append", snapshot_reason="")

    assert board_of(project) == {
        "Check in": {
            "Arrive": {"mvp": ["Scan the QR code", "Show the booking"], None: ["Ring the bell", "Wait in line"]},
            "Sit down": {None: ["Pick a chair"]},
        },
        "Pay": {"Pay at the desk": {"mvp": ["Pay by card"]}},
        "Aftercare": {"Get a reminder": {"mvp": ["Text me"]}},
    }
    assert Activity.objects.filter(project=project).count() == 3
    assert [release.name for release in Release.objects.filter(project=project)] == ["mvp"]
    assert_positions_gapless(project)


def test_append_keeps_the_existing_titles_and_descriptions_of_what_it_joins(project):
    Activity.objects.filter(project=project, title="Pay").update(description="At the front desk")
    document = appended([{"title": "PAY", "description": "Online", "steps": [{"title": "pay AT the desk"}]}])

    services.map_apply_document(project=project, document=document, mode="append", snapshot_reason="")

    pay = Activity.objects.get(project=project, title="Pay")
    assert pay.description == "At the front desk"
    assert list(pay.steps.values_list("title", flat=True)) == ["Pay at the desk"]


def test_a_document_is_written_as_it_is_even_when_it_repeats_a_title(project):
    # Only what the map already held is joined: a document's own activities stay as it has them.
    document = appended(
        [
            {"title": "New", "steps": [{"title": "One", "stories": [story("A")]}]},
            {"title": "New", "steps": [{"title": "One", "stories": [story("B")]}]},
        ]
    )

    services.map_apply_document(project=project, document=document, mode="append", snapshot_reason="")

    assert list(Activity.objects.filter(project=project).values_list("title", flat=True)) == [
        "Check in",
        "Pay",
        "New",
        "New",
    ]
    assert_positions_gapless(project)


def test_replace_and_restore_keep_activities_of_the_same_title_apart(project):
    services.activity_create(project=project, title="check in")
    before = document_from_map(project=project)
    services.map_apply_document(project=project, document=appended([]), mode="replace", snapshot_reason="test")

    services.snapshot_restore(snapshot=MapSnapshot.objects.get(project=project))

    assert document_from_map(project=project) == before
    assert Activity.objects.filter(project=project, title__iexact="check in").count() == 2


# --- Restoring ---------------------------------------------------------------------------------


def test_a_restore_keeps_what_was_done(project):
    Story.objects.filter(project=project).update(status="done")
    document = appended([{"title": "Book", "steps": [{"title": "Pick a time", "stories": [story("Book online")]}]}])
    services.map_apply_document(project=project, document=document, mode="replace", snapshot_reason="test")
    assert set(Story.objects.filter(project=project).values_list("status", flat=True)) == {"todo"}
    services.snapshot_restore(snapshot=MapSnapshot.objects.get(project=project))
    assert set(Story.objects.filter(project=project).values_list("status", flat=True)) == {"done"}


# --- Bulk writes ---------------------------------------------------------------------------------


def many_stories(count: int) -> MapDocument:
    return appended(
        [
            {
                "title": "Check in",
                "steps": [
                    {"title": "Arrive", "stories": [story(f"Arrive {n}", "MVP") for n in range(count)]},
                    {"title": "Queue", "stories": [story(f"Queue {n}") for n in range(count)]},
                ],
            },
            {"title": "Leave", "steps": [{"title": "Go", "stories": [story(f"Go {n}") for n in range(count)]}]},
        ]
    )


@pytest.mark.parametrize("mode", ["append", "replace"])
def test_applying_a_document_takes_as_many_queries_for_many_stories_as_for_few(project, mode):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counted = []
    for count in (1, 150):
        services.map_apply_document(project=project, document=many_stories(1), mode="replace", snapshot_reason="reset")
        with CaptureQueriesContext(connection) as queries:
            services.map_apply_document(project=project, document=many_stories(count), mode=mode, snapshot_reason="x")
        counted.append(len(queries))
    assert counted[0] == counted[1], counted
    assert Story.objects.filter(project=project, title__startswith="Arrive ").count() == (
        150 if mode == "replace" else 151
    )
