import re

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from conftest import PASSWORD, bearer_client

pytestmark = pytest.mark.django_db

User = get_user_model()

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"
VERIFY = "/api/v1/auth/email/verify/"
RESEND = "/api/v1/auth/email/resend/"
CHANGE = "/api/v1/auth/email/change/"
CHANGE_CONFIRM = "/api/v1/auth/email/change/confirm/"


def token_from(message, path):
    match = re.search(rf"http://testserver{path}([^/\s]+)/", message.body)
    assert match is not None, message.body
    return match.group(1)


def verification_token(message):
    return token_from(message, "/account/verify/")


def email_change_token(message):
    return token_from(message, "/account/email/confirm/")


def verify(token):
    return APIClient().post(VERIFY, {"token": token}, format="json")


def confirm_change(token):
    return APIClient().post(CHANGE_CONFIRM, {"token": token}, format="json")


def request_change(client, new_email, password=PASSWORD):
    return client.post(CHANGE, {"new_email": new_email, "password": password}, format="json")


def log_in(email, password=PASSWORD):
    return APIClient().post(TOKEN, {"email": email, "password": password}, format="json")


# --- Verification -----------------------------------------------------------


def test_the_link_from_the_registration_email_verifies_the_address(
    api_client, mailoutbox, django_capture_on_commit_callbacks
):
    payload = {"email": "ada@example.com", "password": "a-long-and-unusual-passphrase-42", "full_name": "Ada"}
    with django_capture_on_commit_callbacks(execute=True):
        assert api_client.post(REGISTER, payload, format="json").status_code == 201

    response = verify(verification_token(mailoutbox[0]))

    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"
    assert response.json()["email_verified"] is True
    assert User.objects.get(email="ada@example.com").email_verified is True


