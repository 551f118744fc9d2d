"""Undo and the Trash in Chromium: what a person deleted comes back where it was."""

import json
import re

import pytest
from playwright.sync_api import expect

from projects.services import project_create
from stories import services
from stories.models import Activity, Story
from stories.tests.factories import board_of
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project(owner):
    project = project_create(owner=owner, name="Vet clinic")
    mvp = services.release_create(project=project, name="MVP")
    book = services.activity_create(project=project, title="Book a visit")
    remind = services.activity_create(project=project, title="Get reminders")
    for activity, steps in ((book, ("Pick a time", "Confirm")), (remind, ("Choose a channel",))):
        for step_title in steps:
            step = services.step_create(project=project, activity=activity, title=step_title)
            for number in range(2):
                services.story_create(project=project, step=step, release=mvp, title=f"{step_title}: card {number}")
            services.story_create(project=project, step=step, title=f"{step_title}: later")
    return project


def as_text(project) -> str:
    return json.dumps(board_of(project))  # order counts


def open_board(page, live_server, owner, project) -> None:
    page.set_viewport_size({"width": 1400, "height": 900})
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator(".cell__add").first).to_be_attached()  # board.js has set the grid up


def test_an_activity_deleted_with_its_stories_comes_back_with_ctrl_z(live_server, page, owner, project):
    before = as_text(project)
    open_board(page, live_server, owner, project)

    page.get_by_label("Edit activity Book a visit").click()
    page.get_by_role("button", name="Delete activity").click()
    expect(page.get_by_text("The activity “Book a visit” was deleted.")).to_be_visible()
    expect(page.locator(".activity-card__title", has_text="Book a visit")).to_have_count(0)
    assert not Activity.objects.filter(title="Book a visit").exists()
    expect(page.get_by_role("button", name="Undo delete activity “Book a visit”")).to_be_enabled()

    page.locator("h1").click()  # the keys work wherever the focus is on the board, outside a field
    page.keyboard.press("Control+z")

    expect(page.locator(".activity-card__title", has_text="Book a visit")).to_have_count(1)
    for title in ("Pick a time: card 0", "Pick a time: card 1", "Confirm: later"):
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    assert as_text(project) == before
    titles = page.locator(".activity-card__title").all_inner_texts()
    assert titles == ["Book a visit", "Get reminders"]
    expect(page.get_by_role("button", name="Redo delete activity “Book a visit”")).to_be_enabled()
    assert page.console_errors == []


def test_undo_still_works_after_a_reload(live_server, page, owner, project):
    open_board(page, live_server, owner, project)
    card = Story.objects.get(title="Confirm: card 1")
    page.locator(f"#story-{card.pk} > a").focus()
    page.keyboard.press("Delete")
    expect(page.locator(f"#story-{card.pk}")).to_have_count(0)

    page.reload()
    undo = page.get_by_role("button", name="Undo delete story “Confirm: card 1”")
    expect(undo).to_be_enabled()
    undo.click()

    expect(page.locator(f"#story-{card.pk}")).to_be_visible()
    assert board_of(project)["Book a visit"]["Confirm"]["MVP"] == ["Confirm: card 0", "Confirm: card 1"]


def test_a_deleted_story_comes_back_from_the_trash_in_its_place(live_server, page, owner, project):
    before = as_text(project)
    open_board(page, live_server, owner, project)
    card = Story.objects.get(title="Pick a time: card 0")
    page.locator(f"#story-{card.pk} > a").focus()
    page.keyboard.press("Delete")
    expect(page.locator(f"#story-{card.pk}")).to_have_count(0)

    page.get_by_role("link", name=re.compile(r"^Trash")).click()
    expect(page.get_by_role("heading", name="Trash")).to_be_visible()
    page.get_by_role("button", name="Restore story “Pick a time: card 0”").click()

    expect(page.get_by_text("Restored: story “Pick a time: card 0”.")).to_be_visible()
    expect(page.locator(f"#story-{card.pk}")).to_be_visible()
    assert as_text(project) == before
    page.get_by_role("link", name=re.compile(r"^Trash")).click()
    expect(page.get_by_text("The Trash is empty.")).to_be_visible()
