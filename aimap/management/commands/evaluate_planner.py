"""`manage.py evaluate_planner`: the quality table of the offline planner over the sample descriptions."""

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aimap.quality import evaluate, format_report, report_data, samples


class Command(BaseCommand):
    help = (
        "Plan a story map for every sample description in aimap/planner/samples/ and print how good each is "
        "(padding, repetition, article collisions, invented personas, QUS checks, MVP coverage) and how long it took; "
        "then how the offline assists do on the same maps."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print the report as JSON instead of a table."
        )
        parser.add_argument("--file", type=Path, help="Evaluate this description file too (plain text).")
        parser.add_argument(
            "--markdown",
            type=Path,
            metavar="DIR",
            help="Also write each sample named by --sample as a Markdown map into DIR (e.g. docs/samples).",
        )
        parser.add_argument(
            "--sample", action="append", default=[], help="A sample for --markdown, by file name without .txt."
        )
        parser.add_argument(
            "--no-assists",
            action="store_false",
            dest="assists",
            help="Leave out the assists' figures (the table only).",
        )

    def handle(
        self,
        *args: Any,
        as_json: bool,
        file: Path | None,
        markdown: Path | None,
        sample: list[str],
        assists: bool = True,
        **options: Any,
    ) -> None:
        descriptions = samples()
        if file is not None:
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"Cannot read --file {file}: {error}") from error
            name = file.stem if file.stem not in descriptions else f"{file.stem} ({file})"
            descriptions[name] = text
        if not descriptions:
            raise CommandError("There are no descriptions to evaluate: aimap/planner/samples/ has no .txt files.")
        try:
            from aimap.planner import plan_map
        except ImportError as error:
            raise CommandError(f"Cannot import the planner (aimap.planner.plan_map): {error}") from error

        # The first map of a process loads the tagger's lexicon and the catalogue: time that apart.
        started = time.perf_counter()
        plan_map("Pet owners book appointments.")
        loading_ms = (time.perf_counter() - started) * 1000
        report = evaluate(descriptions, plan_map)
        if markdown is not None:
            self._write_markdown(markdown, sample, descriptions, plan_map)
        if as_json:
            self.stdout.write(json.dumps(report_data(report), indent=2, ensure_ascii=False))
            return
        self.stdout.write(format_report(report), ending="")
        if report.milliseconds:
            self.stdout.write(
                f"\nPlanner time per map: median {report.median_ms:.1f} ms, max {report.max_ms:.1f} ms "
                f"({len(report.milliseconds)} maps), after {loading_ms:.0f} ms loading the lexicons once per process."
            )
        else:
            self.stdout.write("\nPlanner time per map: no map was planned.")
        if not assists:
            return
        from aimap.assist_quality import evaluate_assists, format_assists

        self.stdout.write('\nThe assists on the same maps ("AI help on the board" in the README):\n')
        self.stdout.write(format_assists(evaluate_assists(descriptions)), ending="")

    def _write_markdown(
        self, folder: Path, names: list[str], descriptions: dict[str, str], plan_map: Callable[[str], dict[str, Any]]
    ) -> None:
        from stories.document import MapDocument
        from stories.exports import document_to_markdown

        unknown = sorted(set(names) - set(descriptions))
        if unknown or not names:
            raise CommandError(f"--markdown needs --sample names of samples; unknown: {', '.join(unknown) or '(none)'}")
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            path = folder / f"{name}.md"
            # The planner writes every field of a document; the figures show its words as they come.
            document = cast(MapDocument, plan_map(descriptions[name]))
            path.write_text(document_to_markdown(document), encoding="utf-8")
            self.stderr.write(f"Wrote {path}")
