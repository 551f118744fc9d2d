from django.conf import settings
from django.core.validators import MinLengthValidator
from django.db import models

from .limits import MEMBER_ROLE_CHOICES, PROJECT_DESCRIPTION_MAX, PROJECT_NAME_MAX, Role


class Project(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="projects")
    name = models.CharField(max_length=PROJECT_NAME_MAX, validators=[MinLengthValidator(1)])
    description = models.TextField(
        max_length=PROJECT_DESCRIPTION_MAX,
        blank=True,
        help_text="The product's vision: who it is for and what they do with it.",
    )
    # Raised by every write to the project's map (`project_lock`): readers that
    # keep an answer per map (the map endpoint) know at once whether it still holds.
    map_version = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)
    # The project's names for the colour labels ({"red": "Payments", …}); a colour not named here
    # keeps its palette name (stories.limits.LabelColour).
    label_names = models.JSONField(default=dict, db_default=models.Value({}, models.JSONField()), blank=True)
    # The read-only share link: only the sha256 of its token is kept (the token is shown once),
    # so that a copy of the database opens no board. None: no link.
    share_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    share_created = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    # Set by projects.access on a project it looked up for someone: their role in it; and by
    # projects_for_user, which annotates their membership's role (None on their own projects).
    role: Role
    member_role: str | None

    class Meta:
        ordering = ["-updated", "-id"]
        indexes = [models.Index(fields=["owner", "-updated"])]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """Someone other than the owner who works on a project, as an editor or a viewer."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=MEMBER_ROLE_CHOICES)
    joined = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined", "id"]
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="projects_membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.project} ({self.role})"


class Event(models.Model):
    """One line of a project's activity feed: who did what, and when.

    Every change anyone makes to the project writes one (projects.events.event_record),
    whatever wrote it: the map's services, imports, generations, comments, members.
    Undo keeps its own rows (stories.MapChange); this is the log people read.
    """

    class Verb(models.TextChoices):
        CREATED = "created", "added"
        EDITED = "edited", "edited"
        MOVED = "moved", "moved"
        DELETED = "deleted", "deleted"
        RESTORED = "restored", "restored"
        UNDID = "undid", "undid"
        REDID = "redid", "redid"
        IMPORTED = "imported", "imported"
        GENERATED = "generated", "generated"
        SPLIT = "split", "split"
        COMMENTED = "commented", "commented on"
        MEMBER_ADDED = "member_added", "added a member"
        MEMBER_REMOVED = "member_removed", "removed a member"
        MEMBER_LEFT = "member_left", "left the project"
        INVITED = "invited", "invited"
        OWNER_CHANGED = "owner_changed", "handed the project to"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events")
    # Kept when the account goes: the feed then says "a former member".
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=16, choices=Verb.choices)
    # What it was done to, as the feed says it: "story “Book a visit”", "ana@example.com".
    subject = models.CharField(max_length=300, blank=True)
    # The card it concerns, if one: the feed links to it and the live board marks it.
    story_id = models.PositiveBigIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["project", "-id"])]

    def __str__(self) -> str:
        return f"{self.project} · {self.verb} {self.subject}"


class Invitation(models.Model):
    """An address with no account asked to join a project as an editor or a viewer.

    It grants nothing by itself: it becomes a Membership when an account proves it owns
    `email` (confirming it at sign-up, or as a changed address), before `expires`.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="invitations")
    # In accounts.addresses' normal form, as User.email, so that the confirmed address finds it.
    email = models.EmailField()
    role = models.CharField(max_length=8, choices=MEMBER_ROLE_CHOICES)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    sent_count = models.PositiveIntegerField(default=1)
    last_sent = models.DateTimeField()
    # When it became a membership; kept for the record. Cancelled ones are deleted.
    accepted = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "email"],
                condition=models.Q(accepted__isnull=True),
                name="projects_invitation_pending_unique",
            )
        ]
        # Confirming an address looks up its pending invitations.
        indexes = [models.Index(fields=["email"], name="projects_invitation_email")]

    def __str__(self) -> str:
        return f"{self.email} · {self.project} ({self.role})"
