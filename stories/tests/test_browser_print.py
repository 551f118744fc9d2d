"""The print view: a 30-step map laid out for A4 and A3 landscape, checked as Chromium prints it.

The first tests need no browser (who may see the page, what a bad paper size
gets, how many queries it costs); the rest print in a real Chromium.
"""

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from conftest import ARTIFACTS
from projects.models import Project
from stories.models import Activity, Persona, Release, Step, Story
from stories.tests.factories import build_map
from tests.support import log_in

MM = 96 / 25.4  # CSS pixels in a millimetre
PT = 96 / 72
PAPER_CONTENT_MM = {"a4": (277, 190), "a3": (400, 277)}  # landscape, inside 10 mm margins

ACTIVITIES = ["Discover the clinic", "Book a visit", "Prepare the visit", "At the clinic", "Pay", "Follow up"]
STEP_WORDS = [
    "Search nearby clinics", "Compare opening hours", "Read reviews", "Check insurance", "Pick a vet",
    "Choose a date and time", "Confirm the appointment", "Reschedule or cancel", "Add to calendar",
    "Internationalisation of reminders",
]  # fmt: skip
STORY_WORDS = [
    "See the clinic's address on a map", "Filter by species", "Get an SMS reminder the day before",
    "Pay by card at the desk", "Upload the vaccination certificate", "Rate the visit afterwards",
    "See which vets speak my language", "Cancel with one tap up to 24 hours before",
    "Reschedule without calling the reception desk again", "Export the pet's medical history as a PDF",
    "Pneumonoultramicroscopicsilicovolcanoconiosis",
]  # fmt: skip


