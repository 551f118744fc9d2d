"""The board at phone width: it starts on the first screen, and what waits in the Project menu still works."""

import pytest
from playwright.sync_api import expect

from stories.tests.test_browser_assists import open_board

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_at_390_px_the_board_starts_on_the_first_screen_and_the_folded_buttons_work(
    page, live_server, owner, clinic, save_screenshot
):
    open_board(page, live_server, owner, clinic.project, width=390, height=844)

    first_activity = page.locator(".activity-card").first.bounding_box()
    assert first_activity is not None and first_activity["y"] < 844, first_activity
    expect(page.locator(".board-header__actions > #trash-link")).to_have_count(0)
    page.locator(".project-menu > summary").click()
    menu = page.locator(".project-menu .menu__panel")
    expect(menu.get_by_role("link", name="Trash (0)")).to_be_visible()
    expect(menu.get_by_role("link", name="Generate with AI")).to_be_visible()
    save_screenshot(page, "board-390-project-menu")
    menu.get_by_role("button", name="Check the map").click()
    expect(page.locator("#quality-panel")).to_be_visible()
    expect(page.locator(".project-menu")).not_to_have_attribute("open", "")

    # Wider again, everything is back in the header where it was.
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 1400, "height": 900})
    expect(page.locator(".board-header__actions > #trash-link")).to_be_visible()
    expect(page.locator(".board-header__actions > .generate-link")).to_be_visible()
    expect(page.locator(".board-tools [data-quality-open]")).to_be_visible()
    expect(page.locator(".project-menu__folded")).to_have_count(0)
