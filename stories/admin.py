from typing import Any, ClassVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from projects.services import project_map_changed

from .models import Activity, Comment, MapSnapshot, Persona, Release, Step, Story


class MapObjectAdmin[M: Model](admin.ModelAdmin[M]):
    list_select_related: ClassVar[tuple[str, ...]] = ("project",)
    list_filter: ClassVar[tuple[str, ...]] = ("project",)
    raw_id_fields: ClassVar[tuple[str, ...]] = ("project",)

    # The admin writes rows directly, not through the services: tell the map it changed.
    def save_model(self, request: HttpRequest, obj: M, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        project_map_changed(project_id=obj.project_id)  # type: ignore[attr-defined]

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        super().delete_model(request, obj)
        project_map_changed(project_id=obj.project_id)  # type: ignore[attr-defined]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        projects = set(queryset.values_list("project_id", flat=True))
        super().delete_queryset(request, queryset)
        for project_id in projects:
            project_map_changed(project_id=project_id)


class StoryInline(admin.TabularInline[Story, Step]):
    model = Story
    fields = ("title", "release", "status", "priority", "estimate", "persona", "position")
    raw_id_fields = ("release", "persona")
    extra = 0
    ordering = ("release__position", "position")


class StepInline(admin.TabularInline[Step, Activity]):
    model = Step
    fields = ("title", "position")
    extra = 0
    show_change_link = True


@admin.register(Activity)
class ActivityAdmin(MapObjectAdmin[Activity]):
    list_display = ("title", "project", "position")
    search_fields = ("title", "project__name")
    inlines = [StepInline]


@admin.register(Step)
class StepAdmin(MapObjectAdmin[Step]):
    list_display = ("title", "activity", "project", "position")
    list_select_related = ("project", "activity")
    search_fields = ("title", "activity__title", "project__name")
    raw_id_fields = ("project", "activity")
    inlines = [StoryInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: Any) -> None:
        # Stories added inline belong to the step's project.
        for story in formset.save(commit=False):
            story.project_id = form.instance.project_id
            if story.pk:
                story.version += 1  # so that an editor open on the board sees the change
            story.save()
        for story in formset.deleted_objects:
            story.delete()


@admin.register(Release)
class ReleaseAdmin(MapObjectAdmin[Release]):
    list_display = ("name", "project", "position")
    search_fields = ("name", "project__name")


@admin.register(Persona)
class PersonaAdmin(MapObjectAdmin[Persona]):
    list_display = ("name", "project")
    search_fields = ("name", "project__name")


@admin.register(Story)
class StoryAdmin(MapObjectAdmin[Story]):
    list_display = ("title", "project", "step", "release", "status", "priority", "estimate", "version")
    list_select_related = ("project", "step", "release")
    list_filter = ("status", "priority", "project")
    search_fields = ("title", "description", "project__name")
    raw_id_fields = ("project", "step", "release", "persona")
    readonly_fields = ("version", "created", "updated")

    def save_model(self, request: HttpRequest, obj: Story, form: Any, change: Any) -> None:
        if change:
            obj.version += 1  # so that an editor open on the board sees the change
        super().save_model(request, obj, form, change)


@admin.register(MapSnapshot)
class MapSnapshotAdmin(admin.ModelAdmin[MapSnapshot]):
    list_display = ("created", "project", "reason")
    list_select_related = ("project",)
    search_fields = ("project__name", "reason")
    readonly_fields = ("project", "reason", "document", "counts", "created")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin[Comment]):
    """Comments as people wrote them: readable and deletable here (moderation), not rewritten."""

    list_display = ("created", "project", "story", "author", "excerpt")
    list_select_related = ("project", "story", "author")
    list_filter = ("project",)
    search_fields = ("body", "story__title", "project__name", "author__email")
    readonly_fields = ("project", "story", "author", "body", "created")

    @admin.display(description="Comment")
    def excerpt(self, comment: Comment) -> str:
        return comment.body[:80]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
