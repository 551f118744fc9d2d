from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest

from .models import EmailFailure, User


class UserChangeFormForEmail(UserChangeForm[User]):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"


class UserCreationFormForEmail(AdminUserCreationForm[User]):
    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "full_name")


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    form = UserChangeFormForEmail
    add_form = UserCreationFormForEmail
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "email_verified", "is_staff", "date_joined")
    list_filter = ("is_active", "email_verified", "is_staff", "is_superuser")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "email_verified")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "password1", "password2")}),)


@admin.register(EmailFailure)
class EmailFailureAdmin(admin.ModelAdmin[EmailFailure]):
    """Emails the mail server did not take; written by the email tasks, read here."""

    list_display = ("last_failed_at", "kind", "to", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "kind")
    search_fields = ("to",)
    ordering = ("-last_failed_at",)
    readonly_fields = (
        "to",
        "kind",
        "status",
        "attempts",
        "last_error",
        "first_failed_at",
        "last_failed_at",
        "next_attempt_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: EmailFailure | None = None) -> bool:
        return False
