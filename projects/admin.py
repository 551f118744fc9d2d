from django.contrib import admin
from django.http import HttpRequest

from .models import Invitation, Membership, Project


class MembershipInline(admin.TabularInline[Membership, Project]):
    """Who else works on the project, and as what: an admin can add or remove an editor or a viewer."""

    model = Membership
    extra = 0
    raw_id_fields = ("user",)
    readonly_fields = ("joined",)


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ("name", "owner", "created", "updated")
    list_select_related = ("owner",)
    search_fields = ("name", "description", "owner__email")
    list_filter = ("created",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created", "updated")
    inlines = (MembershipInline,)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin[Invitation]):
    """Invitations to addresses with no account: an admin may cancel one (delete it), not make one.

    Made here, an invitation would send no email; the owner invites from the board or the API.
    """

    list_display = ("email", "project", "role", "invited_by", "created", "expires", "accepted")
    list_select_related = ("project", "invited_by")
    search_fields = ("email", "project__name")
    list_filter = ("role", "created", "accepted")
    raw_id_fields = ("project", "invited_by")
    readonly_fields = ("project", "email", "invited_by", "created", "expires", "sent_count", "last_sent", "accepted")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
