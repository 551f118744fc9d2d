"""Writes to accounts. Pages and the API both call these; errors are ValidationErrors keyed by field."""

from collections.abc import Mapping
from datetime import datetime
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

# The module, not its tasks: accounts.tasks imports this module in turn.
from . import tasks
from .addresses import EMAIL_MAX, normalise_email, validate_storable_email
from .emails import send_templated_email
from .models import EmailFailure, User, new_security_stamp
from .selectors import user_from_uidb64
from .tokens import (
    EMAIL_CHANGE_SALT,
    EMAIL_VERIFICATION_SALT,
    email_change_token,
    email_verification_token,
    read_signed_token,
)

INVALID_VERIFICATION_LINK = "This verification link is invalid or has expired."
INVALID_EMAIL_CHANGE_LINK = "This confirmation link is invalid or has expired."
INVALID_RESET_LINK = "This password reset link is invalid or has expired."
EMAIL_TAKEN = "An account with this email address already exists."
WRONG_PASSWORD = "Your password is not correct."  # noqa: S105  # nosec B105


def _password_errors(password: str, *, user: User) -> list[str]:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        return list(error.messages)
    return []


def _email_taken(email: str, *, excluding: User | None = None) -> bool:
    users = get_user_model().objects.filter(email=normalise_email(email))
    if excluding is not None:
        users = users.exclude(pk=excluding.pk)
    return users.exists()


