"""The contract every data-store connector fulfils, and the registry by system type.

A connector talks to one system for one dataset and holds its own connection, so the engine
can run systems in parallel. The engine never shares one connector between threads at the
same time; a connector needs no locking of its own.

Rows are plain dicts keyed by the collection's top-level field names: a connector reads only
the columns the dataset names, never ``SELECT *``.

:meth:`Connector.contact_values` is the one read that is not from an identity: it lists the
distinct addresses held in one contact field of a collection (the people to tell of a breach,
``garde.dsr.people``), page by page, reading that column only.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, TypeVar

from garde.dsr.spec import CollectionSpec, FieldSpec

Row = dict[str, Any]
PrimaryKey = Mapping[str, object]  # column name -> value; several entries for a composite key


class ConnectorError(Exception):
    """A system could not answer (unreachable, refused, bad query). The message is safe to show
    to operators: connectors never put connection secrets in it."""


class ConnectorUnavailableError(ConnectorError):
    """The system cannot be reached at all: the engine stops sending it work for this request."""


class Connector(abc.ABC):
    """One system, one connection, the four operations the fulfilment engine needs."""

    system_type: ClassVar[str]

    def __init__(self, url: str) -> None:
        # The URL may hold a password: never put it in a message, a log or a repr.
        self._url = url
        self.statements_executed = 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    @abc.abstractmethod
    def test_connection(self) -> None:
        """Raise :class:`ConnectorError` unless the system answers a trivial query."""

    def retrieve(
        self, collection: CollectionSpec, *, lookup_field: str, values: Sequence[object]
    ) -> list[Row]:
        """Rows of ``collection`` whose ``lookup_field`` equals one of ``values``."""
        return self.retrieve_many(collection, lookups={lookup_field: values})

    @abc.abstractmethod
    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        """Rows matching any ``field IN values`` of ``lookups``, in one query; each row once."""

    @abc.abstractmethod
    def mask(
        self,
        collection: CollectionSpec,
        *,
        primary_keys: Sequence[PrimaryKey],
        updates: Mapping[str, object],
    ) -> int:
        """Set ``updates`` (field -> new value) on the rows named by ``primary_keys``, in one
        transaction; return the number of rows changed."""

    @abc.abstractmethod
    def delete(self, collection: CollectionSpec, *, primary_keys: Sequence[PrimaryKey]) -> int:
        """Delete the rows named by ``primary_keys``, in one transaction; return how many."""

    def contact_values(
        self, collection: CollectionSpec, *, field: str, limit: int, after: object | None = None
    ) -> list[object]:
        """One page of a keyset scan: the distinct non-null values of the contact field
        ``field`` (see :func:`contact_kind`), in the backend's order, strictly after ``after``
        (the last value of the previous page; None for the first), at most ``limit``. Reads
        that one column and nothing else. A backend that cannot list a collection refuses
        with a :class:`ConnectorError` that says why."""
        raise ConnectorError(
            f"the {self.system_type} connector cannot list the people of a collection"
        )

    def close(self) -> None:  # noqa: B027 - optional hook: connectors without state need nothing
        """Release the connection; the connector reconnects if used again."""


def column_names(collection: CollectionSpec) -> list[str]:
    """The top-level columns a collection names, in declaration order."""
    return [f.name for f in collection.fields]


def primary_key_fields(collection: CollectionSpec) -> list[str]:
    return [f.name for f in collection.fields if f.primary_key]


def check_columns(collection: CollectionSpec, names: Sequence[str]) -> None:
    """Refuse a column the dataset does not declare: identifiers only ever come from datasets."""
    declared = set(column_names(collection))
    unknown = [n for n in names if n not in declared]
    if unknown:
        raise ConnectorError(
            f"collection {collection.name!r} declares no field {', '.join(map(repr, unknown))}"
        )


def check_primary_keys(collection: CollectionSpec, primary_keys: Sequence[PrimaryKey]) -> list[str]:
    """The key columns used by ``primary_keys``: all declared, the same in every entry."""
    if not primary_keys:
        return []
    columns = sorted(primary_keys[0])
    if not columns:
        raise ConnectorError("an empty primary key would match every row")
    check_columns(collection, columns)
    for key in primary_keys:
        if sorted(key) != columns:
            raise ConnectorError("every primary key must name the same columns")
    return columns


# Contact kind -> (fideslang data category, fides identity type) that mark a field holding it.
CONTACT_KINDS: Mapping[str, tuple[str, str]] = {
    "email": ("user.contact.email", "email"),
    "phone": ("user.contact.phone_number", "phone_number"),
}


def _within(category: str, parent: str) -> bool:
    return category == parent or category.startswith(parent + ".")


def contact_kind(spec_field: FieldSpec) -> str | None:
    """The contact kind a field holds: a data category under ``user.contact.email`` (or
    ``user.contact.phone_number``), or the fides ``identity`` of that type."""
    for kind, (category, identity) in CONTACT_KINDS.items():
        if spec_field.identity == identity or any(
            _within(c, category) for c in spec_field.data_categories
        ):
            return kind
    return None


def check_contact_field(collection: CollectionSpec, name: str) -> None:
    """Refuse to list a field that is not a declared top-level contact field: a scan reads
    addresses, never any other column."""
    spec_field = next((f for f in collection.fields if f.name == name), None)
    if spec_field is None:
        raise ConnectorError(f"collection {collection.name!r} declares no top-level field {name!r}")
    if contact_kind(spec_field) is None:
        raise ConnectorError(
            f"collection {collection.name!r}: field {name!r} is not a contact field "
            "(e-mail or phone category or identity); only contact fields are listed"
        )


def check_page(limit: int) -> None:
    if limit < 1:
        raise ConnectorError("a page holds at least one value")


def split_by_type(values: Sequence[object]) -> list[list[object]]:
    """Group values by Python type, so each group binds as one typed array parameter; None is
    dropped (SQL ``=`` never matches NULL)."""
    groups: dict[type, list[object]] = {}
    for value in values:
        if value is not None:
            groups.setdefault(type(value), []).append(value)
    return list(groups.values())


_REGISTRY: dict[str, type[Connector]] = {}

_ConnectorT = TypeVar("_ConnectorT", bound=type[Connector])


def connector_register(system_type: str) -> Callable[[_ConnectorT], _ConnectorT]:
    """Class decorator: make a connector class available under ``system_type``."""

    def decorate(cls: _ConnectorT) -> _ConnectorT:
        cls.system_type = system_type
        _REGISTRY[system_type] = cls
        return cls

    return decorate


def connector_class(system_type: str) -> type[Connector]:
    # Importing the package imports every backend module, which registers it.
    import garde.dsr.connectors  # noqa: F401

    try:
        return _REGISTRY[system_type]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise ConnectorError(
            f"no connector for system type {system_type!r} (known: {known})"
        ) from None


def connector_create(system_type: str, url: str) -> Connector:
    return connector_class(system_type)(url)


def connector_types() -> list[str]:
    import garde.dsr.connectors  # noqa: F401

    return sorted(_REGISTRY)
