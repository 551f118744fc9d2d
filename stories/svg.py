"""The whole story map as one standalone SVG image, laid out on the server.

A vector picture reads at any size and opens in any browser or drawing tool.
Text is measured by an estimate of average character widths (no font is
available on the server), so wrapping leaves some slack; a card whose title
needs more lines than it has ends in an ellipsis and keeps the whole title in
its `<title>` (the tooltip, and what screen readers read).

Only presentation attributes, never `style`: the image is served under the
site's Content Security Policy, which refuses inline styles.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

# Builds and serialises a tree and never parses one, which is what B405 warns about.
from xml.etree.ElementTree import Element, SubElement, tostring  # nosec B405

from .labels import label_names
from .limits import StoryPriority, StoryStatus

if TYPE_CHECKING:
    from .models import Story
    from .selectors import ReleaseRow, StoryMap

SVG_NS = "http://www.w3.org/2000/svg"
FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

MARGIN = 24
COLUMN_WIDTH = 190
GAP = 10
PAD = 8
STRIPE = 5
RADIUS = 6
HEADING_HEIGHT = 48  # the map's name and its counts, above the activities
BAND_HEIGHT = 30  # a release's name and totals, above its cards
EMPTY_ROW_HEIGHT = 16

TITLE_FONT, TITLE_LINE = 12.5, 16.0
META_FONT, META_LINE = 10.5, 14.0
CARD_TITLE_LINES = 4
STEP_TITLE_LINES = 3
ACTIVITY_TITLE_LINES = 2

INK, INK_SOFT, LINE = "#1c2430", "#4a5565", "#d9dee6"
ACTIVITY_FILL, ACTIVITY_STROKE = "#ffd166", "#e9b949"
STEP_FILL, STEP_STROKE = "#dcefff", "#b6dcfb"
BRAND_DARK = "#163a5a"
PRIORITY_COLOURS: dict[str, str] = {
    StoryPriority.MUST: "#d64545",
    StoryPriority.SHOULD: "#e59f1d",
    StoryPriority.COULD: "#3c8dd9",
    StoryPriority.WONT: "#9aa5b1",
}
LABEL_COLOURS = {
    "red": "#d64545",
    "orange": "#e8772e",
    "yellow": "#e5b31d",
    "green": "#2f9e5b",
    "teal": "#1f9a9a",
    "blue": "#3c7dd9",
    "purple": "#7c55c7",
    "grey": "#8a94a3",
}
PRIORITY_NAMES = dict(StoryPriority.choices)
STATUS_NAMES = dict(StoryStatus.choices)

# Characters XML 1.0 cannot hold at all (a title with one would make the whole file unreadable).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ELLIPSIS = "…"


def clean(text: str) -> str:
    """`text` on one line, with characters XML cannot carry removed."""
    return " ".join(NOT_XML.sub("", text).split())


@lru_cache(maxsize=4096)
def char_width(char: str) -> float:
    """A character's advance in em, roughly, for a sans-serif face."""
    if char in "il.,:;'|!()[]{}ftrjI ":
        return 0.3
    if char in "mwMW@%":
        return 0.85
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    if char.isupper() or char.isdigit():
        return 0.65
    return 0.55


def text_width(text: str, font_size: float) -> float:
    return sum(char_width(char) for char in text) * font_size


def fit(text: str, width: float, font_size: float) -> str:
    """`text` cut to `width`, ending in an ellipsis if it was cut."""
    if text_width(text, font_size) <= width:
        return text
    budget = width - text_width(ELLIPSIS, font_size)
    used = 0.0
    for index, char in enumerate(text):
        used += char_width(char) * font_size
        if used > budget:
            return text[:index].rstrip() + ELLIPSIS
    return text


