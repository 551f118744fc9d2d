from datetime import datetime

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from conftest import PASSWORD, bearer_client
from projects.models import Project

pytestmark = pytest.mark.django_db

User = get_user_model()

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/auth/me/"


def test_me_shows_the_users_public_fields(owner_api, owner):
    response = owner_api.get(ME)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "email", "full_name", "email_verified", "date_joined", "board_density"}
    assert body["id"] == owner.pk
    assert body["email"] == "olive@example.com"
    assert body["full_name"] == "Olive Owner"
    assert body["email_verified"] is False
    assert datetime.fromisoformat(body["date_joined"]) == owner.date_joined
    assert owner.password not in response.content.decode()
    assert owner.security_stamp not in response.content.decode()


def test_me_shows_the_user_the_token_belongs_to(owner, member):
    assert bearer_client(member).get(ME).json()["email"] == "mel@example.com"
    assert bearer_client(owner).get(ME).json()["email"] == "olive@example.com"


@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_me_needs_a_login(api_client, method):
    response = api_client.generic(method.upper(), ME, "{}", content_type="application/json")

    assert response.status_code == 401
    assert "detail" in response.json()


def test_me_works_with_a_browser_session(api_client, owner):
    api_client.force_login(owner)

    assert api_client.get(ME).json()["email"] == "olive@example.com"


def test_patch_changes_the_full_name(owner_api, owner):
    response = owner_api.patch(ME, {"full_name": "  Olive Q. Owner  "}, format="json")

    assert response.status_code == 200
    assert response.json()["full_name"] == "Olive Q. Owner"
    owner.refresh_from_db()
    assert owner.full_name == "Olive Q. Owner"
    assert owner_api.get(ME).json()["full_name"] == "Olive Q. Owner"


def test_patch_can_clear_the_full_name(owner_api, owner):
    response = owner_api.patch(ME, {"full_name": ""}, format="json")

    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.full_name == ""


def test_patch_cannot_change_the_email_or_the_verified_flag(owner_api, owner):
    response = owner_api.patch(
        ME, {"email": "evil@example.com", "email_verified": True, "is_staff": True, "id": 999}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["email"] == "olive@example.com"
    owner.refresh_from_db()
    assert owner.email == "olive@example.com"
    assert owner.email_verified is False
    assert owner.is_staff is False


def test_patch_refuses_a_full_name_that_is_too_long(owner_api, owner):
    response = owner_api.patch(ME, {"full_name": "x" * 151}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["full_name"]
    owner.refresh_from_db()
    assert owner.full_name == "Olive Owner"


def test_patch_changes_only_the_callers_account(owner_api, owner, member):
    owner_api.patch(ME, {"full_name": "Someone Else"}, format="json")

    member.refresh_from_db()
    assert member.full_name == "Mel Member"


def test_delete_with_the_password_removes_the_account(owner_api, owner):
    response = owner_api.delete(ME, {"password": PASSWORD}, format="json")

    assert response.status_code == 204
    assert not User.objects.filter(pk=owner.pk).exists()


def test_after_delete_the_tokens_and_the_login_stop_working(api_client, owner):
    pair = api_client.post(TOKEN, {"email": "olive@example.com", "password": PASSWORD}, format="json").json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert client.delete(ME, {"password": PASSWORD}, format="json").status_code == 204

    assert client.get(ME).status_code == 401
    assert api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json").status_code == 401
    login = api_client.post(TOKEN, {"email": "olive@example.com", "password": PASSWORD}, format="json")
    assert login.status_code == 401


def test_delete_with_a_wrong_password_keeps_the_account(owner_api, owner):
    response = owner_api.delete(ME, {"password": "not-the-password"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert User.objects.filter(pk=owner.pk).exists()
    assert owner_api.get(ME).status_code == 200


def test_delete_without_a_password_keeps_the_account(owner_api, owner):
    response = owner_api.delete(ME, {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["password"]
    assert User.objects.filter(pk=owner.pk).exists()


def test_delete_removes_only_the_callers_account_and_projects(owner_api, owner, member):
    Project.objects.create(owner=owner, name="Olive's map")
    Project.objects.create(owner=member, name="Mel's map")

    assert owner_api.delete(ME, {"password": PASSWORD}, format="json").status_code == 204

    assert User.objects.filter(pk=member.pk).exists()
    assert bearer_client(member).get(ME).status_code == 200
    assert list(Project.objects.values_list("name", flat=True)) == ["Mel's map"]


def test_an_access_token_of_a_deleted_user_is_refused_with_401(owner_api, owner):
    owner.delete()

    response = owner_api.get(ME)

    assert response.status_code == 401


def test_an_access_token_of_a_deactivated_user_is_refused(owner_api, owner):
    owner.is_active = False
    owner.save()

    assert owner_api.get(ME).status_code == 401
