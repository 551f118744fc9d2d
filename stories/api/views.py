"""The story-map JSON API under /api/v1/. Thin: parse, look up through `projects.access`, call a service, answer.

Lists and creation sit under their project (/projects/{id}/activities/), the
rest is flat (/activities/{id}/). Whatever is not the user's answers 404,
for every method, before anything else is looked at. Story writes count
against the per-user "story-write" rate limit.
"""

from typing import Any

from django.db.models import F, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.ratelimit import enforce_rate_limit
from projects.access import map_object_get_for_user, project_get_for_user
from projects.models import Project
from stories import services
from stories.models import Activity, Persona, Release, Step, Story
from stories.selectors import story_map_get

from .serializers import (
    ActivityCreateSerializer,
    ActivitySerializer,
    ActivityUpdateSerializer,
    MoveSerializer,
    PersonaSerializer,
    PersonaWriteSerializer,
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
)


def _parse(
    serializer_class: type[serializers.Serializer], request: Request, *, project: Project, partial: bool = False
) -> dict[str, Any]:
    """The request body validated by `serializer_class`, foreign ids resolved within `project` (400 otherwise)."""
    serializer = serializer_class(data=request.data, partial=partial, context={"project": project})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _limit_story_writes(request: Request) -> None:
    enforce_rate_limit(request, limit="story-write", key="user")


def _conflict(conflict: services.StoryConflict) -> Response:
    body = {"detail": str(conflict), "current": StorySerializer(conflict.story).data}
    return Response(body, status=status.HTTP_409_CONFLICT)


class ProjectObjectListView(GenericAPIView):
    """Lists one kind of map object of a project, a page at a time."""

    def list_response(self, queryset: QuerySet, serializer_class: type[serializers.Serializer]) -> Response:
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(serializer_class(page, many=True).data)


NO_CONTENT = {204: None}
CONFLICT = {409: StoryConflictSerializer}


# --- The whole map -----------------------------------------------------------------------


@extend_schema(tags=["projects"])
class StoryMapView(APIView):
    @extend_schema(responses=StoryMapSerializer)
    def get(self, request: Request, project_id: int) -> Response:
        """The whole board in board order: personas, releases, and activities with their steps and stories."""
        project = project_get_for_user(user=request.user, project_id=project_id)
        return Response(StoryMapSerializer(story_map_get(project=project)).data)


# --- Activities -------------------------------------------------------------------------


@extend_schema(tags=["activities"])
class ActivityListView(ProjectObjectListView):
    @extend_schema(responses=ActivitySerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id)
        return self.list_response(Activity.objects.filter(project=project), ActivitySerializer)

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(ActivityCreateSerializer, request, project=project)
        activity = services.activity_create(project=project, **data)
        return Response(ActivitySerializer(activity).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["activities"])
