"""AI map generation over the JSON API: ask for a map (202), then follow the generation."""

from uuid import UUID

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from aimap import services
from aimap.selectors import generations_for_user
from config.ratelimit import enforce_rate_limit
from config.types import AuthenticatedRequest
from projects.access import project_get_for_user

from .serializers import GenerateMapSerializer, GenerationSerializer


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
