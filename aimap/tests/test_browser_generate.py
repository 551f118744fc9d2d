"""Generating a map in a real Chromium, with the offline planner."""

import pytest

from conftest import PASSWORD
from stories.models import Activity, Story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESCRIPTION = (
    "A booking app for a vet clinic: pet owners book appointments, get vaccination reminders and see their "
    "pet's history; receptionists manage the daily schedule."
)


def test_generate_a_map_from_a_description_and_see_the_board_filled(live_server, page, owner, save_screenshot):
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_label("Name").fill("Vet clinic")
    page.get_by_label("Product description").fill(DESCRIPTION)
    page.get_by_role("button", name="Create project").click()
    page.get_by_role("link", name="Generate a map with AI").click()
    assert page.get_by_label("Product description").input_value() == DESCRIPTION
    save_screenshot(page, "generate-form")
    page.get_by_role("button", name="Generate the map").click()

    page.wait_for_url(f"{live_server.url}/projects/*/")
    assert page.get_by_text("Your map is ready").is_visible()
    activities = list(Activity.objects.values_list("title", flat=True))
    assert activities, "the generated map has a backbone"
    for title in activities:
        assert page.get_by_label(f": {title}", exact=False).first.is_visible()
    assert page.locator("article.story-card").count() == Story.objects.count() > 0
    assert page.locator(".release-bar__name", has_text="MVP").is_visible()
    save_screenshot(page, "board-generated")
    assert page.console_errors == []