def thirty_step_map(owner) -> Project:
    """6 activities of 5 steps, 3 releases and Unplanned, 200 stories spread unevenly, with personas and labels."""
    project = Project.objects.create(owner=owner, name="Vet clinic, the whole journey")
    persona = Persona.objects.create(project=project, name="Busy pet owner", position=0)
    releases = [
        Release.objects.create(project=project, name=name, goal=goal, position=index)
        for index, (name, goal) in enumerate(
            [("MVP", "Book and pay online"), ("Release 2", "Fewer no-shows"), ("Later", "")]
        )
    ]
    steps = []
    for a, title in enumerate(ACTIVITIES):
        activity = Activity.objects.create(project=project, title=title, position=a)
        for s in range(5):
            step_title = STEP_WORDS[(a * 5 + s) % len(STEP_WORDS)]
            steps.append(Step.objects.create(project=project, activity=activity, title=step_title, position=s))
    priorities = ["must", "should", "could", "wont"]
    labels = [[], ["red"], ["blue", "risky"], [], ["needs-split"], ["green", "teal", "blocked"]]
    stories = []
    for index in range(200):
        step = steps[(index * 7) % 30]
        release = [*releases, None][(index // 3) % 4]
        title = f"{STORY_WORDS[index % len(STORY_WORDS)]} #{index}"
        stories.append(
            Story(
                project=project, step=step, release=release, title=title, position=index,
                priority=priorities[index % 4], estimate=index % 8 or None, labels=labels[index % 6],
                persona=persona if index % 3 == 0 else None, status="done" if index % 9 == 0 else "todo",
            )
        )  # fmt: skip
    Story.objects.bulk_create(stories)
    return project


# --- Without a browser -----------------------------------------------------------


@pytest.mark.django_db
def test_only_the_owner_sees_the_print_view(client, owner, outsider):
    project = Project.objects.create(owner=owner, name="Private")
    client.force_login(outsider)
    assert client.get(f"/projects/{project.pk}/print/").status_code == 404
    client.logout()
    assert client.get(f"/projects/{project.pk}/print/").status_code == 302


@pytest.mark.django_db
def test_a_paper_size_it_does_not_know_is_refused_by_name(owner_client, owner):
    project = Project.objects.create(owner=owner, name="Sized")
    response = owner_client.get(f"/projects/{project.pk}/print/", {"paper": "letter"})
    assert response.status_code == 400
    assert "paper" in response.content.decode() and "a4" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["head", "options", "post", "put", "patch", "delete"])
def test_other_methods_are_answered_without_a_server_error(owner_client, owner, method):
    project = Project.objects.create(owner=owner, name="Methods")
    response = getattr(owner_client, method)(f"/projects/{project.pk}/print/")
    assert response.status_code == (200 if method in ("head", "options") else 405)


@pytest.mark.django_db
def test_the_print_view_cuts_the_steps_into_bands_a_page_wide(owner_client, owner):
    project = thirty_step_map(owner)
    a4 = owner_client.get(f"/projects/{project.pk}/print/").content.decode()
    a3 = owner_client.get(f"/projects/{project.pk}/print/", {"paper": "a3"}).content.decode()

    assert a4.count('<table class="print-band"') == 4  # 8 + 8 + 8 + 6 steps
    assert a3.count('<table class="print-band"') == 3  # 11 + 11 + 8
    assert "part 2 of 4 · columns 9\u201316 of 30" in a4
    assert a4.count('class="print-card ') == 200
    assert "Pneumonoultramicroscopicsilicovolcanoconiosis #10" in a4
    # An activity cut by a band edge is named again, as continued, at the start of the next band.
    assert "(continued)" in a4
    assert 'aria-current="page">A3 landscape' in a3


@pytest.mark.django_db
def test_the_print_view_reads_the_map_in_a_constant_number_of_queries(
    owner_client, owner, django_assert_max_num_queries
):
    small = Project.objects.create(owner=owner, name="Small")
    build_map(small, activities=1, steps=1, releases=1, stories_per_cell=1)
    big = Project.objects.create(owner=owner, name="Big")
    build_map(big, activities=5, steps=6, releases=3, stories_per_cell=8)  # 960 stories

    with django_assert_max_num_queries(12) as small_queries:
        owner_client.get(f"/projects/{small.pk}/print/")
    with django_assert_max_num_queries(len(small_queries)) as big_queries:
        response = owner_client.get(f"/projects/{big.pk}/print/")
    assert response.content.decode().count('class="print-card ') == 960
    assert len(big_queries) == len(small_queries)


@pytest.mark.django_db
def test_user_text_is_printed_as_text(owner_client, owner):
    project = Project.objects.create(owner=owner, name="<i>Evil</i> & co")
    activity = Activity.objects.create(project=project, title="<b>Act</b>")
    step = Step.objects.create(project=project, activity=activity, title="<u>Step</u>")
    Story.objects.create(project=project, step=step, title="<script>alert(1)</script>")
    page = owner_client.get(f"/projects/{project.pk}/print/").content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>Act</b>" not in page and "&lt;i&gt;Evil&lt;/i&gt; &amp; co" in page


# --- In Chromium -------------------------------------------------------------------


# One round trip: every card with its cell, every step title with its lines and font.
MEASURE = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const cards = [...document.querySelectorAll('.print-card')].map((card) => ({
    card: box(card), cell: box(card.closest('td')), overflows: card.scrollWidth > card.clientWidth + 1,
  }));
  const steps = [...document.querySelectorAll('.print-step')].map((th) => {
    const range = document.createRange();
    range.selectNodeContents(th);
    const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
    return {text: th.textContent.trim(), lines: tops.size, width: th.getBoundingClientRect().width,
            size: parseFloat(getComputedStyle(th).fontSize)};
  });
  const toolbar = document.querySelector('.print-toolbar');
  return {cards, steps, toolbarShown: !!(toolbar && toolbar.offsetParent),
          header: !!document.querySelector('.site-header').offsetParent};
}"""


def overlapping(boxes: list[dict]) -> list[tuple[int, int]]:
    ordered = sorted(range(len(boxes)), key=lambda index: boxes[index]["y"])
    clashes = []
    for position, first in enumerate(ordered):
        a = boxes[first]
        for second in ordered[position + 1 :]:
            b = boxes[second]
            if b["y"] >= a["y"] + a["h"] - 0.5:
                break
            if b["x"] < a["x"] + a["w"] - 0.5 and a["x"] < b["x"] + b["w"] - 0.5:
                clashes.append((first, second))
    return clashes


def pdf_pages(pdf: bytes) -> list[dict]:
    """Each page of a PDF: its size in points and its text as pypdf reads it, a line per line of print."""
    pages = []
    for pdf_page in PdfReader(io.BytesIO(pdf)).pages:
        text = unicodedata.normalize("NFKC", pdf_page.extract_text())  # NFKC: the ligature ﬁ is fi
        pages.append({"size": (float(pdf_page.mediabox.width), float(pdf_page.mediabox.height)), "text": text})
    return pages


def squeezed(text: str) -> str:
    """Text with no white space: a title wrapped over lines, or a word broken at a column's edge, reads the same."""
    return re.sub(r"\s+", "", text)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("paper", "bands", "per_band"), [("a4", 4, 8), ("a3", 3, 11)])
