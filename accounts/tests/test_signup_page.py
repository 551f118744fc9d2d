import re

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

User = get_user_model()
GOOD = {
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "password1": "analytical-engine-1843",
    "password2": "analytical-engine-1843",
}


def test_signup_form_has_labelled_fields(client):
    html = client.get("/signup/").content.decode()
    for field, label in [
        ("email", "Email"),
        ("full_name", "Full name"),
        ("password1", "Password"),
        ("password2", "Password again"),
    ]:
        assert f'<label for="id_{field}">{label}' in html


def test_signing_up_creates_the_account_logs_in_and_emails_a_verification_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/signup/", GOOD)
    assert response.status_code == 302
    user = User.objects.get(email="ada@example.com")
    assert user.full_name == "Ada Lovelace"
    assert user.email_verified is False
    assert client.get("/account/").status_code == 200  # logged in

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ada@example.com"]
    assert message.subject == "Confirm your email address for Mapwright"
    assert re.search(r"http://testserver/account/verify/[^/\s]+/", message.body)
    assert message.alternatives[0].mimetype == "text/html"


def test_an_email_taken_in_another_case_is_refused_with_a_message(client, owner):
    response = client.post("/signup/", {**GOOD, "email": owner.email.upper()})
    assert response.status_code == 200
    assert "An account with this email address already exists." in response.content.decode()
    assert User.objects.count() == 1


def test_mismatched_and_weak_passwords_are_explained(client):
    html = client.post("/signup/", {**GOOD, "password2": "something-else-entirely"}).content.decode()
    assert "The two passwords differ." in html

    html = client.post("/signup/", {**GOOD, "password1": "12345678", "password2": "12345678"}).content.decode()
    assert "This password is too common." in html
    assert "This password is entirely numeric." in html
    assert not User.objects.exists()


def test_signup_is_limited_to_five_a_minute_per_ip(client, frozen_ratelimit_clock):
    for attempt in range(5):
        response = client.post("/signup/", {**GOOD, "email": f"person{attempt}@example.com"})
        assert response.status_code == 302
        client.logout()
    response = client.post("/signup/", {**GOOD, "email": "one-too-many@example.com"})
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= 60
    assert not User.objects.filter(email="one-too-many@example.com").exists()


def test_a_logged_in_user_is_sent_to_their_account(client, owner):
    client.force_login(owner)
    response = client.get("/signup/")
    assert response.status_code == 302
    assert response["Location"] == "/account/"