def wrap(text: str, width: float, font_size: float, max_lines: int) -> list[str]:
    """`text` in lines of at most `width`, broken between words (inside a word only if it alone is too wide)."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, font_size) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while text_width(line, font_size) > width and len(line) > 1:
            head = fit(line, width, font_size).removesuffix(ELLIPSIS) or line[0]
            lines.append(head)
            line = line[len(head) :]
        if len(lines) > max_lines:
            break
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = fit(lines[-1] + ELLIPSIS, width, font_size)
    return lines or [""]


@dataclass
class Card:
    story: "Story"
    title_lines: list[str]
    meta_lines: list[str]
    labels: list[tuple[str, str]]  # (colour or "", name)

    @property
    def height(self) -> float:
        rows = len(self.meta_lines) + (1 if self.labels else 0)
        return 2 * PAD + len(self.title_lines) * TITLE_LINE + rows * META_LINE + 2


def card_for(story: "Story", names: dict[str, str]) -> Card:
    inner = COLUMN_WIDTH - 2 * PAD - STRIPE
    title = clean(story.title)
    meta = [PRIORITY_NAMES.get(story.priority, story.priority)]
    if story.estimate is not None:
        meta.append(f"{story.estimate} pt" + ("" if story.estimate == 1 else "s"))
    if story.status != StoryStatus.TODO:
        meta.append(STATUS_NAMES.get(story.status, story.status))
    meta_lines = [fit(" · ".join(meta), inner, META_FONT)]
    persona = clean(getattr(story, "persona_name", "") or "")
    if persona:
        meta_lines.append(fit(persona, inner, META_FONT))
    labels = [(LABEL_COLOURS.get(key, ""), clean(names[key])) for key in story.labels or () if key in names]
    return Card(story, wrap(title, inner, TITLE_FONT, CARD_TITLE_LINES), meta_lines, labels)


def add_text(
    parent: Element, lines: Iterable[str], *, x: float, y: float, size: float, line: float, **attrs: str
) -> Element:
    """A `<text>` whose first baseline sits a line below `y`, one `<tspan>` a line."""
    text = SubElement(parent, "text", x=num(x), y=num(y), attrib={"font-size": num(size), **attrs})
    for index, content in enumerate(lines):
        tspan = SubElement(text, "tspan", x=num(x), dy=num(line if index else line * 0.8))
        tspan.text = content
    return text


def num(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def column_x(index: int) -> float:
    return MARGIN + index * (COLUMN_WIDTH + GAP)


def story_map_svg(story_map: "StoryMap") -> str:
    """The map as an SVG document: a heading, the activity and step rows, then each release's band of cards."""
    project = story_map.project
    names = label_names(project)
    columns = story_map.columns
    count = max(len(columns), 1)
    width = max(2 * MARGIN + count * COLUMN_WIDTH + (count - 1) * GAP, 480)
    inner_width = width - 2 * MARGIN
    name = clean(project.name) or "Story map"

    root = Element(
        "svg",
        xmlns=SVG_NS,
        attrib={"font-family": FONT_STACK, "role": "img", "aria-labelledby": "map-title map-desc", "fill": INK},
    )
    SubElement(root, "title", id="map-title").text = f"Story map: {name}"
    stories = story_map.story_count
    points = sum(row.point_total for row in story_map.rows)
    summary = (
        f"{len(story_map.activities)} activit{'y' if len(story_map.activities) == 1 else 'ies'}, "
        f"{sum(1 for column in columns if column.step)} steps, "
        f"{stories} stor{'y' if stories == 1 else 'ies'}, {points} point{'' if points == 1 else 's'}"
    )
    SubElement(root, "desc", id="map-desc").text = f"{summary}. Exported from Mapwright."
    background = SubElement(root, "rect", x="0", y="0", fill="#ffffff")

    add_text(root, [fit(name, inner_width, 20)], x=MARGIN, y=MARGIN - 8, size=20, line=24, **{"font-weight": "700"})
    add_text(root, [summary], x=MARGIN, y=MARGIN + 16, size=12, line=15, fill=INK_SOFT)
    y = float(MARGIN + HEADING_HEIGHT)

    if story_map.is_empty:
        add_text(root, ["This map is empty."], x=MARGIN, y=y, size=14, line=18, fill=INK_SOFT)
        y += 40
    else:
        y = _backbone(root, story_map, y)
        for row in story_map.rows:
            y = _release_band(root, row, y, names, inner_width)

    height = y + MARGIN
    for element, key, value in ((root, "width", width), (root, "height", height)):
        element.set(key, num(value))
    root.set("viewBox", f"0 0 {num(width)} {num(height)}")
    background.set("width", num(width))
    background.set("height", num(height))
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"


def _backbone(root: Element, story_map: "StoryMap", y: float) -> float:
    """The activity row over the step row; returns the y below them."""
    group = SubElement(root, "g", attrib={"class": "backbone"})
    spans: list[tuple[int, int, str]] = []  # first column, columns, title
    for index, column in enumerate(story_map.columns):
        if spans and story_map.columns[spans[-1][0]].activity is column.activity:
            first, span, title = spans[-1]
            spans[-1] = (first, span + 1, title)
        else:
            spans.append((index, 1, clean(column.activity.title)))
    activity_lines = [
        wrap(title, span * COLUMN_WIDTH + (span - 1) * GAP - 2 * PAD, 13, ACTIVITY_TITLE_LINES)
        for _, span, title in spans
    ]
    activity_height = 2 * PAD + max(len(lines) for lines in activity_lines) * 17
    for (first, span, _), lines in zip(spans, activity_lines, strict=True):
        x = column_x(first)
        box_width = span * COLUMN_WIDTH + (span - 1) * GAP
        SubElement(
            group, "rect", x=num(x), y=num(y), width=num(box_width), height=num(activity_height), rx=str(RADIUS),
            fill=ACTIVITY_FILL, stroke=ACTIVITY_STROKE,
        )  # fmt: skip
        add_text(group, lines, x=x + PAD, y=y + PAD, size=13, line=17, **{"font-weight": "700"})
    y += activity_height + GAP

    step_lines = [
        wrap(clean(column.step.title), COLUMN_WIDTH - 2 * PAD, 12, STEP_TITLE_LINES) if column.step else ["(no steps)"]
        for column in story_map.columns
    ]
    step_height = 2 * PAD + max(len(lines) for lines in step_lines) * 15
    for index, lines in enumerate(step_lines):
        x = column_x(index)
        SubElement(
            group, "rect", x=num(x), y=num(y), width=str(COLUMN_WIDTH), height=num(step_height), rx=str(RADIUS),
            fill=STEP_FILL, stroke=STEP_STROKE,
        )  # fmt: skip
        add_text(group, lines, x=x + PAD, y=y + PAD, size=12, line=15, **{"font-weight": "600"})
    return y + step_height + GAP


