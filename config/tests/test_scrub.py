"""Secrets and tokens never reach the logs or Sentry."""

import gzip
import json
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from config.scrub import REDACTED, scrub_text
from tests.support import clean_env, run_python

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjo0Mn0.c2lnbmF0dXJlLXNlY3JldA"
RESET_TOKEN = "cx1b2a-9f8e7d6c5b4a3f2e1d0c"
VERIFY_TOKEN = "MTI:1tQ3Hn:verify-secret-part"


@pytest.mark.parametrize(
    ("text", "secret", "kept"),
    [
        (f"GET /reset/MQ/{RESET_TOKEN}/ HTTP/1.1", RESET_TOKEN, "GET /reset/"),
        (f"https://mapwright.example.com/account/verify/{VERIFY_TOKEN}/", VERIFY_TOKEN, "/account/verify/"),
        (f"/account/email/confirm/{VERIFY_TOKEN}/", VERIFY_TOKEN, "/account/email/confirm/"),
        (f"Authorization: Bearer {JWT}", JWT, "Authorization: Bearer"),
        (f'{{"refresh": "{JWT}"}}', JWT, '"refresh"'),
        ("/health?token=abc123secret&page=2", "abc123secret", "page=2"),
        ("could not connect to redis://:hunter2pass@cache:6379/1", "hunter2pass", "cache:6379/1"),
        ("postgres://mapwright:s3cr3t-pw@db:5432/mapwright", "s3cr3t-pw", "db:5432/mapwright"),
    ],
)
def test_scrub_text_blanks_the_secret_and_keeps_the_rest(text, secret, kept):
    scrubbed = scrub_text(text)
    assert secret not in scrubbed
    assert kept in scrubbed
    assert REDACTED in scrubbed


def test_scrub_text_leaves_ordinary_paths_alone():
    for path in ("/account/verify/resend/", "/password-reset/sent/", "/api/v1/auth/password/reset/confirm/"):
        assert scrub_text(path) == path


LOG_SCRIPT = f"""
import logging, django
django.setup()
log = logging.getLogger("mapwright.test")
log.warning("reset link sent: %s", "https://x.example/reset/MQ/{RESET_TOKEN}/")
try:
    raise ValueError("token refused: {JWT}")
except ValueError:
    log.exception("refresh failed")
logging.getLogger("django.request").error("Internal Server Error: /account/verify/{VERIFY_TOKEN}/")
"""


@pytest.mark.slow
def test_log_lines_carry_no_tokens():
    result = run_python(LOG_SCRIPT, clean_env(DJANGO_SETTINGS_MODULE="config.settings", DJANGO_DEBUG="1"))
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "reset link sent: https://x.example/reset/[Filtered]/" in output
    assert "refresh failed" in output and "ValueError: token refused: [Filtered]" in output
    assert "Internal Server Error: /account/verify/[Filtered]/" in output
    for secret in (RESET_TOKEN, JWT, VERIFY_TOKEN):
        assert secret not in output


class _Ingest(BaseHTTPRequestHandler):
    """Stands in for Sentry's ingestion endpoint: keeps every envelope it is sent."""

    envelopes: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        elif encoding == "br":  # the SDK prefers brotli when it is installed
            import brotli

            body = brotli.decompress(body)
        self.envelopes.append(body)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


# The secrets come from the environment: Sentry sends source lines as context,
# and real secrets are never literals in the source.
SENTRY_SCRIPT = """
import os, django
django.setup()
import sentry_sdk
from django.test import RequestFactory

JWT, RESET, VERIFY, PASSWORD = (os.environ[k] for k in ("T_JWT", "T_RESET", "T_VERIFY", "T_PASSWORD"))

def handle(request, password, token):
    refresh = JWT
    raise RuntimeError(f"could not use /reset/MQ/{RESET}/ for " + request.path)

request = RequestFactory().post(
    f"/account/verify/{VERIFY}/?token=query-secret-123",
    data={"password": PASSWORD, "refresh": JWT},
    HTTP_AUTHORIZATION=f"Bearer {JWT}",
)
sentry_sdk.add_breadcrumb(message=f"opened /reset/MQ/{RESET}/")
try:
    handle(request, PASSWORD, VERIFY)
except RuntimeError as error:
    sentry_sdk.capture_exception(error)
sentry_sdk.flush(timeout=10)
print("sent")
"""


@pytest.mark.slow
def test_sentry_events_carry_no_secrets():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ingest)
    _Ingest.envelopes = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env = clean_env(
            DJANGO_SETTINGS_MODULE="config.settings",
            DJANGO_DEBUG="1",
            SENTRY_DSN=f"http://publickey@127.0.0.1:{server.server_address[1]}/1",
            T_JWT=JWT,
            T_RESET=RESET_TOKEN,
            T_VERIFY=VERIFY_TOKEN,
            T_PASSWORD="plain-password-1",
        )
        result = run_python(SENTRY_SCRIPT, env)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    assert _Ingest.envelopes, "the event should have reached the ingestion server"
    sent = b"\n".join(_Ingest.envelopes).decode()
    event = next(json.loads(line) for line in sent.splitlines() if '"exception"' in line)
    # The event is there and useful: the error, where it happened, the breadcrumb.
    assert event["exception"]["values"][0]["type"] == "RuntimeError"
    assert "could not use /reset/[Filtered]/" in sent
    assert "opened /reset/[Filtered]/" in sent
    for secret in (JWT, RESET_TOKEN, VERIFY_TOKEN, "plain-password-1", "query-secret-123"):
        assert secret not in sent, sent[max(0, sent.find(secret) - 300) : sent.find(secret) + 60]
