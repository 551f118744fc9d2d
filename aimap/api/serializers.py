from typing import Any

from rest_framework import serializers

from aimap.models import Generation
from projects.limits import PROJECT_DESCRIPTION_MAX


class GenerationProgressSerializer(serializers.Serializer[Any]):
    """How far a generation has got, saved as its stages finish."""

    stage = serializers.ChoiceField(
        choices=["queued", "backbone", "stories", "done"],
        read_only=True,
        help_text="queued: waiting for a worker; backbone: drafting personas, releases, activities and steps; "
        "stories: writing the stories, activity by activity; done: the map is complete. A failed generation "
        "keeps the stage it failed in.",
    )
    activities_total = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Activities in the backbone; null until the backbone is ready."
    )
    activities_done = serializers.IntegerField(read_only=True, help_text="Activities whose stories are written.")


class GenerationSerializer(serializers.ModelSerializer[Generation]):
    progress = GenerationProgressSerializer(read_only=True)

    class Meta:
        model = Generation
        fields = [
            "id",
            "project",
            "status",
            "mode",
            "cached",
            "provider",
            "model",
            "error",
            "created",
            "started",
            "finished",
            "counts",
            "progress",
        ]
        read_only_fields = fields


class GenerateMapSerializer(serializers.Serializer[Any]):
    description = serializers.CharField(required=False, max_length=PROJECT_DESCRIPTION_MAX, allow_blank=True)
    mode = serializers.ChoiceField(
        choices=Generation.Mode.values,
        default=Generation.Mode.REPLACE,
        help_text="replace: the current map is kept under Earlier maps, with no confirmation asked (unlike the "
        "page); append: added after the current map, joining activities and steps of the same title.",
    )
