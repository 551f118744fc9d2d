"""The map laid out for paper: the steps cut into bands a landscape page wide, each band a table.

The board is one very wide table, and a printer cannot scroll: squeezed onto a
page, a 30-step map becomes columns of one to three letters with cards running into one
another. Here every band holds as many steps as fit the paper at a readable
column width (see PAPERS), repeats its activity and step headers on every page
it runs over, and lays each release out as rows of cards, one card per column
a row, so that pages break between cards, never through one.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views import View

from config.types import AuthenticatedHttpRequest
from projects.access import project_get_for_user
from projects.limits import Role

from .labels import Label, label_palette
from .limits import StoryPriority, StoryStatus
from .models import Activity, Release, Story
from .selectors import Column, ReleaseRow, StoryMap, story_map_get

PRIORITY_NAMES: dict[str, str] = {key: str(name) for key, name in StoryPriority.choices}
STATUS_NAMES: dict[str, str] = {key: str(name) for key, name in StoryStatus.choices}


@dataclass(frozen=True)
class Paper:
    key: str
    name: str
    # Step columns a band holds: the printable width (landscape, 10 mm margins) over at least 34 mm a column.
    columns: int


PAPERS = {
    "a4": Paper("a4", "A4 landscape", 8),  # 277 mm / 8 = 34.6 mm
    "a3": Paper("a3", "A3 landscape", 11),  # 400 mm / 11 = 36.4 mm
}


@dataclass
class PrintCard:
    """A story as the page prints it, its texts worked out here: a thousand cards are most of the page's time."""

    title: str
    css: str  # its modifier classes: the priority, and done
    chips: list[tuple[str, str]]  # (text, modifier class or "")
    labels: list[Label]


def print_card(story: Story, palette: dict[str, Label]) -> PrintCard:
    chips = [(PRIORITY_NAMES.get(story.priority, story.priority), f"print-chip--{story.priority}")]
    if story.estimate is not None:
        chips.append((f"{story.estimate} pt{'' if story.estimate == 1 else 's'}", ""))
    if story.status != StoryStatus.TODO:
        chips.append((STATUS_NAMES.get(story.status, story.status), ""))
    persona = getattr(story, "persona_name", "")
    if persona:
        chips.append((persona, "print-chip--persona"))
    css = f"print-card--{story.priority}" + (" print-card--done" if story.status == StoryStatus.DONE else "")
    return PrintCard(story.title, css, chips, [palette[key] for key in story.labels or () if key in palette])


@dataclass
class ActivitySpan:
    activity: Activity
    span: int
    continued: bool  # the activity began in the band before


@dataclass
class BandRelease:
    release: Release | None
    story_count: int
    point_total: int
    lines: list[list[PrintCard | None]]  # one card (or a gap) per step column of the band, a line at a time


@dataclass
class Band:
    number: int
    first: int  # the band's first and last columns, counted from 1 across the map
    columns: list[Column]
    padding: int  # empty columns that keep the last band's columns as wide as the others
    activities: list[ActivitySpan] = field(default_factory=list)
    releases: list[BandRelease] = field(default_factory=list)

    @property
    def last(self) -> int:
        return self.first + len(self.columns) - 1

    @property
    def width(self) -> int:
        return len(self.columns) + self.padding


def print_bands(story_map: StoryMap, *, per_band: int) -> list[Band]:
    """The map's columns in bands of `per_band`, each with its activity spans and its releases' lines of cards."""
    palette = {label.key: label for label in label_palette(story_map.project)}

    def card(story: Story) -> PrintCard:
        return print_card(story, palette)

    bands: list[Band] = []
    columns = story_map.columns
    for number, start in enumerate(range(0, len(columns), per_band), start=1):
        chunk = columns[start : start + per_band]
        band = Band(number, start + 1, chunk, per_band - len(chunk))
        for index, column in enumerate(chunk):
            if band.activities and band.activities[-1].activity is column.activity:
                band.activities[-1].span += 1
            else:
                continued = index == 0 and start > 0 and columns[start - 1].activity is column.activity
                band.activities.append(ActivitySpan(column.activity, 1, continued))
        for row in story_map.rows:
            band.releases.append(_band_release(row, start, len(chunk), card))
        bands.append(band)
    return bands


def _band_release(row: ReleaseRow, start: int, count: int, card: Callable[[Story], PrintCard]) -> BandRelease:
    cells = row.cells[start : start + count]
    depth = max((len(cell) for cell in cells), default=0)
    lines = [[card(cell[line]) if line < len(cell) else None for cell in cells] for line in range(depth)]
    return BandRelease(row.release, row.story_count, row.point_total, lines)


class PrintView(LoginRequiredMixin, View):
    """The map for printing or saving as PDF: ?paper=a4|a3, landscape."""

    def get(self, request: AuthenticatedHttpRequest, project_id: int) -> HttpResponse:
        project = project_get_for_user(user=request.user, project_id=project_id, need=Role.VIEWER)
        paper = PAPERS.get(request.GET.get("paper", "a4"))
        if paper is None:
            return HttpResponseBadRequest(f"Choose paper {' or '.join(PAPERS)}.")
        story_map = story_map_get(project=project)
        context = {
            "project": project,
            "map": story_map,
            "paper": paper,
            "papers": PAPERS.values(),
            "bands": print_bands(story_map, per_band=paper.columns),
            "point_total": sum(row.point_total for row in story_map.rows),
            "step_count": sum(1 for column in story_map.columns if column.step),
        }
        return render(request, "stories/print.html", context)
