"""A card's discussion goes and comes back with the card: undo and the Trash restore its comments as they were."""

import pytest

from accounts.models import User
from projects.limits import Role
from projects.models import Membership
from projects.services import project_create
from stories import history, services
from stories.models import Activity, Comment, Story
from stories.tests.factories import vet_clinic_map

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(owner, member):
    project = vet_clinic_map(project_create(owner=owner, name="Vet clinic"))
    Membership.objects.create(project=project, user=member, role=Role.EDITOR)
    return project


def discussion(project):
    rows = Comment.objects.filter(project=project).order_by("pk")
    # To the millisecond: the history keeps times as JSON does.
    return [
        (*row[:-1], row[-1].replace(microsecond=row[-1].microsecond // 1000 * 1000))
        for row in rows.values_list("pk", "story_id", "author_id", "body", "created")
    ]


@pytest.fixture
def talked_about(project, owner, member):
    story = Story.objects.filter(project=project, step__activity__title="Check in").order_by("pk")[0]
    services.comment_create(story=story, by=owner, body="Do we need the QR code in the MVP?")
    services.comment_create(story=story, by=member, body="Yes: the front desk asked for it.")
    return story


def test_undoing_a_card_delete_brings_its_comments_back_as_they_were(project, owner, talked_about):
    before = discussion(project)
    services.story_delete(story=talked_about, by=owner)
    assert discussion(project) == []

    history.change_undo(project=project, user=owner)

    assert discussion(project) == before  # same ids, authors, words and times


def test_the_trash_restores_an_activity_with_its_cards_and_their_comments(project, owner, member, talked_about):
    before = discussion(project)
    activity = Activity.objects.get(project=project, title="Check in")
    services.activity_delete(activity=activity, by=member)
    (item,) = history.trash_list(project=project)
    assert item.contents == "with 1 step, 2 stories and 2 comments"

    history.trash_restore(change=item.change, user=owner)

    assert discussion(project) == before


def test_a_deleted_accounts_comments_stay_gone_when_the_card_comes_back(project, owner, member, talked_about):
    services.step_delete(step=talked_about.step, by=owner)
    User.objects.get(pk=member.pk).delete()

    history.change_undo(project=project, user=owner)

    assert [body for *_, body, _ in discussion(project)] == ["Do we need the QR code in the MVP?"]


def test_undoing_an_add_is_refused_once_someone_commented_on_the_card(project, owner, member):
    step = Story.objects.filter(project=project).first().step
    story = services.story_create(project=project, step=step, title="Print a receipt", by=owner)
    services.comment_create(story=story, by=member, body="Paper or email?")

    with pytest.raises(history.UndoRefused, match="has gained comments since"):
        history.change_undo(project=project, user=owner)
    assert Comment.objects.filter(story=story).count() == 1
