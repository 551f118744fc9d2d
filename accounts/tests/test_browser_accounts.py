"""A new user's whole account life in a real Chromium."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

User = get_user_model()
EMAIL = "grace@example.com"
FIRST_PASSWORD = "compiler-pioneer-1952"
SECOND_PASSWORD = "nanosecond-wire-1985"
THIRD_PASSWORD = "cobol-committee-1959"


def emailed_link(live_server, pattern: str) -> str:
    match = re.search(re.escape(live_server.url) + pattern, mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return str(match.group(0))


def log_in(page, live_server, password: str) -> None:
    page.goto(live_server.url + "/login/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Log in").is_visible()


def test_sign_up_verify_log_in_change_and_reset_password_then_delete(live_server, page, settings, save_screenshot):
    settings.SITE_URL = live_server.url

    # Sign up.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Full name").fill("Grace Hopper")
    page.get_by_label("Password", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("Password again").fill(FIRST_PASSWORD)
    save_screenshot(page, "signup")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_load_state()
    assert page.get_by_text("Welcome to Mapwright!").is_visible()
    assert page.get_by_text("Please confirm your email address").is_visible()
    save_screenshot(page, "signed-up")

    # Follow the verification link from the email.
    page.goto(emailed_link(live_server, r"/account/verify/[^/\s]+/"))
    assert page.get_by_text("your email address is confirmed").is_visible()
    assert not page.get_by_text("Please confirm your email address").is_visible()
    assert User.objects.get(email=EMAIL).email_verified

    # Log out, log in.
    log_out(page)
    log_in(page, live_server, FIRST_PASSWORD)
    assert page.get_by_role("link", name="Grace").is_visible()

    # Change the password on the account page.
    page.get_by_role("link", name="Grace").click()
    save_screenshot(page, "account-settings")
    page.get_by_label("Current password").fill(FIRST_PASSWORD)
    page.get_by_label("New password", exact=True).fill(SECOND_PASSWORD)
    page.get_by_label("New password again").fill(SECOND_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your password is changed.").is_visible()
    assert page.get_by_role("heading", name="Your account").is_visible()  # still logged in

    # Forget it: reset through the emailed link.
    log_out(page)
    page.get_by_role("link", name="Log in").click()
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_role("heading", name="Check your email").is_visible()
    page.goto(emailed_link(live_server, r"/reset/[^/\s]+/[^/\s]+/"))
    page.get_by_label("New password", exact=True).fill(THIRD_PASSWORD)
    page.get_by_label("New password confirmation").fill(THIRD_PASSWORD)
    save_screenshot(page, "set-new-password")
    page.get_by_role("button", name="Set my password").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your new password is set.").is_visible()

    log_in(page, live_server, SECOND_PASSWORD)
    assert page.get_by_text("The email address or the password is not correct.").is_visible()
    save_screenshot(page, "login-error")
    log_in(page, live_server, THIRD_PASSWORD)
    assert page.get_by_role("link", name="Grace").is_visible()

    # Delete the account.
    page.get_by_role("link", name="Grace").click()
    page.get_by_role("link", name="Delete my account…").click()
    save_screenshot(page, "delete-account")
    page.get_by_label("Your password").fill(THIRD_PASSWORD)
    page.get_by_role("button", name="Delete my account and projects").click()
    page.wait_for_load_state()
    assert page.get_by_text("Your account and everything in it are deleted.").is_visible()
    assert not User.objects.filter(email=EMAIL).exists()
    assert page.console_errors == []
