"""Handing a project to an editor, and what deleting an account does to the projects others work on."""

import json

import pytest

from conftest import PASSWORD, bearer_client
from projects.limits import Role
from projects.models import Event, Membership, Project
from projects.services import project_create
from stories.models import Story
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(db):
    from accounts.models import User

    return User.objects.create_user(email="vera@example.com", password=PASSWORD, full_name="Vera Viewer")


@pytest.fixture
def project(owner, member, viewer):
    project = vet_clinic_map(project_create(owner=owner, name="Vet clinic"))
    Membership.objects.create(project=project, user=member, role=Role.EDITOR)
    Membership.objects.create(project=project, user=viewer, role=Role.VIEWER)
    return project


def membership(project, user) -> Membership:
    return Membership.objects.get(project=project, user=user)


def transfer(client, project, member_id):
    return client.post(f"/api/v1/projects/{project.pk}/owner/", {"member_id": member_id}, format="json")


def test_the_owner_hands_the_project_to_an_editor_and_stays_on_as_an_editor(
    owner_api, owner, member, project, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = transfer(owner_api, project, membership(project, member).pk)

    assert response.status_code == 200, response.content
    assert response.json()["role"] == "editor"
    project.refresh_from_db()
    assert project.owner == member
    assert membership(project, owner).role == Role.EDITOR
    assert not Membership.objects.filter(project=project, user=member).exists()
    (message,) = mailoutbox
    assert message.to == ["mel@example.com"]
    assert message.subject == "“Vet clinic” is yours now"
    assert "Olive stays on it as an editor" in message.body
    assert "Olive Owner handed the story map" in message.alternatives[0][0]
    event = Event.objects.get(project=project, verb=Event.Verb.OWNER_CHANGED)
    assert (event.actor, event.subject) == (owner, "Mel Member")

    # The new owner manages it; the old one may only edit the map now.
    new_owner = bearer_client(member)
    assert new_owner.patch(f"/api/v1/projects/{project.pk}/", {"name": "Clinic"}, format="json").status_code == 200
    refused = owner_api.patch(f"/api/v1/projects/{project.pk}/", {"name": "Mine"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Only the project's owner can do that."
    listed = {row["name"]: row["role"] for row in owner_api.get("/api/v1/projects/").json()["results"]}
    assert listed == {"Clinic": "editor"}


def test_only_an_editor_can_take_a_project_over(owner_api, viewer, project):
    response = transfer(owner_api, project, membership(project, viewer).pk)
    assert response.status_code == 400
    assert response.json() == {"member_id": ["Only an editor can become the owner: make them an editor first."]}
    project.refresh_from_db()
    assert project.owner.email == "olive@example.com"


def test_a_member_of_another_project_or_no_member_at_all_is_a_404_or_a_400_naming_the_field(
    owner_api, owner, outsider, project
):
    elsewhere = project_create(owner=outsider, name="Elsewhere")
    someone = Membership.objects.create(project=elsewhere, user=owner, role=Role.EDITOR)
    assert transfer(owner_api, project, someone.pk).status_code == 404
    for body in ({}, {"member_id": "x"}, {"member_id": 0}):
        response = owner_api.post(f"/api/v1/projects/{project.pk}/owner/", body, format="json")
        assert response.status_code == 400
        assert "member_id" in response.json()


def test_members_cannot_hand_over_and_outsiders_learn_nothing(member, viewer, outsider, project):
    editor_id = membership(project, member).pk
    assert transfer(bearer_client(member), project, editor_id).status_code == 403
    assert transfer(bearer_client(viewer), project, editor_id).status_code == 403
    assert transfer(bearer_client(outsider), project, editor_id).status_code == 404
    project.refresh_from_db()
    assert project.owner.email == "olive@example.com"


# --- Deleting an account --------------------------------------------------------------------


def test_deleting_an_account_asks_what_becomes_of_each_shared_project(owner_client, owner, member, project):
    own = project_create(owner=owner, name="Solo notes")

    page = owner_client.get("/account/delete/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "“Vet clinic”: others work on it" in html
    assert "Hand it to Mel Member (editor)" in html
    assert "Vera Viewer" not in html  # a viewer cannot take it over
    assert "Solo notes" not in html  # nobody else works on it: it simply goes

    refused = owner_client.post("/account/delete/", {"password": PASSWORD})
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    assert Project.objects.filter(pk__in=[project.pk, own.pk]).count() == 2

    done = owner_client.post(
        "/account/delete/", {"password": PASSWORD, f"project_{project.pk}": str(membership(project, member).pk)}
    )
    assert done.status_code == 302
    project.refresh_from_db()
    assert project.owner == member
    assert not Membership.objects.filter(project=project, user__email="olive@example.com").exists()
    assert Story.objects.filter(project=project).count() > 0
    assert not Project.objects.filter(pk=own.pk).exists()


def test_a_shared_project_can_be_deleted_with_the_account(owner_client, project):
    done = owner_client.post("/account/delete/", {"password": PASSWORD, f"project_{project.pk}": "delete"})
    assert done.status_code == 302
    assert not Project.objects.filter(pk=project.pk).exists()


def test_the_api_needs_a_decision_for_each_shared_project_and_deletes_nothing_without_one(
    owner_api, owner, member, project
):
    url = "/api/v1/auth/me/"
    missing = owner_api.delete(url, {"password": PASSWORD}, format="json")
    assert missing.status_code == 400
    assert missing.json() == {
        f"project_{project.pk}": ["“Vet clinic” is shared: hand it to one of its editors or delete it."]
    }
    wrong = owner_api.delete(url, {"password": PASSWORD, "projects": {str(project.pk): "someone"}}, format="json")
    assert wrong.status_code == 400
    assert "projects" in wrong.json()
    not_an_editor = owner_api.delete(
        url, {"password": PASSWORD, "projects": {str(project.pk): "999999"}}, format="json"
    )
    assert not_an_editor.status_code == 400
    assert owner.__class__.objects.filter(pk=owner.pk).exists()

    editor = membership(project, member).pk
    done = owner_api.delete(url, {"password": PASSWORD, "projects": {str(project.pk): str(editor)}}, format="json")
    assert done.status_code == 204
    project.refresh_from_db()
    assert project.owner == member


def test_a_project_shared_with_viewers_only_must_be_deleted(owner_api, member, project):
    Membership.objects.filter(project=project, user=member).delete()
    response = owner_api.delete("/api/v1/auth/me/", {"password": PASSWORD}, format="json")
    assert response.json() == {
        f"project_{project.pk}": [
            "“Vet clinic” is shared with viewers only: delete it, or make one of them an editor first."
        ]
    }


def test_a_member_who_deletes_their_account_leaves_the_projects_shared_with_them(member, project):
    response = bearer_client(member).delete("/api/v1/auth/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 204
    assert Project.objects.filter(pk=project.pk).exists()
    assert list(Membership.objects.filter(project=project).values_list("user__email", flat=True)) == [
        "vera@example.com"
    ]


def test_the_data_export_holds_the_projects_shared_with_the_person_and_their_memberships(member, project, client):
    client.force_login(member)
    response = client.get("/account/export/")
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    (shared,) = data["projects"]
    assert (shared["name"], shared["role"]) == ("Vet clinic", "editor")
    assert shared["map"]["activities"]
    assert [(row["project"], row["role"]) for row in data["memberships"]] == [("Vet clinic", "editor")]


def test_a_deleted_account_takes_its_comments_along_and_the_feed_keeps_a_former_member(member, project):
    from stories.services import comment_create

    story = Story.objects.filter(project=project)[0]
    comment_create(story=story, by=member, body="Mel's thoughts on this card")
    assert bearer_client(member).delete("/api/v1/auth/me/", {"password": PASSWORD}, format="json").status_code == 204
    assert not story.comments.exists()
    event = Event.objects.get(project=project, verb=Event.Verb.COMMENTED)
    assert event.actor is None
