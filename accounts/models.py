from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import get_random_string, salted_hmac

from stories.limits import BoardDensity

from .addresses import EMAIL_MAX, normalise_email, validate_storable_email


def new_security_stamp() -> str:
    return get_random_string(32)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # Every address is stored in its one normal form (accounts/addresses.py).
        return normalise_email(email or "")

    def get_by_natural_key(self, username: str | None) -> "User":
        # Email is the login: any spelling with the same normal form finds the account,
        # compared exactly (iexact would fold differently on each database).
        return self.get(email=normalise_email(username or ""))

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields["is_staff"] = True
        extra_fields["is_superuser"] = True
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(
        "email address",
        max_length=EMAIL_MAX,
        unique=True,
        error_messages={"unique": "An account with this email address already exists."},
    )
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True, help_text="Unticked, the user can no longer log in or use the API.")
    is_staff = models.BooleanField(default=False, help_text="Can log in to this admin site.")
    email_verified = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    # Part of every session's auth hash and every JWT: replacing it ends all
    # sessions and tokens at once ("log out everywhere", password change).
    security_stamp = models.CharField(max_length=64, default=new_security_stamp, editable=False)
    # How much of a map the board shows at once, the same on every map and device.
    board_density = models.CharField(
        max_length=16, choices=BoardDensity.choices, default=BoardDensity.COMFORTABLE, db_default="comfortable"
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="accounts_user_email_ci_unique",
                violation_error_message="An account with this email address already exists.",
            )
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = type(self).objects.normalize_email(self.email)
        if self.email:
            try:
                validate_storable_email(self.email)
            except ValidationError as error:
                raise ValidationError({"email": error.messages}) from error

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "accounts.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.security_stamp}", secret=secret, algorithm="sha256"
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class EmailKind(models.TextChoices):
    """The emails accounts sends; each is a template set under templates/emails/."""

    VERIFY_EMAIL = "verify_email", "Email verification"
    CHANGE_EMAIL = "change_email", "Email change confirmation"
    EMAIL_CHANGED = "email_changed", "Email changed notice"
    PASSWORD_CHANGED = "password_changed", "Password changed notice"
    PASSWORD_RESET = "password_reset", "Password reset link"


class EmailFailure(models.Model):
    """An email the mail server did not take: one row per email, updated on each failed attempt.

    Holds no token, link or body: an admin sees whom it was for, what it was,
    how often it failed and why, and whether it is still being retried.
    """

    class Status(models.TextChoices):
        RETRYING = "retrying", "Failed, will be retried"
        GAVE_UP = "gave_up", "Failed, given up"
        DELIVERED = "delivered", "Delivered on a later attempt"

    to = models.CharField("recipient", max_length=EMAIL_MAX)
    kind = models.CharField(max_length=32, choices=EmailKind.choices, blank=True)
    attempts = models.PositiveSmallIntegerField(default=1, help_text="Failed attempts so far.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RETRYING)
    last_error = models.TextField(blank=True)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_failed_at", "-pk"]
        indexes = [models.Index(fields=["status", "-last_failed_at"], name="accounts_emailfail_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to}: {self.get_status_display()}"
