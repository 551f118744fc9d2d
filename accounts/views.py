"""Account pages. Thin: validate the form, rate-limit, call a service, redirect with a message."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import FormView, TemplateView

from config.links import site_url
from config.ratelimit import enforce_rate_limit, value_key
from config.types import AuthenticatedHttpRequest

from . import forms, services
from .addresses import EMAIL_MAX, normalise_email
from .models import User
from .selectors import user_data_export, user_from_uidb64

SETTINGS_TEMPLATE = "accounts/settings.html"


class SignUpView(FormView[forms.SignUpForm]):
    template_name = "accounts/signup.html"
    form_class = forms.SignUpForm

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return redirect("accounts:settings")
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        enforce_rate_limit(request, limit="register")
        return super().post(request, *args, **kwargs)

    def get_initial(self) -> dict[str, Any]:
        # An invitation's link names the address it was sent to: the one whose confirmation lets them in.
        return {**super().get_initial(), "email": self.request.GET.get("email", "")[:EMAIL_MAX]}

    def form_valid(self, form: forms.SignUpForm) -> HttpResponse:
        try:
            user = services.user_register(
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data["password1"],
                site_url=site_url(self.request),
            )
        except ValidationError as error:
            forms.add_service_errors(form, error, {"password": "password1"})  # nosec B105
            return self.form_invalid(form)
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, f"Welcome to Mapwright! We sent a link to {user.email} to confirm the address.")
        return redirect("projects:list")


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = forms.LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        enforce_rate_limit(request, limit="login-ip")
        # Keyed by the normal form, so that no spelling of an address gets a bucket of its own.
        if email := normalise_email(request.POST.get("username", "")):
            enforce_rate_limit(request, limit="login-email", key=value_key(email))
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.info(request, "You are logged out.")
        return response


class PasswordResetRequestView(FormView[forms.PasswordResetRequestForm]):
    template_name = "accounts/password_reset.html"
    form_class = forms.PasswordResetRequestForm
    success_url = reverse_lazy("accounts:password-reset-sent")

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        enforce_rate_limit(request, limit="password-reset")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: forms.PasswordResetRequestForm) -> HttpResponse:
        services.user_request_password_reset(email=form.cleaned_data["email"], site_url=site_url(self.request))
        return super().form_valid(form)


class PasswordResetSentView(TemplateView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's view: it moves the token out of the address before showing the form."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = forms.NewPasswordForm
    success_url = reverse_lazy("accounts:login")

    def get_user(self, uidb64: str) -> User | None:
        return user_from_uidb64(uidb64)

    def form_valid(self, form: SetPasswordForm[User]) -> HttpResponse:  # a forms.NewPasswordForm
        response = super().form_valid(form)
        messages.success(self.request, "Your new password is set. Log in with it.")
        return response


class EmailVerifyView(View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            services.user_verify_email(token=token)
        except ValidationError:
            return render(request, "accounts/link_invalid.html", {"what": "verification"}, status=400)
        messages.success(request, "Thank you: your email address is confirmed.")
        # To their projects: a map they were invited to is now there, under "Shared with you".
        return redirect("projects:list" if request.user.is_authenticated else "accounts:login")


class VerificationResendView(LoginRequiredMixin, View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        if request.user.email_verified:
            messages.info(request, "Your email address is already confirmed.")
        else:
            enforce_rate_limit(request, limit="email-resend")
            services.user_send_verification_email(user=request.user, site_url=site_url(request))
            messages.success(request, f"A new confirmation link is on its way to {request.user.email}.")
        return redirect_back(request, default=reverse("accounts:settings"))


def redirect_back(request: HttpRequest, *, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return HttpResponseRedirect(target if target and safe else default)


def render_settings(request: AuthenticatedHttpRequest, **bound_forms: object) -> HttpResponse:
    """The settings page, with any form given bound (and showing its errors), the rest fresh."""
    user = request.user
    context = {
        "profile_form": forms.ProfileForm(initial={"full_name": user.full_name}),
        "email_form": forms.EmailChangeForm(),
        "password_form": forms.PasswordChangeForm(),
        **bound_forms,
    }
    return render(request, SETTINGS_TEMPLATE, context)


class AccountSettingsView(LoginRequiredMixin, View):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render_settings(request)


class ProfileUpdateView(LoginRequiredMixin, View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = forms.ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.user_update_profile(user=request.user, full_name=form.cleaned_data["full_name"])
            except ValidationError as error:
                forms.add_service_errors(form, error)
            else:
                messages.success(request, "Your name is saved.")
                return redirect("accounts:settings")
        return render_settings(request, profile_form=form)


class EmailChangeView(LoginRequiredMixin, View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        enforce_rate_limit(request, limit="email-resend")
        form = forms.EmailChangeForm(request.POST)
        if form.is_valid():
            try:
                services.user_request_email_change(user=request.user, **form.cleaned_data, site_url=site_url(request))
            except ValidationError as error:
                forms.add_service_errors(form, error)
            else:
                new_email = form.cleaned_data["new_email"]
                messages.success(
                    request,
                    f"Follow the link we sent to {new_email} to make it your address. Until then nothing changes.",
                )
                return redirect("accounts:settings")
        return render_settings(request, email_form=form)


class EmailChangeConfirmView(View):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        try:
            user = services.user_confirm_email_change(token=token)
        except ValidationError:
            return render(request, "accounts/link_invalid.html", {"what": "email change"}, status=400)
        messages.success(request, f"Your email address is now {user.email}.")
        return redirect("accounts:settings" if request.user.is_authenticated else "accounts:login")


class PasswordChangeView(LoginRequiredMixin, View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = forms.PasswordChangeForm(request.POST)
        if form.is_valid():
            try:
                user = services.user_change_password(
                    user=request.user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except ValidationError as error:
                forms.add_service_errors(form, error, {"new_password": "new_password1"})  # nosec B105
            else:
                update_session_auth_hash(request, user)
                messages.success(request, "Your password is changed. Every other session and app was logged out.")
                return redirect("accounts:settings")
        return render_settings(request, password_form=form)


class LogoutEverywhereView(LoginRequiredMixin, View):
    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        services.user_logout_everywhere(user=request.user)
        logout(request)
        messages.info(request, "You are logged out everywhere: on every device, browser and app.")
        return redirect("accounts:login")


class DataExportView(LoginRequiredMixin, View):
    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        data = user_data_export(user=request.user)
        filename = f"mapwright-data-{timezone.now():%Y-%m-%d}.json"
        response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class AccountDeleteView(LoginRequiredMixin, View):
    template_name = "accounts/delete.html"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": self._form(request)})

    @staticmethod
    def _form(request: AuthenticatedHttpRequest, data: QueryDict | None = None) -> forms.DeleteAccountForm:
        from projects.selectors import projects_to_hand_over  # accounts sits below the apps that hold maps

        return forms.DeleteAccountForm(data, shared=projects_to_hand_over(user=request.user))

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        form = self._form(request, request.POST)
        if form.is_valid():
            try:
                services.user_delete(
                    user=request.user, password=form.cleaned_data["password"], hand_over=form.hand_over()
                )
            except ValidationError as error:
                forms.add_service_errors(form, error)
            else:
                logout(request)
                messages.success(request, "Your account and everything in it are deleted.")
                return redirect("home")
        return render(request, self.template_name, {"form": form})
