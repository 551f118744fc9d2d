import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.models import Project
from projects.services import project_create
from stories.tests.test_api_support import build_board, snapshot

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"
PROJECT_FIELDS = {
    "id",
    "name",
    "description",
    "label_names",
    "created",
    "updated",
    "activity_count",
    "story_count",
    "point_total",
    "role",
}


def project_url(project_id: int) -> str:
    return f"{PROJECTS}{project_id}/"


# --- List ------------------------------------------------------------------------------


def test_project_list_is_paginated_with_counts_of_each_project(owner_api, owner):
    board = build_board(owner)
    empty = project_create(owner=owner, name="Empty")

    response = owner_api.get(PROJECTS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    assert body["next"] is None and body["previous"] is None
    by_id = {project["id"]: project for project in body["results"]}
    assert set(by_id[board.project.pk]) == PROJECT_FIELDS
    assert by_id[board.project.pk]["name"] == "Shop"
    assert by_id[board.project.pk]["description"] == "Selling things online."
    assert (by_id[board.project.pk]["activity_count"], by_id[board.project.pk]["story_count"]) == (2, 4)
    assert by_id[board.project.pk]["point_total"] == 10
    assert (by_id[empty.pk]["activity_count"], by_id[empty.pk]["story_count"], by_id[empty.pk]["point_total"]) == (
        0,
        0,
        0,
    )


def test_project_list_shows_the_most_recently_changed_first(owner_api, owner):
    first = project_create(owner=owner, name="First")
    second = project_create(owner=owner, name="Second")

    ids = [project["id"] for project in owner_api.get(PROJECTS).json()["results"]]

    assert ids == [second.pk, first.pk]


def test_project_list_shows_only_the_users_own_projects(owner_api, owner, outsider):
    mine = project_create(owner=owner, name="Mine")
    project_create(owner=outsider, name="Theirs")

    body = owner_api.get(PROJECTS).json()

    assert [project["id"] for project in body["results"]] == [mine.pk]
    assert body["count"] == 1


def test_project_list_pages_by_fifty(owner_api, owner):
    Project.objects.bulk_create(Project(owner=owner, name=f"Project {n}") for n in range(51))

    first = owner_api.get(PROJECTS).json()
    second = owner_api.get(first["next"]).json()

    assert first["count"] == 51
    assert len(first["results"]) == 50
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_project_list_runs_the_same_number_of_queries_for_1_or_20_projects(owner_api, owner):
    build_board(owner, name="One")
    with CaptureQueriesContext(connection) as one:
        assert owner_api.get(PROJECTS).status_code == 200
    for number in range(19):
        build_board(owner, name=f"Project {number}")

    with CaptureQueriesContext(connection) as twenty:
        response = owner_api.get(PROJECTS)

    assert response.json()["count"] == 20
    assert len(twenty) == len(one)
    assert len(one) <= 4


# --- Create ----------------------------------------------------------------------------


def test_creating_a_project_answers_201_with_the_project(owner_api, owner):
    response = owner_api.post(PROJECTS, {"name": "  Garden planner ", "description": "For gardeners."}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == PROJECT_FIELDS
    assert body["name"] == "Garden planner"
    assert (body["activity_count"], body["story_count"], body["point_total"]) == (0, 0, 0)
    project = Project.objects.get(pk=body["id"])
    assert project.owner == owner
    assert project.description == "For gardeners."


def test_creating_a_project_without_a_description_leaves_it_empty(owner_api):
    response = owner_api.post(PROJECTS, {"name": "Bare"}, format="json")

    assert response.status_code == 201
    assert response.json()["description"] == ""


@pytest.mark.parametrize(
    "payload, field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": None}, "name"),
        ({"name": 42}, "name"),
        ({"name": "Fine", "description": "x" * 10_001}, "description"),
        ({"name": "Fine", "description": ["a list"]}, "description"),
    ],
)
def test_creating_a_project_with_a_bad_field_is_refused_naming_it(owner_api, payload, field):
    response = owner_api.post(PROJECTS, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Project.objects.exists()


def test_creating_a_project_with_malformed_json_is_a_400(owner_api):
    response = owner_api.post(PROJECTS, '{"name": "Half', content_type="application/json")

    assert response.status_code == 400
    assert "detail" in response.json()
    assert not Project.objects.exists()


def test_creating_a_project_with_a_json_list_is_a_400(owner_api):
    response = owner_api.post(PROJECTS, [{"name": "In a list"}], format="json")

    assert response.status_code == 400
    assert not Project.objects.exists()


# --- Detail, update, delete ------------------------------------------------------------


def test_project_detail_has_the_project_with_its_counts(owner_api, owner):
    board = build_board(owner)

    response = owner_api.get(project_url(board.project.pk))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PROJECT_FIELDS
    assert (body["id"], body["name"]) == (board.project.pk, "Shop")
    assert (body["activity_count"], body["story_count"], body["point_total"]) == (2, 4, 10)


def test_patching_a_project_changes_only_the_fields_given(owner_api, owner):
    project = project_create(owner=owner, name="Old name", description="Kept.")

    response = owner_api.patch(project_url(project.pk), {"name": " New name "}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == "New name"
    assert response.json()["description"] == "Kept."
    project.refresh_from_db()
    assert (project.name, project.description) == ("New name", "Kept.")


def test_patching_a_project_description_alone(owner_api, owner):
    project = project_create(owner=owner, name="Name")

    response = owner_api.patch(project_url(project.pk), {"description": "Now described."}, format="json")

    assert response.status_code == 200
    project.refresh_from_db()
    assert (project.name, project.description) == ("Name", "Now described.")


@pytest.mark.parametrize("payload", [{"name": ""}, {"name": "x" * 121}, {"name": None}, {"description": 3}])
def test_patching_a_project_with_a_bad_field_is_refused_and_changes_nothing(owner_api, owner, payload):
    project = project_create(owner=owner, name="Name")
    before = snapshot()

    response = owner_api.patch(project_url(project.pk), payload, format="json")

    assert response.status_code == 400
    assert set(payload) <= set(response.json())
    assert snapshot() == before


def test_deleting_a_project_removes_it_with_its_map(owner_api, owner):
    board = build_board(owner)

    response = owner_api.delete(project_url(board.project.pk))

    assert response.status_code == 204
    assert not Project.objects.exists()
    assert snapshot()["story"] == []


# --- Someone else's project, and no one at all ----------------------------------------------


@pytest.mark.parametrize(
    "method, payload",
    [("get", None), ("patch", {"name": "Taken over"}), ("delete", None)],
)
def test_another_users_project_is_404_for_every_method_and_nothing_changes(outsider_api, owner, method, payload):
    board = build_board(owner)
    before = snapshot()

    response = getattr(outsider_api, method)(project_url(board.project.pk), payload, format="json")

    assert response.status_code == 404
    assert snapshot() == before


def test_another_users_projects_are_not_in_the_list(outsider_api, owner):
    build_board(owner)

    body = outsider_api.get(PROJECTS).json()

    assert body["count"] == 0
    assert body["results"] == []


def test_a_project_id_that_does_not_exist_is_404(owner_api):
    assert owner_api.get(project_url(999_999)).status_code == 404
    assert owner_api.get(project_url(99_999_999_999_999_999_999)).status_code == 404


@pytest.mark.parametrize(
    "method, path, payload",
    [
        ("get", "list", None),
        ("post", "list", {"name": "Sneaky"}),
        ("get", "detail", None),
        ("patch", "detail", {"name": "Sneaky"}),
        ("delete", "detail", None),
    ],
)
def test_project_endpoints_need_authentication(api_client, owner, method, path, payload):
    project = project_create(owner=owner, name="Private")
    before = snapshot()
    url = PROJECTS if path == "list" else project_url(project.pk)

    response = getattr(api_client, method)(url, payload, format="json")

    assert response.status_code == 401
    assert snapshot() == before


def test_the_list_holds_shared_projects_with_the_persons_role(owner_api, owner, member):
    from conftest import bearer_client
    from projects.models import Membership
    from projects.services import project_create

    mine = project_create(owner=member, name="Mel's own")
    shared = project_create(owner=owner, name="Olive's, shared")
    project_create(owner=owner, name="Olive's, private")
    Membership.objects.create(project=shared, user=member, role="viewer")

    listed = bearer_client(member).get(PROJECTS).json()["results"]

    assert {(row["name"], row["role"]) for row in listed} == {("Mel's own", "owner"), ("Olive's, shared", "viewer")}
    assert [row["role"] for row in owner_api.get(PROJECTS).json()["results"]] == ["owner", "owner"]
    assert mine.pk in {row["id"] for row in listed}
