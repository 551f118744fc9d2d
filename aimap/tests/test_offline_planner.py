"""The offline planner on varied products: valid, deterministic, and drawn from each product's own words."""

import itertools
import re
import time

import pytest

from aimap.document import GENERATED_LIMITS, document_parse
from aimap.offline import plan_map

STORY = re.compile(r"^As an? .+, I want .+, so that .+\.$")

# (description, words that must appear in the backbone, personas expected)
PRODUCTS = {
    "vet clinic": (
        "A booking app for a vet clinic: owners book appointments, get vaccination reminders and see their pet's "
        "history; receptionists manage the daily schedule.",
        ["appointment", "reminder", "history", "schedule"],
        {"Owner", "Receptionist"},
    ),
    "recipes": (
        "A recipe sharing site where home cooks share recipes, search recipes by ingredient, save favourites and "
        "comment on dishes.",
        ["recipe", "favourite", "dish"],
        {"Home cook"},
    ),
    "expenses": (
        "Personal expense tracker. Users log expenses, track monthly budgets, and export reports to CSV so that "
        "they can do their taxes.",
        ["expense", "budget", "report"],
        {"User"},
    ),
    "school": (
        "- Teachers create assignments\n- Students submit homework\n- Parents see grades",
        ["assignment", "homework", "grade"],
        {"Teacher", "Student", "Parent"},
    ),
    "rides": (
        "Ride sharing: riders request rides and pay drivers; drivers accept rides and rate riders.",
        ["ride", "driver", "rider"],
        {"Rider", "Driver"},
    ),
    "bookstore": (
        "An online bookstore where readers browse books, buy e-books and write reviews.",
        ["book", "review"],
        {"Reader"},
    ),
    "gym": (
        "Gym class booking for members: members book classes, join waitlists and track workouts. Trainers publish "
        "the timetable.",
        ["class", "waitlist", "workout", "timetable"],
        {"Member", "Trainer"},
    ),
    "helpdesk": (
        "An IT helpdesk. Employees submit tickets and chat with agents; agents assign tickets, resolve incidents "
        "and report outages.",
        ["ticket", "incident", "outage"],
        {"Employee", "Agent"},
    ),
    "languages": (
        "A language learning app: learners take lessons, practice vocabulary and compete with friends on a "
        "leaderboard.",
        ["lesson", "vocabulary"],
        {"Learner"},
    ),
    "market": (
        "A farmers' market marketplace. Sellers list produce and manage stock; buyers order vegetables and pay online.",
        ["produce", "stock", "vegetable"],
        {"Seller", "Buyer"},
    ),
    "events": (
        "Event ticketing: organisers create events and sell tickets, attendees buy tickets and receive QR codes.",
        ["event", "ticket", "qr code"],
        {"Organiser", "Attendee"},
    ),
    "todo": ("a todo app", ["todo"], {"User"}),
}


def backbone_text(document: dict) -> str:
    titles = [activity["title"] for activity in document["activities"]]
    titles += [step["title"] for activity in document["activities"] for step in activity["steps"]]
    return " ".join(titles).lower()


@pytest.mark.parametrize("name", PRODUCTS)
def test_each_product_gets_a_valid_map_in_its_own_words(name):
    description, words, personas = PRODUCTS[name]
    document = plan_map(description)
    assert document_parse(document, limits=GENERATED_LIMITS)
    assert plan_map(description) == document  # deterministic
    text = backbone_text(document)
    for word in words:
        assert word in text, f"{word!r} missing from {text!r}"
    assert {persona["name"] for persona in document["personas"]} == personas
    titles = [activity["title"].lower() for activity in document["activities"]]
    assert len(titles) == len(set(titles))


@pytest.mark.parametrize("name", PRODUCTS)
def test_stories_are_well_formed_and_sliced_into_releases(name):
    document = plan_map(PRODUCTS[name][0])
    assert next(release["name"] for release in document["releases"]) == "MVP"
    for activity in document["activities"]:
        stories = [story for step in activity["steps"] for story in step["stories"]]
        assert any(story["release"] == "MVP" for story in stories), activity["title"]
        for story in stories:
            assert STORY.match(story["description"]), story["description"]
            assert len(story["acceptance_criteria"]) >= 2
            assert all(criterion.startswith("Given ") for criterion in story["acceptance_criteria"])
            assert story["priority"] in {"must", "should", "could"}
            assert story["estimate"] in {1, 2, 3, 5, 8}
            assert story["persona"] in {persona["name"] for persona in document["personas"]}


def test_different_products_give_different_backbones():
    backbones = {name: tuple(a["title"] for a in plan_map(p[0])["activities"]) for name, p in PRODUCTS.items()}
    for first, second in itertools.combinations(backbones, 2):
        assert backbones[first] != backbones[second], (first, second)


def test_the_purpose_the_text_gives_becomes_the_benefit():
    document = plan_map(PRODUCTS["expenses"][0])
    export = next(a for a in document["activities"] if a["title"].startswith("Export"))
    assert export["steps"][0]["stories"][0]["description"].endswith("so that they can do their taxes.")


@pytest.mark.parametrize("description", ["", "   ", "!!! ???", "\n- \n"])
def test_a_description_without_words_is_refused_readably(description):
    with pytest.raises(ValueError, match="no words"):
        plan_map(description)


def test_a_very_long_description_is_fast_and_within_the_limits():
    description = " ".join(f"Role{n}s manage widget{n}s, track gadget{n}s and share report{n}s." for n in range(200))
    started = time.perf_counter()
    document = plan_map(description[:10_000])
    assert time.perf_counter() - started < 2
    assert document_parse(document, limits=GENERATED_LIMITS)
    assert len(document["activities"]) <= 8
    assert len(document["description"]) <= 4_000
