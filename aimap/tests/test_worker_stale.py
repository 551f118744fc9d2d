"""A running generation whose heartbeat stopped: failed by the poll of the page or the API, its lock freed,
and a late answer from its worker does not change the map after all."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from aimap import services
from aimap.models import Generation
from aimap.tests.fake_openai import fake_openai_server, well_behaved  # noqa: F401 - the `fake_openai` fixture
from conftest import bearer_client
from projects.services import project_create
from stories.selectors import document_from_map

pytestmark = pytest.mark.django_db

DESCRIPTION = "A vet clinic where pet owners book visits and receptionists run the day."


@pytest.fixture
def bounded(settings):
    settings.AI_TIMEOUT, settings.AI_HTTP_RETRIES, settings.AI_STALE_MARGIN = 2, 0, 1
    assert services.generation_stale_seconds() == 7


def running(owner, *, silent_for: float) -> Generation:
    project = project_create(owner=owner, name="Vet clinic", description=DESCRIPTION)
    beat = timezone.now() - timedelta(seconds=silent_for)
    return Generation.objects.create(
        user=owner,
        project=project,
        description=DESCRIPTION,
        provider="offline",
        prompt_hash="f" * 64,
        status=Generation.Status.RUNNING,
        started=beat,
        heartbeat=beat,
        progress={"stage": "backbone", "activities_total": None, "activities_done": 0},
    )


@pytest.mark.parametrize("poll", ["api", "page-status", "page"])
def test_a_poll_fails_a_generation_silent_past_the_bound_and_frees_its_lock(bounded, owner, client, poll):
    generation = running(owner, silent_for=8)
    cache.set("aimap:lock:" + "f" * 64, str(generation.pk), timeout=600)
    client.force_login(owner)

    if poll == "api":
        body = bearer_client(owner).get(f"/api/v1/generations/{generation.pk}/").json()
        assert (body["status"], body["error"]) == ("failed", services.STALE_ERROR)
    elif poll == "page-status":
        body = client.get(f"/generations/{generation.pk}/status/").json()
        assert (body["status"], body["finished"]) == ("failed", True)
    else:
        page = client.get(f"/generations/{generation.pk}/").content.decode()
        assert "The map could not be generated" in page and "the worker running it went away" in page

    generation.refresh_from_db()
    assert generation.status == Generation.Status.FAILED and generation.finished is not None
    assert cache.get("aimap:lock:" + "f" * 64) is None


def test_a_generation_within_the_bound_keeps_running(bounded, owner):
    generation = running(owner, silent_for=5)
    cache.set("aimap:lock:" + "f" * 64, str(generation.pk), timeout=600)

    body = bearer_client(owner).get(f"/api/v1/generations/{generation.pk}/").json()

    assert body["status"] == "running"
    assert cache.get("aimap:lock:" + "f" * 64) == str(generation.pk)


def test_another_generations_lock_is_not_freed(bounded, owner):
    running(owner, silent_for=8)
    cache.set("aimap:lock:" + "f" * 64, "someone-else", timeout=600)

    assert services.generations_fail_stale() == 1

    assert cache.get("aimap:lock:" + "f" * 64) == "someone-else"


def test_a_late_answer_of_a_generation_failed_as_stale_leaves_the_map_alone(fake_openai, settings, owner, monkeypatch):
    # The stale sweep runs in another process while the model answers; here it runs right after the answer.
    well_behaved(fake_openai)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
    project = project_create(owner=owner, name="Vet clinic", description=DESCRIPTION)
    generation = services.generation_request(user=owner, project=project, description=DESCRIPTION)
    before = document_from_map(project=project)
    answer = services.document_generate

    def answered_after_the_sweep(**kwargs):
        result = answer(**kwargs)
        Generation.objects.filter(pk=generation.pk).update(status=Generation.Status.FAILED, error=services.STALE_ERROR)
        return result

    monkeypatch.setattr(services, "document_generate", answered_after_the_sweep)

    finished = services.generation_run(generation_id=str(generation.pk))

    assert fake_openai.calls == 3  # the model did answer
    assert (finished.status, finished.error) == (Generation.Status.FAILED, services.STALE_ERROR)
    assert document_from_map(project=project) == before
