"""The Salesforce record trigger: which sObject to poll, a SOQL filter and a field mapping.

Pure data and pure checks, no I/O. The model checks shape only (so a stored workflow
with a typo still loads and its problems can be shown on the canvas);
:func:`graphs.validation.check_salesforce_trigger` reports the problems, using the
checks here, and the runtime refuses to build a query from a trigger that fails them.

A filter is the condition after ``WHERE``, nothing more: Baton composes the rest of the
query itself, so the filter may not close a parenthesis it did not open, start a
subquery, end the statement or add clauses.

>>> soql_filter_problem("Status != 'Closed' AND Priority IN ('High', 'Critical')") is None
True
>>> soql_filter_problem("Status = 'New') OR (Id != null")
"')' at 14 closes a parenthesis that was never opened"
>>> soql_filter_problem("Id IN (SELECT CaseId FROM CaseComment)")
"'SELECT' is not allowed in a filter: write only the condition that follows WHERE"
"""

from __future__ import annotations

import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DEFAULT_ID_FIELD",
    "MAX_FILTER_CHARS",
    "SalesforceConvert",
    "SalesforceFieldMapping",
    "SalesforceTrigger",
    "api_name_problem",
    "field_path_problem",
    "soql_filter_problem",
]

DEFAULT_ID_FIELD = "salesforce_id"
MAX_FILTER_CHARS = 4000

_API_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_FIELD_PATH = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79}){0,4}$")


class SalesforceConvert(StrEnum):
    """How a Salesforce value becomes a case field value; ``auto`` follows the case field."""

    AUTO = "auto"
    STRING = "string"
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATETIME = "date-time"
    DATE = "date"


class SalesforceFieldMapping(BaseModel):
    """One Salesforce field copied into one case field."""

    model_config = ConfigDict(extra="forbid")

    sf_field: str = Field(
        min_length=1, description="API name or relationship path, such as Owner.Name"
    )
    case_field: str = Field(min_length=1, description="The case field that receives it")
    convert: SalesforceConvert = SalesforceConvert.AUTO


class SalesforceTrigger(BaseModel):
    """Where a Salesforce-triggered workflow takes its cases from."""

    model_config = ConfigDict(extra="forbid")

    sobject: str = Field(default="Case", min_length=1, description="The sObject API name")
    soql_filter: str | None = Field(
        default=None, description="A SOQL condition (what follows WHERE); empty: every record"
    )
    field_mapping: list[SalesforceFieldMapping] = Field(default_factory=list)
    id_field: str = Field(
        default=DEFAULT_ID_FIELD,
        min_length=1,
        description="The case field that receives the record Id (actions read it)",
    )
    backfill: bool = Field(
        default=True, description="On the first sync, load every matching record (Bulk API 2.0)"
    )


def api_name_problem(name: str) -> str | None:
    """Why ``name`` is not an sObject or field API name, or None.

    >>> api_name_problem("Escalation_Reason__c") is None
    True
    >>> api_name_problem("Case; DELETE")
    "'Case; DELETE' is not an API name (letters, digits and '_', starting with a letter)"
    """
    if _API_NAME.match(name):
        return None
    return f"{name!r} is not an API name (letters, digits and '_', starting with a letter)"


def field_path_problem(path: str) -> str | None:
    """Why ``path`` is not a field name or relationship path (``Owner.Name``), or None.

    >>> field_path_problem("Account.Owner.Email") is None
    True
    >>> field_path_problem("Owner..Name")
    "'Owner..Name' is not a field name or a path such as Owner.Name"
    """
    if _FIELD_PATH.match(path):
        return None
    return f"{path!r} is not a field name or a path such as Owner.Name"


# Words that would turn a condition into more than a condition.
_REFUSED_WORDS = frozenset(
    {
        "SELECT", "FROM", "WHERE", "LIMIT", "ORDER", "GROUP", "BY", "HAVING", "OFFSET",
        "FOR", "UPDATE", "VIEW", "REFERENCE", "WITH", "TYPEOF", "USING", "SCOPE", "ALL",
        "ROWS", "SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE",
    }
)  # fmt: skip
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<datetime>\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))?)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?::\d+)?)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<comma>,)
    """,
    re.VERBOSE,
)


def soql_filter_problem(text: str) -> str | None:
    """Why ``text`` is not a plain SOQL condition, or None when it is one.

    Strings, numbers, date and date-time literals (``LAST_N_DAYS:30`` too), field paths,
    comparison operators, ``AND``/``OR``/``NOT``/``IN``/``LIKE``/``INCLUDES``, commas and
    balanced parentheses are allowed; semicolons, comments, bind variables, unterminated
    strings, subqueries and clause keywords are not.

    >>> soql_filter_problem("Subject LIKE '%can\\\\'t log in%'") is None
    True
    >>> soql_filter_problem("Status = 'New'; DELETE")
    "';' at 14 is not allowed in a filter"
    >>> soql_filter_problem("Subject = 'open")
    'the string that starts at 10 is never closed'
    """
    if len(text) > MAX_FILTER_CHARS:
        return f"the filter is {len(text)} characters long; at most {MAX_FILTER_CHARS} are allowed"
    depth = 0
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            if text[position] == "'":
                return f"the string that starts at {position} is never closed"
            return f"{text[position]!r} at {position} is not allowed in a filter"
        kind = match.lastgroup
        if kind == "word":
            word = match.group().upper()
            if word in _REFUSED_WORDS:
                return (
                    f"{match.group()!r} is not allowed in a filter: write only the condition "
                    "that follows WHERE"
                )
        elif kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
            if depth < 0:
                return f"')' at {position} closes a parenthesis that was never opened"
        position = match.end()
    if depth:
        return f"{depth} parenthes{'is is' if depth == 1 else 'es are'} never closed"
    return None
