"""SQLite connector: a database file, opened read-write but never created.

Identifiers are quoted the SQLite way ("name", inner double quotes doubled); every value is a
``?`` parameter.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from urllib.parse import quote

from garde.dsr.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorUnavailableError,
    PrimaryKey,
    Row,
    check_columns,
    check_contact_field,
    check_page,
    check_primary_keys,
    column_names,
    connector_register,
    split_by_type,
)
from garde.dsr.spec import CollectionSpec


def sqlite_quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def sqlite_path(url: str) -> str:
    """``sqlite:////abs/file.db``, ``sqlite:///rel.db`` or a plain path."""
    if url.startswith("sqlite:///"):
        return url[len("sqlite:///") :]
    return url


@connector_register("sqlite")
class SQLiteConnector(Connector):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        if self._connection is None:
            path = sqlite_path(self._url)
            try:
                # mode=rw: a wrong path is an error, not a new empty database. The engine uses
                # a connector from one thread at a time, but not always the same thread.
                self._connection = sqlite3.connect(
                    f"file:{quote(path)}?mode=rw", uri=True, check_same_thread=False
                )
            except sqlite3.Error as exc:
                raise ConnectorUnavailableError(f"cannot open the SQLite database: {exc}") from exc
        return self._connection

    def _execute(self, statement: str, parameters: Sequence[object]) -> sqlite3.Cursor:
        connection = self._connect()
        self.statements_executed += 1
        try:
            return connection.execute(statement, parameters)
        except sqlite3.Error as exc:
            raise ConnectorError(f"SQLite error: {exc}") from exc

    def test_connection(self) -> None:
        self._execute("SELECT 1", ()).fetchall()

    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        check_columns(collection, list(lookups))
        clauses: list[str] = []
        parameters: list[object] = []
        for name, values in lookups.items():
            kept = [v for group in split_by_type(values) for v in group]
            if kept:
                clauses.append(f"{sqlite_quote(name)} IN ({', '.join('?' * len(kept))})")
                parameters.extend(kept)
        if not clauses:
            return []
        columns = column_names(collection)
        statement = (
            f"SELECT {', '.join(map(sqlite_quote, columns))}"  # noqa: S608 - quoted identifiers
            f" FROM {sqlite_quote(collection.name)} WHERE {' OR '.join(clauses)}"
        )
        rows = self._execute(statement, parameters).fetchall()
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def contact_values(
        self, collection: CollectionSpec, *, field: str, limit: int, after: object | None = None
    ) -> list[object]:
        check_contact_field(collection, field)
        check_page(limit)
        column = sqlite_quote(field)
        where = f"{column} IS NOT NULL"
        parameters: list[object] = []
        if after is not None:
            where += f" AND {column} > ?"
            parameters.append(after)
        statement = (
            f"SELECT DISTINCT {column} FROM {sqlite_quote(collection.name)}"  # noqa: S608 - quoted
            f" WHERE {where} ORDER BY {column} LIMIT ?"
        )
        return [row[0] for row in self._execute(statement, [*parameters, limit]).fetchall()]

    def _key_condition(
        self, collection: CollectionSpec, primary_keys: Sequence[PrimaryKey]
    ) -> tuple[str, list[object]]:
        columns = check_primary_keys(collection, primary_keys)
        one = "(" + " AND ".join(f"{sqlite_quote(c)} = ?" for c in columns) + ")"
        parameters = [key[c] for key in primary_keys for c in columns]
        return " OR ".join([one] * len(primary_keys)), parameters

    def _write(self, statement: str, parameters: Sequence[object]) -> int:
        connection = self._connect()
        try:
            with connection:  # one transaction: commit, or roll back on error
                return self._execute(statement, parameters).rowcount
        except sqlite3.Error as exc:
            raise ConnectorError(f"SQLite error: {exc}") from exc

    def mask(
        self,
        collection: CollectionSpec,
        *,
        primary_keys: Sequence[PrimaryKey],
        updates: Mapping[str, object],
    ) -> int:
        check_columns(collection, list(updates))
        if not primary_keys or not updates:
            return 0
        where, key_parameters = self._key_condition(collection, primary_keys)
        assignments = ", ".join(f"{sqlite_quote(c)} = ?" for c in updates)
        statement = (
            f"UPDATE {sqlite_quote(collection.name)} SET {assignments}"  # noqa: S608 - quoted
            f" WHERE {where}"
        )
        return self._write(statement, [*updates.values(), *key_parameters])

    def delete(self, collection: CollectionSpec, *, primary_keys: Sequence[PrimaryKey]) -> int:
        if not primary_keys:
            return 0
        where, parameters = self._key_condition(collection, primary_keys)
        statement = f"DELETE FROM {sqlite_quote(collection.name)} WHERE {where}"  # noqa: S608
        return self._write(statement, parameters)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


__all__ = ["SQLiteConnector", "sqlite_path", "sqlite_quote"]
