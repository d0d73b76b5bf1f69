"""Statements run on the session's DBAPI connection, inside its transaction.

SQLAlchemy's execution layer costs ~15 µs a statement on top of SQLite's own ~10: the
hot path's statements (:mod:`runtime.store.statements`) are rendered once per dialect,
statement and set of keys, and run on the driver's cursor, their values converted by
the columns' own bind and result processors (aware datetimes, JSON).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.dml import Insert

__all__ = [
    "driver_statements", "insert_returning", "read_all", "read_first", "write", "write_returning",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A statement rendered once for a dialect: its SQL text and how to fill it."""

    text: str
    #: ``(placeholder name, key in the given values or None, fixed value, processor)``
    binds: tuple[tuple[str, str | None, Any, Callable[[Any], Any] | None], ...]
    names: tuple[str, ...]
    positional: bool
    #: The given values in placeholder order, where every placeholder takes one (a C-level
    #: ``itemgetter``), and ``(position, processor)`` of those to convert; else ``None``.
    fetch: Callable[[dict[str, Any]], tuple[Any, ...]] | None
    convert: tuple[tuple[int, Callable[[Any], Any]], ...]

    def values(self, row: dict[str, Any]) -> list[Any]:
        """``row``'s values in placeholder order, converted by the columns' processors."""
        if self.fetch is None:
            return [
                (row[key] if key is not None else fixed)
                if process is None
                else process(row[key] if key is not None else fixed)
                for _, key, fixed, process in self.binds
            ]
        values = list(self.fetch(row))
        for position, process in self.convert:
            values[position] = process(values[position])
        return values


_prepared: dict[tuple[str, int, tuple[str, ...]], _Prepared] = {}
#: Statements run on the driver by :func:`write` (a benchmark adds them to its count).
driver_statements = 0


def _prepare(dialect: Dialect, statement: Executable, keys: tuple[str, ...]) -> _Prepared:
    if not isinstance(statement, ClauseElement):
        raise TypeError(f"not a SQL statement: {statement!r}")
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))
    if "POSTCOMPILE" in compiled.string:
        raise ValueError("write() cannot run a statement with an IN list (rendered late)")
    binds = []
    for bind, name in compiled.bind_names.items():
        key = bind.key if bind.key in keys else None
        if key is None and bind.callable is None and bind.value is None and bind.required:
            raise ValueError(f"no value for parameter {bind.key!r}")
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        binds.append((name, key, bind.effective_value, process))
    if compiled.positional:
        # In placeholder order; a parameter used twice (``_now``) fills both places.
        by_name = {b[0]: b for b in binds}
        binds = [by_name[name] for name in compiled.positiontup]
    names = tuple(b[0] for b in binds)
    keys_in_order = [b[1] for b in binds]
    fetch: Callable[[dict[str, Any]], tuple[Any, ...]] | None = None
    if binds and None not in keys_in_order:
        getter = itemgetter(*keys_in_order)
        fetch = getter if len(binds) > 1 else (lambda row: (getter(row),))
    convert = tuple((i, b[3]) for i, b in enumerate(binds) if b[3] is not None)
    return _Prepared(
        compiled.string, tuple(binds), names, bool(compiled.positional), fetch, convert
    )


_DRIVER = "baton.driver_connection"


def _driver(session: Session) -> tuple[Dialect, Any]:
    """The dialect and DBAPI connection of the session's transaction, found once per
    transaction (``Session.connection()`` costs a few microseconds on every call)."""
    transaction = session.get_transaction()
    known = session.info.get(_DRIVER)
    if known is not None and transaction is not None and known[0] is transaction:
        return known[1], known[2]
    connection = session.connection()
    driver = connection.connection.driver_connection
    session.info[_DRIVER] = (session.get_transaction(), connection.dialect, driver)
    return connection.dialect, driver


def write(session: Session, statement: Executable, rows: list[dict[str, Any]]) -> int:
    """Run a write for ``rows`` (same keys each) on the session's DBAPI connection.

    Inside the session's transaction, without SQLAlchemy's execution
    layer (~15 µs a statement): the SQL text is rendered once per dialect, statement and
    set of keys, values converted by the columns' own bind processors (aware datetimes,
    JSON), several rows sent with one ``executemany``. Returns the rows changed.
    """
    global driver_statements
    if not rows:
        return 0
    dialect, driver = _driver(session)
    keys = tuple(rows[0])
    cache_key = (dialect.name, id(statement), keys)
    prepared = _prepared.get(cache_key)
    if prepared is None:
        prepared = _prepared[cache_key] = _prepare(dialect, statement, keys)
    params: list[Any] = []
    for row in rows:
        values = prepared.values(row)
        if prepared.positional:
            params.append(tuple(values))
        else:
            params.append(dict(zip(prepared.names, values, strict=True)))
    cursor = driver.cursor()
    driver_statements += 1
    try:
        if len(params) == 1:
            cursor.execute(prepared.text, params[0])
        else:
            cursor.executemany(prepared.text, params)
        return int(cursor.rowcount)
    finally:
        cursor.close()


