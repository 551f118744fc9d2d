"""Every limit and choice list of a story map, written once.

The models, the forms, the API serializers, the story map document format,
the templates (`{% load limits %}`) and the AI prompts read them from here, so
a map that one of them accepts is a map all of them accept: a map edited
through the API or the board exports as a document that imports again.
"""

from django.db import models

# Names and titles of personas, activities, steps, releases and stories; also a
# release or persona named by a story in a document.
TITLE_MAX = 200
# Descriptions, goals of releases, "who they are" of personas.
TEXT_MAX = 4_000
# One acceptance criterion of a story, one goal of a persona.
CRITERION_MAX = 500
# Acceptance criteria of one story, goals of one persona.
CRITERIA_MAX = 50
# Story points.
ESTIMATE_MIN = 0
ESTIMATE_MAX = 1_000


class StoryStatus(models.TextChoices):
    TODO = "todo", "To do"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"


class StoryPriority(models.TextChoices):
    MUST = "must", "Must"
    SHOULD = "should", "Should"
    COULD = "could", "Could"
    WONT = "wont", "Won't"


class MapMode(models.TextChoices):
    """What writing a story map document into a project does with the map already there."""

    REPLACE = "replace", "Replace the map"
    APPEND = "append", "Add to the map"
