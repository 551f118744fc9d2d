"""One normal form of an email address for storage, lookup and rate limits (accounts/addresses.py).

On PostgreSQL `iexact` folds the long s and the dotless i into s and i, on
SQLite it folds only ASCII, and `.lower()` folds neither: before, other
spellings of an address logged into the account, each with a rate-limit
bucket of its own, or signed up a second account.
"""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model

from accounts.addresses import NON_ASCII_LOCAL_PART, normalise_email
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()

LONG_S = "\u017f"  # NFKC: s
DOTLESS_I = "\u0131"  # stays itself: PostgreSQL's upper() makes it I
KELVIN = "\u212a"  # NFKC: K

ADDRESS = "sid.smith@example.com"
LONG_S_SPELLING = f"{LONG_S}id.{LONG_S}mith@example.com"
SHOUTED_LONG_S_SPELLING = f"{LONG_S}ID.SMITH@Example.COM"
DOTLESS_SPELLING = f"s{DOTLESS_I}d.smith@example.com"
TAKEN = "An account with this email address already exists."


@pytest.fixture
def sid(db):
    return User.objects.create_user(email=ADDRESS, password=PASSWORD, full_name="Sid Smith")


@pytest.mark.parametrize(
    ("spelling", "normal"),
    [
        ("  Sid.Smith@EXAMPLE.com ", ADDRESS),
        (LONG_S_SPELLING, ADDRESS),
        (f"{KELVIN}ate@example.com", "kate@example.com"),
        (DOTLESS_SPELLING, DOTLESS_SPELLING),
        ("x@M\u00fcnchen.DE", "x@m\u00fcnchen.de"),
    ],
)
def test_the_normal_form_folds_compatibility_characters_and_case_and_is_idempotent(spelling, normal):
    assert normalise_email(spelling) == normal
    assert normalise_email(normal) == normal


# --- Login: pages, admin, API ----------------------------------------------------------------