#: Per dialect, statement and keys: how to fill it, and how to convert what it returns
#: (``None`` until its first execution: some drivers' types need the column's type code).
_readers: dict[
    tuple[str, int, tuple[str, ...]],
    tuple[_Prepared, tuple[tuple[int, Callable[[Any], Any]], ...] | None],
] = {}


def _results(
    dialect: Dialect, statement: Executable, description: Any
) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """``(position, result processor)`` of each column ``statement`` returns that has one.

    Made for the driver's type code of the column as the cursor describes it (psycopg's
    numbers ask for it; SQLite's types ignore it). The other columns come back as read.
    """
    # A SELECT's columns, or what an INSERT/UPDATE ... RETURNING gives back.
    columns = getattr(statement, "selected_columns", None)
    if columns is None:
        columns = statement.exported_columns  # type: ignore[attr-defined]
    found = (
        column.type.dialect_impl(dialect).result_processor(dialect, described[1])
        for column, described in zip(columns, description, strict=True)
    )
    return tuple((position, process) for position, process in enumerate(found) if process)


def _read(
    session: Session, statement: Executable, params: dict[str, Any], *, first: bool
) -> list[tuple[Any, ...]]:
    global driver_statements
    dialect, driver = _driver(session)
    keys = tuple(params)
    cache_key = (dialect.name, id(statement), keys)
    reader = _readers.get(cache_key)
    if reader is None:
        reader = _readers[cache_key] = (_prepare(dialect, statement, keys), None)
    prepared, results = reader
    values = prepared.values(params)
    cursor = driver.cursor()
    driver_statements += 1
    try:
        cursor.execute(
            prepared.text,
            tuple(values)
            if prepared.positional
            else dict(zip(prepared.names, values, strict=True)),
        )
        if results is None:
            results = _results(dialect, statement, cursor.description)
            _readers[cache_key] = (prepared, results)
        if first:
            row = cursor.fetchone()
            rows = [] if row is None else [row]
        else:
            rows = cursor.fetchall()
    finally:
        cursor.close()
    if not results:
        return [tuple(row) for row in rows]
    converted = []
    for row in rows:
        values = list(row)
        for position, process in results:
            value = values[position]
            if value is not None:
                values[position] = process(value)
        converted.append(tuple(values))
    return converted


def read_first(
    session: Session, statement: Executable, params: dict[str, Any]
) -> tuple[Any, ...] | None:
    """The first row of a SELECT, read like :func:`write` reads: on the DBAPI connection.

    The values come back converted by the selected columns' result processors (aware
    datetimes; JSON as the driver's connection decodes it or by the column's codec).
    """
    rows = _read(session, statement, params, first=True)
    return rows[0] if rows else None


def read_all(
    session: Session, statement: Executable, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Every row of a SELECT, read and converted as :func:`read_first` reads one."""
    return _read(session, statement, params, first=False)


def write_returning(
    session: Session, statement: Executable, rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """An INSERT/UPDATE ... RETURNING for each of ``rows``, on the DBAPI connection.

    What each row's statement returned, in order, converted as :func:`read_first`
    converts. One execution per row: a driver's ``executemany`` returns no rows, and the
    rows written together here are few (the steps one transition starts).
    """
    found: list[tuple[Any, ...]] = []
    for row in rows:
        found.extend(_read(session, statement, row, first=False))
    return found


#: Rows one :func:`insert_returning` statement carries at most (a statement's placeholders
#: are bounded: SQLite's default limit is 32,766).
INSERT_ROWS = 50


@cache
def _many(statement: Insert, keys: tuple[str, ...], count: int) -> Insert:
    """``statement`` inserting ``count`` rows of ``keys`` at once (``VALUES (...), (...)``),
    each value a placeholder ``<key>__<n>`` typed by its column (so converted alike)."""
    columns = statement.table.c
    return statement.values(
        [{key: bindparam(f"{key}__{n}", type_=columns[key].type) for key in keys}
         for n in range(count)]
    )  # fmt: skip


def insert_returning(
    session: Session, statement: Insert, rows: list[dict[str, Any]]
) -> list[tuple[Any, ...]]:
    """An INSERT ... RETURNING of all ``rows`` (same keys each) in one statement.

    What the statement returned, in no particular order (neither SQLite nor PostgreSQL
    promises RETURNING's order for several rows: return a key to match them by),
    converted as :func:`read_first` converts. Where :func:`write_returning` runs one
    statement a row, this runs one for up to :data:`INSERT_ROWS`.
    """
    if len(rows) == 1:
        return _read(session, statement, rows[0], first=False)
    found: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), INSERT_ROWS):
        chunk = rows[start : start + INSERT_ROWS]
        keys = tuple(chunk[0])
        params = {f"{key}__{n}": row[key] for n, row in enumerate(chunk) for key in keys}
        found.extend(_read(session, _many(statement, keys, len(chunk)), params, first=False))
    return found
