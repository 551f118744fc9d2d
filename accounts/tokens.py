"""Signed, expiring links for email verification and email change.

They carry the address they confirm, so a link stops working once the
account's address has changed. Password reset links use Django's own
token generator.
"""

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from .addresses import normalise_email

if TYPE_CHECKING:
    from .models import User

EMAIL_VERIFICATION_SALT = "accounts.email-verification"
EMAIL_CHANGE_SALT = "accounts.email-change"


def email_verification_token(*, user_id: int, email: str) -> str:
    payload = {"user": user_id, "email": normalise_email(email)}
    return signing.dumps(payload, salt=EMAIL_VERIFICATION_SALT, compress=True)


def email_change_token(*, user_id: int, old_email: str, new_email: str) -> str:
    payload = {"user": user_id, "old": normalise_email(old_email), "new": normalise_email(new_email)}
    return signing.dumps(payload, salt=EMAIL_CHANGE_SALT, compress=True)


def password_reset_link(*, user: "User", site_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return site_url + reverse("accounts:password-reset-confirm", kwargs={"uidb64": uid, "token": token})


def read_signed_token(token: str, *, salt: str) -> dict[str, Any] | None:
    """The token's payload, or None when it is forged, malformed or older than the verification max age."""
    try:
        payload = signing.loads(token, salt=salt, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too.
        return None
    return payload if isinstance(payload, dict) else None