def _release_band(root: Element, row: "ReleaseRow", y: float, names: dict[str, str], inner_width: float) -> float:
    """One release (or Unplanned): a rule, its name and totals, then its cards down each column."""
    release = row.release
    band = SubElement(root, "g", attrib={"class": "release"})
    SubElement(
        band, "line", x1=str(MARGIN), x2=num(MARGIN + inner_width), y1=num(y + 4), y2=num(y + 4),
        stroke="#9fb3c8", attrib={"stroke-width": "1.5", "stroke-dasharray": "6 4"},
    )  # fmt: skip
    title = clean(release.name) if release else "Unplanned"
    totals = (
        f"{row.story_count} stor{'y' if row.story_count == 1 else 'ies'} · "
        f"{row.point_total} point{'' if row.point_total == 1 else 's'}"
    )
    heading = add_text(band, [], x=MARGIN, y=y + 8, size=12, line=15)
    name_span = SubElement(heading, "tspan", x=str(MARGIN), dy="13", fill=BRAND_DARK if release else INK_SOFT)
    name_span.set("font-weight", "800")
    name_span.text = fit(title.upper(), inner_width * 0.6, 12)
    goal = clean(release.goal) if release else ""
    rest = totals + (f" — {goal}" if goal else "")
    # dx, not spaces: SVG collapses runs of spaces to one.
    rest_span = SubElement(heading, "tspan", dx="10", fill=INK_SOFT)
    rest_span.text = fit(rest, max(inner_width - text_width(name_span.text, 12) - 10, 40), 12)
    y += BAND_HEIGHT

    tallest = float(EMPTY_ROW_HEIGHT)
    for index, cell in enumerate(row.cells):
        x = column_x(index)
        top = y
        for story in cell:
            card = card_for(story, names)
            _draw_card(band, card, x, top)
            top += card.height + GAP
        tallest = max(tallest, top - y)
    return y + tallest + GAP


def _draw_card(parent: Element, card: Card, x: float, y: float) -> None:
    story = card.story
    height = card.height
    group = SubElement(parent, "g", attrib={"class": f"story story--{story.priority}"})
    SubElement(group, "title").text = clean(story.title)
    SubElement(
        group, "rect", x=num(x), y=num(y), width=str(COLUMN_WIDTH), height=num(height), rx=str(RADIUS),
        fill="#ffffff", stroke=LINE,
    )  # fmt: skip
    # The priority stripe: a rounded bar along the card's left edge, inside its border.
    SubElement(
        group, "rect", x=num(x + 0.5), y=num(y + 0.5), width=str(STRIPE), height=num(height - 1), rx="2",
        fill=PRIORITY_COLOURS.get(story.priority, "#9fb3c8"),
    )  # fmt: skip
    text_x = x + STRIPE + PAD
    done = story.status == StoryStatus.DONE
    title_attrs = {"font-weight": "500"} | ({"text-decoration": "line-through", "fill": INK_SOFT} if done else {})
    add_text(group, card.title_lines, x=text_x, y=y + PAD, size=TITLE_FONT, line=TITLE_LINE, **title_attrs)
    meta_y = y + PAD + len(card.title_lines) * TITLE_LINE + 2
    add_text(group, card.meta_lines, x=text_x, y=meta_y, size=META_FONT, line=META_LINE, fill=INK_SOFT)
    if card.labels:
        _draw_labels(group, card.labels, text_x, meta_y + len(card.meta_lines) * META_LINE)


def _draw_labels(parent: Element, labels: list[tuple[str, str]], x: float, y: float) -> None:
    """Labels on one line: a dot of its colour before each colour label's name, annotations in italics."""
    limit = x + COLUMN_WIDTH - 2 * PAD - STRIPE
    cursor = x
    baseline = y + META_LINE * 0.8
    for colour, name in labels:
        room = limit - cursor - (9 if colour else 0)
        if room < 20:
            break
        if colour:
            SubElement(parent, "circle", cx=num(cursor + 3.5), cy=num(baseline - 3.5), r="3.5", fill=colour)
            cursor += 9
        text = fit(name, room, META_FONT)
        label = SubElement(parent, "text", x=num(cursor), y=num(baseline), attrib={"font-size": num(META_FONT)})
        if not colour:
            label.set("font-style", "italic")
        label.text = text
        cursor += text_width(text, META_FONT) + 8
