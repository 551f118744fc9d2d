"""Story maps as JSON: what the API answers and what it accepts.

Output serializers read ids (`step_id`, `release_id`, …) and the lists
`story_map_get` prepared (`.step_list`, `.story_list`), never following a
foreign key, so a whole board serialises without a query per object.

Input serializers resolve every foreign id within `context["project"]`:
an id of another project, of another user's project or of nothing at all is
"does not exist", a 400 naming the field.
"""

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, cast

from django.db.models import Model, QuerySet
from django.utils.text import compress_string
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from projects.api.serializers import PersonSerializer, ProjectSummarySerializer, StringField
from projects.models import Project
from stories import quality
from stories.labels import KEY_ORDER, clean_label_keys
from stories.limits import (
    COMMENT_MAX,
    CRITERIA_MAX,
    CRITERION_MAX,
    ESTIMATE_MAX,
    ESTIMATE_MIN,
    LABELS_PER_STORY_MAX,
    TEXT_MAX,
    TITLE_MAX,
)
from stories.models import Activity, Comment, Persona, Release, Step, Story
from stories.selectors import story_map_get
from stories.services import comment_may_delete

INT_MAX = 2_147_483_647  # the largest value a PositiveIntegerField holds on every database


class ProjectObjectField(serializers.PrimaryKeyRelatedField[Model]):
    """The id of a `model` object of the project in the serializer's context."""

    def __init__(self, model: type[Model], **kwargs: Any) -> None:
        message = f"There is no {model._meta.verbose_name} with id {{pk_value}} in this project."
        kwargs.setdefault("error_messages", {"does_not_exist": message})
        super().__init__(queryset=model._default_manager.all(), pk_field=serializers.IntegerField(), **kwargs)

    def get_queryset(self) -> QuerySet[Model]:
        # Never None: __init__ always gives the field its queryset.
        queryset = cast(QuerySet[Model], super().get_queryset())
        return queryset.filter(project=self.context["project"])


def _position(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=0, max_value=INT_MAX, **kwargs)


def _text_list(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=StringField(max_length=CRITERION_MAX, allow_blank=True), max_length=CRITERIA_MAX, **kwargs
    )


