"""Where story map documents come from: the built-in offline planner, or an OpenAI-compatible server.

A provider turns a product description into a validated story map document,
or raises ProviderError with a message a person can read. It may report its
progress through a callback, always from the thread that called `generate`.
"""

import json
import logging
import re
import string
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypedDict

import openai
from django.conf import settings
from openai.types.chat import ChatCompletionMessageParam

from stories import limits
from stories.document import (
    GENERATED_LIMITS,
    SCHEMA_VERSION,
    ActivityDoc,
    DocumentInvalid,
    MapDocument,
    StoryDoc,
    document_parse,
)

from . import limits as assist_limits
from .stages import (
    BACKBONE_JSON_SCHEMA,
    BACKBONE_SCHEMA_NAME,
    STORIES_JSON_SCHEMA,
    STORIES_SCHEMA_NAME,
    StageInvalid,
    backbone_parse,
    stories_budget,
    stories_parse,
)

logger = logging.getLogger("mapwright.aimap")

PROMPT_VERSION = "story-map-v2"
PROMPTS = Path(__file__).resolve().parent / "prompts"
BACKBONE_PROMPT_FILE = PROMPTS / "story_map_v2_backbone.txt"
STORIES_PROMPT_FILE = PROMPTS / "story_map_v2_stories.txt"
# The description is data: it sits between these markers, never among the instructions.
DESCRIPTION_START = "<<<PRODUCT_DESCRIPTION"
DESCRIPTION_END = "PRODUCT_DESCRIPTION>>>"
# Stage 2's user message names its activity on a line of its own, as JSON after this label.
ACTIVITY_LABEL = "ACTIVITY: "
MAP_LABEL = "MAP: "
VALIDATION_RETRIES = 2
ECHO_LIMIT = 6_000


class ProgressState(TypedDict):
    """What `progress` receives, and what a generation keeps as its progress."""

    stage: str  # "backbone" | "stories" | "done"
    activities_total: int | None
    activities_done: int


Progress = Callable[[ProgressState], None]


def progress_state(stage: str, *, total: int | None = None, done: int = 0) -> ProgressState:
    return {"stage": stage, "activities_total": total, "activities_done": done}


def _no_document() -> MapDocument:
    """The document of a result that only counts tokens, or of one not finished yet."""
    return {
        "schema_version": SCHEMA_VERSION,
        "title": "",
        "description": "",
        "personas": [],
        "releases": [],
        "activities": [],
    }


class ProviderError(Exception):
    """Generation failed; the message says why, for the person who asked."""


@dataclass
class ProviderResult:
    document: MapDocument
    prompt_tokens: int | None = None
    completion_tokens: int | None = None

    def add_usage(self, other: "ProviderResult") -> None:
        if other.prompt_tokens is not None:
            self.prompt_tokens = (self.prompt_tokens or 0) + other.prompt_tokens
        if other.completion_tokens is not None:
            self.completion_tokens = (self.completion_tokens or 0) + other.completion_tokens


def _no_progress(state: ProgressState) -> None:
    pass


class OfflineProvider:
    name = "offline"
    model = "planner-v2"

    def generate(self, description: str, *, progress: Progress | None = None) -> ProviderResult:
        # Imported here: the tagger's packages take a moment to load, and most processes never plan a map.
        from .planner import plan_map

        try:
            document = document_parse(plan_map(description), limits=GENERATED_LIMITS)
        except (ValueError, DocumentInvalid) as error:
            raise ProviderError(str(error)) from error
        total = len(document["activities"])
        (progress or _no_progress)(progress_state("done", total=total, done=total))  # one step: it is done at once
        return ProviderResult(document)


def prompt_limits() -> dict[str, str]:
    """What the prompts' $NAME placeholders stand for: the limits the answer is checked against, written once."""
    values = {name: value for name, value in vars(limits).items() if name.isupper() and isinstance(value, int)}
    values |= {
        "GENERATED_ACTIVITIES": GENERATED_LIMITS.activities,
        "GENERATED_STEPS_PER_ACTIVITY": GENERATED_LIMITS.steps_per_activity,
        "GENERATED_STORIES": GENERATED_LIMITS.stories,
        "GAP_STORIES_FEWEST": assist_limits.GAP_STORIES[0],
        "GAP_STORIES_MOST": assist_limits.GAP_STORIES[1],
    }
    for kind, (fewest, most) in assist_limits.ASSIST_ASKED.items():
        values |= {f"{kind.upper()}_FEWEST": fewest, f"{kind.upper()}_MOST": most}
    return {name: f"{value:,}" for name, value in values.items()}


