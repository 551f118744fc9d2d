"""The story-map JSON API under /api/v1/. Thin: parse, look up through `projects.access`, call a service, answer.

Lists and creation sit under their project (/projects/{id}/activities/), the
rest is flat (/activities/{id}/). Whatever is not the user's answers 404,
for every method, before anything else is looked at. Story writes count
against the per-user "story-write" rate limit. A whole map is exported from
/projects/{id}/export/ and imported into a new project or an existing one.
"""

from typing import Any

from django.db.models import F, Model, QuerySet
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip as ACCEPTS_GZIP
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.ratelimit import enforce_rate_limit
from config.types import AuthenticatedRequest
from projects.access import map_object_get_for_user, project_get_for_user
from projects.api.serializers import ProjectSerializer
from projects.limits import Role
from projects.models import Project
from projects.selectors import project_list_for_user
from stories import history, quality, services
from stories.document import DocumentInvalid
from stories.exports import EPIC_LEVELS
from stories.imports import MAX_IMPORT_BYTES, document_from_file
from stories.models import Activity, Comment, MapChange, MapMode, Persona, Release, Step, Story
from stories.selectors import EXPORT_FORMATS, comments_for_story, project_export

from .serializers import (
    ActivityCreateSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    CommentCreateSerializer,
    CommentSerializer,
    MoveSerializer,
    PersonaSerializer,
    PersonaWriteSerializer,
    QualitySerializer,
    ReleaseCreateSerializer,
    ReleaseSerializer,
    ReleaseUpdateSerializer,
    StepCreateSerializer,
    StepMoveSerializer,
    StepSerializer,
    StepUpdateSerializer,
    StoryConflictSerializer,
    StoryCreateSerializer,
    StoryMapSerializer,
    StoryMoveSerializer,
    StorySerializer,
    StoryUpdateSerializer,
    story_map_json,
)


def _parse(
    serializer_class: type[serializers.Serializer[Any]], request: Request, *, project: Project, partial: bool = False
) -> dict[str, Any]:
    """The request body validated by `serializer_class`, foreign ids resolved within `project` (400 otherwise)."""
    serializer = serializer_class(data=request.data, partial=partial, context={"project": project})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _limit_story_writes(request: Request) -> None:
    enforce_rate_limit(request, limit="story-write", key="user")


def _limit_moves(request: Request) -> None:
    # The board's drag and drop and keyboard moves come here too: they count against the
    # board's limit, far above what a person dragging cards makes, not the scripts' limits.
    enforce_rate_limit(request, limit="board-write", key="user")


def _limit_map_writes(request: Request) -> None:
    enforce_rate_limit(request, limit="map-write", key="user")


def _limit_imports(request: Request) -> None:
    enforce_rate_limit(request, limit="import", key="user")


def _conflict(conflict: services.StoryConflict) -> Response:
    body = {"detail": str(conflict), "current": StorySerializer(conflict.story).data}
    return Response(body, status=status.HTTP_409_CONFLICT)


class ProjectObjectListView(GenericAPIView[Model]):
    """Lists one kind of map object of a project, a page at a time."""

    def list_response(self, queryset: QuerySet[Model], serializer_class: type[serializers.Serializer[Any]]) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)


NO_CONTENT = {204: None}
CONFLICT = {409: StoryConflictSerializer}


# --- The whole map -----------------------------------------------------------------------


