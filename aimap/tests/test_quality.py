"""The story map quality measures, on small hand-made documents whose answers are known."""

import io
import json
import sys
import types

import pytest
from django.core.management import CommandError, call_command

from aimap.quality import (
    SAMPLES_DIR,
    benefit,
    collisions,
    combine,
    evaluate,
    format_report,
    invented_personas,
    is_atomic,
    is_minimal,
    is_well_formed,
    map_quality,
    mask_title,
    mvp_covers_all,
    padded_titles,
    persona_named,
    report_data,
    samples,
)


def story(title, description="", criteria=(), release="MVP", persona=None):
    return {
        "title": title,
        "description": description,
        "acceptance_criteria": list(criteria),
        "release": release,
        "persona": persona,
    }


def document(*activities, personas=(), releases=("MVP", "Later")):
    """`activities`: lists of steps, each a list of stories."""
    return {
        "title": "Test map",
        "description": "",
        "personas": [{"name": name, "description": "", "goals": []} for name in personas],
        "releases": [{"name": name, "goal": ""} for name in releases],
        "activities": [
            {
                "title": f"Activity {a}",
                "description": "",
                "steps": [
                    {"title": f"Step {a}.{s}", "description": "", "stories": stories} for s, stories in enumerate(steps)
                ],
            }
            for a, steps in enumerate(activities)
        ],
    }


def atomic(goal):
    return is_atomic(story("A story", f"As a traveller, I want to {goal}, so that I can go away."))


# Padding


def test_a_title_with_words_added_to_another_title_is_padded_and_the_original_is_not():
    titles = ["Book a visit", "Book a visit from my phone", "Cancel a visit"]

    assert padded_titles(titles) == ["Book a visit from my phone"]


def test_titles_that_share_only_their_first_word_or_differ_in_the_middle_are_not_padded():
    assert padded_titles(["Book a visit", "Cancel a visit", "Book the next visit"]) == []
    # The shorter title needs two words: "Pay" is not a base that "Pay by card" pads.
    assert padded_titles(["Pay", "Pay by card"]) == []


def test_padding_ignores_case_and_equal_titles():
    assert padded_titles(["Book a visit", "BOOK A VISIT again"]) == ["BOOK A VISIT again"]
    assert padded_titles(["Book a visit", "Book a visit"]) == []


def test_two_titles_that_differ_only_in_their_trailing_modifiers_are_both_padded():
    titles = ["Book a visit quickly", "Book a visit from my phone", "Cancel a visit"]

    assert padded_titles(titles) == ["Book a visit quickly", "Book a visit from my phone"]


def test_a_title_the_longer_one_extends_is_not_padded_by_its_own_extension():
    titles = ["Check the rota before saving", "Check the rota before saving with clear feedback"]

    assert padded_titles(titles) == ["Check the rota before saving with clear feedback"]


def test_map_quality_counts_padded_stories_and_their_share():
    doc = document([[story("Book a visit"), story("Book a visit from my phone")], [story("Cancel a visit")]])

    quality = map_quality("", doc)

    assert quality.padded == ("Book a visit from my phone",)
    assert quality.padded_count == 1
    assert quality.padded_share == pytest.approx(1 / 3)


# Benefits


def test_a_shared_benefit_lowers_the_distinct_benefit_share():
    doc = document(
        [
            [
                story("Book a visit", "As an owner, I want to book a visit, so that I do not have to phone."),
                story("Move a visit", "As an owner, I want to move a visit, so that I do  NOT have to phone"),
                story("Cancel a visit", "As an owner, I want to cancel a visit, so that the slot is freed."),
            ]
        ]
    )

    quality = map_quality("", doc)

    assert quality.distinct_benefits == 2
    assert quality.distinct_benefits_share == pytest.approx(2 / 3)


