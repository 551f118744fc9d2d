"""The board: the story map page and the writes it makes; then the whole map's pages: earlier maps, export, import.

Adds, edits and deletes are plain form posts that come back to the board, so
they work without JavaScript. Moves (drag and drop, keyboard), undo and redo
go from static/js/board.js to the JSON API's endpoints, the same a script uses,
and then reload the grid fragment. All of them go through stories.services and
the one access check in projects.access, and count against the board's own
per-user rate limit.
"""

from collections.abc import Callable
from typing import Any, Literal, cast, overload

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    HttpResponseRedirect,
    QueryDict,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from accounts.forms import add_service_errors
from accounts.models import User
from config.ratelimit import enforce_rate_limit
from config.types import AuthenticatedHttpRequest
from projects.access import map_object_get_for_user, project_get_for_user
from projects.limits import Role
from projects.models import Project
from projects.selectors import person_initials

from . import history, services
from .document import DocumentInvalid, MapDocument
from .exports import EPIC_LEVELS
from .forms import (
    ActivityForm,
    CommentForm,
    ImportIntoProjectForm,
    ImportNewProjectForm,
    PersonaForm,
    ReleaseForm,
    StepForm,
    StoryForm,
    StoryTitleForm,
)
from .imports import MAX_IMPORT_BYTES, document_from_file
from .limits import TRASH_DAYS
from .models import Activity, Comment, MapChange, MapSnapshot, Persona, Release, Step, Story
from .selectors import EXPORT_FORMATS, comments_for_story, project_export, snapshots_for_project, story_map_get

BOARD_TEMPLATE = "stories/board.html"


def board_url(project: Project, anchor: str = "") -> str:
    url = reverse("stories:board", kwargs={"project_id": project.pk})
    return f"{url}#{anchor}" if anchor else url


def errors_text(errors: dict[str, list[str]]) -> str:
    """Field errors as one sentence for a message: "Title: This field is required." """
    return " ".join(f"{field.replace('_', ' ').capitalize()}: {' '.join(texts)}" for field, texts in errors.items())


def error_text(error: ValidationError) -> str:
    return errors_text(error.message_dict) if hasattr(error, "error_dict") else " ".join(error.messages)


def form_error_text(form: forms.BaseForm) -> str:
    # An ErrorList yields its messages as text (its __getitem__ does); the stubs say ValidationError | str.
    return errors_text(cast(dict[str, list[str]], form.errors))


@overload
def in_project[M: Model](
    model: type[M], project: Project, raw_id: Any, field: str, *, required: Literal[True] = ...
) -> M: ...
@overload
def in_project[M: Model](model: type[M], project: Project, raw_id: Any, field: str, *, required: bool) -> M | None: ...
def in_project[M: Model](
    model: type[M], project: Project, raw_id: Any, field: str, *, required: bool = True
) -> M | None:
    """The `model` row with id `raw_id` in `project`, or a ValidationError naming `field`."""
    if raw_id in (None, "", "null"):
        if required:
            raise ValidationError({field: "This field is required."})
        return None
    try:
        return model._default_manager.get(project=project, pk=int(raw_id))
    except (TypeError, ValueError, ObjectDoesNotExist):  # ObjectDoesNotExist: model.DoesNotExist
        raise ValidationError({field: f"No such {model._meta.verbose_name} in this project."}) from None


class BoardWriteMixin(LoginRequiredMixin):
    """Every write from the board counts against the board's per-user limit."""

    @property
    def person(self) -> User:
        """Who is writing: LoginRequiredMixin lets no one else this far."""
        return cast(User, getattr(self, "request").user)  # noqa: B009  # set by View, which the mixin precedes

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and request.user.is_authenticated:
            enforce_rate_limit(request, limit="board-write", key="user")
        return super().dispatch(request, *args, **kwargs)


# --- The board ------------------------------------------------------------------------


class BoardView(LoginRequiredMixin, View):
    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        story_map = story_map_get(project=project)
        if request.GET.get("fragment") == "grid":
            return render(request, f"{BOARD_TEMPLATE}#grid", {"project": project, "map": story_map})
        state = history.history_state(project=project, user=request.user)
        context = {
            "project": project,
            "map": story_map,
            "undo": state.undo,
            "redo": state.redo,
            "trash_count": history.trash_changes(project=project).count(),
            "density": request.user.board_density,
        }
        return render(request, BOARD_TEMPLATE, context)


