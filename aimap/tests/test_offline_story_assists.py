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
            reason = split_reason(story)
            if joined or (story["estimate"] or 0) >= 8:
                assert reason is not None
            elif reason is not None:
                # Beyond the map check only a title whose "and" opens a second action, and it splits there.
                assert reason == "it joins two actions with “and”", story
                assert len(split_story(document, activity=a, step=s, story=t)) >= 2, story


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
            # A part is one action; "Pay with Apple Pay or Google Pay", the catalogue's own card, names two wallets.
            own = {title_key(first["title"]), title_key(second["title"])}
            atomic = qus.is_atomic(title=part["title"], description=part["description"])
            assert atomic or title_key(part["title"]) in own, part
            assert part["acceptance_criteria"], part
    assert found >= 340  # measured 354: "and" before a verb the catalogue opens stories with counts too
    assert split >= 0.98 * found  # measured 354 of 354
    assert back >= 0.97 * found  # measured 349 of 354: the rest join three actions, and split into three


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
    # Measured 6 %: a class's parts only where they read well on the title (no words after the object, not
    # my own one thing, a thing with optional details); the rest have nothing honest to split on.
    assert split >= 0.05 * tried


# --- Acceptance criteria -------------------------------------------------------------------


def test_criteria_for_cancelling_name_cancelling_and_the_appointment():
    document = one_story(
        "Cancel my appointment", "As a pet owner, I want to cancel my appointment, so that I am not charged."
    )
    written = criteria_of(document)
    assert 2 <= len(written) <= 5
    for text in written:
        # A story with no criteria yet gets them as the planner writes them: each one sentence, with its stop.
        assert text.startswith("Given ") and ", when " in text and ", then " in text and text.endswith(".")
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
    assert written[0] == lost  # ending as the story's own (the planner's) criteria end
    assert story["acceptance_criteria"][0] not in written


def test_new_criteria_end_as_the_storys_own_do():
    document = one_story("Cancel my appointment", criteria=["Given it is tomorrow, when I cancel, then it is free"])
    assert all(not text.endswith(".") for text in criteria_of(document))
    card(document)["acceptance_criteria"] = ["Given it is tomorrow, when I cancel, then it is free."]
    assert all(text.endswith(".") for text in criteria_of(document))


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
            assert all(text.endswith(".") and text.startswith("Given ") for text in written)  # as the map's end
            with_one += bool(written)
    # Fewer than before the criteria had to fit their object (96.9 % had two, a third of them filler): now
    # measured 85.9 % with one and 55.2 % with two of 860; with the narrow senses (Mark … as, Pick up where I
    # stopped, choosing in a booking) and no criteria borrowed for an object the title names but cannot be
    # read, 84.2 % and 68.0 %; with the senses of round three (accepting what is offered, syncing, sending on a
    # schedule, comparing periods, scanning codes and tickets, reporting, rating), 87.3 % and 72.7 %.
    assert with_one >= 0.86 * stories
    assert with_two >= 0.71 * stories


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
        # Measured at most 15.8 % (3 of 19 stories; "the newest come first" of lists), was 28.6 %; aim 15 %.
        assert max(used.values()) <= 0.16 * len(where), name


# --- Criteria of the right sense, about the right thing -------------------------------------


def test_an_object_the_title_names_but_cannot_be_read_is_not_replaced_by_the_step_object():
    # "answer marked" is no object the criteria can name; the activity's courses are not what it is about.
    written = criteria_of(one_story("Get each answer marked as I go", step="Practise", activity="Create courses"))
    assert not any("course" in text.lower() for text in written), written
    assert not any("sends" in text for text in written), written


def test_being_told_of_something_gets_a_notification_of_that_thing():
    written = criteria_of(one_story("Get told when it is on its way", step="Check the status", activity="Order food"))
    assert len(written) >= 2
    assert any("these notifications off, when it is on its way" in text for text in written), written
    assert not any("sends the status" in text for text in written), written  # the step's object is not sent


def test_verifying_my_email_address_is_no_decision_on_a_request():
    written = criteria_of(one_story("Verify my email address", step="Confirm my email", activity="Sign up"))
    assert len(written) >= 2
    for text in written:
        assert "person who asked" not in text and "decision" not in text and "turn" not in text, text
    assert any("link" in text for text in written), written


