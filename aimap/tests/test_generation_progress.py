"""A generation's progress, in the API, the status JSON and on the page, while it runs and after.

The generation runs in the test's thread against the fake OpenAI-compatible
server. The fake server looks at the generation from inside its handlers, while
the generation waits for that very answer, so that what it sees is exactly the
progress between two stages.
"""

import json
import time
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import OperationalError, connections
from django.test import Client

from aimap import services
from aimap.models import Generation
from aimap.tests.fake_openai import (
    answer_stories,
    backbone_answer,
    completion,
    fake_openai_server,  # noqa: F401 - the `fake_openai` fixture
)
from conftest import bearer_client
from projects.services import project_create

# The generation's thread and the fake server's threads each use their own connection: they must
# see each other's commits.
pytestmark = pytest.mark.django_db(transaction=True)

DESCRIPTION = "A vet clinic where pet owners book visits and receptionists run the day."
QUEUED_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


@pytest.fixture(autouse=True)
def _tasks_wait_in_the_queue(settings):
    # The test runs the generation itself, when the fake server is ready for it.
    settings.TASKS = QUEUED_TASKS


@pytest.fixture(autouse=True)
def _no_cached_maps():
    # The database cache's table is no model's: the flush after a transactional test leaves it alone.
    cache.clear()


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic", description=DESCRIPTION)


class Looker:
    """What the API, the status JSON and the page say of one generation, looked at from another thread."""

    def __init__(self, owner, generation_id: str) -> None:
        self.api = bearer_client(owner)
        self.browser = Client()
        self.browser.force_login(owner)
        self.generation_id = generation_id
        self.seen: list[dict] = []
        self.failures: list[str] = []

    def look(self, name: str, until: Callable[[dict], bool]) -> None:
        """Record the three views once `until(api body)` holds; never raises (it runs in a server thread)."""
        deadline = time.monotonic() + 10
        body = None
        try:
            while True:
                try:
                    body = self.api.get(f"/api/v1/generations/{self.generation_id}/").json()
                    if until(body):
                        status = self.browser.get(f"/generations/{self.generation_id}/status/").json()
                        page = self.browser.get(f"/generations/{self.generation_id}/").content.decode()
                        self.seen.append({"name": name, "api": body, "status": status, "page": page})
                        return
                except OperationalError:
                    pass  # SQLite: the generation's thread is saving its progress this very moment
                if time.monotonic() > deadline:
                    self.failures.append(f"{name}: never saw it; the API said {body!r}")
                    return
                time.sleep(0.02)
        except Exception as exc:  # reported by the test, not lost in the server's thread
            self.failures.append(f"{name}: {exc!r}")
        finally:
            connections.close_all()  # this thread's own connections

    def view(self, name: str) -> dict:
        assert not self.failures, self.failures
        return next(seen for seen in self.seen if seen["name"] == name)


def queued_generation(owner, project) -> str:
    generation = services.generation_request(user=owner, project=project, description=DESCRIPTION)
    return str(generation.pk)


def test_progress_is_visible_in_the_api_and_on_the_page_while_the_stages_run_and_after(
    fake_openai, settings, owner, project
):
    settings.AI_CONCURRENCY = 1  # the activities in board order, one at a time
    generation_id = queued_generation(owner, project)
    looker = Looker(owner, generation_id)

    def backbone(request):
        looker.look("backbone", until=lambda body: body["status"] == "running")
        return completion(json.dumps(backbone_answer(activities=3)))

    def stories(request):
        if request.activity["title"] == "Activity 1":
            looker.look("stories", until=lambda body: body["progress"]["activities_done"] == 1)
        return answer_stories(request)

    fake_openai.script(backbone, stage="backbone")
    fake_openai.script(stories, stage="stories")

    before = looker.api.get(f"/api/v1/generations/{generation_id}/").json()
    finished = services.generation_run(generation_id=generation_id)

    assert finished.status == Generation.Status.SUCCEEDED, finished.error
    assert before["status"] == "queued"
    assert before["progress"] == {"stage": "queued", "activities_total": None, "activities_done": 0}

    drafting = looker.view("backbone")
    assert drafting["api"]["progress"] == {"stage": "backbone", "activities_total": None, "activities_done": 0}
    assert drafting["status"]["progress"] == drafting["api"]["progress"]
    assert drafting["status"]["progress_text"] == (
        "Drafting the backbone: personas, releases, activities and their steps."
    )
    assert "Drafting the backbone: personas, releases, activities and their steps." in drafting["page"]
    assert "Drafting your story map" in drafting["page"]

    writing = looker.view("stories")
    assert writing["api"]["status"] == "running"
    assert writing["api"]["progress"] == {"stage": "stories", "activities_total": 3, "activities_done": 1}
    assert writing["status"]["progress_text"] == "Backbone ready · stories for 1 of 3 activities"
    assert writing["status"]["finished"] is False
    assert "Backbone ready · stories for 1 of 3 activities" in writing["page"]
    assert 'max="3" value="1"' in writing["page"]

    after = looker.api.get(f"/api/v1/generations/{generation_id}/").json()
    assert after["status"] == "succeeded"
    assert after["progress"] == {"stage": "done", "activities_total": 3, "activities_done": 3}
    status = looker.browser.get(f"/generations/{generation_id}/status/").json()
    assert status["progress"] == after["progress"]
    assert status["finished"] is True


def test_a_failed_generation_keeps_the_progress_it_had_made(fake_openai, settings, owner, project):
    settings.AI_CONCURRENCY = 1
    generation_id = queued_generation(owner, project)

    def stories(request):
        if request.activity["title"] == "Activity 2":
            return completion('{"steps": "none"}')
        return answer_stories(request)

    fake_openai.script(completion(json.dumps(backbone_answer(activities=3))), stage="backbone")
    fake_openai.script(stories, stage="stories")

    finished = services.generation_run(generation_id=generation_id)

    assert finished.status == Generation.Status.FAILED
    body = bearer_client(owner).get(f"/api/v1/generations/{generation_id}/").json()
    assert body["progress"] == {"stage": "stories", "activities_total": 3, "activities_done": 2}
    assert body["error"].startswith("Stories for “Activity 2”: ")


def test_the_offline_planner_reports_done_at_once(owner, project):
    generation_id = queued_generation(owner, project)

    finished = services.generation_run(generation_id=generation_id)

    assert finished.status == Generation.Status.SUCCEEDED, finished.error
    total = finished.counts["activities"]
    assert finished.progress == {"stage": "done", "activities_total": total, "activities_done": total}