def test_a_long_s_spelling_logs_into_the_account_it_spells(client, sid):
    response = client.post("/login/", {"username": LONG_S_SPELLING, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(sid.pk)


def test_a_dotless_i_spelling_is_another_address_and_logs_into_nothing(client, sid):
    response = client.post("/login/", {"username": DOTLESS_SPELLING, "password": PASSWORD})
    assert response.status_code == 200
    assert "The email address or the password is not correct." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_every_spelling_counts_against_one_login_bucket(client, sid, settings, frozen_ratelimit_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-email": "3/m"}
    for number, spelling in enumerate([ADDRESS, LONG_S_SPELLING, SHOUTED_LONG_S_SPELLING]):
        client.post("/login/", {"username": spelling, "password": "wrong-password"}, REMOTE_ADDR=f"10.0.1.{number}")

    spelling = f"{LONG_S}id.{LONG_S}MITH@example.com"
    response = client.post("/login/", {"username": spelling, "password": PASSWORD}, REMOTE_ADDR="10.0.1.9")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_api_issues_tokens_for_the_long_s_spelling_but_not_the_dotless_one(api_client, sid):
    found = api_client.post("/api/v1/auth/token/", {"email": LONG_S_SPELLING, "password": PASSWORD}, format="json")
    assert found.status_code == 200
    assert set(found.json()) == {"access", "refresh"}

    other = api_client.post("/api/v1/auth/token/", {"email": DOTLESS_SPELLING, "password": PASSWORD}, format="json")
    assert other.status_code == 401


def test_every_spelling_counts_against_one_api_login_bucket(api_client, sid, settings, frozen_ratelimit_clock):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "login-email": "3/m"}
    for number, spelling in enumerate([ADDRESS, LONG_S_SPELLING, SHOUTED_LONG_S_SPELLING]):
        payload = {"email": spelling, "password": "wrong-password"}
        api_client.post("/api/v1/auth/token/", payload, format="json", REMOTE_ADDR=f"10.0.2.{number}")

    payload = {"email": f"{LONG_S}id.{LONG_S}MITH@example.com", "password": PASSWORD}
    response = api_client.post("/api/v1/auth/token/", payload, format="json", REMOTE_ADDR="10.0.2.9")
    assert response.status_code == 429


def test_the_admin_login_takes_the_long_s_spelling(client):
    staff = User.objects.create_superuser(email="sam@example.com", password=PASSWORD)
    response = client.post("/admin/login/", {"username": f"{LONG_S}am@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff.pk)


# --- Sign-up, email change, admin: a spelling of a taken address is taken -------------------------


def test_signing_up_with_a_spelling_of_a_taken_address_says_it_is_taken(client, sid, mailoutbox):
    form = {"email": LONG_S_SPELLING, "password1": "an-unusual-pass-42", "password2": "an-unusual-pass-42"}
    response = client.post("/signup/", form)
    assert response.status_code == 200
    assert TAKEN in response.content.decode()
    assert User.objects.count() == 1
    assert mailoutbox == []


def test_the_api_refuses_a_spelling_of_a_taken_address(api_client, sid):
    payload = {"email": SHOUTED_LONG_S_SPELLING, "password": "an-unusual-pass-42"}
    response = api_client.post("/api/v1/auth/register/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["email"] == [TAKEN]
    assert User.objects.count() == 1


def test_an_address_whose_local_part_is_not_ascii_is_refused_with_a_reason(api_client, client, sid):
    payload = {"email": DOTLESS_SPELLING, "password": "an-unusual-pass-42"}
    response = api_client.post("/api/v1/auth/register/", payload, format="json")
    assert response.status_code == 400
    assert response.json()["email"] == [NON_ASCII_LOCAL_PART]

    form = {"email": DOTLESS_SPELLING, "password1": "an-unusual-pass-42", "password2": "an-unusual-pass-42"}
    page = client.post("/signup/", form)
    assert page.status_code == 200
    assert "only ASCII letters, digits and punctuation" in page.content.decode()
    assert list(User.objects.values_list("email", flat=True)) == [ADDRESS]


def test_a_long_s_address_signs_up_in_its_normal_form(api_client, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/auth/register/", {"email": LONG_S_SPELLING, "password": "an-unusual-pass-42"}, format="json"
        )
    assert response.status_code == 201
    assert response.json()["email"] == ADDRESS
    assert [message.to for message in mailoutbox] == [[ADDRESS]]


def test_changing_to_a_spelling_of_someone_elses_address_says_it_is_taken(owner_client, owner, sid, mailoutbox):
    response = owner_client.post("/account/email/", {"new_email": LONG_S_SPELLING, "password": PASSWORD})
    assert response.status_code == 200
    assert TAKEN in response.content.decode()
    assert mailoutbox == []


def test_the_admin_refuses_to_add_a_spelling_of_a_taken_address(admin_client, sid):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": LONG_S_SPELLING,
            "full_name": "",
            "usable_password": "true",
            "password1": "a-strong-password-42",
            "password2": "a-strong-password-42",
        },
    )
    assert response.status_code == 200
    assert TAKEN in response.content.decode()
    assert not User.objects.exclude(pk=sid.pk).filter(email__startswith=LONG_S).exists()
    assert User.objects.filter(email=ADDRESS).count() == 1


# --- Password reset --------------------------------------------------------------------------


def test_a_reset_for_the_long_s_spelling_goes_to_the_account_address(
    client, sid, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/password-reset/", {"email": LONG_S_SPELLING}).status_code == 302
    assert [message.to for message in mailoutbox] == [[ADDRESS]]


def test_a_reset_for_the_dotless_i_spelling_sends_nothing(client, sid, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/password-reset/", {"email": DOTLESS_SPELLING}).status_code == 302
    assert mailoutbox == []


# --- Existing rows are moved to the normal form --------------------------------------------------


def test_the_migration_normalises_stored_addresses_and_leaves_a_clash_for_an_admin(sid, caplog):
    migration = importlib.import_module("accounts.migrations.0003_normalise_emails")
    legacy = User.objects.create_user(email="legacy@example.com", password=PASSWORD)
    clash = User.objects.create_user(email="clash@example.com", password=PASSWORD)
    # As an older version stored them: the local part's case kept, no Unicode folding.
    User.objects.filter(pk=legacy.pk).update(email="Legacy.User@example.com")
    User.objects.filter(pk=clash.pk).update(email=LONG_S_SPELLING)

    migration.normalise_emails(apps, None)

    emails = dict(User.objects.values_list("pk", "email"))
    assert emails[legacy.pk] == "legacy.user@example.com"
    assert emails[sid.pk] == ADDRESS
    assert emails[clash.pk] == LONG_S_SPELLING  # the normal form belongs to sid
    assert f"Account {clash.pk} keeps address" in caplog.text

    # The moved account logs in with any spelling of its address.
    assert User.objects.get_by_natural_key("LEGACY.USER@EXAMPLE.COM").pk == legacy.pk
