from typing import Any, cast

from django import forms

from projects.limits import PROJECT_NAME_MAX
from projects.models import Project

from .labels import PALETTE_NAMES, clean_label_keys, label_names
from .limits import (
    COMMENT_MAX,
    CRITERIA_MAX,
    CRITERION_MAX,
    ESTIMATE_MAX,
    ESTIMATE_MIN,
    TEXT_MAX,
    TITLE_MAX,
    Annotation,
    LabelColour,
    MapMode,
)
from .models import Persona, Release, Step, Story


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def limited_lines(text: str) -> list[str]:
    """The lines of a one-entry-per-line field, within the limits the document format holds them to."""
    lines = lines_of(text)
    if len(lines) > CRITERIA_MAX:
        raise forms.ValidationError(f"At most {CRITERIA_MAX} lines; this has {len(lines)}.")
    longest = max(lines, key=len, default="")
    if len(longest) > CRITERION_MAX:
        raise forms.ValidationError(
            f"Each line can have at most {CRITERION_MAX} characters; one has {len(longest)}: “{longest[:40]}…”."
        )
    return lines


class ActivityForm(forms.Form):
    title = forms.CharField(label="Activity", max_length=TITLE_MAX)
    description = forms.CharField(label="Description", max_length=TEXT_MAX, required=False, widget=forms.Textarea)


class StepForm(forms.Form):
    title = forms.CharField(label="Step", max_length=TITLE_MAX)
    description = forms.CharField(label="Description", max_length=TEXT_MAX, required=False, widget=forms.Textarea)


class ReleaseForm(forms.Form):
    name = forms.CharField(label="Release", max_length=TITLE_MAX)
    goal = forms.CharField(label="Goal", max_length=TEXT_MAX, required=False, widget=forms.Textarea)


class PersonaForm(forms.Form):
    name = forms.CharField(label="Name", max_length=TITLE_MAX)
    description = forms.CharField(label="Who they are", max_length=TEXT_MAX, required=False, widget=forms.Textarea)
    goals = forms.CharField(
        label="Goals", required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One goal per line."
    )

    def clean_goals(self) -> list[str]:
        return limited_lines(self.cleaned_data["goals"])


class StoryTitleForm(forms.Form):
    title = forms.CharField(label="Story", max_length=TITLE_MAX)


