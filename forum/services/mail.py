"""Outgoing mail over SMTP, set up by ``FORUM_SMTP_*`` (host, port, user, password, from, TLS mode).

Callers send after their transaction commits (nothing here touches the database). Without
``FORUM_SMTP_HOST`` nothing is sent and :func:`mail_configured` is False, so a page can say that the site
sends no mail instead of promising a message that never comes."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

log = logging.getLogger(__name__)
TLS_MODES = ("off", "starttls", "ssl")


class MailError(Exception):
    """The SMTP server could not be reached or refused the message."""


def mail_configured() -> bool:
    return bool(current_app.config.get("FORUM_SMTP_HOST"))


def _sender() -> str:
    config = current_app.config
    address = config.get("FORUM_SMTP_FROM") or config.get("FORUM_SMTP_USER") or "forum@localhost"
    return formataddr((config.get("FORUM_SITE_NAME") or "Forum", address))


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = _sender()
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=_sender().rsplit("@", 1)[-1].rstrip(">") or "localhost")
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; :class:`MailError` when the server cannot take it."""
    config = current_app.config
    host = config.get("FORUM_SMTP_HOST")
    if not host:
        raise MailError("No SMTP server is configured (FORUM_SMTP_HOST).")
    port = int(config.get("FORUM_SMTP_PORT") or 25)
    mode = (config.get("FORUM_SMTP_TLS") or "off").lower()
    if mode not in TLS_MODES:
        raise MailError(f"FORUM_SMTP_TLS must be one of {', '.join(TLS_MODES)}, not {mode!r}.")
    message = build_message(to, subject, body)
    try:
        if mode == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=10, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, port, timeout=10)
        with smtp:
            if mode == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            if config.get("FORUM_SMTP_USER"):
                smtp.login(config["FORUM_SMTP_USER"], config.get("FORUM_SMTP_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("mail to %s not sent: %s", to.rsplit("@", 1)[-1], exc)
        raise MailError(str(exc)) from exc


def send_in_background(to: str, subject: str, body: str) -> None:
    """Send from a short-lived thread, so the page answers as fast whether or not a message goes out (a
    reset form must not tell, by its timing, which addresses have accounts). Failures are logged."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def run() -> None:
        # A failure is logged by send_mail; the reader can ask again.
        with app.app_context(), contextlib.suppress(MailError):
            send_mail(to, subject, body)

    threading.Thread(target=run, name="forum-mail", daemon=True).start()
