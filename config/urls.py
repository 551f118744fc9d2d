from typing import Any

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import health
from .views import HomeView

# Swagger UI sets inline styles on its elements; its scripts stay under the
# site's policy (files from this server only).
api_docs_policy: dict[str, Any] = {**settings.SECURE_CSP, "style-src": [CSP.SELF, CSP.UNSAFE_INLINE]}

# An API client gets JSON for a URL that matches nothing, not the HTML page.
handler404 = "config.views.not_found"

admin.site.site_header = "Mapwright administration"
admin.site.site_title = "Mapwright admin"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("health", health.health, name="health"),
    path("ready", health.ready, name="ready"),
    path("", include("accounts.urls")),
    path("projects/", include("projects.urls")),
    path("", include("stories.urls")),
    path("api/v1/auth/", include("accounts.api.urls")),
    path("api/v1/", include("projects.api.urls")),
    path("api/v1/", include("stories.api.urls")),
    path("api/v1/", include("aimap.api.urls")),
    path("", include("aimap.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the strict CSP holds.
    path(
        "api/docs/",
        csp_override(api_docs_policy)(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
]
