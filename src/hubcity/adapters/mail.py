"""SmtpMailer: notices by e-mail through the city's SMTP relay (the standard library's smtplib)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

__all__ = ["SmtpMailer"]


class SmtpMailer:
    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        sender_name: str = "",
        username: str = "",
        password: str = "",
        security: str = "none",
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.sender_name = sender_name
        self.username, self.password = username, password
        self.security = security
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        if self.security == "ssl":
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        if self.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
        return smtp

    def send(self, to: str, subject: str, body: str) -> None:
        msg = EmailMessage()
        msg["From"] = formataddr((self.sender_name, self.sender)) if self.sender_name else self.sender
        msg["To"] = to
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain=self.sender.rsplit("@", 1)[-1] or None)
        msg.set_content(body)  # UTF-8; Korean subjects are encoded as RFC 2047 words
        with self._connect() as smtp:
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(msg)
