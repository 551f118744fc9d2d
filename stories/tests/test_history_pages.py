"""Earlier maps: the page that lists a project's snapshots, and restoring one."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from projects.services import project_create
from stories import services
from stories.document import IMPORTED_LIMITS, document_parse
from stories.models import MapSnapshot, Release, Story
from stories.tests.factories import activity_titles, handwritten_map

pytestmark = pytest.mark.django_db

REPLACEMENT = {
    "activities": [
        {"title": "Imported activity", "steps": [{"title": "Imported step", "stories": [{"title": "Imported story"}]}]}
    ]
}


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic")


@pytest.fixture
def existing_map(project):
    return handwritten_map(project)


def replace_map(project) -> MapSnapshot:
    """Replace the map by an import, as the import page does; returns the snapshot of the map replaced."""
    services.map_import(project=project, document=document_parse(REPLACEMENT, limits=IMPORTED_LIMITS), mode="replace")
    return MapSnapshot.objects.get()


def test_the_history_page_without_snapshots_says_so(owner_client, project):
    response = owner_client.get(reverse("stories:history", args=[project.pk]))

    assert response.status_code == 200
    assert "No earlier maps yet." in response.content.decode()


def test_replacing_a_map_lists_the_earlier_one_on_the_history_page(owner_client, project, existing_map):
    snapshot = replace_map(project)

    html = owner_client.get(reverse("stories:history", args=[project.pk])).content.decode()

    assert "Before an import" in html
    assert "1 activities · 1 steps · 1 stories" in html
    assert f'action="/snapshots/{snapshot.pk}/restore/"' in html
    assert "No earlier maps yet." not in html


def test_restoring_a_snapshot_brings_the_earlier_map_back(owner_client, project, existing_map):
    snapshot = replace_map(project)
    assert activity_titles(project) == ["Imported activity"]

    response = owner_client.post(reverse("stories:snapshot-restore", args=[snapshot.pk]), follow=True)

    assert response.redirect_chain == [(reverse("stories:board", args=[project.pk]), 302)]
    html = response.content.decode()
    assert "The earlier map is back." in html
    assert "Handwritten activity" in html
    assert "Handwritten story" in html
    assert activity_titles(project) == ["Handwritten activity"]
    # The imported map it replaced is kept in turn.
    assert MapSnapshot.objects.count() == 2
    newest = MapSnapshot.objects.first()
    assert newest.reason == "Before restoring an earlier map"
    assert [activity["title"] for activity in newest.document["activities"]] == ["Imported activity"]


def test_restoring_needs_a_post(owner_client, project, existing_map):
    snapshot = replace_map(project)

    assert owner_client.get(reverse("stories:snapshot-restore", args=[snapshot.pk])).status_code == 405
    assert activity_titles(project) == ["Imported activity"]


def test_an_outsider_cannot_see_the_history_or_restore_a_snapshot(outsider_client, project, existing_map):
    snapshot = replace_map(project)

    assert outsider_client.get(reverse("stories:history", args=[project.pk])).status_code == 404
    assert outsider_client.post(reverse("stories:snapshot-restore", args=[snapshot.pk])).status_code == 404
    assert activity_titles(project) == ["Imported activity"]
    assert MapSnapshot.objects.count() == 1


def test_release_names_stay_unique_so_that_a_restore_keeps_every_story_in_its_release(owner_client, project):
    # Documents name releases; two releases of one name could not be told apart in a snapshot.
    activity = services.activity_create(project=project, title="Handwritten activity")
    step = services.step_create(project=project, activity=activity, title="Handwritten step")
    first = services.release_create(project=project, name="Next")
    with pytest.raises(ValidationError):
        services.release_create(project=project, name="next")
    second = services.release_create(project=project, name="After")
    services.story_create(project=project, step=step, release=first, title="In the first release")
    services.story_create(project=project, step=step, release=second, title="In the second release")
    snapshot = replace_map(project)

    owner_client.post(reverse("stories:snapshot-restore", args=[snapshot.pk]))

    assert activity_titles(project) == ["Handwritten activity"]
    releases = list(Release.objects.filter(project=project).order_by("position"))
    assert [release.name for release in releases] == ["Next", "After"]
    assert Story.objects.get(title="In the first release").release == releases[0]
    assert Story.objects.get(title="In the second release").release == releases[1]
