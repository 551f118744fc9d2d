"""A scriptable fake of an OpenAI-compatible chat-completions server, for tests.

Standard library only: a ThreadingHTTPServer on 127.0.0.1 (a free port) in a
daemon thread. The real `openai` client talks to it over HTTP, so retries,
timeouts, headers and request bodies are the ones production would send.

    fake_openai.script(completion("{...}"), error(500), delay(3, completion("{...}")))

Each POST /v1/chat/completions takes the next reply from the queue; once the
queue is empty the last reply is given again. A reply may also be a function
of the request (`RecordedRequest -> Reply`), to answer what was asked.

It knows the stages of a generation by the response format's schema name: a
queue scripted for one stage (`script(..., stage="backbone")` or
`stage="stories"`) answers that stage's requests, and the shared queue the
rest. `well_behaved(fake)` scripts both stages with valid answers. Every
request is recorded (`requests`, `calls`, `requests_for(stage)`), and so is the
most requests in flight at once (`max_in_flight`). Import the fixture into a
test module with

    from aimap.tests.fake_openai import fake_openai_server  # noqa: F401

and ask for `fake_openai`; it also points Django's AI_* settings at the server.
"""

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from aimap.providers import ACTIVITY_LABEL
from aimap.stages import BACKBONE_SCHEMA_NAME, STORIES_SCHEMA_NAME

COMPLETIONS_PATH = "/v1/chat/completions"
STAGES = {BACKBONE_SCHEMA_NAME: "backbone", STORIES_SCHEMA_NAME: "stories"}


@dataclass(frozen=True)
class Reply:
    """One scripted answer: a completion, an HTTP error, or either of them after a delay."""

    content: str | None = None
    finish_reason: str = "stop"
    prompt_tokens: int = 11
    completion_tokens: int = 7
    status: int = 200
    error_message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hold: threading.Event | None = field(default=None, compare=False)  # answer only once it is set


def completion(content: str, *, finish_reason: str = "stop", prompt_tokens: int = 11, completion_tokens: int = 7):
    """A chat completion whose one message says `content`."""
    return Reply(
        content=content, finish_reason=finish_reason, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens
    )


def error(status: int, message: str = "", *, retry_after_ms: float | None = 20) -> Reply:
    """An HTTP error with an OpenAI-style JSON body.

    The client honours `retry-after-ms`, so a short one keeps retried tests fast;
    pass None to leave it out and let the client back off on its own.
    """
    headers = {} if retry_after_ms is None else {"retry-after-ms": f"{retry_after_ms:g}"}
    return Reply(status=status, error_message=message or f"fake error {status}", headers=headers)


def delay(seconds: float, then: Reply | None = None) -> Reply:
    """`then` (by default an empty completion) after `seconds`: longer than the client's timeout, it times out."""
    return replace(then or completion(""), delay=seconds)


def held(event: threading.Event, then: Reply) -> Reply:
    """`then`, once the test sets `event` (at most 30 s later): to look at a generation while it waits."""
    return replace(then, hold=event)


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    @property
    def stage(self) -> str:
        """ "backbone", "stories", or "other", from the name of the JSON schema the request asks for."""
        name = ((self.body.get("response_format") or {}).get("json_schema") or {}).get("name")
        return STAGES.get(name or "", "other")

    @property
    def activity(self) -> dict:
        """The activity a stories request is about: {"title", "description", "steps": [{"title", ...}]}."""
        user = next(message["content"] for message in self.messages if message["role"] == "user")
        line = next(line for line in user.splitlines() if line.startswith(ACTIVITY_LABEL))
        return json.loads(line.removeprefix(ACTIVITY_LABEL))


Responder = Reply | Callable[[RecordedRequest], Reply]


class FakeOpenAIServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: dict[str | None, deque[Responder]] = {None: deque()}
        self._last: dict[str | None, Responder] = {None: completion("{}")}
        self._requests: list[RecordedRequest] = []
        self._in_flight = 0
        self.max_in_flight = 0
        self.stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """The base_url for the openai client."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> "FakeOpenAIServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # wakes handlers sleeping out a delay
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def script(self, *replies: Responder, stage: str | None = None) -> None:
        """Replace the queue of replies: of one stage's requests, or (no stage) of those with no queue of their own."""
        with self._lock:
            self._replies[stage] = deque(replies)
            if replies:
                self._last[stage] = replies[-1]

    def reply_always(self, reply: Responder) -> None:
        self.script(reply)

    def next_reply(self, request: RecordedRequest) -> Reply:
        with self._lock:
            queue = request.stage if request.stage in self._last else None
            if self._replies[queue]:
                self._last[queue] = self._replies[queue].popleft()
            reply = self._last[queue]
        return reply(request) if callable(reply) else reply

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def answered(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def requests_for(self, stage: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.stage == stage]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def calls(self) -> int:
        with self._lock:
            return len(self._requests)

    @property
    def last_request(self) -> RecordedRequest:
        return self.requests[-1]


def _completion_body(reply: Reply, model: str) -> dict:
    return {
        "id": f"chatcmpl-fake-{time.monotonic_ns()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": reply.content},
                "finish_reason": reply.finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


def _handler_for(server: FakeOpenAIServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so no handler thread lingers on an idle keep-alive.
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args) -> None:
            pass  # keep test output quiet

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                body = {"_unparsed": raw.decode("utf-8", "replace")}
            headers = {name.lower(): value for name, value in self.headers.items()}
            request = RecordedRequest(path=self.path, headers=headers, body=body)
            server.record(request)
            try:
                answer = self._answer(request)
            finally:
                # Before the answer is sent: once the client has it, it may send its next request at once.
                server.answered()
            if answer is not None:
                self._send(*answer)

        def _answer(self, request: RecordedRequest) -> tuple[int, dict, dict[str, str]] | None:
            """(status, body, headers) to send, or None to drop the connection unanswered."""
            if self.path != COMPLETIONS_PATH:
                return 404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}}, {}
            reply = server.next_reply(request)
            if reply.hold is not None:
                reply.hold.wait(timeout=30)
            if reply.delay and server.stopping.wait(reply.delay):
                return None  # shutting down
            if reply.status != 200:
                payload = {"error": {"message": reply.error_message, "type": "server_error", "code": None}}
                return reply.status, payload, reply.headers
            return 200, _completion_body(reply, request.body.get("model", "")), reply.headers

        def _send(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (a timeout test)

    return Handler


def closed_port() -> int:
    """A local port nothing listens on: connecting to it is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(name="fake_openai")
def fake_openai_server(settings) -> Iterator[FakeOpenAIServer]:
    """A running fake server, with Django's AI settings pointing at it; stopped afterwards."""
    server = FakeOpenAIServer().start()
    settings.AI_PROVIDER = "openai"
    settings.AI_BASE_URL = server.url
    settings.AI_MODEL = "fake-model"
    settings.AI_API_KEY = "test-key"
    settings.AI_TIMEOUT = 2
    settings.AI_HTTP_RETRIES = 1
    try:
        yield server
    finally:
        server.stop()


# --- Answers a model might give --------------------------------------------------


def step_stories(step_title: str) -> list[dict]:
    """The two cards of a step in these answers: a must in the MVP and a could in Release 2."""
    label = step_title.removeprefix("Step ")
    return [
        {
            "title": f"Story {label}.must",
            "description": "As a pet owner, I want this, so that that.",
            "acceptance_criteria": ["Given a slot, when I book it, then it is mine"],
            "release": "MVP",
            "priority": "must",
            "estimate": 3,
            "persona": "Pet owner",
        },
        {
            "title": f"Story {label}.could",
            "description": "",
            "acceptance_criteria": [],
            "release": "Release 2",
            "priority": "could",
            "estimate": None,
            "persona": None,
        },
    ]


def story_map_answer(*, activities: int = 2, title: str = "Vet clinic") -> dict:
    """A valid story map document: `activities` activities of two steps, with releases, personas and stories."""
    return {
        "schema_version": 1,
        "title": title,
        "description": "Pet owners book visits; the clinic runs its day.",
        "personas": [{"name": "Pet owner", "description": "Owns a dog or a cat.", "goals": ["Book a visit fast"]}],
        "releases": [{"name": "MVP", "goal": "Book online end to end"}, {"name": "Release 2", "goal": "Pay online"}],
        "activities": [
            {
                "title": f"Activity {a}",
                "description": f"What people do, part {a}",
                "steps": [
                    {"title": f"Step {a}.{s}", "description": "", "stories": step_stories(f"Step {a}.{s}")}
                    for s in range(2)
                ],
            }
            for a in range(activities)
        ],
    }


def backbone_answer(*, activities: int = 2, title: str = "Vet clinic") -> dict:
    """A valid stage 1 answer: the story_map_answer() without its stories."""
    document = story_map_answer(activities=activities, title=title)
    for activity in document["activities"]:
        for step in activity["steps"]:
            del step["stories"]
    return document


def stories_answer(request: RecordedRequest) -> dict:
    """A valid stage 2 answer to `request`: the cards of story_map_answer() under each step asked for."""
    return {
        "steps": [
            {"title": step["title"], "stories": step_stories(step["title"])} for step in request.activity["steps"]
        ]
    }


def answer_stories(request: RecordedRequest) -> Reply:
    return completion(json.dumps(stories_answer(request)))


def well_behaved(server: FakeOpenAIServer, *, activities: int = 2) -> None:
    """Both stages answer validly; together they make story_map_answer(activities=...)."""
    server.script(completion(json.dumps(backbone_answer(activities=activities))), stage="backbone")
    server.script(answer_stories, stage="stories")


def misbehave(server: FakeOpenAIServer, stage: str, *replies: Callable[[dict], Reply], activities: int = 1) -> None:
    """`stage` answers with each of `replies` in turn (the last again and again), each made from the valid answer
    it stands for; the other stage answers validly."""
    well_behaved(server, activities=activities)
    if stage == "backbone":
        server.script(*(make(backbone_answer(activities=activities)) for make in replies), stage="backbone")
    else:
        server.script(
            *((lambda request, make=make: make(stories_answer(request))) for make in replies), stage="stories"
        )