def test_a_story_without_so_that_does_not_count_as_a_distinct_benefit():
    doc = document(
        [[story("Book a visit", "As an owner, I want to book a visit, so that I skip the queue."), story("Pay")]]
    )

    assert map_quality("", doc).distinct_benefits == 1
    assert map_quality("", doc).distinct_benefits_share == pytest.approx(1 / 2)
    assert benefit("As an owner, I want to pay.") is None
    assert benefit("As an owner, I want to pay, so that   I Can Leave.") == "i can leave"


# Criteria


def test_a_criterion_pasted_with_the_title_slotted_in_counts_once():
    doc = document(
        [
            [
                story("Book a visit", criteria=["Given I am signed in, when I book a visit, then it is saved."]),
                story("Cancel a booking", criteria=["Given I am signed in, when I cancel a booking, then it is saved"]),
                story(
                    "Cancel a booking", criteria=["Given the visit is tomorrow, when I cancel, then the vet is told"]
                ),
            ]
        ]
    )

    quality = map_quality("", doc)

    assert quality.criteria == 3
    assert quality.distinct_criteria == 2
    assert quality.distinct_criteria_share == pytest.approx(2 / 3)


def test_masking_replaces_whole_title_words_of_three_letters_or_more_in_any_case():
    masked = mask_title("When I Book a visit, the booking VISIT is shown.", "Book a visit")

    assert masked == "when i <title> a <title>, the booking <title> is shown"


# Collided articles


def test_two_determiners_in_a_row_are_found_with_where_they_are():
    doc = document([[story("Keep my pet safe", "As an owner, I want to see my the pet history, so that I plan.")]])

    found = collisions(doc)

    assert [(c.words, c.where) for c in found] == [("my the", "activities[0].steps[0].stories[0].description")]
    assert "see my the pet" in found[0].context
    assert len(map_quality("", doc).collisions) == 1


def test_overlapping_collisions_count_each_pair_and_lookalike_words_do_not_count():
    doc = document(
        [[story("Pick My the a slot", criteria=["Given the theme, when I open their app, then the another"])]]
    )

    assert [c.words for c in collisions(doc)] == ["My the", "the a"]


def test_collisions_are_looked_for_in_personas_releases_and_step_titles_too():
    doc = document([[story("Book a visit")]], personas=["Owner"], releases=["MVP"])
    doc["personas"][0]["goals"] = ["Book an the visit"]
    doc["releases"][0]["goal"] = "Their our first slice"
    doc["activities"][0]["steps"][0]["title"] = "Find a the slot"

    assert sorted(c.where for c in collisions(doc)) == [
        "activities[0].steps[0].title",
        "personas[0].goals[0]",
        "releases[0].goal",
    ]


# Personas

VET_CLINIC = "Pet owners book visits online; receptionists manage the day's schedule."


def test_a_persona_the_description_never_names_is_invented():
    doc = document([[story("Book a visit", persona="Vet")]], personas=["Pet owner", "Receptionist", "Vet", "User"])

    assert invented_personas(doc, VET_CLINIC) == ["Vet"]
    assert map_quality(VET_CLINIC, doc).invented_personas == ("Vet",)


def test_a_persona_named_in_the_plural_or_word_by_word_is_not_invented():
    assert persona_named("Pet owner", VET_CLINIC)
    assert persona_named("receptionist", VET_CLINIC)
    assert persona_named("Child", "A reading app for children and their parents.")
    assert persona_named("Schedule owner", VET_CLINIC)  # "schedule" and "owner(s)" both occur
    assert not persona_named("Clinic manager", VET_CLINIC)
    assert not persona_named("Pet", "Carpets cleaned at home.")  # a word, not part of one


# Quality User Story checks


def test_well_formed_needs_role_goal_and_benefit_in_order():
    assert is_well_formed("As a pet owner, I want to book a visit, so that I do not phone.")
    assert is_well_formed("As an owner, I want a reminder, so that I remember")
    assert not is_well_formed("As a pet owner, I want to book a visit.")
    assert not is_well_formed("I want to book a visit, so that I do not phone.")


def test_a_goal_joining_two_verbs_is_not_atomic():
    assert not atomic("search and book")
    assert not atomic("add, edit and delete pets")
    assert not atomic("search flights and book a hotel")
    assert not atomic("pay and then leave")


