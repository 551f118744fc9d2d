"""Where story map documents come from: the built-in offline planner, or an OpenAI-compatible server.

A provider turns a product description into a validated story map document,
or raises ProviderError with a message a person can read.
"""

import json
import logging
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import openai
from django.conf import settings

from .document import DOCUMENT_JSON_SCHEMA, GENERATED_LIMITS, DocumentInvalid, document_parse
from .offline import plan_map

logger = logging.getLogger("mapwright.aimap")

PROMPT_VERSION = "story-map-v1"
PROMPT_FILE = Path(__file__).resolve().parent / "prompts" / "story_map_v1.txt"
# The description is data: it sits between these markers, never among the instructions.
DESCRIPTION_START = "<<<PRODUCT_DESCRIPTION"
DESCRIPTION_END = "PRODUCT_DESCRIPTION>>>"
VALIDATION_RETRIES = 2
ECHO_LIMIT = 6_000


class ProviderError(Exception):
    """Generation failed; the message says why, for the person who asked."""


@dataclass
class ProviderResult:
    document: dict
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


class OfflineProvider:
    name = "offline"
    model = "planner-v1"

    def generate(self, description: str) -> ProviderResult:
        try:
            return ProviderResult(document_parse(plan_map(description), limits=GENERATED_LIMITS))
        except (ValueError, DocumentInvalid) as error:
            raise ProviderError(str(error)) from error


@cache
def system_prompt() -> str:
    return PROMPT_FILE.read_text(encoding="utf-8")


def user_prompt(description: str) -> str:
    fenced = description
    # Until none is left: removing one marker must not leave another behind.
    while DESCRIPTION_START in fenced or DESCRIPTION_END in fenced:
        fenced = fenced.replace(DESCRIPTION_START, "").replace(DESCRIPTION_END, "")
    return (
        "Build the story map for the product described between the markers.\n"
        f"{DESCRIPTION_START}\n{fenced}\n{DESCRIPTION_END}"
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
    error: json.JSONDecodeError | None = None
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except json.JSONDecodeError as exc:
            error = error or exc
    raise ValueError(f"the answer is not valid JSON ({error.msg} at line {error.lineno}, column {error.colno})")


class OpenAIProvider:
    """Any OpenAI-compatible chat-completions server: OpenAI, Ollama, vLLM, llama.cpp, LM Studio, OpenRouter."""

    name = "openai"

    def __init__(self) -> None:
        self.model = settings.AI_MODEL
        self.base_url = settings.AI_BASE_URL or None
        # The client retries connection errors, 408, 409, 429 and 5xx with
        # backoff (honouring Retry-After); validation retries come on top.
        self.client = openai.OpenAI(
            base_url=self.base_url,
            api_key=settings.AI_API_KEY or "not-needed",
            timeout=settings.AI_TIMEOUT,
            max_retries=settings.AI_HTTP_RETRIES,
        )

    def generate(self, description: str) -> ProviderResult:
        messages = [
            {"role": "system", "content": system_prompt()},
            {"role": "user", "content": user_prompt(description)},
        ]
        result = ProviderResult(document={})  # token counts stay None unless the server reports usage
        problem = ""
        for attempt in range(1 + VALIDATION_RETRIES):
            answer, finish_reason = self._complete(messages, result)
            try:
                result.document = document_parse(extract_json(answer), limits=GENERATED_LIMITS)
                return result
            except (ValueError, DocumentInvalid) as error:
                problem = str(error)
                if finish_reason == "length":
                    problem = f"the answer was cut off before it ended ({problem}); make the map smaller"
                logger.info("model answer %s of %s refused: %s", attempt + 1, 1 + VALIDATION_RETRIES, problem)
            messages += [
                {"role": "assistant", "content": answer[:ECHO_LIMIT]},
                {
                    "role": "user",
                    "content": f"That answer is not a valid story map document: {problem}. "
                    "Answer again with only the corrected JSON document.",
                },
            ]
        attempts = 1 + VALIDATION_RETRIES
        raise ProviderError(
            f"The model did not return a valid story map after {attempts} attempts. Last problem: {problem}"
        )

    def _complete(self, messages: list[dict], result: ProviderResult) -> tuple[str, str | None]:
        try:
            response = self.client.chat.completions.create(
                model=self.model,
                messages=messages,
                temperature=0.2,
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": "story_map", "schema": DOCUMENT_JSON_SCHEMA},
                },
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
        usage = getattr(response, "usage", None)
        if usage is not None:
            result.prompt_tokens = (result.prompt_tokens or 0) + (usage.prompt_tokens or 0)
            result.completion_tokens = (result.completion_tokens or 0) + (usage.completion_tokens or 0)
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
