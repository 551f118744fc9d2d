"""Projects as JSON: what the API answers and what it accepts."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from projects.limits import MEMBER_ROLE_CHOICES, PROJECT_DESCRIPTION_MAX, PROJECT_NAME_MAX, Role
from projects.models import Membership, Project
from stories.labels import clean_label_names, names_with_defaults
from stories.limits import LABEL_NAME_MAX, LabelColour


class StringField(serializers.CharField):
    """A CharField that takes only JSON strings (DRF's would turn 42 into "42")."""

    def to_internal_value(self, data: object) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class LabelNamesField(serializers.DictField):
    """The project's name for each of the eight label colours: {"red": "Payments", "orange": "Orange", …}.

    Written, it takes some colours or all: a name replaces that colour's, an empty
    one gives the colour back its palette name, and colours left out keep theirs.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(child=StringField(allow_blank=True, max_length=LABEL_NAME_MAX), **kwargs)

    def to_representation(self, value: Any) -> dict[str, str]:
        # `value` is the project's label_names as stored: only the colours it renamed.
        names = names_with_defaults(value)
        return {colour: names[colour] for colour in LabelColour.values}

    def to_internal_value(self, data: Any) -> dict[str, str]:
        names: dict[str, str] = super().to_internal_value(data)
        try:
            # Checked alone here; against the names the project keeps, by the service under its lock.
            clean_label_names(names)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict.get("label_names", error.messages)) from None
        return names


class ProjectSummarySerializer(serializers.ModelSerializer[Project]):
    """A project without its counts: the header of a story map."""

    label_names = LabelNamesField(read_only=True)

    class Meta:
        model = Project
        fields = ["id", "name", "description", "label_names", "created", "updated"]
        read_only_fields = fields


class ProjectSerializer(ProjectSummarySerializer):
    """A project as listed: with the counts annotated by `project_list_for_user`."""

    activity_count = serializers.IntegerField(read_only=True)
    story_count = serializers.IntegerField(read_only=True)
    point_total = serializers.IntegerField(read_only=True)
    role = serializers.SerializerMethodField(help_text="Yours in this project: owner, editor or viewer.")

    class Meta(ProjectSummarySerializer.Meta):
        fields = [*ProjectSummarySerializer.Meta.fields, "activity_count", "story_count", "point_total", "role"]
        read_only_fields = fields

    def get_role(self, project: Project) -> str:
        # The list holds only the person's own projects and those they are a member of.
        return str(getattr(project, "member_role", None) or Role.OWNER)


class ProjectWriteSerializer(serializers.Serializer[Any]):
    """Create (name required) or, with partial=True, change a project."""

    name = StringField(max_length=PROJECT_NAME_MAX)
    description = StringField(max_length=PROJECT_DESCRIPTION_MAX, allow_blank=True, required=False)
    label_names = LabelNamesField(required=False)


class MemberSerializer(serializers.ModelSerializer[Membership]):
    """A member of a project, as its members see them."""

    email = serializers.EmailField(source="user.email", read_only=True)
    full_name = serializers.CharField(source="user.full_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "joined"]
        read_only_fields = fields


class MemberAddSerializer(serializers.Serializer[Any]):
    email = StringField(max_length=254, help_text="The address of a Mapwright account.")
    role = serializers.ChoiceField(choices=MEMBER_ROLE_CHOICES)


class MemberRoleSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=MEMBER_ROLE_CHOICES)
