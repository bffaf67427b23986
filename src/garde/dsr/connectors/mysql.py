"""MySQL / MariaDB connector (PyMySQL).

URL: ``mysql://user:password@host:3306/database`` (``mariadb://`` is the same; user, password and
database are percent-decoded; ``?unix_socket=/run/mysqld/mysqld.sock`` connects through a socket).

Identifiers are quoted the MySQL way (```name```, inner backticks doubled); every value is a
parameter. A lookup is ``col IN (%s, ...)`` with one ``IN`` per value type, OR-ed, so a batch
of keys is one statement. A collection may name another database of the server in the dataset's
``options`` (``schema: archive``), as the PostgreSQL connector does with schemas.

MySQL compares a string column with a number as numbers (``'abc' = 0`` is true), so a value
is sent as a string when its field declares ``data_type: string``: a reference from an integer
column to a text column then matches exactly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

# PyMySQL ships no type hints (types-PyMySQL is not a dependency).
import pymysql  # type: ignore[import-untyped]
from pymysql.constants import CLIENT  # type: ignore[import-untyped]

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

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60
SCHEMES = ("mysql", "mariadb", "mysql+pymysql")


def mysql_quote(identifier: str) -> str:
    """A backtick-quoted identifier. ``%`` is doubled too: PyMySQL interpolates parameters
    with ``%``, so a lone one in an identifier would be read as a placeholder."""
    return "`" + identifier.replace("`", "``").replace("%", "%%") + "`"


def mysql_connect_arguments(url: str) -> dict[str, Any]:
    """``pymysql.connect`` keyword arguments for a ``mysql://`` URL."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise ConnectorUnavailableError(
            "a MySQL URL looks like mysql://user:password@host:3306/database"
        )
    try:
        port = parts.port or 3306
    except ValueError:
        raise ConnectorUnavailableError("the MySQL URL has an invalid port") from None
    arguments: dict[str, Any] = {
        "host": parts.hostname or "127.0.0.1",
        "port": port,
        "user": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else "",
        "database": unquote(parts.path.lstrip("/")) or None,
        "charset": "utf8mb4",
        "connect_timeout": CONNECT_TIMEOUT_S,
        "read_timeout": READ_TIMEOUT_S,
        "write_timeout": READ_TIMEOUT_S,
        # FOUND_ROWS: an UPDATE reports the rows it matched, as PostgreSQL and SQLite do, not
        # only those whose value differed. Multi-statements stay off.
        "client_flag": CLIENT.FOUND_ROWS,
        "autocommit": True,
    }
    socket = dict(parse_qsl(parts.query)).get("unix_socket")
    if socket:
        arguments["unix_socket"] = socket
    return arguments


def _safe_message(exc: BaseException, password: str) -> str:
    # PyMySQL's messages name user and host, never the password; scrub it anyway in case a
    # server echoes it back.
    message = str(exc)
    return message.replace(password, "***") if password else message


def _table(collection: CollectionSpec) -> str:
    schema = collection.options.get("schema")
    if isinstance(schema, str) and schema:
        return f"{mysql_quote(schema)}.{mysql_quote(collection.name)}"
    return mysql_quote(collection.name)


def _lookup_values(collection: CollectionSpec, name: str, values: Sequence[object]) -> list[object]:
    spec = collection.field_at(name)
    if spec is not None and spec.data_type == "string":
        return [v if isinstance(v, str | bytes) or v is None else str(v) for v in values]
    return list(values)


