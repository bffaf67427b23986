"""Connectors to the systems the fulfilment engine reads and erases: one module per backend,
behind :class:`garde.dsr.connectors.base.Connector`. Importing this package registers them:
``postgres`` (psycopg), ``mysql`` (MySQL/MariaDB, PyMySQL), ``sqlite``, ``redis`` (key patterns
and hash fields declared in the dataset), ``http`` (a JSON API whose endpoints and pagination
are declared in the dataset) and ``internal`` (Garde's own stores, through the ORM).
``docs/dsr-connectors.md`` describes the URLs and the dataset options of each.
"""

from garde.dsr.connectors import http, internal, mysql, postgres, redis, sqlite
from garde.dsr.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorUnavailableError,
    connector_class,
    connector_create,
    connector_types,
)

__all__ = [
    "Connector",
    "ConnectorError",
    "ConnectorUnavailableError",
    "connector_class",
    "connector_create",
    "connector_types",
    "http",
    "internal",
    "mysql",
    "postgres",
    "redis",
    "sqlite",
]
