"""AI map generation over the JSON API: ask for a map (202), then follow the generation."""

from uuid import UUID

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from aimap import services
from aimap.document import DocumentInvalid
from aimap.exports import EPIC_LEVELS
from aimap.imports import MAX_IMPORT_BYTES, document_from_file
from aimap.selectors import EXPORT_FORMATS, generations_for_user, project_export
from config.ratelimit import enforce_rate_limit
from projects.access import project_get_for_user
from projects.api.serializers import ProjectSerializer
from projects.selectors import project_list_for_user

from .serializers import GenerateMapSerializer, GenerationSerializer


class GenerateMapView(APIView):
    @extend_schema(request=GenerateMapSerializer, responses={202: GenerationSerializer})
    def post(self, request: Request, project_id: int) -> Response:
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
    def get(self, request: Request, generation_id: UUID) -> Response:
        generation = get_object_or_404(generations_for_user(request.user), pk=generation_id)
        return Response(GenerationSerializer(generation).data)


class ExportView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("format", str, enum=list(EXPORT_FORMATS), default="json"),
            OpenApiParameter("epics", str, enum=list(EPIC_LEVELS), default="activities", description="CSV only"),
        ],
        responses={(200, "application/json"): OpenApiTypes.OBJECT, (200, "text/csv"): str, (200, "text/markdown"): str},
    )
    def get(self, request: Request, project_id: int) -> HttpResponse:
        """The map as a story map document (json), a Jira-ready CSV (csv) or a Markdown outline (md)."""
        project = project_get_for_user(user=request.user, project_id=project_id)
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


def uploaded_file(request) -> tuple[bytes, str, str]:
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
    body = {"detail": "The file was not imported; nothing was changed.", "problems": error.problems}
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
    def post(self, request: Request) -> Response:
        """A new project from a story map document (JSON), a spreadsheet CSV or Jira CSV."""
        try:
            content, filename, content_type = uploaded_file(request)
            document = document_from_file(content, filename=filename, content_type=content_type)
        except DocumentInvalid as error:
            return problems_response(error)
        project = services.project_import(
            owner=request.user, document=document, name=request.query_params.get("name", ""), filename=filename
        )
        project = project_list_for_user(user=request.user).get(pk=project.pk)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)


class MapImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="projects_import_into",
        request=IMPORT_BODY,
        parameters=[OpenApiParameter("mode", str, enum=["replace", "append"], default="replace")],
        responses={201: ProjectSerializer},
    )
    def post(self, request: Request, project_id: int) -> Response:
        """Import into this project: replace its map (kept under Earlier maps) or append to it."""
        project = project_get_for_user(user=request.user, project_id=project_id)
        try:
            content, filename, content_type = uploaded_file(request)
            document = document_from_file(content, filename=filename, content_type=content_type)
        except DocumentInvalid as error:
            return problems_response(error)
        services.map_import(project=project, document=document, mode=request.query_params.get("mode", "replace"))
        project = project_list_for_user(user=request.user).get(pk=project.pk)
        return Response(ProjectSerializer(project).data, status=status.HTTP_201_CREATED)
