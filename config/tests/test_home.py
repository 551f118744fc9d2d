import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_page_has_the_accessible_layout(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    html = response.content.decode()
    for landmark in ("<header", '<nav id="site-nav" class="site-nav" aria-label="Main">', '<main id="main"', "<footer"):
        assert landmark in html
    assert 'href="#main"' in html  # skip link
    assert '<html lang="en">' in html
    assert "Describe your product" in html


def test_home_page_uses_only_its_own_static_files(client):
    html = client.get("/").content.decode()
    assert "/static/css/app.css" in html
    assert "/static/js/app.js" in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_https_requests_get_hsts(client):
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_unknown_page_answers_a_friendly_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_admin_is_served_at_admin(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "Mapwright administration" in response.content.decode()
