import re

import pytest

from accounts.services import user_send_verification_email

pytestmark = pytest.mark.django_db


def verification_path(owner, mailoutbox, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        user_send_verification_email(user=owner, site_url="http://testserver")
    return re.search(r"http://testserver(/account/verify/[^/\s]+/)", mailoutbox[-1].body).group(1)


def test_following_the_link_confirms_the_address(client, owner, mailoutbox, django_capture_on_commit_callbacks):
    path = verification_path(owner, mailoutbox, django_capture_on_commit_callbacks)
    response = client.get(path)
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email_verified is True


def test_a_forged_link_is_refused_with_a_page_that_says_so(client, owner):
    response = client.get("/account/verify/not-a-real-token/")
    assert response.status_code == 400
    assert "This link no longer works" in response.content.decode()
    owner.refresh_from_db()
    assert owner.email_verified is False


def test_a_link_for_a_previous_address_no_longer_works(client, owner, mailoutbox, django_capture_on_commit_callbacks):
    path = verification_path(owner, mailoutbox, django_capture_on_commit_callbacks)
    owner.email = "olive.new@example.com"
    owner.save()
    assert client.get(path).status_code == 400


def test_an_expired_link_is_refused(client, owner, settings, mailoutbox, django_capture_on_commit_callbacks):
    path = verification_path(owner, mailoutbox, django_capture_on_commit_callbacks)
    settings.EMAIL_VERIFICATION_MAX_AGE = -1
    assert client.get(path).status_code == 400


def test_unverified_users_see_a_banner_that_resends_the_link(
    client, owner, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert "Please confirm your email address" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/verify/resend/", {"next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert mailoutbox[-1].to == [owner.email]

    owner.email_verified = True
    owner.save()
    assert "Please confirm your email address" not in client.get("/").content.decode()


def test_resending_is_limited_to_five_an_hour(client, owner, frozen_ratelimit_clock):
    client.force_login(owner)
    for _ in range(5):
        assert client.post("/account/verify/resend/").status_code == 302
    response = client.post("/account/verify/resend/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
