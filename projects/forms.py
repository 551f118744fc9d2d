from django import forms

from .models import Project


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "description"]
        labels = {"name": "Name", "description": "Product description"}
        help_texts = {
            "description": "Who the product is for and what they do with it, in plain words. "
            "The AI drafts a map from it."
        }
        widgets = {
            "name": forms.TextInput(attrs={"maxlength": 120}),
            "description": forms.Textarea(attrs={"rows": 5, "maxlength": 10_000}),
        }
