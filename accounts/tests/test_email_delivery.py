"""Password reset requests enqueue the same task for every address; failed emails are recorded and retried.

Failures are real: Django's SMTP backend against a closed port on 127.0.0.1
or against a small local SMTP server that answers 451 (accounts/tests/smtp_server.py).
The backoff is read from the re-enqueued task's run_after; nothing sleeps.
"""

import logging
import re
from datetime import timedelta

import pytest
from django.tasks import default_task_backend
from django.test import override_settings
from django.utils import timezone

from accounts import tasks
from accounts.models import EmailFailure, EmailKind
from conftest import PASSWORD, assert_admin_offers_no_add

from .smtp_server import closed_port, smtp_mailers, smtp_server

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}
RESET_PAGE = "/password-reset/"
RESET_API = "/api/v1/auth/password/reset/"
RESET_LINK = re.compile(r"/reset/[^/\s]+/[^/\s]+/")


@pytest.fixture
def dummy_tasks():
    """The DummyBackend: enqueued tasks are kept, not run, so a test can read and run them."""
    with override_settings(TASKS=DUMMY_TASKS):
        default_task_backend.clear()  # type: ignore[attr-defined]  # the DummyBackend's
        yield default_task_backend
        default_task_backend.clear()  # type: ignore[attr-defined]


def run(result):
    """Run an enqueued task as a worker would, with its JSON round-tripped arguments."""
    return result.task.call(*result.args, **result.kwargs)


# --- The reset request looks the same for a known and an unknown address ------------------------


