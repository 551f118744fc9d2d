import re

import pytest
from django.test import Client

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def request_reset(client, email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/password-reset/", {"email": email})


def test_the_answer_is_the_same_whether_or_not_the_account_exists(
    client, owner, mailoutbox, django_capture_on_commit_callbacks
):
    known = request_reset(client, owner.email, django_capture_on_commit_callbacks)
    unknown = request_reset(client, "nobody@example.com", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password-reset/sent/"
    assert [message.to for message in mailoutbox] == [[owner.email]]


def test_the_emailed_link_sets_a_new_password_and_ends_other_sessions(
    client, owner, mailoutbox, django_capture_on_commit_callbacks
):
    other_browser = Client()
    other_browser.force_login(owner)

    request_reset(client, owner.email, django_capture_on_commit_callbacks)
    link = re.search(r"http://testserver(/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            set_password_url, {"new_password1": "a-brand-new-secret-9", "new_password2": "a-brand-new-secret-9"}
        )
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    owner.refresh_from_db()
    assert owner.check_password("a-brand-new-secret-9")
    assert other_browser.get("/account/").status_code == 302  # logged out
    assert mailoutbox[-1].subject == "Your Mapwright password was changed"

    # The link works once.
    assert "This link no longer works" in client.get(link, follow=True).content.decode()


def test_a_weak_new_password_is_explained(client, owner, mailoutbox, django_capture_on_commit_callbacks):
    request_reset(client, owner.email, django_capture_on_commit_callbacks)
    link = re.search(r"http://testserver(/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body).group(1)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "password", "new_password2": "password"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_reset_requests_are_limited_to_five_an_hour_per_ip(client, frozen_ratelimit_clock):
    for _ in range(5):
        assert client.post("/password-reset/", {"email": "someone@example.com"}).status_code == 302
    response = client.post("/password-reset/", {"email": "someone@example.com"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
