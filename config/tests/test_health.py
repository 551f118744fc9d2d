import pytest
from django.urls import reverse


def test_health_answers_ok_without_touching_the_database(client):
    # Without the django_db mark any query raises: /health must not try one.
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_is_exempt_from_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health").status_code == 200
    assert client.get("/").status_code == 301
