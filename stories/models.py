"""The story map: personas, the backbone of activities and steps, releases and story cards.

Every map object carries its project directly, so that one access check
(`project__owner`) covers all of them and the board loads in a fixed number
of queries. Positions are kept gapless (0, 1, 2, …) within their group by the
services after every write.
"""

from django.core.validators import MaxValueValidator, MinLengthValidator, MinValueValidator
from django.db import models

from projects.models import Project

from .limits import ESTIMATE_MAX, ESTIMATE_MIN, TEXT_MAX, TITLE_MAX, StoryPriority, StoryStatus
from .limits import MapMode as MapMode  # re-exported: callers import it from here


class Persona(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="personas")
    name = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    goals = models.JSONField(default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Activity(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="activities")
    title = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "activities"

    # Set by stories.selectors.story_map_get: the activity's steps in board order.
    step_list: list["Step"]

    def __str__(self) -> str:
        return self.title


class Step(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    description = models.TextField(max_length=TEXT_MAX, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    # Set by stories.selectors.story_map_get: the step's stories, read down its column.
    story_list: list["Story"]

    def __str__(self) -> str:
        return self.title


class Release(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="releases")
    name = models.CharField(max_length=TITLE_MAX, validators=[MinLengthValidator(1)])
    goal = models.TextField(max_length=TEXT_MAX, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Story(models.Model):
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
    # Position within its cell: the stories of one step in one release.
    position = models.PositiveIntegerField(default=0)
    # Raised by every write; a write naming an older version lost a race.
    version = models.PositiveIntegerField(default=1)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name_plural = "stories"
        indexes = [models.Index(fields=["step", "release", "position"])]

    # Set by stories.selectors.story_map_get, so that a card never follows the foreign key.
    persona_name: str

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
