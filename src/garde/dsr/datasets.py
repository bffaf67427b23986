"""Datasets in the fideslang format: parse and validate Fides dataset YAML into ``DatasetSpec``,
export a spec back to the same YAML, and (de)serialise specs for storage.

Validation collects every problem with its line (from the YAML node marks) before refusing the
file, so a person fixing a data map sees all of it at once.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from garde.dsr.errors import DatasetInvalidError, DatasetProblem
from garde.dsr.spec import CollectionSpec, DatasetSpec, Direction, FieldSpec, Reference

__all__ = [
    "dataset_categories",
    "dataset_parse",
    "dataset_to_yaml",
    "datasets_to_yaml",
    "spec_from_dict",
    "spec_to_dict",
]

DIRECTIONS: tuple[Direction, ...] = ("from", "to")
FIELD_META_KEYS = ("identity", "primary_key", "references", "data_type", "length")


@dataclass(frozen=True)
class _Located:
    """Something checked once every dataset is known: where it was written."""

    dataset: str
    line: int
    element: str


@dataclass(frozen=True)
class _RefUse(_Located):
    collection: str
    reference: Reference


@dataclass(frozen=True)
class _CategoryUse(_Located):
    category: str


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _value(node: Node) -> Any:
    return SafeConstructor().construct_document(node)


class _Reader:
    """Turns composed YAML nodes into specs, noting problems and where names are used."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[DatasetProblem] = []
        self.references: list[_RefUse] = []
        self.categories: list[_CategoryUse] = []
        self.collection_lines: dict[tuple[str, str], int] = {}
        self.dataset_lines: dict[str, int] = {}

    def problem(self, node: Node | int, element: str, message: str) -> None:
        line = node if isinstance(node, int) else _line(node)
        self.problems.append(DatasetProblem(self.filename, line, element, message))

    def mapping(self, node: Node, element: str, what: str) -> dict[str, tuple[Node, Node]] | None:
        if not isinstance(node, MappingNode):
            self.problem(node, element, f"{what} must be a mapping")
            return None
        out: dict[str, tuple[Node, Node]] = {}
        for key, value in node.value:
            name = str(_value(key))
            if name in out:
                self.problem(key, element, f"key '{name}' is given twice")
            out[name] = (key, value)
        return out

    def sequence(self, node: Node, element: str, what: str) -> list[Node]:
        if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null":
            return []
        if not isinstance(node, SequenceNode):
            self.problem(node, element, f"{what} must be a list")
            return []
        return list(node.value)

    def text(self, node: Node, element: str, what: str) -> str | None:
        value = _value(node)
        if value is None:
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(node, element, f"{what} must be a string")
            return None
        return str(value)

    def category_list(self, node: Node, *, dataset: str, element: str) -> tuple[str, ...]:
        keys: list[str] = []
        for item in self.sequence(node, element, "data_categories"):
            key = self.text(item, element, "a data category")
            if key is not None:
                keys.append(key)
                self.categories.append(_CategoryUse(dataset, _line(item), element, key))
        return tuple(keys)

    def document(self, root: Node | None) -> list[DatasetSpec]:
        if root is None:
            self.problem(1, "", "the file is empty (expected a top-level 'dataset:' list)")
            return []
        top = self.mapping(root, "", "the document")
        if top is None:
            return []
        if "dataset" not in top:
            self.problem(root, "", "no top-level 'dataset:' list")
            return []
        specs: list[DatasetSpec] = []
        seen: dict[str, int] = {}
        for index, item in enumerate(self.sequence(top["dataset"][1], "", "'dataset'"), 1):
            spec = self.dataset(item, index)
            if spec is None:
                continue
            if spec.fides_key in seen:
                self.problem(
                    item,
                    f"dataset '{spec.fides_key}'",
                    f"duplicate fides_key (first at line {seen[spec.fides_key]})",
                )
                continue
            seen[spec.fides_key] = _line(item)
            specs.append(spec)
        return specs

    def dataset(self, node: Node, index: int) -> DatasetSpec | None:
        element = f"dataset #{index}"
        keys = self.mapping(node, element, "a dataset")
        if keys is None:
            return None
        fides_key = (
            self.text(keys["fides_key"][1], element, "fides_key") if "fides_key" in keys else None
        )
        if not fides_key:
            self.problem(node, element, "missing fides_key")
            return None
        element = f"dataset '{fides_key}'"
        self.dataset_lines.setdefault(fides_key, _line(node))
        name = self.text(keys["name"][1], element, "name") if "name" in keys else None
        description = (
            self.text(keys["description"][1], element, "description")
            if "description" in keys
            else None
        )
        categories = (
            self.category_list(keys["data_categories"][1], dataset=fides_key, element=element)
            if "data_categories" in keys
            else ()
        )
        collections: list[CollectionSpec] = []
        seen: dict[str, int] = {}
        items = (
            self.sequence(keys["collections"][1], element, "collections")
            if "collections" in keys
            else []
        )
        if not items:
            self.problem(node, element, "no collections")
        for item in items:
            collection = self.collection(item, fides_key)
            if collection is None:
                continue
            if collection.name in seen:
                self.problem(
                    item,
                    f"collection '{collection.name}'",
                    f"duplicate collection name (first at line {seen[collection.name]})",
                )
                continue
            seen[collection.name] = _line(item)
            self.collection_lines[(fides_key, collection.name)] = _line(item)
            collections.append(collection)
        return DatasetSpec(
            fides_key=fides_key,
            name=name or fides_key,
            collections=tuple(collections),
            description=description or "",
            data_categories=categories,
        )

    def collection(self, node: Node, dataset: str) -> CollectionSpec | None:
        keys = self.mapping(node, f"dataset '{dataset}'", "a collection")
        if keys is None:
            return None
        name = self.text(keys["name"][1], "collection", "name") if "name" in keys else None
        if not name:
            self.problem(node, "collection", "missing name")
            return None
        element = f"collection '{name}'"
        categories = (
            self.category_list(keys["data_categories"][1], dataset=dataset, element=element)
            if "data_categories" in keys
            else ()
        )
        options: dict[str, object] = {}
        if "fides_meta" in keys:
            meta = _value(keys["fides_meta"][1])
            if isinstance(meta, dict):
                options = {str(k): v for k, v in meta.items()}
            elif meta is not None:
                self.problem(keys["fides_meta"][1], element, "fides_meta must be a mapping")
        fields = self.field_list(keys.get("fields"), node, dataset, name, (), element)
        return CollectionSpec(name=name, fields=fields, data_categories=categories, options=options)

    def field_list(
        self,
        entry: tuple[Node, Node] | None,
        owner: Node,
        dataset: str,
        collection: str,
        parent: tuple[str, ...],
        element: str,
    ) -> tuple[FieldSpec, ...]:
        items = self.sequence(entry[1], element, "fields") if entry is not None else []
        if not items and not parent:
            self.problem(owner, element, "no fields")
        fields: list[FieldSpec] = []
        seen: dict[str, int] = {}
        for item in items:
            spec = self.field(item, dataset, collection, parent)
            if spec is None:
                continue
            if spec.name in seen:
                self.problem(
                    item,
                    f"collection '{collection}' field '{spec.dotted}'",
                    f"duplicate field name (first at line {seen[spec.name]})",
                )
                continue
            seen[spec.name] = _line(item)
            fields.append(spec)
        return tuple(fields)

    def field(
        self, node: Node, dataset: str, collection: str, parent: tuple[str, ...]
    ) -> FieldSpec | None:
        owner = f"collection '{collection}'"
        keys = self.mapping(node, owner, "a field")
        if keys is None:
            return None
        name = self.text(keys["name"][1], owner, "name") if "name" in keys else None
        if not name:
            self.problem(node, owner, "field without a name")
            return None
        path = (*parent, name)
        element = f"{owner} field '{'.'.join(path)}'"
        categories = (
            self.category_list(keys["data_categories"][1], dataset=dataset, element=element)
            if "data_categories" in keys
            else ()
        )
        identity: str | None = None
        primary_key = False
        references: list[Reference] = []
        data_type: str | None = None
        length: int | None = None
        options: dict[str, object] = {}
        meta = (
            self.mapping(keys["fides_meta"][1], element, "fides_meta")
            if "fides_meta" in keys
            else None
        )
        for key, (_, value) in (meta or {}).items():
            if key == "identity":
                identity = self.text(value, element, "identity")
            elif key == "primary_key":
                flag = _value(value)
                if not isinstance(flag, bool):
                    self.problem(value, element, "primary_key must be true or false")
                primary_key = flag is True
            elif key == "references":
                for ref in self.sequence(value, element, "references"):
                    reference = self.reference(ref, element)
                    if reference is not None:
                        references.append(reference)
                        self.references.append(
                            _RefUse(dataset, _line(ref), element, collection, reference)
                        )
            elif key == "data_type":
                data_type = self.text(value, element, "data_type")
            elif key == "length":
                number = _value(value)
                if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
                    self.problem(value, element, "length must be an integer")
                else:
                    length = number
            else:
                options[key] = _value(value)
        nested = self.field_list(keys.get("fields"), node, dataset, collection, path, element)
        return FieldSpec(
            name=name,
            path=path,
            data_categories=categories,
            identity=identity,
            primary_key=primary_key,
            references=tuple(references),
            data_type=data_type,
            length=length,
            fields=nested,
            options=options,
        )

    def reference(self, node: Node, element: str) -> Reference | None:
        keys = self.mapping(node, element, "a reference")
        if keys is None:
            return None
        dataset = self.text(keys["dataset"][1], element, "dataset") if "dataset" in keys else None
        target = self.text(keys["field"][1], element, "field") if "field" in keys else None
        ok = True
        if not dataset:
            self.problem(node, element, "reference without a dataset")
            ok = False
        if not target or "." not in target:
            self.problem(
                keys["field"][1] if "field" in keys else node,
                element,
                "reference field must be 'collection.field'",
            )
            ok = False
        direction: Direction | None = None
        if "direction" in keys:
            given = _value(keys["direction"][1])
            if given == "from":
                direction = "from"
            elif given == "to":
                direction = "to"
            elif given is not None:
                self.problem(
                    keys["direction"][1],
                    element,
                    f"invalid reference direction '{given}' (expected 'from' or 'to')",
                )
                ok = False
        if not ok or dataset is None or target is None:
            return None
        collection, _, field = target.partition(".")
        return Reference(dataset=dataset, collection=collection, field=field, direction=direction)


