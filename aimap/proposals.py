"""Deciding a proposal: accepting (some of) it writes through stories.services as one undoable change.

Accepting locks the proposal and the project, checks that the target is as it was when proposed,
and writes every chosen item inside one `recording`, so that the board's Ctrl+Z takes the whole
accept back and the feed says it in one line.
"""

from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone

from accounts.models import User
from projects.access import require_role
from projects.events import Verb
from projects.limits import Role
from projects.services import project_lock
from stories import services as map_services
from stories.document import title_key
from stories.history import HistoryState, Scope, history_state, recording
from stories.models import Activity, MapChange, Persona, Release, Step, Story

from .assists import GapItem, StoryItem, Target, decision_target, parse_items, target_basis
from .limits import AssistKind
from .models import Proposal
from .stages import StageInvalid

TARGET_MODELS: dict[str, type[Activity | Step | Story]] = {
    AssistKind.SUGGEST_STORIES: Step,
    AssistKind.SUGGEST_CRITERIA: Story,
    AssistKind.SPLIT: Story,
    AssistKind.FILL_GAPS: Activity,
}
# What a person may change in an item before accepting it.
EDITABLE: dict[str, frozenset[str]] = {
    AssistKind.SUGGEST_STORIES: frozenset(StoryItem.__annotations__),
    AssistKind.SPLIT: frozenset(StoryItem.__annotations__),
    AssistKind.SUGGEST_CRITERIA: frozenset({"text"}),
    AssistKind.FILL_GAPS: frozenset({"title", "description"}),
}


