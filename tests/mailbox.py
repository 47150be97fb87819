"""A real SMTP server for the tests (aiosmtpd on a free loopback port) and what it received."""

from __future__ import annotations

import email
import socket
import threading
import time
from contextlib import contextmanager
from email import policy

from aiosmtpd.controller import Controller


class Inbox:
    """What the SMTP server received: (envelope sender, recipients, parsed message)."""

    def __init__(self) -> None:
        self.messages: list = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.arrived:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
            self.arrived.notify_all()
        return "250 OK"

    def wait(self, count: int = 1, timeout: float = 5.0) -> list:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.arrived.wait(deadline - time.monotonic())
        return list(self.messages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server():
    """Yield (port, inbox) while an SMTP server listens on 127.0.0.1."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, inbox
    finally:
        controller.stop()


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()
