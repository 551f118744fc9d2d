import pytest
from django.urls import reverse

from projects.models import Project
from projects.services import project_create
from stories import services
from stories.models import Story
from stories.tests.factories import build_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_the_list_shows_only_my_projects_with_their_counts(owner_client, owner, outsider):
    mine = project_create(owner=owner, name="Vet clinic", description="Owners book visits.")
    activity = services.activity_create(project=mine, title="Book")
    step = services.step_create(project=mine, activity=activity, title="Pick")
    services.story_create(project=mine, step=step, title="One", estimate=3)
    services.story_create(project=mine, step=step, title="Two", estimate=5)
    project_create(owner=outsider, name="Somebody else's")

    html = owner_client.get(reverse("projects:list")).content.decode()
    assert "Vet clinic" in html
    assert "Somebody else" not in html
    assert "1 activity" in html
    assert "2 stories" in html
    assert "8 points" in html


def test_a_new_user_sees_how_to_start(owner_client):
    assert "No projects yet" in owner_client.get(reverse("projects:list")).content.decode()


def test_the_list_runs_a_fixed_number_of_queries(owner_client, owner, django_assert_max_num_queries):
    for index in range(20):
        project = project_create(owner=owner, name=f"Project {index}")
        build_map(project, activities=1, steps=2, releases=1, stories_per_cell=2)
    with django_assert_max_num_queries(4):
        response = owner_client.get(reverse("projects:list"))
    assert response.content.decode().count('class="project-card"') == 20


def test_creating_a_project_opens_its_board(owner_client, owner):
    response = owner_client.post(reverse("projects:list"), {"name": "  Vet clinic  ", "description": "Booking."})
    project = Project.objects.get()
    assert (project.owner, project.name) == (owner, "Vet clinic")
    assert response["Location"] == reverse("stories:board", kwargs={"project_id": project.pk})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 121}, "Ensure this value has at most 120 characters (it has 121)."),
        ({"name": "Ok", "description": "x" * 10_001}, "Ensure this value has at most 10000 characters"),
    ],
)
def test_a_bad_project_is_explained_and_not_saved(owner_client, data, message):
    response = owner_client.post(reverse("projects:list"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Project.objects.exists()


def test_renaming_a_project(owner_client, owner):
    project = project_create(owner=owner, name="Old")
    response = owner_client.post(
        reverse("projects:edit", kwargs={"project_id": project.pk}), {"name": "New", "description": "d"}
    )
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.description) == ("New", "d")


def test_deleting_a_project_asks_first_and_takes_its_map(owner_client, owner):
    project = project_create(owner=owner, name="Doomed")
    build_map(project, activities=1, steps=1, releases=1, stories_per_cell=1)
    url = reverse("projects:delete", kwargs={"project_id": project.pk})
    assert "Delete “Doomed”?" in owner_client.get(url).content.decode()
    assert Project.objects.exists()
    response = owner_client.post(url)
    assert response["Location"] == reverse("projects:list")
    assert not Project.objects.exists()
    assert not Story.objects.exists()


def test_a_viewer_reads_the_board_and_is_refused_a_change_with_the_reason(client, owner, member):
    from projects.models import Membership
    from stories.models import Activity
    from stories.tests.factories import vet_clinic_map

    project = vet_clinic_map(project_create(owner=owner, name="Vet clinic"))
    Membership.objects.create(project=project, user=member, role="viewer")
    client.force_login(member)

    board = client.get(f"/projects/{project.pk}/").content.decode()
    assert "You are a viewer of this map" in board and " data-readonly>" in board
    client.force_login(owner)
    assert "data-readonly" not in client.get(f"/projects/{project.pk}/").content.decode()
    client.force_login(member)
    refused = client.post(f"/projects/{project.pk}/activities/", {"title": "Sneak in"})
    assert refused.status_code == 403
    assert "You can read this map but not change it" in refused.content.decode()
    assert not Activity.objects.filter(title="Sneak in").exists()
    rename = client.get(f"/projects/{project.pk}/edit/")
    assert rename.status_code == 403
    assert "Only the project&#x27;s owner can do that." in rename.content.decode()


def test_shared_projects_are_listed_apart_with_the_role_and_no_owner_actions(client, owner, member):
    from projects.models import Membership

    shared = project_create(owner=owner, name="Olive's clinic")
    project_create(owner=member, name="Mel's own")
    Membership.objects.create(project=shared, user=member, role="editor")
    client.force_login(member)

    page = client.get(reverse("projects:list")).content.decode()

    own, others = page.split("Shared with you")
    assert "Mel&#x27;s own" in own and "Olive&#x27;s clinic" not in own
    assert "Olive&#x27;s clinic" in others and "You are an editor" in others
    assert reverse("projects:edit", args=[shared.pk]) not in page
