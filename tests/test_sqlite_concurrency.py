"""The embedded default under load, served as deployed: gunicorn on one SQLite file.

Twenty people write stories over the API while three people import the largest maps
the caps allow: nothing fails (no 500, no "database is locked"), and one more person's
writes during the imports stay quick (about 0.3 s at worst on a quiet machine). The same
with the file named by DATABASE_URL=sqlite:///…, which once lost the SQLite options.
"""

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from stories.tests.test_import_caps import largest_document
from tests.support import BASE_DIR, GUNICORN_COMMAND, clean_env, free_port, run_manage, run_python, wait_until_listening

pytestmark = pytest.mark.slow

WRITERS = 20
IMPORTS = 3
ROUNDS = 3  # each writer's create, move and edit, this many times
# Another person's writes while three capped imports run. On a quiet 2-core machine the
# slowest takes about 0.3 s (one import's write transaction, then its own); with the
# CPU saturated by other work it has reached 1.5 s. Before the imports were made short
# and took turns, one waited 13.5 s. The bound is set for a loaded CI machine; the
# typical write must stay fast.
WRITE_DEADLINE = 2.5
TYPICAL_WRITE = 0.25

SEED = """
import json, django
django.setup()
from accounts.api.views import issue_token_pair
from accounts.models import User
from projects.services import project_create
from stories import services

people = []
for index in range({count}):
    user = User.objects.create_user(email=f"person{{index}}@example.com")  # no password: tokens only
    project = project_create(owner=user, name=f"Map {{index}}")
    activity = services.activity_create(project=project, title="Shop")
    first = services.step_create(project=project, activity=activity, title="Browse")
    second = services.step_create(project=project, activity=activity, title="Pay")
    story = services.story_create(project=project, step=first, title="Find a product")
    people.append({{"token": issue_token_pair(user)["access"], "project": project.pk,
                    "steps": [first.pk, second.pk], "story": story.pk}})
print(json.dumps(people))
"""


@dataclass
class Server:
    url: str
    people: list[dict]
    process: subprocess.Popen


@dataclass
class Outcome:
    status: int
    seconds: float
    body: str = ""


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


def call(server: Server, person: dict, method: str, path: str, body: bytes) -> Outcome:
    request = urllib.request.Request(
        server.url + path,
        data=body,
        method=method,
        headers={"Authorization": f"Bearer {person['token']}", "Content-Type": "application/json"},
    )
    began = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return Outcome(response.status, time.monotonic() - began, response.read(2000).decode(errors="replace"))
    except urllib.error.HTTPError as error:
        return Outcome(error.code, time.monotonic() - began, error.read(2000).decode(errors="replace"))


def json_call(server: Server, person: dict, method: str, path: str, data: dict) -> Outcome:
    return call(server, person, method, path, json.dumps(data).encode())


@pytest.fixture(params=["embedded default", "DATABASE_URL"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    path = tmp_path / "mapwright.sqlite3"
    database = (
        {"SQLITE_PATH": str(path)} if request.param == "embedded default" else {"DATABASE_URL": f"sqlite:///{path}"}
    )
    port = free_port()
    env = clean_env(
        DJANGO_SECRET_KEY="sqlite-load-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_SETTINGS_MODULE="config.settings",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        # As docker-compose.yml runs it.
        GUNICORN_WORKERS="3",
        GUNICORN_THREADS="2",
        # The rate limits stay on (they count in the same SQLite file), just out of the way.
        RATE_LIMIT_STORY_WRITE="10000/m",
        RATE_LIMIT_IMPORT="1000/h",
        **database,
    )
    migrated = run_manage("migrate", "--no-input", env=env)
    assert migrated.returncode == 0, migrated.stderr
    seeded = run_python(SEED.format(count=WRITERS + IMPORTS + 1), env)
    assert seeded.returncode == 0, seeded.stderr
    people = json.loads(seeded.stdout.strip().splitlines()[-1])
    process = subprocess.Popen(
        [sys.executable, *GUNICORN_COMMAND],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_listening(url + "/health", process, deadline=90)
        yield Server(url=url, people=people, process=process)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def write_stories(server: Server, person: dict, results: Results, start: threading.Barrier) -> None:
    start.wait(timeout=30)
    first, second = person["steps"]
    for round_ in range(ROUNDS):
        created = json_call(
            server,
            person,
            "POST",
            f"/api/v1/projects/{person['project']}/stories/",
            {"step": first, "title": f"New {round_}"},
        )
        results.add(created)
        if created.status != 201:
            continue
        story = json.loads(created.body)["id"]
        moved = {"step": second, "release": None, "position": 0}
        results.add(json_call(server, person, "POST", f"/api/v1/stories/{story}/move/", moved))
        results.add(json_call(server, person, "PATCH", f"/api/v1/stories/{story}/", {"title": f"Edited {round_}"}))


def import_largest(server: Server, person: dict, content: bytes, results: Results, start: threading.Barrier) -> None:
    start.wait(timeout=30)
    results.add(call(server, person, "POST", "/api/v1/projects/import/", content))


def failures(outcomes: list[Outcome], expected: set[int]) -> list[Outcome]:
    return [o for o in outcomes if o.status not in expected or "database is locked" in o.body]


def test_writers_and_large_imports_at_once_all_succeed_and_others_stay_quick(server: Server):
    content = largest_document()
    writers = server.people[:WRITERS]
    importers = server.people[WRITERS : WRITERS + IMPORTS]
    bystander = server.people[-1]

    # Twenty writers and three imports, all let go at the same moment.
    writes, imports = Results(), Results()
    start = threading.Barrier(WRITERS + IMPORTS)
    threads = [threading.Thread(target=write_stories, args=(server, p, writes, start)) for p in writers]
    threads += [threading.Thread(target=import_largest, args=(server, p, content, imports, start)) for p in importers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert len(writes.outcomes) == WRITERS * ROUNDS * 3
    assert failures(writes.outcomes, {200, 201}) == []
    assert [o.status for o in imports.outcomes] == [201] * IMPORTS, [o.body[:300] for o in imports.outcomes]

    # Three more imports; meanwhile one more person edits a story again and again until they are done.
    imports, probes = Results(), Results()
    start = threading.Barrier(IMPORTS)
    threads = [threading.Thread(target=import_largest, args=(server, p, content, imports, start)) for p in importers]
    for thread in threads:
        thread.start()
    index = 0
    while any(thread.is_alive() for thread in threads):
        index += 1
        data = {"title": f"Bystander edit {index}"}
        probes.add(json_call(server, bystander, "PATCH", f"/api/v1/stories/{bystander['story']}/", data))
    for thread in threads:
        thread.join(timeout=120)

    assert [o.status for o in imports.outcomes] == [201] * IMPORTS, [o.body[:300] for o in imports.outcomes]
    assert failures(probes.outcomes, {200}) == []
    latencies = sorted(o.seconds for o in probes.outcomes)
    import_seconds = max(o.seconds for o in imports.outcomes)
    print(
        f"\nwrites during imports: {len(writes.outcomes)}, slowest {max(o.seconds for o in writes.outcomes):.3f} s; "
        f"bystander edits during imports: {len(latencies)}, slowest {latencies[-1]:.3f} s, "
        f"median {latencies[len(latencies) // 2]:.3f} s; slowest import {import_seconds:.3f} s"
    )
    assert len(latencies) >= 3, "the bystander's edits should have overlapped the imports"
    assert latencies[-1] < WRITE_DEADLINE
    assert latencies[len(latencies) // 2] < TYPICAL_WRITE
