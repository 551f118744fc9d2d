#!/usr/bin/env python
"""`make bench`: measure Mapwright on this machine and write docs/benchmarks.md.

1. In this process, on a temporary SQLite file with production settings:
   the board page and the map endpoint at 10, 100 and 1,000 stories (median
   and p95 time, queries per request), and an AI generation by the offline
   planner against the same generation answered from the cache.
2. gunicorn (config/gunicorn.py) on that file, with locust on 127.0.0.1:
   requests per second of /health, the map endpoint and the board page, then
   a soak of mixed browsing and API writes while the workers' memory is
   sampled from /proc.

`--quick` does all of it in a few seconds per part: it checks the machinery,
its figures mean nothing. Run with .venv/bin/python benchmarks/run.py.
"""

import argparse
import csv
import os
import platform
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests.support import clean_env, free_port  # noqa: E402 - needs the path above

SIZES = (10, 100, 1_000)
BENCH_PASSWORD = "bench-password-0123"  # noqa: S105 - a throwaway user in a throwaway database
BIG = 1_000

# The targets of the performance issue, checked at the end of every full run.
MAP_TARGET_MS = 100.0  # the map endpoint's median at 1,000 stories
BOARD_TARGET_MS = 150.0  # the board page's median at 1,000 stories (the board issue)
BOARD_TARGET_KB = 300.0  # and its HTML
CACHED_GENERATION_TARGET_MS = 20.0
ASSIST_TARGET_MS = 300.0  # an offline "Suggest stories" at 1,000 stories, cache cold, and accepting it
THROUGHPUT_SHARE_TARGET = 1 / 3  # map endpoint requests/s against /health's
# Memory counts as growing steadily when the second half of the soak gains
# more than this (a linear fit over its samples, all processes together).
GROWTH_LIMIT_MB_PER_MIN = 2.0

SECTIONS = (
    "## Machine",
    "## Board page and map endpoint",
    "## AI generation: planner against cache",
    "## AI assists: a proposal and its accept",
    "## Throughput",
    "## Soak",
    "## Targets",
)


@dataclass
class Settings:
    quick: bool
    requests: int
    throughput_seconds: int
    soak_seconds: int
    users: int
    soak_users: int
    sample_seconds: float
    output: Path


@dataclass
class Results:
    machine: dict[str, str] = field(default_factory=dict)
    latency: list[dict] = field(default_factory=list)
    generation: dict = field(default_factory=dict)
    assists: list[dict] = field(default_factory=list)
    throughput: list[dict] = field(default_factory=list)
    soak: dict = field(default_factory=dict)
    targets: list[tuple[str, str, str, bool]] = field(default_factory=list)


