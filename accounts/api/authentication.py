from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

SECURITY_STAMP_CLAIM = "stamp"


class JWTAuthentication(SimpleJWTAuthentication):
    """simplejwt's authentication, refusing tokens issued before a password change or "log out everywhere"."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if validated_token.get(SECURITY_STAMP_CLAIM) != user.security_stamp:
            raise AuthenticationFailed("Token has been revoked.", code="token_revoked")
        return user
