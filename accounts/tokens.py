"""Signed, expiring links for email verification and email change.

They carry the address they confirm, so a link stops working once the
account's address has changed. Password reset links use Django's own
token generator.
"""

from django.conf import settings
from django.core import signing

EMAIL_VERIFICATION_SALT = "accounts.email-verification"
EMAIL_CHANGE_SALT = "accounts.email-change"


def email_verification_token(*, user_id: int, email: str) -> str:
    return signing.dumps({"user": user_id, "email": email.lower()}, salt=EMAIL_VERIFICATION_SALT, compress=True)


def email_change_token(*, user_id: int, old_email: str, new_email: str) -> str:
    payload = {"user": user_id, "old": old_email.lower(), "new": new_email}
    return signing.dumps(payload, salt=EMAIL_CHANGE_SALT, compress=True)


def read_signed_token(token: str, *, salt: str) -> dict | None:
    """The token's payload, or None when it is forged, malformed or older than the verification max age."""
    try:
        payload = signing.loads(token, salt=salt, max_age=settings.EMAIL_VERIFICATION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too.
        return None
    return payload if isinstance(payload, dict) else None
