"""Projects as JSON: what the API answers and what it accepts."""

from typing import Any

from rest_framework import serializers

from projects.limits import PROJECT_DESCRIPTION_MAX, PROJECT_NAME_MAX
from projects.models import Project


class StringField(serializers.CharField):
    """A CharField that takes only JSON strings (DRF's would turn 42 into "42")."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ProjectSummarySerializer(serializers.ModelSerializer[Project]):
    """A project without its counts: the header of a story map."""

    class Meta:
        model = Project
        fields = ["id", "name", "description", "created", "updated"]
        read_only_fields = fields


class ProjectSerializer(ProjectSummarySerializer):
    """A project as listed: with the counts annotated by `project_list_for_user`."""

    activity_count = serializers.IntegerField(read_only=True)
    story_count = serializers.IntegerField(read_only=True)
    point_total = serializers.IntegerField(read_only=True)

    class Meta(ProjectSummarySerializer.Meta):
        fields = [*ProjectSummarySerializer.Meta.fields, "activity_count", "story_count", "point_total"]
        read_only_fields = fields


class ProjectWriteSerializer(serializers.Serializer[Any]):
    """Create (name required) or, with partial=True, change a project."""

    name = StringField(max_length=PROJECT_NAME_MAX)
    description = StringField(max_length=PROJECT_DESCRIPTION_MAX, allow_blank=True, required=False)
