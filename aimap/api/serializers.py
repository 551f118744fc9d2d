from rest_framework import serializers

from aimap.models import Generation


class GenerationSerializer(serializers.ModelSerializer):
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
        ]
        read_only_fields = fields


class GenerateMapSerializer(serializers.Serializer):
    description = serializers.CharField(required=False, max_length=10_000, allow_blank=True)
    mode = serializers.ChoiceField(choices=Generation.Mode.values, default=Generation.Mode.REPLACE)