def parse_args(argv: list[str] | None) -> Settings:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few requests and seconds per part (a smoke test)")
    parser.add_argument("--soak-seconds", type=int, default=None, help="how long the soak lasts (default 180)")
    parser.add_argument("--throughput-seconds", type=int, default=None, help="locust run per URL (default 20)")
    parser.add_argument("--requests", type=int, default=None, help="timed requests per page and size (default 40)")
    parser.add_argument("--users", type=int, default=8, help="locust users for the throughput runs")
    parser.add_argument("--soak-users", type=int, default=6, help="locust users for the soak")
    parser.add_argument("--output", type=Path, default=BASE_DIR / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    quick = args.quick
    return Settings(
        quick=quick,
        requests=args.requests or (3 if quick else 40),
        throughput_seconds=args.throughput_seconds or (5 if quick else 20),
        soak_seconds=args.soak_seconds if args.soak_seconds is not None else (6 if quick else 180),
        users=args.users,
        soak_users=args.soak_users,
        sample_seconds=0.5 if quick else 3.0,
        output=args.output,
    )


# --- The environment: production settings on a temporary SQLite file ---------------------


def bench_env(workdir: Path) -> dict[str, str]:
    return clean_env(
        DJANGO_SECRET_KEY="benchmark-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz",  # noqa: S106 - a throwaway database
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=f"sqlite:///{workdir / 'bench.sqlite3'}",
        AI_PROVIDER="offline",
        # The soak's scripts write far faster than a person; the limit itself is not what is measured.
        RATE_LIMIT_STORY_WRITE="1000000/m",
        RATE_LIMIT_BOARD_WRITE="1000000/m",
        JWT_ACCESS_TOKEN_MINUTES="120",  # noqa: S106 - a lifetime, longer than the whole run
    )


def setup_django(env: dict[str, str]) -> None:
    for key in list(os.environ):
        if key not in env:
            del os.environ[key]
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", "--no-input", verbosity=0)
    call_command("migrate", "--no-input", verbosity=0)


def machine_info() -> dict[str, str]:
    import django

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = match.group(1).strip() if match else platform.processor() or "unknown"
    ram = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"^MemTotal:\s+(\d+) kB", meminfo.read_text(), re.MULTILINE)
        ram = f"{int(match.group(1)) / 1024**2:.1f} GiB" if match else ram
    from importlib.metadata import version

    return {
        "Date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "RAM": ram,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "Django": django.get_version(),
        "Database": f"SQLite {sqlite3.sqlite_version} (a temporary file, WAL), cache in the same database",
        "gunicorn": version("gunicorn"),
        "locust": version("locust"),
    }


# --- Seeding ------------------------------------------------------------------------------


