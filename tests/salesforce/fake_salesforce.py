"""A stand-in for Salesforce, FOR TESTS ONLY: a local HTTP server speaking the subset of the
Salesforce APIs that Baton uses, so the tests drive the real simple-salesforce client.

It is not Salesforce and makes no claim to behave like it beyond this subset:

- logins: SOAP ``login`` (username, password + security token) and the OAuth token
  endpoint for the username-password and JWT bearer flows (the JWT's RS256 signature is
  checked against the test key pair);
- REST: ``query`` with paging (``nextRecordsUrl``; ``page_size`` records a page), sObject
  get/update/create, ``describe``, ``limits``;
- Bulk API 2.0 query jobs: create, poll (``InProgress`` for ``bulk_polls`` polls), results
  as CSV pages with ``Sforce-Locator``;
- realistic error bodies: 401 ``INVALID_SESSION_ID``, 403 ``REQUEST_LIMIT_EXCEEDED``, 400
  field errors (``INVALID_FIELD`` with ``fields``), 503; injected with :meth:`fail` and
  :meth:`expire_sessions`.

SOQL is interpreted by a small parser: ``SELECT fields FROM obj [WHERE cond] [ORDER BY
...] [LIMIT n]`` with AND/OR/NOT, parentheses, comparisons, IN and LIKE. Relationship
paths (``Owner.Name``) follow ``<Rel>Id`` to the related record.
"""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt

INSTANCE = "acme.my.salesforce.com"

_PREFIX = {"Case": "500", "Task": "00T", "CaseComment": "00a", "User": "005", "Account": "001"}

DEFAULT_SCHEMA: dict[str, list[tuple[str, str, str]]] = {
    "Case": [
        ("Id", "id", "Case ID"),
        ("Subject", "string", "Subject"),
        ("Description", "textarea", "Description"),
        ("Status", "picklist", "Status"),
        ("Priority", "picklist", "Priority"),
        ("Origin", "picklist", "Case Origin"),
        ("OwnerId", "reference", "Owner ID"),
        ("ContactEmail", "email", "Contact Email"),
        ("IsEscalated", "boolean", "Escalated"),
        ("Contacts__c", "double", "Contacts"),
        ("Escalation_Reason__c", "string", "Escalation Reason"),
        ("CreatedDate", "datetime", "Created Date"),
        ("SystemModstamp", "datetime", "System Modstamp"),
    ],
    "Task": [
        ("Id", "id", "Activity ID"),
        ("Subject", "string", "Subject"),
        ("WhatId", "reference", "Related To ID"),
        ("Status", "picklist", "Status"),
        ("Priority", "picklist", "Priority"),
        ("Description", "textarea", "Comments"),
        ("OwnerId", "reference", "Assigned To ID"),
        # An External ID field an admin added, so Baton's creates can be upserts.
        ("Baton_Key__c", "string", "Baton Key"),
        ("SystemModstamp", "datetime", "System Modstamp"),
    ],
    "CaseComment": [
        ("Id", "id", "Case Comment ID"),
        ("ParentId", "reference", "Parent Case ID"),
        ("CommentBody", "textarea", "Body"),
        ("IsPublished", "boolean", "Published"),
        ("SystemModstamp", "datetime", "System Modstamp"),
    ],
    "User": [
        ("Id", "id", "User ID"),
        ("Name", "string", "Full Name"),
        ("Email", "email", "Email"),
        ("SystemModstamp", "datetime", "System Modstamp"),
    ],
}

