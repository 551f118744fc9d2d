"""The read-only share link: made and revoked by the owner, opened by anyone without an account."""

import hashlib

import pytest
from django.db import connection
from django.test import Client

from conftest import bearer_client
from projects.models import Membership, Project
from projects.services import project_create
from stories.models import Comment, Story
from stories.services import story_update
from stories.tests.factories import build_map, vet_clinic_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic", description="Booking for a vet clinic."))


def share_api(project) -> str:
    return f"/api/v1/projects/{project.pk}/share-link/"


def create_link(client, project) -> str:
    response = client.post(share_api(project))
    assert response.status_code == 201, response.content
    return response.json()["url"]


def path_of(url: str) -> str:
    assert url.startswith("http://testserver/share/")
    return url.removeprefix("http://testserver")


def test_anyone_with_the_link_reads_the_board_without_an_account(owner_api, owner, project, member):
    Membership.objects.create(project=project, user=member, role="viewer")
    story = Story.objects.filter(project=project)[0]
    Comment.objects.create(project=project, story=story, author=member, body="A private remark about pricing")
    url = create_link(owner_api, project)

    response = Client().get(path_of(url))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Read-only view of</span> Vet clinic" in html
    for title in Story.objects.filter(project=project).values_list("title", flat=True):
        assert title in html
    # Nothing of the project's people, its conversation or its controls.
    for private in ("olive@example.com", "mel@example.com", "Mel Member", "A private remark", "Olive Owner"):
        assert private not in html
    for control in ("<form", "csrfmiddlewaretoken", "/api/v1/", "Undo", "Trash", "data-share-open", "board.js"):
        assert control not in html
    assert 'href="/signup/"' in html
    assert '<meta name="robots" content="noindex, nofollow">' in html
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


def test_a_revoked_link_answers_404_at_once(owner_api, project):
    path = path_of(create_link(owner_api, project))
    visitor = Client()
    assert visitor.get(path).status_code == 200

    assert owner_api.delete(share_api(project)).status_code == 204

    assert visitor.get(path).status_code == 404
    assert owner_api.get(share_api(project)).json() == {"active": False, "created": None}


def test_the_page_follows_the_map_and_a_revoke_that_did_not_change_it(owner_api, owner, project):
    path = path_of(create_link(owner_api, project))
    visitor = Client()
    visitor.get(path)
    story = Story.objects.filter(project=project)[0]
    story_update(story=story, by=owner, title="Renamed since")

    assert "Renamed since" in visitor.get(path).content.decode()
    # Nothing kept by the map's version answers for a link that is gone.
    owner_api.get(f"/api/v1/projects/{project.pk}/map/")
    owner_api.delete(share_api(project))
    assert visitor.get(path).status_code == 404


def test_a_new_link_replaces_the_old_one(owner_api, project):
    old = path_of(create_link(owner_api, project))
    new = path_of(create_link(owner_api, project))

    assert old != new
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    state = owner_api.get(share_api(project)).json()
    assert state["active"] is True and state["created"]
    assert "url" not in state


def test_the_token_is_long_and_only_its_digest_is_stored(owner_api, project):
    token = path_of(create_link(owner_api, project)).removeprefix("/share/").rstrip("/")

    assert len(token) >= 43
    project.refresh_from_db()
    assert project.share_token_hash == hashlib.sha256(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            columns = [column.name for column in connection.introspection.get_table_description(cursor, table)]
            quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # nosec B608
            assert not any(token in str(value) for row in cursor.fetchall() for value in row), table


@pytest.mark.parametrize("token", ["not-a-token", "x" * 43, "x" * 5000])
def test_a_made_up_token_finds_nothing(owner_api, project, token):
    create_link(owner_api, project)
    assert Client().get(f"/share/{token}/").status_code == 404


def test_guessing_is_rate_limited_per_address(project, settings, frozen_ratelimit_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "share": "3/m"}
    visitor = Client()
    assert [visitor.get(f"/share/guess{n}/").status_code for n in range(4)] == [404, 404, 404, 429]


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_the_owner_manages_the_link(owner_api, project, member, role):
    Membership.objects.create(project=project, user=member, role=role)
    client = bearer_client(member)

    for method in ("get", "post", "delete"):
        refused = getattr(client, method)(share_api(project))
        assert refused.status_code == 403, method
        assert refused.json() == {"detail": "Only the project's owner can do that."}
    assert Project.objects.get(pk=project.pk).share_token_hash is None


def test_an_outsider_finds_no_link(outsider_api, owner_api, project):
    create_link(owner_api, project)
    for method in ("get", "post", "delete"):
        assert getattr(outsider_api, method)(share_api(project)).status_code == 404, method
    assert Project.objects.get(pk=project.pk).share_token_hash is not None


def test_the_shared_board_runs_a_fixed_number_of_queries(owner_api, owner, django_assert_max_num_queries):
    small = project_create(owner=owner, name="Small")
    build_map(small, activities=1, steps=1, releases=1, stories_per_cell=1)
    big = project_create(owner=owner, name="Big")
    build_map(big, activities=6, steps=4, releases=3, stories_per_cell=5)
    visitor = Client()
    small_path, big_path = path_of(create_link(owner_api, small)), path_of(create_link(owner_api, big))

    # The rate limit's counter (up to six in the database cache, none in Redis), the project by its
    # digest, the map's five reads: no session for a visitor without one.
    with django_assert_max_num_queries(12) as small_queries:
        assert visitor.get(small_path).status_code == 200
    with django_assert_max_num_queries(len(small_queries)):
        response = visitor.get(big_path)
    assert response.content.decode().count('class="story-card ') == Story.objects.filter(project=big).count()
