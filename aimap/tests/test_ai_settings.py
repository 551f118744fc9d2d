"""AI_MAX_TOKENS and AI_CONCURRENCY, read from the environment in a process of their own."""

import json

import pytest

from tests.support import clean_env, run_manage, run_python

SHOW = """
import json, django
django.setup()
from django.conf import settings
print(json.dumps({"max_tokens": settings.AI_MAX_TOKENS, "concurrency": settings.AI_CONCURRENCY}))
"""

# Each test reads the settings in a fresh process.
pytestmark = pytest.mark.slow


def ai_settings(**environment: str) -> dict:
    result = run_python(SHOW, clean_env(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1", **environment))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_by_default_4096_tokens_and_two_requests_at_a_time():
    assert ai_settings() == {"max_tokens": 4096, "concurrency": 2}


@pytest.mark.parametrize(("raw", "expected"), [("", 0), ("0", 0), ("  ", 0), ("1500", 1500)])
def test_ai_max_tokens_set_empty_or_zero_sends_none(raw, expected):
    assert ai_settings(AI_MAX_TOKENS=raw)["max_tokens"] == expected


def test_ai_concurrency_is_read():
    assert ai_settings(AI_CONCURRENCY="4")["concurrency"] == 4


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("AI_CONCURRENCY", "0", "AI_CONCURRENCY must be 1 or more"),
        ("AI_CONCURRENCY", "two", "AI_CONCURRENCY must be a whole number"),
        ("AI_MAX_TOKENS", "-1", "AI_MAX_TOKENS must be 0 or more"),
    ],
)
def test_a_bad_value_stops_the_start_with_a_readable_message(name, raw, message):
    result = run_manage("check", env=clean_env(DJANGO_DEBUG="1", **{name: raw}))
    assert result.returncode != 0
    assert message in result.stderr
