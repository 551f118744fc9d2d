"""AI generation in the browser: the form, the progress page and the status it polls."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from accounts.forms import add_service_errors
from config.ratelimit import enforce_rate_limit
from config.types import AuthenticatedHttpRequest
from projects.access import project_get_for_user
from projects.models import Project
from stories.models import Activity, Story

from . import services
from .forms import GenerateMapForm
from .selectors import generations_for_user


def _current_map(project: Project) -> dict[str, int]:
    return {
        "activities": Activity.objects.filter(project=project).count(),
        "stories": Story.objects.filter(project=project).count(),
    }


class GenerateMapView(LoginRequiredMixin, View):
    """The form. Replacing a map that has activities needs a tick (the API does not ask: scripts use it)."""

    template_name = "aimap/generate.html"

    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        form = GenerateMapForm(initial={"description": project.description}, current_map=_current_map(project))
        return render(request, self.template_name, {"project": project, "form": form})

    def post(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        form = GenerateMapForm(request.POST, current_map=_current_map(project))
        if form.is_valid():
            enforce_rate_limit(request, limit="generate", key="user")
            try:
                generation = services.generation_request(
                    user=request.user,
                    project=project,
                    description=form.cleaned_data["description"],
                    mode=form.cleaned_data["mode"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("aimap:generation", generation_id=generation.pk)
        return render(request, self.template_name, {"project": project, "form": form}, status=400)


class GenerationView(LoginRequiredMixin, View):
    def get(self, request: AuthenticatedHttpRequest, generation_id: UUID) -> HttpResponse:
        generation = get_object_or_404(generations_for_user(request.user).select_related("project"), pk=generation_id)
        generation = services.generation_fail_if_stale(generation=generation)
        if generation.status == generation.Status.SUCCEEDED:
            counts = generation.counts
            messages.success(
                request,
                f"Your map is ready: {counts.get('activities', 0)} activities, {counts.get('steps', 0)} steps "
                f"and {counts.get('stories', 0)} stories{' (from the cache)' if generation.cached else ''}.",
            )
            return redirect("stories:board", project_id=generation.project_id)
        return render(request, "aimap/generation.html", {"generation": generation, "project": generation.project})


class GenerationStatusView(LoginRequiredMixin, View):
    """What the progress page polls."""

    def get(self, request: AuthenticatedHttpRequest, generation_id: UUID) -> JsonResponse:
        generation = get_object_or_404(generations_for_user(request.user), pk=generation_id)
        generation = services.generation_fail_if_stale(generation=generation)
        return JsonResponse(
            {
                "status": generation.status,
                "error": generation.error,
                "finished": generation.is_finished,
                "progress": generation.progress,
                "progress_text": generation.progress_text,
                "next": reverse("aimap:generation", kwargs={"generation_id": generation.pk}),
            }
        )
