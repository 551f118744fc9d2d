from typing import Any

from django import forms

from projects.limits import PROJECT_DESCRIPTION_MAX

from .models import Generation


class GenerateMapForm(forms.Form):
    description = forms.CharField(
        label="Product description",
        max_length=PROJECT_DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Who uses the product and what they do with it, in plain words. "
        "For example: “A booking app for a vet clinic: owners book appointments, get vaccination reminders "
        "and see their pet's history; receptionists manage the day's schedule.”",
    )
    mode = forms.ChoiceField(
        label="What to do with the current map",
        choices=[
            (Generation.Mode.REPLACE, "Replace it (it is kept, and you can restore it)"),
            (Generation.Mode.APPEND, "Add the new activities after it"),
        ],
        initial=Generation.Mode.REPLACE,
        widget=forms.RadioSelect,
    )
    confirm_replace = forms.BooleanField(required=False)

    def __init__(self, *args: Any, current_map: dict[str, int] | None = None, **kwargs: Any) -> None:
        """`current_map`: the counts of the project's map; a map with activities asks to confirm Replace."""
        super().__init__(*args, **kwargs)
        self.current_map = current_map or {}
        activities, stories = self.current_map.get("activities", 0), self.current_map.get("stories", 0)
        if activities:
            self.fields["confirm_replace"].label = (
                f"Yes, replace the current map: {activities} {'activity' if activities == 1 else 'activities'} "
                f"and {stories} {'story' if stories == 1 else 'stories'}. It is kept under “Earlier maps”, "
                "where you can restore it."
            )
        else:
            del self.fields["confirm_replace"]  # an empty map has nothing to lose

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data  # what Form.clean returns; its stub allows None
        if (
            "confirm_replace" in self.fields
            and cleaned.get("mode") == Generation.Mode.REPLACE
            and not cleaned.get("confirm_replace")
        ):
            self.add_error(
                "confirm_replace",
                "Tick the box to replace the current map, or choose to add the new activities after it.",
            )
        return cleaned
