"""The projects JSON API under /api/v1/projects/. Thin: parse, look up through `projects.access`, call a service."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.types import AuthenticatedRequest
from projects import services
from projects.access import project_get_for_user
from projects.limits import Role
from projects.models import Project
from projects.selectors import project_list_for_user

from .serializers import ProjectSerializer, ProjectWriteSerializer


def _with_counts(user: User, project: Project) -> Project:
    """`project` (already checked to be `user`'s) again, with the counts the list shows."""
    return project_list_for_user(user=user).get(pk=project.pk)


class ProjectListView(GenericAPIView[Project]):
    @extend_schema(responses=ProjectSerializer(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        """The user's projects, the most recently changed first."""
        page = self.paginate_queryset(project_list_for_user(user=request.user))
        return self.get_paginated_response(ProjectSerializer(page, many=True).data)

    @extend_schema(request=ProjectWriteSerializer, responses={201: ProjectSerializer})
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = ProjectWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.project_create(owner=request.user, **serializer.validated_data)
        return Response(ProjectSerializer(_with_counts(request.user, project)).data, status=status.HTTP_201_CREATED)


class ProjectDetailView(APIView):
    @extend_schema(responses=ProjectSerializer)
    def get(self, request: AuthenticatedRequest, pk: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=pk, need=Role.VIEWER)
        return Response(ProjectSerializer(_with_counts(request.user, project)).data)

    @extend_schema(request=ProjectWriteSerializer(partial=True), responses=ProjectSerializer)
    def patch(self, request: AuthenticatedRequest, pk: int) -> Response:
        project = project_get_for_user(user=request.user, project_id=pk, need=Role.OWNER)
        serializer = ProjectWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        project = services.project_update(project=project, **serializer.validated_data)
        return Response(ProjectSerializer(_with_counts(request.user, project)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, pk: int) -> Response:
        """Delete the project with its whole map."""
        project = project_get_for_user(user=request.user, project_id=pk, need=Role.OWNER)
        services.project_delete(project=project)
        return Response(status=status.HTTP_204_NO_CONTENT)