class LabelKeysField(serializers.ListField):
    """A story's labels: colour keys (red … grey) and annotation keys (risky, blocked, unclear, needs-split)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("child", serializers.ChoiceField(choices=list(KEY_ORDER)))
        kwargs.setdefault("max_length", LABELS_PER_STORY_MAX)
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> list[str] | None:
        keys = super().run_validation(data)
        # Each once, in palette order, as the story keeps them; after the length is checked.
        return None if keys is None else clean_label_keys(keys)


# --- Output ----------------------------------------------------------------------------


class PersonaSerializer(serializers.ModelSerializer[Persona]):
    goals = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Persona
        fields = ["id", "name", "description", "goals", "position"]
        read_only_fields = fields


class ReleaseSerializer(serializers.ModelSerializer[Release]):
    class Meta:
        model = Release
        fields = ["id", "name", "goal", "position"]
        read_only_fields = fields


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    class Meta:
        model = Activity
        fields = ["id", "title", "description", "position"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer[Step]):
    activity = serializers.IntegerField(source="activity_id", read_only=True)

    class Meta:
        model = Step
        fields = ["id", "activity", "title", "description", "position"]
        read_only_fields = fields


class StorySerializer(serializers.ModelSerializer[Story]):
    step = serializers.IntegerField(source="step_id", read_only=True)
    release = serializers.IntegerField(source="release_id", read_only=True, allow_null=True)
    persona = serializers.IntegerField(source="persona_id", read_only=True, allow_null=True)
    acceptance_criteria = serializers.ListField(child=serializers.CharField(), read_only=True)
    labels = LabelKeysField(read_only=True)

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
            "labels",
            "position",
            "version",
            "created",
            "updated",
        ]
        read_only_fields = fields


class StoryConflictSerializer(serializers.Serializer[Any]):
    detail = serializers.CharField()
    current = StorySerializer(help_text="The story as it is now.")


# --- The whole map -----------------------------------------------------------------------


class MapStorySerializer(serializers.ModelSerializer[Story]):
    release = serializers.IntegerField(source="release_id", read_only=True, allow_null=True)
    persona = serializers.IntegerField(source="persona_id", read_only=True, allow_null=True)
    acceptance_criteria = serializers.ListField(child=serializers.CharField(), read_only=True)
    labels = LabelKeysField(read_only=True)

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
            "labels",
            "persona",
            "release",
            "position",
            "version",
        ]
        read_only_fields = fields


class MapStepSerializer(serializers.ModelSerializer[Step]):
    stories = MapStorySerializer(source="story_list", many=True, read_only=True)

    class Meta:
        model = Step
        fields = ["id", "title", "description", "position", "stories"]
        read_only_fields = fields


class MapActivitySerializer(serializers.ModelSerializer[Activity]):
    steps = MapStepSerializer(source="step_list", many=True, read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "title", "description", "position", "steps"]
        read_only_fields = fields


class StoryMapSerializer(serializers.Serializer[Any]):
    """A `stories.selectors.StoryMap`: the board, column by column, each column's stories release by release."""

    project = ProjectSummarySerializer(read_only=True)
    personas = PersonaSerializer(many=True, read_only=True)
    releases = ReleaseSerializer(many=True, read_only=True)
    activities = MapActivitySerializer(many=True, read_only=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        """The same answer as the fields above, built as plain dicts.

        The nested serializers cost about a tenth of a millisecond per story
        (a field object per value), most of the map endpoint's time at 1,000
        stories; the fields stay declared for the schema, and
        stories/tests/test_map_serializer.py checks the two agree.
        """
        return {
            "project": dict(ProjectSummarySerializer(instance.project).data),
            "personas": [
                {
                    "id": persona.pk,
                    "name": persona.name,
                    "description": persona.description,
                    "goals": [str(goal) for goal in persona.goals],
                    "position": persona.position,
                }
                for persona in instance.personas
            ],
            "releases": [
                {"id": release.pk, "name": release.name, "goal": release.goal, "position": release.position}
                for release in instance.releases
            ],
            "activities": [
                {
                    "id": activity.pk,
                    "title": activity.title,
                    "description": activity.description,
                    "position": activity.position,
                    "steps": [_map_step(step) for step in activity.step_list],
                }
                for activity in instance.activities
            ],
        }


def _map_step(step: Step) -> dict[str, Any]:
    return {
        "id": step.pk,
        "title": step.title,
        "description": step.description,
        "position": step.position,
        "stories": [
            {
                "id": story.pk,
                "title": story.title,
                "description": story.description,
                "acceptance_criteria": [str(criterion) for criterion in story.acceptance_criteria],
                "status": story.status,
                "priority": story.priority,
                "estimate": story.estimate,
                "labels": [str(key) for key in story.labels],
                "persona": story.persona_id,
                "release": story.release_id,
                "position": story.position,
                "version": story.version,
            }
            for story in step.story_list
        ],
    }


# Per process: each project's latest map under its fingerprint, so an entry is
# never stale (a changed map has another fingerprint) and workers need not
# share it. One entry per project, or a map written to all day would fill the
# cache with its past versions; a map of 1,000 stories weighs a few MB, and
# the project read longest ago goes first.
MAP_CACHE_SIZE = 16


@dataclass(frozen=True)
class RenderedMap:
    body: bytes
    gzipped: bytes
    etag: str


# Per project: the version of the map it holds and the map endpoint's answer,
# rendered, plain and gzipped.
_map_cache: OrderedDict[int, tuple[str, RenderedMap]] = OrderedDict()
_map_cache_lock = threading.Lock()


def story_map_json(*, project: Project) -> RenderedMap:
    """The map endpoint's answer for `project`, rendered as JSON, and its ETag.

    Kept per process under the project's `map_version`, which every write to the
    map raises (`project_lock`): an unchanged map costs no query beyond the
    project the caller already read, and no rendering, which for a 1,000-story
    map costs more than everything else the request does.
    """
    # With its creation time: SQLite may give a deleted project's id to a new one.
    version = f"{project.pk}-{project.created.timestamp():.6f}-{project.map_version}"
    etag = version
    with _map_cache_lock:
        cached = _map_cache.get(project.pk)
        if cached is not None and cached[0] == version:
            _map_cache.move_to_end(project.pk)
            return cached[1]
    story_map = story_map_get(project=project)
    # Plain dicts: `.data` would keep the serializer, and with it every model object of the map, alive.
    body = JSONRenderer().render(StoryMapSerializer().to_representation(story_map))
    # A 1,000-story map is about 330 KB of JSON and about a tenth of that gzipped.
    rendered = RenderedMap(body=body, gzipped=compress_string(body), etag=etag)
    with _map_cache_lock:
        # A write may have committed while the map was read: the answer is then newer
        # than `version`, and the next reader, seeing the new version, reads again.
        _map_cache[project.pk] = (version, rendered)
        _map_cache.move_to_end(project.pk)
        while len(_map_cache) > MAP_CACHE_SIZE:
            _map_cache.popitem(last=False)
    return rendered


def story_map_data(*, project: Project) -> dict[str, Any]:
    """What the map endpoint answers for `project`, as data."""
    data: dict[str, Any] = json.loads(story_map_json(project=project).body)
    return data


# --- Input ----------------------------------------------------------------------------


class MoveSerializer(serializers.Serializer[Any]):
    position = _position(help_text="The new place among its siblings, from 0; past the end means last.")


class ActivityCreateSerializer(serializers.Serializer[Any]):
    title = StringField(max_length=TITLE_MAX)
    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    position = _position(required=False, help_text="Where to insert it, from 0; the end when left out.")


class ActivityUpdateSerializer(serializers.Serializer[Any]):
    title = StringField(max_length=TITLE_MAX, required=False)
    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)


