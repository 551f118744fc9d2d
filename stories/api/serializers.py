"""Story maps as JSON: what the API answers and what it accepts.

Output serializers read ids (`step_id`, `release_id`, …) and the lists
`story_map_get` prepared (`.step_list`, `.story_list`), never following a
foreign key, so a whole board serialises without a query per object.

Input serializers resolve every foreign id within `context["project"]`:
an id of another project, of another user's project or of nothing at all is
"does not exist", a 400 naming the field.
"""

from typing import Any

from django.db.models import Model, QuerySet
from rest_framework import serializers

from projects.api.serializers import ProjectSummarySerializer, StringField
from stories.models import TEXT_MAX, TITLE_MAX, Activity, Persona, Release, Step, Story
from stories.services import CRITERION_MAX

INT_MAX = 2_147_483_647  # the largest value a PositiveIntegerField holds on every database


class ProjectObjectField(serializers.PrimaryKeyRelatedField):
    """The id of a `model` object of the project in the serializer's context."""

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        message = f"There is no {model._meta.verbose_name} with id {{pk_value}} in this project."
        kwargs.setdefault("error_messages", {"does_not_exist": message})
        super().__init__(queryset=model.objects.all(), pk_field=serializers.IntegerField(), **kwargs)

    def get_queryset(self) -> QuerySet:
        return super().get_queryset().filter(project=self.context["project"])


def _position(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=INT_MAX, **kwargs)


def _text_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(child=StringField(max_length=CRITERION_MAX, allow_blank=True), **kwargs)


# --- Output ----------------------------------------------------------------------------


class PersonaSerializer(serializers.ModelSerializer):
    goals = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Persona
        fields = ["id", "name", "description", "goals", "position"]
        read_only_fields = fields


class ReleaseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Release
        fields = ["id", "name", "goal", "position"]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "title", "description", "position"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    activity = serializers.IntegerField(source="activity_id", read_only=True)

    class Meta:
        model = Step
        fields = ["id", "activity", "title", "description", "position"]
        read_only_fields = fields


class StorySerializer(serializers.ModelSerializer):
    step = serializers.IntegerField(source="step_id", read_only=True)
    release = serializers.IntegerField(source="release_id", read_only=True, allow_null=True)
    persona = serializers.IntegerField(source="persona_id", read_only=True, allow_null=True)
    acceptance_criteria = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Story
        fields = [
            "id",
            "step",
            "release",
            "persona",
            "title",
            "description",
            "acceptance_criteria",
            "status",
            "priority",
            "estimate",
            "position",
            "version",
            "created",
            "updated",
        ]
        read_only_fields = fields


class StoryConflictSerializer(serializers.Serializer):
    detail = serializers.CharField()
    current = StorySerializer(help_text="The story as it is now.")


# --- The whole map -----------------------------------------------------------------------


class MapStorySerializer(serializers.ModelSerializer):
    release = serializers.IntegerField(source="release_id", read_only=True, allow_null=True)
    persona = serializers.IntegerField(source="persona_id", read_only=True, allow_null=True)
    acceptance_criteria = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Story
        fields = [
            "id",
            "title",
            "description",
            "acceptance_criteria",
            "status",
            "priority",
            "estimate",
            "persona",
            "release",
            "position",
            "version",
        ]
        read_only_fields = fields


class MapStepSerializer(serializers.ModelSerializer):
    stories = MapStorySerializer(source="story_list", many=True, read_only=True)

    class Meta:
        model = Step
        fields = ["id", "title", "description", "position", "stories"]
        read_only_fields = fields


class MapActivitySerializer(serializers.ModelSerializer):
    steps = MapStepSerializer(source="step_list", many=True, read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "description", "position", "steps"]
        read_only_fields = fields


class StoryMapSerializer(serializers.Serializer):
    """A `stories.selectors.StoryMap`: the board, column by column, each column's stories release by release."""

    project = ProjectSummarySerializer(read_only=True)
    personas = PersonaSerializer(many=True, read_only=True)
    releases = ReleaseSerializer(many=True, read_only=True)
    activities = MapActivitySerializer(many=True, read_only=True)


# --- Input ----------------------------------------------------------------------------


class MoveSerializer(serializers.Serializer):
    position = _position(help_text="The new place among its siblings, from 0; past the end means last.")


class ActivityCreateSerializer(serializers.Serializer):
    title = StringField(max_length=TITLE_MAX)
    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    position = _position(required=False, help_text="Where to insert it, from 0; the end when left out.")


class ActivityUpdateSerializer(serializers.Serializer):
    title = StringField(max_length=TITLE_MAX, required=False)
    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)


class StepCreateSerializer(serializers.Serializer):
    activity = ProjectObjectField(Activity)
    title = StringField(max_length=TITLE_MAX)
    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    position = _position(required=False, help_text="Where to insert it in its activity, from 0; the end when left out.")


class StepUpdateSerializer(ActivityUpdateSerializer):
    pass


class StepMoveSerializer(MoveSerializer):
    activity = ProjectObjectField(Activity, required=False, help_text="Another activity to move it to, if any.")


class ReleaseCreateSerializer(serializers.Serializer):
    name = StringField(max_length=TITLE_MAX)
    goal = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    position = _position(required=False, help_text="Where to insert it, from 0; the end when left out.")


class ReleaseUpdateSerializer(serializers.Serializer):
    name = StringField(max_length=TITLE_MAX, required=False)
    goal = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)


class PersonaWriteSerializer(serializers.Serializer):
    """Create (name required) or, with partial=True, change a persona."""

    name = StringField(max_length=TITLE_MAX)
    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    goals = _text_list(required=False)


class StoryFieldsSerializer(serializers.Serializer):
    """The fields of a story's card, all optional."""

    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    acceptance_criteria = _text_list(required=False)
    status = serializers.ChoiceField(choices=Story.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Story.Priority.choices, required=False)
    estimate = serializers.IntegerField(min_value=0, max_value=INT_MAX, allow_null=True, required=False)
    persona = ProjectObjectField(Persona, allow_null=True, required=False)


class StoryCreateSerializer(StoryFieldsSerializer):
    step = ProjectObjectField(Step)
    release = ProjectObjectField(Release, allow_null=True, required=False, help_text="Unplanned when null or left out.")
    title = StringField(max_length=TITLE_MAX)
    position = _position(required=False, help_text="Where to insert it in its cell, from 0; the end when left out.")


class StoryUpdateSerializer(StoryFieldsSerializer):
    step = ProjectObjectField(Step, required=False, help_text="Another step: the story goes to the end of its cell.")
    release = ProjectObjectField(
        Release, allow_null=True, required=False, help_text="Another release (null = Unplanned): the end of its cell."
    )
    title = StringField(max_length=TITLE_MAX, required=False)
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read: refused with 409 if the story changed since."
    )


class StoryMoveSerializer(serializers.Serializer):
    step = ProjectObjectField(Step)
    release = ProjectObjectField(Release, allow_null=True, help_text="null = Unplanned.")
    position = _position(help_text="The new place in the cell, from 0; past the end means last.")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read: refused with 409 if the story changed since."
    )
