import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_email_is_the_login_and_the_password_is_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user(email="ada@example.com", password="correct horse battery", full_name="Ada Lovelace")
    assert User.USERNAME_FIELD == "email"
    assert user.password.startswith("argon2$")
    assert authenticate(username="ada@example.com", password="correct horse battery") == user
    assert authenticate(username="ada@example.com", password="wrong") is None


def test_login_matches_the_email_in_any_letter_case():
    user = User.objects.create_user(email="Ada@Example.COM", password="correct horse battery")
    assert user.email == "ada@example.com"  # stored in its normal form (accounts/addresses.py)
    assert authenticate(username="ADA@EXAMPLE.COM", password="correct horse battery") == user


def test_the_same_email_in_another_letter_case_is_refused():
    User.objects.create_user(email="ada@example.com", password="correct horse battery")
    with pytest.raises(ValidationError) as error:
        User.objects.create_user(email="ADA@example.com", password="another password 123")
    assert "An account with this email address already exists." in str(error.value)

    # The database holds the rule too, for writes that skip validation.
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="aDa@EXAMPLE.com").save()


def test_new_users_are_active_and_unverified():
    user = User.objects.create_user(email="grace@example.com", password="correct horse battery")
    assert user.is_active is True
    assert user.email_verified is False
    assert user.is_staff is False
    assert user.get_full_name() == "grace@example.com"


def test_inactive_users_cannot_log_in():
    User.objects.create_user(email="off@example.com", password="correct horse battery", is_active=False)
    assert authenticate(username="off@example.com", password="correct horse battery") is None


def test_superuser_is_staff_and_superuser():
    admin = User.objects.create_superuser(email="root@example.com", password="correct horse battery")
    assert admin.is_staff and admin.is_superuser


def test_an_email_is_required():
    with pytest.raises(ValueError, match="email address is required"):
        User.objects.create_user(email="", password="x")