@cache
def prompt_text(path: Path) -> str:
    # substitute, not safe_substitute: a misspelt placeholder fails at once instead of reaching the model.
    return string.Template(path.read_text(encoding="utf-8")).substitute(prompt_limits())


def system_prompt() -> str:
    """Stage 1's instructions."""
    return prompt_text(BACKBONE_PROMPT_FILE)


def stories_system_prompt() -> str:
    return prompt_text(STORIES_PROMPT_FILE)


def _unfenced(text: str) -> str:
    # Until none is left: removing one marker must not leave another behind.
    while DESCRIPTION_START in text or DESCRIPTION_END in text:
        text = text.replace(DESCRIPTION_START, "").replace(DESCRIPTION_END, "")
    return text


def fenced_description(description: str) -> str:
    return f"{DESCRIPTION_START}\n{_unfenced(description)}\n{DESCRIPTION_END}"


def user_prompt(description: str) -> str:
    """Stage 1's request: the backbone of the product described between the markers."""
    return (
        "Build the backbone of the story map for the product described between the markers: personas, "
        "releases, activities and their steps, without stories.\n"
        f"{fenced_description(description)}"
    )


def json_line(value: object) -> str:
    # The backbone is the model's own words, and they came from the description: they must not
    # carry a marker that would end the fence below them early.
    return _unfenced(json.dumps(value, ensure_ascii=False))


def stories_prompt(description: str, backbone: MapDocument, activity: ActivityDoc) -> str:
    """Stage 2's request: the stories of one activity, with the whole backbone as context."""
    this = {
        "title": activity["title"],
        "description": activity["description"],
        "steps": [{"title": step["title"], "description": step["description"]} for step in activity["steps"]],
    }
    context = {
        "personas": [persona["name"] for persona in backbone["personas"]],
        "releases": [release["name"] for release in backbone["releases"]],
        "activities": [
            {"title": other["title"], "steps": [step["title"] for step in other["steps"]]}
            for other in backbone["activities"]
        ],
    }
    return (
        f"Write the story cards of one activity of the story map: “{_unfenced(activity['title'])}”, "
        "under each of its steps, keeping the step titles as they are.\n"
        f"{ACTIVITY_LABEL}{json_line(this)}\n\n"
        "The whole map, for context only: the other activities get their cards in other requests, "
        "so write none that belong to them. Use these persona and release names.\n"
        f"{MAP_LABEL}{json_line(context)}\n\n"
        "The product, described between the markers:\n"
        f"{fenced_description(description)}"
    )


_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)


def extract_json(text: str) -> object:
    """The JSON value in a model's answer: bare, inside ``` fences, or with prose around it."""
    text = text.strip()
    candidates = [text]
    candidates += [match.strip() for match in _FENCE.findall(text)]
    first, last = text.find("{"), text.rfind("}")
    if first != -1 and last > first:
        candidates.append(text[first : last + 1])
    errors: list[json.JSONDecodeError] = []
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError as exc:
            errors.append(exc)
    error = errors[0]  # the answer as it is: what the model is told about
    raise ValueError(f"the answer is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})")


@dataclass(frozen=True)
class Stage[T]:
    """One kind of request: how it is named to a person and to the model, its schema, and its check."""

    label: str  # names the stage in an error: "Backbone", "Stories for “Book appointments”"
    wanted: str  # what the model failed to give: "a valid backbone", "valid stories"
    schema_name: str
    schema: dict[str, Any]
    parse: Callable[[Any], T]


class _Abandoned(Exception):
    """Another stage failed: this one stops asking."""


def _sentence(message: str) -> str:
    """A message continued after a stage's label and a colon."""
    return message[:1].lower() + message[1:]


