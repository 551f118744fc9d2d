"""The site in a real Chromium: it loads, styles itself and raises no console error."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_loads_in_chromium_without_console_errors(live_server, page, save_screenshot):
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")

    assert page.title() == "User story maps from plain words · Mapwright"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Describe your product")
    assert page.get_by_role("navigation", name="Main").is_visible()
    # The stylesheet applied: the header carries the brand colour.
    header_colour = page.eval_on_selector(".site-header", "el => getComputedStyle(el).backgroundColor")
    assert header_colour == "rgb(31, 78, 121)"
    save_screenshot(page, "home")
    assert page.console_errors == []


def test_home_page_menu_opens_on_a_small_screen(live_server, page, save_screenshot):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(live_server.url + "/")
    menu = page.get_by_role("button", name="Menu")
    assert page.get_by_role("link", name="API docs").first.is_hidden()
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    assert page.locator("#site-nav").get_by_role("link", name="API docs").is_visible()
    save_screenshot(page, "home-mobile-menu")
    assert page.console_errors == []


def test_api_docs_render_offline_under_the_content_security_policy(live_server, page, save_screenshot):
    page.goto(live_server.url + "/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Mapwright API" in page.inner_text(".swagger-ui .info .title")
    save_screenshot(page, "api-docs")
    assert page.console_errors == []
