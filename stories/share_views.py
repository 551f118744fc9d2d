"""The read-only board behind a project's share link: anyone with the URL reads the map, with no account.

It shows the map and nothing else of the project: no members, no emails, no comments,
no edit controls, no Undo or Trash, no live socket. The token is looked up on every
request and the page is never cached, so a revoked or replaced link answers 404 from
the next request on.
"""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.cache import never_cache

from config.ratelimit import enforce_rate_limit
from projects.selectors import project_for_share_token

from .selectors import story_map_get

SHARED_BOARD_TEMPLATE = "stories/shared_board.html"


@method_decorator(never_cache, name="dispatch")
class SharedBoardView(View):
    http_method_names = ["get", "head", "options"]

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        # Per address, before the lookup: guessing tokens costs a request each, at this pace.
        enforce_rate_limit(request, limit="share", key="ip")
        project = project_for_share_token(token)
        if project is None:
            raise Http404("This link does not work: it was revoked or replaced, or it never existed.")
        response = render(request, SHARED_BOARD_TEMPLATE, {"project": project, "map": story_map_get(project=project)})
        # The token is the URL: it must not travel to the sites the page links to.
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
