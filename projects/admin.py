from django.contrib import admin

from .models import Membership, Project


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
