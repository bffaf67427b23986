"""Connectors to the systems the fulfilment engine reads and erases: one module per backend,
behind :class:`garde.dsr.connectors.base.Connector`. Importing this package registers them.

MySQL/MariaDB, Redis, HTTP and the internal stores are not written yet (no MySQL driver is a
dependency so far).
"""

from garde.dsr.connectors import postgres, sqlite
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
    "postgres",
    "sqlite",
]
