import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
ME = "/api/v1/auth/me/"
PASSWORD_CHANGE = "/api/v1/auth/password/change/"
NEW_PASSWORD = "a-brand-new-passphrase-77"


def log_in(email="olive@example.com", password=PASSWORD):
    response = APIClient().post(TOKEN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(refresh_token):
    return APIClient().post(REFRESH, {"refresh": refresh_token}, format="json")


def me_with(access):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(ME)


def test_a_refresh_token_gives_a_new_access_and_a_new_refresh_token(owner):
    pair = log_in()

    response = refresh(pair["refresh"])

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != pair["refresh"]
    assert body["access"] != pair["access"]
    me = me_with(body["access"])
    assert me.status_code == 200
    assert me.json()["email"] == "olive@example.com"


def test_a_used_refresh_token_is_refused_afterwards(owner):
    pair = log_in()
    assert refresh(pair["refresh"]).status_code == 200

    response = refresh(pair["refresh"])

    assert response.status_code == 401
    assert "access" not in response.json()


def test_the_rotated_refresh_token_keeps_working_in_a_chain(owner):
    token = log_in()["refresh"]
    for _ in range(3):
        response = refresh(token)
        assert response.status_code == 200
        token = response.json()["refresh"]


def test_refreshing_one_login_leaves_another_login_alone(owner):
    phone = log_in()
    laptop = log_in()

    assert refresh(phone["refresh"]).status_code == 200

    assert refresh(laptop["refresh"]).status_code == 200


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"])
def test_a_forged_refresh_token_is_refused_with_401(token):
    response = refresh(token)

    assert response.status_code == 401
    assert "access" not in response.json()


def test_a_missing_refresh_token_is_named():
    response = APIClient().post(REFRESH, {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["refresh"]


def test_an_access_token_is_not_accepted_as_a_refresh_token(owner):
    pair = log_in()

    assert refresh(pair["access"]).status_code == 401


def test_a_refresh_token_of_a_deleted_user_is_refused_with_401(owner):
    pair = log_in()
    owner.delete()

    response = refresh(pair["refresh"])

    assert response.status_code == 401
    assert "access" not in response.json()


def test_a_rotated_refresh_token_of_a_deleted_user_is_refused_with_401(owner):
    rotated = refresh(log_in()["refresh"]).json()["refresh"]
    User.objects.filter(pk=owner.pk).delete()

    assert refresh(rotated).status_code == 401


def test_a_refresh_token_of_a_deactivated_user_is_refused(owner):
    pair = log_in()
    owner.is_active = False
    owner.save()

    assert refresh(pair["refresh"]).status_code == 401


def test_refresh_tokens_issued_before_a_password_change_are_refused(owner):
    first = log_in()
    second = log_in()
    rotated = refresh(second["refresh"]).json()["refresh"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access']}")
    change = client.post(PASSWORD_CHANGE, {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert change.status_code == 200

    assert refresh(first["refresh"]).status_code == 401
    assert refresh(rotated).status_code == 401
    assert refresh(change.json()["refresh"]).status_code == 200


def test_a_refresh_token_is_refused_after_a_password_change_made_outside_the_api(owner):
    from accounts.services import user_set_password

    pair = log_in()
    user_set_password(user=owner, new_password=NEW_PASSWORD)

    assert refresh(pair["refresh"]).status_code == 401
