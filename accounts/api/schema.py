from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class MapwrightJWTScheme(SimpleJWTScheme):  # type: ignore[no-untyped-call]  # drf-spectacular is untyped here
    """Documents accounts.api.authentication.JWTAuthentication as the bearer scheme it is."""

    target_class = "accounts.api.authentication.JWTAuthentication"
    name = "jwtAuth"
