"""A request with no client address (REMOTE_ADDR missing) is rate-limited in one shared bucket, not a 500."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_a_request_without_a_client_address_is_answered_and_counted(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "password-reset": "2/m"}
    client = Client(REMOTE_ADDR="")
    answers = [
        client.post("/api/v1/auth/password/reset/", {"email": "nobody@example.com"}, content_type="application/json")
        for _ in range(3)
    ]
    assert answers[0].status_code < 500 and answers[1].status_code < 500
    # The shared bucket still limits: the third request in the minute is refused.
    assert answers[2].status_code == 429
    assert "Retry-After" in answers[2].headers
