"""The SVG export: a picture of the whole map, drawn on the server, that any browser opens."""

import re
import time
from xml.etree import ElementTree

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, PASSWORD
from projects.models import Project
from stories.models import Activity, Persona, Release, Step, Story
from stories.selectors import story_map_get
from stories.svg import story_map_svg
from stories.tests.factories import build_map

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"


def vet_clinic(owner, name: str = "Vet clinic") -> Project:
    project = Project.objects.create(owner=owner, name=name)
    book = Activity.objects.create(project=project, title="Book a visit", position=0)
    pick = Step.objects.create(project=project, activity=book, title="Pick a time", position=0)
    confirm = Step.objects.create(project=project, activity=book, title="Confirm the booking", position=1)
    mvp = Release.objects.create(project=project, name="MVP", goal="Book online", position=0)
    pet_owner = Persona.objects.create(project=project, name="Pet owner", position=0)
    Story.objects.create(
        project=project, step=pick, release=mvp, title="See free slots", priority="must", estimate=3,
        persona=pet_owner, labels=["red", "risky"], position=0,
    )  # fmt: skip
    Story.objects.create(project=project, step=pick, release=mvp, title="Filter by vet", estimate=1, position=1)
    Story.objects.create(project=project, step=confirm, title="Get a confirmation email", status="done", position=0)
    return project


def export(client, project: Project):
    return client.get(f"/projects/{project.pk}/export/", {"format": "svg"})


def parsed(response):
    assert response.status_code == 200
    return ElementTree.fromstring(response.content)  # noqa: S314  # the app's own output, parsed to check it


def texts(root) -> str:
    """Every piece of text in the image, card titles included, as one string."""
    return " ".join(" ".join(element.itertext()) for element in root.iter(f"{SVG}text"))


def test_the_svg_export_is_an_image_file_named_after_the_project(owner_client, owner):
    project = vet_clinic(owner)
    response = export(owner_client, project)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"] == 'attachment; filename="vet-clinic.svg"'
    root = parsed(response)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Story map: Vet clinic"
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert width > 400 and height > 200
    assert "sans-serif" in root.get("font-family")


def test_the_image_shows_backbone_releases_cards_and_their_details(owner_client, owner):
    root = parsed(export(owner_client, vet_clinic(owner)))
    shown = texts(root)

    for text in ("Book a visit", "Pick a time", "Confirm the booking", "MVP", "UNPLANNED"):
        assert text in shown
    for title in ("See free slots", "Filter by vet", "Get a confirmation email"):
        assert title in shown
    assert "2 stories · 4 points" in shown  # MVP's totals
    assert "Must · 3 pts" in shown and "Pet owner" in shown
    assert "Red" in shown and "Risky" in shown  # the labels, by name
    assert "Done" in shown
    # Each card is a rounded rectangle with a priority stripe, and names its whole story for a tooltip.
    cards = [group for group in root.iter(f"{SVG}g") if "story" in group.get("class", "").split()]
    assert len(cards) == 3
    assert {card.find(f"{SVG}title").text for card in cards} == {
        "See free slots", "Filter by vet", "Get a confirmation email",
    }  # fmt: skip
    must = next(card for card in cards if "story--must" in card.get("class"))
    frame, stripe = must.findall(f"{SVG}rect")[:2]
    assert frame.get("rx") and stripe.get("fill") == "#d64545"


def test_user_text_is_escaped_and_characters_xml_cannot_hold_are_dropped(owner_client, owner):
    project = vet_clinic(owner, name="Tom & Jerry <b>")
    step = Step.objects.get(title="Pick a time")
    evil = '<script>alert("x")</script> & co'
    Story.objects.create(project=project, step=step, title=evil, position=5)
    Story.objects.create(project=project, step=step, title="Bell\x07 rings\x0b twice", position=6)

    response = export(owner_client, project)
    raw = response.content.decode()
    root = parsed(response)  # one stray character would make the whole file unreadable

    assert "<script>" not in raw and "&lt;script&gt;" in raw
    assert not any(element.tag.endswith("script") for element in root.iter())
    assert "Tom &amp; Jerry &lt;b&gt;" in raw
    assert evil in texts(root).replace("\n", " ")
    assert "Bell rings twice" in texts(root)
    assert response["Content-Disposition"] == 'attachment; filename="tom-jerry-b.svg"'


