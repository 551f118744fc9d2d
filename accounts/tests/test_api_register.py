import re

import pytest
from django.contrib.auth import get_user_model

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
STRONG_PASSWORD = "a-long-and-unusual-passphrase-42"


def register(api_client, **data):
    payload = {"email": "ada@example.com", "password": STRONG_PASSWORD, "full_name": "Ada Lovelace", **data}
    return api_client.post(REGISTER, payload, format="json")


def test_register_creates_an_unverified_account_and_answers_with_its_public_fields(
    api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client)

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "email", "full_name", "email_verified", "date_joined"}
    assert body["email"] == "ada@example.com"
    assert body["full_name"] == "Ada Lovelace"
    assert body["email_verified"] is False
    user = User.objects.get(pk=body["id"])
    assert user.email == "ada@example.com"
    assert user.check_password(STRONG_PASSWORD)
    assert user.is_active is True


def test_register_never_echoes_the_password(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client)

    assert response.status_code == 201
    content = response.content.decode()
    assert STRONG_PASSWORD not in content
    assert "password" not in response.json()
    assert User.objects.get(email="ada@example.com").password not in content


def test_register_sends_a_verification_email_with_a_link(api_client, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client)

    assert response.status_code == 201
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Confirm your email address for Mapwright"
    match = re.search(r"http://testserver(/account/verify/[^/\s]+/)", message.body)
    assert match is not None, message.body
    assert match.group(1) in message.alternatives[0][0]


def test_the_new_account_can_log_in_with_the_chosen_password(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert register(api_client).status_code == 201

    response = api_client.post(TOKEN, {"email": "ada@example.com", "password": STRONG_PASSWORD}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_full_name_is_optional_and_trimmed(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        without_name = api_client.post(
            REGISTER, {"email": "grace@example.com", "password": STRONG_PASSWORD}, format="json"
        )
        padded_name = register(api_client, full_name="  Ada Lovelace  ")

    assert without_name.status_code == 201
    assert without_name.json()["full_name"] == ""
    assert padded_name.status_code == 201
    assert padded_name.json()["full_name"] == "Ada Lovelace"


def test_the_email_is_stored_in_its_normal_form(api_client, django_capture_on_commit_callbacks):
    # One normal form (NFKC, case folded) for storage, lookup and rate limits: see accounts/addresses.py.
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client, email="  Ada@EXAMPLE.COM ")

    assert response.status_code == 201
    assert response.json()["email"] == "ada@example.com"


@pytest.mark.parametrize("email", ["olive@example.com", "OLIVE@EXAMPLE.COM", "Olive@Example.com"])
def test_register_refuses_an_email_that_is_taken_in_any_letter_case(
    api_client, owner, email, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client, email=email)

    assert response.status_code == 400
    assert list(response.json()) == ["email"], response.json()
    assert response.json()["email"] == ["An account with this email address already exists."]
    assert User.objects.filter(email__iexact="olive@example.com").count() == 1
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("email", "password"),
    [
        pytest.param("ada@example.com", "k3Y!x9", id="too-short"),
        pytest.param("ada@example.com", "password123", id="too-common"),
        pytest.param("ada@example.com", "83920174652819", id="entirely-numeric"),
        pytest.param("bartholomew.jones@example.com", "bartholomewjones", id="similar-to-email"),
    ],
)
def test_register_refuses_a_weak_password(api_client, email, password, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client, email=email, password=password)

    assert response.status_code == 400
    assert list(response.json()) == ["password"], response.json()
    assert response.json()["password"]
    assert not User.objects.filter(email=email).exists()
    assert mailoutbox == []


def test_a_weak_password_error_says_what_is_wrong(api_client):
    response = register(api_client, password="8392017")

    assert response.status_code == 400
    messages = " ".join(response.json()["password"])
    assert "too short" in messages
    assert "entirely numeric" in messages


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.com", "ada example@example.com"])
def test_register_refuses_an_invalid_email(api_client, email):
    response = register(api_client, email=email)

    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    assert User.objects.count() == 0


def test_register_names_every_missing_field(api_client):
    response = api_client.post(REGISTER, {}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_register_needs_no_login_and_ignores_a_stale_bearer_token(api_client, django_capture_on_commit_callbacks):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not-a-token")
    with django_capture_on_commit_callbacks(execute=True):
        response = register(api_client)

    assert response.status_code == 201