class ActivityDetailView(APIView):
    @extend_schema(responses=ActivitySerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ActivitySerializer(map_object_get_for_user(Activity, user=request.user, pk=pk)).data)

    @extend_schema(request=ActivityUpdateSerializer, responses=ActivitySerializer)
    def patch(self, request: Request, pk: int) -> Response:
        activity = map_object_get_for_user(Activity, user=request.user, pk=pk)
        data = _parse(ActivityUpdateSerializer, request, project=activity.project)
        return Response(ActivitySerializer(services.activity_update(activity=activity, **data)).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: Request, pk: int) -> Response:
        """Delete the activity with its steps and their stories."""
        services.activity_delete(activity=map_object_get_for_user(Activity, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["activities"])
class ActivityMoveView(APIView):
    @extend_schema(request=MoveSerializer, responses=ActivitySerializer)
    def post(self, request: Request, pk: int) -> Response:
        activity = map_object_get_for_user(Activity, user=request.user, pk=pk)
        data = _parse(MoveSerializer, request, project=activity.project)
        return Response(ActivitySerializer(services.activity_move(activity=activity, **data)).data)


# --- Steps ------------------------------------------------------------------------------


@extend_schema(tags=["steps"])
class StepListView(ProjectObjectListView):
    @extend_schema(responses=StepSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """Every step of the project, left to right across the board."""
        project = project_get_for_user(user=request.user, project_id=project_id)
        steps = Step.objects.filter(project=project).order_by("activity__position", "activity_id", "position", "pk")
        return self.list_response(steps, StepSerializer)

    @extend_schema(request=StepCreateSerializer, responses={201: StepSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(StepCreateSerializer, request, project=project)
        step = services.step_create(project=project, **data)
        return Response(StepSerializer(step).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["steps"])
class StepDetailView(APIView):
    @extend_schema(responses=StepSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(StepSerializer(map_object_get_for_user(Step, user=request.user, pk=pk)).data)

    @extend_schema(request=StepUpdateSerializer, responses=StepSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        step = map_object_get_for_user(Step, user=request.user, pk=pk)
        data = _parse(StepUpdateSerializer, request, project=step.project)
        return Response(StepSerializer(services.step_update(step=step, **data)).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: Request, pk: int) -> Response:
        """Delete the step with its stories."""
        services.step_delete(step=map_object_get_for_user(Step, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["steps"])
class StepMoveView(APIView):
    @extend_schema(request=StepMoveSerializer, responses=StepSerializer)
    def post(self, request: Request, pk: int) -> Response:
        """Move the step within its activity, or to another activity of the project; its stories go with it."""
        step = map_object_get_for_user(Step, user=request.user, pk=pk)
        data = _parse(StepMoveSerializer, request, project=step.project)
        return Response(StepSerializer(services.step_move(step=step, **data)).data)


# --- Releases ---------------------------------------------------------------------------


@extend_schema(tags=["releases"])
class ReleaseListView(ProjectObjectListView):
    @extend_schema(responses=ReleaseSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id)
        return self.list_response(Release.objects.filter(project=project), ReleaseSerializer)

    @extend_schema(request=ReleaseCreateSerializer, responses={201: ReleaseSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(ReleaseCreateSerializer, request, project=project)
        release = services.release_create(project=project, **data)
        return Response(ReleaseSerializer(release).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["releases"])
class ReleaseDetailView(APIView):
    @extend_schema(responses=ReleaseSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReleaseSerializer(map_object_get_for_user(Release, user=request.user, pk=pk)).data)

    @extend_schema(request=ReleaseUpdateSerializer, responses=ReleaseSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        release = map_object_get_for_user(Release, user=request.user, pk=pk)
        data = _parse(ReleaseUpdateSerializer, request, project=release.project)
        return Response(ReleaseSerializer(services.release_update(release=release, **data)).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: Request, pk: int) -> Response:
        """Delete the release; its stories move to the end of their steps' Unplanned cells."""
        services.release_delete(release=map_object_get_for_user(Release, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["releases"])
class ReleaseMoveView(APIView):
    @extend_schema(request=MoveSerializer, responses=ReleaseSerializer)
    def post(self, request: Request, pk: int) -> Response:
        release = map_object_get_for_user(Release, user=request.user, pk=pk)
        data = _parse(MoveSerializer, request, project=release.project)
        return Response(ReleaseSerializer(services.release_move(release=release, **data)).data)


# --- Personas ---------------------------------------------------------------------------


@extend_schema(tags=["personas"])
class PersonaListView(ProjectObjectListView):
    @extend_schema(responses=PersonaSerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id)
        return self.list_response(Persona.objects.filter(project=project), PersonaSerializer)

    @extend_schema(request=PersonaWriteSerializer, responses={201: PersonaSerializer})
    def post(self, request: Request, project_id: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(PersonaWriteSerializer, request, project=project)
        persona = services.persona_create(project=project, **data)
        return Response(PersonaSerializer(persona).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["personas"])
class PersonaDetailView(APIView):
    @extend_schema(responses=PersonaSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(PersonaSerializer(map_object_get_for_user(Persona, user=request.user, pk=pk)).data)

    @extend_schema(request=PersonaWriteSerializer(partial=True), responses=PersonaSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        persona = map_object_get_for_user(Persona, user=request.user, pk=pk)
        data = _parse(PersonaWriteSerializer, request, project=persona.project, partial=True)
        return Response(PersonaSerializer(services.persona_update(persona=persona, **data)).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: Request, pk: int) -> Response:
        """Delete the persona; its stories keep their place, without a persona."""
        services.persona_delete(persona=map_object_get_for_user(Persona, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Stories ----------------------------------------------------------------------------


@extend_schema(tags=["stories"])
class StoryListView(ProjectObjectListView):
    @extend_schema(responses=StorySerializer(many=True))
    def get(self, request: Request, project_id: int) -> Response:
        """Every story of the project in board order: column by column, each column release by release."""
        project = project_get_for_user(user=request.user, project_id=project_id)
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
    def post(self, request: Request, project_id: int) -> Response:
        """Add a story to the cell of a step by a release (Unplanned when none)."""
        _limit_story_writes(request)
        project = project_get_for_user(user=request.user, project_id=project_id)
        data = _parse(StoryCreateSerializer, request, project=project)
        story = services.story_create(project=project, **data)
        return Response(StorySerializer(story).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["stories"])
class StoryDetailView(APIView):
    @extend_schema(responses=StorySerializer)
    def get(self, request: Request, pk: int) -> Response:
        return Response(StorySerializer(map_object_get_for_user(Story, user=request.user, pk=pk)).data)

    @extend_schema(request=StoryUpdateSerializer, responses={200: StorySerializer, **CONFLICT})
    def patch(self, request: Request, pk: int) -> Response:
        """Change a story. With "version", refused (409, with the story as it is now) if it changed since."""
        _limit_story_writes(request)
        story = map_object_get_for_user(Story, user=request.user, pk=pk)
        data = _parse(StoryUpdateSerializer, request, project=story.project)
        try:
            story = services.story_update(story=story, **data)
        except services.StoryConflict as conflict:
            return _conflict(conflict)
        return Response(StorySerializer(story).data)

    @extend_schema(responses=NO_CONTENT)
    def delete(self, request: Request, pk: int) -> Response:
        _limit_story_writes(request)
        services.story_delete(story=map_object_get_for_user(Story, user=request.user, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["stories"])
class StoryMoveView(APIView):
    @extend_schema(request=StoryMoveSerializer, responses={200: StorySerializer, **CONFLICT})
    def post(self, request: Request, pk: int) -> Response:
        """Move a story to a place in the cell of a step by a release (null = Unplanned)."""
        _limit_story_writes(request)
        story = map_object_get_for_user(Story, user=request.user, pk=pk)
        data = _parse(StoryMoveSerializer, request, project=story.project)
        try:
            story = services.story_move(story=story, **data)
        except services.StoryConflict as conflict:
            return _conflict(conflict)
        return Response(StorySerializer(story).data)
