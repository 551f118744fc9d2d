from django.contrib import admin

from .models import Project


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin[Project]):
    list_display = ("name", "owner", "created", "updated")
    list_select_related = ("owner",)
    search_fields = ("name", "description", "owner__email")
    list_filter = ("created",)
    raw_id_fields = ("owner",)
    readonly_fields = ("created", "updated")
