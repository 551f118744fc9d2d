import pytest
from django.test import override_settings

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_with_email_in_any_case_goes_to_the_safe_next_page(client, owner):
    response = client.post("/login/", {"username": owner.email.upper(), "password": PASSWORD, "next": "/account/"})
    assert response.status_code == 302
    assert response["Location"] == "/account/"


def test_login_never_redirects_to_another_site(client, owner):
    response = client.post("/login/", {"username": owner.email, "password": PASSWORD, "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/projects/"


def test_wrong_password_unknown_email_and_inactive_account_get_the_same_answer(client, owner, outsider):
    outsider.is_active = False
    outsider.save()
    answers = [
        client.post("/login/", {"username": owner.email, "password": "wrong-password"}),
        client.post("/login/", {"username": "nobody@example.com", "password": PASSWORD}),
        client.post("/login/", {"username": outsider.email, "password": PASSWORD}),
    ]
    for response in answers:
        assert response.status_code == 200
        assert "The email address or the password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post(client, owner):
    client.force_login(owner)
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302


def test_login_is_limited_per_ip_and_per_email(client, owner, frozen_ratelimit_clock):
    for _ in range(10):
        client.post("/login/", {"username": owner.email, "password": "wrong-password"}, REMOTE_ADDR="10.0.0.1")
    response = client.post("/login/", {"username": owner.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0

    # Another address, same email: still limited, so spreading guesses over IPs does not help.
    response = client.post("/login/", {"username": owner.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429


def test_limits_can_be_switched_off(client, owner, settings, frozen_ratelimit_clock):
    settings.RATELIMIT_ENABLE = False
    for _ in range(12):
        client.post("/login/", {"username": owner.email, "password": "wrong-password"})
    assert client.post("/login/", {"username": owner.email, "password": PASSWORD}).status_code == 302


def test_login_still_works_while_redis_is_down(client, owner):
    redis_down = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    with override_settings(CACHES=redis_down):
        response = client.post("/login/", {"username": owner.email, "password": PASSWORD})
    assert response.status_code == 302
