"""Account emails: each is a subject, a text and an HTML template under templates/emails/."""

from functools import partial

from django.db import transaction
from django.template.loader import render_to_string

from .tasks import deliver_email


def send_templated_email(*, template: str, to: str, context: dict) -> None:
    """Render `emails/<template>_subject.txt`, `.txt` and `.html`; send once the transaction commits."""
    context = {"product_name": "Mapwright", "recipient": to, **context}
    subject = " ".join(render_to_string(f"emails/{template}_subject.txt", context).split())
    text = render_to_string(f"emails/{template}.txt", context)
    html = render_to_string(f"emails/{template}.html", context)
    transaction.on_commit(partial(deliver_email.enqueue, subject=subject, text=text, html=html, to=[to]))
