"""The one normal form of an email address: what is stored, looked up and rate-limited.

PostgreSQL's `iexact` compares with Unicode case mapping (the long s U+017F and
the dotless i U+0131 match `s` and `i`), SQLite's only folds ASCII, and Python's `.lower()` does neither.
So nothing compares addresses "case-insensitively": every address is turned
into its normal form once, on the way in, and compared exactly.

The normal form is NFKC and case folding of the whole address: `sam@` spelt
with a long s, or `Kate@` with the Kelvin sign U+212A, become `sam@` and
`kate@`, the addresses their owners read. Case folding the local part is what every
mail provider does in practice, although RFC 5321 allows otherwise.

An address whose local part is still not ASCII after that (`admin@`
spelt with a dotless i) is refused for sign-up and email change. Django's validator means to
allow only ASCII local parts and lets these through only by a quirk of
case-insensitive regular expressions; Django's SMTP backend cannot send to them
without SMTPUTF8; and they exist mostly to look like somebody else's address.
Domains may be internationalised (`münchen.de`); Django's mail punycodes them.
"""

import unicodedata

from django.core.exceptions import ValidationError

# The longest address RFC 5321 allows: every form, model and serializer reads it here.
EMAIL_MAX = 254

NON_ASCII_LOCAL_PART = "Use an address whose part before the @ has only ASCII letters, digits and punctuation."


def normalise_email(value: str) -> str:
    """The normal form of `value`: NFKC, case folded, stripped; idempotent."""
    # Stripping last: NFKC can turn a character into a space (U+3000) at an end.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold()).strip()


def validate_storable_email(value: str) -> None:
    """Refuse a normalised address that cannot be stored: its local part is not ASCII."""
    local_part, _, _ = value.rpartition("@")
    if not local_part.isascii():
        raise ValidationError(NON_ASCII_LOCAL_PART, code="non_ascii_local_part")
