"""`manage.py generate_map`: a story map document from a description, offline, to a file or standard output."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from stories.document import GENERATED_LIMITS, IMPORTED_LIMITS, SCHEMA_VERSION, document_counts, document_parse
from tests.support import clean_env, run_manage

pytestmark = pytest.mark.django_db

VET_CLINIC = (
    "A booking app for a vet clinic: pet owners book appointments, get vaccination reminders and see their "
    "pet's history; receptionists manage the day's schedule and vets write visit notes."
)


def run_command(**options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command("generate_map", stdout=stdout, stderr=stderr, **options)
    return stdout.getvalue(), stderr.getvalue()


def assert_valid_document(document):
    assert document["schema_version"] == SCHEMA_VERSION
    assert document_parse(document, limits=GENERATED_LIMITS) == document
    assert document_parse(document, limits=IMPORTED_LIMITS) == document
    counts = document_counts(document)
    assert counts["activities"] > 0
    assert counts["steps"] > 0
    assert counts["stories"] > 0


def test_the_command_writes_a_valid_document_to_the_out_file_and_reports_counts(tmp_path):
    out = tmp_path / "map.json"

    stdout, stderr = run_command(description=VET_CLINIC, out=out)

    document = json.loads(out.read_text(encoding="utf-8"))
    assert_valid_document(document)
    counts = document_counts(document)
    assert stdout == ""
    assert stderr.strip() == f"Wrote {out}: {counts['activities']} activities, {counts['stories']} stories."


def test_without_out_the_command_prints_the_document_as_json(tmp_path):
    stdout, stderr = run_command(description=VET_CLINIC)

    assert_valid_document(json.loads(stdout))
    assert stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_the_file_and_standard_output_hold_the_same_document(tmp_path):
    out = tmp_path / "map.json"
    run_command(description=VET_CLINIC, out=out)
    stdout, _ = run_command(description=VET_CLINIC)

    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(stdout)


def test_the_offline_provider_can_be_named(tmp_path):
    stdout, _ = run_command(description=VET_CLINIC, provider="offline")

    assert_valid_document(json.loads(stdout))


@pytest.mark.parametrize("description", ["", "   \n\t "])
def test_an_empty_description_is_a_command_error(tmp_path, description):
    out = tmp_path / "map.json"

    with pytest.raises(CommandError, match="--description is empty"):
        run_command(description=description, out=out)

    assert not out.exists()


def test_a_missing_description_is_a_command_error():
    with pytest.raises(CommandError, match="--description"):
        run_command()


def test_an_unknown_provider_is_a_command_error():
    with pytest.raises(CommandError, match="provider"):
        run_command(description=VET_CLINIC, provider="skynet")


@pytest.mark.slow
def test_the_command_runs_as_a_real_process_and_prints_json():
    result = run_manage("generate_map", "--description", VET_CLINIC, env=clean_env(DJANGO_DEBUG="1"))

    assert result.returncode == 0, result.stderr
    assert_valid_document(json.loads(result.stdout))


@pytest.mark.slow
def test_the_real_process_fails_on_an_empty_description():
    result = run_manage("generate_map", "--description", "  ", env=clean_env(DJANGO_DEBUG="1"))

    assert result.returncode != 0
    assert "--description is empty" in result.stderr
    assert result.stdout == ""