def test_a_thirty_step_map_prints_legibly_without_overlapping_cards(live_server, page, owner, paper, bands, per_band):
    project = thirty_step_map(owner)
    log_in(page, live_server, owner)
    width_mm, height_mm = PAPER_CONTENT_MM[paper]
    page.set_viewport_size({"width": round(width_mm * MM), "height": round(height_mm * MM)})
    page.goto(f"{live_server.url}/projects/{project.pk}/print/?paper={paper}")

    screen = page.evaluate(MEASURE)
    assert screen["toolbarShown"]
    page.get_by_role("button", name="Print").wait_for()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"print-view-{paper}-screen.png"), full_page=True)

    page.emulate_media(media="print")
    printed = page.evaluate(MEASURE)
    page.screenshot(path=str(ARTIFACTS / f"print-view-{paper}-print.png"), full_page=True)

    assert not printed["toolbarShown"] and not printed["header"]  # the app's chrome stays off the paper
    assert len(printed["cards"]) == 200
    assert overlapping([item["card"] for item in printed["cards"]]) == []
    for item in printed["cards"]:
        card, cell = item["card"], item["cell"]
        assert card["w"] <= cell["w"] + 0.5 and cell["x"] - 0.5 <= card["x"], item
        assert card["x"] + card["w"] <= cell["x"] + cell["w"] + 0.5, item
        assert not item["overflows"], item
    assert len(printed["steps"]) == 30
    for step in printed["steps"]:
        assert step["size"] >= 8 * PT, step  # at least 8 pt
        assert step["width"] >= 25 * MM, step  # a column, not a sliver
        assert step["lines"] <= 4, step  # never a letter or three a line

    pages = pdf_pages(page.pdf(format=paper.upper(), landscape=True))
    expected = (842, 595) if paper == "a4" else (1191, 842)
    assert all(abs(w - expected[0]) < 2 and abs(h - expected[1]) < 2 for w, h in (p["size"] for p in pages))
    # Every page starts with its band's headers, repeated: the caption, the activities, every step.
    captions = [next(line for line in p["text"].splitlines()[:3] if " · part " in line) for p in pages]
    parts = [int(re.search(r"part (\d) of (\d) · columns", caption).group(1)) for caption in captions]
    assert parts == sorted(parts) and set(parts) == set(range(1, bands + 1))
    assert all(p["text"].count(" · part ") == 1 for p in pages)  # each band starts a page of its own
    steps = [squeezed(step["text"]) for step in printed["steps"]]
    # A release's header line is "MVP 51 stories · 147 points Book and pay online"; the map's summary
    # ("· 200 stories · 700 points ·") is not one, hence the count must not follow a "·".
    release_header = re.compile(r"^(?!.*· \d+ stor).*\b\d+ stor(?:y|ies) · \d+ points?\b", re.M)
    headers_seen = 0
    for p, part in zip(pages, parts, strict=True):
        text = squeezed(p["text"])
        for step in steps[(part - 1) * per_band : part * per_band]:
            assert step in text, (part, step)
        # A release's header never ends a page: cards (a line opening with their priority) or "No stories" follow it.
        headers = list(release_header.finditer(p["text"]))
        headers_seen += len(headers)
        if headers:
            after = p["text"][headers[-1].end() :]
            assert re.search(r"^(Must|Should|Could|Won't)\b", after, re.M) or (
                "No stories under these steps." in " ".join(after.split())
            ), (part, after)
    assert headers_seen >= 4 * bands  # MVP, Release 2, Later and Unplanned head every band at least once
    # Every story is on paper once, whole: its title and then its priority, on one page.
    page_texts = [squeezed(p["text"]) for p in pages]
    for story in Story.objects.filter(project=project):
        printed_card = squeezed(story.title + story.get_priority_display())
        assert sum(text.count(printed_card) for text in page_texts) == 1, story.title
    # Printed from the browser's own dialog, the page size is the one chosen.
    css_sized = pdf_pages(page.pdf(prefer_css_page_size=True))
    assert {(round(w), round(h)) for w, h in (p["size"] for p in css_sized)} == {expected}
    assert page.console_errors == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_paper_switch_and_print_button_work_on_screen(live_server, page, owner):
    project = thirty_step_map(owner)
    log_in(page, live_server, owner)
    page.goto(f"{live_server.url}/projects/{project.pk}/print/")
    paper = page.get_by_role("navigation", name="Paper size")
    assert paper.get_by_role("link", name="A4 landscape").get_attribute("aria-current") == "page"

    paper.get_by_role("link", name="A3 landscape").click()
    page.wait_for_url("**/print/?paper=a3")
    assert page.locator("table.print-band").count() == 3

    page.evaluate("window.print = () => { document.body.dataset.printed = 'yes'; }")
    page.get_by_role("button", name="Print").click()
    assert page.locator("body[data-printed='yes']").count() == 1

    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "print-view-phone.png"))
    assert page.get_by_role("button", name="Print").is_visible()
    # The sheet keeps its paper width and scrolls in its own frame; the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.get_by_role("region", name="Preview on A3 landscape paper").evaluate("el => el.scrollWidth > 390")
    assert page.console_errors == []


