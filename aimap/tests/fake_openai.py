"""A scriptable fake of an OpenAI-compatible chat-completions server, for tests.

Standard library only: a ThreadingHTTPServer on 127.0.0.1 (a free port) in a
daemon thread. The real `openai` client talks to it over HTTP, so retries,
timeouts, headers and request bodies are the ones production would send.

    fake_openai.script(completion("{...}"), error(500), delay(3, completion("{...}")))

Each POST /v1/chat/completions takes the next reply from the queue; once the
queue is empty the last reply is given again. Every request is recorded
(`requests`, `calls`). Import the fixture into a test module with

    from aimap.tests.fake_openai import fake_openai_server  # noqa: F401

and ask for `fake_openai`; it also points Django's AI_* settings at the server.
"""

import json
import socket
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

COMPLETIONS_PATH = "/v1/chat/completions"


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


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]  # lower-cased names
    body: dict

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])


class FakeOpenAIServer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._replies: deque[Reply] = deque()
        self._last: Reply = completion("{}")
        self._requests: list[RecordedRequest] = []
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

    def script(self, *replies: Reply) -> None:
        """Replace the queue of replies."""
        with self._lock:
            self._replies = deque(replies)
            if replies:
                self._last = replies[-1]

    def reply_always(self, reply: Reply) -> None:
        self.script(reply)

    def next_reply(self) -> Reply:
        with self._lock:
            if self._replies:
                self._last = self._replies.popleft()
            return self._last

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

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
            server.record(RecordedRequest(path=self.path, headers=headers, body=body))
            if self.path != COMPLETIONS_PATH:
                self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})
                return
            reply = server.next_reply()
            if reply.delay and server.stopping.wait(reply.delay):
                return  # shutting down: drop the connection unanswered
            if reply.status != 200:
                payload = {"error": {"message": reply.error_message, "type": "server_error", "code": None}}
                self._send(reply.status, payload, reply.headers)
            else:
                self._send(200, _completion_body(reply, body.get("model", "")), reply.headers)

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
                    {
                        "title": f"Step {a}.{s}",
                        "description": "",
                        "stories": [
                            {
                                "title": f"Story {a}.{s}.must",
                                "description": "As a pet owner, I want this, so that that.",
                                "acceptance_criteria": ["Given a slot, when I book it, then it is mine"],
                                "release": "MVP",
                                "priority": "must",
                                "estimate": 3,
                                "persona": "Pet owner",
                            },
                            {
                                "title": f"Story {a}.{s}.could",
                                "description": "",
                                "acceptance_criteria": [],
                                "release": "Release 2",
                                "priority": "could",
                                "estimate": None,
                                "persona": None,
                            },
                        ],
                    }
                    for s in range(2)
                ],
            }
            for a in range(activities)
        ],
    }
