""" "Check the map": one finding per seeded defect on the right card, none on a clean map, the API and the command."""

import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from projects.limits import Role
from projects.models import Membership
from projects.services import project_create
from stories import qus, services
from stories.models import Story
from stories.quality import CRITERIA, STORY_LEVEL, StoryText, map_check, story_defects
from stories.tests.factories import build_map

pytestmark = pytest.mark.django_db


def clean_map(project):
    """Two activities, each with a step and a story in the MVP that passes every check."""
    mvp = services.release_create(project=project, name="MVP")
    owner = services.persona_create(project=project, name="Pet owner")
    book = services.activity_create(project=project, title="Book a visit")
    choose = services.step_create(project=project, activity=book, title="Choose a time")
    pay = services.activity_create(project=project, title="Pay")
    online = services.step_create(project=project, activity=pay, title="Pay online")

    def story(
        step,
        title,
        description,
        *,
        release=mvp,
        estimate=3,
        criteria=("Given a slot, when I pick it, then it is mine.",),
    ):
        return services.story_create(
            project=project,
            step=step,
            title=title,
            description=description,
            release=release,
            persona=owner,
            estimate=estimate,
            acceptance_criteria=list(criteria),
        )

    story(
        choose,
        "Choose a free time slot",
        "As a pet owner, I want to choose a free time slot, so that I come when it suits me.",
    )
    story(online, "Pay by card", "As a pet owner, I want to pay by card, so that I do not queue at the desk.")
    return {"mvp": mvp, "owner": owner, "book": book, "choose": choose, "pay": pay, "online": online, "story": story}


@pytest.fixture
def project(owner):
    return project_create(owner=owner, name="Vet clinic")


def test_a_clean_map_has_no_findings(project):
    clean_map(project)
    check = map_check(project=project)
    assert check.findings == ()
    assert check.score == 1.0
    assert all(criterion.score == 1.0 and criterion.findings == 0 for criterion in check.criteria)
    assert [criterion.key for criterion in check.criteria] == [criterion.key for criterion in CRITERIA]


def test_one_defect_of_each_kind_gives_one_finding_each_on_the_right_card(project):
    parts = clean_map(project)
    story, choose, online = parts["story"], parts["choose"], parts["online"]
    seeded = {
        "well-formed": story(choose, "Print the invoice", "Print the invoice for my records."),
        "atomic": story(
            online,
            "Edit or delete a pet",
            "As a pet owner, I want to edit or delete a pet, so that my pets stay right.",
        ),
        "minimal": story(
            choose,
            "See the opening hours",
            "As a pet owner, I want to see the opening hours (weekends too), so that I come when it is open.",
        ),
        "full-sentence": story(
            choose,
            "Vaccination records",
            "As a pet owner, I want to see my pet's vaccinations, so that I know what is due.",
        ),
        "uniform": story(
            choose, "Cancel a visit", "As a pet owner, I can cancel a visit, so that the slot goes to someone else."
        ),
        "unique": story(
            choose,
            "Choose free time slots",
            "As a pet owner, I want to choose free time slots, so that two pets come at once.",
        ),
        "estimable": story(
            online,
            "Pay in instalments",
            "As a pet owner, I want to pay in instalments, so that a big bill is bearable.",
            estimate=13,
        ),
        "acceptance-criteria": story(
            online,
            "Download a receipt",
            "As a pet owner, I want to download a receipt, so that I claim the cost back.",
            criteria=(),
        ),
        "duplicate-title": story(
            online, "pay by  card", "As a pet owner, I want to pay with my card, so that I need no cash."
        ),
    }
    empty = services.step_create(project=project, activity=parts["book"], title="Get a reminder")
    review = services.activity_create(project=project, title="Review the vet")
    rate = services.step_create(project=project, activity=review, title="Rate a visit")
    story(
        rate, "Rate a visit", "As a pet owner, I want to rate a visit, so that other owners choose well.", release=None
    )
    receptionist = services.persona_create(project=project, name="Receptionist")

    check = map_check(project=project)

    counts = Counter(finding.criterion for finding in check.findings)
    assert counts == {criterion.key: 1 for criterion in CRITERIA}, counts
    found = {finding.criterion: finding for finding in check.findings}
    for criterion, card in seeded.items():
        assert found[criterion].story_id == card.pk, criterion
        assert found[criterion].subject == card.title
        assert found[criterion].step_id == card.step_id
    assert (found["empty-step"].step_id, found["empty-step"].subject) == (empty.pk, "Get a reminder")
    assert (found["mvp"].activity_id, found["mvp"].subject) == (review.pk, "Review the vet")
    assert (found["unused-persona"].persona_id, found["unused-persona"].subject) == (receptionist.pk, "Receptionist")
    # The fixes that help: split a too-big or two-action story, write criteria, else open the card at its field.
    assert (found["estimable"].fix, found["atomic"].fix) == ("split", "split")
    assert (found["acceptance-criteria"].fix, found["acceptance-criteria"].form_field) == (
        "write-criteria",
        "acceptance_criteria",
    )
    assert (found["full-sentence"].fix, found["full-sentence"].form_field) == ("edit", "title")
    assert found["empty-step"].fix is None
    assert "“Choose a free time slot”" in found["unique"].message
    assert "13 points" in found["estimable"].message
    scores = {criterion.key: criterion.score for criterion in check.criteria}
    assert scores["empty-step"] == pytest.approx(3 / 4, abs=1e-3)  # one of four steps
    assert scores["mvp"] == pytest.approx(2 / 3, abs=1e-3)  # one of three activities
    assert scores["unused-persona"] == pytest.approx(1 / 2, abs=1e-3)
    assert scores["estimable"] == pytest.approx(11 / 12, abs=1e-3)  # one of twelve stories
    assert 0 < check.score < 1