class StoryForm(forms.Form):
    """Every field of a card. `version` is the one the editor was opened at."""

    title = forms.CharField(max_length=TITLE_MAX)
    description = forms.CharField(
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="As a <role>, I want <goal>, so that <benefit>.",
    )
    acceptance_criteria = forms.CharField(
        label="Acceptance criteria",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One criterion per line, e.g. “Given …, when …, then …”.",
    )
    status = forms.ChoiceField(choices=Story.Status.choices)
    priority = forms.ChoiceField(choices=Story.Priority.choices)
    estimate = forms.IntegerField(
        label="Estimate (points)", min_value=ESTIMATE_MIN, max_value=ESTIMATE_MAX, required=False
    )
    persona = forms.ModelChoiceField(queryset=Persona.objects.none(), required=False, empty_label="No persona")
    step = forms.ModelChoiceField(queryset=Step.objects.none(), empty_label=None)
    release = forms.ModelChoiceField(queryset=Release.objects.none(), required=False, empty_label="Unplanned")
    # Two groups of checkboxes, one `labels` list for the service (see clean).
    colour_labels = forms.MultipleChoiceField(
        label="Labels", required=False, widget=forms.CheckboxSelectMultiple, choices=LabelColour.choices
    )
    annotations = forms.MultipleChoiceField(
        label="Annotations", required=False, widget=forms.CheckboxSelectMultiple, choices=Annotation.choices
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    LABEL_FIELDS = ("colour_labels", "annotations")

    def __init__(self, *args: Any, project: Project | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields holds copies of the fields declared above, typed only as Field.
        persona_field = cast(forms.ModelChoiceField[Persona], self.fields["persona"])
        step_field = cast(forms.ModelChoiceField[Step], self.fields["step"])
        release_field = cast(forms.ModelChoiceField[Release], self.fields["release"])
        persona_field.queryset = Persona.objects.filter(project=project)
        steps = Step.objects.filter(project=project).select_related("activity")
        step_field.queryset = steps
        # Grouped by activity, in board order: <optgroup label="Activity">. Only what the select shows;
        # the queryset still decides what may be chosen.
        groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
        for step in steps.order_by("activity__position", "activity_id", "position", "pk"):
            groups.setdefault(step.activity_id, (step.activity.title, []))[1].append((step.pk, step.title))
        step_field.choices = list(groups.values())
        release_field.queryset = Release.objects.filter(project=project)
        self.label_names = label_names(project) if project is not None else dict(PALETTE_NAMES)
        for name, choices in (("colour_labels", LabelColour.values), ("annotations", Annotation.values)):
            label_field = cast(forms.MultipleChoiceField, self.fields[name])
            label_field.choices = [(key, self.label_names[key]) for key in choices]

    @classmethod
    def initial_for(cls, story: Story) -> dict[str, Any]:
        return {
            "title": story.title,
            "description": story.description,
            "acceptance_criteria": "\n".join(story.acceptance_criteria),
            "status": story.status,
            "priority": story.priority,
            "estimate": story.estimate,
            "persona": story.persona_id,
            "step": story.step_id,
            "release": story.release_id,
            "colour_labels": [key for key in story.labels if key in LabelColour.values],
            "annotations": [key for key in story.labels if key in Annotation.values],
            "version": story.version,
        }

    @property
    def card_fields(self) -> list[forms.BoundField]:
        """The visible fields but the labels, which the editor lays out as two groups of checkboxes."""
        return [field for field in self.visible_fields() if field.name not in self.LABEL_FIELDS]

    @property
    def label_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.LABEL_FIELDS]

    @property
    def label_choices(self) -> list[tuple[str, str]]:
        """Every label (key, name), colours then annotations: how the editor names the labels of a saved card."""
        return [(key, self.label_names.get(key, key)) for key in [*LabelColour.values, *Annotation.values]]

    def clean_acceptance_criteria(self) -> list[str]:
        return limited_lines(self.cleaned_data["acceptance_criteria"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The service takes one list of label keys, as the API sends it.
        chosen = [*cleaned.pop("colour_labels", []), *cleaned.pop("annotations", [])]
        if not any(name in self.errors for name in self.LABEL_FIELDS):
            cleaned["labels"] = clean_label_keys(chosen)
        return cleaned


IMPORT_HELP = (
    "A story map document (.json, as exported), a spreadsheet CSV with the columns Activity, Step, Story, "
    "Description, Release, Priority, Estimate (and optionally Labels, names separated by commas), "
    "or a Jira CSV exported by Mapwright. At most 5 MB."
)


class ImportNewProjectForm(forms.Form):
    file = forms.FileField(label="File", help_text=IMPORT_HELP)
    name = forms.CharField(
        label="Project name",
        max_length=PROJECT_NAME_MAX,
        required=False,
        help_text="Leave empty to use the document's title, or the file's name.",
    )


class ImportIntoProjectForm(forms.Form):
    file = forms.FileField(label="File", help_text=IMPORT_HELP)
    mode = forms.ChoiceField(
        label="What to do with the current map",
        choices=[
            (MapMode.REPLACE, "Replace it (it is kept under Earlier maps, and you can restore it)"),
            (MapMode.APPEND, "Add the imported activities after it"),
        ],
        initial=MapMode.REPLACE,
        widget=forms.RadioSelect,
    )


class CommentForm(forms.Form):
    """A comment on a card, from its page without JavaScript; stories.services.comment_create checks the text."""

    body = forms.CharField(
        label="Add a comment",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
        help_text=f"Plain text, at most {COMMENT_MAX:,} characters. Everyone on the project can read it.",
    )
