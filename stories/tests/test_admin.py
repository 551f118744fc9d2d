import pytest

from accounts.models import User
from conftest import assert_admin_offers_no_add
from projects.services import project_create
from stories import services
from stories.models import MapSnapshot, Story

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser(email="root@example.com", password="x-long-password-1"))
    return client


@pytest.fixture
def story(owner):
    project = project_create(owner=owner, name="Vet clinic")
    step = services.step_create(
        project=project, activity=services.activity_create(project=project, title="Book"), title="Pick"
    )
    return services.story_create(
        project=project, step=step, release=services.release_create(project=project, name="MVP"), title="Book online"
    )


@pytest.fixture
def snapshot(owner):
    project = project_create(owner=owner, name="Dog walking")
    document = {
        "schema_version": 1,
        "title": "Dog walking",
        "description": "",
        "personas": [],
        "releases": [],
        "activities": [{"title": "Book a walk", "description": "", "steps": []}],
    }
    return MapSnapshot.objects.create(
        project=project, reason="Before AI generation", document=document, counts={"activities": 1}
    )


@pytest.mark.parametrize(
    "model",
    ["projects/project", "stories/activity", "stories/step", "stories/release", "stories/persona", "stories/story"],
)
def test_every_model_has_an_admin_list(admin_client, story, model):
    response = admin_client.get(f"/admin/{model}/")
    assert response.status_code == 200


def test_stories_are_edited_inline_under_their_step(admin_client, story):
    html = admin_client.get(f"/admin/stories/step/{story.step_id}/change/").content.decode()
    assert 'value="Book online"' in html


def test_an_admin_edit_raises_the_story_version(admin_client, story):
    response = admin_client.post(
        f"/admin/stories/story/{story.pk}/change/",
        {
            "project": story.project_id,
            "step": story.step_id,
            "release": story.release_id,
            "title": "Edited in admin",
            "description": "",
            "acceptance_criteria": "[]",
            "status": "todo",
            "priority": "should",
            "estimate": "",
            "persona": "",
            "position": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    story = Story.objects.get()
    assert (story.title, story.version) == ("Edited in admin", 2)


def test_the_admin_lists_snapshots(admin_client, snapshot):
    response = admin_client.get("/admin/stories/mapsnapshot/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Dog walking" in html
    assert "Before AI generation" in html


def test_a_snapshots_change_page_shows_its_document(admin_client, snapshot):
    response = admin_client.get(f"/admin/stories/mapsnapshot/{snapshot.pk}/change/")

    assert response.status_code == 200
    assert "Book a walk" in response.content.decode()


def test_adding_a_snapshot_is_not_offered(admin_client, snapshot):
    assert_admin_offers_no_add(admin_client, "stories/mapsnapshot")