def test_filtering_a_list_and_finding_my_own_bookings_are_no_keyword_search():
    for title, step in (
        ("Filter the results", "Narrow down the results"),
        ("Find my upcoming appointments", "Find my booking"),
    ):
        written = criteria_of(booking_story(title, step, "Book appointments online"))
        assert len(written) >= 2, title
        assert not any("word I type" in text or "misspell" in text for text in written), written
    found = criteria_of(booking_story("Find my upcoming appointments", "Find my booking", "Book appointments online"))
    assert any("coming up" in text for text in found), found


def test_marking_something_as_done_names_the_state_and_no_form_fields():
    written = criteria_of(one_story("Mark the shift swap as approved", step="Check the result", activity="Swap shifts"))
    assert len(written) >= 2
    assert all("as approved" in text or "see it as approved" in text for text in written), written
    assert not any("required field" in text or "new details" in text for text in written), written


def test_a_possessive_owner_is_read_apart_from_the_things_it_owns():
    written = criteria_of(
        one_story("See each person's open tickets", step="Balance the load", activity="Hand out work")
    )
    assert written
    assert any("there are no open tickets yet" in text for text in written), written
    assert all("more person's" not in text and "no person's" not in text for text in written), written


def test_picking_up_where_i_stopped_and_choosing_while_booking_get_criteria():
    resumed = criteria_of(one_story("Pick up where I stopped", step="Start unlocking", activity="Unlock cars"))
    assert len(resumed) >= 2 and any("carry on" in text for text in resumed), resumed
    picked = criteria_of(
        booking_story("Pick the type of appointment I need", "Choose what to book", "Book appointments")
    )
    assert len(picked) >= 2 and any("choice" in text for text in picked), picked
    # Picking up an order is collecting it, not carrying on: no resuming criteria for it.
    collected = criteria_of(one_story("Pick up my order", step="Collect it", activity="Order food"))
    assert not any("carry on" in text for text in collected), collected


def test_choosing_a_setting_never_reads_the_step_object_as_what_is_chosen():
    written = criteria_of(one_story("Choose how early I hear", step="Get reminded", activity="Get reminders by text"))
    assert written
    assert not any("choose the reminder" in text for text in written), written


def test_downloading_the_list_of_things_is_about_the_list_not_one_of_them():
    written = criteria_of(
        one_story("Download the list of languages I picked", step="See what was picked before", activity="Learn")
    )
    assert any("when I download the list of languages, then I get a file" in text for text in written), written
    assert not any("download the language" in text for text in written), written
    assert any("narrowed the list first" in text for text in written), written
    # Many things exported are exported together, not as "the report".
    exported = criteria_of(one_story("Export missed-bin reports to CSV", step="Share and export", activity="Report"))
    assert any("export the missed-bin reports, then I get one file" in text for text in exported), exported


def test_syncing_a_calendar_brings_busy_times_across_and_never_blocks_or_deletes():
    written = criteria_of(
        one_story(
            "Sync busy times from my personal calendar",
            "As a tutor, I want to block times that are already busy in my personal calendar, so that nobody books "
            "them.",
            # The catalogue's own criteria, as the planner writes the card: what is left is the sync's sense.
            criteria=[
                "Given a dentist visit is in my personal calendar, when the sync runs, then that time is blocked in "
                "PawCare without showing what it is",
                "Given the visit is deleted from my personal calendar, when the sync next runs, then the time opens "
                "for bookings again",
            ],
            step="Block time and make exceptions",
            activity="Set my availability",
        )
    )
    assert len(written) >= 2
    said = " ".join(written)
    assert "disconnect" in said and ("clash" in said or "a few minutes" in said), written
    assert "Undo" not in said and "disappears" not in said and "when I block" not in said, written


