"""The board as a workspace in a real Chromium: the card panel, densities, search, keys, menus, undo, phone width."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from accounts.models import User
from projects.services import project_create
from stories import services
from stories.models import Release, Step, Story
from stories.tests.factories import build_map
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots for a person to look at; the tests pass without anyone doing so.
SHOTS = Path(os.environ.get("BOARD_SHOTS", str(Path(__file__).resolve().parents[2] / "test-artifacts" / "board")))


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def open_board(page, live_server, owner, project, width: int = 1400, height: int = 900) -> None:
    page.set_viewport_size({"width": width, "height": height})
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    # Set up once board.js has given the cells their "+".
    expect(page.locator(".cell__add").first).to_be_attached()


def card_link(page: Page, story: Story) -> Locator:
    return page.locator(f"#story-{story.pk} > a")


def centre_is_inside(page, selector: str) -> bool:
    return page.evaluate(
        """selector => {
            const card = document.querySelector(selector);
            const box = card.getBoundingClientRect();
            const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
            return Boolean(hit && card.contains(hit));
        }""",
        selector,
    )


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic", description="Owners book visits and get reminders.")


@pytest.fixture
def tall_map(project):
    build_map(project, activities=3, steps=3, releases=4, stories_per_cell=3)
    return project


def test_a_card_opens_in_a_panel_and_closes_back_onto_the_card(live_server, page, owner, tall_map):
    # A card far down the board: the board scrolls under its sticky backbone to reach it.
    story = Story.objects.filter(project=tall_map, release=None).latest("pk")
    open_board(page, live_server, owner, tall_map)
    card_link(page, story).click()

    panel = page.get_by_role("dialog", name=f"Edit “{story.title}”")
    expect(panel.get_by_label("Title")).to_be_focused()
    shoot(page, "panel-1400")
    page.keyboard.press("Escape")

    expect(panel).to_be_hidden()
    expect(card_link(page, story)).to_be_focused()
    assert centre_is_inside(page, f"#story-{story.pk}")
    assert page.console_errors == []


def test_a_card_saved_in_the_panel_is_focused_and_clear_of_the_headers(live_server, page, owner, tall_map):
    story = Story.objects.filter(project=tall_map, release=None).latest("pk")
    open_board(page, live_server, owner, tall_map)
    card_link(page, story).focus()
    page.keyboard.press("Enter")
    panel = page.get_by_role("dialog", name=f"Edit “{story.title}”")
    panel.get_by_label("Title").fill("Remind me the day before")
    panel.get_by_role("button", name="Save story").click()

    expect(panel).to_be_hidden()
    expect(page.locator("#board-status")).to_have_text("Saved “Remind me the day before”.")
    expect(card_link(page, story)).to_be_focused()
    expect(card_link(page, story)).to_have_text("Remind me the day before")
    assert centre_is_inside(page, f"#story-{story.pk}")
    story.refresh_from_db()
    assert story.title == "Remind me the day before"


def test_a_save_in_the_panel_that_lost_a_race_keeps_what_was_typed(live_server, page, owner, tall_map):
    story = Story.objects.filter(project=tall_map, release=None).latest("pk")
    open_board(page, live_server, owner, tall_map)
    card_link(page, story).click()
    panel = page.get_by_role("dialog", name=f"Edit “{story.title}”")
    panel.get_by_label("Title").fill("My wording of it")
    services.story_update(story=story, title="Their wording", estimate=5)  # someone else, meanwhile

    panel.get_by_role("button", name="Save story").click()

    expect(panel.get_by_role("alert")).to_contain_text("someone else saved this card since you opened it")
    expect(panel.get_by_role("alert")).to_contain_text("Their wording")
    expect(panel.get_by_label("Title")).to_have_value("My wording of it")
    story.refresh_from_db()
    assert story.title == "Their wording"
    # Saving again is a choice, and then it is saved.
    panel.get_by_role("button", name="Save story").click()
    expect(panel).to_be_hidden()
    expect(card_link(page, story)).to_have_text("My wording of it")
    story.refresh_from_db()
    assert story.title == "My wording of it"


def test_the_overview_shows_a_30_step_200_story_map_on_one_screen(live_server, page, owner, project):
    build_map(project, activities=6, steps=5, releases=2, stories_per_cell=0)
    steps = list(Step.objects.filter(project=project).order_by("activity__position", "position"))
    releases = [*Release.objects.filter(project=project), None]
    for n in range(200):
        services.story_create(
            project=project, step=steps[n % 30], release=releases[n % 3], title=f"Story number {n} of the big map"
        )
    open_board(page, live_server, owner, project)
    page.get_by_role("button", name="Overview").click()
    expect(page.get_by_role("button", name="Overview")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#board-status")).to_have_text("Overview density.")
    shoot(page, "overview-1400")

    last_step = page.locator("th.step").last
    last_card = page.locator(".story-card").last
    for element in (last_step, last_card):
        box = element.bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1400
        assert box["y"] >= 0 and box["y"] + box["height"] <= 900
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    scroller = page.locator("#board-scroll")
    assert scroller.evaluate("s => s.scrollWidth <= s.clientWidth && s.scrollHeight <= s.clientHeight")
    # Titles are still text: a reader sees a title's first word, not just "Sto…", and the
    # whole title as the card's tooltip.
    assert last_card.locator("a").inner_text().startswith("Story number")
    shown = last_card.locator("a").evaluate(
        """a => {
            const probe = document.createElement("span"), style = getComputedStyle(a);
            probe.style.font = style.font;
            probe.style.letterSpacing = style.letterSpacing;
            probe.style.whiteSpace = "nowrap";
            probe.style.position = "absolute";  // out of the page's grid, as wide as its text
            probe.textContent = "Story…";
            document.body.append(probe);
            const width = probe.getBoundingClientRect().width;
            probe.remove();
            return width <= a.clientWidth;
        }"""
    )
    assert shown, "the first word of a title is cut off in the overview"
    last_card.locator("a").hover()
    expect(last_card.locator("a")).to_have_attribute("title", re.compile(r"^Story number \d+ of the big map$"))

    # Remembered for the person: the next visit opens in the overview.
    owner.refresh_from_db()
    assert owner.board_density == "overview"
    page.reload()
    expect(page.locator(".board-page")).to_have_class(re.compile(r"\bdensity-overview\b"))


def test_search_and_filters_dim_the_other_cards_and_count(live_server, page, owner, project):
    activity = services.activity_create(project=project, title="Book a visit")
    step = services.step_create(project=project, activity=activity, title="Pick a time")
    mvp = services.release_create(project=project, name="MVP")
    services.story_create(project=project, step=step, release=mvp, title="Book online", priority="must")
    services.story_create(project=project, step=step, title="Book by phone", description="Call the desk")
    services.story_create(project=project, step=step, release=mvp, title="See free slots")
    open_board(page, live_server, owner, project)

    page.locator("body").press("/")
    search = page.get_by_role("searchbox", name="Search stories")
    expect(search).to_be_focused()
    search.fill("book")
    expect(page.locator("#filter-count")).to_have_text("2 of 3 stories")
    expect(page.locator(".story-card.is-dimmed")).to_have_count(1)
    expect(page.locator(".story-card.is-dimmed > a")).to_have_text("See free slots")
    shoot(page, "search-1400")

    # Descriptions are searched too, and the filters narrow it down further.
    search.fill("desk")
    expect(page.locator("#filter-count")).to_have_text("1 of 3 stories")
    expect(page.locator(".story-card.is-match > a")).to_have_text("Book by phone")
    search.fill("")
    filters = page.get_by_role("search")
    filters.get_by_label("Release").select_option(label="MVP")
    filters.get_by_label("Priority").select_option("must")
    expect(page.locator("#filter-count")).to_have_text("1 of 3 stories")
    expect(page.locator(".story-card.is-match > a")).to_have_text("Book online")

    filters.get_by_label("Priority").select_option("")
    filters.get_by_label("Release").select_option("")
    search.fill("slots")
    search.press("Escape")
    expect(search).to_have_value("")
    expect(page.locator(".story-card.is-dimmed")).to_have_count(0)
    expect(page.locator("#filter-count")).to_have_text("3 stories")


def test_the_grid_is_one_tab_stop_walked_with_the_arrow_keys(live_server, page, owner, project):
    activity = services.activity_create(project=project, title="Book a visit")
    pick = services.step_create(project=project, activity=activity, title="Pick a time")
    pay = services.step_create(project=project, activity=activity, title="Pay")
    mvp = services.release_create(project=project, name="MVP")
    first = services.story_create(project=project, step=pick, release=mvp, title="Book online")
    second = services.story_create(project=project, step=pick, release=mvp, title="See free slots")
    later = services.story_create(project=project, step=pick, title="Book by phone")
    paying = services.story_create(project=project, step=pay, release=mvp, title="Pay by card")
    open_board(page, live_server, owner, project)

    assert page.locator(".story-card > a[tabindex='0']").count() == 1
    card_link(page, first).focus()
    page.keyboard.press("ArrowDown")
    expect(card_link(page, second)).to_be_focused()
    page.keyboard.press("ArrowDown")  # out of MVP, into Unplanned below
    expect(card_link(page, later)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(card_link(page, second)).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(card_link(page, paying)).to_be_focused()
    assert page.locator(".story-card > a[tabindex='0']").count() == 1

    # N adds to the focused card's cell; ? lists the keys.
    page.keyboard.press("n")
    adding = page.get_by_role("dialog", name="Add a story to Pay, MVP")
    expect(adding.get_by_label("What does the user want?")).to_be_focused()
    page.keyboard.press("Escape")
    expect(card_link(page, paying)).to_be_focused()
    page.keyboard.press("?")
    keys = page.get_by_role("dialog", name="Keys")
    expect(keys).to_be_visible()
    expect(keys).to_contain_text("add a story to the cell of the card you are on")
    page.keyboard.press("Escape")
    expect(keys).to_be_hidden()


def test_menus_close_on_escape_and_elsewhere_and_one_is_open_at_a_time(live_server, page, owner, project):
    activity = services.activity_create(project=project, title="Book a visit")
    services.step_create(project=project, activity=activity, title="Pick a time")
    services.step_create(project=project, activity=activity, title="Pay")
    open_board(page, live_server, owner, project)

    first = page.get_by_label("Edit step Pick a time")
    first.click()
    first_panel = page.locator("#board-grid .menu[open] .menu__panel")
    expect(first_panel).to_be_visible()
    box = first_panel.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 1400
    assert centre_is_inside(page, "#board-grid .menu[open] .menu__panel")

    page.get_by_label("Edit step Pay").click()
    expect(page.locator("details.menu[open]")).to_have_count(1)
    page.get_by_text("Export / import").click()
    expect(page.locator("details.menu[open]")).to_have_count(1)
    expect(page.locator(".export-menu")).to_have_attribute("open", "")
    expect(page.get_by_role("link", name="Print…")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("details.menu[open]")).to_have_count(0)
    expect(page.locator(".export-menu > summary")).to_be_focused()

    first.click()
    expect(page.locator("details.menu[open]")).to_have_count(1)
    page.locator("h1").click()
    expect(page.locator("details.menu[open]")).to_have_count(0)


def test_a_deleted_card_comes_back_with_ctrl_z(live_server, page, owner, project):
    activity = services.activity_create(project=project, title="Book a visit")
    step = services.step_create(project=project, activity=activity, title="Pick a time")
    services.story_create(project=project, step=step, title="Book online")
    doomed = services.story_create(project=project, step=step, title="Book by phone")
    open_board(page, live_server, owner, project)

    card_link(page, doomed).focus()
    page.keyboard.press("Delete")
    expect(page.locator("#board-status")).to_have_text("Deleted “Book by phone”. Press Ctrl+Z to undo.")
    expect(page.locator(f"#story-{doomed.pk}")).to_have_count(0)
    assert not Story.objects.filter(title="Book by phone").exists()
    expect(page.get_by_role("button", name=re.compile("^Undo delete"))).to_be_enabled()

    page.keyboard.press("Control+z")
    expect(page.locator("#board-status")).to_have_text(re.compile("^Undone: "))
    expect(page.get_by_role("link", name="Book by phone")).to_be_visible()
    assert Story.objects.filter(title="Book by phone").exists()
    expect(page.get_by_role("button", name=re.compile("^Redo "))).to_be_enabled()
    assert page.console_errors == []


def test_at_phone_width_the_board_scrolls_inside_itself_and_targets_are_big_enough(live_server, page, owner, tall_map):
    open_board(page, live_server, owner, tall_map, width=390, height=844)
    shoot(page, "comfortable-390")

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("#board-scroll").evaluate("s => s.scrollWidth > s.clientWidth")
    small = page.evaluate(
        """() => Array.from(document.querySelectorAll(
            '.board-header button, .board-header a.button, .board-header summary, .board-tools button, ' +
            '.board-tools summary, .board-filters input, .board-filters select, .icon-button'))
          .filter(e => e.offsetParent !== null)
          .map(e => [e.textContent.trim() || e.getAttribute('aria-label'), e.getBoundingClientRect()])
          .filter(([, r]) => r.width < 24 || r.height < 24)
          .map(([name, r]) => `${name} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == []
    for button in page.locator(".board-header__actions > a, .zoom__button").all():
        box = button.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    page.get_by_role("button", name="Compact").click()
    shoot(page, "compact-390")
    page.get_by_role("button", name="Overview").click()
    shoot(page, "overview-390")


def test_screens_of_each_density_at_desktop_width(live_server, page, owner, tall_map):
    story = Story.objects.filter(project=tall_map).earliest("pk")
    Story.objects.filter(pk=story.pk).update(labels=["red", "risky"])
    open_board(page, live_server, owner, tall_map)
    shoot(page, "comfortable-1400")
    card = page.locator(f"#story-{story.pk}")
    expect(card.get_by_role("img", name="Red")).to_be_visible()
    expect(card.locator(".an")).to_have_text("Risky")
    page.get_by_role("button", name="Compact").click()
    expect(page.locator(".board-page")).to_have_class(re.compile(r"\bdensity-compact\b"))
    shoot(page, "compact-1400")
    page.locator("body").press("/")
    page.keyboard.type("Story")
    page.set_viewport_size({"width": 390, "height": 844})
    shoot(page, "search-390")
    page.keyboard.press("Escape")
    card.locator("a").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    shoot(page, "panel-390")
    assert User.objects.get(pk=owner.pk).board_density == "compact"