BOARD_MEASURE = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; };
  const scroller = document.querySelector('.board-scroll');
  const shown = (selector) => [...document.querySelectorAll(selector)].some((el) => el.offsetParent !== null);
  return {
    cards: [...document.querySelectorAll('.story-card')].map(
      (card) => ({card: box(card), cell: box(card.closest('td'))})),
    board: box(document.querySelector('.board')),
    clipped: scroller.scrollHeight > scroller.clientHeight + 1 || scroller.scrollWidth > scroller.clientWidth + 1,
    tools: shown('.board-header__actions, .site-header, .adder, form'),
  };
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("steps", [4, 15])  # 8 columns print at full size; 30 are scaled down to the page's width
def test_the_board_page_itself_prints_whole_without_overlapping_cards(live_server, page, owner, steps):
    project = Project.objects.create(owner=owner, name="Printed from the board")
    build_map(project, activities=2, steps=steps, releases=2, stories_per_cell=2)
    log_in(page, live_server, owner)
    page.set_viewport_size({"width": round(277 * MM), "height": round(190 * MM)})
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    assert page.locator("link[rel=stylesheet][href*='css/print.css'][media=print]").count() == 1

    page.emulate_media(media="print")
    printed = page.evaluate(BOARD_MEASURE)
    page.screenshot(path=str(ARTIFACTS / f"board-print-{2 * steps}-steps.png"))

    assert not printed["tools"]
    assert not printed["clipped"]  # the grid is on paper whole, not cut at its scrolling frame
    assert printed["board"]["x"] >= -0.5 and printed["board"]["x"] + printed["board"]["w"] <= 277 * MM + 0.5
    assert len(printed["cards"]) == 2 * steps * 3 * 2
    assert overlapping([item["card"] for item in printed["cards"]]) == []
    for item in printed["cards"]:
        card, cell = item["card"], item["cell"]
        assert cell["x"] - 0.5 <= card["x"] and card["x"] + card["w"] <= cell["x"] + cell["w"] + 0.5, item
    assert len(pdf_pages(page.pdf(format="A4", landscape=True))) >= 1
