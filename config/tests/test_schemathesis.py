"""Schemathesis against the API's own schema (/api/schema/, drf-spectacular): no 5xx, answers as documented.

Every operation gets generated requests (valid and invalid, Schemathesis's
"all" modes) from a signed-in user who has a project with a map, so that
the ids in paths exist: a generated whole-number id is swapped for the id of
a row of the right kind. Requests go through Django's WSGI application in
this process, inside the test's database transaction. Hypothesis is bounded
and derandomized, so CI sees the same cases every run.

Per-user write limits are raised for the run (otherwise most writes would be
429s and the rest of the code never reached); sign-in, registration and AI
generation keep their production limits.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.api.views import issue_token_pair
from accounts.models import User
from aimap.models import Generation
from conftest import PASSWORD
from projects.models import Project
from stories.models import Activity, Persona, Release, Step, Story
from stories.tests.test_api_support import build_board

# Always enforced: a server error is a bug, and a documented answer must have its documented body.
# Every answer must be documented by the schema: its status code, headers and body.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]

# Which row a `{pk}` stands for, by the path segment before it.
PK_MODELS = {
    "projects": Project,
    "activities": Activity,
    "steps": Step,
    "releases": Release,
    "personas": Persona,
    "stories": Story,
}
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    database=None,  # no .hypothesis/ directory in the tree; derandomized runs need no replay store
    phases=[Phase.explicit, Phase.generate],  # shrinking a failure can take minutes; the first example says enough
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def _connection_kept_across_requests(db) -> Iterator[None]:
    # As Django's test client does: the WSGI handler closes the database connection after each
    # request, and with it (on PostgreSQL) the test's open transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(_connection_kept_across_requests):
    """Loaded when the test runs, not when every quick run collects this module."""
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    # The coverage phase sends every boundary value of every field, however many: unbounded by
    # max_examples, it takes minutes. Examples and fuzzing (bounded below) stay.
    loaded.config.phases.coverage.enabled = False
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.fixture(autouse=True)
def _node_id_for_schemathesis(request: pytest.FixtureRequest) -> None:
    # schemathesis 4.32.5's from_fixture reads Function._nodeid (to name each operation's
    # subtest), an attribute pytest 9 no longer sets.
    request.node._nodeid = request.node.nodeid


@pytest.fixture(autouse=True)
def _per_user_write_limits_out_of_the_way(settings) -> None:
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "story-write": "100000/m",
        "map-write": "100000/m",
        "board-write": "100000/m",
        "import": "100000/h",
    }


class World:
    """The signed-in user's project with a map; rebuilt when a fuzzed DELETE has removed part of it."""

    def __init__(self) -> None:
        self.user = User.objects.create_user(email="fuzz@example.com", password=PASSWORD, full_name="Fuzz Tester")

    def ids(self) -> dict[str, Any]:
        user = User.objects.filter(pk=self.user.pk).first()
        if user is None:  # DELETE /auth/me/ with the right password: start again
            self.__init__()  # type: ignore[misc]
            user = self.user
        rows = {
            name: model._default_manager.filter(project__owner=user).first()
            for name, model in PK_MODELS.items()
            if name != "projects"
        }
        project = Project.objects.filter(owner=user).order_by("pk").first()
        if project is None or any(row is None for row in rows.values()):
            board = build_board(user, name=f"Fuzz {uuid.uuid4().hex[:6]}")
            project = board.project
            rows = {
                "activities": board.browse,
                "steps": board.search,
                "releases": board.mvp,
                "personas": board.shopper,
                "stories": board.keyword,
            }
        generation = Generation.objects.filter(user=user).first() or Generation.objects.create(
            user=user, project=project, description="A shop", provider="offline"
        )
        return {"project": project, "generation": generation, **rows}


@pytest.fixture
def world(db) -> World:
    return World()


def use_real_ids(case, ids: dict[str, Any]) -> None:
    """Swap generated ids for rows that exist; ids of the wrong type (negative cases) stay, to test the 404s."""
    params = case.path_parameters or {}
    segments = case.path.strip("/").split("/")
    for name, value in list(params.items()):
        if name == "project_id" and isinstance(value, int):
            params[name] = ids["project"].pk
        elif name == "generation_id" and _is_uuid(value):
            params[name] = str(ids["generation"].pk)
        elif name == "pk" and isinstance(value, int):
            noun = segments[segments.index("{pk}") - 1]
            params[name] = ids["project" if noun == "projects" else noun].pk


def _is_uuid(value: object) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@pytest.mark.slow
@schema.parametrize()
@FUZZ_SETTINGS
def test_the_api_answers_every_generated_request_as_its_schema_says(case, world):
    use_real_ids(case, world.ids())
    # A fresh token each time: a fuzzed password change or logout may have ended the earlier ones.
    token = issue_token_pair(world.user)["access"]

    # Werkzeug's WSGI client, which Schemathesis drives, sets no REMOTE_ADDR (every real server
    # does; the rate limits count such requests in one shared bucket), and unlike a real HTTP
    # client it would not undo the gzip the map endpoint sends to clients that ask for it.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"},
        checks=CHECKS,
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
    )
