"""The background worker down or killed mid-generation (TASKS_BACKEND=database, django-tasks-db's db_worker).

The killed-worker tests run the real thing in subprocesses: gunicorn, db_worker (killed with SIGKILL while
the model call is in flight), and the fake OpenAI-compatible server in this process.
"""

import json
import time

import pytest
from django.core.management import call_command

from aimap.models import Generation
from aimap.tests.fake_openai import (
    FakeOpenAIServer,
    answer_stories,
    backbone_answer,
    completion,
    delay,
    fake_openai_server,  # noqa: F401 - the `fake_openai` fixture
    well_behaved,
)
from projects.services import project_create
from tests.fault_support import (
    App,
    app_database_url,  # noqa: F401 - fixture
    base_env,
    http,
    running_app,
    sqlite_template,  # noqa: F401 - fixture
    wait_for,
)

pytestmark = pytest.mark.slow

DESCRIPTION = "A vet clinic where pet owners book visits and receptionists run the day."
OTHER_DESCRIPTION = "A bakery where customers order birthday cakes and bakers plan the week."
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
# AI_TIMEOUT 2 s, no HTTP retries, 2 validation retries, 1 s margin: a running generation with no heartbeat
# for 2 x 3 + 1 = 7 s lost its worker (services.generation_stale_seconds()).
AI_SETTINGS = {"AI_TIMEOUT": "2", "AI_HTTP_RETRIES": "0", "AI_STALE_MARGIN": "1"}
BOUND = 7.0
SLACK = 4.0  # polls, the worker's interval, a loaded machine


@pytest.fixture
def fake_server():
    server = FakeOpenAIServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stale_margin() -> float:
    return 1.0


@pytest.fixture
def app(app_database_url, fake_server, stale_margin):  # noqa: F811
    env = base_env(
        app_database_url,
        TASKS_BACKEND="database",
        AI_PROVIDER="openai",
        AI_BASE_URL=fake_server.url,
        AI_MODEL="fake-model",
        AI_API_KEY="test-key",
        **{**AI_SETTINGS, "AI_STALE_MARGIN": str(stale_margin)},
    )
    yield from running_app(env)


def first_backbone_hangs(server: FakeOpenAIServer) -> None:
    """The first backbone request is answered only after 30 s (the worker is killed long before); later ones
    at once, and every activity gets its stories."""
    backbone = completion(json.dumps(backbone_answer(activities=2)))
    server.script(delay(30, backbone), backbone, stage="backbone")
    server.script(answer_stories, stage="stories")


def ask(app: App, token: str, project: int, description: str) -> str:
    response = http(
        "POST",
        f"{app.url}/api/v1/projects/{project}/generate-map/",
        token=token,
        body={"description": description, "mode": "replace"},
    )
    assert response.status == 202, response.text
    return response.json()["id"]


def generation(app: App, token: str, generation_id: str) -> dict:
    response = http("GET", f"{app.url}/api/v1/generations/{generation_id}/", token=token)
    assert response.status == 200, response.text
    return response.json()


def story_map(app: App, token: str, project: int) -> dict:
    response = http("GET", f"{app.url}/api/v1/projects/{project}/map/", token=token)
    assert response.status == 200, response.text
    return response.json()


def activity_titles(document: dict) -> list[str]:
    return [activity["title"] for activity in document["activities"]]


def ended(app: App, token: str, generation_id: str, status: str):
    def check() -> dict | None:
        seen = generation(app, token, generation_id)
        return seen if seen["status"] == status else None

    return check


def kill_mid_generation(app: App, fake_server: FakeOpenAIServer, token: str, project: int) -> tuple[str, float]:
    """A generation whose worker is killed while its backbone request is in flight: (its id, when killed)."""
    worker = app.start_worker()
    first = ask(app, token, project, DESCRIPTION)
    wait_for(lambda: fake_server.calls >= 1, deadline=60, what="the worker to call the model")
    worker.kill()
    killed = time.monotonic()
    assert generation(app, token, first)["status"] == "running"
    return first, killed


@pytest.mark.django_db(transaction=True)
def test_a_generation_whose_worker_was_killed_fails_when_polled_and_a_retry_completes(app, fake_server):
    first_backbone_hangs(fake_server)
    app.start_web()
    project, token = app.seed(DESCRIPTION)
    before = story_map(app, token, project)

    first, killed = kill_mid_generation(app, fake_server, token, project)

    failed = wait_for(ended(app, token, first, "failed"), deadline=BOUND + 20, what="the generation to fail")
    assert time.monotonic() - killed <= BOUND + SLACK
    assert "the worker running it went away" in failed["error"]
    assert "try again" in failed["error"]
    assert story_map(app, token, project) == before

    # The dead worker's single-flight lock does not hold the retry of the same description back.
    app.start_worker()
    retried = time.monotonic()
    second = ask(app, token, project, DESCRIPTION)
    done = wait_for(ended(app, token, second, "succeeded"), deadline=60, what="the retry to succeed")
    assert time.monotonic() - retried <= BOUND, "the retry waited for the dead worker's lock"
    assert done["counts"]["activities"] == 2
    assert activity_titles(story_map(app, token, project)) == ["Activity 0", "Activity 1"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("stale_margin", [20.0])  # the dead worker's lock outlives the fresh worker's start
def test_a_fresh_worker_fails_the_lost_generation_and_its_retry_waits_without_holding_the_worker(
    app, fake_server, stale_margin
):
    bound = 2 * 3 + stale_margin
    first_backbone_hangs(fake_server)
    app.start_web()
    project, token = app.seed(DESCRIPTION)
    first, killed = kill_mid_generation(app, fake_server, token, project)
    app.start_worker()

    # No one polls the lost generation: the fresh worker alone must notice it. The retry of the same
    # description queues first and finds the dead worker's lock; an unrelated generation must not wait behind it.
    retry = ask(app, token, project, DESCRIPTION)
    other = ask(app, token, project, OTHER_DESCRIPTION)

    other_done = wait_for(ended(app, token, other, "succeeded"), deadline=60, what="the other generation")
    assert time.monotonic() - killed < bound, "the other generation waited for the lost one's bound"
    retry_done = wait_for(ended(app, token, retry, "succeeded"), deadline=bound + 30, what="the retry")
    assert time.monotonic() - killed <= bound + SLACK + 5
    assert other_done["finished"] < retry_done["finished"]
    lost = generation(app, token, first)
    assert lost["status"] == "failed"
    assert "the worker running it went away" in lost["error"]
    assert lost["finished"] <= retry_done["started"], "the worker did not fail the lost generation itself"


# --- No worker at all ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_generation_waits_queued_while_no_worker_runs_and_runs_when_one_starts(fake_openai, settings, client, owner):
    settings.TASKS = DATABASE_TASKS
    well_behaved(fake_openai)
    project = project_create(owner=owner, name="Vet clinic", description=DESCRIPTION)
    client.force_login(owner)

    response = client.post(f"/projects/{project.pk}/generate/", {"description": DESCRIPTION, "mode": "replace"})

    assert response.status_code == 302, response.content.decode()
    page = client.get(response["Location"])
    assert "Waiting for a free worker." in page.content.decode()
    status = client.get(response["Location"] + "status/").json()
    assert (status["status"], status["progress_text"]) == ("queued", "Waiting for a free worker.")
    assert fake_openai.calls == 0

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    generation = Generation.objects.get()
    assert generation.status == Generation.Status.SUCCEEDED
    assert client.get(response["Location"])["Location"] == f"/projects/{project.pk}/"
    assert list(project.activities.values_list("title", flat=True)) == ["Activity 0", "Activity 1"]
