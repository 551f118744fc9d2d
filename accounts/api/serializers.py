from typing import Any, cast

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenObtainPairSerializer
from rest_framework_simplejwt.serializers import TokenRefreshSerializer as SimpleJWTRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import RefreshToken

from accounts import services
from accounts.addresses import EMAIL_MAX
from accounts.models import User
from stories.limits import BoardDensity

from .authentication import SECURITY_STAMP_CLAIM

PASSWORD_STYLE = {"input_type": "password"}


class UserSerializer(serializers.ModelSerializer[User]):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "email_verified", "date_joined"]
        read_only_fields = ["id", "email", "email_verified", "date_joined"]


class RegisterSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=EMAIL_MAX)
    password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False, style=PASSWORD_STYLE)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class TokenObtainSerializer(TokenObtainPairSerializer):
    @classmethod
    def get_token(cls, user: User) -> RefreshToken:  # type: ignore[override]  # simplejwt: a TypeVar bound to nothing
        token = cast(RefreshToken, super().get_token(user))  # the pair serializer's token_class
        token[SECURITY_STAMP_CLAIM] = user.security_stamp
        return token


class TokenRefreshSerializer(SimpleJWTRefreshSerializer):
    """simplejwt's refresh with rotation, answering 401 (not 500) for a deleted user or a revoked token."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, str]:
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        user = get_user_model().objects.filter(**{api_settings.USER_ID_FIELD: user_id}).first()
        if user is None or not api_settings.USER_AUTHENTICATION_RULE(user):
            raise AuthenticationFailed(str(self.error_messages["no_active_account"]), "no_active_account")
        if refresh.payload.get(SECURITY_STAMP_CLAIM) != user.security_stamp:
            raise AuthenticationFailed("Token has been revoked.", "token_revoked")
        return super().validate(attrs)


class TokenPairSerializer(serializers.Serializer[Any]):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshTokenSerializer(serializers.Serializer[Any]):
    refresh = serializers.CharField()


class MeSerializer(UserSerializer):
    """The signed-in person's own account: the public fields and their settings."""

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "board_density"]
        read_only_fields = [*UserSerializer.Meta.read_only_fields, "board_density"]


class ProfileUpdateSerializer(serializers.Serializer[Any]):
    full_name = serializers.CharField(max_length=150, allow_blank=True)
    board_density = serializers.ChoiceField(
        choices=BoardDensity.choices, help_text="How much of a map the board shows at once."
    )


class PasswordSerializer(serializers.Serializer[Any]):
    password = serializers.CharField(write_only=True, trim_whitespace=False, style=PASSWORD_STYLE)


class AccountDeleteSerializer(PasswordSerializer):
    projects = serializers.DictField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text='For each project you own that others work on, by its id: "delete", or the id of an editor\'s '
        'membership to hand it to. {"12": "delete", "15": 31}',
    )

    def validate_projects(self, value: dict[str, str]) -> dict[int, int | str]:
        chosen: dict[int, int | str] = {}
        for key, value_sent in value.items():
            choice = services.hand_over_choice(value_sent)
            if not key.isdecimal() or choice is None:
                raise serializers.ValidationError(
                    f"Give each project's id with \"delete\" or an editor's membership id, not {key!r}: {value_sent!r}."
                )
            chosen[int(key)] = choice
        return chosen


class PasswordChangeSerializer(serializers.Serializer[Any]):
    old_password = serializers.CharField(write_only=True, trim_whitespace=False, style=PASSWORD_STYLE)
    new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False, style=PASSWORD_STYLE)


class PasswordResetSerializer(serializers.Serializer[Any]):
    email = serializers.EmailField(max_length=EMAIL_MAX)


class PasswordResetConfirmSerializer(serializers.Serializer[Any]):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(write_only=True, max_length=128, trim_whitespace=False, style=PASSWORD_STYLE)


class TokenSerializer(serializers.Serializer[Any]):
    token = serializers.CharField(max_length=1024)


class EmailChangeSerializer(serializers.Serializer[Any]):
    new_email = serializers.EmailField(max_length=EMAIL_MAX)
    password = serializers.CharField(write_only=True, trim_whitespace=False, style=PASSWORD_STYLE)


class DetailSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
