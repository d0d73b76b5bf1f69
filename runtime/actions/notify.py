"""The ``notify`` action: an email through SMTP when configured, always a record.

Placeholders such as ``{priority}`` or ``{case.priority}`` are filled from the latest
case record. Rendering is a plain lookup of a field name, never ``str.format`` on
user text, so a template cannot reach attributes (``{x.__class__}``) or indexes: such
text is left as written.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from runtime.actions.base import Action, ActionContext, ActionError, ActionResult

__all__ = ["NotifyAction", "render_template"]

logger = logging.getLogger("baton.notify")

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{(?:case\.)?([A-Za-z_][A-Za-z0-9_\-]*)\}")
SMTP_TIMEOUT_SECONDS = 20.0


def render_template(template: str, case: Mapping[str, Any]) -> tuple[str, list[str]]:
    """Fill ``{field}`` placeholders from ``case``; return the text and the missing fields.

    Missing fields render as nothing (and are reported); ``{{`` and ``}}`` are literal
    braces; anything else in braces is left untouched.

    >>> case = {"subject": "Login", "priority": "high"}
    >>> render_template("Case {subject} ({case.priority})", case)
    ('Case Login (high)', [])
    >>> render_template("{{x}} [{owner}] {x.__class__}", {})
    ('{x} [] {x.__class__}', ['owner'])
    """
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        value = case.get(name)
        if value is None:
            if name not in missing:
                missing.append(name)
            return ""
        return str(value)

    return _PLACEHOLDER.sub(replace, template), missing


def _one_line(text: str) -> str:
    # A case value with a newline must not be able to add mail headers.
    return " ".join(text.splitlines()).strip()


class NotifyInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: str = Field(min_length=1, description="Recipients, comma-separated; may use {field}")
    subject: str = Field(default="", description="May use {field} placeholders")
    body: str = Field(default="", description="May use {field} placeholders")
    channel: Literal["email", "log"] = "email"


class NotifyOutput(BaseModel):
    to: str
    subject: str
    channel: Literal["email", "log"]
    sent: bool = Field(description="True when an SMTP server accepted the message")
    detail: str
    missing_fields: list[str] = Field(default_factory=list)


class NotifyAction(Action[NotifyInput, NotifyOutput]):
    """Tell someone about the case, by email or in the log, and record that it did."""

    name = "notify"
    description = "Send an email (or write a log line) about the case; always recorded."

    def run(self, inputs: NotifyInput, ctx: ActionContext) -> ActionResult:
        to, missing_to = render_template(inputs.to, ctx.case)
        subject, missing_subject = render_template(inputs.subject, ctx.case)
        body, missing_body = render_template(inputs.body, ctx.case)
        to, subject = _one_line(to), _one_line(subject)
        missing = list(dict.fromkeys([*missing_to, *missing_subject, *missing_body]))
        recipients = [part.strip() for part in to.split(",") if part.strip()]

        record: dict[str, Any] = {
            "to": ", ".join(recipients),
            "subject": subject,
            "channel": inputs.channel,
            "sent": False,
            "missing_fields": missing,
        }
        if inputs.channel == "log":
            logger.info("notify %s: to=%s subject=%s", ctx.idempotency_key, to, subject)
            return ActionResult(outputs={**record, "detail": "logged"})

        bad = [address for address in recipients if "@" not in address]
        if not recipients or bad:
            raise ActionError(
                f"notify: no valid email recipient in {to!r}"
                + (f" (not an address: {', '.join(bad)})" if bad else ""),
                retryable=False,
            )
        if not ctx.settings.smtp_host:
            logger.info("notify %s: SMTP not configured, recorded only", ctx.idempotency_key)
            return ActionResult(outputs={**record, "detail": "SMTP not configured; recorded only"})

        message = EmailMessage()
        message["From"] = ctx.settings.smtp_sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        # A stable Message-ID lets a mail system drop the copy a retried attempt could send.
        message["Message-ID"] = f"<{re.sub(r'[^A-Za-z0-9.-]', '.', ctx.idempotency_key)}@baton>"
        message["X-Baton-Case"] = _one_line(str(ctx.case_id))
        message.set_content(body)
        host, port = ctx.settings.smtp_host, ctx.settings.smtp_port
        try:
            with smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise ActionError(
                f"SMTP server {host}:{port} refused every recipient: {exc.recipients}",
                retryable=any(code < 500 for code in codes),
            ) from exc
        except smtplib.SMTPResponseException as exc:
            # 4xx is "try again later"; 5xx is a permanent refusal that a retry repeats.
            detail = (
                exc.smtp_error.decode("utf-8", "replace")
                if isinstance(exc.smtp_error, bytes)
                else str(exc.smtp_error)
            )
            raise ActionError(
                f"SMTP server {host}:{port} answered {exc.smtp_code}: {detail}",
                retryable=exc.smtp_code < 500,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise ActionError(
                f"could not send email through {host}:{port}: {exc}", retryable=True
            ) from exc
        return ActionResult(outputs={**record, "sent": True, "detail": f"sent via {host}:{port}"})
