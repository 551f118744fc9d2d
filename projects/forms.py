from django import forms

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