def test_a_goal_joining_two_nouns_is_atomic():
    assert atomic("search flights and hotels")
    assert atomic("see my bookings and reminders")
    assert atomic("book a visit")


def test_atomic_reads_the_title_when_the_description_has_no_goal():
    assert not is_atomic(story("Edit or delete a pet"))
    assert is_atomic(story("Edit a pet"))


def test_a_bracket_or_a_second_sentence_is_not_minimal():
    good = "As an owner, I want to book a visit, so that I do not phone."

    assert is_minimal(story("Book a visit", good))
    assert not is_minimal(story("Book a visit (online)", good))
    assert not is_minimal(story("Book a visit", good.replace("a visit", "a visit [online]")))
    assert not is_minimal(story("Book a visit", good + " Vets see it too."))


def test_map_quality_counts_the_stories_passing_each_check():
    doc = document(
        [
            [
                story("Book a visit", "As an owner, I want to book a visit, so that I do not phone."),
                story("Search and book (beta)", "As an owner, I want to search and book, so that I save time."),
                story("Pay"),
            ]
        ]
    )

    quality = map_quality("", doc)

    assert (quality.well_formed, quality.atomic, quality.minimal) == (2, 2, 2)
    assert quality.well_formed_share == pytest.approx(2 / 3)


# MVP


def test_the_mvp_covers_all_only_when_every_activity_has_an_mvp_story():
    covered = document([[story("Book a visit")]], [[story("Pay", release="Later")], [story("Pay by card")]])
    gap = document([[story("Book a visit")]], [[story("Pay", release="Later")]])

    assert mvp_covers_all(covered)
    assert not mvp_covers_all(gap)
    assert not mvp_covers_all(document())


def test_a_release_named_mvp_is_the_mvp_wherever_it_is_listed():
    doc = document([[story("Book a visit", release="mvp")]], releases=("Later", "MVP"))
    first_only = document([[story("Book a visit", release="Later")]], releases=("Later", "MVP"))

    assert mvp_covers_all(doc)
    assert not mvp_covers_all(first_only)


def test_without_a_release_named_mvp_the_first_release_is_the_mvp():
    doc = document([[story("Book a visit", release="Walking skeleton")]], releases=("Walking skeleton", "Later"))
    late = document([[story("Book a visit", release="Later")]], releases=("Walking skeleton", "Later"))

    assert mvp_covers_all(doc)
    assert not mvp_covers_all(late)


# Counts, aggregate and report


def test_map_quality_counts_activities_steps_and_stories():
    doc = document([[story("A b"), story("C d")], [story("E f")]], [[story("G h")]])

    quality = map_quality("", doc)

    assert (quality.activities, quality.steps, quality.stories) == (2, 3, 4)


def test_overall_sums_the_per_map_distinct_counts_rather_than_deduplicating_across_maps():
    doc = document(
        [
            [
                story("Book a visit", "As an owner, I want to book a visit, so that I do not phone."),
                story("Move a visit", "As an owner, I want to move a visit, so that I do not phone."),
            ]
        ]
    )
    one = map_quality("", doc)

    overall = combine([one, one])

    assert one.distinct_benefits == 1
    assert overall.distinct_benefits == 2
    assert overall.stories == 4
    assert overall.distinct_benefits_share == pytest.approx(0.5)
    assert overall.mvp_covers_all == 2


def test_samples_are_read_in_name_order_and_include_the_named_products():
    found = samples()

    assert len(found) >= 24
    assert list(found) == sorted(found)
    assert {"vet-clinic", "food-delivery", "smart-home", "hr-onboarding"} <= set(found)
    assert all(text.strip() for text in found.values())
    assert len(list(SAMPLES_DIR.glob("*.txt"))) == len(found)