@transaction.atomic
def user_register(*, email: str, full_name: str, password: str, site_url: str) -> User:
    user = User(email=normalise_email(email), full_name=full_name.strip())
    errors: dict[str, list[str]] = {}
    try:
        # Uniqueness of the normal form is checked below, so that its error names the field.
        user.full_clean(exclude=["password"], validate_constraints=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if "email" not in errors and _email_taken(user.email):
        errors["email"] = [EMAIL_TAKEN]
    if password_errors := _password_errors(password, user=user):
        errors["password"] = password_errors
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    user_send_verification_email(user=user, site_url=site_url)
    return user


def user_send_verification_email(*, user: User, site_url: str) -> None:
    token = email_verification_token(user_id=user.pk, email=user.email)
    link = site_url + reverse("accounts:verify-email", kwargs={"token": token})
    send_templated_email(template="verify_email", to=user.email, context={"user": user, "link": link})


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    payload = read_signed_token(token, salt=EMAIL_VERIFICATION_SALT)
    user = None
    if payload is not None:
        user = get_user_model().objects.select_for_update().filter(pk=payload.get("user", 0), is_active=True).first()
    if user is None or payload is None or normalise_email(user.email) != payload.get("email"):
        raise ValidationError({"token": INVALID_VERIFICATION_LINK})
    if not user.email_verified:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    from projects.services import invitation_accept_for  # accounts sits below the apps that hold maps

    invitation_accept_for(user=user)  # the address is proven: projects that invited it let them in
    return user


@transaction.atomic
def user_update_profile(*, user: User, full_name: str) -> User:
    user.full_name = full_name.strip()
    user.full_clean(exclude=["password", "email"])
    user.save(update_fields=["full_name"])
    return user


def user_request_email_change(*, user: User, new_email: str, password: str, site_url: str) -> None:
    new_email = normalise_email(new_email)
    errors: dict[str, str] = {}
    if not user.check_password(password):
        errors["password"] = WRONG_PASSWORD
    try:
        validate_email(new_email)
        validate_storable_email(new_email)
    except ValidationError as error:
        errors["new_email"] = error.messages[0]
    else:
        if new_email == normalise_email(user.email):
            errors["new_email"] = "That is already your email address."
        elif _email_taken(new_email):
            errors["new_email"] = EMAIL_TAKEN
    if errors:
        raise ValidationError(errors)
    token = email_change_token(user_id=user.pk, old_email=user.email, new_email=new_email)
    link = site_url + reverse("accounts:confirm-email-change", kwargs={"token": token})
    send_templated_email(template="change_email", to=new_email, context={"user": user, "link": link})


@transaction.atomic
def user_confirm_email_change(*, token: str) -> User:
    payload = read_signed_token(token, salt=EMAIL_CHANGE_SALT)
    user = None
    if payload is not None:
        user = get_user_model().objects.select_for_update().filter(pk=payload.get("user", 0), is_active=True).first()
    if user is None or payload is None or normalise_email(user.email) != payload.get("old"):
        raise ValidationError({"token": INVALID_EMAIL_CHANGE_LINK})
    new_email = normalise_email(payload["new"])
    if _email_taken(new_email, excluding=user):
        raise ValidationError({"token": EMAIL_TAKEN})
    old_email = user.email
    user.email = new_email
    # Following the link proved the new address works.
    user.email_verified = True
    user.save(update_fields=["email", "email_verified"])
    from projects.services import invitation_accept_for  # accounts sits below the apps that hold maps

    invitation_accept_for(user=user)  # the new address is proven: projects that invited it let them in
    send_templated_email(template="email_changed", to=old_email, context={"user": user, "new_email": new_email})
    return user


def user_revoke_refresh_tokens(*, user: User) -> int:
    """Blacklist every outstanding refresh token of `user`; returns how many were still live."""
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    created = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(created)


@transaction.atomic
def user_logout_everywhere(*, user: User) -> None:
    """End every session and token of `user`, this one included, unless the caller renews it."""
    user.security_stamp = new_security_stamp()
    user.save(update_fields=["security_stamp"])
    user_revoke_refresh_tokens(user=user)


@transaction.atomic
def user_set_password(*, user: User, new_password: str, field: str = "new_password") -> User:
    if errors := _password_errors(new_password, user=user):
        raise ValidationError({field: errors})
    user.set_password(new_password)
    user.security_stamp = new_security_stamp()
    user.save(update_fields=["password", "security_stamp"])
    user_revoke_refresh_tokens(user=user)
    send_templated_email(template="password_changed", to=user.email, context={"user": user})
    return user


@transaction.atomic
def user_change_password(*, user: User, old_password: str, new_password: str) -> User:
    """Set a new password; every session and refresh token of the user ends (the caller keeps its own)."""
    if not user.check_password(old_password):
        raise ValidationError({"old_password": WRONG_PASSWORD})
    return user_set_password(user=user, new_password=new_password)


def user_request_password_reset(*, email: str, site_url: str) -> None:
    """Enqueue the reset email for this address; the task finds out whether anyone has it.

    The request does the same for a known and an unknown address (not even a
    lookup), so neither its answer nor its timing tells them apart.
    """
    transaction.on_commit(partial(tasks.send_password_reset.enqueue, email=normalise_email(email), site_url=site_url))


@transaction.atomic
def user_reset_password(*, uid: str, token: str, new_password: str) -> User:
    user = user_from_uidb64(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise ValidationError({"token": INVALID_RESET_LINK})
    return user_set_password(user=user, new_password=new_password)


# What `user_delete` is told to do with a shared project: delete it, or hand it to this membership's editor.
DELETE_PROJECT = "delete"


def hand_over_choice(value: str) -> int | str | None:
    """One project's choice as user_delete takes it, from what a form or the API sent: DELETE_PROJECT or a
    membership id; None when it is neither."""
    if value == DELETE_PROJECT:
        return DELETE_PROJECT
    return int(value) if value.isdecimal() else None


def hand_over_field(project_id: int) -> str:
    """The name a deletion's choice for one shared project goes by: the form's field and the error's key."""
    return f"project_{project_id}"


@transaction.atomic
def user_delete(*, user: User, password: str, hand_over: Mapping[int, int | str] | None = None) -> None:
    """Delete the account and everything it owns, after checking its password.

    Each project the person owns that others work on needs a decision in `hand_over`,
    by project id: DELETE_PROJECT, or the id of an editor's membership to hand it to.
    Without one for each, nothing is deleted: the error names the project.
    """
    from projects.selectors import projects_to_hand_over  # accounts sits below the apps that hold maps
    from projects.services import project_owner_transfer
    from stories.models import Comment

    if not user.check_password(password):
        raise ValidationError({"password": WRONG_PASSWORD})
    hand_over = hand_over or {}
    errors: dict[str, str] = {}
    transfers = []
    for project, editors in projects_to_hand_over(user=user):
        choice = hand_over.get(project.pk)
        to = next((member for member in editors if member.pk == choice), None)
        if to is not None:
            transfers.append((project, to))
        elif choice != DELETE_PROJECT:
            errors[hand_over_field(project.pk)] = (
                f"“{project.name}” is shared: hand it to one of its editors or delete it."
                if editors
                else f"“{project.name}” is shared with viewers only: delete it, or make one of them an editor first."
            )
    if errors:
        raise ValidationError(errors)
    for project, to in transfers:
        project_owner_transfer(project=project, by=user, member=to)
    # Their words go with them, on others' maps too; the activity feed keeps "a former member" did what.
    Comment.objects.filter(author=user).delete()
    user_revoke_refresh_tokens(user=user)
    user.delete()


@transaction.atomic
def email_failure_record(
    *,
    failure_id: int | None,
    to: str,
    kind: str,
    attempts: int,
    error: str,
    next_attempt_at: datetime | None,
) -> EmailFailure:
    """Record a failed attempt: a new row for an email's first failure, the same row for its retries."""
    now = timezone.now()
    status = EmailFailure.Status.RETRYING if next_attempt_at is not None else EmailFailure.Status.GAVE_UP
    failure = EmailFailure.objects.select_for_update().filter(pk=failure_id).first() if failure_id else None
    if failure is None:
        max_length = EmailFailure._meta.get_field("to").max_length or EMAIL_MAX
        failure = EmailFailure(to=to[:max_length], kind=kind, first_failed_at=now)
    failure.attempts = attempts
    failure.status = status
    failure.last_error = error
    failure.last_failed_at = now
    failure.next_attempt_at = next_attempt_at
    failure.save()
    return failure


@transaction.atomic
def email_failure_mark_delivered(*, failure_id: int, attempts: int) -> None:
    EmailFailure.objects.filter(pk=failure_id).update(
        status=EmailFailure.Status.DELIVERED, attempts=attempts - 1, next_attempt_at=None
    )


@transaction.atomic
def email_failure_give_up(*, failure_id: int, reason: str) -> None:
    EmailFailure.objects.filter(pk=failure_id).update(
        status=EmailFailure.Status.GAVE_UP, last_error=reason, next_attempt_at=None
    )