def _known_categories() -> set[str]:
    from garde.register.defaults import taxonomy_load
    from garde.register.models import DataCategory

    if not DataCategory.objects.exists():
        taxonomy_load()
    return set(DataCategory.objects.values_list("key", flat=True))


def _stored_specs() -> dict[str, DatasetSpec]:
    from garde.dsr.models import Dataset

    return {d.fides_key: spec_from_dict(d.spec) for d in Dataset.objects.all()}


def _unreachable(datasets: Mapping[str, DatasetSpec]) -> set[tuple[str, str]]:
    """Collections no identity field leads to, following references in their direction."""
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {}
    roots: list[tuple[str, str]] = []
    for spec in datasets.values():
        for collection in spec.collections:
            here = (spec.fides_key, collection.name)
            edges.setdefault(here, set())
            for field in collection.all_fields():
                if field.identity:
                    roots.append(here)
                for ref in field.references:
                    there = (ref.dataset, ref.collection)
                    if ref.direction in (None, "to"):
                        edges[here].add(there)
                    if ref.direction in (None, "from"):
                        edges.setdefault(there, set()).add(here)
    reached = set(roots)
    queue = deque(roots)
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    every = {(s.fides_key, c.name) for s in datasets.values() for c in s.collections}
    return every - reached


def dataset_parse(
    text: str,
    *,
    filename: str,
    stored: Mapping[str, DatasetSpec] | None = None,
    categories: Collection[str] | None = None,
) -> list[DatasetSpec]:
    """Read a Fides dataset file (a top-level ``dataset:`` list) and validate it.

    References may point into the file's datasets or into ``stored`` ones (default: the datasets
    already imported; a dataset of the file replaces a stored one with the same key). Data
    categories must be among ``categories`` (default: the register's taxonomy, loaded first if
    empty). Raises ``DatasetInvalidError`` listing every problem.
    """
    reader = _Reader(filename)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        message = f"YAML syntax error: {error.problem or error}"
        if error.context and error.context_mark is not None and mark is not error.context_mark:
            message += f" ({error.context} started at line {int(error.context_mark.line) + 1})"
        raise DatasetInvalidError([DatasetProblem(filename, line, "", message)]) from error
    except yaml.YAMLError as error:
        raise DatasetInvalidError(
            [DatasetProblem(filename, 1, "", f"YAML syntax error: {error}")]
        ) from error
    specs = reader.document(root)
    if reader.problems and not specs:
        raise DatasetInvalidError(reader.problems)

    universe = dict(_stored_specs() if stored is None else stored)
    universe.update({s.fides_key: s for s in specs})
    known = _known_categories() if categories is None else set(categories)

    for use in reader.categories:
        if use.category not in known:
            reader.problem(use.line, use.element, f"unknown data category '{use.category}'")
    for ref_use in reader.references:
        ref = ref_use.reference
        target = universe.get(ref.dataset)
        if target is None:
            reader.problem(
                ref_use.line, ref_use.element, f"reference to unknown dataset '{ref.dataset}'"
            )
            continue
        collection = target.collection(ref.collection)
        if collection is None:
            reader.problem(
                ref_use.line, ref_use.element, f"reference to unknown collection '{ref.collection}'"
            )
        elif collection.field_at(ref.field) is None:
            reader.problem(
                ref_use.line,
                ref_use.element,
                f"reference to unknown field '{ref.field}' of collection '{ref.collection}'",
            )
    own = {s.fides_key for s in specs}
    for dataset, collection_name in sorted(_unreachable(universe)):
        if dataset in own:
            reader.problem(
                reader.collection_lines.get((dataset, collection_name), 1),
                f"collection '{collection_name}'",
                "not reachable from any identity field through references "
                "(a cycle or island with no identity root)",
            )
    if reader.problems:
        reader.problems.sort(key=lambda p: p.line)
        raise DatasetInvalidError(reader.problems)
    return specs