class ProposalRefused(Exception):
    """The proposal cannot be decided any more: `code` is expired, applied, rejected or stale."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Accepted:
    proposal: Proposal
    stories: list[int] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    history: HistoryState | None = None


def _open(proposal: Proposal) -> Proposal:
    """The proposal read again under its row lock, if it can still be decided."""
    current = Proposal.objects.select_for_update().select_related("project").get(pk=proposal.pk)
    if current.status == Proposal.Status.APPLIED:
        raise ProposalRefused("applied", "This proposal has been accepted already.")
    if current.status == Proposal.Status.REJECTED:
        raise ProposalRefused("rejected", "This proposal was rejected; ask the AI again for a new one.")
    if current.expires <= timezone.now():
        raise ProposalRefused("expired", "This proposal has expired; ask the AI again for a new one.")
    return current


def _current_target(proposal: Proposal) -> Activity | Step | Story:
    model = TARGET_MODELS[proposal.kind]
    noun = model._meta.verbose_name
    row = model._default_manager.filter(pk=proposal.target_id, project=proposal.project).first()
    if row is None:
        raise ProposalRefused("stale", f"The {noun} “{proposal.target_title}” was deleted since this was proposed.")
    if target_basis(proposal.kind, row) != proposal.basis:
        raise ProposalRefused(
            "stale", f"The {noun} “{row.title}” changed since this was proposed; ask the AI again for a fresh proposal."
        )
    return row


def _chosen(proposal: Proposal, choices: Any, target: Target) -> list[Any]:
    """The items the person chose, with their edits, checked as the map requires; ValidationError naming the field."""
    items: list[Any] = proposal.items
    if choices is None:
        picked: list[Any] = [dict(item) if isinstance(item, dict) else {"text": item} for item in items]
        if proposal.kind == AssistKind.SUGGEST_CRITERIA:
            picked = [entry["text"] for entry in picked]
        return parse_items(proposal.kind, picked, target=target, strict=False)
    if not isinstance(choices, list) or not choices:
        raise ValidationError({"items": 'Choose at least one item: a list of {"index": …}, with any edited fields.'})
    chosen: list[Any] = []
    seen: set[int] = set()
    editable = EDITABLE[proposal.kind]
    for position, choice in enumerate(choices):
        where = f"items[{position}]"
        index = choice.get("index") if isinstance(choice, dict) else None
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(items):
            raise ValidationError({"items": f"{where}.index: must be the index of an item, 0 to {len(items) - 1}."})
        if index in seen:
            raise ValidationError({"items": f"{where}.index: item {index} is chosen twice."})
        seen.add(index)
        unknown = sorted(set(choice) - editable - {"index"})
        if unknown:
            raise ValidationError({"items": f"{where}.{unknown[0]}: cannot be changed here."})
        edits = {key: value for key, value in choice.items() if key != "index"}
        if proposal.kind == AssistKind.SUGGEST_CRITERIA:
            chosen.append(edits.get("text", items[index]))
        else:
            chosen.append({**items[index], **edits})
    try:
        return parse_items(proposal.kind, chosen, target=target, strict=False)
    except StageInvalid as error:
        raise ValidationError({"items": "; ".join(error.problems)}) from error


def _named[M: (Persona, Release)](model: type[M], proposal: Proposal, name: str | None) -> M | None:
    if not name:
        return None
    rows = model._default_manager.filter(project=proposal.project)
    return next((row for row in rows if title_key(str(row)) == title_key(name)), None)


def _story_fields(proposal: Proposal, item: StoryItem) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": item["title"],
        "description": item["description"],
        "acceptance_criteria": item["acceptance_criteria"],
        "estimate": item["estimate"],
        "persona": _named(Persona, proposal, item["persona"]),
    }
    if item["priority"]:
        fields["priority"] = item["priority"]
    return fields


def _one_change(
    proposal: Proposal,
    user: User,
    *,
    subject: Model,
    scopes: list[Scope],
    what: str,
    kind: str = MapChange.Kind.CREATE,
    verb: str = "add",
    feed_verb: str | None = None,
) -> AbstractContextManager[object]:
    """The writes inside are kept as one undoable change of `user`, said in the feed as one line."""
    return recording(
        project=proposal.project,
        by=user,
        kind=kind,
        verb=verb,
        subject=subject,
        scopes=scopes,
        what=what,
        feed_verb=feed_verb,
    )


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _add_stories(proposal: Proposal, step: Step, items: list[StoryItem], done: Accepted) -> None:
    for item in items:
        story = map_services.story_create(
            project=proposal.project,
            step=step,
            release=_named(Release, proposal, item["release"]),
            **_story_fields(proposal, item),
        )
        done.stories.append(story.pk)


def _accept_stories(proposal: Proposal, step: Step, items: list[StoryItem], user: User, done: Accepted) -> None:
    what = f"{_plural(len(items), 'suggested story', 'suggested stories')} to step “{step.title}”"
    scopes = [Scope(Story, Q(step=step))]
    with _one_change(proposal, user, subject=step, scopes=scopes, what=what):
        _add_stories(proposal, step, items, done)


def _accept_criteria(proposal: Proposal, story: Story, criteria: list[str], user: User, done: Accepted) -> None:
    what = f"{_plural(len(criteria), 'criterion', 'criteria')} to story “{story.title}”"
    scopes = [Scope(Story, Q(pk=story.pk))]
    with _one_change(
        proposal, user, subject=story, scopes=scopes, what=what, kind=MapChange.Kind.EDIT, feed_verb=Verb.CREATED
    ):
        map_services.story_update(
            story=story, version=story.version, acceptance_criteria=[*story.acceptance_criteria, *criteria]
        )
        done.stories.append(story.pk)


def _accept_split(proposal: Proposal, story: Story, parts: list[StoryItem], user: User, done: Accepted) -> None:
    what = f"story “{story.title}” into {len(parts)} stories"
    scopes = [Scope(Story, Q(step_id=story.step_id))]
    with _one_change(
        proposal,
        user,
        subject=story,
        scopes=scopes,
        what=what,
        kind=MapChange.Kind.EDIT,
        verb="split",
        feed_verb=Verb.SPLIT,
    ):
        first, *rest = parts
        map_services.story_update(story=story, version=story.version, **_story_fields(proposal, first))
        done.stories.append(story.pk)
        for offset, part in enumerate(rest, start=1):
            # The parts stay together in the story's own cell, in the order proposed.
            added = map_services.story_create(
                project=proposal.project,
                step=story.step,
                release=story.release,
                position=story.position + offset,
                **_story_fields(proposal, part),
            )
            done.stories.append(added.pk)


def _accept_gaps(proposal: Proposal, activity: Activity, gaps: list[GapItem], user: User, done: Accepted) -> None:
    what = f"{_plural(len(gaps), 'missing step', 'missing steps')} to activity “{activity.title}”"
    scopes = [Scope(Step, Q(activity=activity)), Scope(Story, Q(step__activity=activity))]
    with _one_change(proposal, user, subject=activity, scopes=scopes, what=what):
        # Positions are among the steps there were: each one placed before moves the later ones along.
        for placed, gap in enumerate(sorted(gaps, key=lambda gap: gap["position"])):
            step = map_services.step_create(
                project=proposal.project,
                activity=activity,
                title=gap["title"],
                description=gap["description"],
                position=gap["position"] + placed,
            )
            done.steps.append(step.pk)
            _add_stories(proposal, step, gap["stories"], done)


@transaction.atomic
def proposal_accept(*, proposal: Proposal, user: User, choices: Any = None) -> Accepted:
    """Apply the chosen items (all when `choices` is None) as one undoable change of `user`.

    ProposalRefused when it was decided already, expired, or its target changed; ValidationError for a bad choice.
    """
    proposal = _open(proposal)
    require_role(proposal.project, user, Role.EDITOR)
    project_lock(proposal.project)
    row = _current_target(proposal)
    target = decision_target(proposal.kind, row)
    try:
        items = _chosen(proposal, choices, target)
    except StageInvalid as error:
        raise ValidationError({"items": "; ".join(error.problems)}) from error
    done = Accepted(proposal)
    if isinstance(row, Step):
        _accept_stories(proposal, row, items, user, done)
    elif isinstance(row, Activity):
        _accept_gaps(proposal, row, items, user, done)
    elif proposal.kind == AssistKind.SPLIT:
        _accept_split(proposal, row, items, user, done)
    else:
        _accept_criteria(proposal, row, items, user, done)
    proposal.status, proposal.decided = Proposal.Status.APPLIED, timezone.now()
    proposal.save(update_fields=["status", "decided"])
    done.proposal = proposal
    done.history = history_state(project=proposal.project, user=user)
    return done


@transaction.atomic
def proposal_reject(*, proposal: Proposal, user: User) -> Proposal:
    """Set the proposal aside; the map is not touched."""
    proposal = _open(proposal)
    require_role(proposal.project, user, Role.EDITOR)
    proposal.status, proposal.decided = Proposal.Status.REJECTED, timezone.now()
    proposal.save(update_fields=["status", "decided"])
    return proposal
