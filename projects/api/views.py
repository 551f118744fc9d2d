"""The projects JSON API under /api/v1/projects/. Thin: parse, look up through `projects.access`, call a service."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.ratelimit import enforce_rate_limit
from config.types import AuthenticatedRequest
from projects import services
from projects.access import project_get_for_user, require_role
from projects.limits import Role
from projects.models import Membership, Project
from projects.selectors import project_list_for_user

from .serializers import (
    MemberAddSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
)


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


# --- Members ----------------------------------------------------------------------------


def _membership(request: AuthenticatedRequest, project_id: int, member_id: int) -> Membership:
    # Anyone of the project may reach a membership; what they may do with it the service decides.
    project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
    return get_object_or_404(Membership.objects.select_related("user", "project"), project=project, pk=member_id)


@extend_schema(tags=["members"])
class MemberListView(APIView):
    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """The project's members, in the order they joined (the owner is the project's `owner`)."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        members = Membership.objects.filter(project=project).select_related("user")
        return Response(MemberSerializer(members, many=True).data)

    @extend_schema(request=MemberAddSerializer, responses={201: MemberSerializer})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Add the account with that address as an editor or a viewer (the owner only); they are told by email."""
        enforce_rate_limit(request, limit="invite", key="user")
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_add(project=project, by=request.user, **serializer.validated_data)
        return Response(MemberSerializer(membership).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["members"])
class MemberDetailView(APIView):
    @extend_schema(request=MemberRoleSerializer, responses=MemberSerializer)
    def patch(self, request: AuthenticatedRequest, project_id: int, member_id: int) -> Response:
        """Change a member's role (the owner only)."""
        membership = _membership(request, project_id, member_id)
        require_role(membership.project, request.user, Role.OWNER)  # before the body: a viewer learns no more
        serializer = MemberRoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_update(membership=membership, by=request.user, **serializer.validated_data)
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, member_id: int, project_id: int) -> Response:
        """Remove a member (the owner), or leave the project (the member themselves)."""
        services.membership_remove(membership=_membership(request, project_id, member_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
