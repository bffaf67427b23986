"""PostgreSQL connector (psycopg 3).

Identifiers go through :class:`psycopg.sql.Identifier`, values are parameters; a lookup is
``col = ANY(%s)`` with one array per value type, so a batch of keys is one statement. A
collection may name its schema in the dataset's ``options`` (``schema: backup``); otherwise the
connection's search path applies.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg import sql

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


def _table(collection: CollectionSpec) -> sql.Composable:
    schema = collection.options.get("schema")
    if isinstance(schema, str) and schema:
        return sql.Identifier(schema, collection.name)
    return sql.Identifier(collection.name)


@connector_register("postgres")
class PostgresConnector(Connector):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._connection: psycopg.Connection[tuple[Any, ...]] | None = None

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        if self._connection is None or self._connection.closed:
            try:
                # autocommit: reads hold no transaction open; writes open one explicitly.
                self._connection = psycopg.connect(
                    self._url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S
                )
            except psycopg.Error as exc:
                # psycopg's message names host and port but never the password.
                raise ConnectorUnavailableError(f"cannot connect to PostgreSQL: {exc}") from exc
        return self._connection

    def _fetch(self, statement: sql.SQL | sql.Composed, parameters: Sequence[object]) -> list[Any]:
        connection = self._connect()
        self.statements_executed += 1
        try:
            rows: list[Any] = connection.execute(statement, parameters).fetchall()
            return rows
        except psycopg.Error as exc:
            raise ConnectorError(f"PostgreSQL error: {exc}") from exc

    def _write(self, statement: sql.SQL | sql.Composed, parameters: Sequence[object]) -> int:
        connection = self._connect()
        self.statements_executed += 1
        try:
            with connection.transaction():
                count: int = connection.execute(statement, parameters).rowcount
                return count
        except psycopg.Error as exc:
            raise ConnectorError(f"PostgreSQL error: {exc}") from exc

    def test_connection(self) -> None:
        self._fetch(sql.SQL("SELECT 1"), ())

    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        check_columns(collection, list(lookups))
        clauses: list[sql.Composable] = []
        parameters: list[object] = []
        for name, values in lookups.items():
            for group in split_by_type(values):
                clauses.append(sql.SQL("{} = ANY(%s)").format(sql.Identifier(name)))
                parameters.append(group)
        if not clauses:
            return []
        columns = column_names(collection)
        statement = sql.SQL("SELECT {columns} FROM {table} WHERE {where}").format(
            columns=sql.SQL(", ").join(map(sql.Identifier, columns)),
            table=_table(collection),
            where=sql.SQL(" OR ").join(clauses),
        )
        rows = self._fetch(statement, parameters)
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def contact_values(
        self, collection: CollectionSpec, *, field: str, limit: int, after: object | None = None
    ) -> list[object]:
        check_contact_field(collection, field)
        check_page(limit)
        column = sql.Identifier(field)
        where = sql.SQL("{} IS NOT NULL").format(column)
        parameters: list[object] = []
        if after is not None:
            where = sql.SQL("{} AND {} > %s").format(where, column)
            parameters.append(after)
        statement = sql.SQL(
            "SELECT DISTINCT {column} FROM {table} WHERE {where} ORDER BY {column} LIMIT %s"
        ).format(column=column, table=_table(collection), where=where)
        return [row[0] for row in self._fetch(statement, [*parameters, limit])]

    def _key_condition(
        self, collection: CollectionSpec, primary_keys: Sequence[PrimaryKey]
    ) -> tuple[sql.Composed, list[object]]:
        columns = check_primary_keys(collection, primary_keys)
        if len(columns) == 1:
            (column,) = columns
            values = [key[column] for key in primary_keys]
            return sql.SQL("{} = ANY(%s)").format(sql.Identifier(column)), [values]
        one = sql.SQL("({})").format(
            sql.SQL(" AND ").join(sql.SQL("{} = %s").format(sql.Identifier(c)) for c in columns)
        )
        parameters = [key[c] for key in primary_keys for c in columns]
        return sql.SQL(" OR ").join([one] * len(primary_keys)), parameters

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
        statement = sql.SQL("UPDATE {table} SET {assignments} WHERE {where}").format(
            table=_table(collection),
            assignments=sql.SQL(", ").join(
                sql.SQL("{} = %s").format(sql.Identifier(c)) for c in updates
            ),
            where=where,
        )
        return self._write(statement, [*updates.values(), *key_parameters])

    def delete(self, collection: CollectionSpec, *, primary_keys: Sequence[PrimaryKey]) -> int:
        if not primary_keys:
            return 0
        where, parameters = self._key_condition(collection, primary_keys)
        statement = sql.SQL("DELETE FROM {table} WHERE {where}").format(
            table=_table(collection), where=where
        )
        return self._write(statement, parameters)

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


__all__ = ["PostgresConnector"]
