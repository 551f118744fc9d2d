from django.contrib import admin
from django.http import HttpRequest

from .models import Generation, Proposal


@admin.register(Generation)
class GenerationAdmin(admin.ModelAdmin[Generation]):
    list_display = (
        "created",
        "user",
        "project",
        "status",
        "provider",
        "model",
        "cached",
        "duration_ms",
        "prompt_tokens",
        "completion_tokens",
    )
    list_select_related = ("user", "project")
    list_filter = ("status", "provider", "cached", "mode")
    search_fields = ("user__email", "project__name", "prompt_hash", "error")
    date_hierarchy = "created"
    readonly_fields = [field.name for field in Generation._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin[Proposal]):
    """What the assists proposed and what became of it, to read: proposals are decided on the board."""

    list_display = ("created", "user", "project", "kind", "target_title", "status", "provider", "cached")
    list_select_related = ("user", "project")
    list_filter = ("kind", "status", "provider", "cached")
    search_fields = ("user__email", "project__name", "target_title")
    date_hierarchy = "created"
    readonly_fields = [field.name for field in Proposal._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
