from django import forms

from .models import TEXT_MAX, TITLE_MAX, MapMode, Persona, Release, Step, Story


def lines_of(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


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
        return lines_of(self.cleaned_data["goals"])


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
    estimate = forms.IntegerField(label="Estimate (points)", min_value=0, max_value=1000, required=False)
    persona = forms.ModelChoiceField(queryset=Persona.objects.none(), required=False, empty_label="No persona")
    step = forms.ModelChoiceField(queryset=Step.objects.none(), empty_label=None)
    release = forms.ModelChoiceField(queryset=Release.objects.none(), required=False, empty_label="Unplanned")
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["persona"].queryset = Persona.objects.filter(project=project)
        self.fields["step"].queryset = Step.objects.filter(project=project).select_related("activity")
        self.fields["step"].label_from_instance = lambda step: f"{step.activity.title} › {step.title}"  # noqa: RUF001
        self.fields["release"].queryset = Release.objects.filter(project=project)

    @classmethod
    def initial_for(cls, story: Story) -> dict:
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
            "version": story.version,
        }

    def clean_acceptance_criteria(self) -> list[str]:
        return lines_of(self.cleaned_data["acceptance_criteria"])


IMPORT_HELP = (
    "A story map document (.json, as exported), a spreadsheet CSV with the columns Activity, Step, Story, "
    "Description, Release, Priority, Estimate, or a Jira CSV exported by Mapwright. At most 5 MB."
)


class ImportNewProjectForm(forms.Form):
    file = forms.FileField(label="File", help_text=IMPORT_HELP)
    name = forms.CharField(
        label="Project name",
        max_length=120,
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
