"""The accounts JSON API under /api/v1/auth/. Thin: parse, rate-limit, call a service, answer."""

from typing import Any

from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from accounts import services
from accounts.addresses import normalise_email
from accounts.models import User
from config.links import site_url
from config.ratelimit import enforce_rate_limit, value_key
from config.types import AuthenticatedRequest

from .serializers import (
    AccountDeleteSerializer,
    DetailSerializer,
    EmailChangeSerializer,
    MeSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    ProfileUpdateSerializer,
    RefreshTokenSerializer,
    RegisterSerializer,
    TokenObtainSerializer,
    TokenPairSerializer,
    TokenSerializer,
    UserSerializer,
)


def issue_token_pair(user: User) -> dict[str, str]:
    refresh = TokenObtainSerializer.get_token(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


class PublicAPIView(APIView):
    """For endpoints used before logging in: no session, so no CSRF check, and no login required."""

    authentication_classes: list[type[BaseAuthentication]] = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request: Request) -> str:
        # Without one, DRF turns a 401 (an invalid token) into a 403.
        return 'Bearer realm="api"'


class RegisterView(PublicAPIView):
    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        enforce_rate_limit(request, limit="register")
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_register(**serializer.validated_data, site_url=site_url(request))
        return Response(UserSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenObtainView(TokenObtainPairView):
    """Email and password for an access and a refresh token."""

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        enforce_rate_limit(request, limit="login-ip")
        email = request.data.get("email") if hasattr(request.data, "get") else None
        # Keyed by the normal form, so that no spelling of an address gets a bucket of its own.
        if isinstance(email, str) and (email := normalise_email(email)):
            enforce_rate_limit(request, limit="login-email", key=value_key(email))
        return super().post(request, *args, **kwargs)


class TokenRefreshRotateView(TokenRefreshView):
    """A refresh token for a new access token and a new refresh token; the old refresh token stops working."""


class LogoutView(PublicAPIView):
    @extend_schema(request=RefreshTokenSerializer, responses={205: None})
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            RefreshToken(serializer.validated_data["refresh"]).blacklist()
        except TokenError as error:
            raise InvalidToken(error.args[0]) from error
        return Response(status=status.HTTP_205_RESET_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request: AuthenticatedRequest) -> Response:
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=ProfileUpdateSerializer, responses=MeSerializer)
    def patch(self, request: AuthenticatedRequest) -> Response:
        serializer = ProfileUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = request.user
        if "full_name" in serializer.validated_data:
            user = services.user_update_profile(user=user, full_name=serializer.validated_data["full_name"])
        if "board_density" in serializer.validated_data:
            # One column: a density change from the board never races a profile edit elsewhere.
            user.board_density = serializer.validated_data["board_density"]
            user.save(update_fields=["board_density"])
        return Response(MeSerializer(user).data)

    # OpenAPI 3.0 gives DELETE no request body, so the schema cannot show the
    # password it needs; it says so, and documents the 400 that a missing one gets.
    @extend_schema(
        request=AccountDeleteSerializer,
        description="Deletes the account and everything in it. Send the password as the body: "
        '{"password": "…"}, and for each project you own that others work on, what becomes of it: '
        '{"password": "…", "projects": {"12": "delete", "15": 31}} (31: an editor\'s membership id).',
        responses={
            204: None,
            400: OpenApiResponse(
                description='The password is missing or wrong: {"password": ["…"]}; or a shared project has no '
                'decision: {"project_12": ["…"]}.'
            ),
        },
    )
    def delete(self, request: AuthenticatedRequest) -> Response:
        serializer = AccountDeleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_delete(
            user=request.user,
            password=serializer.validated_data["password"],
            hand_over=serializer.validated_data.get("projects"),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PasswordChangeSerializer, responses=TokenPairSerializer)
    def post(self, request: AuthenticatedRequest) -> Response:
        """Change the password. Every session and refresh token ends; the answer carries a new pair for this client."""
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_change_password(user=request.user, **serializer.validated_data)
        if request.auth is None:  # a browser session: keep it
            update_session_auth_hash(request._request, user)
        return Response(issue_token_pair(user))


class PasswordResetView(PublicAPIView):
    @extend_schema(request=PasswordResetSerializer, responses={202: DetailSerializer})
    def post(self, request: Request) -> Response:
        enforce_rate_limit(request, limit="password-reset")
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_request_password_reset(email=serializer.validated_data["email"], site_url=site_url(request))
        detail = "If an account uses this address, a link to reset its password is on its way."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicAPIView):
    @extend_schema(request=PasswordResetConfirmSerializer, responses=DetailSerializer)
    def post(self, request: Request) -> Response:
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_reset_password(**serializer.validated_data)
        return Response({"detail": "Your password has been set. You can log in with it now."})


class EmailVerifyView(PublicAPIView):
    @extend_schema(request=TokenSerializer, responses=UserSerializer)
    def post(self, request: Request) -> Response:
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_verify_email(token=serializer.validated_data["token"])
        return Response(UserSerializer(user).data)


class EmailResendView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={202: DetailSerializer, 200: DetailSerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        if request.user.email_verified:
            return Response({"detail": "Your email address is already verified."})
        enforce_rate_limit(request, limit="email-resend")
        services.user_send_verification_email(user=request.user, site_url=site_url(request))
        return Response({"detail": f"A new link is on its way to {request.user.email}."}, status=202)


class EmailChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=EmailChangeSerializer, responses={202: DetailSerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        enforce_rate_limit(request, limit="email-resend")
        serializer = EmailChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_request_email_change(user=request.user, **serializer.validated_data, site_url=site_url(request))
        new_email = serializer.validated_data["new_email"]
        detail = f"Follow the link sent to {new_email} to make it your address. Until then nothing changes."
        return Response({"detail": detail}, status=status.HTTP_202_ACCEPTED)


class EmailChangeConfirmView(PublicAPIView):
    @extend_schema(request=TokenSerializer, responses=UserSerializer)
    def post(self, request: Request) -> Response:
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_confirm_email_change(token=serializer.validated_data["token"])
        return Response(UserSerializer(user).data)