SESSION_EXPIRED = [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
RATE_LIMITED = [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
UNAVAILABLE = [{"message": "Server temporarily unavailable.", "errorCode": "SERVER_UNAVAILABLE"}]


def field_error(sobject: str, name: str) -> list[dict[str, Any]]:
    """Salesforce's body for a field that does not exist."""
    return [
        {
            "message": f"No such column '{name}' on entity '{sobject}'",
            "errorCode": "INVALID_FIELD",
            "fields": [name],
        }
    ]


@dataclass
class Fault:
    """An injected failure: the next ``times`` requests matching ``method`` and ``path``."""

    method: str
    path: re.Pattern[str]
    status: int
    body: Any
    times: int


@dataclass
class BulkJob:
    query: str
    rows: list[dict[str, Any]]
    columns: list[str]
    polls_left: int
    state: str = "InProgress"


@dataclass
class Login:
    username: str = "baton@acme.com"
    password: str = "correct horse"
    security_token: str = "TOKEN123"
    consumer_key: str = "3MVG9-baton-app"
    consumer_secret: str = "consumer-secret-42"
    public_key: str | None = None


class _SoqlError(Exception):
    def __init__(self, body: list[dict[str, Any]]) -> None:
        super().__init__(body[0]["message"])
        self.body = body


_TOKEN = re.compile(
    r"""\s*(?:
    (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2})
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.lastgroup is None:
            raise _SoqlError(
                [{"message": f"unexpected token at {position}", "errorCode": "MALFORMED_QUERY"}]
            )
        out.append((match.lastgroup, match.group(match.lastgroup)))
        position = match.end()
    return out


def parse_stamp(text: str) -> datetime:
    text = text.replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    return datetime.fromisoformat(text)


def _unquote(literal: str) -> str:
    body = literal[1:-1]
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t", "r": "\r"}.get(m[1], m[1]), body)


class _Parser:
    """SELECT ... FROM ... [WHERE ...] [ORDER BY ...] [LIMIT n], evaluated in Python."""

    def __init__(self, soql: str, describe: Callable[[str], set[str]]) -> None:
        self.tokens = _tokens(soql)
        self.i = 0
        self.describe = describe

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def word(self, *expected: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() in expected:
            self.i += 1
            return True
        return False

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise _SoqlError(
                [{"message": "unexpected end of query", "errorCode": "MALFORMED_QUERY"}]
            )
        self.i += 1
        return token

    def parse(self) -> dict[str, Any]:
        if not self.word("SELECT"):
            raise _SoqlError([{"message": "expected SELECT", "errorCode": "MALFORMED_QUERY"}])
        fields = [self.take()[1]]
        while self.peek() == ("punct", ","):
            self.i += 1
            fields.append(self.take()[1])
        if not self.word("FROM"):
            raise _SoqlError([{"message": "expected FROM", "errorCode": "MALFORMED_QUERY"}])
        sobject = self.take()[1]
        known = self.describe(sobject)
        for name in fields:
            if name.split(".")[0] not in known and f"{name.split('.')[0]}Id" not in known:
                raise _SoqlError(
                    [
                        {
                            "message": f"\n{', '.join(fields)} FROM {sobject}\n"
                            f"ERROR at Row:1:Column:8\nNo such column '{name}' on entity "
                            f"'{sobject}'. If you are attempting to use a custom field, be "
                            "sure to append the '__c' after the custom field name.",
                            "errorCode": "INVALID_FIELD",
                        }
                    ]
                )
        where = None
        if self.word("WHERE"):
            where = self.expr()
        order: list[tuple[str, bool]] = []
        if self.word("ORDER"):
            self.word("BY")
            while True:
                name = self.take()[1]
                descending = self.word("DESC")
                self.word("ASC")
                order.append((name, descending))
                if self.peek() != ("punct", ","):
                    break
                self.i += 1
        limit = None
        if self.word("LIMIT"):
            limit = int(self.take()[1])
        if self.peek() is not None:
            raise _SoqlError(
                [{"message": f"unexpected {self.peek()}", "errorCode": "MALFORMED_QUERY"}]
            )
        return {
            "fields": fields,
            "sobject": sobject,
            "where": where,
            "order": order,
            "limit": limit,
        }

    def expr(self) -> Callable[[Callable[[str], Any]], bool]:
        left = self.conj()
        while self.word("OR"):
            right = self.conj()
            left = (lambda a, b: lambda get: a(get) or b(get))(left, right)
        return left

    def conj(self) -> Callable[[Callable[[str], Any]], bool]:
        left = self.neg()
        while self.word("AND"):
            right = self.neg()
            left = (lambda a, b: lambda get: a(get) and b(get))(left, right)
        return left

    def neg(self) -> Callable[[Callable[[str], Any]], bool]:
        if self.word("NOT"):
            inner = self.neg()
            return lambda get: not inner(get)
        if self.peek() == ("punct", "("):
            self.i += 1
            inner = self.expr()
            if self.take() != ("punct", ")"):
                raise _SoqlError([{"message": "expected )", "errorCode": "MALFORMED_QUERY"}])
            return inner
        return self.comparison()

    def value(self) -> Any:
        kind, text = self.take()
        if kind == "string":
            return _unquote(text)
        if kind == "number":
            return float(text)
        if kind == "datetime":
            return parse_stamp(text)
        if kind == "date":
            return text
        if kind == "word" and text.upper() in ("TRUE", "FALSE"):
            return text.upper() == "TRUE"
        if kind == "word" and text.upper() == "NULL":
            return None
        raise _SoqlError([{"message": f"unexpected {text}", "errorCode": "MALFORMED_QUERY"}])

    def comparison(self) -> Callable[[Callable[[str], Any]], bool]:
        name = self.take()[1]
        negate = self.word("NOT")
        if self.word("IN"):
            self.take()
            values = [self.value()]
            while self.peek() == ("punct", ","):
                self.i += 1
                values.append(self.value())
            self.take()
            return lambda get: (_norm(get(name), values[0]) in values) != negate
        if self.word("LIKE"):
            pattern = self.value()
            regex = re.compile(
                "^" + re.escape(str(pattern)).replace("%", ".*").replace("_", ".") + "$", re.I
            )
            return lambda get: bool(regex.match(str(get(name) or "")))
        op = self.take()[1]
        value = self.value()

        def compare(get: Callable[[str], Any]) -> bool:
            current = _norm(get(name), value)
            if op == "=":
                return bool(current == value)
            if op in ("!=", "<>"):
                return bool(current != value)
            if current is None or value is None:
                return False
            return bool(
                {
                    "<": current < value,
                    ">": current > value,
                    "<=": current <= value,
                    ">=": current >= value,
                }[op]
            )

        return compare


def _norm(current: Any, like: Any) -> Any:
    if isinstance(like, datetime) and isinstance(current, str):
        return parse_stamp(current)
    if isinstance(like, float) and isinstance(current, int | float):
        return float(current)
    return current


class FakeSalesforce:
    """The server and the org's data. Start with :meth:`start`, stop with :meth:`close`."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in DEFAULT_SCHEMA}
        self.schema = {name: list(fields) for name, fields in DEFAULT_SCHEMA.items()}
        self.login = Login()
        self.tokens: set[str] = set()
        self.logins = 0
        self.requests: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self.page_size = 200
        self.bulk_polls = 1
        self.bulk_page_size: int | None = None
        self.jobs: dict[str, BulkJob] = {}
        self.cursors: dict[str, tuple[list[dict[str, Any]], int]] = {}
        self.clock = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)
        self.api_version = "62.0"
        self._serial = 0
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ control

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeSalesforce:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail(self, method: str, path: str, status: int, body: Any, *, times: int = 1) -> None:
        """Answer the next ``times`` requests matching ``method`` and ``path`` (a regex) so."""
        self.faults.append(Fault(method.upper(), re.compile(path), status, body, times))

    def expire_sessions(self) -> None:
        """Every session id issued so far stops working (a log-out, an expiry)."""
        with self._lock:
            self.tokens.clear()

    def stamp(self) -> str:
        """The next SystemModstamp: one second after the last one."""
        with self._lock:
            self.clock += timedelta(seconds=1)
            return self.clock.strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    def new_id(self, sobject: str) -> str:
        with self._lock:
            self._serial += 1
            return f"{_PREFIX.get(sobject, 'a00')}{self._serial:012d}AAA"

    def insert(self, sobject: str, *, stamp: str | None = None, **values: Any) -> str:
        """Create a record directly in the org (as a Salesforce user would); its Id."""
        with self._lock:
            record_id = values.pop("Id", None) or self.new_id(sobject)
            now = stamp or self.stamp()
            record = {"Id": record_id, "CreatedDate": now, "SystemModstamp": now, **values}
            self.records[sobject][record_id] = record
            return record_id

    def change(
        self, sobject: str, record_id: str, *, stamp: str | None = None, **values: Any
    ) -> None:
        """Change a record directly in the org; its SystemModstamp moves on."""
        with self._lock:
            self.records[sobject][record_id].update(values, SystemModstamp=stamp or self.stamp())

    def count(self, method: str, pattern: str) -> int:
        """How many requests matched ``method`` and the ``pattern`` regex."""
        regex = re.compile(pattern)
        return sum(1 for m, p in self.requests if m == method and regex.search(p))

    # ------------------------------------------------------------------ logic

    def field_names(self, sobject: str) -> set[str]:
        return {name for name, _, _ in self.schema.get(sobject, [])}

    def _issue_token(self) -> str:
        token = f"00D000000000001!{uuid.uuid4().hex}"
        with self._lock:
            self.tokens.add(token)
            self.logins += 1
        return token

    def resolve(self, record: dict[str, Any], path: str) -> Any:
        if "." not in path:
            return record.get(path)
        relation, _, rest = path.partition(".")
        related_id = record.get(f"{relation}Id")
        if related_id is None:
            return None
        for table in self.records.values():
            if related_id in table:
                return self.resolve(table[related_id], rest)
        return None

    def run_query(self, soql: str) -> tuple[str, list[str], list[dict[str, Any]]]:
        parsed = _Parser(soql, self.field_names).parse()
        sobject = parsed["sobject"]
        with self._lock:
            rows = [dict(r) for r in self.records.get(sobject, {}).values()]
        where = parsed["where"]
        if where is not None:
            rows = [r for r in rows if where(lambda name, r=r: self.resolve(r, name))]
        for name, descending in reversed(parsed["order"]):
            rows.sort(
                key=lambda r, n=name: (self.resolve(r, n) is not None, self.resolve(r, n) or ""),
                reverse=descending,
            )
        if parsed["limit"] is not None:
            rows = rows[: parsed["limit"]]
        return sobject, parsed["fields"], rows

    def shape(self, sobject: str, fields: list[str], row: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": {"type": sobject, "url": self._record_url(sobject, row["Id"])}
        }
        for name in fields:
            if "." in name:
                relation, _, rest = name.partition(".")
                related = self.resolve(row, f"{relation}.Id")
                if related is None:
                    out[relation] = None
                else:
                    nested = out.setdefault(relation, {"attributes": {"type": relation}})
                    nested[rest] = self.resolve(row, name)
            else:
                out[name] = row.get(name)
        return out

    def _record_url(self, sobject: str, record_id: str) -> str:
        return f"/services/data/v{self.api_version}/sobjects/{sobject}/{record_id}"


class _Handler(BaseHTTPRequestHandler):
    server_fake: FakeSalesforce
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    # ------------------------------------------------------------------ plumbing

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: Any = None,
        *,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        if body is None:
            data = b""
        elif isinstance(body, bytes):
            data = body
        elif isinstance(body, str):
            data = body.encode()
        else:
            data = json.dumps(body).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        fake = self.server_fake
        parts = urlsplit(self.path)
        path = parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        body = self._body()
        with fake._lock:
            fake.requests.append((method, path))
            for fault in fake.faults:
                if fault.times > 0 and fault.method == method and fault.path.search(path):
                    fault.times -= 1
                    self._send(fault.status, fault.body)
                    return
        if path.startswith("/services/Soap/u/"):
            self._soap_login(body)
            return
        if path == "/services/oauth2/token":
            self._token(body)
            return
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in fake.tokens:
            self._send(401, SESSION_EXPIRED)
            return
        match = re.match(r"^/services/data/v[\d.]+/(.*?)/?$", path)
        if match is None:
            self._send(404, [{"message": "not found", "errorCode": "NOT_FOUND"}])
            return
        rest = match.group(1)
        try:
            self._route(method, rest, query, body)
        except _SoqlError as exc:
            self._send(400, exc.body)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    # ------------------------------------------------------------------ logins

    def _soap_login(self, body: bytes) -> None:
        fake = self.server_fake
        text = body.decode()
        username = re.search(r"<n1:username>(.*?)</n1:username>", text)
        password = re.search(r"<n1:password>(.*?)</n1:password>", text)
        expected = fake.login.password + fake.login.security_token
        if not (
            username and password and username[1] == fake.login.username and password[1] == expected
        ):
            self._send(
                500,
                '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
                'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                'xmlns:sf="urn:fault.partner.soap.sforce.com"><soapenv:Body><soapenv:Fault>'
                "<faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid "
                "username, password, security token; or user locked out.</faultstring><detail>"
                "<sf:LoginFault><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>"
                "<sf:exceptionMessage>Invalid username, password, security token; or user "
                "locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault>"
                "</soapenv:Body></soapenv:Envelope>",
                content_type="text/xml",
            )
            return
        token = fake._issue_token()
        self._send(
            200,
            '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
            'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
            f"<serverUrl>https://{INSTANCE}/services/Soap/u/{fake.api_version}/00D</serverUrl>"
            f"<sessionId>{token}</sessionId><userId>005000000000001AAA</userId>"
            "</result></loginResponse></soapenv:Body></soapenv:Envelope>",
            content_type="text/xml",
        )

    def _token(self, body: bytes) -> None:
        fake = self.server_fake
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        grant = form.get("grant_type")
        ok = False
        if grant == "password":
            ok = (
                form.get("client_id") == fake.login.consumer_key
                and form.get("client_secret") == fake.login.consumer_secret
                and form.get("username") == fake.login.username
                and form.get("password") == fake.login.password + fake.login.security_token
            )
        elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer" and fake.login.public_key:
            try:
                claims = jwt.decode(
                    form.get("assertion", ""),
                    fake.login.public_key,
                    algorithms=["RS256"],
                    audience="https://login.salesforce.com",
                )
                ok = (
                    claims["iss"] == fake.login.consumer_key
                    and claims["sub"] == fake.login.username
                )
            except jwt.PyJWTError:
                ok = False
        if not ok:
            self._send(
                400, {"error": "invalid_grant", "error_description": "authentication failure"}
            )
            return
        self._send(
            200,
            {
                "access_token": fake._issue_token(),
                "instance_url": f"https://{INSTANCE}",
                "id": "https://login.salesforce.com/id/00D/005",
                "token_type": "Bearer",
                "issued_at": "1767225600000",
            },
        )

    # ------------------------------------------------------------------ data

    def _route(self, method: str, rest: str, query: dict[str, str], body: bytes) -> None:
        fake = self.server_fake
        if rest == "limits" and method == "GET":
            self._send(200, {"DailyApiRequests": {"Max": 15000, "Remaining": 14250}})
            return
        if rest == "query" and method == "GET":
            sobject, fields, rows = fake.run_query(query["q"])
            shaped = [fake.shape(sobject, fields, r) for r in rows]
            self._page(shaped, 0, uuid.uuid4().hex[:15])
            return
        if (m := re.fullmatch(r"query/(\w+)-(\d+)", rest)) and method == "GET":
            rows, _ = fake.cursors[m[1]]
            self._page(rows, int(m[2]), m[1])
            return
        if rest.startswith("jobs/query"):
            self._bulk(method, rest, query, body)
            return
        if m := re.fullmatch(r"sobjects/(\w+)/describe", rest):
            fields = [
                {
                    "name": n,
                    "type": t,
                    "label": label,
                    "updateable": t not in ("id", "datetime"),
                    "nillable": t != "boolean",
                    "picklistValues": [],
                }
                for n, t, label in fake.schema.get(m[1], [])
            ]
            self._send(200, {"name": m[1], "label": m[1], "fields": fields})
            return
        if (m := re.fullmatch(r"sobjects/(\w+)", rest)) and method == "POST":
            values = json.loads(body or b"{}")
            if bad := self._unknown_field(m[1], values):
                return self._send(400, field_error(m[1], bad))
            record_id = fake.insert(m[1], **values)
            self._send(201, {"id": record_id, "success": True, "errors": []})
            return
        if m := re.fullmatch(r"sobjects/(\w+)/(\w+)/([^/]+)", rest):
            self._by_external_id(method, m[1], m[2], unquote(m[3]), body)
            return
        if m := re.fullmatch(r"sobjects/(\w+)/(\w+)", rest):
            sobject, record_id = m[1], m[2]
            record = fake.records.get(sobject, {}).get(record_id)
            if record is None:
                self._send(
                    404,
                    [
                        {
                            "errorCode": "NOT_FOUND",
                            "message": "The requested resource does not exist",
                        }
                    ],
                )
                return
            if method == "GET":
                wanted = query.get("fields")
                names = wanted.split(",") if wanted else list(record)
                if bad := next((n for n in names if n not in fake.field_names(sobject)), None):
                    return self._send(400, field_error(sobject, bad))
                self._send(200, fake.shape(sobject, names, record))
                return
            if method == "PATCH":
                values = json.loads(body or b"{}")
                if bad := self._unknown_field(sobject, values):
                    return self._send(400, field_error(sobject, bad))
                fake.change(sobject, record_id, **values)
                self._send(204)
                return
        self._send(404, [{"errorCode": "NOT_FOUND", "message": f"no route {method} {rest}"}])

    def _by_external_id(
        self, method: str, sobject: str, field: str, value: str, body: bytes
    ) -> None:
        """``sobjects/<sObject>/<External ID field>/<value>``: read (GET) or upsert (PATCH)."""
        fake = self.server_fake
        if field not in fake.field_names(sobject):
            message = f"Provided external ID field does not exist or is not accessible: {field}"
            return self._send(404, [{"errorCode": "NOT_FOUND", "message": message}])
        with fake._lock:
            found = [r for r in fake.records.get(sobject, {}).values() if r.get(field) == value]
        if method == "GET":
            if not found:
                return self._send(404, [{"errorCode": "NOT_FOUND", "message": "not found"}])
            return self._send(200, fake.shape(sobject, list(found[0]), found[0]))
        if method != "PATCH":
            return self._send(405, [{"errorCode": "METHOD_NOT_ALLOWED", "message": method}])
        values = json.loads(body or b"{}")
        if bad := self._unknown_field(sobject, values):
            return self._send(400, field_error(sobject, bad))
        if len(found) > 1:
            return self._send(300, [f"/services/data/sobjects/{sobject}/{r['Id']}" for r in found])
        if found:
            fake.change(sobject, found[0]["Id"], **values)
            # API 46.0 and later answer an update by upsert with 200 and a body.
            return self._send(
                200, {"id": found[0]["Id"], "success": True, "errors": [], "created": False}
            )
        record_id = fake.insert(sobject, **{**values, field: value})
        self._send(201, {"id": record_id, "success": True, "errors": [], "created": True})

    def _unknown_field(self, sobject: str, values: dict[str, Any]) -> str | None:
        known = self.server_fake.field_names(sobject)
        return next((name for name in values if name not in known), None)

    def _page(self, rows: list[dict[str, Any]], start: int, cursor: str) -> None:
        fake = self.server_fake
        size = fake.page_size
        chunk = rows[start : start + size]
        done = start + size >= len(rows)
        page: dict[str, Any] = {"totalSize": len(rows), "done": done, "records": chunk}
        if not done:
            fake.cursors[cursor] = (rows, start + size)
            page["nextRecordsUrl"] = (
                f"/services/data/v{fake.api_version}/query/{cursor}-{start + size}"
            )
        self._send(200, page)

    def _bulk(self, method: str, rest: str, query: dict[str, str], body: bytes) -> None:
        fake = self.server_fake
        if rest == "jobs/query" and method == "POST":
            spec = json.loads(body)
            sobject, fields, rows = fake.run_query(spec["query"])
            job_id = f"750{uuid.uuid4().hex[:15]}"
            fake.jobs[job_id] = BulkJob(spec["query"], rows, fields, fake.bulk_polls)
            self._send(
                200,
                {"id": job_id, "operation": "query", "object": sobject, "state": "UploadComplete"},
            )
            return
        m = re.fullmatch(r"jobs/query/(\w+)(/results)?", rest)
        if m is None or m[1] not in fake.jobs:
            self._send(404, [{"errorCode": "NOT_FOUND", "message": "job not found"}])
            return
        job = fake.jobs[m[1]]
        if not m[2]:
            if job.polls_left > 0:
                job.polls_left -= 1
            else:
                job.state = "JobComplete"
            self._send(
                200, {"id": m[1], "state": job.state, "numberRecordsProcessed": len(job.rows)}
            )
            return
        start = int(query.get("locator") or 0)
        size = fake.bulk_page_size or int(query.get("maxRecords") or 50000)
        chunk = job.rows[start : start + size]
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(job.columns)
        for row in chunk:
            values = []
            for name in job.columns:
                value = fake.resolve(row, name)
                values.append(
                    ""
                    if value is None
                    else str(value).lower()
                    if isinstance(value, bool)
                    else value
                )
            writer.writerow(values)
        more = start + size < len(job.rows)
        self._send(
            200,
            out.getvalue(),
            content_type="text/csv",
            headers={
                "Sforce-Locator": str(start + size) if more else "null",
                "Sforce-NumberOfRecords": str(len(chunk)),
            },
        )


@dataclass
class Harness:
    """What a test gets: the fake org and the settings that point Baton at it."""

    fake: FakeSalesforce
    settings: Any
    sleeps: list[float] = field(default_factory=list)
