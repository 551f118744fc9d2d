"""The assists' figures of `make eval`: counted from what the offline assists really propose."""

import io
from pathlib import Path

from django.core.management import call_command

from aimap.assist_quality import evaluate_assists, format_assists

SAMPLES = Path(__file__).resolve().parents[1] / "planner" / "samples"


def test_the_figures_count_every_step_and_story_of_the_maps_and_find_no_repeat():
    figures = evaluate_assists({"vet": (SAMPLES / "vet-clinic.txt").read_text()})

    assert figures.steps == 20 and figures.removed == 20  # the vet clinic's map has 20 steps (make eval's table)
    assert figures.stories == 41
    assert figures.steps_three <= figures.steps_one <= figures.steps
    assert figures.suggestions >= figures.steps_one
    assert (figures.repeats, figures.padded, figures.shared_benefits, figures.collided) == (0, 0, 0, 0)
    assert figures.criteria_repeats == 0
    assert 0 < figures.split <= figures.joined
    text = format_assists(figures)
    assert "Suggest stories: steps given ≥ 3 new cards" in text and "Fill the gaps" in text


def test_make_eval_prints_the_assists_after_the_table():
    stdout = io.StringIO()
    call_command("evaluate_planner", "--file", str(SAMPLES / "vet-clinic.txt"), stdout=stdout)
    output = stdout.getvalue()
    assert output.index("Planner time per map") < output.index("The assists on the same maps")
