"""AI generation, earlier maps, export and import in the browser."""

from uuid import UUID

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from accounts.forms import add_service_errors
from config.ratelimit import enforce_rate_limit
from projects.access import project_access_filter, project_get_for_user
from stories.models import Activity, Story

from . import services
from .document import DocumentInvalid
from .exports import EPIC_LEVELS
from .forms import GenerateMapForm, ImportIntoProjectForm, ImportNewProjectForm
from .imports import MAX_IMPORT_BYTES, document_from_file
from .models import MapSnapshot
from .selectors import EXPORT_FORMATS, generations_for_user, project_export, snapshots_for_project


def _current_map(project) -> dict[str, int]:
    return {
        "activities": Activity.objects.filter(project=project).count(),
        "stories": Story.objects.filter(project=project).count(),
    }


class GenerateMapView(LoginRequiredMixin, View):
    """The form. Replacing a map that has activities needs a tick (the API does not ask: scripts use it)."""

    template_name = "aimap/generate.html"

    def get(self, request: HttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        form = GenerateMapForm(initial={"description": project.description}, current_map=_current_map(project))
        return render(request, self.template_name, {"project": project, "form": form})

    def post(self, request: HttpRequest, project_id: int) -> HttpResponse:
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
    def get(self, request: HttpRequest, generation_id: UUID) -> HttpResponse:
        generation = get_object_or_404(generations_for_user(request.user).select_related("project"), pk=generation_id)
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

    def get(self, request: HttpRequest, generation_id: UUID) -> JsonResponse:
        generation = get_object_or_404(generations_for_user(request.user), pk=generation_id)
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


class MapHistoryView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        context = {"project": project, "snapshots": snapshots_for_project(project=project)}
        return render(request, "aimap/history.html", context)


class SnapshotRestoreView(LoginRequiredMixin, View):
    def post(self, request: HttpRequest, snapshot_id: int) -> HttpResponse:
        visible = MapSnapshot.objects.filter(project_access_filter(request.user, prefix="project__"))
        snapshot = get_object_or_404(visible.select_related("project"), pk=snapshot_id)
        services.snapshot_restore(snapshot=snapshot)
        messages.success(request, "The earlier map is back. The one it replaced is kept under Earlier maps.")
        return redirect("stories:board", project_id=snapshot.project_id)


class ExportView(LoginRequiredMixin, View):
    """Download the map: ?format=json|csv|md, and for CSV ?epics=activities|steps."""

    def get(self, request: HttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        export_format = request.GET.get("format", "json")
        epic_level = request.GET.get("epics", "activities")
        if export_format not in EXPORT_FORMATS or epic_level not in EPIC_LEVELS:
            return HttpResponseBadRequest("Choose format json, csv or md, and epics activities or steps.")
        content, content_type, filename = project_export(
            project=project, export_format=export_format, epic_level=epic_level
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _read_upload(form) -> dict:
    upload = form.cleaned_data["file"]
    if upload.size > MAX_IMPORT_BYTES:
        raise DocumentInvalid(["The file is larger than 5 MB, the most that can be imported."])
    return document_from_file(upload.read(), filename=upload.name or "", content_type=upload.content_type or "")


class ImportNewProjectView(LoginRequiredMixin, View):
    template_name = "aimap/import.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": ImportNewProjectForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ImportNewProjectForm(request.POST, request.FILES)
        problems: list[str] = []
        if form.is_valid():
            try:
                document = _read_upload(form)
            except DocumentInvalid as error:
                problems = error.problems
            else:
                upload = form.cleaned_data["file"]
                project = services.project_import(
                    owner=request.user, document=document, name=form.cleaned_data["name"], filename=upload.name or ""
                )
                messages.success(request, f"Imported “{project.name}”.")
                return redirect("stories:board", project_id=project.pk)
        return render(request, self.template_name, {"form": form, "problems": problems}, status=400)


class ImportIntoProjectView(LoginRequiredMixin, View):
    template_name = "aimap/import.html"

    def get(self, request: HttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        return render(request, self.template_name, {"form": ImportIntoProjectForm(), "project": project})

    def post(self, request: HttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        form = ImportIntoProjectForm(request.POST, request.FILES)
        problems: list[str] = []
        if form.is_valid():
            try:
                document = _read_upload(form)
            except DocumentInvalid as error:
                problems = error.problems
            else:
                services.map_import(project=project, document=document, mode=form.cleaned_data["mode"])
                messages.success(request, "The map was imported.")
                return redirect("stories:board", project_id=project.pk)
        context = {"form": form, "project": project, "problems": problems}
        return render(request, self.template_name, context, status=400)
