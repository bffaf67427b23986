"""The in-memory form of a dataset (fideslang format): what the parser produces and the
traversal engine and connectors consume. Immutable, so a plan built from it can be cached.

A field's ``path`` is its address from the collection root (nested fields: ``("workplace",
"city")``). References point from one field to another collection's field; ``direction``
"to" means this field holds the key of the other (follow it from here once this row is known),
"from" the reverse, None both ways (fideslang semantics).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["from", "to"]


@dataclass(frozen=True)
class Reference:
    dataset: str
    collection: str
    field: str  # dotted path inside the referenced collection
    direction: Direction | None = None


@dataclass(frozen=True)
class FieldSpec:
    name: str
    path: tuple[str, ...]
    data_categories: tuple[str, ...] = ()
    identity: str | None = None
    primary_key: bool = False
    references: tuple[Reference, ...] = ()
    data_type: str | None = None
    length: int | None = None
    fields: tuple[FieldSpec, ...] = ()  # nested fields (object data types)
    # Other keys of the field's ``fides_meta`` (e.g. ``read_only``), kept as given so an
    # export gives back what was imported.
    options: dict[str, object] = field(default_factory=dict, hash=False, compare=False)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class CollectionSpec:
    name: str
    fields: tuple[FieldSpec, ...]
    data_categories: tuple[str, ...] = ()
    # Backend-specific settings declared in the dataset (e.g. a Redis key pattern, an HTTP
    # endpoint and its pagination), kept as given.
    options: dict[str, object] = field(default_factory=dict, hash=False, compare=False)

    def all_fields(self) -> tuple[FieldSpec, ...]:
        """Every field, nested ones included, depth first."""
        out: list[FieldSpec] = []

        def walk(fields: tuple[FieldSpec, ...]) -> None:
            for f in fields:
                out.append(f)
                walk(f.fields)

        walk(self.fields)
        return tuple(out)

    def field_at(self, dotted: str) -> FieldSpec | None:
        return next((f for f in self.all_fields() if f.dotted == dotted), None)


@dataclass(frozen=True)
class DatasetSpec:
    fides_key: str
    name: str
    collections: tuple[CollectionSpec, ...]
    description: str = ""
    data_categories: tuple[str, ...] = ()

    def collection(self, name: str) -> CollectionSpec | None:
        return next((c for c in self.collections if c.name == name), None)