def map_document(stories: int, title: str) -> dict:
    """A story map of `stories` stories: up to 10 activities of 4 steps, 4 releases and Unplanned, 3 personas."""
    activities = max(1, min(10, stories // 10))
    steps = activities * 4
    releases = [{"name": f"Release {n}", "goal": f"Goal of release {n}"} for n in range(1, 5)]
    personas = [{"name": f"Persona {n}", "description": "Someone using it", "goals": ["Get it done"]} for n in range(3)]
    cells: list[list[dict]] = [[] for _ in range(steps)]
    for n in range(stories):
        cells[n % steps].append(
            {
                "title": f"As persona {n % 3} I can do thing number {n}",
                "description": "A card with a little text on it, as most cards have. " * 2,
                "acceptance_criteria": ["It works", "It is fast"],
                "release": releases[n % 5]["name"] if n % 5 < 4 else None,
                "persona": personas[n % 3]["name"],
                "priority": ("must", "should", "could", "wont")[n % 4],
                "estimate": n % 8,
                "status": ("todo", "in_progress", "done")[n % 3],
            }
        )
    return {
        "schema_version": 1,
        "title": title,
        "description": f"A benchmark map of {stories} stories.",
        "personas": personas,
        "releases": releases,
        "activities": [
            {
                "title": f"Activity {a}",
                "description": "",
                "steps": [{"title": f"Step {a}.{s}", "description": "", "stories": cells[a * 4 + s]} for s in range(4)],
            }
            for a in range(activities)
        ],
    }


def seed() -> tuple[object, dict[int, int], int]:
    """The benchmark's user, its projects by story count, and a 100-story project the soak writes to.

    Written through the import service, as a user's map would be.
    """
    from accounts.models import User
    from stories.document import IMPORTED_LIMITS, document_parse
    from stories.models import Story
    from stories.services import project_import

    user = User.objects.create_user(email="bench@example.com", password=BENCH_PASSWORD)

    def project_of(stories: int, title: str) -> int:
        document = document_parse(map_document(stories, title), limits=IMPORTED_LIMITS)
        project = project_import(owner=user, document=document)
        if Story.objects.filter(project=project).count() != stories:
            raise SystemExit(f"seeding wrote the wrong number of stories for {title}")
        return project.pk

    projects = {size: project_of(size, f"Bench {size}") for size in SIZES}
    return user, projects, project_of(100, "Bench writes")


# --- In process: latency and queries -----------------------------------------------------


def timed_requests(client, url: str, headers: dict[str, str], count: int) -> dict:
    """Times and queries of the first request (the map endpoint's cache is empty then) and of `count` more.

    A non-200 answer stops the run.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    began = time.perf_counter()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, headers=headers)
    first_ms = (time.perf_counter() - began) * 1000
    # Counted now: the context reads the connection's log, which the next request clears.
    first_queries = len(captured)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
    size = len(response.content)
    client.get(url, headers=headers)  # warm up: templates, url resolvers, connection
    with CaptureQueriesContext(connection) as captured:
        client.get(url, headers=headers)
    queries = len(captured)
    times = []
    for _ in range(count):
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
    return {"times": times, "first_ms": first_ms, "first_queries": first_queries, "queries": queries, "size": size}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def measure_latency(settings: Settings, user, projects: dict[int, int], token: str) -> list[dict]:
    from django.test import Client

    client = Client()
    client.force_login(user)
    api_headers = {"Authorization": f"Bearer {token}"}
    rows = []
    for size in SIZES:
        for page, url, headers in (
            ("map endpoint", f"/api/v1/projects/{projects[size]}/map/", api_headers),
            ("board page", f"/projects/{projects[size]}/", {}),
        ):
            measured = timed_requests(client, url, headers, settings.requests)
            times = measured["times"]
            rows.append(
                {
                    "page": page,
                    "stories": size,
                    "median_ms": statistics.median(times),
                    "p95_ms": percentile(times, 0.95),
                    "first_ms": measured["first_ms"],
                    "first_queries": measured["first_queries"],
                    "queries": measured["queries"],
                    "kb": measured["size"] / 1024,
                    "requests": len(times),
                }
            )
            print(
                f"  {page:13} {size:5} stories: {rows[-1]['median_ms']:7.1f} ms median, "
                f"first {measured['first_ms']:.1f} ms, {measured['first_queries']}/{measured['queries']} queries"
            )
    return rows


def jwt_token(client) -> str:
    response = client.post(
        "/api/v1/auth/token/",
        data={"email": "bench@example.com", "password": BENCH_PASSWORD},
        content_type="application/json",
    )
    if response.status_code != 200:
        raise SystemExit(f"the token endpoint answered {response.status_code}: {response.content[:300]!r}")
    return response.json()["access"]


def measure_generation(settings: Settings) -> dict:
    from aimap.services import document_generate

    description = (
        "A food bank app: volunteers register donations and schedule pickups, households book a collection "
        "slot and see what is in stock, coordinators plan deliveries and report monthly totals."
    )
    began = time.perf_counter()
    first, first_cached, _ = document_generate(description=description, provider_name="offline")
    planner_ms = (time.perf_counter() - began) * 1000
    hits = []
    for _ in range(max(settings.requests, 5)):
        began = time.perf_counter()
        again, cached, _ = document_generate(description=description, provider_name="offline")
        hits.append((time.perf_counter() - began) * 1000)
        if not cached or again.document != first.document:
            raise SystemExit("the second identical generation was not answered from the cache")
    stories = sum(len(step["stories"]) for activity in first.document["activities"] for step in activity["steps"])
    return {
        "planner_ms": planner_ms,
        "first_cached": first_cached,
        "cached_median_ms": statistics.median(hits),
        "cached_p95_ms": percentile(hits, 0.95),
        "calls": len(hits),
        "stories": stories,
    }


def measure_assists(settings: Settings, user, projects: dict[int, int]) -> list[dict]:
    """An offline "Suggest stories" on the first step of each map, cold and from the cache, and accepting it.

    The benchmark maps' titles mean nothing to the planner, so the first activity and step get a catalogue
    journey's words first ("Book appointments", "Find a free time"); the accept is undone afterwards.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aimap.assists import proposal_create
    from aimap.proposals import proposal_accept
    from stories import history, services
    from stories.models import Activity

    rows = []
    for size, project_id in projects.items():
        activity = Activity.objects.filter(project_id=project_id).order_by("position").first()
        services.activity_update(activity=activity, title="Book appointments")
        step = services.step_update(step=activity.steps.order_by("position").first(), title="Find a free time")
        with CaptureQueriesContext(connection) as first_queries:
            began = time.perf_counter()
            proposal = proposal_create(user=user, kind="suggest_stories", row=step)
            first_ms = (time.perf_counter() - began) * 1000
        hits = []
        for _ in range(max(settings.requests // 4, 5)):
            with CaptureQueriesContext(connection) as cached_queries:
                began = time.perf_counter()
                proposal = proposal_create(user=user, kind="suggest_stories", row=step)
                hits.append((time.perf_counter() - began) * 1000)
            if not proposal.cached:
                raise SystemExit("an identical assist was not answered from the cache")
        with CaptureQueriesContext(connection) as accept_queries:
            began = time.perf_counter()
            accepted = proposal_accept(proposal=proposal, user=user)
            accept_ms = (time.perf_counter() - began) * 1000
        history.change_undo(project=step.project, user=user)
        rows.append(
            {
                "stories": size,
                "items": len(proposal.items),
                "first_ms": first_ms,
                "first_queries": len(first_queries),
                "cached_median_ms": statistics.median(hits),
                "cached_queries": len(cached_queries),
                "accept_ms": accept_ms,
                "accept_queries": len(accept_queries),
                "added": len(accepted.stories),
            }
        )
    return rows


# --- gunicorn and locust -----------------------------------------------------------------


class Server:
    """gunicorn with config/gunicorn.py, as production runs it."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "gunicorn.log"
        self.env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{self.port}",
            "GUNICORN_LOG_LEVEL": "warning",
            # Recycling workers would hide a leak: the soak must see one worker's whole life.
            "GUNICORN_MAX_REQUESTS": "0",
            "GUNICORN_MAX_REQUESTS_JITTER": "0",
        }
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> "Server":
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.py", "config.asgi:application"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited early:\n{self.log_path.read_text()}")
            try:
                urllib.request.urlopen(self.url + "/health", timeout=2)  # noqa: S310 - our own 127.0.0.1 server
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start listening within 60 seconds")
        # Every worker answers before the clock starts.
        while len(self.worker_pids()) < self.expected_workers() and time.monotonic() < deadline:
            time.sleep(0.2)
        return self

    def expected_workers(self) -> int:
        result = subprocess.run(
            [sys.executable, "-c", "import runpy; print(runpy.run_path('config/gunicorn.py')['workers'])"],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            check=True,
        )
        return int(result.stdout.strip())

    def worker_pids(self) -> list[int]:
        if self.process is None:
            raise RuntimeError("the server is not running")
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def rss_kb(self) -> dict[int, int]:
        """Resident memory of the master and each worker, from /proc/<pid>/status."""
        if self.process is None:
            raise RuntimeError("the server is not running")
        sizes = {}
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue  # a worker that just exited
            match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
            if match:
                sizes[pid] = int(match.group(1))
        return sizes

    def __exit__(self, *exc) -> None:
        if self.process is None:
            raise RuntimeError("the server is not running")
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def server_errors(self) -> list[str]:
        """Lines of the log that tell of a failure: 5xx answers, tracebacks, worker timeouts."""
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in lines if re.search(r'" 5\d\d |Traceback|WORKER TIMEOUT|Error', line)]


def run_locust(server: Server, *, scenario: str, users: int, seconds: int, env: dict, workdir: Path) -> dict:
    prefix = workdir / f"locust-{scenario}"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(BASE_DIR / "benchmarks" / "locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--host",
        server.url,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        command,
        cwd=BASE_DIR,
        env={**env, "BENCH_SCENARIO": scenario},
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        check=False,
    )
    stats_path = prefix.with_name(prefix.name + "_stats.csv")
    if not stats_path.exists():
        raise SystemExit(f"locust wrote no statistics ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    with stats_path.open() as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    failures_path = prefix.with_name(prefix.name + "_failures.csv")
    failures = []
    if failures_path.exists():
        with failures_path.open() as handle:
            failures = [
                f"{row['Method']} {row['Name']}: {row['Error']} x{row['Occurrences']}" for row in csv.DictReader(handle)
            ]

    def summary(row: dict) -> dict:
        requests = int(row["Request Count"])
        return {
            "requests": requests,
            "failures": int(row["Failure Count"]),
            # Locust reports 0/s for a run shorter than its rate window; the count over the run is as good.
            "rps": float(row["Requests/s"]) or requests / seconds,
            "median_ms": float(row["Median Response Time"]),
            "p95_ms": float(row["95%"]) if row["95%"] not in ("", "N/A") else 0.0,
        }

    return {
        "total": summary(rows["Aggregated"]),
        "by_name": {name: summary(row) for name, row in rows.items() if name != "Aggregated"},
        "failures": failures,
    }


def measure_throughput(settings: Settings, server: Server, env: dict, workdir: Path) -> list[dict]:
    rows = []
    for scenario, label in (
        ("health", "/health"),
        ("map", "map endpoint, 1,000 stories"),
        ("board", "board page, 1,000 stories"),
    ):
        stats = run_locust(
            server,
            scenario=scenario,
            users=settings.users,
            seconds=settings.throughput_seconds,
            env=env,
            workdir=workdir,
        )
        rows.append({"scenario": scenario, "label": label, **stats["total"], "failures_text": stats["failures"]})
        print(f"  {label:28} {stats['total']['rps']:7.1f} requests/s, {stats['total']['failures']} failures")
    return rows


def slope_mb_per_min(samples: list[tuple[float, float]]) -> float:
    """Least-squares slope of (seconds, MB) samples, in MB per minute."""
    if len(samples) < 2:
        return 0.0
    xs, ys = [s[0] for s in samples], [s[1] for s in samples]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread * 60


def measure_soak(settings: Settings, server: Server, env: dict, workdir: Path) -> dict:
    samples: list[tuple[float, float]] = []
    pids_seen: set[int] = set()
    stop = threading.Event()
    began = time.monotonic()

    def sample() -> None:
        while not stop.is_set():
            sizes = server.rss_kb()
            pids_seen.update(sizes)
            samples.append((time.monotonic() - began, sum(sizes.values()) / 1024))
            stop.wait(settings.sample_seconds)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        stats = run_locust(
            server, scenario="soak", users=settings.soak_users, seconds=settings.soak_seconds, env=env, workdir=workdir
        )
    finally:
        stop.set()
        sampler.join()
    second_half = [s for s in samples if s[0] >= samples[-1][0] / 2]
    slope = slope_mb_per_min(second_half)
    workers = server.worker_pids()
    return {
        **stats,
        "seconds": settings.soak_seconds,
        "users": settings.soak_users,
        "samples": len(samples),
        "start_mb": samples[0][1],
        "end_mb": samples[-1][1],
        "max_mb": max(s[1] for s in samples),
        "slope_mb_per_min": slope,
        "growing": slope > GROWTH_LIMIT_MB_PER_MIN,
        "processes": len(workers) + 1,
        "restarted_workers": len(pids_seen - {server.process.pid, *workers}),
        "server_errors": server.server_errors(),
        "series": samples,
    }


# --- The report ---------------------------------------------------------------------------


def check_targets(results: Results) -> None:
    big_map = next(r for r in results.latency if r["page"] == "map endpoint" and r["stories"] == BIG)
    results.targets.append(
        (
            "Map endpoint at 1,000 stories, median",
            f"< {MAP_TARGET_MS:.0f} ms",
            f"{big_map['median_ms']:.1f} ms",
            big_map["median_ms"] < MAP_TARGET_MS,
        )
    )
    big_board = next(r for r in results.latency if r["page"] == "board page" and r["stories"] == BIG)
    results.targets.append(
        (
            "Board page at 1,000 stories, median",
            f"< {BOARD_TARGET_MS:.0f} ms",
            f"{big_board['median_ms']:.1f} ms",
            big_board["median_ms"] < BOARD_TARGET_MS,
        )
    )
    results.targets.append(
        (
            "Board page at 1,000 stories, HTML",
            f"< {BOARD_TARGET_KB:.0f} KB",
            f"{big_board['kb']:.0f} KB",
            big_board["kb"] < BOARD_TARGET_KB,
        )
    )
    cached = results.generation["cached_median_ms"]
    results.targets.append(
        (
            "Cached generation, median",
            f"< {CACHED_GENERATION_TARGET_MS:.0f} ms",
            f"{cached:.1f} ms",
            cached < CACHED_GENERATION_TARGET_MS,
        )
    )
    big_assist = next(row for row in results.assists if row["stories"] == BIG)
    slowest = max(big_assist["first_ms"], big_assist["accept_ms"])
    results.targets.append(
        (
            "Suggest stories at 1,000 stories (cache cold) and its accept, each",
            f"< {ASSIST_TARGET_MS:.0f} ms",
            f"{big_assist['first_ms']:.0f} ms, {big_assist['accept_ms']:.0f} ms",
            slowest < ASSIST_TARGET_MS,
        )
    )
    assist_queries = {(row["first_queries"], row["cached_queries"], row["accept_queries"]) for row in results.assists}
    results.targets.append(
        (
            "Assist queries constant in the number of stories",
            "same at 10, 100, 1,000",
            "; ".join(f"{a}/{b}/{c}" for a, b, c in sorted(assist_queries)),
            len(assist_queries) == 1,
        )
    )
    rps = {row["scenario"]: row["rps"] for row in results.throughput}
    share = rps["map"] / rps["health"] if rps["health"] else 0.0
    results.targets.append(
        ("Map endpoint throughput against /health", "≥ 33 %", f"{share:.0%}", share >= THROUGHPUT_SHARE_TARGET)
    )
    soak = results.soak
    errors = soak["total"]["failures"] + len(soak["server_errors"]) + (soak["total"]["requests"] == 0)
    results.targets.append(("Soak errors", "0", str(errors), errors == 0))
    results.targets.append(
        (
            "Soak memory, second-half trend",
            f"≤ {GROWTH_LIMIT_MB_PER_MIN:g} MB/min",
            f"{soak['slope_mb_per_min']:+.2f} MB/min",
            not soak["growing"],
        )
    )
    queries: dict[str, set[int]] = {}
    for row in results.latency:
        queries.setdefault(row["page"], set()).add(row["queries"])
        queries.setdefault(f"{row['page']} (first)", set()).add(row["first_queries"])
    constant = all(len(counts) == 1 for counts in queries.values())
    counts = ", ".join(f"{page} {'/'.join(str(c) for c in sorted(counts))}" for page, counts in queries.items())
    results.targets.append(("Queries constant in the number of stories", "same at 10, 100, 1,000", counts, constant))


def render(settings: Settings, results: Results) -> str:
    lines = ["# Benchmarks", ""]
    lines.append(
        "Written by `make bench` (`.venv/bin/python benchmarks/run.py`); benchmarks/README.md says what each part does."
    )
    if settings.quick:
        lines += [
            "",
            "**Quick mode**: a handful of requests and seconds per part. These figures check the machinery only.",
        ]
    lines += ["", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in results.machine.items()]

    lines += ["", "## Board page and map endpoint", ""]
    lines.append(
        f"In process with Django's test client (all middleware, JWT for the API, a session for the board), "
        f"production settings (DEBUG off): the first request, then {settings.requests} requests after a warm-up "
        "request (median and p95). Queries are counted for the first request and for a later one."
    )
    lines += [
        "",
        "The map endpoint keeps each map's rendered answer per process under the project's `map_version`, "
        "which every write to the map raises (`stories.api.serializers.story_map_json`): the first request "
        "reads and renders the whole map, the next ones send the same bytes, unless the map changed.",
    ]
    lines += [
        "",
        "| Page | Stories | Median | p95 | Queries | First request | Its queries | Answer |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results.latency:
        lines.append(
            f"| {row['page']} | {row['stories']:,} | {row['median_ms']:.1f} ms | {row['p95_ms']:.1f} ms | "
            f"{row['queries']} | {row['first_ms']:.1f} ms | {row['first_queries']} | {row['kb']:.0f} KB |"
        )

    gen = results.generation
    lines += ["", "## AI generation: planner against cache", ""]
    lines.append(
        "`aimap.services.document_generate` for one description with the offline planner: the first call runs "
        f"the planner ({gen['stories']} stories), the next identical calls are answered from the cache "
        f"(the database cache, as without Redis), {gen['calls']} calls."
    )
    lines += ["", "| Call | Time |", "|---|---:|"]
    lines.append(
        f"| First call (planner{', but it was cached' if gen['first_cached'] else ''}) | {gen['planner_ms']:.1f} ms |"
    )
    lines.append(f"| Identical call, cache hit: median | {gen['cached_median_ms']:.2f} ms |")
    lines.append(f"| Identical call, cache hit: p95 | {gen['cached_p95_ms']:.2f} ms |")

    lines += ["", "## AI assists: a proposal and its accept", ""]
    lines.append(
        '`aimap.assists.proposal_create` (offline "Suggest stories") on the first step of each map, renamed to a '
        "catalogue journey's words; the first call reads the map and runs the planner, the identical ones after it "
        "are answered from the cache; then `aimap.proposals.proposal_accept` puts every card on the map (undone after)."
    )
    lines += [
        "",
        "| Stories | Cards proposed | First call | Queries | Cached, median | Queries | Accept | Queries |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in results.assists:
        lines.append(
            f"| {row['stories']:,} | {row['items']} | {row['first_ms']:.1f} ms | {row['first_queries']} | "
            f"{row['cached_median_ms']:.1f} ms | {row['cached_queries']} | {row['accept_ms']:.1f} ms | "
            f"{row['accept_queries']} |"
        )

    lines += ["", "## Throughput", ""]
    lines.append(
        f"gunicorn with config/gunicorn.py (its default workers and threads for this machine, DEBUG off) on the "
        f"same SQLite file; locust (FastHttpUser, no wait) with {settings.users} users for "
        f"{settings.throughput_seconds} s per URL, on the same machine, so locust and the server share the cores."
    )
    lines += ["", "| URL | Requests/s | Median | p95 | Requests | Failures |", "|---|---:|---:|---:|---:|---:|"]
    for row in results.throughput:
        lines.append(
            f"| {row['label']} | {row['rps']:.1f} | {row['median_ms']:.0f} ms | {row['p95_ms']:.0f} ms | "
            f"{row['requests']:,} | {row['failures']} |"
        )

    soak = results.soak
    lines += ["", "## Soak", ""]
    lines.append(
        f"{soak['seconds']} s with {soak['users']} locust users, each pausing 0.2 to 0.8 s: board pages and maps of a "
        "1,000- and a 100-story project, /health, and API story creates, updates and deletes on the 100-story "
        f"project (JWT). gunicorn's worker recycling is off (GUNICORN_MAX_REQUESTS=0) so a leak would show. "
        f"RSS of the master and its workers ({soak['processes']} processes) every {settings.sample_seconds:g} s, "
        f"{soak['samples']} samples."
    )
    lines += ["", "| Request | Requests | Failures | Median | p95 |", "|---|---:|---:|---:|---:|"]
    for name, row in sorted(soak["by_name"].items()):
        lines.append(
            f"| {name} | {row['requests']:,} | {row['failures']} | {row['median_ms']:.0f} ms | {row['p95_ms']:.0f} ms |"
        )
    total = soak["total"]
    lines.append(
        f"| **all** | {total['requests']:,} | {total['failures']} | "
        f"{total['median_ms']:.0f} ms | {total['p95_ms']:.0f} ms |"
    )
    lines += ["", "| Memory (all processes) | |", "|---|---:|"]
    lines.append(f"| Start | {soak['start_mb']:.1f} MB |")
    lines.append(f"| End | {soak['end_mb']:.1f} MB |")
    lines.append(f"| Max | {soak['max_mb']:.1f} MB |")
    lines.append(f"| Trend over the second half | {soak['slope_mb_per_min']:+.2f} MB/min |")
    lines.append(f"| Workers replaced during the soak | {soak['restarted_workers']} |")
    verdict = "steady growth" if soak["growing"] else "no steady growth"
    lines += ["", f"Verdict: **{verdict}** (the limit is {GROWTH_LIMIT_MB_PER_MIN:g} MB/min over the second half)."]
    errors = [*soak["failures"], *soak["server_errors"][:10]]
    lines += [
        "",
        "Errors: " + ("none (no failed request, no 5xx or traceback in the server's log)." if not errors else ""),
    ]
    lines += [f"- {error}" for error in errors]

    lines += ["", "## Targets", "", "| Target | Goal | Measured | Met |", "|---|---|---|---|"]
    for name, goal, measured, met in results.targets:
        lines.append(f"| {name} | {goal} | {measured} | {'yes' if met else '**no**'} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    settings = parse_args(argv)
    started = time.monotonic()
    results = Results()
    with tempfile.TemporaryDirectory(prefix="mapwright-bench-") as tmp:
        workdir = Path(tmp)
        env = bench_env(workdir)
        print("Preparing a temporary database (collectstatic, migrate, seeding)…")
        setup_django(env)
        from django.db import connections
        from django.test import Client

        results.machine = machine_info()
        user, projects, write_project = seed()
        client = Client()
        token = jwt_token(client)
        client.force_login(user)
        session = client.cookies["sessionid"].value

        print("Board page and map endpoint, in process:")
        results.latency = measure_latency(settings, user, projects, token)
        print("AI generation, planner against cache:")
        results.generation = measure_generation(settings)
        print(
            f"  planner {results.generation['planner_ms']:.0f} ms, "
            f"cached {results.generation['cached_median_ms']:.2f} ms"
        )

        print("AI assists, a proposal and its accept:")
        results.assists = measure_assists(settings, user, projects)
        for row in results.assists:
            print(f"  {row['stories']:>5} stories: first {row['first_ms']:.0f} ms, accept {row['accept_ms']:.0f} ms")

        from stories.models import Step

        write_steps = Step.objects.filter(project_id=write_project).values_list("pk", flat=True)
        load_env = {
            **env,
            "BENCH_BIG_PROJECT": str(projects[BIG]),
            "BENCH_WRITE_PROJECT": str(write_project),
            "BENCH_WRITE_STEPS": ",".join(str(pk) for pk in write_steps),
            "BENCH_TOKEN": token,
            "BENCH_SESSION": session,
        }
        connections.close_all()
        with Server(env, workdir) as server:
            print(f"Throughput against gunicorn at {server.url}:")
            results.throughput = measure_throughput(settings, server, load_env, workdir)
            print(f"Soak, {settings.soak_seconds} s:")
            results.soak = measure_soak(settings, server, load_env, workdir)
        results.soak["server_errors"] = server.server_errors()
        soak = results.soak
        print(
            f"  {soak['total']['requests']} requests, {soak['total']['failures']} failures, "
            f"memory {soak['start_mb']:.0f} -> {soak['end_mb']:.0f} MB (max {soak['max_mb']:.0f}), "
            f"{soak['slope_mb_per_min']:+.2f} MB/min"
        )

    check_targets(results)
    settings.output.parent.mkdir(parents=True, exist_ok=True)
    settings.output.write_text(render(settings, results))
    print(f"Wrote {settings.output} in {time.monotonic() - started:.0f} s.")
    missed = [name for name, _, _, met in results.targets if not met]
    for name in missed:
        print(f"Target missed: {name}")
    return 1 if missed and not settings.quick else 0


if __name__ == "__main__":
    sys.exit(main())
