import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

User = get_user_model()


@pytest.fixture
def admin_client_for_email(client):
    admin = User.objects.create_superuser(email="root@example.com", password="correct horse battery")
    client.force_login(admin)
    return client


def test_admin_lists_users_searchable_by_email_and_name(admin_client_for_email):
    User.objects.create_user(email="ada@example.com", password="x-long-password-1", full_name="Ada Lovelace")
    User.objects.create_user(email="grace@example.com", password="x-long-password-2", full_name="Grace Hopper")

    html = admin_client_for_email.get("/admin/accounts/user/", {"q": "lovelace"}).content.decode()
    assert "ada@example.com" in html
    assert "grace@example.com" not in html

    html = admin_client_for_email.get("/admin/accounts/user/", {"q": "grace@"}).content.decode()
    assert "grace@example.com" in html
    assert "ada@example.com" not in html


def test_admin_filters_users_by_verified_and_active(admin_client_for_email):
    User.objects.create_user(email="verified@example.com", password="x-long-password-1", email_verified=True)
    User.objects.create_user(email="pending@example.com", password="x-long-password-2")

    html = admin_client_for_email.get("/admin/accounts/user/", {"email_verified__exact": "1"}).content.decode()
    assert "verified@example.com" in html
    assert "pending@example.com" not in html


def test_admin_change_page_never_shows_the_password_hash(admin_client_for_email):
    user = User.objects.create_user(email="ada@example.com", password="x-long-password-1")
    html = admin_client_for_email.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert user.password not in html
    assert "ada@example.com" in html


def test_admin_adds_a_user_by_email(admin_client_for_email):
    response = admin_client_for_email.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "full_name": "New Person",
            "usable_password": "true",
            "password1": "a-strong-password-42",
            "password2": "a-strong-password-42",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(email="new@example.com")
    assert user.check_password("a-strong-password-42")


def test_admin_add_refuses_an_email_taken_in_another_case(admin_client_for_email):
    User.objects.create_user(email="ada@example.com", password="x-long-password-1")
    response = admin_client_for_email.post(
        "/admin/accounts/user/add/",
        {
            "email": "ADA@example.com",
            "usable_password": "true",
            "password1": "a-strong-password-42",
            "password2": "a-strong-password-42",
        },
    )
    assert response.status_code == 200
    assert "An account with this email address already exists." in response.content.decode()
