"""Inviting an address with no account: the invitation, its email, re-sending, cancelling, expiry,
and the membership that starts only when that address is confirmed (at sign-up or as a changed address)."""

import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from accounts.services import user_request_email_change
from conftest import PASSWORD, bearer_client
from projects.models import Event, Invitation, Membership
from projects.services import project_create
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db

INVITED = "Nia.New@Example.com"
SIGN_UP = {"full_name": "Nia New", "password1": "a-long-password-42", "password2": "a-long-password-42"}


@pytest.fixture
def project(owner):
    return vet_clinic_map(project_create(owner=owner, name="Vet clinic"))


def members_url(project) -> str:
    return f"/api/v1/projects/{project.pk}/members/"


def invitation_url(project, invitation_id: int) -> str:
    return f"/api/v1/projects/{project.pk}/invitations/{invitation_id}/"


def invite(client, project, email: str = INVITED, role: str = "editor"):
    return client.post(members_url(project), {"email": email, "role": role}, format="json")


def link_in(message) -> str:
    return re.search(r"http://testserver(/\S+)", message.body).group(1)


@pytest.fixture
def invited(owner_api, project, mailoutbox, django_capture_on_commit_callbacks):
    """Nia is invited as an editor; the invitation's email is in the outbox."""
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(owner_api, project)
    assert response.status_code == 201, response.content
    return Invitation.objects.get()


