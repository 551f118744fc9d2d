"""Store every address in its normal form (accounts/addresses.py), which lookups now compare exactly.

The normal form is copied here rather than imported, so that this migration
keeps doing what it did when it was written.

Two accounts whose addresses share a normal form (possible on SQLite, whose
case-insensitive checks fold only ASCII, and on PostgreSQL for a long s) cannot
both hold it: an account already holding it keeps it, else the older account
(lower id) gets it. The other keeps its stored address, which no login reaches
any more, and is named in a warning for an admin to merge or delete.
"""

import logging
import unicodedata

from django.db import migrations

logger = logging.getLogger("mapwright.accounts")


def _normalise(value: str) -> str:
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold()).strip()


def normalise_emails(apps, schema_editor) -> None:
    User = apps.get_model("accounts", "User")
    users = list(User.objects.order_by("pk").only("pk", "email"))
    # Compared as the unique constraint on Lower("email") compares them, so no update trips it.
    taken = {user.email.lower() for user in users}
    for user in users:
        normal = _normalise(user.email)
        if normal == user.email:
            continue
        if normal.lower() in taken and normal.lower() != user.email.lower():
            logger.warning(
                "Account %s keeps address %r: another account already has its normal form %r.",
                user.pk,
                user.email,
                normal,
            )
            continue
        taken.discard(user.email.lower())
        taken.add(normal.lower())
        User.objects.filter(pk=user.pk).update(email=normal)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_emailfailure")]

    operations = [migrations.RunPython(normalise_emails, migrations.RunPython.noop)]
