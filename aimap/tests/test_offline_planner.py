"""The offline planner: maps a product manager would keep, on the repository's samples and on other texts."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aimap import quality
from aimap.planner import plan_map
from aimap.planner.catalogue import catalogue, companions
from stories.document import GENERATED_LIMITS, document_parse

SAMPLES = quality.samples()

# Texts that are not among the samples, in other words and styles: what "any other description" means.
OTHERS = {
    "vet one-liner": "A booking app for a vet clinic: owners book appointments, get vaccination reminders and see "
    "their pet's history; receptionists manage the daily schedule.",
    "recipes": "A recipe sharing site where home cooks share recipes, search recipes by ingredient, save favourites "
    "and comment on dishes.",
    "expenses": "Personal expense tracker. Users log expenses, track monthly budgets, and export reports to CSV so "
    "that they can do their taxes.",
    "school": "- Teachers create assignments\n- Students submit homework\n- Parents see grades",
    "rides": "Ride sharing: riders request rides and pay drivers; drivers accept rides and rate riders.",
    "bookstore": "An online bookstore where readers browse books, buy e-books and write reviews.",
    "gym": "Gym class booking for members: members book classes, join waitlists and track workouts. Trainers "
    "publish the timetable.",
    "helpdesk": "An IT helpdesk. Employees submit tickets and chat with agents; agents assign tickets, resolve "
    "incidents and report outages.",
    "market": "A farmers' market marketplace. Sellers list produce and manage stock; buyers order vegetables and pay "
    "online.",
    "events": "Event ticketing: organisers create events and sell tickets, attendees buy tickets and receive QR codes.",
    "todo": "a todo app",
    "pawcare": "PawCare is a booking app for a veterinary clinic. Pet owners register their pets and book "
    "appointments.",
    "pantry": "Pantry helps households track food.",
}
ALL = {**SAMPLES, **{f"other: {name}": text for name, text in OTHERS.items()}}


@pytest.fixture(scope="module")
def maps() -> dict[str, tuple[dict, quality.MapQuality]]:
    planned = {name: plan_map(text) for name, text in ALL.items()}
    return {name: (planned[name], quality.map_quality(ALL[name], planned[name])) for name in ALL}


def test_there_are_at_least_twenty_samples_of_varied_styles():
    assert len(SAMPLES) >= 20
    lengths = sorted(len(text.split()) for text in SAMPLES.values())
    assert lengths[0] <= 5 and lengths[-1] >= 300  # a one-liner and a long text
    assert any(text.lstrip().startswith("#") for text in SAMPLES.values())  # a spec with headings
    assert sum("\n- " in text or "\n* " in text for text in SAMPLES.values()) >= 3  # bullet lists


@pytest.mark.parametrize("name", ALL)
def test_every_map_is_valid_deterministic_and_big_enough(name, maps):
    document, measured = maps[name]
    assert document_parse(document, limits=GENERATED_LIMITS)
    assert plan_map(ALL[name]) == document
    assert measured.activities >= 3, name
    assert measured.stories >= 8, name
    assert measured.mvp_covers_all, f"{name}: the MVP misses an activity"
    assert document["releases"][0]["name"] == "MVP"


@pytest.mark.parametrize("name", ALL)
def test_no_filler(name, maps):
    _, measured = maps[name]
    assert measured.padded_count <= 0.02 * measured.stories, measured.padded
    assert measured.distinct_benefits >= 0.9 * measured.stories
    assert measured.distinct_criteria >= 0.9 * measured.criteria
    assert not measured.collisions, measured.collisions


@pytest.mark.parametrize("name", ALL)
def test_personas_are_roles_the_text_names(name, maps):
    _, measured = maps[name]
    assert not measured.invented_personas, measured.invented_personas


@pytest.mark.parametrize("name", ALL)
def test_stories_pass_the_quality_user_story_checks(name, maps):
    _, measured = maps[name]
    assert measured.well_formed == measured.stories
    assert measured.atomic == measured.stories
    assert measured.minimal == measured.stories


def test_each_release_goal_says_what_it_adds_for_this_product(maps):
    document, _ = maps["vet-clinic"]
    mvp, *later = document["releases"]
    assert "book appointments" in mvp["goal"] and "pet owners" in mvp["goal"]
    assert all(release["goal"] and release["goal"] != mvp["goal"] for release in later)


def activity_titles(document: dict) -> str:
    return " | ".join(activity["title"].lower() for activity in document["activities"])


def texts(document: dict) -> str:
    parts = [activity_titles(document)]
    for activity in document["activities"]:
        parts += [step["title"] for step in activity["steps"]]
        parts += [story["title"] for step in activity["steps"] for story in step["stories"]]
    return " | ".join(parts).lower()


def test_food_delivery_has_ordering_and_checkout(maps):
    document, _ = maps["food-delivery"]
    assert "order food" in activity_titles(document)
    assert "place my order" in texts(document) and "choose the delivery address" in texts(document)
    assert "pay" in activity_titles(document) and "track" in activity_titles(document)
    assert {"Customer", "Restaurant", "Courier"} <= {persona["name"] for persona in document["personas"]}


def test_smart_home_has_pairing_and_controlling_devices(maps):
    document, _ = maps["smart-home"]
    titles = activity_titles(document)
    assert "pair devices" in titles and "control devices" in titles
    assert titles.index("pair devices") < titles.index("control devices")  # journey order


def test_hr_onboarding_has_the_new_hire_and_their_first_days(maps):
    document, _ = maps["hr-onboarding"]
    personas = {persona["name"] for persona in document["personas"]}
    assert {"HR", "New hire", "Manager"} <= personas
    assert "onboard new hires" in activity_titles(document)
    assert "first day" in texts(document)
    new_hire_stories = [
        story
        for activity in document["activities"]
        for step in activity["steps"]
        for story in step["stories"]
        if story["persona"] == "New hire"
    ]
    assert len(new_hire_stories) >= 3


def test_vet_clinic_books_appointments_for_pet_owners(maps):
    document, _ = maps["vet-clinic"]
    titles = activity_titles(document)
    assert "book appointments" in titles and "reminders" in titles
    assert {persona["name"] for persona in document["personas"]} == {"Pet owner", "Receptionist"}
    # The receptionist's side of a capability goes to the receptionist, not to the pet owner.
    for activity in document["activities"]:
        for step in activity["steps"]:
            for story in step["stories"]:
                if "cancellation policy" in story["title"].lower():
                    assert story["persona"] == "Receptionist"


def test_grammar_reads_right():
    document = plan_map("Pet owners register their pets and book appointments.")
    assert document["personas"][0]["name"] == "Pet owner"
    assert document["activities"][0]["title"] == "Register pets"
    story = document["activities"][0]["steps"][0]["stories"][0]
    assert story["description"].startswith("As a pet owner, I want to add a pet to my account, so that ")
    pantry = plan_map("Pantry helps households track food.")
    assert [persona["name"] for persona in pantry["personas"]] == ["Household"]
    assert "track food" in activity_titles(pantry)
    assert all(
        " i " not in f" {s['description']} " for a in pantry["activities"] for t in a["steps"] for s in t["stories"]
    )


def test_the_purpose_the_text_gives_becomes_a_benefit():
    document = plan_map(OTHERS["expenses"])
    export = next(activity for activity in document["activities"] if activity["title"].startswith("Export"))
    stories = [story for step in export["steps"] for story in step["stories"]]
    assert export["title"] == "Export reports to CSV"
    assert any(story["description"].endswith("so that I can do my taxes.") for story in stories)


def test_user_only_when_the_text_names_no_role():
    assert [persona["name"] for persona in plan_map("A habit tracker.")["personas"]] == ["User"]
    assert "User" not in {persona["name"] for persona in plan_map(OTHERS["school"])["personas"]}


def test_a_one_liner_gets_what_it_supports():
    document = plan_map("A habit tracker.")
    assert activity_titles(document) == "track habits | log habits | get habit reminders"


def test_unknown_actions_get_a_generic_journey_that_reads_well():
    document = plan_map("Gardeners water plants.")
    assert document["activities"][0]["title"] == "Water plants"
    first = document["activities"][0]["steps"][0]["stories"][0]
    assert first["title"] == "Start watering a plant"
    assert "water plants" in first["acceptance_criteria"][0] or "water" in first["acceptance_criteria"][0]


@pytest.mark.parametrize("description", ["", "   ", "!!! ???", "\n- \n"])
def test_a_description_without_words_is_refused_readably(description):
    with pytest.raises(ValueError, match="no words"):
        plan_map(description)


def test_a_very_long_description_stays_within_the_limits():
    description = " ".join(f"Role{n}s manage widget{n}s, track gadget{n}s and share report{n}s." for n in range(200))
    document = plan_map(description[:10_000])
    assert document_parse(document, limits=GENERATED_LIMITS)
    assert len(document["activities"]) <= 8
    assert len(document["description"]) <= 4_000


def test_the_catalogue_is_data_with_at_least_forty_capabilities():
    known = catalogue()
    assert len(known) >= 40
    assert "generic" in known and "default" in companions()
    for capability in known.values():
        stories = [story for step in capability.steps for story in step.stories]
        assert any(story.mvp for story in stories), capability.id
        assert len({story.benefit for story in stories}) == len(stories), capability.id


@pytest.mark.slow
def test_the_planner_needs_no_network_and_no_downloaded_data(tmp_path):
    """Run in a fresh interpreter where any socket fails and NLTK has no data folder."""
    script = (
        "import socket, json\n"
        "def refuse(*args, **kwargs): raise OSError('network used')\n"
        "socket.socket.connect = refuse\n"
        "socket.create_connection = refuse\n"
        "from aimap.planner import plan_map\n"
        "print(json.dumps(plan_map('Pet owners book appointments and get reminders.')['activities'][0]['title']))\n"
    )
    env = {**os.environ, "NLTK_DATA": str(tmp_path), "HOME": str(tmp_path), "PYTHONPATH": os.getcwd()}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == "Book appointments"


def test_the_readme_shows_the_figures_make_eval_prints():
    report = quality.evaluate(SAMPLES, plan_map)
    overall = next(line for line in quality.format_report(report).splitlines() if line.startswith("overall"))
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert overall in readme, "run `make eval` and copy its table into the README"


ODD_TEXTS = [
    "<script>alert(1)</script> users book rooms",
    "🚀🚀 founders pitch investors 🚀",
    "Users can.",
    "Book. Book. Book.",
    "Owners book appointments " * 400,
    "Café Olé lets diners reserve tables.",
    "a" * 5000,
    "## Couriers\n- \n- ",
]


@pytest.mark.parametrize("text", ODD_TEXTS)
def test_odd_texts_still_give_a_valid_map_without_filler(text):
    document = plan_map(text)
    assert document_parse(document, limits=GENERATED_LIMITS)
    measured = quality.map_quality(text, document)
    assert measured.activities >= 3 and measured.mvp_covers_all
    assert not measured.collisions and not measured.invented_personas
    assert measured.padded_count <= 0.02 * measured.stories


def test_names_keep_their_accents():
    assert plan_map("Café Olé lets diners reserve tables.")["title"] == "Café Olé"


@pytest.mark.parametrize(
    ("text", "first_activities"),
    [
        ("A todo app for teams", ["Track tasks", "Share tasks", "Get task reminders"]),
        ("A job board", ["Find jobs", "Save jobs", "Post job ads"]),
        ("A meal planning app for families", ["Plan meals"]),
        ("An app to book yoga classes", ["Book yoga classes"]),
        ("A marketplace where people sell used bikes", ["Sell used bikes"]),
    ],
)
def test_short_descriptions_get_the_activities_their_kind_implies(text, first_activities):
    titles = [activity["title"] for activity in plan_map(text)["activities"]]
    assert titles[: len(first_activities)] == first_activities
