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


# --- Labels ---------------------------------------------------------------------------
# A card carries colour labels from a small fixed palette, named per project (the names
# below until a project renames them), and the annotations teams use. A story stores
# the keys; the document format, the exports and the imports write the names.


class LabelColour(models.TextChoices):
    RED = "red", "Red"
    ORANGE = "orange", "Orange"
    YELLOW = "yellow", "Yellow"
    GREEN = "green", "Green"
    TEAL = "teal", "Teal"
    BLUE = "blue", "Blue"
    PURPLE = "purple", "Purple"
    GREY = "grey", "Grey"


class Annotation(models.TextChoices):
    RISKY = "risky", "Risky"
    BLOCKED = "blocked", "Blocked"
    UNCLEAR = "unclear", "Unclear"
    NEEDS_SPLIT = "needs-split", "Needs split"


# A colour label's name, as a project calls it.
LABEL_NAME_MAX = 40
# Labels and annotations on one story: every colour and every annotation at most once.
LABELS_PER_STORY_MAX = len(LabelColour.values) + len(Annotation.values)


# --- History --------------------------------------------------------------------------
# Changes a person can undo (and redo) on one map, newest first.
UNDO_DEPTH = 50
# Days a deleted activity, step, release, persona or story stays in the Trash.
TRASH_DAYS = 30


class BoardDensity(models.TextChoices):
    """How much of the map the board shows at once; each person's choice is kept."""

    COMFORTABLE = "comfortable", "Comfortable"
    COMPACT = "compact", "Compact"
    OVERVIEW = "overview", "Overview"


# --- Comments -------------------------------------------------------------------------
# Characters of one comment on a card (plain text, after trimming).
COMMENT_MAX = 4_000


# --- Map quality check ----------------------------------------------------------------
# A story estimated at this many points or more is too big for one iteration: split it (issue 13).
SPLIT_ESTIMATE = 8