class OpenAIProvider:
    """Any OpenAI-compatible chat-completions server: OpenAI, Ollama, vLLM, llama.cpp, LM Studio, OpenRouter.

    The map is asked for in stages that small self-hosted models manage: the
    backbone first, then the stories of each activity, at most AI_CONCURRENCY
    requests at a time. Each answer is checked and, when wrong, asked for again
    saying what was wrong; a stage that never gets a valid answer fails the
    whole generation, naming the stage.
    """

    name = "openai"

    def __init__(self) -> None:
        self.model = settings.AI_MODEL
        self.base_url = settings.AI_BASE_URL or None
        self.max_tokens = settings.AI_MAX_TOKENS or None
        self.concurrency = max(settings.AI_CONCURRENCY, 1)
        # The client retries connection errors, 408, 409, 429 and 5xx with
        # backoff (honouring Retry-After); validation retries come on top.
        # One client serves the stage 2 threads: its httpx2.Client "can be
        # shared between threads", and each call builds its own request.
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=settings.AI_API_KEY or "not-needed",
            timeout=settings.AI_TIMEOUT,
            max_retries=settings.AI_HTTP_RETRIES,
        )

    def generate(self, description: str, *, progress: Progress | None = None) -> ProviderResult:
        report = progress or _no_progress
        result = ProviderResult(document=_no_document())  # token counts stay None unless the server reports usage
        report(progress_state("backbone"))
        backbone_stage = Stage(
            label="Backbone",
            wanted="a valid backbone (personas, releases, activities and their steps)",
            schema_name=BACKBONE_SCHEMA_NAME,
            schema=BACKBONE_JSON_SCHEMA,
            parse=backbone_parse,
        )
        (backbone, complete), usage = self._ask(backbone_stage, system_prompt(), user_prompt(description))
        result.add_usage(usage)
        total = len(backbone["activities"])
        if complete:
            # The model wrote the whole map at once, and it holds: no need to ask for stories.
            result.document = backbone
            report(progress_state("done", total=total, done=total))
            return result

        report(progress_state("stories", total=total, done=0))
        stories = self._all_stories(description, backbone, result, report)
        assembled: MapDocument = {
            **backbone,
            "activities": [
                {
                    **activity,
                    "steps": [{**step, "stories": cell} for step, cell in zip(activity["steps"], cells, strict=True)],
                }
                for activity, cells in zip(backbone["activities"], stories, strict=True)
            ],
        }
        try:
            result.document = document_parse(assembled, limits=GENERATED_LIMITS)
        except DocumentInvalid as error:
            raise ProviderError(f"The story map put together from the model's answers is not valid: {error}") from error
        report(progress_state("done", total=total, done=total))
        return result

    def _all_stories(
        self, description: str, backbone: MapDocument, result: ProviderResult, report: Progress
    ) -> list[list[list[StoryDoc]]]:
        """The stories of every activity, by activity and step; progress is reported from this thread."""
        activities = backbone["activities"]
        releases = [release["name"] for release in backbone["releases"]]
        personas = [persona["name"] for persona in backbone["personas"]]
        budget = stories_budget(len(activities))
        stop = threading.Event()  # one stage failed: the others stop asking

        def one(activity: ActivityDoc) -> tuple[list[list[StoryDoc]], ProviderResult] | None:
            """The activity's stories; None when it was left unasked because another activity failed."""
            if stop.is_set():
                return None
            stage = Stage(
                label=f"Stories for “{activity['title']}”",
                wanted="valid stories",
                schema_name=STORIES_SCHEMA_NAME,
                schema=STORIES_JSON_SCHEMA,
                parse=lambda data: stories_parse(
                    data, activity=activity, releases=releases, personas=personas, budget=budget
                ),
            )
            try:
                return self._ask(
                    stage, stories_system_prompt(), stories_prompt(description, backbone, activity), stop=stop
                )
            except _Abandoned:
                return None
            except BaseException:
                stop.set()  # before this future ends, so that no thread of the pool starts another request
                raise

        stories: list[list[list[StoryDoc]]] = [[] for _ in activities]
        workers = min(self.concurrency, len(activities))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="aimap-stories") as pool:
            futures = {pool.submit(one, activity): index for index, activity in enumerate(activities)}
            try:
                done = 0
                for future in as_completed(futures):
                    answered = future.result()
                    if answered is None:
                        continue  # abandoned: the failure that stopped it comes out of its own future
                    cells, usage = answered
                    stories[futures[future]] = cells
                    result.add_usage(usage)
                    done += 1
                    report(progress_state("stories", total=len(activities), done=done))
            except BaseException:
                stop.set()
                for future in futures:
                    future.cancel()
                raise
        return stories

    def ask[T](self, stage: Stage[T], system: str, user: str) -> T:
        """One request of its own (an assist's), checked by `stage` and asked again when wrong, as a map's are."""
        return self._ask(stage, system, user)[0]

    def _ask[T](
        self, stage: Stage[T], system: str, user: str, *, stop: threading.Event | None = None
    ) -> tuple[T, ProviderResult]:
        """Stage's parsed answer and the tokens it took, asking again (at most VALIDATION_RETRIES) when wrong."""
        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ]
        usage = ProviderResult(document=_no_document())
        attempts = 1 + VALIDATION_RETRIES
        problem = ""
        for attempt in range(attempts):
            if stop is not None and stop.is_set():
                raise _Abandoned
            try:
                answer, finish_reason = self._complete(stage, messages, usage)
            except ProviderError as error:
                raise ProviderError(f"{stage.label}: {_sentence(str(error))}") from error
            try:
                return stage.parse(extract_json(answer)), usage
            except (ValueError, StageInvalid) as error:
                problem = str(error)
                if finish_reason == "length":
                    limit = f" at {self.max_tokens} tokens (AI_MAX_TOKENS)" if self.max_tokens else ""
                    problem = f"the answer was cut off{limit} before it ended ({problem}); make it shorter"
                logger.info("%s: model answer %s of %s refused: %s", stage.label, attempt + 1, attempts, problem)
            messages += [
                {"role": "assistant", "content": answer[:ECHO_LIMIT]},
                {
                    "role": "user",
                    "content": f"That answer is not {stage.wanted}: {problem}. "
                    "Answer again with only the corrected JSON.",
                },
            ]
        raise ProviderError(
            f"{stage.label}: the model did not return {stage.wanted} after {attempts} attempts. Last problem: {problem}"
        )

    def _complete(
        self, stage: Stage[Any], messages: list[ChatCompletionMessageParam], usage: ProviderResult
    ) -> tuple[str, str | None]:
        options: dict[str, Any] = {}
        if self.max_tokens:
            options["max_tokens"] = self.max_tokens
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=0.2,
                # Nested under json_schema: llama.cpp's server reads only json_schema.schema.
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": stage.schema_name, "schema": stage.schema},
                },
                **options,
            )
        except openai.APITimeoutError as error:
            raise ProviderError(f"The AI server did not answer within {settings.AI_TIMEOUT:g} seconds.") from error
        except openai.APIConnectionError as error:
            raise ProviderError(f"Could not reach the AI server at {self.client.base_url}.") from error
        except openai.AuthenticationError as error:
            raise ProviderError("The AI server refused the API key (401). Check AI_API_KEY.") from error
        except openai.RateLimitError as error:
            raise ProviderError("The AI server is rate limiting requests (429). Try again in a few minutes.") from error
        except openai.APIStatusError as error:
            raise ProviderError(f"The AI server answered with an error ({error.status_code}).") from error
        except openai.OpenAIError as error:
            raise ProviderError(f"The AI server's answer could not be read ({error.__class__.__name__}).") from error
        if not hasattr(response, "choices"):
            # A body that is not JSON (a proxy's HTML error page) comes back as a plain string.
            raise ProviderError(
                f"The AI server at {self.client.base_url} did not answer with a chat completion; "
                "check that AI_BASE_URL is its OpenAI-compatible address (usually ending in /v1)."
            )
        reported = getattr(response, "usage", None)
        if reported is not None:
            counted = ProviderResult(_no_document(), reported.prompt_tokens or 0, reported.completion_tokens or 0)
            usage.add_usage(counted)
        if not response.choices:
            return "", None
        choice = response.choices[0]
        return choice.message.content or "", choice.finish_reason


def get_provider(name: str | None = None) -> OfflineProvider | OpenAIProvider:
    name = (name or settings.AI_PROVIDER).lower()
    if name == "offline":
        return OfflineProvider()
    if name == "openai":
        if not settings.AI_MODEL:
            raise ProviderError("AI_PROVIDER=openai needs AI_MODEL.")
        return OpenAIProvider()
    raise ProviderError(f"Unknown AI provider {name!r}: use 'offline' or 'openai'.")
