"""Splitting a story offline as a product manager would: two actions at their conjunction first, whatever the
estimate; a big single action only by a pattern that reads well on its title, else nothing."""

from typing import Any

import pytest

from aimap.planner.story_assists import split_reason, split_story
from aimap.tests.test_offline_story_assists import one_story as map_of_one


def one_story(
    title: str,
    *,
    estimate: int | None = 3,
    description: str = "",
    step: str = "Look after my pets",
    activity: str = "Register pets",
) -> dict[str, Any]:
    """A map holding one story (test_offline_story_assists' map), its goal written as people write it."""
    description = description or f"As a pet owner, I want to {title[:1].lower()}{title[1:]}, so that it is done."
    return map_of_one(title, description, estimate=estimate, step=step, activity=activity)


def titles(document: dict[str, Any]) -> list[str]:
    return [part["title"] for part in split_story(document, activity=0, step=0, story=0)]  # type: ignore[arg-type]


def reason(document: dict[str, Any]) -> str | None:
    return split_reason(document["activities"][0]["steps"][0]["stories"][0])


# --- Two actions ---------------------------------------------------------------------------


@pytest.mark.parametrize("estimate", [2, 8, 13])
def test_a_title_joining_two_actions_splits_at_the_conjunction_whatever_its_estimate(estimate: int) -> None:
    # "upload" after "and" is a verb the catalogue opens stories with, though the map check reads it as a noun.
    document = one_story("Edit the details of my pet and upload documents for my pet", estimate=estimate)
    assert reason(document) == "it joins two actions with “and”"
    assert titles(document) == ["Edit the details of my pet", "Upload documents for my pet"]


def test_each_part_keeps_its_own_words_and_a_bare_verb_takes_the_next_object() -> None:
    assert titles(one_story("Start sharing a photo and pick up where I stopped")) == [
        "Start sharing a photo",
        "Pick up where I stopped",
    ]
    assert titles(one_story("Approve or decline a swap my staff agreed and let same-role swaps through")) == [
        "Approve a swap my staff agreed",
        "Decline a swap my staff agreed",
        "Let same-role swaps through",
    ]


def test_a_name_after_or_is_no_second_action() -> None:
    assert titles(one_story("Pay by card and pay with Apple Pay or Google Pay", estimate=8)) == [
        "Pay by card",
        "Pay with Apple Pay or Google Pay",
    ]


@pytest.mark.parametrize(
    "title", ["See my bookings and order history", "Track orders and stock levels", "Browse photos and videos"]
)
def test_two_things_after_one_verb_are_no_two_actions(title: str) -> None:
    document = one_story(title)
    assert reason(document) is None
    assert titles(document) == []


# --- One big action ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "Reassign tickets when someone is off",  # words after the object: "… when someone is off one at a time"
        "Edit the details of my pet",  # my own one thing: "Edit several pets at once"
        "Reject a claim with a reason",
        "Get directions to each stop",  # nothing that comes by email or by text
        "Download a tax receipt",  # one receipt is no list to export as CSV
        "Upload a profile photo",  # a photo has no optional details
        "Accept an invitation",
        "Verify my email address",
        "Mark the new member as registered",
    ],
)
def test_a_big_story_gets_no_clumsy_split(title: str) -> None:
    document = one_story(title, estimate=8)
    assert reason(document) == "its estimate is 8 or more"
    assert titles(document) == []


def test_confirming_a_booking_is_not_split_into_several_at_once() -> None:
    document = one_story("Confirm an appointment", estimate=8, step="Confirm the booking", activity="Book a visit")
    assert not [title for title in titles(document) if "at once" in title]


@pytest.mark.parametrize(
    ("title", "parts"),
    [
        ("Approve a claim", ["Approve a claim one at a time", "Approve several claims at once"]),
        ("Draft a recipe", ["Draft a recipe with the required details only", "Add the optional details to the recipe"]),
        ("Get a receipt", ["Get a receipt by email", "Get a receipt as a text message"]),
        (
            "Download the list of pets I shared",
            ["Download the list of pets I shared as a CSV file", "Download the list of pets I shared as a PDF"],
        ),
    ],
)
def test_a_big_story_splits_by_its_verbs_pattern_where_it_reads_well(title: str, parts: list[str]) -> None:
    assert titles(one_story(title, estimate=8)) == parts


def test_the_storys_own_criteria_go_to_the_parts_word_for_word() -> None:
    document = one_story("Book an appointment and pay for the appointment")
    own = [
        "Given a free time on Friday, when I book it, then it is mine",
        "Given my card is declined, when I pay for the appointment, then I am told why.",
    ]
    document["activities"][0]["steps"][0]["stories"][0]["acceptance_criteria"] = list(own)
    parts = split_story(document, activity=0, step=0, story=0)  # type: ignore[arg-type]
    assert [part["title"] for part in parts] == ["Book an appointment", "Pay for the appointment"]
    assert own[0] in parts[0]["acceptance_criteria"] and own[1] in parts[1]["acceptance_criteria"]