def test_verifying_twice_is_harmless(owner, owner_api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.post(RESEND)
    token = verification_token(mailoutbox[0])
    assert verify(token).status_code == 200

    response = verify(token)

    assert response.status_code == 200
    assert response.json()["email_verified"] is True


@pytest.mark.parametrize("token", ["not-a-token", "eyJ1c2VyIjoxfQ:1abcde:forged-signature", "x" * 300])
def test_a_forged_verification_token_is_refused(owner, token):
    response = verify(token)

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    owner.refresh_from_db()
    assert owner.email_verified is False


def test_verify_names_a_missing_token():
    response = APIClient().post(VERIFY, {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["token"]


def test_an_email_change_token_does_not_verify(owner, owner_api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_change(owner_api, "olive@new.example")

    response = verify(email_change_token(mailoutbox[0]))

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    owner.refresh_from_db()
    assert owner.email_verified is False


def test_a_verification_link_for_a_previous_address_is_refused(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.post(RESEND)
    old_link_token = verification_token(mailoutbox[0])
    owner.email = "olive.new@example.com"
    owner.save()

    response = verify(old_link_token)

    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.email_verified is False


def test_a_verification_link_of_a_deactivated_account_is_refused(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.post(RESEND)
    owner.is_active = False
    owner.save()

    assert verify(verification_token(mailoutbox[0])).status_code == 400


# --- Resending the verification email ------------------------------------------


def test_resend_sends_a_new_working_link(owner, owner_api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(RESEND)

    assert response.status_code == 202
    assert "olive@example.com" in response.json()["detail"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["olive@example.com"]
    assert mailoutbox[0].subject == "Confirm your email address for Mapwright"
    assert verify(verification_token(mailoutbox[0])).status_code == 200
    assert owner_api.get(ME).json()["email_verified"] is True


def test_resend_for_a_verified_address_says_so_and_sends_nothing(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    owner.email_verified = True
    owner.save()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(RESEND)

    assert response.status_code == 200
    assert response.json()["detail"]
    assert mailoutbox == []


def test_resend_needs_a_login(api_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(RESEND)

    assert response.status_code == 401
    assert mailoutbox == []


# --- Changing the address ------------------------------------------------------


def test_an_email_change_mails_the_new_address_and_changes_nothing_yet(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_change(owner_api, "olive@new.example")

    assert response.status_code == 202
    assert "olive@new.example" in response.json()["detail"]
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["olive@new.example"]
    assert mailoutbox[0].subject == "Confirm your new email address for Mapwright"
    assert email_change_token(mailoutbox[0]) in mailoutbox[0].alternatives[0][0]
    owner.refresh_from_db()
    assert owner.email == "olive@example.com"
    assert owner_api.get(ME).json()["email"] == "olive@example.com"
    assert log_in("olive@example.com").status_code == 200
    assert log_in("olive@new.example").status_code == 401


def test_confirming_an_email_change_switches_the_address_and_tells_the_old_one(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_change(owner_api, "olive@new.example")
    token = email_change_token(mailoutbox[0])

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_change(token)

    assert response.status_code == 200
    assert response.json()["email"] == "olive@new.example"
    assert response.json()["email_verified"] is True
    owner.refresh_from_db()
    assert owner.email == "olive@new.example"
    assert owner.email_verified is True
    assert len(mailoutbox) == 2
    assert mailoutbox[1].to == ["olive@example.com"]
    assert mailoutbox[1].subject == "Your Mapwright email address was changed"
    assert "olive@new.example" in mailoutbox[1].body


def test_after_an_email_change_the_new_address_logs_in(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_change(owner_api, "olive@new.example")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_change(email_change_token(mailoutbox[0]))

    assert log_in("olive@new.example").status_code == 200
    assert log_in("olive@example.com").status_code == 401
    assert owner_api.get(ME).json()["email"] == "olive@new.example"


def test_an_email_change_link_works_only_once(owner, owner_api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request_change(owner_api, "olive@new.example")
    token = email_change_token(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm_change(token).status_code == 200

    response = confirm_change(token)

    assert response.status_code == 400
    assert list(response.json()) == ["token"]


def test_of_two_pending_changes_only_the_first_confirmed_wins(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_change(owner_api, "first@new.example")
        request_change(owner_api, "second@new.example")
    first, second = (email_change_token(message) for message in mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm_change(second).status_code == 200

    assert confirm_change(first).status_code == 400
    owner.refresh_from_db()
    assert owner.email == "second@new.example"


@pytest.mark.parametrize("new_email", ["mel@example.com", "MEL@example.com", "Mel@EXAMPLE.COM"])
def test_an_email_change_to_a_taken_address_is_refused(
    owner, owner_api, member, new_email, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_change(owner_api, new_email)

    assert response.status_code == 400
    assert list(response.json()) == ["new_email"]
    assert mailoutbox == []
    owner.refresh_from_db()
    assert owner.email == "olive@example.com"


def test_an_address_taken_before_the_link_is_followed_is_refused(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_change(owner_api, "olive@new.example")
    User.objects.create_user(email="Olive@New.Example", password=PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_change(email_change_token(mailoutbox[0]))

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    owner.refresh_from_db()
    assert owner.email == "olive@example.com"
    assert len(mailoutbox) == 1


def test_an_email_change_with_a_wrong_password_is_refused(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_change(owner_api, "olive@new.example", password="not-the-password")

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert mailoutbox == []


def test_an_email_change_to_the_current_address_is_refused(owner, owner_api, mailoutbox):
    response = request_change(owner_api, "OLIVE@example.com")

    assert response.status_code == 400
    assert list(response.json()) == ["new_email"]
    assert mailoutbox == []


def test_an_email_change_to_an_invalid_address_is_refused(owner_api, mailoutbox):
    response = request_change(owner_api, "not-an-email")

    assert response.status_code == 400
    assert list(response.json()) == ["new_email"]
    assert mailoutbox == []


def test_an_email_change_needs_a_login(api_client, owner, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = request_change(api_client, "olive@new.example")

    assert response.status_code == 401
    assert mailoutbox == []


@pytest.mark.parametrize("token", ["not-a-token", "x" * 300])
def test_a_forged_email_change_token_is_refused(owner, token):
    response = confirm_change(token)

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    owner.refresh_from_db()
    assert owner.email == "olive@example.com"


def test_a_verification_token_does_not_confirm_an_email_change(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.post(RESEND)

    response = confirm_change(verification_token(mailoutbox[0]))

    assert response.status_code == 400
    owner.refresh_from_db()
    assert owner.email == "olive@example.com"


def test_an_email_change_of_one_user_leaves_the_others_alone(
    owner, owner_api, member, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request_change(owner_api, "olive@new.example")
    with django_capture_on_commit_callbacks(execute=True):
        confirm_change(email_change_token(mailoutbox[0]))

    member.refresh_from_db()
    assert member.email == "mel@example.com"
    assert bearer_client(member).get(ME).json()["email"] == "mel@example.com"
