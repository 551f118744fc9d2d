import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aimap.providers import ProviderError, get_provider


class Command(BaseCommand):
    help = "Draft a story map document from a product description, for scripts and for trying a provider."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--description", required=True, help="The product, in plain words.")
        parser.add_argument("--provider", choices=["offline", "openai"], help="Defaults to AI_PROVIDER.")
        parser.add_argument("--out", type=Path, help="Write the document here instead of to standard output.")

    def handle(self, *args: Any, description: str, provider: str | None, out: Path | None, **options: Any) -> None:
        if not description.strip():
            raise CommandError("--description is empty: describe the product in a few sentences.")
        try:
            result = get_provider(provider).generate(description)
        except ProviderError as error:
            raise CommandError(str(error)) from error
        text = json.dumps(result.document, indent=2, ensure_ascii=False) + "\n"
        if out is None:
            self.stdout.write(text, ending="")
        else:
            out.write_text(text, encoding="utf-8")
            stories = sum(
                len(step["stories"]) for activity in result.document["activities"] for step in activity["steps"]
            )
            self.stderr.write(f"Wrote {out}: {len(result.document['activities'])} activities, {stories} stories.")
