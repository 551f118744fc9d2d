"""Fixtures shared by the board's tests."""

from types import SimpleNamespace

import pytest

from projects.services import project_create
from stories import services


@pytest.fixture
def clinic(owner):
    """A vet clinic's "Book appointments" in the catalogue's words, so that the offline planner knows it."""
    project = project_create(owner=owner, name="Vet clinic", description="A vet clinic where pet owners book visits.")
    mvp = services.release_create(project=project, name="MVP")
    persona = services.persona_create(project=project, name="Pet owner")
    book = services.activity_create(project=project, title="Book appointments")
    choose = services.step_create(project=project, activity=book, title="Choose what to book")
    find = services.step_create(project=project, activity=book, title="Find a free time")
    confirm = services.step_create(project=project, activity=book, title="Confirm the booking")
    small = services.story_create(
        project=project,
        step=choose,
        release=mvp,
        persona=persona,
        title="Pick the type of appointment I need",
        description="As a pet owner, I want to pick the type of appointment I need, so that I see the times that fit.",
        acceptance_criteria=["Given several types, when I pick one, then its length and price are shown."],
        estimate=2,
    )
    big = services.story_create(
        project=project,
        step=confirm,
        release=mvp,
        persona=persona,
        title="Book and pay for an appointment",
        description="As a pet owner, I want to book and pay for an appointment, so that my visit is settled.",
        estimate=8,
    )
    return SimpleNamespace(project=project, book=book, choose=choose, find=find, confirm=confirm, small=small, big=big)