def dataset_categories(spec: DatasetSpec) -> set[str]:
    """Every data category the dataset uses, at any level."""
    keys = set(spec.data_categories)
    for collection in spec.collections:
        keys.update(collection.data_categories)
        for field in collection.all_fields():
            keys.update(field.data_categories)
    return keys


def _field_to_dict(field: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = {"name": field.name}
    if field.data_categories:
        out["data_categories"] = list(field.data_categories)
    meta: dict[str, Any] = {}
    if field.identity is not None:
        meta["identity"] = field.identity
    if field.primary_key:
        meta["primary_key"] = True
    if field.references:
        meta["references"] = [
            {
                "dataset": r.dataset,
                "field": f"{r.collection}.{r.field}",
                **({"direction": r.direction} if r.direction else {}),
            }
            for r in field.references
        ]
    if field.data_type is not None:
        meta["data_type"] = field.data_type
    if field.length is not None:
        meta["length"] = field.length
    meta.update(field.options)
    if meta:
        out["fides_meta"] = meta
    if field.fields:
        out["fields"] = [_field_to_dict(f) for f in field.fields]
    return out


def spec_to_dict(spec: DatasetSpec) -> dict[str, Any]:
    """One dataset as fideslang's plain structure (what YAML export and storage use)."""
    out: dict[str, Any] = {"fides_key": spec.fides_key, "name": spec.name}
    if spec.description:
        out["description"] = spec.description
    if spec.data_categories:
        out["data_categories"] = list(spec.data_categories)
    collections: list[dict[str, Any]] = []
    for collection in spec.collections:
        entry: dict[str, Any] = {"name": collection.name}
        if collection.data_categories:
            entry["data_categories"] = list(collection.data_categories)
        if collection.options:
            entry["fides_meta"] = dict(collection.options)
        entry["fields"] = [_field_to_dict(f) for f in collection.fields]
        collections.append(entry)
    out["collections"] = collections
    return out


def _field_from_dict(data: Mapping[str, Any], parent: tuple[str, ...]) -> FieldSpec:
    meta: dict[str, Any] = dict(data.get("fides_meta") or {})
    path = (*parent, str(data["name"]))
    references = []
    for ref in meta.pop("references", None) or []:
        collection, _, field = str(ref["field"]).partition(".")
        references.append(
            Reference(
                dataset=ref["dataset"],
                collection=collection,
                field=field,
                direction=ref.get("direction"),
            )
        )
    return FieldSpec(
        name=path[-1],
        path=path,
        data_categories=tuple(data.get("data_categories") or ()),
        identity=meta.pop("identity", None),
        primary_key=bool(meta.pop("primary_key", False)),
        references=tuple(references),
        data_type=meta.pop("data_type", None),
        length=meta.pop("length", None),
        fields=tuple(_field_from_dict(f, path) for f in data.get("fields") or ()),
        options=meta,
    )


def spec_from_dict(data: Mapping[str, Any]) -> DatasetSpec:
    """The inverse of ``spec_to_dict``, for data already validated (no checks here)."""
    return DatasetSpec(
        fides_key=data["fides_key"],
        name=data.get("name") or data["fides_key"],
        description=data.get("description") or "",
        data_categories=tuple(data.get("data_categories") or ()),
        collections=tuple(
            CollectionSpec(
                name=c["name"],
                data_categories=tuple(c.get("data_categories") or ()),
                options=dict(c.get("fides_meta") or {}),
                fields=tuple(_field_from_dict(f, ()) for f in c.get("fields") or ()),
            )
            for c in data.get("collections") or ()
        ),
    )


def datasets_to_yaml(specs: Iterable[DatasetSpec]) -> str:
    """Datasets as a Fides dataset file (a top-level ``dataset:`` list)."""
    return yaml.safe_dump(
        {"dataset": [spec_to_dict(s) for s in specs]},
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
    )


def dataset_to_yaml(spec: DatasetSpec) -> str:
    return datasets_to_yaml([spec])
