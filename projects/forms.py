from collections.abc import Mapping
from typing import Any

from django import forms

from stories.limits import LABEL_NAME_MAX, LabelColour

from .models import Project


class ProjectForm(forms.ModelForm[Project]):
    class Meta:
        model = Project
        fields = ["name", "description"]
        labels = {"name": "Name", "description": "Product description"}
        help_texts = {
            "description": "Who the product is for and what they do with it, in plain words. "
            "The AI drafts a map from it."
        }
        # The model's max_length gives each field its limit and its maxlength attribute.
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class ProjectLabelsForm(forms.Form):
    """The project's names for its colour labels: one field a colour, `name_red` … `name_grey`.

    A field left empty gives its colour back the palette name; a field not sent at
    all leaves its colour's name as it is.
    """

    def __init__(self, *args: Any, names: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for colour in LabelColour:
            self.fields[f"name_{colour.value}"] = forms.CharField(
                label=str(colour.label),
                max_length=LABEL_NAME_MAX,
                required=False,
                initial=names.get(colour.value, ""),
            )

    def names(self) -> dict[str, str]:
        """The names sent, by colour key (only the colours whose field was sent)."""
        return {
            colour: self.cleaned_data[f"name_{colour}"]
            for colour in LabelColour.values
            if self.is_bound and f"name_{colour}" in self.data
        }