def fake_planner(description):
    if "refuse" in description:
        raise ValueError("no words")
    title = description.split(".")[0]
    padded = f"{title} from my phone"
    return document(
        [
            [
                story(
                    title,
                    f"As an owner, I want to {title.lower()}, so that my the day is easier.",
                    [f"Given I am signed in, when I {title.lower()}, then it is done"],
                ),
                story(
                    padded,
                    f"As an owner, I want to {padded.lower()}, so that I can go.",
                    [f"Given I am signed in, when I {padded.lower()}, then it is done"],
                ),
            ]
        ],
        personas=["Owner", "Wizard"],
    )


def test_evaluate_measures_each_map_times_it_and_lists_refusals():
    report = evaluate(
        {"a": "Book a visit. Owners do it.", "b": "refuse this", "c": "Pay a bill. Owners pay."}, fake_planner
    )

    assert [product for product, _ in report.rows] == ["a", "c"]
    assert [product for product, _ in report.failures] == ["b"]
    assert len(report.milliseconds) == 2
    assert report.max_ms is not None and report.median_ms is not None
    assert report.max_ms >= report.median_ms >= 0
    assert report.rows[0][1].invented_personas == ("Wizard",)
    assert report.overall.stories == 4
    assert report.overall.padded_count == 2


def test_the_text_report_has_a_row_per_product_an_overall_row_and_the_details():
    report = evaluate({"a": "Book a visit. Owners do it.", "b": "refuse this"}, fake_planner)

    text = format_report(report)
    lines = text.splitlines()

    assert lines[0].split()[:4] == ["product", "activities", "steps", "stories"]
    # The two criteria differ: masking is word by word, so titles of different lengths leave different shapes.
    assert lines[2].split() == ["a", "1", "1", "2", "50", "100", "100", "1", "1", "100", "100", "100", "yes"]
    assert lines[4].split() == ["overall", "1", "1", "2", "50", "100", "100", "1", "1", "100", "100", "100", "1/1"]
    assert "a: invented personas: Wizard" in text
    assert 'a: collided "my the" x1' in text
    assert "b: the planner failed: ValueError: no words" in text


def test_report_data_is_json_with_shares_and_timing():
    data = json.loads(json.dumps(report_data(evaluate({"a": "Book a visit."}, fake_planner))))

    assert data["maps"][0]["product"] == "a"
    assert data["maps"][0]["shares"]["padded"] == pytest.approx(0.5)
    assert data["overall"]["stories"] == 2
    assert data["timing"]["max_ms"] >= data["timing"]["median_ms"] >= 0


# The command, with a stand-in planner (the real one's thresholds are tested with the planner)


@pytest.fixture
def stand_in_planner(monkeypatch):
    module = types.ModuleType("aimap.planner")
    module.plan_map = fake_planner  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "aimap.planner", module)


def run_command(*args):
    stdout = io.StringIO()
    call_command("evaluate_planner", *args, stdout=stdout)
    return stdout.getvalue()


@pytest.mark.usefixtures("stand_in_planner")
def test_the_command_prints_a_row_per_sample_the_overall_row_and_the_timing():
    output = run_command("--no-assists")

    products = [line.split()[0] for line in output.splitlines()[2:] if line and not line.startswith("-")]
    assert products[: len(samples())] == list(samples())
    assert "overall" in products
    assert "Planner time per map: median" in output


@pytest.mark.usefixtures("stand_in_planner")
def test_the_command_prints_json_and_evaluates_an_extra_file(tmp_path):
    extra = tmp_path / "kennel.txt"
    extra.write_text("Board a dog. Kennel staff feed dogs.", encoding="utf-8")

    data = json.loads(run_command("--json", "--file", str(extra)))

    assert [row["product"] for row in data["maps"]] == [*samples(), "kennel"]
    assert data["overall"]["maps"] == len(samples()) + 1
    assert set(data["timing"]) == {"median_ms", "max_ms"}


def test_the_command_says_so_when_the_planner_cannot_be_imported(monkeypatch):
    monkeypatch.setitem(sys.modules, "aimap.planner", types.ModuleType("aimap.planner"))

    with pytest.raises(CommandError, match="Cannot import the planner"):
        run_command()
