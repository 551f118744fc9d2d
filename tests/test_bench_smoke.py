"""`make bench` end to end in its quick mode: the machinery works and the report has every part."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import BASE_DIR, clean_env

pytestmark = pytest.mark.slow

SECTIONS = (
    "## Machine",
    "## Board page and map endpoint",
    "## AI generation: planner against cache",
    "## AI assists: a proposal and its accept",
    "## Throughput",
    "## Soak",
    "## Targets",
)


def test_the_quick_benchmark_writes_a_report_with_every_section(tmp_path: Path):
    report = tmp_path / "benchmarks.md"

    result = subprocess.run(
        [sys.executable, "benchmarks/run.py", "--quick", "--output", str(report)],
        cwd=BASE_DIR,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )

    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    text = report.read_text()
    positions = [text.find(section) for section in SECTIONS]
    assert -1 not in positions, f"missing sections: {[s for s, p in zip(SECTIONS, positions, strict=True) if p < 0]}"
    assert positions == sorted(positions), "the sections should come in order"
    assert "Quick mode" in text
    assert re.search(r"^\| Python \| 3\.\d+", text, re.MULTILINE)
    for page in ("map endpoint", "board page"):
        for size in ("10", "100", "1,000"):
            assert re.search(rf"^\| {page} \| {size} \| [\d.]+ ms \| [\d.]+ ms \| \d+ \|", text, re.MULTILINE), (
                page,
                size,
            )
    for url in ("/health", "map endpoint, 1,000 stories", "board page, 1,000 stories"):
        row = re.search(rf"^\| {re.escape(url)} \| ([\d.]+) \|", text, re.MULTILINE)
        assert row and float(row.group(1)) > 0, f"no throughput measured for {url}"
    assert re.search(r"^\| Start \| [\d.]+ MB \|", text, re.MULTILINE)
    assert "Verdict: **" in text
    # Locust reached the server during the soak, and nothing failed.
    assert re.search(r"^\| Soak errors \| 0 \| 0 \| yes \|", text, re.MULTILINE), text[text.find("## Targets") :]
