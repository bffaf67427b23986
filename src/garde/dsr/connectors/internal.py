"""Garde's own stores as a system: a dataset collection names a Django model of an allowed Garde
app (``fides_meta: {model: accounts.User}``) and its fields are that model's field names (a
foreign key as ``<name>_id`` or as its name; both read the key).

Reads are one ORM query per batch (the lookups OR-ed), reading only the declared fields. Masking
is one ``UPDATE`` of the rows named by their keys, deleting one ``DELETE`` (Django's collector,
so cascades the model declares apply), each in one transaction on the model's database.

Refused: a model outside ``ALLOWED_APPS`` (the audit trail of ``core`` is append-only and kept
whatever a dataset says), a field the dataset does not declare, a field that is not a concrete
column of the model, and fields that hold secrets (``SECRET_FIELDS``, and any name with
a name ending in password, secret, token or hash) — an access package must never carry a hash.

Another app's data should change through that app's services. A collection can name one with
``erase_with`` (a key of ``ERASERS``, never an arbitrary import path: a dataset file must not
make Garde call any function it names); ``mask`` and ``delete`` then call that service once per
row instead of writing the columns. ``accounts.User`` uses it: ``account_delete`` pseudonymises
the account and removes its second factors, and the row stays because the audit trail points
to it. Direct writes are acceptable for the other built-in collections because they hold no
invariant beyond their columns: memberships and requests' messages are plain rows, and a
deleted attachment's encrypted file is removed by ``requests.attachments.
attachment_orphans_delete`` (its row is the only pointer to the file).

Threads: the engine calls a connector from worker threads, and Django connections are
per thread. A worker thread that opens a connection here keeps it for the connector's next
calls on that thread, and :meth:`InternalConnector.close` closes every connection the connector
opened in other threads; a connection that was already open (the caller's own, possibly in a
transaction, or the main thread's) is never closed here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import reduce
from operator import or_

from django.apps import apps
from django.db import DatabaseError, connections, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, Q

from garde.dsr.connectors.base import (
    Connector,
    ConnectorError,
    PrimaryKey,
    Row,
    check_columns,
    check_contact_field,
    check_page,
    check_primary_keys,
    column_names,
    connector_register,
)
from garde.dsr.spec import CollectionSpec

# Garde apps whose models a dataset may describe. ``core`` is not one: its audit trail is
# append-only and must outlive any erasure.
ALLOWED_APPS: frozenset[str] = frozenset(
    {"accounts", "requests", "dsr", "marketing", "careers", "consent", "connlogs", "breaches"}
)
DENIED_MODELS: frozenset[str] = frozenset({"core.auditevent"})
# Columns that hold secrets or hashes of secrets, refused even when a dataset declares them.
SECRET_FIELDS: Mapping[str, frozenset[str]] = {
    "accounts.user": frozenset({"password"}),
    "accounts.totpdevice": frozenset({"encrypted_secret", "last_step"}),
    "accounts.recoverycode": frozenset({"code_hash"}),
    "requests.request": frozenset({"follow_token_hash"}),
    "requests.attachment": frozenset({"storage_name"}),
    "dsr.accesspackage": frozenset({"token_hash", "storage_name"}),
    "careers.application": frozenset({"cv_storage_name", "submission_key"}),
    "marketing.newslettersubscriber": frozenset({"public_id"}),
    "marketing.commercialcontact": frozenset({"public_id"}),
}
# A column whose name ends with one of these words holds a secret (``password_changed_at`` is
# the time of an event, not a secret).
SECRET_NAME_ENDINGS = ("password", "passwd", "secret", "token", "hash")


def _account_delete(instance: Model) -> None:
    from garde.accounts.models import User
    from garde.accounts.services import account_delete

    if not isinstance(instance, User):
        raise ConnectorError("accounts.account_delete erases accounts.User rows only")
    account_delete(user=instance, request=None)


# erase_with name -> what erases one row through its app's service.
def _application_erase(instance: Model) -> None:
    from garde.careers.models import Application
    from garde.careers.services import application_erase

    if not isinstance(instance, Application):
        raise ConnectorError("careers.application_erase erases careers.Application rows only")
    application_erase(application=instance)


ERASERS: Mapping[str, Callable[[Model], None]] = {
    "accounts.account_delete": _account_delete,
    "careers.application_erase": _application_erase,
}


def internal_model(collection: CollectionSpec) -> type[Model]:
    """The model a collection names, if Garde allows datasets to reach it."""
    label = collection.options.get("model")
    if not isinstance(label, str) or label.count(".") != 1:
        raise ConnectorError(
            f"collection {collection.name!r} must name its model in fides_meta "
            "(model: app_label.ModelName)"
        )
    app_label, _, model_name = label.partition(".")
    if app_label not in ALLOWED_APPS or label.lower() in DENIED_MODELS:
        raise ConnectorError(
            f"collection {collection.name!r}: model {label!r} is not one the internal "
            f"connector may reach (apps: {', '.join(sorted(ALLOWED_APPS))})"
        )
    try:
        return apps.get_model(app_label, model_name)
    except LookupError:
        raise ConnectorError(f"collection {collection.name!r}: no model {label!r}") from None


def _is_secret(label: str, name: str) -> bool:
    last_word = name.lower().rsplit("_", 1)[-1]
    return name in SECRET_FIELDS.get(label, frozenset()) or last_word in SECRET_NAME_ENDINGS


def check_model_fields(model: type[Model], collection: CollectionSpec) -> None:
    """Every declared field is a concrete, non-secret column of ``model``."""
    label = model._meta.label_lower
    for name in column_names(collection):
        if _is_secret(label, name):
            raise ConnectorError(
                f"collection {collection.name!r}: field {name!r} holds a secret and is never "
                "read or written through a dataset"
            )
        try:
            field = model._meta.get_field(name)
        except Exception:  # FieldDoesNotExist, kept generic for the stubs' sake
            raise ConnectorError(
                f"collection {collection.name!r}: model {model._meta.label} has no field {name!r}"
            ) from None
        if not field.concrete or field.many_to_many:
            raise ConnectorError(
                f"collection {collection.name!r}: field {name!r} is not a column of "
                f"{model._meta.label}"
            )


def _key_filter(columns: Sequence[str], primary_keys: Sequence[PrimaryKey]) -> Q:
    if len(columns) == 1:
        (column,) = columns
        return Q(**{f"{column}__in": [key[column] for key in primary_keys]})
    return reduce(or_, (Q(**{c: key[c] for c in columns}) for key in primary_keys))


@connector_register("internal")
class InternalConnector(Connector):
    """Garde's own database, through the ORM. The URL is ``internal:`` (there is nothing to
    connect to beyond Django's configured databases)."""

    def __init__(self, url: str = "internal:") -> None:
        super().__init__(url)
        self._lock = threading.Lock()
        # Connections this connector opened in worker threads, closed by close().
        self._opened: list[BaseDatabaseWrapper] = []

    @contextmanager
    def _database(self, alias: str) -> Iterator[None]:
        wrapper = connections[alias]
        worker = threading.current_thread() is not threading.main_thread()
        opened_here = worker and wrapper.connection is None
        try:
            yield
        except DatabaseError as exc:
            raise ConnectorError(f"Garde database error: {exc}") from exc
        finally:
            if opened_here and wrapper.connection is not None:
                # Kept open for this thread's next call; closed by close(). Sharing is
                # allowed so close() may run on the thread that owns the connector.
                wrapper.inc_thread_sharing()
                with self._lock:
                    self._opened.append(wrapper)

    def test_connection(self) -> None:
        alias = router.db_for_read(_any_model())
        with self._database(alias):
            connections[alias].ensure_connection()

    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        model = internal_model(collection)
        check_columns(collection, list(lookups))
        check_model_fields(model, collection)
        clauses = [
            Q(**{f"{name}__in": kept})
            for name, values in lookups.items()
            if (kept := [v for v in values if v is not None])
        ]
        if not clauses:
            return []
        columns = column_names(collection)
        alias = router.db_for_read(model)
        self.statements_executed += 1
        with self._database(alias):
            return list(
                model._default_manager.using(alias)
                .filter(reduce(or_, clauses))
                .order_by()
                .values(*columns)
            )

    def contact_values(
        self, collection: CollectionSpec, *, field: str, limit: int, after: object | None = None
    ) -> list[object]:
        model = internal_model(collection)
        check_contact_field(collection, field)
        check_model_fields(model, collection)
        check_page(limit)
        alias = router.db_for_read(model)
        rows = model._default_manager.using(alias).filter(**{f"{field}__isnull": False})
        if after is not None:
            rows = rows.filter(**{f"{field}__gt": after})
        self.statements_executed += 1
        with self._database(alias):
            return list(rows.order_by(field).values_list(field, flat=True).distinct()[:limit])

    def _rows(
        self, collection: CollectionSpec, primary_keys: Sequence[PrimaryKey]
    ) -> tuple[type[Model], Q, str]:
        model = internal_model(collection)
        check_model_fields(model, collection)
        columns = check_primary_keys(collection, primary_keys)
        return model, _key_filter(columns, primary_keys), router.db_for_write(model)

    def _erase_with(self, collection: CollectionSpec) -> Callable[[Model], None] | None:
        name = collection.options.get("erase_with")
        if name is None:
            return None
        eraser = ERASERS.get(str(name))
        if eraser is None:
            raise ConnectorError(
                f"collection {collection.name!r}: unknown erase_with {name!r} "
                f"(known: {', '.join(sorted(ERASERS))})"
            )
        return eraser

    def _erase_each(
        self, model: type[Model], where: Q, alias: str, eraser: Callable[[Model], None]
    ) -> int:
        count = 0
        for instance in model._default_manager.using(alias).filter(where).order_by("pk"):
            eraser(instance)
            count += 1
        return count

    def mask(
        self,
        collection: CollectionSpec,
        *,
        primary_keys: Sequence[PrimaryKey],
        updates: Mapping[str, object],
    ) -> int:
        """Set ``updates`` on the rows; a collection with ``erase_with`` is erased by its app's
        service instead (the values in ``updates`` are then not used)."""
        check_columns(collection, list(updates))
        if not primary_keys or not updates:
            return 0
        model, where, alias = self._rows(collection, primary_keys)
        eraser = self._erase_with(collection)
        self.statements_executed += 1
        with self._database(alias), transaction.atomic(using=alias):
            if eraser is not None:
                return self._erase_each(model, where, alias, eraser)
            return model._default_manager.using(alias).filter(where).update(**updates)

    def delete(self, collection: CollectionSpec, *, primary_keys: Sequence[PrimaryKey]) -> int:
        """Delete the rows (with the cascades their model declares); a collection with
        ``erase_with`` is erased by its app's service instead and the rows stay."""
        if not primary_keys:
            return 0
        model, where, alias = self._rows(collection, primary_keys)
        eraser = self._erase_with(collection)
        self.statements_executed += 1
        with self._database(alias), transaction.atomic(using=alias):
            if eraser is not None:
                return self._erase_each(model, where, alias, eraser)
            _total, per_model = model._default_manager.using(alias).filter(where).delete()
            return per_model.get(model._meta.label, 0)

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for wrapper in opened:
            try:
                wrapper.close()
            finally:
                wrapper.dec_thread_sharing()


def _any_model() -> type[Model]:
    return apps.get_model("accounts", "User")


__all__ = [
    "ALLOWED_APPS",
    "ERASERS",
    "SECRET_FIELDS",
    "InternalConnector",
    "check_model_fields",
    "internal_model",
]
