"""Load for `benchmarks/run.py`: one scenario per run, chosen by BENCH_SCENARIO.

health, map, board: one URL as fast as the users can ask (throughput).
soak: people browsing boards and maps while scripts write stories through the API.

run.py passes what the users need in the environment: the projects' ids, a
JWT access token (BENCH_TOKEN) and a session cookie (BENCH_SESSION), both
made for the benchmark's user before the server started, so no user logs in
here (the login rate limit would otherwise answer 429).
"""

import os
import random
from collections import deque

from locust import FastHttpUser, between, constant, tag, task

SCENARIO = os.environ.get("BENCH_SCENARIO", "health")
BIG_PROJECT = os.environ.get("BENCH_BIG_PROJECT", "0")
WRITE_PROJECT = os.environ.get("BENCH_WRITE_PROJECT", "0")
WRITE_STEPS = [int(step) for step in os.environ.get("BENCH_WRITE_STEPS", "").split(",") if step]
TOKEN = os.environ.get("BENCH_TOKEN", "")
SESSION = os.environ.get("BENCH_SESSION", "")
# Each writer keeps at most this many of its own stories, deleting the oldest,
# so the map written to stays the same size for the whole soak.
STORIES_KEPT = 5

API_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
PAGE_HEADERS = {"Cookie": f"sessionid={SESSION}"}


class ThroughputUser(FastHttpUser):
    """Asks for one URL again and again, without pause."""

    wait_time = constant(0)

    @task
    def one_url(self) -> None:
        if SCENARIO == "health":
            self.client.get("/health", name="/health")
        elif SCENARIO == "map":
            self.client.get(f"/api/v1/projects/{BIG_PROJECT}/map/", headers=API_HEADERS, name="map")
        else:
            self.client.get(f"/projects/{BIG_PROJECT}/", headers=PAGE_HEADERS, name="board")


class SoakUser(FastHttpUser):
    """Someone reading boards and maps, and a script adding, changing and removing stories."""

    wait_time = between(0.2, 0.8)

    def on_start(self) -> None:
        self.mine: deque[int] = deque()

    @tag("read")
    @task(3)
    def board(self) -> None:
        project = random.choice([BIG_PROJECT, WRITE_PROJECT])  # noqa: S311 - load mix, not security
        self.client.get(f"/projects/{project}/", headers=PAGE_HEADERS, name="board")

    @tag("read")
    @task(3)
    def story_map(self) -> None:
        project = random.choice([BIG_PROJECT, WRITE_PROJECT])  # noqa: S311
        self.client.get(f"/api/v1/projects/{project}/map/", headers=API_HEADERS, name="map")

    @tag("read")
    @task(1)
    def health(self) -> None:
        self.client.get("/health", name="/health")

    @tag("write")
    @task(2)
    def story_create(self) -> None:
        body = {"step": random.choice(WRITE_STEPS), "title": f"Soak story {random.randrange(10**6)}"}  # noqa: S311
        response = self.client.post(
            f"/api/v1/projects/{WRITE_PROJECT}/stories/", json=body, headers=API_HEADERS, name="story create"
        )
        if response.status_code == 201:
            self.mine.append(response.json()["id"])
        while len(self.mine) > STORIES_KEPT:
            self.client.delete(f"/api/v1/stories/{self.mine.popleft()}/", headers=API_HEADERS, name="story delete")

    @tag("write")
    @task(2)
    def story_update(self) -> None:
        if not self.mine:
            return
        body = {"description": f"Changed {random.randrange(10**6)}", "status": "in_progress"}  # noqa: S311
        self.client.patch(
            f"/api/v1/stories/{random.choice(self.mine)}/",  # noqa: S311
            json=body,
            headers=API_HEADERS,
            name="story update",
        )


# Locust runs every user class in the file unless told otherwise: keep only this scenario's.
if SCENARIO == "soak":
    del ThroughputUser
else:
    del SoakUser
