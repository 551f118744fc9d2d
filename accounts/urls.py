from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.SignUpView.as_view(), name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password-reset/", views.PasswordResetRequestView.as_view(), name="password-reset"),
    path("password-reset/sent/", views.PasswordResetSentView.as_view(), name="password-reset-sent"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("account/", views.AccountSettingsView.as_view(), name="settings"),
    path("account/profile/", views.ProfileUpdateView.as_view(), name="profile"),
    path("account/email/", views.EmailChangeView.as_view(), name="email-change"),
    path("account/email/confirm/<str:token>/", views.EmailChangeConfirmView.as_view(), name="confirm-email-change"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password-change"),
    path("account/logout-everywhere/", views.LogoutEverywhereView.as_view(), name="logout-everywhere"),
    path("account/export/", views.DataExportView.as_view(), name="export"),
    path("account/delete/", views.AccountDeleteView.as_view(), name="delete"),
    path("account/verify/resend/", views.VerificationResendView.as_view(), name="resend-verification"),
    path("account/verify/<str:token>/", views.EmailVerifyView.as_view(), name="verify-email"),
]
