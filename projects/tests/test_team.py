"""A team on one map, from the first invitation to a member's removal, through the API and the pages.

Three people besides the owner: Mel has an account and is invited as an editor, Nia has none and is
invited as a viewer (she signs up and confirms her address), Otto is no one's member. The walk over
every URL pattern with each role is projects/tests/test_roles_everywhere.py; this is the story.
"""

import pytest
from django.test import Client

from conftest import bearer_client
from projects.models import Event, Membership
from projects.services import project_create
from projects.tests.test_invitations import INVITED, members_url, sign_up_and_verify
from stories.models import Comment, Story
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


def test_a_team_works_on_one_map_in_its_roles(
    owner_api, project, member, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        added = owner_api.post(members_url(project), {"email": member.email, "role": "editor"}, format="json")
        invited = owner_api.post(members_url(project), {"email": INVITED, "role": "viewer"}, format="json")
    assert (added.status_code, added.json()["status"]) == (201, "member")
    assert (invited.status_code, invited.json()["status"]) == (201, "invited")
    assert {message.to[0] for message in mailoutbox} == {"mel@example.com", "nia.new@example.com"}

    # Nia is a member only once she has signed up and confirmed the address.
    nia_browser = Client()
    nia = sign_up_and_verify(nia_browser, mailoutbox, django_capture_on_commit_callbacks)
    assert Membership.objects.get(project=project, user=nia).role == "viewer"

    # The editor changes the map.
    mel = bearer_client(member)
    story = Story.objects.filter(project=project).order_by("pk")[0]
    edited = mel.patch(f"/api/v1/stories/{story.pk}/", {"title": "Scan the code at the door"}, format="json")
    assert edited.status_code == 200, edited.content

    # The viewer reads the board and comments, and every write is refused with a reason.
    viewer = bearer_client(nia)
    board = nia_browser.get(f"/projects/{project.pk}/")
    assert board.status_code == 200
    assert "Scan the code at the door" in board.content.decode()
    commented = viewer.post(f"/api/v1/stories/{story.pk}/comments/", {"body": "Which code?"}, format="json")
    assert commented.status_code == 201
    refused = viewer.patch(f"/api/v1/stories/{story.pk}/", {"title": "Mine"}, format="json")
    assert refused.status_code == 403
    assert "ask its owner to make you an editor" in refused.json()["detail"]
    assert nia_browser.post(f"/board/stories/{story.pk}/", {"title": "Mine"}).status_code == 403

    # Someone who is not a member finds nothing: not the board, the map, the card or its comments.
    otto = bearer_client(outsider)
    otto_browser = Client()
    otto_browser.force_login(outsider)
    assert otto_browser.get(f"/projects/{project.pk}/").status_code == 404
    for url in (
        f"/api/v1/projects/{project.pk}/map/",
        f"/api/v1/stories/{story.pk}/",
        f"/api/v1/stories/{story.pk}/comments/",
        f"/api/v1/projects/{project.pk}/activity/",
    ):
        assert otto.get(url).status_code == 404, url

    # A removed member finds nothing from the next request on.
    mel_membership = Membership.objects.get(project=project, user=member)
    assert owner_api.delete(f"{members_url(project)}{mel_membership.pk}/").status_code == 204
    assert mel.get(f"/api/v1/projects/{project.pk}/map/").status_code == 404
    mel_browser = Client()
    mel_browser.force_login(member)
    assert mel_browser.get(f"/projects/{project.pk}/").status_code == 404

    # The feed says who did each of it.
    feed = [
        (row["actor"]["full_name"] if row["actor"] else None, row["verb"])
        for row in owner_api.get(f"/api/v1/projects/{project.pk}/activity/").json()["results"]
    ]
    assert feed == [
        ("Olive Owner", "member_removed"),
        ("Nia New", "commented"),
        ("Mel Member", "edited"),
        ("Olive Owner", "member_added"),  # Nia, once confirmed: the owner added her by inviting her
        ("Olive Owner", "invited"),
        ("Olive Owner", "member_added"),
    ]
    assert Comment.objects.get(story=story).author == nia
    assert Event.objects.filter(project=project).count() == len(feed)
