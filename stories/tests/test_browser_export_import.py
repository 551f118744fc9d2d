"""Export a map as a file, import it as a new project, and see the same board."""

import pytest

from conftest import PASSWORD
from projects.services import project_create
from stories import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def board_cards(page) -> dict[str, list[str]]:
    return {
        "activities": page.locator(".activity-card__title").all_inner_texts(),
        "steps": page.locator(".step-card__title").all_inner_texts(),
        "releases": page.locator(".release-bar__name").all_inner_texts(),
        "stories": page.locator(".story-card > a").all_inner_texts(),
    }


def test_export_a_map_then_import_it_as_a_new_project(live_server, page, owner, tmp_path, save_screenshot):
    project = project_create(owner=owner, name="Vet clinic", description="Owners book visits.")
    mvp = services.release_create(project=project, name="MVP")
    book = services.activity_create(project=project, title="Book a visit")
    for title in ("Pick a time", "Confirm"):
        step = services.step_create(project=project, activity=book, title=title)
        services.story_create(project=project, step=step, release=mvp, title=f"{title}: the basics", estimate=2)
        services.story_create(project=project, step=step, title=f"{title}: later", priority="could")

    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    original = board_cards(page)

    page.get_by_text("Export / import").click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Story map document (JSON)").click()
    exported = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(exported)
    assert exported.name == "vet-clinic.json"

    page.goto(live_server.url + "/projects/")
    page.get_by_role("link", name="Import a map").click()
    page.get_by_label("File").set_input_files(str(exported))
    page.get_by_label("Project name").fill("Vet clinic (copy)")
    save_screenshot(page, "import-form")
    page.get_by_role("button", name="Import").click()
    assert page.get_by_role("heading", name="Vet clinic (copy)").is_visible()
    assert board_cards(page) == original
    save_screenshot(page, "board-imported")
    assert page.console_errors == []


def test_a_broken_file_is_explained_on_the_page(live_server, page, owner, tmp_path):
    broken = tmp_path / "broken.csv"
    broken.write_text("Activity,Step,Story,Release\nBook,Pick,,MVP\n", encoding="utf-8")
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/projects/import/")
    page.get_by_label("File").set_input_files(str(broken))
    page.get_by_role("button", name="Import").click()
    assert page.get_by_text("The file was not imported; nothing was changed.").is_visible()
    assert page.get_by_text("Line 2: Story is empty; every story needs a title.").is_visible()


def test_the_printed_board_fits_across_a_landscape_page(live_server, page, owner):
    from stories.tests.factories import build_map

    project = project_create(owner=owner, name="Wide map")
    build_map(project, activities=6, steps=3, releases=2, stories_per_cell=1)
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # An A4 landscape page, less its margins, at 96 dpi.
    page.set_viewport_size({"width": 1047, "height": 718})
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator(".adder").first.is_hidden()
    # As laid out on the page: a wide map is scaled down as a whole (CSS zoom), which
    # scrollWidth, counted in the table's own unscaled pixels, would not show.
    board_width = page.locator("#board-grid").evaluate("element => element.getBoundingClientRect().right")
    assert board_width <= 1047, f"the board is {board_width}px wide on a 1047px page"
    assert page.locator("th.step").count() == 18
