"""The projects JSON API under /api/v1/projects/. Thin: parse, look up through `projects.access`, call a service."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from config.links import site_url
from config.ratelimit import enforce_rate_limit
from config.types import AuthenticatedRequest
from projects import services
from projects.access import project_get_for_user, require_role
from projects.limits import Role
from projects.models import Event, Invitation, Membership, Project
from projects.selectors import activity_for_project, invitations_pending, project_list_for_user

from .serializers import (
    EventSerializer,
    InvitationSerializer,
    MemberAddSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    OwnerTransferSerializer,
    ProjectSerializer,
    ProjectWriteSerializer,
    ShareLinkCreatedSerializer,
    ShareLinkSerializer,
    member_or_invitation,
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
    @extend_schema(responses=member_or_invitation(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """The project's members in the order they joined, then its pending invitations (the owner is its `owner`)."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        members = Membership.objects.filter(project=project).select_related("user")
        invitations = invitations_pending(project=project)
        return Response(
            [*MemberSerializer(members, many=True).data, *InvitationSerializer(invitations, many=True).data]
        )

    @extend_schema(request=MemberAddSerializer, responses={201: member_or_invitation()})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Add the account with that address as an editor or a viewer (the owner only); they are told by email.

        An address with no account is invited instead ("status": "invited"): it becomes a
        member when that address signs up and confirms it, within INVITATION_DAYS.
        """
        enforce_rate_limit(request, limit="invite", key="user")
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        serializer = MemberAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = services.membership_add(
            project=project, by=request.user, site_url=site_url(request), **serializer.validated_data
        )
        if isinstance(added, Invitation):
            return Response(InvitationSerializer(added).data, status=status.HTTP_201_CREATED)
        return Response(MemberSerializer(added).data, status=status.HTTP_201_CREATED)


def _invitation(request: AuthenticatedRequest, project_id: int, invitation_id: int) -> Invitation:
    # Only the owner manages invitations: anyone else is refused before learning whether one exists.
    project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
    return get_object_or_404(
        Invitation.objects.select_related("project"), project=project, pk=invitation_id, accepted__isnull=True
    )


@extend_schema(tags=["members"])
class InvitationDetailView(APIView):
    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, project_id: int, invitation_id: int) -> Response:
        """Cancel a pending invitation (the owner only): its email then leads to no membership."""
        services.invitation_cancel(invitation=_invitation(request, project_id, invitation_id), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["members"])
class InvitationResendView(APIView):
    @extend_schema(request=None, responses=InvitationSerializer)
    def post(self, request: AuthenticatedRequest, project_id: int, invitation_id: int) -> Response:
        """Send the invitation again (the owner only): it then stands for another INVITATION_DAYS."""
        enforce_rate_limit(request, limit="invite", key="user")
        invitation = services.invitation_resend(
            invitation=_invitation(request, project_id, invitation_id), by=request.user, site_url=site_url(request)
        )
        return Response(InvitationSerializer(invitation).data)


@extend_schema(tags=["members"])
class ShareLinkView(APIView):
    """The project's read-only link: anyone with its URL reads the board, without an account."""

    @extend_schema(responses=ShareLinkSerializer)
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Whether there is a link, and since when (the owner only). The URL itself is not kept."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        return Response({"active": project.share_token_hash is not None, "created": project.share_created})

    @extend_schema(request=None, responses={201: ShareLinkCreatedSerializer})
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Make a new link (the owner only); an earlier one stops working. Its URL is shown this once."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        token = services.share_link_create(project=project, by=request.user)
        project.refresh_from_db(fields=["share_created"])
        url = site_url(request) + reverse("stories:shared-board", kwargs={"token": token})
        return Response({"url": url, "active": True, "created": project.share_created}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={204: None})
    def delete(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Revoke the link (the owner only): its URL answers 404 from now on."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        services.share_link_revoke(project=project, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


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


@extend_schema(tags=["members"])
class OwnerTransferView(APIView):
    @extend_schema(request=OwnerTransferSerializer, responses=ProjectSerializer)
    def post(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Hand the project to one of its editors (the owner only): they become the owner, and you an editor."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.OWNER)
        serializer = OwnerTransferSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = get_object_or_404(
            Membership.objects.select_related("user"), project=project, pk=serializer.validated_data["member_id"]
        )
        project = services.project_owner_transfer(project=project, by=request.user, member=member)
        return Response(ProjectSerializer(_with_counts(request.user, project)).data)


@extend_schema(tags=["activity"])
class ActivityFeedView(GenericAPIView[Event]):
    serializer_class = EventSerializer

    @extend_schema(responses=EventSerializer(many=True))
    def get(self, request: AuthenticatedRequest, project_id: int) -> Response:
        """Who did what to the project and when, newest first, a page at a time (any member may read it)."""
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        page = self.paginate_queryset(activity_for_project(project=project))
        return self.get_paginated_response(EventSerializer(page, many=True).data)
