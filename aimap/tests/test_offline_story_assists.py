"""The offline planner's help on one card: acceptance criteria and splits a product manager would accept."""

import copy
from typing import Any

import pytest

from aimap import quality
from aimap.planner import grammar, plan_map
from aimap.planner.story_assists import split_reason, split_story, suggest_criteria
from stories import qus
from stories.document import title_key

ESTIMATES = {1, 2, 3, 5, 8}


def one_story(
    title: str,
    description: str = "",
    *,
    criteria: list[str] | None = None,
    estimate: int | None = 3,
    step: str = "Look after my pets",
    activity: str = "Register pets",
) -> dict[str, Any]:
    """A map holding one story, under a step and an activity that name nothing the story does not."""
    story = {
        "title": title,
        "description": description,
        "acceptance_criteria": list(criteria or []),
        "release": "MVP",
        "priority": "must",
        "estimate": estimate,
        "persona": "Pet owner",
    }
    return {
        "schema_version": 1,
        "title": "PawCare",
        "description": "",
        "personas": [{"name": "Pet owner", "description": "", "goals": []}],
        "releases": [{"name": "MVP", "goal": ""}],
        "activities": [
            {"title": activity, "description": "", "steps": [{"title": step, "description": "", "stories": [story]}]}
        ],
    }


def card(document: dict[str, Any]) -> Any:
    return document["activities"][0]["steps"][0]["stories"][0]


def criteria_of(document: dict[str, Any]) -> list[str]:
    return suggest_criteria(document, activity=0, step=0, story=0)  # type: ignore[arg-type]


def split_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list(split_story(document, activity=0, step=0, story=0))  # type: ignore[arg-type]


def positions(document: dict[str, Any]) -> list[tuple[int, int, int]]:
    return [
        (a, s, t)
        for a, activity in enumerate(document["activities"])
        for s, step in enumerate(activity["steps"])
        for t, _ in enumerate(step["stories"])
    ]


@pytest.fixture(scope="module")
def sample_maps() -> dict[str, dict[str, Any]]:
    return {name: plan_map(text) for name, text in quality.samples().items()}


# --- Splitting -----------------------------------------------------------------------------


def test_two_joined_actions_split_into_one_story_each_with_the_shared_object():
    document = one_story(
        "Book and pay for an appointment",
        "As a pet owner, I want to book and pay for an appointment, so that my visit is settled before I arrive.",
        criteria=[
            "Given a free time on Friday, when I book it, then it is held for me",
            "Given my card is declined, when I pay, then nothing is charged",
        ],
        estimate=5,
    )
    assert split_reason(card(document)) == "it joins two actions with “and”"
    parts = split_of(document)
    assert [part["title"] for part in parts] == ["Book an appointment", "Pay for an appointment"]
    for part in parts:
        assert part["persona"] == "Pet owner" and part["release"] == "MVP" and part["priority"] == "must"
        assert part["description"].endswith(", so that my visit is settled before I arrive.")
        assert part["estimate"] in ESTIMATES and part["estimate"] < 5
    assert parts[0]["description"].startswith("As a pet owner, I want to book an appointment")
    # Each of the story's criteria goes to the part it concerns.
    assert parts[0]["acceptance_criteria"] == ["Given a free time on Friday, when I book it, then it is held for me"]
    assert parts[1]["acceptance_criteria"] == ["Given my card is declined, when I pay, then nothing is charged"]


def test_a_list_of_verbs_splits_into_each_and_parts_without_criteria_get_their_own():
    parts = split_of(one_story("Book, move or cancel appointments", estimate=8))
    assert [part["title"] for part in parts] == ["Book appointments", "Move appointments", "Cancel appointments"]
    for part in parts:
        assert len(part["acceptance_criteria"]) == 2
        verb = part["title"].split()[0].lower()
        assert any(f" {verb} " in f" {text.lower()} " for text in part["acceptance_criteria"]), part
    every = [text for part in parts for text in part["acceptance_criteria"]]
    assert len(set(every)) == len(every)


def test_a_pronoun_in_the_second_action_names_the_first_object():
    parts = split_of(one_story("Name the device and give it a room", estimate=3))
    assert [part["title"] for part in parts] == ["Name the device", "Give the device a room"]


def test_an_eight_point_manage_story_splits_into_add_change_and_remove():
    document = one_story(
        "Manage my pets", "As a pet owner, I want to manage my pets, so that the vet knows them.", estimate=8
    )
    assert split_reason(card(document)) == "its estimate is 8 or more"
    parts = split_of(document)
    assert [part["title"].split()[0] for part in parts] == ["Add", "Change", "Remove"]
    assert all("pet" in part["title"] for part in parts)
    assert all(part["estimate"] is not None and part["estimate"] < 8 for part in parts)
    assert all(len(part["acceptance_criteria"]) >= 2 for part in parts)
    assert all(part["description"].endswith("so that the vet knows them.") for part in parts)