def test_a_map_with_no_release_tells_every_activity_to_reach_an_mvp(project):
    activity = services.activity_create(project=project, title="Book a visit")
    step = services.step_create(project=project, activity=activity, title="Choose a time")
    services.story_create(project=project, step=step, title="Choose a free time slot")
    findings = [finding for finding in map_check(project=project).findings if finding.criterion == "mvp"]
    assert len(findings) == 1 and "no release yet" in findings[0].message


def test_a_card_with_a_persona_and_no_story_text_is_well_formed(project):
    parts = clean_map(project)
    parts["story"](parts["choose"], "Pick a vet", "")
    Story.objects.filter(title="Pick a vet").update(persona=None)
    assert [f.subject for f in map_check(project=project).findings if f.criterion == "well-formed"] == ["Pick a vet"]
    Story.objects.filter(title="Pick a vet").update(persona=parts["owner"])
    assert not [f for f in map_check(project=project).findings if f.criterion == "well-formed"]


def test_the_check_reads_the_map_in_the_same_queries_whatever_its_size(project, owner):
    small = project_create(owner=owner, name="Small")
    build_map(small, activities=1, steps=1, releases=1, stories_per_cell=1)
    build_map(project, activities=8, steps=5, releases=3, stories_per_cell=3)  # 480 stories
    map_check(project=small)  # the lexicon loads once per process, before anything is counted
    with CaptureQueriesContext(connection) as small_queries:
        map_check(project=small)
    with CaptureQueriesContext(connection) as big_queries:
        check = map_check(project=project)
    assert len(small_queries) == len(big_queries) <= 6
    assert sum(1 for finding in check.findings if finding.criterion == "acceptance-criteria") == 480


