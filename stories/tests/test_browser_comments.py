"""Comments in a real Chromium: in the card panel, posted, listed, deleted, and counted on the card."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import User
from projects.models import Membership
from projects.services import project_create
from stories.models import Comment, Story
from stories.tests.factories import vet_clinic_map
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path(os.environ.get("BOARD_SHOTS", str(Path(__file__).resolve().parents[2] / "test-artifacts" / "board")))


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


@pytest.fixture
def story(project):
    return Story.objects.get(project=project, title="Pay by card")


def own_errors(page) -> list[str]:
    # The live board's socket (live.js) has no server under the test server's WSGI: not this test's concern.
    return [error for error in page.console_errors if "WebSocket" not in error]


def open_board(page, live_server, user, project, width: int = 1400, height: int = 900) -> None:
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, user)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    expect(page.locator(".story-card .story-card__meta").first).to_be_attached()


def open_panel(page, story):
    page.locator(f"#story-{story.pk} > a").click()
    panel = page.locator("#story-panel")
    expect(panel.get_by_role("heading", name="Comments")).to_be_visible()
    return panel


def post_comment(panel, text: str) -> None:
    panel.get_by_label("Add a comment").fill(text)
    panel.get_by_role("button", name="Post comment").click()


def test_a_comment_posted_in_the_panel_shows_there_and_counts_on_the_card(live_server, page, owner, story):
    open_board(page, live_server, owner, story.project)
    card = page.locator(f"#story-{story.pk}")
    expect(card.locator(".chip--comments")).to_have_count(0)

    panel = open_panel(page, story)
    expect(panel.get_by_text("No comments yet.")).to_be_visible()
    post_comment(panel, "Which cards?\n<b>Visa</b> & Mastercard")

    posted = panel.locator(".comment").first
    expect(posted.locator(".comment__author")).to_have_text("Olive Owner")
    # As text, line break and all: the markup shows as written, it does not become bold.
    expect(posted.locator(".comment__body")).to_have_text("Which cards?\n<b>Visa</b> & Mastercard")
    expect(posted.locator("b")).to_have_count(0)
    expect(panel.get_by_role("heading", name="Comments 1")).to_be_visible()
    expect(panel.get_by_label("Add a comment")).to_have_value("")
    shoot(page, "comments-panel-1400")

    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    chip = card.get_by_role("img", name="1 comment")
    expect(chip).to_have_text("1")
    shoot(page, "comments-chip-1400")
    assert Comment.objects.get().body == "Which cards?\n<b>Visa</b> & Mastercard"
    assert own_errors(page) == []


def test_an_empty_or_too_long_comment_is_refused_in_the_panel(live_server, page, owner, story):
    open_board(page, live_server, owner, story.project)
    panel = open_panel(page, story)

    panel.get_by_role("button", name="Post comment").click()
    expect(panel.get_by_text("Write something first: the comment is empty.")).to_be_visible()
    box = panel.get_by_label("Add a comment")
    box.fill("x" * 4_100)  # the box holds at most 4,000
    expect(panel.get_by_text("4,000 / 4,000 characters")).to_be_visible()
    assert Comment.objects.count() == 0


def test_a_viewer_comments_and_deletes_their_own(live_server, page, owner, member, story):
    Membership.objects.create(project=story.project, user=member, role="viewer")
    Comment.objects.create(project=story.project, story=story, author=owner, body="The owner's note")
    open_board(page, live_server, member, story.project, width=390, height=844)
    card = page.locator(f"#story-{story.pk}")
    expect(card.get_by_role("img", name="1 comment")).to_be_visible()

    panel = open_panel(page, story)
    expect(panel.get_by_text("The owner's note")).to_be_visible()
    # The viewer may not delete someone else's comment, only their own.
    expect(panel.get_by_role("button", name="Delete", exact=False)).to_have_count(0)
    post_comment(panel, "A viewer's question")
    expect(panel.locator(".comment")).to_have_count(2)
    shoot(page, "comments-panel-390")

    page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name="Delete the comment by Mel Member").click()
    expect(panel.locator(".comment")).to_have_count(1)
    expect(panel.get_by_text("Comment deleted.")).to_be_visible()
    assert list(Comment.objects.values_list("body", flat=True)) == ["The owner's note"]

    post_comment(panel, "Asked again")
    expect(panel.locator(".comment")).to_have_count(2)
    page.keyboard.press("Escape")
    expect(card.get_by_role("img", name="2 comments")).to_have_text("2")
    assert Comment.objects.filter(author=member).count() == 1
    assert own_errors(page) == []


def test_the_cards_page_posts_without_javascript(live_server, browser, owner, story):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1400, "height": 900})
    tab = context.new_page()
    try:
        log_in(tab, live_server, owner)
        tab.goto(f"{live_server.url}/board/stories/{story.pk}/")
        tab.get_by_label("Add a comment").fill("Posted with no script")
        tab.get_by_role("button", name="Post comment").click()
        expect(tab.locator("#comments .comment__body")).to_have_text("Posted with no script")
        tab.locator("#comments").scroll_into_view_if_needed()
        shoot(tab, "comments-page-1400")
    finally:
        context.close()
    assert User.objects.get(pk=owner.pk).comments.count() == 1


@pytest.mark.parametrize(("width", "height"), [(1400, 900), (390, 844)])
def test_a_viewer_opens_the_activity_from_the_project_menu(live_server, page, owner, member, story, width, height):
    from projects.events import Verb, event_record

    Membership.objects.create(project=story.project, user=member, role="viewer")
    event_record(
        project=story.project, actor=owner, verb=Verb.MOVED, subject=f"story “{story.title}”", story_id=story.pk
    )
    event_record(project=story.project, actor=member, verb=Verb.COMMENTED, subject="story “Ring the bell”")
    event_record(project=story.project, actor=owner, verb=Verb.MEMBER_ADDED, subject=member.email)
    open_board(page, live_server, member, story.project, width=width, height=height)

    page.get_by_text("Project", exact=True).click()
    page.get_by_role("link", name="Activity").click()

    expect(page.get_by_role("heading", name="Activity", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Today")).to_be_visible()
    lines = page.locator(".feed__text")
    expect(lines.first).to_contain_text(re.compile(r"Olive Owner\s+added a member\s+mel@example.com"))
    expect(lines.nth(2)).to_contain_text(
        re.compile(r"Olive Owner\s+moved\s+story “Pay by card”\s+· (now|a second ago)")
    )
    page.get_by_role("link", name="story “Pay by card”").click()
    expect(page).to_have_url(f"{live_server.url}/board/stories/{story.pk}/")
    page.go_back()
    shoot(page, f"activity-{width}")
    assert own_errors(page) == []
