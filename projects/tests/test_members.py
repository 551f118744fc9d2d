"""Members of a project through the API: the owner adds, re-roles and removes them; a member may leave."""

import pytest

from conftest import bearer_client
from projects.models import Membership
from projects.services import project_create
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


def members_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/members/"


def add(client, project, email: str, role: str = "editor"):
    return client.post(members_url(project), {"email": email, "role": role}, format="json")


def test_the_owner_adds_an_account_who_is_told_by_email_and_sees_the_map(
    owner_api, project, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = add(owner_api, project, "MEL@example.com", "viewer")

    assert response.status_code == 201, response.content
    assert response.json() | {"id": 0, "joined": ""} == {
        "id": 0,
        "email": "mel@example.com",
        "full_name": "Mel Member",
        "role": "viewer",
        "joined": "",
        "status": "member",
    }
    (message,) = mailoutbox
    assert message.to == ["mel@example.com"]
    assert message.subject == "Olive added you to “Vet clinic” on Mapwright"
    assert "as a viewer: you can read the map and export it" in message.body
    listed = bearer_client(member).get(members_url(project)).json()
    assert [(row["email"], row["role"]) for row in listed] == [("mel@example.com", "viewer")]
    assert bearer_client(member).get(f"/api/v1/projects/{project.pk}/map/").status_code == 200


@pytest.mark.parametrize(
    ("email", "role", "field", "message"),
    [
        ("not an address", "editor", "email", "Enter a valid email address."),
        ("olive@example.com", "editor", "email", "This is the project's owner."),
        ("mel@example.com", "owner", "role", '"owner" is not a valid choice.'),
        ("mel@example.com", "", "role", '"" is not a valid choice.'),
    ],
)
def test_what_cannot_be_added_is_a_400_naming_the_field(owner_api, project, member, email, role, field, message):
    response = add(owner_api, project, email, role)
    assert response.status_code == 400
    assert response.json() == {field: [message]}
    assert not Membership.objects.exists()


def test_adding_someone_twice_says_to_change_their_role(owner_api, project, member):
    assert add(owner_api, project, member.email).status_code == 201
    again = add(owner_api, project, member.email, "viewer")
    assert again.status_code == 400
    assert again.json() == {"email": ["mel@example.com is a member already: change their role instead."]}


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_the_owner_manages_members(owner, project, member, outsider, role):
    Membership.objects.create(project=project, user=member, role=role)
    client = bearer_client(member)
    membership = Membership.objects.get()

    refused = add(client, project, outsider.email)
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the project's owner can do that."}
    patched = client.patch(f"{members_url(project)}{membership.pk}/", {"role": "editor"}, format="json")
    assert patched.status_code == 403
    assert Membership.objects.get().role == role


def test_an_outsider_finds_no_members(outsider_api, project, member):
    Membership.objects.create(project=project, user=member, role="viewer")
    membership = Membership.objects.get()
    assert outsider_api.get(members_url(project)).status_code == 404
    assert add(outsider_api, project, "otto@example.com").status_code == 404
    assert outsider_api.delete(f"{members_url(project)}{membership.pk}/").status_code == 404
    assert Membership.objects.exists()


def test_the_owner_changes_a_role_and_removes_a_member_who_is_told(
    owner_api, project, member, mailoutbox, django_capture_on_commit_callbacks
):
    membership = Membership.objects.create(project=project, user=member, role="viewer")
    url = f"{members_url(project)}{membership.pk}/"
    assert owner_api.patch(url, {"role": "editor"}, format="json").json()["role"] == "editor"
    assert (
        bearer_client(member)
        .post(f"/api/v1/projects/{project.pk}/activities/", {"title": "Now I may"}, format="json")
        .status_code
        == 201
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert owner_api.delete(url).status_code == 204

    assert [message.subject for message in mailoutbox] == ["You no longer have “Vet clinic” on Mapwright"]
    assert bearer_client(member).get(f"/api/v1/projects/{project.pk}/map/").status_code == 404


def test_a_member_leaves_without_an_email(project, member, mailoutbox, django_capture_on_commit_callbacks):
    membership = Membership.objects.create(project=project, user=member, role="editor")
    with django_capture_on_commit_callbacks(execute=True):
        response = bearer_client(member).delete(f"{members_url(project)}{membership.pk}/")
    assert response.status_code == 204
    assert not Membership.objects.exists()
    assert mailoutbox == []


def test_additions_are_rate_limited_per_owner(owner_api, project, settings, frozen_ratelimit_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite": "2/h"}
    # Invitations (these addresses have no account) and refused attempts count alike.
    answers = [add(owner_api, project, email).status_code for email in ("nobody@example.com", "olive@example.com", "x")]
    assert answers == [201, 400, 429]
