"""The story map: personas, the backbone of activities and steps, releases and story cards.

Every map object carries its project directly, so that one access check
(`project__owner`) covers all of them and the board loads in a fixed number
of queries. Positions are kept gapless (0, 1, 2, …) within their group by the
services after every write.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models

from projects.models import Project

from .limits import COMMENT_MAX, ESTIMATE_MAX, ESTIMATE_MIN, TEXT_MAX, TITLE_MAX, StoryPriority, StoryStatus
from .limits import MapMode as MapMode  # re-exported: callers import it from here


class Ordered(models.Model):
    """What every row of a map shares: a place in its group, kept gapless by the ordering engine in services."""

    position = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]


class Persona(Ordered):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="personas")
    name = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    goals = models.JSONField(default=list, blank=True)

    class Meta(Ordered.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class Activity(Ordered):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    description = models.TextField(max_length=TEXT_MAX, blank=True)

    class Meta(Ordered.Meta):
        verbose_name_plural = "activities"

    # Set by stories.selectors.story_map_get: the activity's steps in board order.
    step_list: list["Step"]

    def __str__(self) -> str:
        return self.title


class Step(Ordered):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    description = models.TextField(max_length=TEXT_MAX, blank=True)

    class Meta(Ordered.Meta):
        pass

    # Set by stories.selectors.story_map_get: the step's stories, read down its column.
    story_list: list["Story"]

    def __str__(self) -> str:
        return self.title


class Release(Ordered):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    name = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    goal = models.TextField(max_length=TEXT_MAX, blank=True)

    class Meta(Ordered.Meta):
        pass

    def __str__(self) -> str:
        return self.name


class Story(Ordered):
    Status = StoryStatus
    Priority = StoryPriority

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="stories")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="stories")
    release = models.ForeignKey(Release, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories")
    persona = models.ForeignKey(Persona, on_delete=models.SET_NULL, null=True, blank=True, related_name="stories")
    title = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    acceptance_criteria = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.TODO)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.SHOULD)
    estimate = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(ESTIMATE_MIN), MaxValueValidator(ESTIMATE_MAX)],
        help_text="Story points.",
    )
    # Colour label and annotation keys (stories.limits.LabelColour, Annotation), in palette order.
    labels = models.JSONField(default=list, db_default=models.Value([], models.JSONField()), blank=True)
    # Its position is within its cell: the stories of one step in one release.
    # The version is raised by every write; a write naming an older version lost a race.
    version = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta(Ordered.Meta):
        verbose_name_plural = "stories"
        indexes = [models.Index(fields=["step", "release", "position"])]

    # Set by stories.selectors.story_map_get, so that a card never follows the foreign key.
    persona_name: str
    comment_count: int

    def __str__(self) -> str:
        return self.title


class MapSnapshot(models.Model):
    """A project's whole map as a story map document, kept before it was replaced."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="snapshots")
    reason = models.CharField(max_length=200)
    document = models.JSONField()
    counts = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.project} · {self.reason}"


class MapChange(models.Model):
    """One change a person made to a map, as the rows it touched before and after: what undo, redo and the Trash use.

    `rows` is a list of {"model", "pk", "before", "after"}, each state the row's
    concrete field values (None: the row did not exist on that side).
    """

    class Kind(models.TextChoices):
        CREATE = "create", "Added"
        EDIT = "edit", "Edited"
        MOVE = "move", "Moved"
        DELETE = "delete", "Deleted"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="changes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="map_changes")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # What changed, as the Undo button says it: "delete activity “Book a visit”".
    label = models.CharField(max_length=300)
    # The main row: the one the Trash lists and Restore names.
    subject_model = models.CharField(max_length=16)
    subject_pk = models.PositiveBigIntegerField()
    rows = models.JSONField(default=list)
    undone = models.BooleanField(default=False)
    # Set when someone put a deleted row back from the Trash: no longer anyone's to redo.
    restored = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["project", "user", "-id"]),
            models.Index(fields=["project", "kind", "-created"]),
        ]

    def __str__(self) -> str:
        return f"{self.project} · {self.label}"


class Comment(models.Model):
    """A note someone left on a card: plain text, shown as text, by any member (viewers too)."""

    # The project too, as on every map object: one access check (`project__…`) covers comments.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="comments")
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="comments")
    # Kept when the account goes: the card then says "a former member".
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="comments"
    )
    body = models.TextField(max_length=COMMENT_MAX)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]
        indexes = [models.Index(fields=["story", "id"])]

    def __str__(self) -> str:
        return f"{self.story} · {self.body[:40]}"