def test_an_address_with_no_account_is_invited_and_emailed_a_sign_up_link(
    owner_api, project, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(owner_api, project, role="viewer")

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "invited"
    assert body["email"] == "nia.new@example.com"  # the normal form
    assert body["role"] == "viewer"
    expires = datetime.fromisoformat(body["expires"])
    assert timedelta(days=13, hours=23) < expires - timezone.now() <= timedelta(days=14)
    (message,) = mailoutbox
    assert message.to == ["nia.new@example.com"]
    assert message.subject == "Olive invited you to “Vet clinic” on Mapwright"
    assert "as a viewer: you can read the map and export it" in message.body
    assert link_in(message) == "/signup/?email=nia.new%40example.com"
    assert "Create your account" in message.alternatives[0][0]
    assert not Membership.objects.exists()
    assert Event.objects.filter(project=project, verb=Event.Verb.INVITED, actor__email="olive@example.com").exists()


def test_the_sign_up_link_fills_in_the_address(client, invited, mailoutbox):
    html = client.get(link_in(mailoutbox[0])).content.decode()
    assert 'value="nia.new@example.com"' in html


def test_pending_invitations_are_listed_after_the_members(owner_api, project, member, invited):
    Membership.objects.create(project=project, user=member, role="viewer")

    listed = bearer_client(member).get(members_url(project)).json()

    assert [(row["email"], row["status"], row["role"]) for row in listed] == [
        ("mel@example.com", "member", "viewer"),
        ("nia.new@example.com", "invited", "editor"),
    ]
    assert set(listed[1]) == {"id", "email", "role", "status", "expires", "invited"}


def test_inviting_an_address_twice_says_to_re_send(owner_api, project, invited):
    again = invite(owner_api, project, email="nia.new@EXAMPLE.com", role="viewer")
    assert again.status_code == 400
    assert again.json() == {"email": ["nia.new@example.com is invited already: re-send the invitation instead."]}
    assert Invitation.objects.count() == 1


def test_re_sending_starts_the_fourteen_days_again_and_emails_again(
    owner_api, project, invited, mailoutbox, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(pk=invited.pk).update(expires=timezone.now() + timedelta(days=2))

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(invitation_url(project, invited.pk) + "resend/")

    assert response.status_code == 200, response.content
    invited.refresh_from_db()
    assert invited.expires - timezone.now() > timedelta(days=13, hours=23)
    assert invited.sent_count == 2
    assert [message.to for message in mailoutbox] == [["nia.new@example.com"], ["nia.new@example.com"]]


def test_re_sending_is_rate_limited_with_the_invitations(owner_api, project, invited, settings, frozen_ratelimit_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "invite": "2/h"}
    url = invitation_url(project, invited.pk) + "resend/"
    assert [owner_api.post(url).status_code for _ in range(3)] == [200, 200, 429]


def test_a_cancelled_invitation_is_gone_and_never_becomes_a_membership(
    client, owner_api, project, invited, mailoutbox, django_capture_on_commit_callbacks
):
    assert owner_api.delete(invitation_url(project, invited.pk)).status_code == 204
    assert [row["status"] for row in owner_api.get(members_url(project)).json()] == []

    nia = sign_up_and_verify(client, mailoutbox, django_capture_on_commit_callbacks)

    assert not Membership.objects.filter(user=nia).exists()


def sign_up(client, mailoutbox, django_capture_on_commit_callbacks) -> User:
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", {"email": INVITED, **SIGN_UP})
    assert response.status_code == 302
    return User.objects.get(email="nia.new@example.com")


def verify(client, mailoutbox, django_capture_on_commit_callbacks):
    verification = next(message for message in reversed(mailoutbox) if "/account/verify/" in message.body)
    with django_capture_on_commit_callbacks(execute=True):
        return client.get(link_in(verification), follow=True)


def sign_up_and_verify(client, mailoutbox, django_capture_on_commit_callbacks) -> User:
    user = sign_up(client, mailoutbox, django_capture_on_commit_callbacks)
    verify(client, mailoutbox, django_capture_on_commit_callbacks)
    return user


def test_signing_up_is_not_enough_the_address_must_be_confirmed(
    client, project, invited, mailoutbox, django_capture_on_commit_callbacks
):
    nia = sign_up(client, mailoutbox, django_capture_on_commit_callbacks)

    assert not Membership.objects.filter(user=nia).exists()
    assert client.get(f"/projects/{project.pk}/").status_code == 404
    assert bearer_client(nia).get(f"/api/v1/projects/{project.pk}/map/").status_code == 404

    page = verify(client, mailoutbox, django_capture_on_commit_callbacks)

    membership = Membership.objects.get(user=nia)
    assert (membership.project, membership.role) == (project, "editor")
    # They land on their projects, with the map under "Shared with you".
    html = page.content.decode()
    assert page.redirect_chain[-1][0] == "/projects/"
    shared = html[html.index("Shared with you") :]
    assert "Vet clinic" in shared
    assert client.get(f"/projects/{project.pk}/").status_code == 200
    event = Event.objects.get(project=project, verb=Event.Verb.MEMBER_ADDED)
    assert (event.actor.email, event.subject) == ("olive@example.com", "nia.new@example.com")
    invited.refresh_from_db()
    assert invited.accepted is not None
    assert owner_api_listing(project) == [("nia.new@example.com", "member")]


def owner_api_listing(project):
    return [(row["email"], row["status"]) for row in bearer_client(project.owner).get(members_url(project)).json()]


def test_an_expired_invitation_is_not_listed_and_never_converts(
    client, owner_api, project, invited, mailoutbox, django_capture_on_commit_callbacks
):
    Invitation.objects.filter(pk=invited.pk).update(expires=timezone.now() - timedelta(seconds=1))

    assert owner_api.get(members_url(project)).json() == []
    nia = sign_up_and_verify(client, mailoutbox, django_capture_on_commit_callbacks)
    assert not Membership.objects.filter(user=nia).exists()


def test_inviting_an_expired_address_again_makes_a_fresh_invitation(owner_api, project, invited):
    Invitation.objects.filter(pk=invited.pk).update(expires=timezone.now() - timedelta(seconds=1))

    again = invite(owner_api, project, role="viewer")

    assert again.status_code == 201
    fresh = Invitation.objects.get()
    assert fresh.pk != invited.pk
    assert fresh.role == "viewer"
    assert fresh.expires > timezone.now() + timedelta(days=13)


def test_confirming_a_change_of_address_to_the_invited_one_converts(
    client, project, invited, outsider, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user_request_email_change(user=outsider, new_email=INVITED, password=PASSWORD, site_url="http://testserver")
    assert not Membership.objects.filter(user=outsider).exists()

    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(link_in(mailoutbox[-1])).status_code == 302

    membership = Membership.objects.get(user=outsider)
    assert (membership.project, membership.role) == (project, "editor")


def test_an_account_made_meanwhile_is_added_at_once_and_the_invitation_spent(owner_api, project, invited):
    nia = User.objects.create_user(email="nia.new@example.com", password=PASSWORD, full_name="Nia")

    again = invite(owner_api, project, role="viewer")

    assert again.status_code == 201
    assert again.json()["status"] == "member"
    assert Membership.objects.get(user=nia).role == "viewer"
    assert owner_api_listing(project) == [("nia.new@example.com", "member")]


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_members_may_not_manage_invitations(project, member, invited, role):
    Membership.objects.create(project=project, user=member, role=role)
    client = bearer_client(member)

    assert client.post(invitation_url(project, invited.pk) + "resend/").status_code == 403
    refused = client.delete(invitation_url(project, invited.pk))
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the project's owner can do that."}
    assert invite(client, project, email="zed@example.com").status_code == 403
    assert Invitation.objects.count() == 1


def test_an_outsider_finds_no_invitations(outsider_api, project, invited):
    assert outsider_api.post(invitation_url(project, invited.pk) + "resend/").status_code == 404
    assert outsider_api.delete(invitation_url(project, invited.pk)).status_code == 404
    assert invite(outsider_api, project, email="zed@example.com").status_code == 404
    assert Invitation.objects.count() == 1


def test_an_invitation_of_another_project_is_not_found(owner_api, owner, project, invited):
    other = project_create(owner=owner, name="Other")
    assert owner_api.delete(invitation_url(other, invited.pk)).status_code == 404
    assert Invitation.objects.count() == 1


def test_the_admin_lists_invitations_and_cancels_but_never_makes_them(admin_client, invited):
    from conftest import assert_admin_offers_no_add

    assert_admin_offers_no_add(admin_client, "projects/invitation")
    assert "nia.new@example.com" in admin_client.get("/admin/projects/invitation/").content.decode()
    page = admin_client.post(f"/admin/projects/invitation/{invited.pk}/delete/", {"post": "yes"})
    assert page.status_code == 302
    assert not Invitation.objects.exists()
