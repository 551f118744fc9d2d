from typing import cast

from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.tokens import Token

from accounts.models import User

SECURITY_STAMP_CLAIM = "stamp"


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's authentication, refusing tokens issued before a password change or "log out everywhere"."""

    # simplejwt declares the result as a TypeVar bound to nothing, which no override can match.
    def get_user(self, validated_token: Token) -> User:  # type: ignore[override]
        # AUTH_USER_MODEL is accounts.User: the stubs only know an AbstractBaseUser.
        user = cast(User, super().get_user(validated_token))
        if validated_token.get(SECURITY_STAMP_CLAIM) != user.security_stamp:
            raise AuthenticationFailed("Token has been revoked.", code="token_revoked")
        return user
