import pytest
from rest_framework.test import APIClient

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
REFRESH = "/api/v1/auth/token/refresh/"
LOGOUT = "/api/v1/auth/logout/"


def log_in(email="olive@example.com"):
    response = APIClient().post(TOKEN, {"email": email, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    return response.json()


def refresh(refresh_token):
    return APIClient().post(REFRESH, {"refresh": refresh_token}, format="json")


def log_out(refresh_token):
    return APIClient().post(LOGOUT, {"refresh": refresh_token}, format="json")


def test_logout_answers_205_and_the_refresh_token_stops_working(owner):
    pair = log_in()

    response = log_out(pair["refresh"])

    assert response.status_code == 205
    assert refresh(pair["refresh"]).status_code == 401


def test_logout_works_with_a_rotated_refresh_token(owner):
    rotated = refresh(log_in()["refresh"]).json()["refresh"]

    assert log_out(rotated).status_code == 205
    assert refresh(rotated).status_code == 401


def test_logout_ends_only_the_login_it_was_given(owner, member):
    phone = log_in()
    laptop = log_in()
    other_user = log_in("mel@example.com")

    assert log_out(phone["refresh"]).status_code == 205

    assert refresh(laptop["refresh"]).status_code == 200
    assert refresh(other_user["refresh"]).status_code == 200


def test_logging_out_twice_with_the_same_token_is_refused(owner):
    pair = log_in()
    assert log_out(pair["refresh"]).status_code == 205

    assert log_out(pair["refresh"]).status_code == 401


@pytest.mark.parametrize("token", ["not-a-token", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"])
def test_logout_with_a_forged_token_is_refused_with_401(token):
    assert log_out(token).status_code == 401


def test_logout_with_an_access_token_is_refused_and_the_refresh_token_still_works(owner):
    pair = log_in()

    assert log_out(pair["access"]).status_code == 401
    assert refresh(pair["refresh"]).status_code == 200


def test_logout_without_a_token_names_the_field():
    response = APIClient().post(LOGOUT, {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["refresh"]
