"""Account emails: each is a subject, a text and an HTML template under templates/emails/."""

from functools import partial
from typing import Any, TypedDict

from django.db import transaction
from django.template.loader import render_to_string


class RenderedEmail(TypedDict):
    subject: str
    text: str
    html: str


def render_email(*, template: str, to: str, context: dict[str, Any]) -> RenderedEmail:
    """`emails/<template>_subject.txt`, `.txt` and `.html` rendered: the subject, text and html of a message."""
    context = {"product_name": "Mapwright", "recipient": to, **context}
    return {
        "subject": " ".join(render_to_string(f"emails/{template}_subject.txt", context).split()),
        "text": render_to_string(f"emails/{template}.txt", context),
        "html": render_to_string(f"emails/{template}.html", context),
    }


def send_templated_email(*, template: str, to: str, context: dict[str, Any]) -> None:
    """Render the email now; a task sends it (and retries it) once the transaction commits."""
    # Imported here: accounts.tasks imports this module, and so, through accounts.services, does
    # every app that sends an email; a module-level import would make whichever comes first fail.
    from . import tasks

    message = render_email(template=template, to=to, context=context)
    transaction.on_commit(partial(tasks.deliver_email.enqueue, kind=template, to=[to], **message))
