"""Sending e-mail over SMTP (settings POPO_SMTP_HOST, POPO_SMTP_PORT, POPO_MAIL_FROM).

Requests do not call this: they put mail in the outbox (``runtime/outbox.py``)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from smtplib import SMTPException

from .settings import Settings

__all__ = ["SMTPException", "send"]


def send(settings: Settings, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as server:
        server.send_message(message)
