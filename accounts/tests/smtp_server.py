"""A tiny SMTP server on 127.0.0.1 for tests: it refuses mail with a chosen reply, or accepts it.

Real sockets and real SMTP replies, so the code under test meets the errors
smtplib raises against a real server; `smtpd` is gone from Python 3.12.
"""

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class SMTPServerState:
    port: int = 0
    # None accepts mail; a reply such as "451 4.3.0 Try again later" refuses every MAIL FROM.
    refuse_with: str | None = None
    received: list[str] = field(default_factory=list)


def _handler(state: SMTPServerState) -> type[socketserver.StreamRequestHandler]:
    class Handler(socketserver.StreamRequestHandler):
        def reply(self, line: str) -> None:
            self.wfile.write(line.encode() + b"\r\n")
            self.wfile.flush()

        def handle(self) -> None:
            self.reply("220 localhost test SMTP")
            while line := self.rfile.readline():
                command = line.decode(errors="replace").strip().upper()
                if command.startswith(("EHLO", "HELO")):
                    self.reply("250 localhost")
                elif command.startswith("MAIL FROM"):
                    self.reply(state.refuse_with or "250 OK")
                elif command.startswith("RCPT TO"):
                    self.reply("250 OK")
                elif command == "DATA":
                    self.reply("354 End data with <CR><LF>.<CR><LF>")
                    body = []
                    while (data := self.rfile.readline()) not in (b".\r\n", b""):
                        body.append(data.decode(errors="replace"))
                    state.received.append("".join(body))
                    self.reply("250 OK queued")
                elif command == "QUIT":
                    self.reply("221 Bye")
                    return
                else:  # RSET, NOOP
                    self.reply("250 OK")

    return Handler


@contextmanager
def smtp_server(refuse_with: str | None = None) -> Iterator[SMTPServerState]:
    state = SMTPServerState(refuse_with=refuse_with)
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on: connecting to it is refused."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_mailers(port: int) -> dict:
    """MAILERS for Django's SMTP backend on 127.0.0.1:`port`, plain text and quick to give up."""
    options = {"host": "127.0.0.1", "port": port, "use_tls": False, "use_ssl": False, "timeout": 5}
    return {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": options}}
