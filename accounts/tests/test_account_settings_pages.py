import json
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.api.views import issue_token_pair
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def test_the_settings_page_needs_a_login(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/account/"


def test_the_settings_page_shows_every_section(owner_client):
    html = owner_client.get("/account/").content.decode()
    for heading in ("Profile", "Email address", "Password", "Sessions", "Your data", "Delete account"):
        assert f">{heading}</h2>" in html


def test_changing_the_name(owner_client, owner):
    response = owner_client.post("/account/profile/", {"full_name": "Olive Oyl"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.full_name == "Olive Oyl"


def test_changing_the_email_takes_effect_only_after_the_new_address_confirms(
    owner_client, owner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post("/account/email/", {"new_email": "olive@new.example", "password": PASSWORD})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.email == "olive@example.com"
    assert mailoutbox[-1].to == ["olive@new.example"]

    link = re.search(r"http://testserver(/account/email/confirm/[^/\s]+/)", mailoutbox[-1].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.get(link).status_code == 302
    owner.refresh_from_db()
    assert owner.email == "olive@new.example"
    assert owner.email_verified is True
    assert mailoutbox[-1].to == ["olive@example.com"]
    assert "olive@new.example" in mailoutbox[-1].body

    # A second use does nothing: the link named the old address.
    assert owner_client.get(link).status_code == 400


def test_email_change_errors_name_their_field(owner_client, outsider):
    html = owner_client.post("/account/email/", {"new_email": outsider.email, "password": PASSWORD}).content.decode()
    assert "An account with this email address already exists." in html
    html = owner_client.post("/account/email/", {"new_email": "x@new.example", "password": "nope"}).content.decode()
    assert "Your password is not correct." in html


def test_changing_the_password_keeps_this_session_and_ends_every_other_one(owner_client, owner):
    other_browser = Client()
    other_browser.force_login(owner)
    refresh = issue_token_pair(owner)["refresh"]

    response = owner_client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "a-fresh-secret-2026", "new_password2": "a-fresh-secret-2026"},
    )
    assert response.status_code == 302
    assert owner_client.get("/account/").status_code == 200
    assert other_browser.get("/account/").status_code == 302
    assert Client().post("/api/v1/auth/token/refresh/", {"refresh": refresh}).status_code == 401
    owner.refresh_from_db()
    assert owner.check_password("a-fresh-secret-2026")


def test_a_wrong_current_password_changes_nothing(owner_client, owner):
    html = owner_client.post(
        "/account/password/",
        {"old_password": "wrong", "new_password1": "a-fresh-secret-2026", "new_password2": "a-fresh-secret-2026"},
    ).content.decode()
    assert "Your password is not correct." in html
    owner.refresh_from_db()
    assert owner.check_password(PASSWORD)


def test_log_out_everywhere_ends_every_session_and_refresh_token(owner_client, owner):
    other_browser = Client()
    other_browser.force_login(owner)
    issue_token_pair(owner)

    response = owner_client.post("/account/logout-everywhere/")
    assert response.status_code == 302
    assert owner_client.get("/account/").status_code == 302
    assert other_browser.get("/account/").status_code == 302
    assert all(hasattr(token, "blacklistedtoken") for token in OutstandingToken.objects.filter(user=owner))


def test_downloading_my_data(owner_client, owner):
    response = owner_client.get("/account/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="mapwright-data-')
    data = json.loads(response.content)
    assert data["account"]["email"] == owner.email
    assert data["account"]["full_name"] == "Olive Owner"


def test_deleting_the_account_explains_what_goes_and_needs_the_password(owner_client, owner):
    html = owner_client.get("/account/delete/").content.decode()
    assert "all of your projects" in html

    html = owner_client.post("/account/delete/", {"password": "wrong"}).content.decode()
    assert "Your password is not correct." in html
    assert User.objects.filter(pk=owner.pk).exists()

    response = owner_client.post("/account/delete/", {"password": PASSWORD})
    assert response.status_code == 302
    assert not User.objects.filter(pk=owner.pk).exists()
    assert owner_client.get("/account/").status_code == 302
