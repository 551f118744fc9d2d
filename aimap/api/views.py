"""AI map generation over the JSON API: ask for a map (202), then follow the generation."""

from uuid import UUID

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from aimap import assists, proposals, services
from aimap.limits import AssistKind
from aimap.models import Proposal
from aimap.providers import ProviderError
from aimap.selectors import generations_for_user, proposals_for_user
from config.ratelimit import enforce_rate_limit
from config.types import AuthenticatedRequest
from projects.access import map_object_get_for_user, project_get_for_user
from stories.models import Activity, Step, Story

from .serializers import (
    GenerateMapSerializer,
    GenerationSerializer,
    ProposalAcceptedSerializer,
    ProposalAcceptSerializer,
    ProposalSerializer,
)


class GenerateMapView(APIView):
    @extend_schema(request=GenerateMapSerializer, responses={202: GenerationSerializer})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Draft the project's story map with AI, from its description or the one given. Runs in the background.

        Follow it at /api/v1/generations/{id}/: `progress` tells the stage and how many activities have their
        stories. Unlike the page, replacing a map that is not empty asks for no confirmation here; the map
        replaced is kept under Earlier maps all the same.
        """
        project = project_get_for_user(user=request.user, project_id=project_id)
        enforce_rate_limit(request, limit="generate", key="user")
        serializer = GenerateMapSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        generation = services.generation_request(user=request.user, project=project, **serializer.validated_data)
        generation.refresh_from_db()  # the in-process task backend may have finished it already
        return Response(GenerationSerializer(generation).data, status=status.HTTP_202_ACCEPTED)


class GenerationView(APIView):
    @extend_schema(responses=GenerationSerializer)
    def get(self, request: AuthenticatedRequest, generation_id: UUID) -> Response:
        generation = get_object_or_404(generations_for_user(request.user), pk=generation_id)
        generation = services.generation_fail_if_stale(generation=generation)
        return Response(GenerationSerializer(generation).data)


class _Assist(APIView):
    """One assist on one row of a map: answers a proposal, writes nothing."""

    kind: str
    model: type[Activity | Step | Story]

    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        row = map_object_get_for_user(self.model, user=request.user, pk=pk)
        enforce_rate_limit(request, limit="assist", key="user")
        try:
            proposal = assists.proposal_create(user=request.user, kind=self.kind, row=row)
        except assists.NothingToPropose as nothing:
            return Response({"detail": str(nothing)}, status=status.HTTP_422_UNPROCESSABLE_ENTITY)
        except ProviderError as error:
            return Response({"detail": str(error)}, status=status.HTTP_502_BAD_GATEWAY)
        return Response(ProposalSerializer(proposal).data, status=status.HTTP_201_CREATED)


ASSIST_RESPONSES = {201: ProposalSerializer, 422: OpenApiTypes.OBJECT, 502: OpenApiTypes.OBJECT}


@extend_schema(tags=["assists"])
class SuggestStoriesView(_Assist):
    kind, model = AssistKind.SUGGEST_STORIES, Step

    @extend_schema(request=None, responses=ASSIST_RESPONSES)
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Propose 3 to 5 new cards for the step that the map lacks. 422 when there is nothing new to suggest."""
        return super().post(request, pk)


@extend_schema(tags=["assists"])
class SuggestCriteriaView(_Assist):
    kind, model = AssistKind.SUGGEST_CRITERIA, Story

    @extend_schema(request=None, responses=ASSIST_RESPONSES)
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Propose 2 to 5 new Given/When/Then acceptance criteria for the story."""
        return super().post(request, pk)


@extend_schema(tags=["assists"])
class SplitStoryView(_Assist):
    kind, model = AssistKind.SPLIT, Story

    @extend_schema(request=None, responses=ASSIST_RESPONSES)
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Propose 2 to 4 smaller stories that together deliver this one: for a story of 8 points or more, or one
        joining two actions with "and"/"or" (422 otherwise, saying why)."""
        return super().post(request, pk)


@extend_schema(tags=["assists"])
class FillGapsView(_Assist):
    kind, model = AssistKind.FILL_GAPS, Activity

    @extend_schema(request=None, responses=ASSIST_RESPONSES)
    def post(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Propose the steps the activity's journey is missing, each at its position, with its first cards."""
        return super().post(request, pk)


def _proposal(request: AuthenticatedRequest, proposal_id: UUID) -> Proposal:
    """One of your own proposals, on a project you can still see (404 otherwise)."""
    return get_object_or_404(proposals_for_user(request.user), pk=proposal_id)


def _refused(refused: proposals.ProposalRefused) -> Response:
    return Response({"detail": str(refused), "code": refused.code}, status=status.HTTP_409_CONFLICT)


@extend_schema(tags=["assists"])
class ProposalView(APIView):
    @extend_schema(responses=ProposalSerializer)
    def get(self, request: AuthenticatedRequest, proposal_id: UUID) -> Response:
        return Response(ProposalSerializer(_proposal(request, proposal_id)).data)


@extend_schema(tags=["assists"])
class ProposalAcceptView(APIView):
    @extend_schema(
        request=ProposalAcceptSerializer, responses={200: ProposalAcceptedSerializer, 409: OpenApiTypes.OBJECT}
    )
    def post(self, request: AuthenticatedRequest, proposal_id: UUID) -> Response:
        """Put the chosen items on the map as one undoable change; 409 if the proposal expired, was decided already,
        or its step, story or activity changed since."""
        proposal = _proposal(request, proposal_id)
        enforce_rate_limit(request, limit="map-write", key="user")
        choices = request.data.get("items") if isinstance(request.data, dict) else None
        try:
            done = proposals.proposal_accept(proposal=proposal, user=request.user, choices=choices)
        except proposals.ProposalRefused as refused:
            return _refused(refused)
        state = done.history
        body = {
            "proposal": ProposalSerializer(done.proposal).data,
            "stories": done.stories,
            "steps": done.steps,
            "undo": {"id": state.undo.id, "label": state.undo.label} if state and state.undo else None,
            "redo": {"id": state.redo.id, "label": state.redo.label} if state and state.redo else None,
        }
        return Response(body)


@extend_schema(tags=["assists"])
class ProposalRejectView(APIView):
    @extend_schema(request=None, responses={200: ProposalSerializer, 409: OpenApiTypes.OBJECT})
    def post(self, request: AuthenticatedRequest, proposal_id: UUID) -> Response:
        """Set the proposal aside; nothing on the map changes."""
        try:
            proposal = proposals.proposal_reject(proposal=_proposal(request, proposal_id), user=request.user)
        except proposals.ProposalRefused as refused:
            return _refused(refused)
        return Response(ProposalSerializer(proposal).data)
