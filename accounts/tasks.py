"""Account email tasks: send, and when the mail server fails, record it and retry with backoff.

A failed attempt is retried after 1, 5 and 25 minutes (4 attempts in all) by
re-enqueueing the task with `run_after`, which the database backend honours.
The immediate backend cannot defer: re-enqueueing there would run every
attempt at once inside the request, each waiting out the SMTP timeout, with no
backoff. So there the first failure is recorded as given up, saying why; the
admin's list of email failures shows it either way.
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.tasks import Task, task
from django.utils import timezone

from config.scrub import scrub_text

# Modules, not names: accounts.emails and accounts.services import this module in turn.
from . import emails, selectors, services, tokens
from .models import EmailFailure, EmailKind, User

logger = logging.getLogger("mapwright.email")

MAX_ATTEMPTS = 4
FIRST_RETRY_DELAY = timedelta(minutes=1)
RETRY_BACKOFF = 5
# Refused or dropped connections, timeouts and DNS failures are OSErrors; the server's 4xx/5xx are SMTPExceptions.
SEND_ERRORS = (smtplib.SMTPException, OSError)
MAX_ERROR_LENGTH = 1000
NO_DEFER = "the task backend cannot run a task later (TASKS_BACKEND=database can), so it is not retried"

# Called with the time of the next attempt and the failure's id; enqueues that attempt.
Retry = Callable[[datetime, int], object]


def retry_delay(attempt: int) -> timedelta:
    """How long to wait after failed attempt `attempt` (1 for the first) before the next."""
    factor: int = RETRY_BACKOFF ** (attempt - 1)
    return FIRST_RETRY_DELAY * factor


def _error_text(error: BaseException) -> str:
    # Server replies can quote what they were sent; links, tokens and passwords are blanked.
    return scrub_text(f"{type(error).__name__}: {error}")[:MAX_ERROR_LENGTH]


def _message(*, to: list[str], subject: str, text: str, html: str) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    return message


def _send(
    *,
    task_: Task[..., Any],
    kind: str,
    to: list[str],
    subject: str,
    text: str,
    html: str,
    attempt: int,
    failure_id: int | None,
    retry: Retry,
) -> str:
    """Send once; on a mail server failure record it and enqueue the next attempt. Returns the outcome."""
    message = _message(to=to, subject=subject, text=text, html=html)
    try:
        message.send()
    except SEND_ERRORS as error:
        return _failed(task_=task_, kind=kind, to=to, attempt=attempt, failure_id=failure_id, error=error, retry=retry)
    if failure_id is not None:
        services.email_failure_mark_delivered(failure_id=failure_id, attempts=attempt)
        logger.info("Email %s to %s delivered on attempt %d.", kind, ", ".join(to), attempt)
    return "delivered"


def _failed(
    *,
    task_: Task[..., Any],
    kind: str,
    to: list[str],
    attempt: int,
    failure_id: int | None,
    error: BaseException,
    retry: Retry,
) -> str:
    error_text = _error_text(error)
    can_defer = task_.get_backend().supports_defer
    next_attempt_at = timezone.now() + retry_delay(attempt) if attempt < MAX_ATTEMPTS and can_defer else None
    failure = services.email_failure_record(
        failure_id=failure_id,
        to=", ".join(to),
        kind=kind,
        attempts=attempt,
        error=error_text if can_defer else f"{error_text} ({NO_DEFER})",
        next_attempt_at=next_attempt_at,
    )
    recipients = ", ".join(to)
    if next_attempt_at is None:
        reason = "attempts used up" if can_defer else NO_DEFER
        logger.error(
            "Email %s to %s failed on attempt %d of %d, given up (%s): %s",
            kind,
            recipients,
            attempt,
            MAX_ATTEMPTS,
            reason,
            error_text,
        )
        return EmailFailure.Status.GAVE_UP.value
    logger.warning(
        "Email %s to %s failed on attempt %d of %d, retrying at %s: %s",
        kind,
        recipients,
        attempt,
        MAX_ATTEMPTS,
        next_attempt_at.isoformat(),
        error_text,
    )
    retry(next_attempt_at, failure.pk)
    return EmailFailure.Status.RETRYING.value


@task
def deliver_email(
    *,
    subject: str,
    text: str,
    html: str,
    to: list[str],
    kind: str = "",
    attempt: int = 1,
    failure_id: int | None = None,
) -> str:
    """Send one rendered email; run by the task backend so that a slow SMTP server never holds a request."""

    def retry(run_after: datetime, next_failure_id: int) -> None:
        deliver_email.using(run_after=run_after).enqueue(
            subject=subject, text=text, html=html, to=to, kind=kind, attempt=attempt + 1, failure_id=next_failure_id
        )

    return _send(
        task_=deliver_email,
        kind=kind,
        to=to,
        subject=subject,
        text=text,
        html=html,
        attempt=attempt,
        failure_id=failure_id,
        retry=retry,
    )


@task
def send_password_reset(*, email: str, site_url: str, attempt: int = 1, failure_id: int | None = None) -> str:
    """Email a reset link if an active account with a password has this address.

    The request enqueues this for every address, known or not, so that its
    answer and its timing are the same either way. Each attempt makes a fresh
    link, so none waits in the task queue.
    """
    found = selectors.user_find_active_by_email(email=email)
    known = found is not None and found.has_usable_password()
    # The immediate backend runs this inside the request: for an unknown address the same
    # email is made (for a stand-in account) so that it costs what a known one does; only
    # the sending is left out.
    user = found if found is not None and known else User(email=email)
    link = tokens.password_reset_link(user=user, site_url=site_url)
    context = {"user": user, "link": link}
    message = emails.render_email(template=EmailKind.PASSWORD_RESET, to=user.email, context=context)
    if not known:
        _message(to=[user.email], **message).message()  # encoded as a mail backend would
        if failure_id is not None:
            services.email_failure_give_up(failure_id=failure_id, reason="the account is gone or has no password")
        return "no account"

    def retry(run_after: datetime, next_failure_id: int) -> None:
        send_password_reset.using(run_after=run_after).enqueue(
            email=email, site_url=site_url, attempt=attempt + 1, failure_id=next_failure_id
        )

    return _send(
        task_=send_password_reset,
        kind=EmailKind.PASSWORD_RESET,
        to=[user.email],
        **message,
        attempt=attempt,
        failure_id=failure_id,
        retry=retry,
    )
