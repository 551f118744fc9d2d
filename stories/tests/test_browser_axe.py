"""axe-core on the board at desktop and phone width, with a menu, the card panel and the search in use."""

from pathlib import Path

import pytest

from projects.services import project_create
from stories.tests.factories import vet_clinic_map
from tests.support import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "tests" / "vendor" / "axe-core" / "axe.min.js"
VIEWPORTS = {"desktop": {"width": 1400, "height": 900}, "phone": {"width": 390, "height": 844}}


def violations(tab) -> list[str]:
    """What axe finds on the page as it is now (WCAG 2.2 A and AA, and best practice), one line each."""
    if not tab.evaluate("Boolean(window.axe)"):
        tab.add_script_tag(path=str(AXE))
    found = tab.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
        })).violations.map(v => `${v.id}: ${v.help} — ${v.nodes.slice(0, 3).map(n => n.target.join(" "))}`)"""
    )
    return list(found)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_board_has_no_axe_violations_in_use(live_server, browser, owner, viewport):
    project = vet_clinic_map(project_create(owner=owner, name="Vet clinic"))
    # axe is injected as an inline script, which the site's Content Security Policy rightly refuses.
    context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    try:
        log_in(tab, live_server, owner)
        tab.goto(f"{live_server.url}/projects/{project.pk}/")
        assert violations(tab) == [], "board"

        tab.locator(".story-card").first.click()
        tab.locator("dialog[open]").wait_for()
        assert violations(tab) == [], "card panel open"
        tab.keyboard.press("Escape")
        tab.locator("dialog[open]").wait_for(state="detached")

        tab.locator("details.menu > summary").first.click()
        assert violations(tab) == [], "a menu open"
        tab.keyboard.press("Escape")

        tab.keyboard.press("/")
        tab.keyboard.type("pay")
        assert violations(tab) == [], "search in use"
    finally:
        context.close()
