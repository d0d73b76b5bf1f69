"""Built-in actions (set_fields, assign, notify, wait) and the action registry."""

from __future__ import annotations

import logging
import socket
import socketserver
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest

from runtime.actions import (
    Action,
    ActionContext,
    ActionError,
    UnknownAction,
    available_actions,
    get_action,
    load_errors,
    reload_actions,
    run_action,
)
from runtime.settings import Settings
from tests.action_contexts import action_context


def make_ctx(case: dict[str, Any] | None = None, **settings: Any) -> ActionContext:
    return action_context(
        Settings(**settings), case, run_id="run-1", case_id="case-7", step_id="tell",
        attempt=2, now=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
    )


# ---------------------------------------------------------------------------- set_fields, assign


def test_set_fields_returns_the_fields_as_case_updates() -> None:
    result = run_action(
        get_action("set_fields"), {"fields": {"status": "triaged", "score": 3}}, make_ctx()
    )
    assert result.case_updates == {"status": "triaged", "score": 3}
    assert result.outputs == {"updated": ["status", "score"]}


def test_set_fields_accepts_one_input_per_field() -> None:
    result = run_action(get_action("set_fields"), {"status": "closed"}, make_ctx())
    assert result.case_updates == {"status": "closed"}


def test_set_fields_with_nothing_to_set_is_refused_for_good() -> None:
    with pytest.raises(ActionError) as info:
        run_action(get_action("set_fields"), {"fields": {}}, make_ctx())
    assert not info.value.retryable
    assert "fields" in info.value.message


def test_assign_to_an_agent_records_the_previous_owner() -> None:
    result = run_action(
        get_action("assign"), {"queue": "tier2", "agent": "ana"}, make_ctx({"owner": "bo"})
    )
    assert result.case_updates == {"owner": "ana"}
    assert result.outputs["previous_owner"] == "bo"
    assert result.outputs["queue"] == "tier2"


def test_assign_to_a_queue_marks_the_owner_as_a_queue() -> None:
    result = run_action(get_action("assign"), {"queue": "billing"}, make_ctx())
    assert result.case_updates == {"owner": "queue:billing"}
    assert result.outputs["previous_owner"] is None


def test_assign_to_nobody_is_an_error() -> None:
    with pytest.raises(ActionError, match="queue or an agent") as info:
        run_action(get_action("assign"), {"queue": "  "}, make_ctx())
    assert not info.value.retryable


def test_wait_is_a_timer_and_refuses_to_run_as_an_action() -> None:
    with pytest.raises(ActionError, match="durable timers") as info:
        run_action(get_action("wait"), {"duration_minutes": 5}, make_ctx())
    assert not info.value.retryable


def test_invalid_inputs_name_the_field() -> None:
    with pytest.raises(ActionError, match=r"duration_minutes: .*greater than 0") as info:
        run_action(get_action("wait"), {"duration_minutes": -1}, make_ctx())
    assert not info.value.retryable


# ---------------------------------------------------------------------------- notify


