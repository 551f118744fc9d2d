from django.core.mail import EmailMultiAlternatives
from django.tasks import task


@task
def deliver_email(*, subject: str, text: str, html: str, to: list[str]) -> None:
    """Send one email; run by the task backend so that a slow SMTP server never holds a request."""
    message = EmailMultiAlternatives(subject=subject, body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()
