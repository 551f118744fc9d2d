"""The AI server down (a closed port) or answering garbage that is not even JSON: the generation fails with a
readable message and the map is left as it was. (Slow servers, HTTP errors and invalid JSON answers are covered
in aimap/tests/test_generation_service.py.)"""

import socket
import threading
from collections.abc import Iterator

import pytest

from aimap import services
from aimap.models import Generation
from aimap.tests.fake_openai import closed_port, fake_openai_server  # noqa: F401 - the `fake_openai` fixture
from projects.services import project_create
from stories.models import MapSnapshot
from stories.selectors import document_from_map
from stories.tests.factories import vet_clinic_map

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

DESCRIPTION = "A vet clinic where pet owners book visits and receptionists run the day."
IMMEDIATE_TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture
def project(owner, settings):
    settings.TASKS = IMMEDIATE_TASKS
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic", description=DESCRIPTION))


@pytest.fixture
def garbage_server() -> Iterator[str]:
    """An HTTP server answering every request with an HTML error page, as a misconfigured proxy would."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    body = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                connection.recv(65536)
                connection.sendall(
                    b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\n\r\n"
                    + body
                )

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    finally:
        listener.close()


def generate(owner, project, capture) -> Generation:
    with capture(execute=True):
        generation = services.generation_request(user=owner, project=project, description=DESCRIPTION)
    generation.refresh_from_db()
    return generation


def assert_failed_readably(generation: Generation, expected: str) -> None:
    assert generation.status == Generation.Status.FAILED
    assert expected in generation.error, generation.error
    assert "Traceback" not in generation.error and 'File "' not in generation.error
    assert generation.finished is not None


def test_an_ai_server_that_is_down_fails_the_generation_readably_and_leaves_the_map(
    fake_openai, settings, owner, project, django_capture_on_commit_callbacks
):
    settings.AI_BASE_URL = f"http://127.0.0.1:{closed_port()}/v1"
    before = document_from_map(project=project)

    generation = generate(owner, project, django_capture_on_commit_callbacks)

    assert_failed_readably(generation, "Backbone: could not reach the AI server at http://127.0.0.1:")
    assert document_from_map(project=project) == before
    assert not MapSnapshot.objects.filter(project=project).exists()


def test_an_ai_server_answering_html_fails_the_generation_readably_and_leaves_the_map(
    fake_openai, settings, garbage_server, owner, project, django_capture_on_commit_callbacks
):
    settings.AI_BASE_URL = garbage_server
    before = document_from_map(project=project)

    generation = generate(owner, project, django_capture_on_commit_callbacks)

    assert_failed_readably(generation, "Backbone: the AI server at http://127.0.0.1:")
    assert "did not answer with a chat completion; check that AI_BASE_URL" in generation.error
    assert document_from_map(project=project) == before
    assert not MapSnapshot.objects.filter(project=project).exists()