class StepCreateSerializer(serializers.Serializer[Any]):
    activity = ProjectObjectField(Activity)
    title = StringField(max_length=TITLE_MAX)
    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    position = _position(required=False, help_text="Where to insert it in its activity, from 0; the end when left out.")


class StepUpdateSerializer(ActivityUpdateSerializer):
    pass


class StepMoveSerializer(MoveSerializer):
    activity = ProjectObjectField(Activity, required=False, help_text="Another activity to move it to, if any.")


class ReleaseCreateSerializer(serializers.Serializer[Any]):
    name = StringField(max_length=TITLE_MAX)
    goal = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    position = _position(required=False, help_text="Where to insert it, from 0; the end when left out.")


class ReleaseUpdateSerializer(serializers.Serializer[Any]):
    name = StringField(max_length=TITLE_MAX, required=False)
    goal = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)


class PersonaWriteSerializer(serializers.Serializer[Any]):
    """Create (name required) or, with partial=True, change a persona."""

    name = StringField(max_length=TITLE_MAX)
    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    goals = _text_list(required=False)


class StoryFieldsSerializer(serializers.Serializer[Any]):
    """The fields of a story's card, all optional."""

    description = StringField(max_length=TEXT_MAX, allow_blank=True, required=False)
    acceptance_criteria = _text_list(required=False)
    status = serializers.ChoiceField(choices=Story.Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Story.Priority.choices, required=False)
    estimate = serializers.IntegerField(
        min_value=ESTIMATE_MIN, max_value=ESTIMATE_MAX, allow_null=True, required=False, help_text="Story points."
    )
    persona = ProjectObjectField(Persona, allow_null=True, required=False)
    labels = LabelKeysField(required=False, help_text="Colour and annotation keys; the list replaces the story's.")


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


class StoryMoveSerializer(serializers.Serializer[Any]):
    step = ProjectObjectField(Step)
    release = ProjectObjectField(Release, allow_null=True, help_text="null = Unplanned.")
    position = _position(help_text="The new place in the cell, from 0; past the end means last.")
    version = serializers.IntegerField(
        min_value=1, required=False, help_text="The version you read: refused with 409 if the story changed since."
    )


# --- Comments -------------------------------------------------------------------------


class CommentSerializer(serializers.ModelSerializer[Comment]):
    """A comment on a card; `author` is null once their account is gone, `can_delete` is for the one asking."""

    author = PersonSerializer(read_only=True, allow_null=True)
    can_delete = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = ["id", "body", "author", "created", "can_delete"]
        read_only_fields = fields

    def get_can_delete(self, comment: Comment) -> bool:
        return comment_may_delete(comment=comment, user=self.context["user"])


class CommentCreateSerializer(serializers.Serializer[Any]):
    # Trimmed, length and characters checked by the service (stories.services.comment_create), which names `body`.
    body = StringField(
        trim_whitespace=False, allow_blank=True, help_text=f"Plain text, at most {COMMENT_MAX:,} characters."
    )


# --- "Check the map" (stories.quality) ----------------------------------------------------


class QualityCriterionSerializer(serializers.Serializer[Any]):
    key = serializers.ChoiceField(choices=quality.CRITERION_KEYS)
    label = serializers.CharField(help_text="What the criterion checks, as the panel says it.")  # type: ignore[assignment]
    score = serializers.FloatField(min_value=0, max_value=1, help_text="Share of what it checks that passes.")
    findings = serializers.IntegerField(min_value=0)


class QualityFindingSerializer(serializers.Serializer[Any]):
    criterion = serializers.ChoiceField(choices=quality.CRITERION_KEYS)
    severity = serializers.ChoiceField(choices=quality.SEVERITIES)
    message = serializers.CharField()
    subject = serializers.CharField(help_text="The title or name of the card, step, activity or persona.")
    story_id = serializers.IntegerField(allow_null=True)
    step_id = serializers.IntegerField(allow_null=True)
    activity_id = serializers.IntegerField(allow_null=True)
    persona_id = serializers.IntegerField(allow_null=True)
    fix = serializers.ChoiceField(choices=quality.FIXES, allow_null=True)
    form_field = serializers.CharField(allow_null=True, help_text="The card's form field the fix opens at.")


class QualitySerializer(serializers.Serializer[Any]):
    score = serializers.FloatField(min_value=0, max_value=1, help_text="The mean of the criteria's scores.")
    criteria = QualityCriterionSerializer(many=True)
    findings = QualityFindingSerializer(many=True)