def test_an_eight_point_payment_splits_by_card_first_then_other_ways():
    parts = split_of(one_story("Pay for my order", estimate=8))
    assert parts[0]["title"] == "Pay for my order by card"
    assert len(parts) == 2 and "wallet" in parts[1]["title"]
    assert parts[0]["acceptance_criteria"] != parts[1]["acceptance_criteria"]


def test_a_title_that_chose_already_is_not_split_that_way():
    assert split_of(one_story("Pay for my order by card", estimate=8)) == []


def test_a_small_single_action_story_needs_no_split():
    document = one_story(
        "Add a pet to my account", "As a pet owner, I want to add a pet, so that it is known.", estimate=2
    )
    assert split_reason(card(document)) is None
    assert split_of(document) == []


def test_a_big_story_with_nothing_honest_to_split_on_gives_nothing():
    assert split_of(one_story("Pick up where I stopped", estimate=8)) == []


def test_split_reason_agrees_with_the_map_check(sample_maps):
    for document in sample_maps.values():
        for a, s, t in positions(document):
            story = document["activities"][a]["steps"][s]["stories"][t]
            joined = not qus.is_atomic(title=story["title"], description=story["description"])
            assert (split_reason(story) is not None) == (joined or (story["estimate"] or 0) >= 8)


def joined_stories(sample_maps):
    """The first two stories of each step as one card: "<first> and <second>", their criteria together."""
    for document in sample_maps.values():
        for a, activity in enumerate(document["activities"]):
            for s, step in enumerate(activity["steps"]):
                if len(step["stories"]) < 2:
                    continue
                first, second = step["stories"][:2]
                joined = copy.deepcopy(document)
                story = joined["activities"][a]["steps"][s]["stories"][0]
                second_title = grammar.lower_first(second["title"])
                goal, _ = qus.goal(title=first["title"], description=first["description"])
                story["title"] = f"{first['title']} and {second_title}"
                story["description"] = first["description"].replace(goal, f"{goal} and {second_title}", 1)
                story["acceptance_criteria"] = first["acceptance_criteria"] + second["acceptance_criteria"]
                if split_reason(story) is not None:
                    yield joined, (a, s), first, second


def test_joined_titles_of_one_step_split_back_into_the_two(sample_maps):
    found = split = back = 0
    for document, (a, s), first, second in joined_stories(sample_maps):
        found += 1
        parts = split_story(document, activity=a, step=s, story=0)
        split += bool(parts)
        titles = [title_key(part["title"]) for part in parts]
        back += titles == [title_key(first["title"]), title_key(second["title"])]
        for part in parts:
            assert qus.is_atomic(title=part["title"], description=part["description"]), part
            assert part["acceptance_criteria"], part
    assert found >= 250
    assert split >= 0.95 * found  # measured 273 of 280
    assert back >= 0.9 * found  # measured 265 of 280


def test_too_big_stories_of_the_samples_split_into_smaller_distinct_parts(sample_maps):
    tried = split = 0
    for document in sample_maps.values():
        for a, s, t in positions(document):
            big = copy.deepcopy(document)
            story = big["activities"][a]["steps"][s]["stories"][t]
            story["estimate"] = 8
            if not qus.is_atomic(title=story["title"], description=story["description"]):
                continue
            tried += 1
            parts = split_story(big, activity=a, step=s, story=t)
            split += bool(parts)
            if parts:
                assert 2 <= len(parts) <= 4
                assert len({title_key(part["title"]) for part in parts}) == len(parts)
                assert all(part["estimate"] in ESTIMATES and part["estimate"] < 8 for part in parts)
                assert not quality.collisions({"activities": [{"steps": [{"stories": parts}]}]})
    assert split >= 0.25 * tried  # measured 27 %: the rest have nothing honest to split on


# --- Acceptance criteria -------------------------------------------------------------------


def test_criteria_for_cancelling_name_cancelling_and_the_appointment():
    document = one_story(
        "Cancel my appointment", "As a pet owner, I want to cancel my appointment, so that I am not charged."
    )
    written = criteria_of(document)
    assert 2 <= len(written) <= 5
    for text in written:
        assert text.startswith("Given ") and ", when " in text and ", then " in text and not text.endswith(".")
        assert "cancel" in text.lower() and "appointment" in text.lower()
    assert any("24 hours" in text for text in written)


def test_a_looking_story_gets_looking_criteria():
    written = criteria_of(one_story("See my vet bills"))
    assert len(written) >= 2
    assert all("when I open the list of my vet bills" in text for text in written)
    assert not any("saved" in text or "required field" in text for text in written)


def test_a_receiving_story_gets_receiving_criteria():
    written = criteria_of(one_story("Get a text when my pet is ready to collect"))
    assert written[0].startswith("Given my pet is ready to collect, when PawCare sends the text, then it reaches me")
    assert any("turned these off" in text for text in written)


def test_a_joined_story_gets_criteria_for_each_action():
    written = criteria_of(one_story("Book and pay for an appointment"))
    assert "when I book the appointment" in written[0]
    assert "when I pay for the appointment" in written[1]


