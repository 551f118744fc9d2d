import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/auth/me/"


def obtain(api_client, email, password):
    return api_client.post(TOKEN, {"email": email, "password": password}, format="json")


def me_with(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(ME)


def test_email_and_password_give_an_access_and_a_refresh_token(api_client, owner):
    response = obtain(api_client, "olive@example.com", PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["access"] != body["refresh"]


def test_the_access_token_identifies_the_user_on_me(api_client, owner, member):
    access = obtain(api_client, "olive@example.com", PASSWORD).json()["access"]

    response = me_with(access)
    assert response.status_code == 200
    assert response.json()["email"] == "olive@example.com"
    assert response.json()["id"] == owner.pk


@pytest.mark.parametrize("email", ["OLIVE@EXAMPLE.COM", "Olive@Example.com", "olive@EXAMPLE.com"])
def test_the_email_matches_in_any_letter_case(api_client, owner, email):
    response = obtain(api_client, email, PASSWORD)

    assert response.status_code == 200
    assert me_with(response.json()["access"]).json()["email"] == "olive@example.com"


def test_logging_in_records_the_last_login(api_client, owner):
    assert owner.last_login is None

    assert obtain(api_client, "olive@example.com", PASSWORD).status_code == 200

    owner.refresh_from_db()
    assert owner.last_login is not None


def test_wrong_password_unknown_email_and_inactive_user_get_the_same_401(api_client, owner):
    User.objects.create_user(email="off@example.com", password=PASSWORD, is_active=False)

    wrong_password = obtain(api_client, "olive@example.com", "not-the-password")
    unknown_email = obtain(api_client, "nobody@example.com", PASSWORD)
    inactive_user = obtain(api_client, "off@example.com", PASSWORD)

    assert wrong_password.status_code == 401
    assert unknown_email.status_code == 401
    assert inactive_user.status_code == 401
    assert wrong_password.json() == unknown_email.json() == inactive_user.json()
    assert "access" not in wrong_password.json()
    assert "refresh" not in wrong_password.json()


def test_a_refused_login_leaves_no_trace_on_the_account(api_client, owner):
    obtain(api_client, "olive@example.com", "not-the-password")

    owner.refresh_from_db()
    assert owner.last_login is None


def test_the_password_is_case_sensitive(api_client, owner):
    assert obtain(api_client, "olive@example.com", PASSWORD.upper()).status_code == 401


@pytest.mark.parametrize(
    ("payload", "missing"),
    [
        ({}, {"email", "password"}),
        ({"email": "olive@example.com"}, {"password"}),
        ({"password": PASSWORD}, {"email"}),
    ],
)
def test_missing_credentials_are_named(api_client, owner, payload, missing):
    response = api_client.post(TOKEN, payload, format="json")

    assert response.status_code == 400
    assert set(response.json()) == missing


def test_a_login_works_with_a_stale_bearer_token_on_the_client(api_client, owner):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")

    assert obtain(api_client, "olive@example.com", PASSWORD).status_code == 200


def test_a_forged_bearer_token_is_refused_on_me(owner):
    assert me_with("not-a-token").status_code == 401


def test_a_refresh_token_is_not_accepted_as_an_access_token(api_client, owner):
    refresh = obtain(api_client, "olive@example.com", PASSWORD).json()["refresh"]

    assert me_with(refresh).status_code == 401
