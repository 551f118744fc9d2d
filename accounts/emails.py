"""Account emails: each is a subject, a text and an HTML template under templates/emails/."""

from functools import partial
from typing import Any, TypedDict

from django.db import transaction
from django.template.loader import render_to_string

# The module, not its tasks: accounts.tasks imports this module in turn.
from . import tasks


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
    message = render_email(template=template, to=to, context=context)
    transaction.on_commit(partial(tasks.deliver_email.enqueue, kind=template, to=[to], **message))