def test_the_reset_page_enqueues_one_identical_task_for_a_known_and_an_unknown_address(
    client, owner, dummy_tasks, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(RESET_PAGE, {"email": owner.email})
    with django_capture_on_commit_callbacks(execute=True):
        unknown = client.post(RESET_PAGE, {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/password-reset/sent/"
    assert known.content == unknown.content
    enqueued = [(result.task.name, sorted(result.kwargs)) for result in dummy_tasks.results]
    assert enqueued == [("send_password_reset", ["email", "site_url"])] * 2
    assert [result.kwargs["email"] for result in dummy_tasks.results] == [owner.email, "nobody@example.com"]
    assert mailoutbox == []  # nothing was rendered or sent in the request

    # The task decides: the known address gets its link, the unknown one nothing.
    assert [run(result) for result in dummy_tasks.results] == ["delivered", "no account"]
    assert [message.to for message in mailoutbox] == [[owner.email]]
    assert RESET_LINK.search(mailoutbox[0].body)


def test_the_reset_api_enqueues_one_identical_task_for_a_known_and_an_unknown_address(
    api_client, owner, dummy_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = api_client.post(RESET_API, {"email": owner.email}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        unknown = api_client.post(RESET_API, {"email": "nobody@example.com"}, format="json")

    assert known.status_code == unknown.status_code == 202
    assert known.content == unknown.content
    assert [result.task.name for result in dummy_tasks.results] == ["send_password_reset"] * 2


def test_no_reset_email_for_an_inactive_account(client, outsider, dummy_tasks, django_capture_on_commit_callbacks):
    outsider.is_active = False
    outsider.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET_PAGE, {"email": outsider.email})
    assert [run(result) for result in dummy_tasks.results] == ["no account"]


# --- A failed email is recorded and retried with backoff ----------------------------------------


def test_a_refused_connection_is_retried_after_1_5_and_25_minutes_then_given_up(
    client, owner, dummy_tasks, django_capture_on_commit_callbacks, caplog
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(RESET_PAGE, {"email": owner.email})
    delays = []
    with override_settings(MAILERS=smtp_mailers(closed_port())), caplog.at_level(logging.WARNING, "mapwright.email"):
        for attempt in range(1, tasks.MAX_ATTEMPTS + 1):
            result = dummy_tasks.results[-1]
            assert result.kwargs.get("attempt", 1) == attempt
            before = timezone.now()
            outcome = run(result)
            after = timezone.now()
            failure = EmailFailure.objects.get()
            assert failure.attempts == attempt
            if attempt < tasks.MAX_ATTEMPTS:
                assert outcome == "retrying"
                retry = dummy_tasks.results[-1]
                assert retry is not result and retry.kwargs["failure_id"] == failure.pk
                assert before <= retry.task.run_after - tasks.retry_delay(attempt) <= after
                assert failure.next_attempt_at == retry.task.run_after
                delays.append(tasks.retry_delay(attempt))
            else:
                assert outcome == "gave_up"
                assert dummy_tasks.results[-1] is result  # nothing more enqueued

    assert delays == [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=25)]
    failure = EmailFailure.objects.get()
    assert (failure.to, failure.kind, failure.status) == (owner.email, EmailKind.PASSWORD_RESET, "gave_up")
    assert failure.next_attempt_at is None
    assert "ConnectionRefusedError" in failure.last_error
    # Neither the record nor the log carries the link or its token.
    assert "/reset/" not in failure.last_error
    assert len(caplog.records) == tasks.MAX_ATTEMPTS
    assert [record.levelname for record in caplog.records] == ["WARNING"] * 3 + ["ERROR"]
    assert all(owner.email in record.getMessage() for record in caplog.records)
    assert not RESET_LINK.search(caplog.text)


def test_a_451_from_the_mail_server_is_recorded_and_the_retry_delivers(
    owner_client, owner, dummy_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post("/account/verify/resend/")
    assert response.status_code == 302
    [first] = dummy_tasks.results
    server_context = smtp_server(refuse_with="451 4.3.0 Mailbox busy, try again later")
    with server_context as server, override_settings(MAILERS=smtp_mailers(server.port)):
        assert run(first) == "retrying"
        failure = EmailFailure.objects.get()
        assert (failure.kind, failure.status, failure.attempts) == (EmailKind.VERIFY_EMAIL, "retrying", 1)
        assert "451" in failure.last_error and "Mailbox busy" in failure.last_error
        assert server.received == []

        server.refuse_with = None  # the server is back
        assert run(dummy_tasks.results[-1]) == "delivered"

    assert len(server.received) == 1
    assert "/account/verify/" in server.received[0]
    failure.refresh_from_db()
    assert failure.status == "delivered"
    assert failure.next_attempt_at is None


def test_with_the_immediate_backend_a_failure_is_recorded_as_given_up_and_the_page_still_answers(
    client, django_capture_on_commit_callbacks, caplog
):
    form = {"email": "new@example.com", "full_name": "", "password1": PASSWORD, "password2": PASSWORD}
    with (
        override_settings(MAILERS=smtp_mailers(closed_port())),
        caplog.at_level(logging.WARNING, "mapwright.email"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/signup/", form)

    assert response.status_code == 302  # signed up and logged in; only the email failed
    failure = EmailFailure.objects.get()
    assert (failure.to, failure.kind, failure.status, failure.attempts) == (
        "new@example.com",
        EmailKind.VERIFY_EMAIL,
        "gave_up",
        1,
    )
    assert "cannot run a task later" in failure.last_error
    assert [record.levelname for record in caplog.records] == ["ERROR"]
    assert "/account/verify/" not in caplog.text


def test_email_failures_are_listed_in_the_admin_without_an_add_button(admin_client):
    EmailFailure.objects.create(
        to="olive@example.com", kind=EmailKind.PASSWORD_RESET, status="gave_up", last_error="SMTPConnectError: (421)"
    )
    listing = admin_client.get("/admin/accounts/emailfailure/")
    assert listing.status_code == 200
    assert "olive@example.com" in listing.content.decode()
    assert_admin_offers_no_add(admin_client, "accounts/emailfailure")


DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_the_reset_and_schedules_the_retry_a_minute_later(client, owner):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DATABASE_TASKS, MAILERS=smtp_mailers(closed_port())):
        client.post(RESET_PAGE, {"email": owner.email})
        [queued] = DBTaskResult.objects.all()
        assert queued.task_path == "accounts.tasks.send_password_reset"
        before = timezone.now()
        # Runs what is due, then exits: the retry is not due for a minute.
        call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
        after = timezone.now()

    ran, retry = DBTaskResult.objects.order_by("enqueued_at")
    assert (ran.status, ran.return_value) == ("SUCCESSFUL", "retrying")
    assert retry.status == "READY"
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert before + timedelta(minutes=1) <= retry.run_after <= after + timedelta(minutes=1)
    # The queued retry carries the address, not a link: the next attempt makes a fresh one.
    assert not RESET_LINK.search(str(retry.args_kwargs))
    failure = EmailFailure.objects.get()
    assert (failure.status, failure.attempts, failure.next_attempt_at) == ("retrying", 1, retry.run_after)
