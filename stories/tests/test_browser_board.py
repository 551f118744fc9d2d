"""The board in a real Chromium: build a small map, edit a card, move it by mouse and keyboard, delete it."""

import re

import pytest
from playwright.sync_api import expect

from stories.models import Release, Story
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def story_card(scope, title: str):
    """The card whose link says `title`: a card is named by its link, the grid's one tab stop."""
    tab = getattr(scope, "page", scope)  # `has` is matched inside each card: built from the page, not the scope
    return scope.locator(".story-card").filter(has=tab.get_by_role("link", name=title, exact=True))


def card_release(story_title: str) -> str | None:
    release = Story.objects.get(title=story_title).release
    return release.name if release else None


def test_build_edit_move_and_delete_a_story_on_the_board(live_server, page, owner, save_screenshot):
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, owner)

    # A project, empty: the board says what to do next.
    page.get_by_label("Name").fill("Vet clinic")
    page.get_by_label("Product description").fill("Pet owners book appointments and get vaccination reminders.")
    page.get_by_role("button", name="Create project").click()
    assert page.get_by_role("heading", name="This map is empty").is_visible()
    save_screenshot(page, "board-empty")

    # Backbone, a step, two releases and a story.
    page.get_by_label("First activity").fill("Book a visit")
    page.get_by_role("button", name="Add the first activity").click()
    page.get_by_label("First step of Book a visit").fill("Pick a time")
    page.get_by_role("button", name="Add step").click()
    for name in ("MVP", "Release 2"):
        page.get_by_text("+ Release").click()
        page.get_by_label("New release").fill(name)
        page.get_by_role("button", name="Add release", exact=True).click()
    mvp_cell = page.locator("#release-{} td.cell".format(Release.objects.get(name="MVP").pk))
    mvp_cell.get_by_role("button", name="Add a story to Pick a time, MVP").click()
    adding = page.get_by_role("dialog", name="Add a story to Pick a time, MVP")
    adding.get_by_label("What does the user want?").fill("Book online")
    adding.get_by_role("button", name="Add story").click()
    expect(story_card(page, "Book online")).to_be_visible()

    # Open the card (in the panel over the board) and edit every field.
    page.get_by_role("link", name="Book online").click()
    panel = page.get_by_role("dialog", name="Edit “Book online”")
    panel.get_by_label("Title").fill("Book an appointment online")
    panel.get_by_label("Description").fill("As a pet owner, I want to book online, so that I don't have to call.")
    panel.get_by_label("Acceptance criteria").fill(
        "Given a free slot, when I pick it, then it is mine\nI get a confirmation email"
    )
    panel.get_by_label("Status").select_option("in_progress")
    panel.get_by_label("Priority").select_option("must")
    panel.get_by_label("Estimate (points)").fill("3")
    save_screenshot(page, "story-editor")
    panel.get_by_role("button", name="Save story").click()
    card = story_card(page, "Book an appointment online")
    expect(card).to_be_visible()
    expect(panel).to_be_hidden()
    assert "Must" in card.inner_text() and "3 pts" in card.inner_text()
    story = Story.objects.get()
    assert story.acceptance_criteria == [
        "Given a free slot, when I pick it, then it is mine",
        "I get a confirmation email",
    ]
    assert (story.status, story.priority, story.estimate) == ("in_progress", "must", 3)

    # Drag it to Release 2; it stays there after a reload.
    release_2_cell = page.locator("#release-{} .cell__stories".format(Release.objects.get(name="Release 2").pk))
    card.drag_to(release_2_cell)
    expect(page.locator("#board-status")).to_have_text(re.compile("^Moved"))
    page.reload()
    assert story_card(release_2_cell, "Book an appointment online").is_visible()
    assert card_release("Book an appointment online") == "Release 2"
    save_screenshot(page, "board-after-drag")

    # Move it back up with the keyboard.
    page.get_by_role("link", name="Book an appointment online").focus()
    page.keyboard.press("Alt+Shift+ArrowUp")
    expect(page.locator("#board-status")).to_have_text(re.compile("^Moved"))
    assert page.evaluate("document.activeElement.textContent") == "Book an appointment online"
    page.reload()
    assert story_card(mvp_cell, "Book an appointment online").is_visible()
    assert card_release("Book an appointment online") == "MVP"

    # Delete it, from the card's own page (the one links and no-JS use).
    page.goto(live_server.url + f"/board/stories/{Story.objects.get().pk}/")
    page.get_by_role("button", name="Delete story").click()
    assert page.get_by_text("The story “Book an appointment online” was deleted.").is_visible()
    assert not Story.objects.exists()
    assert page.console_errors == []


def backbone_order(project) -> tuple[list[str], list[str], list[str]]:
    from stories.models import Activity, Step

    return (
        list(Activity.objects.filter(project=project).values_list("title", flat=True)),
        list(
            Step.objects.filter(project=project)
            .order_by("activity__position", "position")
            .values_list("title", flat=True)
        ),
        list(Release.objects.filter(project=project).values_list("name", flat=True)),
    )


def test_reorder_activities_steps_and_releases_by_keyboard_and_mouse(live_server, page, owner, save_screenshot):
    from projects.services import project_create
    from stories import services

    project = project_create(owner=owner, name="Reorder")
    find = services.activity_create(project=project, title="Find a clinic")
    book = services.activity_create(project=project, title="Book a visit")
    services.step_create(project=project, activity=book, title="Pick a time")
    services.step_create(project=project, activity=book, title="Confirm")
    services.release_create(project=project, name="MVP")
    services.release_create(project=project, name="Later")
    services.step_create(project=project, activity=find, title="Search")
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/projects/{project.pk}/")

    def settle():
        expect(page.locator("#board-status")).to_have_text(re.compile("^Moved"))
        page.locator("#board-status").evaluate("element => { element.textContent = ''; }")

    page.get_by_label("Activity 2: Book a visit").focus()
    page.keyboard.press("Alt+ArrowLeft")
    settle()
    page.get_by_label("Step: Confirm").focus()
    page.keyboard.press("Alt+ArrowLeft")
    settle()
    page.get_by_label("Release 2: Later", exact=False).focus()
    page.keyboard.press("Alt+ArrowUp")
    settle()
    assert backbone_order(project) == (
        ["Book a visit", "Find a clinic"],
        ["Confirm", "Pick a time", "Search"],
        ["Later", "MVP"],
    )

    # The same by mouse: drag "Find a clinic" back in front.
    page.locator(f"#activity-{find.pk} .drag-handle").drag_to(page.locator(f"#activity-{book.pk} .drag-handle"))
    settle()
    page.reload()
    assert backbone_order(project)[0] == ["Find a clinic", "Book a visit"]
    assert "Find a clinic" in page.locator("th.activity").first.inner_text()

    # Collapsing an activity hides its columns and survives a reload.
    page.get_by_role("button", name="Collapse Book a visit").click()
    assert page.get_by_label("Step: Confirm").is_hidden()
    page.reload()
    assert page.get_by_role("button", name="Expand Book a visit").get_attribute("aria-expanded") == "false"
    save_screenshot(page, "board-collapsed")
    page.get_by_role("button", name="Expand Book a visit").click()
    assert page.get_by_label("Step: Confirm").is_visible()
    assert page.console_errors == []