@connector_register("mysql")
class MySQLConnector(Connector):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._connection: Any | None = None

    def _connect(self) -> Any:
        if self._connection is None or not self._connection.open:
            arguments = mysql_connect_arguments(self._url)
            try:
                self._connection = pymysql.connect(**arguments)
            except pymysql.Error as exc:
                raise ConnectorUnavailableError(
                    f"cannot connect to MySQL: {_safe_message(exc, arguments['password'])}"
                ) from exc
        return self._connection

    def _fetch(self, statement: str, parameters: Sequence[object]) -> list[tuple[Any, ...]]:
        connection = self._connect()
        self.statements_executed += 1
        try:
            with connection.cursor() as cursor:
                cursor.execute(statement, tuple(parameters))
                return list(cursor.fetchall())
        except pymysql.OperationalError as exc:
            self.close()  # a lost connection is reopened on the next call
            raise ConnectorError(f"MySQL error: {exc}") from exc
        except pymysql.Error as exc:
            raise ConnectorError(f"MySQL error: {exc}") from exc

    def _write(self, statement: str, parameters: Sequence[object]) -> int:
        connection = self._connect()
        self.statements_executed += 1
        try:
            connection.begin()
            with connection.cursor() as cursor:
                count = cursor.execute(statement, tuple(parameters))
            connection.commit()
            return int(count)
        except pymysql.Error as exc:
            try:
                connection.rollback()
            except pymysql.Error:
                self.close()
            raise ConnectorError(f"MySQL error: {exc}") from exc

    def test_connection(self) -> None:
        self._fetch("SELECT 1", ())

    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        check_columns(collection, list(lookups))
        clauses: list[str] = []
        parameters: list[object] = []
        for name, values in lookups.items():
            for group in split_by_type(_lookup_values(collection, name, values)):
                clauses.append(f"{mysql_quote(name)} IN ({', '.join(['%s'] * len(group))})")
                parameters.extend(group)
        if not clauses:
            return []
        columns = column_names(collection)
        statement = (
            f"SELECT {', '.join(map(mysql_quote, columns))}"  # noqa: S608 - quoted identifiers
            f" FROM {_table(collection)} WHERE {' OR '.join(clauses)}"
        )
        rows = self._fetch(statement, parameters)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def contact_values(
        self, collection: CollectionSpec, *, field: str, limit: int, after: object | None = None
    ) -> list[object]:
        check_contact_field(collection, field)
        check_page(limit)
        column = mysql_quote(field)
        where = f"{column} IS NOT NULL"
        parameters: list[object] = []
        if after is not None:
            where += f" AND {column} > %s"
            parameters.append(after)
        statement = (
            f"SELECT DISTINCT {column} FROM {_table(collection)}"  # noqa: S608 - quoted identifiers
            f" WHERE {where} ORDER BY {column} LIMIT %s"
        )
        return [row[0] for row in self._fetch(statement, [*parameters, limit])]

    def _key_condition(
        self, collection: CollectionSpec, primary_keys: Sequence[PrimaryKey]
    ) -> tuple[str, list[object]]:
        columns = check_primary_keys(collection, primary_keys)
        if len(columns) == 1:
            (column,) = columns
            values = [key[column] for key in primary_keys]
            return f"{mysql_quote(column)} IN ({', '.join(['%s'] * len(values))})", values
        one = "(" + " AND ".join(f"{mysql_quote(c)} = %s" for c in columns) + ")"
        parameters = [key[c] for key in primary_keys for c in columns]
        return " OR ".join([one] * len(primary_keys)), parameters

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
        assignments = ", ".join(f"{mysql_quote(c)} = %s" for c in updates)
        statement = (
            f"UPDATE {_table(collection)} SET {assignments}"  # noqa: S608 - quoted identifiers
            f" WHERE {where}"
        )
        return self._write(statement, [*updates.values(), *key_parameters])

    def delete(self, collection: CollectionSpec, *, primary_keys: Sequence[PrimaryKey]) -> int:
        if not primary_keys:
            return 0
        where, parameters = self._key_condition(collection, primary_keys)
        statement = f"DELETE FROM {_table(collection)} WHERE {where}"  # noqa: S608 - quoted
        return self._write(statement, parameters)

    def close(self) -> None:
        if self._connection is not None:
            # Already closed by the server: nothing left to release.
            with contextlib.suppress(pymysql.Error):
                self._connection.close()
            self._connection = None


__all__ = ["MySQLConnector", "mysql_connect_arguments", "mysql_quote"]
