"""The OpenAPI schema documents the errors each operation gives, in the shape the API really sends them."""

from typing import Any

import jsonschema
import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from conftest import bearer_client
from projects.limits import PROJECT_NAME_MAX
from projects.services import project_create
from stories.limits import TITLE_MAX
from stories.models import Activity, Step, Story

pytestmark = pytest.mark.django_db

SCHEMA_ACCEPT = {"accept": "application/vnd.oai.openapi+json"}
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker) -> dict[str, Any]:
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", headers=SCHEMA_ACCEPT)
    assert response.status_code == 200
    return response.json()


def operations(schema: dict[str, Any]):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def operation(schema: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    return schema["paths"][path][method]


def json_schema(node: Any) -> Any:
    """OpenAPI 3.0's schema as JSON Schema: `nullable: true` becomes "or null"."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def response_schema(schema: dict[str, Any], method: str, path: str, status: int) -> dict[str, Any]:
    """The documented body of `status`, with the components to resolve its references against."""
    documented = operation(schema, method, path)["responses"][str(status)]
    body = documented["content"]["application/json"]["schema"]
    return {**body, "components": schema["components"]}


def assert_documented(schema: dict[str, Any], method: str, path: str, response) -> None:
    """The response's status is documented for the operation and its body fits the documented schema."""
    responses = operation(schema, method, path)["responses"]
    assert str(response.status_code) in responses, (method, path, response.status_code, sorted(responses))
    jsonschema.validate(response.json(), json_schema(response_schema(schema, method, path, response.status_code)))


# --- What the schema says ---------------------------------------------------------------


def test_every_operation_with_a_body_documents_400_and_every_one_naming_an_object_404(schema):
    checked = 0
    for path, method, op in operations(schema):
        responses = op["responses"]
        if "requestBody" in op:
            assert "400" in responses, (method, path)
            assert "application/json" in responses["400"]["content"]
            checked += 1
        if any(parameter["in"] == "path" for parameter in op.get("parameters", [])):
            assert responses["404"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorDetail"
            }, (method, path)
            checked += 1
    assert checked > 50


def test_401_is_documented_exactly_where_authentication_is_required_or_a_token_is_checked(schema):
    for path, method, op in operations(schema):
        requires = bool(op.get("security")) and {} not in op["security"]
        checks_token = path in {"/api/v1/auth/token/", "/api/v1/auth/token/refresh/", "/api/v1/auth/logout/"}
        assert ("401" in op["responses"]) == (requires or checks_token), (method, path)
    assert "401" in operation(schema, "get", "/api/v1/projects/")["responses"]
    assert "401" not in operation(schema, "post", "/api/v1/auth/register/")["responses"]
    assert "401" not in operation(schema, "post", "/api/v1/auth/password/reset/")["responses"]


def test_409_where_a_version_is_checked_and_the_declared_conflict_body_is_kept(schema):
    for path in ("/api/v1/stories/{id}/", "/api/v1/stories/{id}/move/"):
        method = "patch" if path.endswith("{id}/") else "post"
        assert response_schema(schema, method, path, 409)["$ref"] == "#/components/schemas/StoryConflict"
    assert "409" not in operation(schema, "patch", "/api/v1/activities/{id}/")["responses"]
    assert "409" not in operation(schema, "delete", "/api/v1/stories/{id}/")["responses"]


RATE_LIMITED = [
    ("post", "/api/v1/projects/{project_id}/stories/"),
    ("patch", "/api/v1/stories/{id}/"),
    ("delete", "/api/v1/stories/{id}/"),
    ("post", "/api/v1/stories/{id}/move/"),
    ("post", "/api/v1/projects/{project_id}/generate-map/"),
    ("post", "/api/v1/auth/register/"),
    ("post", "/api/v1/auth/token/"),
    ("post", "/api/v1/auth/password/reset/"),
]


def test_429_with_retry_after_where_a_rate_limit_applies_and_nowhere_else(schema):
    limited = {(method, path) for path, method, op in operations(schema) if "429" in op["responses"]}
    assert limited >= set(RATE_LIMITED)
    # Reading is not limited.
    assert not {(method, path) for method, path in limited if method == "get"}
    for method, path in limited:
        assert "Retry-After" in operation(schema, method, path)["responses"]["429"]["headers"]


def test_403_is_documented_where_a_session_cookie_can_send_an_unsafe_method(schema):
    assert "403" in operation(schema, "post", "/api/v1/projects/")["responses"]
    assert "403" not in operation(schema, "get", "/api/v1/projects/")["responses"]
    # No session: the token endpoint checks no CSRF token.
    assert "403" not in operation(schema, "post", "/api/v1/auth/token/")["responses"]


def test_required_strings_that_may_not_be_blank_have_min_length_1(schema):
    components = schema["components"]["schemas"]
    assert components["ProjectWrite"]["properties"]["name"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": PROJECT_NAME_MAX,
    }
    for name, field in [
        ("ActivityCreate", "title"),
        ("StepCreate", "title"),
        ("ReleaseCreate", "name"),
        ("PersonaWrite", "name"),
        ("StoryCreate", "title"),
        ("PatchedStoryUpdate", "title"),
    ]:
        assert components[name]["properties"][field]["minLength"] == 1, (name, field)
        assert components[name]["properties"][field]["maxLength"] == TITLE_MAX, (name, field)
    assert components["Register"]["properties"]["email"]["minLength"] == 1
    assert components["TokenObtain"]["properties"]["password"]["minLength"] == 1
    # Blank is allowed, so nothing is claimed.
    assert "minLength" not in components["ProjectWrite"]["properties"]["description"]
    assert "minLength" not in components["StoryCreate"]["properties"]["description"]


# --- What the API really sends fits it ---------------------------------------------------


@pytest.fixture
def story(owner) -> Story:
    project = project_create(owner=owner, name="Vet clinic")
    activity = Activity.objects.create(project=project, title="Book")
    step = Step.objects.create(project=project, activity=activity, title="Pick a time")
    return Story.objects.create(project=project, step=step, title="See free slots")


def test_real_400_bodies_fit_the_documented_400(schema, owner_api):
    refused = owner_api.post("/api/v1/projects/", {"name": "", "description": 42}, format="json")
    assert refused.status_code == 400
    assert set(refused.json()) == {"name", "description"}
    assert_documented(schema, "post", "/api/v1/projects/", refused)

    unreadable = owner_api.post("/api/v1/projects/", "{not json", content_type="application/json")
    assert unreadable.status_code == 400
    assert "detail" in unreadable.json()
    assert_documented(schema, "post", "/api/v1/projects/", unreadable)


def test_real_400_of_a_list_entry_fits_the_documented_400(schema, owner_api, story):
    refused = owner_api.patch(
        f"/api/v1/stories/{story.pk}/", {"acceptance_criteria": ["ok", 7], "estimate": -1}, format="json"
    )
    assert refused.status_code == 400
    assert_documented(schema, "patch", "/api/v1/stories/{id}/", refused)


def test_real_401_403_and_404_bodies_fit_what_is_documented(schema, owner, outsider, story):
    anonymous = APIClient().get("/api/v1/projects/")
    assert anonymous.status_code == 401
    assert_documented(schema, "get", "/api/v1/projects/", anonymous)

    expired = APIClient()
    expired.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    invalid = expired.get(f"/api/v1/stories/{story.pk}/")
    assert invalid.status_code == 401
    assert_documented(schema, "get", "/api/v1/stories/{id}/", invalid)

    refresh = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": "not-a-token"}, format="json")
    assert refresh.status_code == 401
    assert_documented(schema, "post", "/api/v1/auth/token/refresh/", refresh)

    session = APIClient(enforce_csrf_checks=True)
    session.force_login(owner)
    no_csrf = session.post("/api/v1/projects/", {"name": "Through the cookie"}, format="json")
    assert no_csrf.status_code == 403
    assert_documented(schema, "post", "/api/v1/projects/", no_csrf)

    someone_elses = bearer_client(outsider).get(f"/api/v1/stories/{story.pk}/")
    assert someone_elses.status_code == 404
    assert_documented(schema, "get", "/api/v1/stories/{id}/", someone_elses)

    past_the_end = bearer_client(owner).get("/api/v1/projects/?page=99")
    assert past_the_end.status_code == 404
    assert_documented(schema, "get", "/api/v1/projects/", past_the_end)


def test_real_409_and_429_bodies_fit_what_is_documented(schema, owner_api, story, frozen_ratelimit_clock):
    with override_settings(RATE_LIMITS={"story-write": "1/m"}):
        stale = owner_api.patch(f"/api/v1/stories/{story.pk}/", {"title": "Late", "version": 99}, format="json")
        limited = owner_api.delete(f"/api/v1/stories/{story.pk}/")
    assert stale.status_code == 409
    assert_documented(schema, "patch", "/api/v1/stories/{id}/", stale)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert_documented(schema, "delete", "/api/v1/stories/{id}/", limited)
    assert Story.objects.filter(pk=story.pk).exists()