@extend_schema(tags=["projects"])
class StoryMapView(APIView):
    @extend_schema(responses=StoryMapSerializer)
    def get(self, request: AuthenticatedRequest, project_id: int) -> HttpResponse:
        """The whole board in board order: personas, releases, and activities with their steps and stories."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        rendered = story_map_json(project=project)
        etag = f'"{rendered.etag}"'
        headers = {"ETag": etag, "Vary": "Accept-Encoding"}
        # A client that still holds this version of the map gets 304 and no body.
        if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
            return HttpResponse(status=304, headers=headers)
        if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
            return HttpResponse(
                rendered.gzipped, content_type="application/json", headers={**headers, "Content-Encoding": "gzip"}
            )
        return HttpResponse(rendered.body, content_type="application/json", headers=headers)


# --- Activities -------------------------------------------------------------------------


@extend_schema(tags=["activities"])
class ActivityListView(ProjectObjectListView):
    @extend_schema(responses=ActivitySerializer(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        return self.list_response(Activity.objects.filter(project=project), ActivitySerializer)

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        _limit_map_writes(request)
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(ActivityCreateSerializer, request, project=project)
        activity = services.activity_create(by=request.user, project=project, **data)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["activities"])
class ActivityDetailView(APIView):
    @extend_schema(responses=ActivitySerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(
            ActivitySerializer(map_object_get_for_user(Activity, user=request.user, pk=pk, need=Role.VIEWER)).data
        )

    @extend_schema(request=ActivityUpdateSerializer, responses=ActivitySerializer)
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        activity = map_object_get_for_user(Activity, user=request.user, pk=pk)
        data = _parse(ActivityUpdateSerializer, request, project=activity.project)
        return Response(ActivitySerializer(services.activity_update(by=request.user, activity=activity, **data)).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Delete the activity with its steps and their stories."""
        services.activity_delete(by=request.user, activity=map_object_get_for_user(Activity, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["activities"])
class ActivityMoveView(APIView):
    @extend_schema(request=MoveSerializer, responses=ActivitySerializer)
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        _limit_moves(request)
        activity = map_object_get_for_user(Activity, user=request.user, pk=pk)
        data = _parse(MoveSerializer, request, project=activity.project)
        return Response(ActivitySerializer(services.activity_move(by=request.user, activity=activity, **data)).data)


# --- Steps ------------------------------------------------------------------------------


@extend_schema(tags=["steps"])
class StepListView(ProjectObjectListView):
    @extend_schema(responses=StepSerializer(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Every step of the project, left to right across the board."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        steps = Step.objects.filter(project=project).order_by("activity__position", "activity_id", "position", "pk")
        return self.list_response(steps, StepSerializer)

    @extend_schema(request=StepCreateSerializer, responses={201: StepSerializer})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        _limit_map_writes(request)
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(StepCreateSerializer, request, project=project)
        step = services.step_create(by=request.user, project=project, **data)
        return Response(StepSerializer(step).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["steps"])
class StepDetailView(APIView):
    @extend_schema(responses=StepSerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(StepSerializer(map_object_get_for_user(Step, user=request.user, pk=pk, need=Role.VIEWER)).data)

    @extend_schema(request=StepUpdateSerializer, responses=StepSerializer)
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        step = map_object_get_for_user(Step, user=request.user, pk=pk)
        data = _parse(StepUpdateSerializer, request, project=step.project)
        return Response(StepSerializer(services.step_update(by=request.user, step=step, **data)).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Delete the step with its stories."""
        services.step_delete(by=request.user, step=map_object_get_for_user(Step, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["steps"])
class StepMoveView(APIView):
    @extend_schema(request=StepMoveSerializer, responses=StepSerializer)
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Move the step within its activity, or to another activity of the project; its stories go with it."""
        _limit_moves(request)
        step = map_object_get_for_user(Step, user=request.user, pk=pk)
        data = _parse(StepMoveSerializer, request, project=step.project)
        return Response(StepSerializer(services.step_move(by=request.user, step=step, **data)).data)


# --- Releases ---------------------------------------------------------------------------


@extend_schema(tags=["releases"])
class ReleaseListView(ProjectObjectListView):
    @extend_schema(responses=ReleaseSerializer(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        return self.list_response(Release.objects.filter(project=project), ReleaseSerializer)

    @extend_schema(request=ReleaseCreateSerializer, responses={201: ReleaseSerializer})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        _limit_map_writes(request)
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(ReleaseCreateSerializer, request, project=project)
        release = services.release_create(by=request.user, project=project, **data)
        return Response(ReleaseSerializer(release).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["releases"])
class ReleaseDetailView(APIView):
    @extend_schema(responses=ReleaseSerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(
            ReleaseSerializer(map_object_get_for_user(Release, user=request.user, pk=pk, need=Role.VIEWER)).data
        )

    @extend_schema(request=ReleaseUpdateSerializer, responses=ReleaseSerializer)
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        release = map_object_get_for_user(Release, user=request.user, pk=pk)
        data = _parse(ReleaseUpdateSerializer, request, project=release.project)
        return Response(ReleaseSerializer(services.release_update(by=request.user, release=release, **data)).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Delete the release; its stories move to the end of their steps' Unplanned cells."""
        services.release_delete(by=request.user, release=map_object_get_for_user(Release, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["releases"])
class ReleaseMoveView(APIView):
    @extend_schema(request=MoveSerializer, responses=ReleaseSerializer)
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        _limit_moves(request)
        release = map_object_get_for_user(Release, user=request.user, pk=pk)
        data = _parse(MoveSerializer, request, project=release.project)
        return Response(ReleaseSerializer(services.release_move(by=request.user, release=release, **data)).data)


# --- Personas ---------------------------------------------------------------------------


@extend_schema(tags=["personas"])
class PersonaListView(ProjectObjectListView):
    @extend_schema(responses=PersonaSerializer(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        return self.list_response(Persona.objects.filter(project=project), PersonaSerializer)

    @extend_schema(request=PersonaWriteSerializer, responses={201: PersonaSerializer})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        _limit_map_writes(request)
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(PersonaWriteSerializer, request, project=project)
        persona = services.persona_create(by=request.user, project=project, **data)
        return Response(PersonaSerializer(persona).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["personas"])
class PersonaDetailView(APIView):
    @extend_schema(responses=PersonaSerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(
            PersonaSerializer(map_object_get_for_user(Persona, user=request.user, pk=pk, need=Role.VIEWER)).data
        )

    @extend_schema(request=PersonaWriteSerializer(partial=True), responses=PersonaSerializer)
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        persona = map_object_get_for_user(Persona, user=request.user, pk=pk)
        data = _parse(PersonaWriteSerializer, request, project=persona.project, partial=True)
        return Response(PersonaSerializer(services.persona_update(by=request.user, persona=persona, **data)).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Delete the persona; its stories keep their place, without a persona."""
        services.persona_delete(by=request.user, persona=map_object_get_for_user(Persona, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["personas"])
class PersonaMoveView(APIView):
    @extend_schema(request=MoveSerializer, responses=PersonaSerializer)
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Move the persona to another place in the project's list of personas."""
        _limit_moves(request)
        persona = map_object_get_for_user(Persona, user=request.user, pk=pk)
        data = _parse(MoveSerializer, request, project=persona.project)
        return Response(PersonaSerializer(services.persona_move(by=request.user, persona=persona, **data)).data)


# --- Stories ----------------------------------------------------------------------------


@extend_schema(tags=["stories"])
class StoryListView(ProjectObjectListView):
    @extend_schema(responses=StorySerializer(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Every story of the project in board order: column by column, each column release by release."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        stories = Story.objects.filter(project=project).order_by(
            "step__activity__position",
            "step__activity_id",
            "step__position",
            "step_id",
            F("release__position").asc(nulls_last=True),
            "release_id",
            "position",
            "pk",
        )
        return self.list_response(stories, StorySerializer)

    @extend_schema(request=StoryCreateSerializer, responses={201: StorySerializer})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Add a story to the cell of a step by a release (Unplanned when none)."""
        _limit_story_writes(request)
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(StoryCreateSerializer, request, project=project)
        story = services.story_create(by=request.user, project=project, **data)
        return Response(StorySerializer(story).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["stories"])
class StoryDetailView(APIView):
    @extend_schema(responses=StorySerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        return Response(
            StorySerializer(map_object_get_for_user(Story, user=request.user, pk=pk, need=Role.VIEWER)).data
        )

    @extend_schema(request=StoryUpdateSerializer, responses={200: StorySerializer, **CONFLICT})
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Change a story. With "version", refused (409, with the story as it is now) if it changed since."""
        _limit_story_writes(request)
        story = map_object_get_for_user(Story, user=request.user, pk=pk)
        data = _parse(StoryUpdateSerializer, request, project=story.project)
        try:
            story = services.story_update(by=request.user, story=story, **data)
        except services.StoryConflict as conflict:
            return _conflict(conflict)
        return Response(StorySerializer(story).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        _limit_story_writes(request)
        services.story_delete(by=request.user, story=map_object_get_for_user(Story, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["stories"])
class StoryMoveView(APIView):
    @extend_schema(request=StoryMoveSerializer, responses={200: StorySerializer, **CONFLICT})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Move a story to a place in the cell of a step by a release (null = Unplanned)."""
        _limit_moves(request)
        story = map_object_get_for_user(Story, user=request.user, pk=pk)
        data = _parse(StoryMoveSerializer, request, project=story.project)
        try:
            story = services.story_move(by=request.user, story=story, **data)
        except services.StoryConflict as conflict:
            return _conflict(conflict)
        return Response(StorySerializer(story).data)


# --- Undo, redo and the Trash ----------------------------------------------------------


class ChangeRefSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    # A field called "label" shadows Field.label, which a serializer used as a field would show.
    label = serializers.CharField(help_text="What it changed, as the Undo button says: delete story “Pay online”.")  # type: ignore[assignment]


class HistorySerializer(serializers.Serializer[Any]):
    undo = ChangeRefSerializer(allow_null=True, help_text="What Undo would undo; null when nothing.")
    redo = ChangeRefSerializer(allow_null=True, help_text="What Redo would make again; null when nothing.")


class DoneSerializer(HistorySerializer):
    done = ChangeRefSerializer(help_text="The change just undone, redone or restored.")
    focus = serializers.CharField(allow_null=True, help_text="The board element it concerns, e.g. story-12.")


class TrashItemSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="change.pk")
    kind = serializers.CharField(source="noun")
    title = serializers.CharField()
    contents = serializers.CharField(help_text="What was deleted with it: with 3 steps and 8 stories.")
    deleted = serializers.DateTimeField(source="change.created")
    deleted_by = serializers.EmailField(source="change.user.email")
    expires = serializers.DateTimeField()


def _history(state: history.HistoryState) -> dict[str, Any]:
    return {
        "undo": {"id": state.undo.id, "label": state.undo.label} if state.undo else None,
        "redo": {"id": state.redo.id, "label": state.redo.label} if state.redo else None,
    }


def _done(done: history.Done) -> Response:
    body = {"done": {"id": done.change.pk, "label": done.change.label}, "focus": done.focus, **_history(done.state)}
    return Response(body)


def _refused(refused: history.UndoRefused) -> Response:
    return Response({"detail": " ".join(refused.messages)}, status=status.HTTP_409_CONFLICT)


@extend_schema(tags=["history"])
class HistoryView(APIView):
    @extend_schema(responses=HistorySerializer)
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """What your Undo and Redo would do on this map: your last 50 changes, kept on the server."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        return Response(_history(history.history_state(project=project, user=request.user)))


@extend_schema(tags=["history"])
class UndoView(APIView):
    redo = False

    @extend_schema(request=None, responses={200: DoneSerializer, 409: OpenApiTypes.OBJECT})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Undo your latest change to this map (redo/: make the one you undid last again); 409 if it cannot be."""
        _limit_map_writes(request)
        project = project_get_for_user(user=request.user, project_id=project_id)
        step = history.change_redo if self.redo else history.change_undo
        try:
            return _done(step(project=project, user=request.user))
        except history.UndoRefused as refused:
            return _refused(refused)


class RedoView(UndoView):
    redo = True


@extend_schema(tags=["history"])
class TrashListView(APIView):
    @extend_schema(responses=TrashItemSerializer(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """What was deleted from this map in the last 30 days and can be restored, newest first."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        return Response(TrashItemSerializer(history.trash_list(project=project), many=True).data)


@extend_schema(tags=["history"])
class TrashRestoreView(APIView):
    @extend_schema(request=None, responses={200: DoneSerializer, 409: OpenApiTypes.OBJECT})
    def post(self, request: AuthenticatedRequest, change_id: int) -> Response:
        """Put a deleted item back where it was, with what was deleted along with it."""
        _limit_map_writes(request)
        change = map_object_get_for_user(MapChange, user=request.user, pk=change_id)
        try:
            return _done(history.trash_restore(change=change, user=request.user))
        except history.UndoRefused as refused:
            return _refused(refused)


# --- The whole map: export and import -------------------------------------------------


class ExportView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), default="json"),
            OpenApiParameter("epics", str, enum=list(EPIC_LEVELS), default="activities", description="CSV only"),
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): str,
            (200, "text/markdown"): str,
            (200, "image/svg+xml"): str,
        },
    )
    def get(self, request: AuthenticatedRequest, project_id: int) -> HttpResponse:
        """The map as a story map document (json), a Jira-ready CSV (csv), a Markdown outline (md) or an image (svg)."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        export_format = request.query_params.get("format", "json")
        epic_level = request.query_params.get("epics", "activities")
        errors = {}
        if export_format not in EXPORT_FORMATS:
            errors["format"] = [f"Choose one of: {', '.join(EXPORT_FORMATS)}."]
        if epic_level not in EPIC_LEVELS:
            errors["epics"] = [f"Choose one of: {', '.join(EPIC_LEVELS)}."]
        if errors:
            raise ValidationError(errors)
        content, content_type, filename = project_export(
            project=project, export_format=export_format, epic_level=epic_level
        )
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def uploaded_file(request: Request) -> tuple[bytes, str, str]:
    """(content, file name, content type) of an import: the request body, or a multipart field named "file"."""
    if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_IMPORT_BYTES + 64 * 1024:
        raise DocumentInvalid(["The file is larger than 5 MB, the most that can be imported."])
    if request.content_type.startswith("multipart/form-data"):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["Send the file in a multipart field named file."]})
        if upload.size > MAX_IMPORT_BYTES:
            raise DocumentInvalid(["The file is larger than 5 MB, the most that can be imported."])
        return upload.read(), upload.name or "", upload.content_type or ""
    return request.body, "", request.content_type or ""


def problems_response(error: DocumentInvalid) -> Response:
    body: dict[str, Any] = {"detail": "The file was not imported; nothing was changed.", "problems": error.problems}
    if error.total > len(error.problems):
        body["detail"] += f" The first {len(error.problems)} of {error.total} problems are listed."
    return Response(body, status=status.HTTP_400_BAD_REQUEST)


IMPORT_BODY = {
    "application/json": OpenApiTypes.OBJECT,
    "text/csv": OpenApiTypes.STR,
    "multipart/form-data": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
}


class ProjectImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="projects_import_new",
        request=IMPORT_BODY,
        parameters=[OpenApiParameter("name", str, description="The new project's name")],
        responses={201: ProjectSerializer},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        """A new project from a story map document (JSON), a spreadsheet CSV or Jira CSV."""
        _limit_imports(request)
        try:
            content, filename, content_type = uploaded_file(request)
            document = document_from_file(content, filename=filename, content_type=content_type)
            project = services.project_import(
                owner=request.user, document=document, name=request.query_params.get("name", ""), filename=filename
            )
        except DocumentInvalid as error:
            return problems_response(error)
        project = project_list_for_user(user=request.user).get(pk=project.pk)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class MapImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="projects_import_into",
        request=IMPORT_BODY,
        parameters=[OpenApiParameter("mode", str, enum=MapMode.values, default=MapMode.REPLACE.value)],
        responses={201: ProjectSerializer},
    )
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Import into this project: replace its map (kept under Earlier maps) or append to it."""
        project = project_get_for_user(user=request.user, project_id=project_id)
        _limit_imports(request)
        mode = request.query_params.get("mode", MapMode.REPLACE)
        try:
            content, filename, content_type = uploaded_file(request)
            document = document_from_file(content, filename=filename, content_type=content_type)
            services.map_import(project=project, document=document, mode=mode, by=request.user)
        except DocumentInvalid as error:
            return problems_response(error)
        project = project_list_for_user(user=request.user).get(pk=project.pk)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


# --- Comments on cards -------------------------------------------------------------------


def _limit_comments(request: Request) -> None:
    enforce_rate_limit(request, limit="comment", key="user")


@extend_schema(tags=["comments"])
class CommentListView(GenericAPIView[Comment]):
    serializer_class = CommentSerializer

    @extend_schema(responses=CommentSerializer(many=True))
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        """The card's comments, oldest first, a page at a time (any member may read them)."""
        story = map_object_get_for_user(Story, user=request.user, pk=pk, need=Role.VIEWER)
        page = self.paginate_queryset(comments_for_story(story=story))
        return self.get_paginated_response(CommentSerializer(page, many=True, context={"user": request.user}).data)

    @extend_schema(request=CommentCreateSerializer, responses={201: CommentSerializer})
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Comment on the card, as plain text (any member may, viewers too)."""
        story = map_object_get_for_user(Story, user=request.user, pk=pk, need=Role.VIEWER)
        _limit_comments(request)
        serializer = CommentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_create(story=story, by=request.user, body=serializer.validated_data["body"])
        return Response(CommentSerializer(comment, context={"user": request.user}).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["comments"])
class CommentDetailView(APIView):
    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Delete a comment: its author or the project's owner may."""
        comment = map_object_get_for_user(Comment, user=request.user, pk=pk, need=Role.VIEWER)
        services.comment_delete(comment=comment, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- "Check the map" --------------------------------------------------------------------------


@extend_schema(tags=["projects"])
class QualityView(APIView):
    @extend_schema(responses=QualitySerializer)
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """The map's quality check: each Quality User Story and map-shape criterion's score, and every finding."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        return Response(QualitySerializer(quality.map_check(project=project)).data)
