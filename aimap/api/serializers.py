from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aimap.models import Generation, Proposal
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


class ProposalTargetSerializer(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["step", "story", "activity"], read_only=True)
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)


class ProposalSerializer(serializers.ModelSerializer[Proposal]):
    target = serializers.SerializerMethodField(help_text="The step, story or activity the proposal is for.")
    items = serializers.JSONField(
        read_only=True,
        help_text="suggest_stories and split: story items {title, description, acceptance_criteria, priority, "
        "estimate, persona, release}; suggest_criteria: {text}; fill_gaps: {title, description, position, stories}.",
    )

    class Meta:
        model = Proposal
        fields = ["id", "kind", "status", "target", "before", "items", "provider", "cached", "created", "expires"]
        read_only_fields = fields

    @extend_schema_field(ProposalTargetSerializer)
    def get_target(self, proposal: Proposal) -> dict[str, Any]:
        return {"type": proposal.target_type, "id": proposal.target_id, "title": proposal.target_title}

    def to_representation(self, proposal: Proposal) -> dict[str, Any]:
        data: dict[str, Any] = super().to_representation(proposal)
        if proposal.kind == Proposal.Kind.SUGGEST_CRITERIA:
            data["items"] = [{"text": text} for text in proposal.items]
        return data


class ProposalChoiceSerializer(serializers.Serializer[Any]):
    index = serializers.IntegerField(help_text="The item's index in the proposal's items.")


class ProposalAcceptSerializer(serializers.Serializer[Any]):
    items = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text='The chosen items, [{"index": 0}, {"index": 2, "title": "edited"}]: each by its index, with any '
        "fields edited (a story item's fields; text for a criterion; title and description for a step). "
        "Leave it out to accept every item.",
    )


class ProposalAcceptedSerializer(serializers.Serializer[Any]):
    proposal = ProposalSerializer(read_only=True)
    stories = serializers.ListField(child=serializers.IntegerField(), help_text="Stories added or changed.")
    steps = serializers.ListField(child=serializers.IntegerField(), help_text="Steps added.")
    undo = serializers.JSONField(help_text="What your Undo now does: {id, label}, or null.")
    redo = serializers.JSONField(help_text="What your Redo now does: {id, label}, or null.")
