"""The AI assists' limits and choices, written once: the model, the prompts, the parsers and the API read them."""

from django.db import models


class AssistKind(models.TextChoices):
    SUGGEST_STORIES = "suggest_stories", "Suggest stories"
    SUGGEST_CRITERIA = "suggest_criteria", "Write acceptance criteria"
    SPLIT = "split", "Split the story"
    FILL_GAPS = "fill_gaps", "Fill the gaps"


class ProposalStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected"


# How many items one proposal holds: (fewest a model's answer may give, most it may give).
# The prompts ask for the "asked" range; an answer with fewer (but at least the fewest) is kept:
# a step that is already well covered honestly has less to add.
ASSIST_ITEMS: dict[str, tuple[int, int]] = {
    AssistKind.SUGGEST_STORIES: (1, 5),
    AssistKind.SUGGEST_CRITERIA: (1, 5),
    AssistKind.SPLIT: (2, 4),
    AssistKind.FILL_GAPS: (1, 5),
}
ASSIST_ASKED: dict[str, tuple[int, int]] = {
    AssistKind.SUGGEST_STORIES: (3, 5),
    AssistKind.SUGGEST_CRITERIA: (2, 5),
    AssistKind.SPLIT: (2, 4),
    AssistKind.FILL_GAPS: (1, 5),
}
# Stories that come with one step proposed by "Fill the gaps".
GAP_STORIES = (1, 3)
# How long a proposal may be accepted after it was made.
PROPOSAL_MINUTES = 60
# The other activities' step titles sent to a model as context, at most (a huge map stays a small prompt).
CONTEXT_STEPS = 200
