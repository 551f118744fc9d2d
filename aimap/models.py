import uuid

from django.conf import settings
from django.db import models

from projects.models import Project


class Generation(models.Model):
    """One request to draft a story map with AI, and what became of it."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Mode(models.TextChoices):
        REPLACE = "replace", "Replace the map"
        APPEND = "append", "Add to the map"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="generations")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="generations")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.REPLACE)
    description = models.TextField(max_length=10_000)
    provider = models.CharField(max_length=32)
    model = models.CharField(max_length=200, blank=True)
    prompt_hash = models.CharField(max_length=64, blank=True)
    cached = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    counts = models.JSONField(default=dict, blank=True)
    prompt_tokens = models.PositiveIntegerField(null=True, blank=True)
    completion_tokens = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["user", "-created"])]

    def __str__(self) -> str:
        return f"{self.project} · {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.SUCCEEDED, self.Status.FAILED}


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
