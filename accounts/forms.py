from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.core.exceptions import ValidationError

from . import services
from .addresses import EMAIL_MAX
from .models import User

if TYPE_CHECKING:  # accounts sits below the apps that hold projects
    from projects.models import Membership, Project


def add_service_errors(form: forms.BaseForm, error: ValidationError, field_names: dict[str, str] | None = None) -> None:
    """Attach a service's field-keyed errors to the form, renaming fields where the form calls them otherwise."""
    field_names = field_names or {}
    for field, messages in error.message_dict.items():
        name = field_names.get(field, field)
        form.add_error(name if name in form.fields else None, messages)


def password_input(autocomplete: str) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"autocomplete": autocomplete})


class SignUpForm(forms.Form):
    email = forms.EmailField(
        label="Email", max_length=EMAIL_MAX, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    full_name = forms.CharField(
        label="Full name", max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=password_input("new-password"),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(label="Password again", strip=False, widget=password_input("new-password"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns; its stub allows None
        if cleaned.get("password1") and cleaned.get("password2") and cleaned["password1"] != cleaned["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label="Email", max_length=EMAIL_MAX, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    error_messages = {
        # One message whether the email is unknown, the password wrong or the account inactive.
        "invalid_login": "The email address or the password is not correct.",
        "inactive": "The email address or the password is not correct.",
    }


class ProfileForm(forms.Form):
    full_name = forms.CharField(
        label="Full name", max_length=150, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label="New email address", max_length=EMAIL_MAX, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    password = forms.CharField(
        label="Your password", strip=False, widget=password_input("current-password"), help_text="To confirm it is you."
    )


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="Current password", strip=False, widget=password_input("current-password"))
    new_password1 = forms.CharField(
        label="New password",
        strip=False,
        widget=password_input("new-password"),
        help_text=password_validation.password_validators_help_text_html(),
    )
    new_password2 = forms.CharField(label="New password again", strip=False, widget=password_input("new-password"))

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns; its stub allows None
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "The two passwords differ.")
        return cleaned


class PasswordResetRequestForm(forms.Form):
    email = forms.EmailField(
        label="Email", max_length=EMAIL_MAX, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )


class NewPasswordForm(SetPasswordForm[User]):
    """Django's set-password form for reset links, saving through the service that also ends other sessions."""

    def save(self, commit: bool = True) -> User:
        return services.user_set_password(user=self.user, new_password=self.cleaned_data["new_password1"])


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label="Your password", strip=False, widget=password_input("current-password"))

    def __init__(
        self, *args: Any, shared: Sequence[tuple["Project", Sequence["Membership"]]] = (), **kwargs: Any
    ) -> None:
        """One choice for each project the person owns that others work on (projects_to_hand_over)."""
        super().__init__(*args, **kwargs)
        self.shared = shared
        for project, editors in shared:
            choices = [(str(member.pk), f"Hand it to {member.user.get_full_name()} (editor)") for member in editors]
            choices.append((services.DELETE_PROJECT, "Delete it, with its whole map, for everyone on it"))
            self.fields[services.hand_over_field(project.pk)] = forms.ChoiceField(
                label=f"“{project.name}”: others work on it", choices=choices, widget=forms.RadioSelect
            )
        # The password last, under the choices it confirms.
        self.order_fields([name for name in self.fields if name != "password"] + ["password"])

    def hand_over(self) -> dict[int, int | str]:
        """The choices, as user_delete takes them."""
        chosen: dict[int, int | str] = {}
        for project, _editors in self.shared:
            choice = services.hand_over_choice(self.cleaned_data[services.hand_over_field(project.pk)])
            if choice is not None:  # always, once valid: the field offers only these
                chosen[project.pk] = choice
        return chosen
