"""`manage.py check_stories FILE…`: the Quality User Story checks of "Check the map" over files of stories.

A file holds one story per line, as plain text ("As a …, I want …, so that …"), as the public
backlogs are published. Each line is a story with no title: its text is the whole story. Estimable
by size needs an estimate, which such a line does not have, so the command runs the criteria that
read text alone (stories.quality.STORY_LEVEL).
"""

import json
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from stories.quality import STORY_LEVEL, StoryText, story_defects

_NUMBERING = re.compile(r"^(?:\d{1,4}[.)]|[-*•])\s+")


def read_stories(path: Path) -> list[str]:
    """The non-blank lines, trimmed: UTF-8 (a byte-order mark dropped), else Windows-1252, as old exports are."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror or error}") from error
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    stories = []
    for line in text.splitlines():
        # A byte-order mark inside a file, quotes around a line, and a list's "12." are not the story.
        story = _NUMBERING.sub("", line.replace("\ufeff", "").strip().strip('"').strip())
        if story:
            stories.append(story)
    return stories


def check_file(path: Path) -> dict[str, Any]:
    lines = read_stories(path)
    defects = story_defects([StoryText("", line) for line in lines], titles_apart=False)
    flagged: dict[str, set[int]] = {criterion.key: set() for criterion in STORY_LEVEL}
    for defect in defects:
        flagged[defect.criterion].add(defect.index)
    return {
        "file": str(path),
        "stories": len(lines),
        "criteria": {
            criterion.key: {
                "label": criterion.label,
                "flagged": len(flagged[criterion.key]),
                "share": round(len(flagged[criterion.key]) / len(lines), 4) if lines else None,
            }
            for criterion in STORY_LEVEL
        },
        "findings": [
            {
                "line": defect.index + 1,
                "story": lines[defect.index],
                "criterion": defect.criterion,
                "message": defect.message,
            }
            for defect in sorted(defects, key=lambda defect: defect.index)
        ],
    }


def format_table(report: dict[str, Any]) -> str:
    rows = [["criterion", "flagged", "stories", "%"]]
    for value in report["criteria"].values():
        share = "-" if value["share"] is None else f"{value['share'] * 100:.1f}"
        rows.append([value["label"], str(value["flagged"]), str(report["stories"]), share])
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [f"{report['file']}: {report['stories']} stories"]
    for number, row in enumerate(rows):
        lines.append(
            "  ".join([row[0].ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True))])
        )
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines) + "\n"


class Command(BaseCommand):
    help = (
        "Run the Quality User Story checks (well-formed, atomic, minimal, full sentence, uniform, unique) over "
        "files with one story per line, and print how many stories each criterion flags."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="A text file, one story per line.")
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print every flagged story as JSON instead of tables."
        )

    def handle(self, *args: Any, files: list[Path], as_json: bool, **options: Any) -> None:
        reports = [check_file(path) for path in files]
        if as_json:
            self.stdout.write(json.dumps({"files": reports}, indent=2, ensure_ascii=False))
            return
        self.stdout.write("\n".join(format_table(report) for report in reports), ending="")
        if len(reports) > 1:
            total = sum(report["stories"] for report in reports)
            combined = {
                "file": f"all {len(reports)} files",
                "stories": total,
                "criteria": {
                    key: {
                        "label": value["label"],
                        "flagged": sum(report["criteria"][key]["flagged"] for report in reports),
                        "share": (sum(report["criteria"][key]["flagged"] for report in reports) / total)
                        if total
                        else None,
                    }
                    for key, value in reports[0]["criteria"].items()
                },
            }
            self.stdout.write("\n" + format_table(combined), ending="")
