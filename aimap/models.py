import uuid
from typing import Any

from django.conf import settings
from django.db import models

from projects.limits import PROJECT_DESCRIPTION_MAX
from projects.models import Project
from stories.limits import TITLE_MAX
from stories.models import MapMode

from .limits import AssistKind, ProposalStatus


def initial_progress() -> dict[str, Any]:
    """A generation's progress before it runs; `activities_total` is None until the backbone is known."""
    return {"stage": "queued", "activities_total": None, "activities_done": 0}


class Generation(models.Model):
    """One request to draft a story map with AI, and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    Mode = MapMode  # a generation writes its map the way an import does: replace or append

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="generations")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.REPLACE)
    description = models.TextField(max_length=PROJECT_DESCRIPTION_MAX)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=200, blank=True)
    prompt_hash = models.CharField(max_length=64, blank=True)
    cached = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True)
    # {"stage": "queued" | "backbone" | "stories" | "done", "activities_total": int | None,
    # "activities_done": int}, saved as the stages finish, for the page and the API to follow.
    progress = models.JSONField(default=initial_progress, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    # Renewed by the running task at each stage it finishes: a "running" generation whose heartbeat is
    # older than services.generation_stale_seconds() lost its worker and is failed by whoever notices.
    heartbeat = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}

    @property
    def progress_text(self) -> str:
        """Where a generation stands, in a sentence; empty once it has failed (its error says why)."""
        if self.status == self.Status.FAILED:
            return ""
        if self.status == self.Status.QUEUED:
            return "Waiting for a free worker."
        stage = (self.progress or {}).get("stage")
        total = (self.progress or {}).get("activities_total")
        done = (self.progress or {}).get("activities_done") or 0
        if stage == "done" or self.status == self.Status.SUCCEEDED:
            return "Map ready · putting it on the board…"
        if stage == "stories" and total:
            return f"Backbone ready · stories for {done} of {total} {'activity' if total == 1 else 'activities'}"
        if stage == "backbone":
            return "Drafting the backbone: personas, releases, activities and their steps."
        return "Working on it: reading the description and building the map."


class Proposal(models.Model):
    """What an AI assist proposes for one step, story or activity, until the person accepts or rejects it.

    Nothing of it is on the map before it is accepted. `basis` is the target's state when it was proposed
    (a story's version, a step's cards, an activity's steps): accepting after the target changed is refused.
    """

    Kind = AssistKind
    Status = ProposalStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="proposals")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="proposals")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    target_id = models.PositiveBigIntegerField()  # a Step, Story or Activity by kind; gone targets make it stale
    target_title = models.CharField(max_length=TITLE_MAX)
    basis = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    items = models.JSONField(default=list)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=200, blank=True)
    cached = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()
    decided = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.target_title}"

    @property
    def target_type(self) -> str:
        return TARGET_TYPES[self.kind]


TARGET_TYPES: dict[str, str] = {
    AssistKind.SUGGEST_STORIES: "step",
    AssistKind.SUGGEST_CRITERIA: "story",
    AssistKind.SPLIT: "story",
    AssistKind.FILL_GAPS: "activity",
}
