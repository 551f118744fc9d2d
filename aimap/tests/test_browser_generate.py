"""Generating a map in a real Chromium: with the offline planner, and with a fake model server in stages."""

import json
import threading

import pytest
from django.core.cache import cache
from django.db import connection
from playwright.sync_api import expect

from aimap import services
from aimap.models import Generation
from aimap.tests.fake_openai import (
    answer_stories,
    backbone_answer,
    completion,
    fake_openai_server,  # noqa: F401 - the `fake_openai` fixture
    held,
)
from conftest import PASSWORD
from projects.services import project_create
from stories import services as story_services
from stories.models import Activity, MapSnapshot, Story

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


def log_in(page, live_server, owner) -> None:
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/projects/")


def test_replacing_a_map_asks_to_confirm_and_append_does_not(live_server, page, owner, save_screenshot):
    project = project_create(owner=owner, name="Vet clinic", description=DESCRIPTION)
    activity = story_services.activity_create(project=project, title="Handwritten activity")
    step = story_services.step_create(project=project, activity=activity, title="Handwritten step")
    story_services.story_create(project=project, step=step, title="Handwritten story")
    log_in(page, live_server, owner)

    page.goto(f"{live_server.url}/projects/{project.pk}/generate/")
    confirm = page.get_by_label("Yes, replace the current map: 1 activity and 1 story.", exact=False)
    expect(confirm).to_be_visible()
    page.get_by_label("Add the new activities after it").check()
    expect(confirm).to_be_hidden()
    page.get_by_label("Replace it (it is kept, and you can restore it)").check()
    expect(confirm).to_be_visible()

    page.get_by_role("button", name="Generate the map").click()
    expect(page.get_by_text("Tick the box to replace the current map")).to_be_visible()
    assert not Generation.objects.exists()
    save_screenshot(page, "generate-confirm-replace")

    page.get_by_label("Yes, replace the current map", exact=False).check()
    page.get_by_role("button", name="Generate the map").click()
    page.wait_for_url(f"{live_server.url}/projects/{project.pk}/")
    expect(page.get_by_text("Your map is ready")).to_be_visible()
    assert not Activity.objects.filter(title="Handwritten activity").exists()
    assert MapSnapshot.objects.filter(project=project).count() == 1
    # The refused form answers 400 on purpose, and Chromium logs that; nothing else may go wrong.
    assert [error for error in page.console_errors if "status of 400" not in error] == []


def test_the_generation_page_shows_the_stages_as_they_finish(
    live_server, page, owner, fake_openai, settings, save_screenshot
):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    settings.AI_CONCURRENCY = 1
    cache.clear()  # the database cache outlives a transactional test's flush
    project = project_create(owner=owner, name="Vet clinic", description=DESCRIPTION)
    gate = threading.Event()

    def stories(request):
        reply = answer_stories(request)
        return held(gate, reply) if request.activity["title"] == "Activity 1" else reply

    fake_openai.script(completion(json.dumps(backbone_answer(activities=3))), stage="backbone")
    fake_openai.script(stories, stage="stories")
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/projects/{project.pk}/generate/")
    page.get_by_role("button", name="Generate the map").click()
    page.wait_for_url(f"{live_server.url}/generations/*/")
    expect(page.locator(".generation__text")).to_have_text("Waiting for a free worker.")

    # The queued task, run as a worker would, in a thread of its own.
    generation = Generation.objects.get()
    outcome: list[str] = []

    def work() -> None:
        try:
            outcome.append(services.generation_run(generation_id=str(generation.pk)).status)
        finally:
            connection.close()

    worker = threading.Thread(target=work)
    worker.start()
    try:
        expect(page.locator(".generation__text")).to_have_text(
            "Backbone ready · stories for 1 of 3 activities", timeout=15_000
        )
        expect(page.locator("progress.generation__bar")).to_be_visible()
        save_screenshot(page, "generation-progress")
    finally:
        gate.set()
        worker.join(timeout=30)
    assert outcome == ["succeeded"]
    page.wait_for_url(f"{live_server.url}/projects/{project.pk}/", timeout=15_000)
    expect(page.get_by_text("Your map is ready: 3 activities, 6 steps and 12 stories.")).to_be_visible()