def test_a_long_title_wraps_inside_its_card_and_ends_in_an_ellipsis(owner_client, owner):
    project = vet_clinic(owner)
    step = Step.objects.get(title="Pick a time")
    long_title = " ".join(["Reschedule"] * 18)  # 197 characters, near the most a title may have
    Story.objects.create(project=project, step=step, title=long_title, position=9)

    root = parsed(export(owner_client, project))
    cards = [group for group in root.iter(f"{SVG}g") if "story" in group.get("class", "").split()]
    card = next(card for card in cards if card.find(f"{SVG}title").text == long_title)
    title_text = card.findall(f"{SVG}text")[0]
    lines = [tspan.text for tspan in title_text.iter(f"{SVG}tspan")]

    assert 2 <= len(lines) <= 4
    assert lines[-1].endswith("…")
    assert all(len(line) <= 32 for line in lines)  # a 190-unit card holds ~25 average characters a line


def test_the_image_grows_with_the_map(owner_client, owner):
    small = Project.objects.create(owner=owner, name="Small")
    build_map(small, activities=1, steps=2, releases=1, stories_per_cell=1)
    wide = Project.objects.create(owner=owner, name="Wide")
    build_map(wide, activities=3, steps=4, releases=1, stories_per_cell=1)
    tall = Project.objects.create(owner=owner, name="Tall")
    build_map(tall, activities=1, steps=2, releases=3, stories_per_cell=4)

    size = {
        project.name: (float(root.get("width")), float(root.get("height")))
        for project in (small, wide, tall)
        for root in [parsed(export(owner_client, project))]
    }
    assert size["Wide"][0] > size["Small"][0] * 3
    assert size["Tall"][1] > size["Small"][1] * 3
    assert size["Tall"][0] == size["Small"][0]


def test_an_empty_map_is_still_an_image(owner_client, owner):
    project = Project.objects.create(owner=owner, name="Blank")
    root = parsed(export(owner_client, project))
    assert "This map is empty." in texts(root)


def test_only_the_owner_can_export_the_image(client, owner, outsider):
    project = vet_clinic(owner)
    client.force_login(outsider)
    assert export(client, project).status_code == 404
    client.logout()
    assert export(client, project).status_code == 302  # to the login page


def test_an_unknown_format_is_refused_by_name(owner_client, owner):
    project = vet_clinic(owner)
    response = owner_client.get(f"/projects/{project.pk}/export/", {"format": "png"})
    assert response.status_code == 400
    assert "svg" in response.content.decode()


def test_the_api_exports_the_image_too(owner_api, outsider_api, owner):
    project = vet_clinic(owner)
    response = owner_api.get(f"/api/v1/projects/{project.pk}/export/", {"format": "svg"})
    assert response["Content-Type"].startswith("image/svg+xml")
    assert "See free slots" in texts(parsed(response))
    assert outsider_api.get(f"/api/v1/projects/{project.pk}/export/", {"format": "svg"}).status_code == 404


def test_a_thousand_story_map_draws_well_under_a_second(owner):
    project = Project.objects.create(owner=owner, name="Big")
    build_map(
        project, activities=5, steps=5, releases=3, stories_per_cell=10
    )  # 25 steps by 4 rows by 10 = 1,000 stories
    story_map = story_map_get(project=project)

    started = time.perf_counter()
    svg = story_map_svg(story_map)
    elapsed = time.perf_counter() - started

    assert story_map.story_count == 1000
    assert elapsed < 0.5, f"{elapsed:.3f} s"
    root = ElementTree.fromstring(svg.encode())  # noqa: S314
    assert len(root.findall(f".//{SVG}g[@class='story story--should']")) == 1000


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_chromium_opens_the_exported_image(live_server, page, owner):
    project = vet_clinic(owner)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/projects/")

    response = page.request.get(f"{live_server.url}/projects/{project.pk}/export/?format=svg")
    assert response.ok
    # The file opened as a document of its own, as a person double-clicking the download would see it.
    image_url = f"{live_server.url}/exported/vet-clinic.svg"
    page.route(image_url, lambda route: route.fulfill(body=response.body(), content_type="image/svg+xml"))
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(image_url)

    assert page.evaluate("document.documentElement.namespaceURI") == "http://www.w3.org/2000/svg"
    assert page.locator("parsererror").count() == 0
    for title in ("See free slots", "Filter by vet", "Get a confirmation email", "Book a visit"):
        expect(page.locator("text > tspan").filter(has_text=re.compile(f"^{title}$"))).to_be_visible()
    card_box = page.locator("g.story--must > rect").first.bounding_box()
    title_box = page.locator("tspan").filter(has_text=re.compile("^See free slots$")).bounding_box()
    assert card_box["x"] < title_box["x"] and title_box["x"] + title_box["width"] < card_box["x"] + card_box["width"]
    # Not full_page: Chromium cannot measure a bare SVG document for that.
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "svg-export.png"))
    assert page.console_errors == []
