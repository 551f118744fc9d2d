import re

import pytest
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from conftest import PASSWORD, bearer_client

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/auth/me/"
CHANGE = "/api/v1/auth/password/change/"
RESET = "/api/v1/auth/password/reset/"
RESET_CONFIRM = "/api/v1/auth/password/reset/confirm/"
NEW_PASSWORD = "a-brand-new-passphrase-77"

WEAK_PASSWORDS = [
    pytest.param("k3Y!x9", id="too-short"),
    pytest.param("password123", id="too-common"),
    pytest.param("83920174652819", id="entirely-numeric"),
    pytest.param("olive@example.com", id="similar-to-email"),
]


def log_in(email="olive@example.com", password=PASSWORD):
    return APIClient().post(TOKEN, {"email": email, "password": password}, format="json")


def refresh(refresh_token):
    return APIClient().post(REFRESH, {"refresh": refresh_token}, format="json")


def bearer(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def change_password(client, old=PASSWORD, new=NEW_PASSWORD):
    return client.post(CHANGE, {"old_password": old, "new_password": new}, format="json")


def reset_link(message):
    match = re.search(r"http://testserver/reset/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/", message.body)
    assert match is not None, message.body
    return match.group("uid"), match.group("token")


def request_reset(email, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return APIClient().post(RESET, {"email": email}, format="json", **extra)


def confirm_reset(uid, token, new_password=NEW_PASSWORD):
    return APIClient().post(RESET_CONFIRM, {"uid": uid, "token": token, "new_password": new_password}, format="json")


# --- Change -----------------------------------------------------------------


def test_change_answers_with_a_fresh_working_token_pair(owner, django_capture_on_commit_callbacks):
    pair = log_in().json()

    with django_capture_on_commit_callbacks(execute=True):
        response = change_password(bearer(pair["access"]))

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["access"] != pair["access"]
    assert bearer(body["access"]).get(ME).json()["email"] == "olive@example.com"
    assert refresh(body["refresh"]).status_code == 200


def test_after_a_change_only_the_new_password_logs_in(owner, owner_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(owner_api).status_code == 200

    assert log_in(password=NEW_PASSWORD).status_code == 200
    assert log_in(password=PASSWORD).status_code == 401
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


def test_after_a_change_the_old_access_token_is_refused(owner, django_capture_on_commit_callbacks):
    pair = log_in().json()
    other_access = log_in().json()["access"]

    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(bearer(pair["access"])).status_code == 200

    assert bearer(pair["access"]).get(ME).status_code == 401
    assert bearer(other_access).get(ME).status_code == 401


def test_after_a_change_every_earlier_refresh_token_is_refused(owner, owner_api, django_capture_on_commit_callbacks):
    phone = log_in().json()
    laptop = log_in().json()
    rotated = refresh(laptop["refresh"]).json()["refresh"]

    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(bearer(phone["access"])).status_code == 200

    assert refresh(phone["refresh"]).status_code == 401
    assert refresh(rotated).status_code == 401


def test_a_change_ends_the_users_browser_sessions(client, owner, owner_api, django_capture_on_commit_callbacks):
    client.force_login(owner)
    assert client.get("/account/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(owner_api).status_code == 200

    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_change_ends_a_session_opened_with_the_login_form(
    client, owner, owner_api, django_capture_on_commit_callbacks
):
    assert client.login(username="olive@example.com", password=PASSWORD)

    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(owner_api).status_code == 200

    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_change_leaves_other_users_logged_in(owner, owner_api, member, client, django_capture_on_commit_callbacks):
    member_pair = log_in("mel@example.com").json()
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(owner_api).status_code == 200

    assert bearer(member_pair["access"]).get(ME).status_code == 200
    assert refresh(member_pair["refresh"]).status_code == 200
    assert client.get("/account/").status_code == 200


def test_a_change_made_in_a_browser_session_keeps_that_session(api_client, owner, django_capture_on_commit_callbacks):
    api_client.force_login(owner)

    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(api_client).status_code == 200

    assert api_client.get(ME).status_code == 200
    assert api_client.get("/account/").status_code == 200


def test_a_change_sends_a_notice_email(owner, owner_api, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(owner_api).status_code == 200

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["olive@example.com"]
    assert mailoutbox[0].subject == "Your Mapwright password was changed"
    assert NEW_PASSWORD not in mailoutbox[0].body


def test_a_wrong_old_password_changes_nothing(owner, mailoutbox, django_capture_on_commit_callbacks):
    pair = log_in().json()

    with django_capture_on_commit_callbacks(execute=True):
        response = change_password(bearer(pair["access"]), old="not-the-password")

    assert response.status_code == 400
    assert list(response.json()) == ["old_password"]
    assert log_in(password=PASSWORD).status_code == 200
    assert log_in(password=NEW_PASSWORD).status_code == 401
    assert bearer(pair["access"]).get(ME).status_code == 200
    assert refresh(pair["refresh"]).status_code == 200
    assert mailoutbox == []


@pytest.mark.parametrize("new_password", WEAK_PASSWORDS)
def test_a_weak_new_password_is_refused(owner, new_password, mailoutbox, django_capture_on_commit_callbacks):
    pair = log_in().json()

    with django_capture_on_commit_callbacks(execute=True):
        response = change_password(bearer(pair["access"]), new=new_password)

    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]
    assert response.json()["new_password"]
    assert log_in(password=PASSWORD).status_code == 200
    assert bearer(pair["access"]).get(ME).status_code == 200
    assert mailoutbox == []


def test_change_names_missing_fields(owner_api):
    response = owner_api.post(CHANGE, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"old_password", "new_password"}


def test_change_needs_a_login(api_client, owner):
    response = change_password(api_client)

    assert response.status_code == 401
    assert log_in(password=PASSWORD).status_code == 200


# --- Reset ------------------------------------------------------------------


def test_reset_answers_the_same_for_known_and_unknown_addresses(owner, django_capture_on_commit_callbacks):
    known = request_reset("olive@example.com", django_capture_on_commit_callbacks)
    unknown = request_reset("nobody@example.com", django_capture_on_commit_callbacks)

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert known.json()["detail"]


def test_reset_emails_a_link_only_to_an_existing_account(owner, mailoutbox, django_capture_on_commit_callbacks):
    request_reset("nobody@example.com", django_capture_on_commit_callbacks)
    assert mailoutbox == []

    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["olive@example.com"]
    assert mailoutbox[0].subject == "Reset your Mapwright password"
    uid, token = reset_link(mailoutbox[0])
    assert f"/reset/{uid}/{token}/" in mailoutbox[0].alternatives[0][0]


def test_reset_sends_nothing_to_an_inactive_account(owner, mailoutbox, django_capture_on_commit_callbacks):
    owner.is_active = False
    owner.save()

    response = request_reset("olive@example.com", django_capture_on_commit_callbacks)

    assert response.status_code == 202
    assert mailoutbox == []


def test_reset_finds_the_account_in_any_letter_case(owner, mailoutbox, django_capture_on_commit_callbacks):
    request_reset("OLIVE@Example.COM", django_capture_on_commit_callbacks)

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["olive@example.com"]


def test_reset_refuses_an_invalid_address(api_client):
    response = api_client.post(RESET, {"email": "not-an-email"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["email"]


def test_the_emailed_link_sets_a_new_password(owner, mailoutbox, django_capture_on_commit_callbacks):
    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    uid, token = reset_link(mailoutbox[0])

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_reset(uid, token)

    assert response.status_code == 200
    assert response.json()["detail"]
    assert log_in(password=NEW_PASSWORD).status_code == 200
    assert log_in(password=PASSWORD).status_code == 401
    assert mailoutbox[-1].to == ["olive@example.com"]
    assert mailoutbox[-1].subject == "Your Mapwright password was changed"


def test_a_reset_ends_earlier_tokens_and_sessions(owner, client, mailoutbox, django_capture_on_commit_callbacks):
    pair = log_in().json()
    client.force_login(owner)
    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    uid, token = reset_link(mailoutbox[0])

    with django_capture_on_commit_callbacks(execute=True):
        assert confirm_reset(uid, token).status_code == 200

    assert refresh(pair["refresh"]).status_code == 401
    assert bearer(pair["access"]).get(ME).status_code == 401
    assert client.get("/account/").status_code == 302


def test_a_reset_link_works_only_once(owner, mailoutbox, django_capture_on_commit_callbacks):
    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    uid, token = reset_link(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm_reset(uid, token).status_code == 200

    response = confirm_reset(uid, token, new_password="yet-another-passphrase-99")

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    assert log_in(password=NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize(
    "uid",
    [
        pytest.param("not-base64!", id="not-base64"),
        pytest.param(urlsafe_base64_encode(b"abc"), id="not-a-number"),
        pytest.param(urlsafe_base64_encode(b"0"), id="zero"),
        pytest.param(urlsafe_base64_encode(b"-1"), id="negative"),
        pytest.param(urlsafe_base64_encode(b"999999"), id="no-such-user"),
        pytest.param(urlsafe_base64_encode(b"9" * 25), id="beyond-any-key"),
        pytest.param(urlsafe_base64_encode(b"\xff\xfe"), id="not-utf8"),
    ],
)
def test_a_reset_with_a_bad_uid_is_refused_as_a_bad_token(owner, uid, mailoutbox, django_capture_on_commit_callbacks):
    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    _, token = reset_link(mailoutbox[0])

    response = confirm_reset(uid, token)

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_a_reset_without_uid_token_and_password_names_each(api_client):
    response = api_client.post(RESET_CONFIRM, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"uid", "token", "new_password"}


def test_a_reset_token_of_one_user_does_not_work_for_another(
    owner, member, mailoutbox, django_capture_on_commit_callbacks
):
    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    _, token = reset_link(mailoutbox[0])

    response = confirm_reset(urlsafe_base64_encode(force_bytes(member.pk)), token)

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    assert log_in("mel@example.com", PASSWORD).status_code == 200


def test_a_forged_reset_token_is_refused(owner):
    response = confirm_reset(urlsafe_base64_encode(force_bytes(owner.pk)), "abc-0123456789abcdef")

    assert response.status_code == 400
    assert list(response.json()) == ["token"]
    assert log_in(password=PASSWORD).status_code == 200


@pytest.mark.parametrize("new_password", WEAK_PASSWORDS)
def test_a_reset_refuses_a_weak_password_and_the_link_still_works(
    owner, new_password, mailoutbox, django_capture_on_commit_callbacks
):
    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    uid, token = reset_link(mailoutbox[0])

    response = confirm_reset(uid, token, new_password=new_password)

    assert response.status_code == 400
    assert list(response.json()) == ["new_password"]
    assert response.json()["new_password"]
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        assert confirm_reset(uid, token).status_code == 200
    assert log_in(password=NEW_PASSWORD).status_code == 200


def test_a_reset_link_stops_working_once_the_password_changed_otherwise(
    owner, owner_api, mailoutbox, django_capture_on_commit_callbacks
):
    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    uid, token = reset_link(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        assert change_password(owner_api).status_code == 200

    response = confirm_reset(uid, token, new_password="yet-another-passphrase-99")

    assert response.status_code == 400
    assert list(response.json()) == ["token"]


def test_a_reset_does_not_log_anyone_else_out(owner, member, mailoutbox, django_capture_on_commit_callbacks):
    member_client = bearer_client(member)
    request_reset("olive@example.com", django_capture_on_commit_callbacks)
    uid, token = reset_link(mailoutbox[0])

    with django_capture_on_commit_callbacks(execute=True):
        assert confirm_reset(uid, token).status_code == 200

    assert member_client.get(ME).status_code == 200
