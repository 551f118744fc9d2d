"""Projects as JSON: what the API answers and what it accepts."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from accounts.addresses import EMAIL_MAX
from projects.limits import MEMBER_ROLE_CHOICES, PROJECT_DESCRIPTION_MAX, PROJECT_NAME_MAX, Role
from projects.models import Event, Invitation, Membership, Project
from projects.selectors import person_initials
from stories.labels import clean_label_names, names_with_defaults
from stories.limits import LABEL_NAME_MAX, LabelColour

# Which of the two a row of …/members/ is.
MEMBER_STATUS = "member"
INVITED_STATUS = "invited"


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
    status = serializers.SerializerMethodField(help_text='"member": this person works on the project.')

    class Meta:
        model = Membership
        fields = ["id", "email", "full_name", "role", "joined", "status"]
        read_only_fields = fields

    def get_status(self, membership: Membership) -> str:
        return MEMBER_STATUS


class InvitationSerializer(serializers.ModelSerializer[Invitation]):
    """An address with no account, invited: it joins when that address signs up and confirms it."""

    status = serializers.SerializerMethodField(help_text='"invited": waiting for the address to be confirmed.')
    invited = serializers.DateTimeField(source="created", read_only=True, help_text="When it was first sent.")

    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "status", "expires", "invited"]
        read_only_fields = fields

    def get_status(self, invitation: Invitation) -> str:
        return INVITED_STATUS


# What GET and POST …/members/ answer: a member or an invitation, told apart by "status".
def member_or_invitation(*, many: bool = False) -> PolymorphicProxySerializer:
    return PolymorphicProxySerializer(
        component_name="MemberOrInvitation",
        serializers={MEMBER_STATUS: MemberSerializer, INVITED_STATUS: InvitationSerializer},
        resource_type_field_name="status",
        many=many,
    )


class ShareLinkSerializer(serializers.Serializer[Any]):
    """Whether the project has a read-only link; the link itself is shown only when it is made."""

    active = serializers.BooleanField(read_only=True)
    created = serializers.DateTimeField(read_only=True, allow_null=True)


class ShareLinkCreatedSerializer(ShareLinkSerializer):
    url = serializers.URLField(read_only=True, help_text="Anyone with it reads the board: copy it now, it is not kept.")


class MemberAddSerializer(serializers.Serializer[Any]):
    email = StringField(max_length=EMAIL_MAX, help_text="An account's address (added at once), or any other (invited).")
    role = serializers.ChoiceField(choices=MEMBER_ROLE_CHOICES)


class MemberRoleSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=MEMBER_ROLE_CHOICES)


class OwnerTransferSerializer(serializers.Serializer[Any]):
    member_id = serializers.IntegerField(min_value=1, help_text="The membership (of an editor) to hand the project to.")


class PersonSerializer(serializers.Serializer[Any]):
    """Who wrote or did something, as the feed and comments show them."""

    id = serializers.IntegerField(read_only=True)
    full_name = serializers.SerializerMethodField()
    initials = serializers.SerializerMethodField()

    def get_full_name(self, user: Any) -> str:
        return str(user.get_full_name())

    def get_initials(self, user: Any) -> str:
        return person_initials(user)


class EventSerializer(serializers.ModelSerializer[Event]):
    """One line of the activity feed; `actor` is null once their account is gone."""

    verb_display = serializers.CharField(source="get_verb_display", read_only=True)
    actor = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Event
        fields = ["id", "verb", "verb_display", "actor", "subject", "story_id", "created"]
        read_only_fields = fields