# --- Adding in place ------------------------------------------------------------------


class AddView(BoardWriteMixin, View):
    """POST a small form to add one thing to the map, then return to the board."""

    form_class: type[forms.Form] = ActivityForm
    noun = "activity"

    def create(self, project: Project, data: dict[str, Any], post: QueryDict) -> Model:
        raise NotImplementedError

    def post(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, f"The {self.noun} was not added. {form_error_text(form)}")
            return HttpResponseRedirect(board_url(project))
        try:
            created = self.create(project, form.cleaned_data, request.POST)
        except ValidationError as error:
            messages.error(request, f"The {self.noun} was not added. {error_text(error)}")
            return HttpResponseRedirect(board_url(project))
        return HttpResponseRedirect(board_url(project, f"{self.noun}-{created.pk}"))


class ActivityAddView(AddView):
    form_class, noun = ActivityForm, "activity"

    def create(self, project: Project, data: dict[str, Any], post: QueryDict) -> Activity:
        return services.activity_create(by=self.person, project=project, **data)


class StepAddView(AddView):
    form_class, noun = StepForm, "step"

    def create(self, project: Project, data: dict[str, Any], post: QueryDict) -> Step:
        activity = in_project(Activity, project, post.get("activity"), "activity")
        return services.step_create(by=self.person, project=project, activity=activity, **data)


class ReleaseAddView(AddView):
    form_class, noun = ReleaseForm, "release"

    def create(self, project: Project, data: dict[str, Any], post: QueryDict) -> Release:
        return services.release_create(by=self.person, project=project, **data)


class PersonaAddView(AddView):
    form_class, noun = PersonaForm, "persona"

    def create(self, project: Project, data: dict[str, Any], post: QueryDict) -> Persona:
        return services.persona_create(by=self.person, project=project, **data)


class StoryAddView(AddView):
    form_class, noun = StoryTitleForm, "story"

    def create(self, project: Project, data: dict[str, Any], post: QueryDict) -> Story:
        step = in_project(Step, project, post.get("step"), "step")
        release = in_project(Release, project, post.get("release"), "release", required=False)
        return services.story_create(by=self.person, project=project, step=step, release=release, title=data["title"])


# --- Editing and deleting the backbone, releases and personas ----------------------------


class EditView(BoardWriteMixin, View):
    # The services are `update_service` / `delete_service`, never `delete`: View would take
    # an attribute named after an HTTP method as that method's handler.
    model: type[services.MapRow] = Activity
    form_class: type[forms.Form] = ActivityForm
    # Each takes the object by its model's name (activity=…), so they are typed loosely.
    update_service: Callable[..., Model] = staticmethod(services.activity_update)
    delete_service: Callable[..., None] = staticmethod(services.activity_delete)

    def post(self, request: AuthenticatedHttpRequest, pk: int, action: str = "edit") -> HttpResponse:
        obj = map_object_get_for_user(self.model, user=request.user, pk=pk)
        noun = self.model._meta.verbose_name
        name = self.model._meta.model_name or ""  # always set for a concrete model
        if action == "delete":
            self.delete_service(**{name: obj}, by=request.user)
            messages.success(request, f"The {noun} “{obj}” was deleted.")
            return HttpResponseRedirect(board_url(obj.project))
        form = self.form_class(request.POST)
        if not form.is_valid():
            messages.error(request, f"The {noun} was not saved. {form_error_text(form)}")
        else:
            try:
                self.update_service(**{name: obj}, by=request.user, **form.cleaned_data)
            except ValidationError as error:
                messages.error(request, f"The {noun} was not saved. {error_text(error)}")
        return HttpResponseRedirect(board_url(obj.project, f"{name}-{obj.pk}"))


class ActivityEditView(EditView):
    model, form_class = Activity, ActivityForm
    update_service = staticmethod(services.activity_update)
    delete_service = staticmethod(services.activity_delete)


class StepEditView(EditView):
    model, form_class = Step, StepForm
    update_service, delete_service = staticmethod(services.step_update), staticmethod(services.step_delete)


