"""Each of the four assists from the board, answered by a model: a fake OpenAI-compatible server on 127.0.0.1.

The proposal shown is the model's own words, nothing is written until Accept, and then exactly the
accepted items are on the map; a model that never answers well is a message in the panel, not a change.
"""

import json

import pytest
from playwright.sync_api import expect

from aimap.tests.fake_openai import completion, fake_openai_server  # noqa: F401
from stories.models import Step, Story
from stories.tests.test_browser_assists import ask_from_card, ask_from_menu, open_board, own_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def card(title, benefit):
    return {
        "title": title,
        "description": f"As a pet owner, I want to {title[0].lower()}{title[1:]}, so that {benefit}.",
        "acceptance_criteria": [f"Given I am on the booking page, when I {title.lower()}, then I see it done"],
        "release": None,
        "priority": "should",
        "estimate": 2,
        "persona": "Pet owner",
    }


def test_suggest_stories_from_the_step_menu_shows_the_models_cards_and_adds_the_one_kept(
    page, live_server, owner, clinic, fake_openai
):
    fake_openai.script(
        completion(
            json.dumps(
                {
                    "stories": [
                        card("Filter times by vet", "I see the vet I trust"),
                        card("See times in my time zone", "I am not an hour late"),
                    ]
                }
            )
        )
    )
    open_board(page, live_server, owner, clinic.project)
    panel = ask_from_menu(page, f"#step-{clinic.find.pk}", "Suggest stories")
    expect(panel.locator(".proposal-item").first.get_by_label("Title")).to_have_value("Filter times by vet")
    assert not Story.objects.filter(step=clinic.find).exists()
    panel.locator(".proposal-item").nth(1).get_by_role("checkbox").uncheck()

    panel.get_by_role("button", name="Accept selected").click()

    expect(page.locator("#board-status")).to_have_text("Added 1 story · Undo with Ctrl+Z")
    assert list(Story.objects.filter(step=clinic.find).values_list("title", flat=True)) == ["Filter times by vet"]
    assert fake_openai.last_request.body["response_format"]["json_schema"]["name"] == "mapwright_suggest_stories"
    assert own_errors(page) == []


def test_write_criteria_from_the_card_panel_adds_the_models_criterion(page, live_server, owner, clinic, fake_openai):
    written = "Given the vet has no free time this week, when I pick a check-up, then next week's times are shown"
    fake_openai.script(completion(json.dumps({"criteria": [written]})))
    open_board(page, live_server, owner, clinic.project)
    ask_from_card(page, clinic.small, "Write criteria")
    panel = page.locator("#proposal-panel")
    expect(panel.locator(".proposal-item--new").first.get_by_role("textbox")).to_have_value(written)

    panel.get_by_role("button", name="Accept selected").click()

    expect(page.locator("#board-status")).to_contain_text("Added 1 criterion")
    clinic.small.refresh_from_db()
    assert clinic.small.acceptance_criteria[-1] == written


def test_split_from_the_card_panel_puts_the_models_parts_in_place(page, live_server, owner, clinic, fake_openai):
    parts = [card("Book a check-up", "my pet is seen"), card("Pay for the check-up online", "nothing is left to pay")]
    fake_openai.script(completion(json.dumps({"stories": parts})))
    open_board(page, live_server, owner, clinic.project)
    ask_from_card(page, clinic.big, "Split story")
    panel = page.locator("#proposal-panel")
    expect(panel.locator(".proposal-item")).to_have_count(2)

    panel.get_by_role("button", name="Accept selected").click()

    expect(page.locator("#board-status")).to_contain_text("into 2")
    titles = list(Story.objects.filter(step=clinic.confirm).order_by("position").values_list("title", flat=True))
    assert titles == ["Book a check-up", "Pay for the check-up online"]


def test_fill_the_gaps_from_the_activity_menu_adds_the_models_step(page, live_server, owner, clinic, fake_openai):
    gap = {
        "title": "Get ready for the visit",
        "description": "What to bring and when to arrive.",
        "position": 3,
        "stories": [card("See what to bring to the visit", "nothing is forgotten")],
    }
    fake_openai.script(completion(json.dumps({"steps": [gap]})))
    open_board(page, live_server, owner, clinic.project)
    panel = ask_from_menu(page, f"#activity-{clinic.book.pk} .activity-card", "Fill the gaps")
    expect(page.locator("th.ghost-step")).to_contain_text("Get ready for the visit")
    assert not Step.objects.filter(title="Get ready for the visit").exists()

    panel.get_by_role("button", name="Accept selected").click()

    expect(page.locator("#board-status")).to_contain_text("Added 1 step")
    steps = list(clinic.book.steps.order_by("position").values_list("title", flat=True))
    assert steps == ["Choose what to book", "Find a free time", "Confirm the booking", "Get ready for the visit"]


def test_a_model_that_never_answers_well_is_a_message_and_changes_nothing(
    page, live_server, owner, clinic, fake_openai
):
    fake_openai.script(completion("Sorry, I can only chat."))
    open_board(page, live_server, owner, clinic.project)
    page.locator(f"#step-{clinic.find.pk} details.menu > summary").first.click()
    page.get_by_role("button", name="Suggest stories").click()
    panel = page.locator("#proposal-panel")
    expect(panel).to_contain_text("the model did not return valid story suggestions after 3 attempts", timeout=30_000)
    assert not Story.objects.filter(step=clinic.find).exists()
