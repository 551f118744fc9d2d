from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from django.views.generic import TemplateView

API_PREFIX = "/api/"


class HomeView(TemplateView):
    template_name = "home.html"


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404 for a URL that matches no route: JSON under /api/ (as DRF answers for a missing object), else the page."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)