class ReleaseEditView(EditView):
    model, form_class = Release, ReleaseForm
    update_service, delete_service = staticmethod(services.release_update), staticmethod(services.release_delete)


class PersonaEditView(EditView):
    model, form_class = Persona, PersonaForm
    update_service, delete_service = staticmethod(services.persona_update), staticmethod(services.persona_delete)


# --- Story cards ------------------------------------------------------------------------


def story_page(
    request: AuthenticatedHttpRequest, story: Story, form: StoryForm, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """A card's own page: its form, then its comments with a form to add one."""
    context = {"story": story, "project": story.project, "form": form, **extra}
    context.setdefault("comment_form", CommentForm())
    context["comments"] = [
        (
            comment,
            services.comment_may_delete(comment=comment, user=request.user),
            person_initials(comment.author) if comment.author else "?",
        )
        for comment in comments_for_story(story=story)
    ]
    return render(request, "stories/story_edit.html", context, status=status)


class StoryView(BoardWriteMixin, View):
    """Open a card to edit every field; a save that lost a race is refused, not merged."""

    def render_form(
        self, request: AuthenticatedHttpRequest, story: Story, form: StoryForm, status: int = 200, **extra: Any
    ) -> HttpResponse:
        return story_page(request, story, form, status=status, **extra)

    def get(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        story = map_object_get_for_user(Story, user=request.user, pk=pk, need=Role.VIEWER)
        form = StoryForm(initial=StoryForm.initial_for(story), project=story.project)
        return self.render_form(request, story, form)

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        story = map_object_get_for_user(Story, user=request.user, pk=pk)
        form = StoryForm(request.POST, project=story.project)
        if not form.is_valid():
            return self.render_form(request, story, form, status=400)
        fields = dict(form.cleaned_data)
        version = fields.pop("version")
        try:
            saved = services.story_update(story=story, version=version, by=request.user, **fields)
        except services.StoryConflict as conflict:
            # Keep what the person typed, but show what was saved meanwhile and
            # move the form to the current version: saving again is a choice.
            data = request.POST.copy()
            data["version"] = str(conflict.story.version)
            form = StoryForm(data, project=story.project)
            form.is_valid()
            return self.render_form(request, conflict.story, form, status=409, conflict=conflict.story)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_form(request, story, form, status=400)
        messages.success(request, f"Story “{saved.title}” saved.")
        return HttpResponseRedirect(board_url(saved.project, f"story-{saved.pk}"))


class CommentAddView(LoginRequiredMixin, View):
    """Comment on a card from its page (the panel posts to the API); viewers may too."""

    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        story = map_object_get_for_user(Story, user=request.user, pk=pk, need=Role.VIEWER)
        enforce_rate_limit(request, limit="comment", key="user")
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                services.comment_create(story=story, by=request.user, body=form.cleaned_data["body"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "Comment posted.")
                return HttpResponseRedirect(reverse("stories:story", kwargs={"pk": story.pk}) + "#comments")
        story_form = StoryForm(initial=StoryForm.initial_for(story), project=story.project)
        return story_page(request, story, story_form, status=400, comment_form=form)


class CommentDeleteView(LoginRequiredMixin, View):
    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        comment = map_object_get_for_user(Comment, user=request.user, pk=pk, need=Role.VIEWER)
        services.comment_delete(comment=comment, by=request.user)
        messages.success(request, "Comment deleted.")
        return HttpResponseRedirect(reverse("stories:story", kwargs={"pk": comment.story_id}) + "#comments")


class StoryDeleteView(BoardWriteMixin, View):
    def post(self, request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
        story = map_object_get_for_user(Story, user=request.user, pk=pk)
        services.story_delete(story=story, by=request.user)
        messages.success(request, f"The story “{story.title}” was deleted.")
        return HttpResponseRedirect(board_url(story.project))


# --- Undo, redo and the Trash ------------------------------------------------------------


class UndoView(BoardWriteMixin, View):
    """Undo the person's latest change to the map (the board's Undo button without JavaScript)."""

    redo = False

    def post(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        step = history.change_redo if self.redo else history.change_undo
        try:
            done = step(project=project, user=request.user)
        except history.UndoRefused as refused:
            messages.error(request, f"{'Redo' if self.redo else 'Undo'} did not happen. {error_text(refused)}")
            return HttpResponseRedirect(board_url(project))
        messages.success(request, f"{'Redone' if self.redo else 'Undone'}: {done.change.label}.")
        return HttpResponseRedirect(board_url(project, done.focus or ""))


class RedoView(UndoView):
    redo = True


class TrashView(LoginRequiredMixin, View):
    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        context = {"project": project, "items": history.trash_list(project=project), "days": TRASH_DAYS}
        return render(request, "stories/trash.html", context)


class TrashRestoreView(BoardWriteMixin, View):
    def post(self, request: AuthenticatedHttpRequest, change_id: int) -> HttpResponse:
        change = map_object_get_for_user(MapChange, user=request.user, pk=change_id)
        try:
            done = history.trash_restore(change=change, user=request.user)
        except history.UndoRefused as refused:
            messages.error(request, f"Not restored. {error_text(refused)}")
            return HttpResponseRedirect(reverse("stories:trash", kwargs={"project_id": change.project_id}))
        messages.success(request, f"Restored: {done.change.label.removeprefix('delete ')}.")
        return HttpResponseRedirect(board_url(change.project, done.focus or ""))


# --- The whole map: earlier maps, export, import ---------------------------------------


class MapHistoryView(LoginRequiredMixin, View):
    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        context = {"project": project, "snapshots": snapshots_for_project(project=project)}
        return render(request, "stories/history.html", context)


class SnapshotRestoreView(LoginRequiredMixin, View):
    def post(self, request: AuthenticatedHttpRequest, snapshot_id: int) -> HttpResponse:
        snapshot = map_object_get_for_user(MapSnapshot, user=request.user, pk=snapshot_id)
        services.snapshot_restore(snapshot=snapshot, by=request.user)
        messages.success(request, "The earlier map is back. The one it replaced is kept under Earlier maps.")
        return redirect("stories:board", project_id=snapshot.project_id)


class ExportView(LoginRequiredMixin, View):
    """Download the map: ?format=json|csv|md|svg, and for CSV ?epics=activities|steps."""

    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        export_format = request.GET.get("format", "json")
        epic_level = request.GET.get("epics", "activities")
        if export_format not in EXPORT_FORMATS or epic_level not in EPIC_LEVELS:
            return HttpResponseBadRequest("Choose format json, csv, md or svg, and epics activities or steps.")
        content, content_type, filename = project_export(
            project=project, export_format=export_format, epic_level=epic_level
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def _read_upload(form: forms.Form) -> MapDocument:
    upload = form.cleaned_data["file"]
    if upload.size > MAX_IMPORT_BYTES:
        raise DocumentInvalid(["The file is larger than 5 MB, the most that can be imported."])
    return document_from_file(upload.read(), filename=upload.name or "", content_type=upload.content_type or "")


class ImportNewProjectView(LoginRequiredMixin, View):
    template_name = "stories/import.html"

    def get(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": ImportNewProjectForm()})

    def post(self, request: AuthenticatedHttpRequest) -> HttpResponse:
        enforce_rate_limit(request, limit="import", key="user")
        form = ImportNewProjectForm(request.POST, request.FILES)
        problems: list[str] = []
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                document = _read_upload(form)
                project = services.project_import(
                    owner=request.user, document=document, name=form.cleaned_data["name"], filename=upload.name or ""
                )
            except DocumentInvalid as error:
                problems = error.problems
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Imported “{project.name}”.")
                return redirect("stories:board", project_id=project.pk)
        return render(request, self.template_name, {"form": form, "problems": problems}, status=400)


class ImportIntoProjectView(LoginRequiredMixin, View):
    template_name = "stories/import.html"

    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        return render(request, self.template_name, {"form": ImportIntoProjectForm(), "project": project})

    def post(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id)
        enforce_rate_limit(request, limit="import", key="user")
        form = ImportIntoProjectForm(request.POST, request.FILES)
        problems: list[str] = []
        if form.is_valid():
            try:
                document = _read_upload(form)
                services.map_import(project=project, document=document, mode=form.cleaned_data["mode"], by=request.user)
            except DocumentInvalid as error:
                problems = error.problems
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The map was imported.")
                return redirect("stories:board", project_id=project.pk)
        context = {"form": form, "project": project, "problems": problems}
        return render(request, self.template_name, context, status=400)