@dataclass
class Mailbox:
    host: str
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse_mail_with: str | None = None  #: e.g. "451 try later" to refuse MAIL FROM


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: HELO/EHLO, MAIL, RCPT, DATA, RSET, QUIT."""

    server: _SMTPServer

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        box = self.server.mailbox
        sender, recipients = "", []
        self.reply("220 test ESMTP")
        while line := self.rfile.readline():
            command = line.decode().rstrip("\r\n")
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 test")
            elif verb == "MAIL":
                if box.refuse_mail_with:
                    self.reply(box.refuse_mail_with)
                    continue
                sender = command.split(":", 1)[1].strip()
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                box.messages.append((sender, recipients, b"".join(data)))
                sender, recipients = "", []
                self.reply("250 queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _SMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    mailbox: Mailbox


@pytest.fixture
def smtp_server() -> Iterator[Mailbox]:
    server = _SMTPServer(("127.0.0.1", 0), _SMTPHandler)
    host, port = server.server_address[:2]
    server.mailbox = Mailbox(host=str(host), port=int(port))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server.mailbox
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


CASE = {"subject": "Cannot log in", "priority": "high", "contact_email": "pat@example.com"}
NOTIFY = {
    "to": "{contact_email}, lead@example.com",
    "subject": "[{priority}] {subject}",
    "body": "Hello, we are on case {subject}. Owner: {owner}.",
}


def test_notify_sends_email_through_smtp(smtp_server: Mailbox) -> None:
    ctx = make_ctx(CASE, smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    result = run_action(get_action("notify"), NOTIFY, ctx)

    assert result.outputs["sent"] is True
    assert result.outputs["to"] == "pat@example.com, lead@example.com"
    assert result.outputs["subject"] == "[high] Cannot log in"
    assert result.outputs["missing_fields"] == ["owner"]
    [(sender, recipients, raw)] = smtp_server.messages
    assert recipients == ["pat@example.com", "lead@example.com"]
    assert sender == "<baton@localhost>"
    mail = message_from_bytes(raw)
    assert mail["Subject"] == "[high] Cannot log in"
    assert mail["Message-ID"] == "<run-1.tell.2@baton>"
    assert "we are on case Cannot log in. Owner: ." in mail.get_payload()


def test_notify_cannot_inject_headers_through_case_values(smtp_server: Mailbox) -> None:
    case = {**CASE, "subject": "hi\r\nBcc: victim@example.com"}
    ctx = make_ctx(case, smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    run_action(get_action("notify"), NOTIFY, ctx)
    [(_, recipients, raw)] = smtp_server.messages
    assert "victim@example.com" not in recipients
    assert message_from_bytes(raw)["Bcc"] is None


def test_notify_templates_never_reach_attributes() -> None:
    case = {"subject": "x"}
    notify = {"to": "a@example.com", "subject": "{subject.__class__.__mro__}", "channel": "log"}
    result = run_action(get_action("notify"), notify, make_ctx(case))
    assert result.outputs["subject"] == "{subject.__class__.__mro__}"


def test_notify_without_smtp_is_recorded_not_sent() -> None:
    result = run_action(get_action("notify"), NOTIFY, make_ctx(CASE))
    assert result.outputs["sent"] is False
    assert result.outputs["channel"] == "email"
    assert "not configured" in result.outputs["detail"]


def test_notify_on_the_log_channel_writes_a_log_line(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="baton.notify"):
        result = run_action(get_action("notify"), {**NOTIFY, "channel": "log"}, make_ctx(CASE))
    assert result.outputs["sent"] is False
    assert "[high] Cannot log in" in caplog.text


def test_notify_temporary_smtp_refusal_is_retryable(smtp_server: Mailbox) -> None:
    smtp_server.refuse_mail_with = "451 mailbox busy, try later"
    ctx = make_ctx(CASE, smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    with pytest.raises(ActionError, match="451") as info:
        run_action(get_action("notify"), NOTIFY, ctx)
    assert info.value.retryable
    assert smtp_server.messages == []


def test_notify_permanent_smtp_refusal_is_not_retryable(smtp_server: Mailbox) -> None:
    smtp_server.refuse_mail_with = "550 sender rejected"
    ctx = make_ctx(CASE, smtp_host=smtp_server.host, smtp_port=smtp_server.port)
    with pytest.raises(ActionError, match="550") as info:
        run_action(get_action("notify"), NOTIFY, ctx)
    assert not info.value.retryable


def test_notify_with_the_smtp_server_down_is_retryable() -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ctx = make_ctx(CASE, smtp_host="127.0.0.1", smtp_port=port)
    with pytest.raises(ActionError, match="could not send email") as info:
        run_action(get_action("notify"), NOTIFY, ctx)
    assert info.value.retryable


def test_notify_to_no_address_is_not_retryable() -> None:
    with pytest.raises(ActionError, match="no valid email recipient") as info:
        run_action(get_action("notify"), {**NOTIFY, "to": "{missing}"}, make_ctx(CASE))
    assert not info.value.retryable


# ---------------------------------------------------------------------------- registry


def test_unknown_action_names_it_and_lists_the_known_ones() -> None:
    with pytest.raises(UnknownAction) as info:
        get_action("send_fax")
    message = str(info.value)
    assert "send_fax" in message
    for name in ("set_fields", "notify", "http_request", "assign", "wait"):
        assert name in message


def test_palette_describes_every_builtin_with_schemas() -> None:
    described = {name: action.describe() for name, action in available_actions().items()}
    assert described["notify"]["input_schema"]["properties"]["channel"]["enum"] == [
        "email",
        "log",
    ]
    assert "json" in described["http_request"]["input_schema"]["properties"]
    assert described["wait"]["input_schema"]["required"] == ["duration_minutes"]
    assert all(entry["description"] for entry in described.values())


PLUGIN = """
from pydantic import BaseModel
from runtime.actions import Action, ActionResult


class Shout(Action):
    name = "shout"
    description = "Upper-case a text."

    class Input(BaseModel):
        text: str

    class Output(BaseModel):
        text: str

    def run(self, inputs, ctx):
        return ActionResult(outputs={"text": inputs.text.upper()})


class NotAnAction:
    pass
"""


@pytest.fixture
def plugin_dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An installed distribution with one good, one mistyped and one missing entry point."""
    (tmp_path / "acme_actions.py").write_text(PLUGIN)
    dist = tmp_path / "acme_actions-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-actions\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [baton.actions]
            shout = acme_actions:Shout
            wrong = acme_actions:NotAnAction
            gone = acme_missing_module:Thing
            twice = runtime.actions.fields:SetFieldsAction
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    reload_actions()
    yield
    sys.modules.pop("acme_actions", None)
    reload_actions()


@pytest.mark.usefixtures("plugin_dist")
def test_entry_point_actions_load_next_to_the_builtins() -> None:
    shout = get_action("shout")
    assert run_action(shout, {"text": "hi"}, make_ctx()).outputs == {"text": "HI"}
    assert "shout" in available_actions()
    assert get_action("notify").name == "notify"


@pytest.mark.usefixtures("plugin_dist")
def test_broken_entry_points_are_reported_not_fatal() -> None:
    errors = load_errors()
    assert "not a subclass" in errors["wrong"]
    assert "could not be imported" in errors["gone"]
    assert "already taken" in errors["twice"]
    with pytest.raises(UnknownAction, match=r"failed to load.*could not be imported"):
        get_action("gone")
    assert isinstance(get_action("set_fields"), Action)


def test_the_registry_is_loaded_once() -> None:
    assert get_action("notify") is get_action("notify")