def test_the_api_answers_a_viewer_and_hides_the_map_from_an_outsider(project, member, outsider, owner):
    parts = clean_map(project)
    parts["story"](
        parts["online"],
        "Download a receipt",
        "As a pet owner, I want to download a receipt, so that I claim it.",
        criteria=(),
    )
    Membership.objects.create(project=project, user=member, role=Role.VIEWER)
    from conftest import bearer_client

    response = bearer_client(member).get(f"/api/v1/projects/{project.pk}/quality/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"score", "criteria", "findings"}
    assert {"key", "label", "score", "findings"} == set(data["criteria"][0])
    finding = data["findings"][0]
    assert finding["criterion"] == "acceptance-criteria" and finding["subject"] == "Download a receipt"
    assert finding["story_id"] == Story.objects.get(title="Download a receipt").pk
    assert finding["fix"] == "write-criteria"
    assert next(c for c in data["criteria"] if c["key"] == "acceptance-criteria")["score"] == pytest.approx(
        2 / 3, abs=1e-3
    )

    assert bearer_client(outsider).get(f"/api/v1/projects/{project.pk}/quality/").status_code == 404
    assert bearer_client(owner).get("/api/v1/projects/999999/quality/").status_code == 404


def test_the_command_counts_the_stories_each_criterion_flags(tmp_path, capsys):
    backlog = tmp_path / "backlog.txt"
    # Windows-1252 with a curly apostrophe, as some published backlogs are; blank lines are not stories.
    backlog.write_bytes(
        "As a visitor, I want to search the catalogue, so that I find a book.\r\n"
        "\r\n"
        "As a visitor, I want to search the catalogue, so that I find a book.\r\n"
        "As a librarian, I want to add and remove books (e.g. donations).\r\n"
        "Library opening hours\r\n"
        "As a member, I can renew a loan, so that I keep the book a week more.\r\n"
        "As a member, I want to see my loans, so that I don\u2019t pay a fine.\r\n".encode("cp1252")
    )
    call_command("check_stories", str(backlog))
    table = capsys.readouterr().out
    assert "6 stories" in table
    rows = {line.split("  ")[0].strip(): line.split() for line in table.splitlines()[3:] if line.strip()}
    flagged = {label: int(cells[-3]) for label, cells in rows.items()}
    # One each: "Library opening hours" (no role, no verb), "add and remove", the brackets, "I can", the repeat.
    assert flagged == {
        "Well-formed": 1,
        "Atomic": 1,
        "Minimal": 1,
        "Full sentence": 1,
        "Uniform": 1,
        "Unique": 1,
    }

    call_command("check_stories", str(backlog), "--json")
    data = json.loads(capsys.readouterr().out)
    report = data["files"][0]
    assert report["stories"] == 6
    assert set(report["criteria"]) == {criterion.key for criterion in STORY_LEVEL}
    unique = [finding for finding in report["findings"] if finding["criterion"] == "unique"]
    assert [finding["line"] for finding in unique] == [2]
    assert not any("don\u2019t pay" in finding["story"] for finding in report["findings"])


def test_the_command_refuses_a_missing_file_with_a_message(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("check_stories", str(tmp_path / "missing.txt"))


@pytest.mark.parametrize(
    ("text", "well_formed"),
    [
        ("As a pet owner, I want to book a visit, so that I do not phone.", True),
        ("As an owner I want a reminder", True),  # the ends are optional, commas too
        ("As the site editor, I would like to add an article.", True),
        ("I want to book a visit, so that I do not phone.", False),
        ("As a DeveloperI want to see data, so that I can act.", False),  # no means before the ends
    ],
)
def test_well_formed_needs_a_role_and_a_means(text, well_formed):
    assert qus.is_well_formed(text) is well_formed


def test_full_sentence_wants_a_verb_in_the_goal():
    assert qus.is_full_sentence(title="Book a visit", description="")
    assert not qus.is_full_sentence(title="Vaccination records", description="")
    assert qus.is_full_sentence(title="", description="As a user, I want to quickly see my visits.")
    assert qus.is_full_sentence(title="", description="As a user, I want a reminder.")
    assert not qus.is_full_sentence(title="", description="As a user, I want to the vaccination records.")


def test_uniform_lets_a_story_without_ends_fit_and_flags_another_means_marker():
    stories = [
        StoryText("", "As a user, I want to see visits, so that I plan."),
        StoryText("", "As a user, I want to see bills."),
        StoryText("", "As a user, I can see pets, so that I know them."),
    ]
    assert [(d.index, d.criterion) for d in story_defects(stories, titles_apart=False) if d.criterion == "uniform"] == [
        (2, "uniform")
    ]