def test_a_catalogue_story_first_gets_the_catalogue_criteria_it_lost(sample_maps):
    document = copy.deepcopy(sample_maps["vet-clinic"])
    a, s, t = next(
        (a, s, t)
        for a, s, t in positions(document)
        if document["activities"][a]["steps"][s]["stories"][t]["title"] == "Cancel my appointment"
    )
    story = document["activities"][a]["steps"][s]["stories"][t]
    lost = story["acceptance_criteria"].pop(0)
    written = suggest_criteria(document, activity=a, step=s, story=t)
    assert written[0] == lost.rstrip(".")
    assert story["acceptance_criteria"][0].rstrip(".") not in written


def test_nothing_duplicates_the_story_own_criteria():
    document = one_story("Cancel my appointment")
    card(document)["acceptance_criteria"] = [
        "Given my appointment is more than 24 hours away, when I cancel it, then the slot is freed and I get a "
        "confirmation."
    ]
    written = criteria_of(document)
    assert not any("more than 24 hours away" in text for text in written)
    # Asked again with everything it suggested added, it suggests nothing it had.
    card(document)["acceptance_criteria"] += written
    again = criteria_of(document)
    assert not set(again) & set(written)


def test_most_limits_how_many():
    document = one_story("Add a pet to my account")
    assert len(suggest_criteria(document, activity=0, step=0, story=0, most=2)) == 2  # type: ignore[arg-type]


def test_criteria_for_every_sample_story_are_new_distinct_and_clean(sample_maps):
    stories = with_two = with_one = 0
    for document in sample_maps.values():
        for a, s, t in positions(document):
            story = document["activities"][a]["steps"][s]["stories"][t]
            written = suggest_criteria(document, activity=a, step=s, story=t)
            stories += 1
            with_two += len(written) >= 2
            own = {quality.normalise(text) for text in story["acceptance_criteria"]}
            assert not own & {quality.normalise(text) for text in written}, story["title"]
            masked = [quality.mask_title(text, story["title"]) for text in [*story["acceptance_criteria"], *written]]
            assert len(set(masked)) == len(masked), story["title"]
            assert not quality.collisions({"title": " | ".join(written)}), written
            assert all(not text.endswith(".") and text.startswith("Given ") for text in written)
            with_one += bool(written)
    # Fewer than before the criteria had to fit their object (96.9 % had two, a third of them filler): now
    # measured 85.9 % with one and 55.2 % with two of 860.
    assert with_one >= 0.83 * stories
    assert with_two >= 0.5 * stories


def booking_story(title: str, step: str, activity: str, criteria: list[str] | None = None) -> dict[str, Any]:
    return one_story(title, criteria=criteria, step=step, activity=activity)


def test_free_times_get_time_criteria_not_news_or_other_accounts():
    written = criteria_of(booking_story("See free times for a day", "Find a free time", "Book appointments online"))
    assert written
    assert any("still to come" in text or "still free" in text for text in written), written
    for text in written:
        assert "newest" not in text and "another account" not in text and "offline" not in text, text


def test_confirming_in_a_booking_finalises_my_booking_and_is_no_approval():
    written = criteria_of(booking_story("Confirm an appointment", "Confirm the booking", "Book appointments online"))
    assert written
    assert any("booked" in text for text in written), written
    for text in written:
        assert "person who asked" not in text and "decision" not in text and "turn" not in text, text
    # Staff confirming someone's request is still a decision on it.
    decided = criteria_of(booking_story("Confirm a leave request", "Decide on requests", "Approve leave"))
    assert any("person who asked" in text for text in decided), decided


def test_cancelling_an_appointment_gets_the_obvious_criteria_even_when_the_usual_ones_are_there(sample_maps):
    document = copy.deepcopy(sample_maps["vet-clinic"])
    a, s, t = next(
        (a, s, t)
        for a, s, t in positions(document)
        if document["activities"][a]["steps"][s]["stories"][t]["title"] == "Cancel my appointment"
    )
    written = suggest_criteria(document, activity=a, step=s, story=t)
    assert written  # it had 24 hours and the late fee already: what is left is still worth proposing
    for text in written:
        assert "cancel" in text.lower() and "appointment" in text.lower(), text
    said = " ".join(written)
    assert "already started" in said and "twice" in said and ("freed slot" in said or "staff" in said)


def test_no_criterion_pattern_is_pasted_on_a_large_share_of_a_map(sample_maps, monkeypatch):
    from aimap.planner import story_assists

    origin: dict[str, str] = {}
    fill = story_assists._fill

    def recording(template: str, values: dict[str, str]) -> str:
        text = fill(template, values)
        origin.setdefault(text.strip().rstrip("."), template)
        return text

    monkeypatch.setattr(story_assists, "_fill", recording)
    for name, document in sample_maps.items():
        used: dict[str, int] = {}
        where = positions(document)
        for a, s, t in where:
            for template in {
                origin.get(text, text) for text in suggest_criteria(document, activity=a, step=s, story=t)
            }:
                used[template] = used.get(template, 0) + 1
        # Measured at most 28.6 % (a happy path ending in the story's own "so that"), was 33.3 %; aim 15 %.
        assert max(used.values()) <= 0.3 * len(where), name