def test_accepting_what_is_offered_to_me_asks_no_reason_and_makes_it_mine():
    for title, step in (
        ("Accept a job offer", "Take a job"),
        ("Accept a colleague's offered shift", "Take up an offer"),
    ):
        written = criteria_of(one_story(title, step=step, activity="Deliver orders"))
        assert len(written) >= 2, title
        for text in written:
            assert "person who asked" not in text and "must give a reason" not in text, text
        assert any("becomes mine" in text for text in written), written
        assert any("a moment before me" in text or "no longer offered" in text for text in written), written
    invited = criteria_of(one_story("Accept an invitation", step="Join the team", activity="Invite people"))
    assert any("join at once" in text for text in invited) and not any("mine" in text for text in invited), invited
    # A manager deciding on a request is still a decision.
    decided = criteria_of(one_story("Approve a leave request", step="Decide on requests", activity="Approve leave"))
    assert any("person who asked" in text for text in decided), decided


def test_sending_on_a_schedule_is_about_when_it_goes_out():
    written = criteria_of(
        one_story("Email a report on a schedule", step="Share and export", activity="See the numbers")
    )
    assert len(written) >= 2
    said = " ".join(written)
    assert "schedule" in said and "next go out" in said, written
    assert "address I typed" not in said and "wrong person" not in said, written


def test_repeating_an_entry_i_log_often_logs_it_again_and_sets_no_schedule():
    written = criteria_of(one_story("Repeat a set I log often", step="Log an entry", activity="Log workouts"))
    assert len(written) >= 2
    assert any("new entry with the same details" in text for text in written), written
    assert not any("every Monday" in text or "repeats" in text for text in written), written
    scheduled = criteria_of(one_story("Repeat the reminder on a schedule", step="Set what to be reminded of"))
    assert any("every Monday" in text for text in scheduled), scheduled


def test_a_verb_that_takes_no_object_gets_none_and_no_borrowed_one():
    written = criteria_of(one_story("Sign up with Google or Apple", step="Create an account", activity="Get started"))
    assert any("when I try to sign up again" in text for text in written), written
    assert not any("sign up it" in text for text in written), written
    # "Message everyone who holds a ticket": the step's sales are not what is messaged.
    messaged = criteria_of(
        one_story("Message everyone who holds a ticket", step="Follow sales and attendees", activity="Sell tickets")
    )
    assert not any("message it" in text or "sale" in text for text in messaged), messaged


def test_rating_grading_and_reporting_are_no_decision_and_no_form_of_mine():
    rated = criteria_of(one_story("Rate the feedback with stars", step="Leave a rating", activity="Learn"))
    assert len(rated) >= 2 and any("rating" in text for text in rated), rated
    graded = criteria_of(one_story("Grade a submission against a rubric", step="Mark the work", activity="Teach"))
    assert len(graded) >= 2 and any("rubric" in text for text in graded), graded
    reported = criteria_of(one_story("Report a post that breaks the rules", step="Report a problem post"))
    assert reported and any("reason" in text for text in reported), reported
    for text in [*rated, *graded, *reported]:
        assert "person who asked" not in text and "required detail" not in text and "list of posts" not in text, text


def test_a_clause_inside_the_object_is_not_read_as_its_head():
    written = criteria_of(one_story("Write the questions people will answer", step="Write the questions"))
    assert written
    assert not any("will answers" in text or "a questions" in text for text in written), written
    assert any("write the question" in text for text in written), written


def test_checking_before_confirming_and_seeing_a_time_off_balance_get_their_own_sense():
    checked = criteria_of(one_story("Check the result before I confirm it", step="Check the result"))
    assert len(checked) >= 2 and any("go back" in text for text in checked), checked
    balance = criteria_of(one_story("See my remaining time off balance", step="Check what I have left"))
    assert len(balance) >= 2 and any("balance" in text for text in balance), balance
    assert not any("moved or canceled" in text for text in balance), balance


def test_a_criterion_the_story_has_in_fewer_words_is_not_offered_again_in_more():
    document = one_story(
        "Pick the type of appointment I need",
        "As a pet owner, I want to pick the type of appointment I need, so that I see the times that fit.",
        criteria=["Given several types, when I pick one, then its length and price are shown."],
        step="Choose what to book",
        activity="Book appointments",
    )
    written = criteria_of(document)
    assert not [text for text in written if "length and price" in text], written
