import pytest
from django.contrib.auth import get_user_model

from conftest import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()

REGISTER = "/api/v1/auth/register/"
TOKEN = "/api/v1/auth/token/"
RESET = "/api/v1/auth/password/reset/"
RESEND = "/api/v1/auth/email/resend/"
STRONG_PASSWORD = "a-long-and-unusual-passphrase-42"


def assert_rate_limited(response, window_seconds):
    assert response.status_code == 429, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    retry_after = response["Retry-After"]
    assert retry_after.isdigit(), retry_after
    assert 0 < int(retry_after) <= window_seconds


def register(api_client, number, ip="10.0.0.7"):
    payload = {"email": f"user{number}@example.com", "password": STRONG_PASSWORD}
    return api_client.post(REGISTER, payload, format="json", REMOTE_ADDR=ip)


def obtain(api_client, email, password=PASSWORD, ip="10.0.0.7"):
    return api_client.post(TOKEN, {"email": email, "password": password}, format="json", REMOTE_ADDR=ip)


def reset(api_client, email="olive@example.com", ip="10.0.0.7"):
    return api_client.post(RESET, {"email": email}, format="json", REMOTE_ADDR=ip)


# --- Register: 5 a minute per IP ----------------------------------------------


def test_the_sixth_registration_a_minute_from_one_ip_is_refused(
    api_client, frozen_ratelimit_clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(5):
            assert register(api_client, number).status_code == 201

        response = register(api_client, 5)

    assert_rate_limited(response, 60)
    assert not User.objects.filter(email="user5@example.com").exists()
    assert User.objects.count() == 5


def test_failed_registrations_count_towards_the_limit(api_client, frozen_ratelimit_clock):
    for _ in range(5):
        response = api_client.post(REGISTER, {"email": "bad"}, format="json", REMOTE_ADDR="10.0.0.7")
        assert response.status_code == 400

    assert_rate_limited(register(api_client, 1), 60)


def test_the_register_limit_of_one_ip_leaves_another_ip_alone(
    api_client, frozen_ratelimit_clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for number in range(6):
            register(api_client, number)

        response = register(api_client, 6, ip="10.0.0.8")

    assert response.status_code == 201


# --- Token: 10 a minute per IP and per email -------------------------------------


def test_the_eleventh_login_attempt_a_minute_from_one_ip_is_refused(api_client, owner, frozen_ratelimit_clock):
    for number in range(10):
        assert obtain(api_client, f"guess{number}@example.com", "wrong-password").status_code == 401

    response = obtain(api_client, "olive@example.com")

    assert_rate_limited(response, 60)
    assert "access" not in response.json()


def test_the_login_limit_of_one_ip_leaves_another_ip_alone(api_client, owner, frozen_ratelimit_clock):
    for number in range(11):
        obtain(api_client, f"guess{number}@example.com", "wrong-password")

    assert obtain(api_client, "olive@example.com", ip="10.0.0.8").status_code == 200


def test_the_eleventh_login_attempt_a_minute_for_one_email_is_refused_from_any_ip(
    api_client, owner, frozen_ratelimit_clock
):
    for number in range(10):
        response = obtain(api_client, "olive@example.com", "wrong-password", ip=f"10.0.1.{number + 1}")
        assert response.status_code == 401

    response = obtain(api_client, "olive@example.com", ip="10.0.2.1")

    assert_rate_limited(response, 60)
    assert "access" not in response.json()


def test_the_per_email_login_limit_ignores_letter_case(api_client, owner, frozen_ratelimit_clock):
    spellings = ["olive@example.com", "OLIVE@example.com", "Olive@Example.com", " olive@EXAMPLE.COM "]
    for number in range(10):
        obtain(api_client, spellings[number % len(spellings)], "wrong-password", ip=f"10.0.1.{number + 1}")

    assert_rate_limited(obtain(api_client, "OLIVE@EXAMPLE.COM", ip="10.0.2.1"), 60)


def test_the_per_email_login_limit_leaves_other_accounts_alone(api_client, owner, member, frozen_ratelimit_clock):
    for number in range(11):
        obtain(api_client, "olive@example.com", "wrong-password", ip=f"10.0.1.{number + 1}")

    assert obtain(api_client, "mel@example.com", ip="10.0.2.1").status_code == 200


# --- Password reset: 5 an hour per IP ------------------------------------------


def test_the_sixth_password_reset_an_hour_from_one_ip_is_refused(
    api_client, owner, frozen_ratelimit_clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            assert reset(api_client).status_code == 202

        response = reset(api_client)

    assert_rate_limited(response, 3600)
    assert len(mailoutbox) == 5


def test_the_password_reset_limit_of_one_ip_leaves_another_ip_alone(
    api_client, owner, frozen_ratelimit_clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            reset(api_client, email="nobody@example.com")

        response = reset(api_client, ip="10.0.0.8")

    assert response.status_code == 202
    assert len(mailoutbox) == 1


# --- Resending the verification email: 5 an hour per IP ------------------------


def test_the_sixth_resend_an_hour_from_one_ip_is_refused(
    owner_api, frozen_ratelimit_clock, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            assert owner_api.post(RESEND, REMOTE_ADDR="10.0.0.7").status_code == 202

        response = owner_api.post(RESEND, REMOTE_ADDR="10.0.0.7")

    assert_rate_limited(response, 3600)
    assert len(mailoutbox) == 5


# --- Switched off ----------------------------------------------------------------


def test_with_rate_limits_disabled_registration_is_never_refused(
    api_client, settings, frozen_ratelimit_clock, django_capture_on_commit_callbacks
):
    settings.RATELIMIT_ENABLE = False
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [register(api_client, number).status_code for number in range(8)]

    assert statuses == [201] * 8


def test_with_rate_limits_disabled_logins_are_never_refused(api_client, owner, settings, frozen_ratelimit_clock):
    settings.RATELIMIT_ENABLE = False

    statuses = [obtain(api_client, "olive@example.com", "wrong-password").status_code for _ in range(13)]

    assert statuses == [401] * 13
    assert obtain(api_client, "olive@example.com").status_code == 200


def test_with_rate_limits_disabled_resets_and_resends_are_never_refused(
    api_client, owner, owner_api, settings, frozen_ratelimit_clock, django_capture_on_commit_callbacks
):
    settings.RATELIMIT_ENABLE = False
    with django_capture_on_commit_callbacks(execute=True):
        resets = [reset(api_client).status_code for _ in range(7)]
        resends = [owner_api.post(RESEND, REMOTE_ADDR="10.0.0.7").status_code for _ in range(7)]

    assert resets == [202] * 7
    assert resends == [202] * 7
