"""Redis connector (redis-py): records stored under keys built from one field's value.

URL: ``redis://[:password@]host:6379/0`` (``rediss://`` for TLS, ``unix:///path?db=0``), as
redis-py reads it. A collection says in its ``fides_meta`` how its keys look::

    - name: session
      fides_meta:
        redis:
          key: "shop:session:{customer_id}"   # one {field} placeholder: a declared field
          type: hash                          # hash (default) | json | string
      fields:
        - name: customer_id                   # the key field: its value comes from the key
          fides_meta:
            primary_key: true                 # so erasure can name the keys
            data_type: integer                # values read back as int (else strings)
            references:
              - {dataset: shop, field: customer.id, direction: from}
        - name: ip
          data_categories: [user.device.ip_address]
        - name: user_agent
          data_categories: [user.device]

- ``hash``: each other declared field is a hash field, read with ``HMGET`` (never ``HGETALL``:
  undeclared hash fields are not read). ``mask`` sets them with ``HSET`` (a ``None`` removes the
  hash field, Redis having no null) on keys that exist, in one Lua script (atomic).
- ``json``: the key holds a JSON object (``SET``/``GET``); declared fields are its top-level
  members, nested ``fields`` project nested objects. ``mask`` rewrites the object under
  ``WATCH``/``MULTI`` (optimistic, retried), keeping the key's expiry.
- ``string``: the key holds one plain value, for the one other declared field. ``mask`` replaces
  it (``None`` becomes an empty string) on keys that exist (``SET … XX KEEPTTL``).

A collection is looked up by its key field only: the values give the keys directly, and a batch
of values is read in one pipelined round trip — the connector never ``SCAN``s. A reference into
a Redis collection therefore has to point at its key field. ``delete`` removes the keys (``DEL``).
Placeholders are the only braces allowed in the pattern; Redis Cluster is not supported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import redis as redis_py

from garde.dsr.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorUnavailableError,
    PrimaryKey,
    Row,
    check_columns,
    check_primary_keys,
    connector_register,
)
from garde.dsr.connectors.http import record_project
from garde.dsr.spec import CollectionSpec, FieldSpec

CONNECT_TIMEOUT_S = 5
SOCKET_TIMEOUT_S = 30
WATCH_RETRIES = 5
KeyType = Literal["hash", "json", "string"]
KEY_TYPES: tuple[KeyType, ...] = ("hash", "json", "string")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_T = TypeVar("_T")

# Atomic mask of hashes. KEYS: the keys; ARGV[1] = n, then n field/value pairs to set, then the
# fields to remove. A key of another type stops the script before anything is written.
_HASH_MASK = """
for _, key in ipairs(KEYS) do
  local kind = redis.call('TYPE', key).ok
  if kind ~= 'hash' and kind ~= 'none' then
    return redis.error_reply('WRONGTYPE ' .. key .. ' is not a hash')
  end
end
local n = tonumber(ARGV[1])
local changed = 0
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    if n > 0 then
      redis.call('HSET', key, unpack(ARGV, 2, 2 * n + 1))
    end
    if #ARGV > 2 * n + 1 then
      redis.call('HDEL', key, unpack(ARGV, 2 * n + 2, #ARGV))
    end
    changed = changed + 1
  end
end
return changed
"""


@dataclass(frozen=True)
class RedisLayout:
    """How one collection is stored: ``prefix + str(value) + suffix`` for each key value."""

    prefix: str
    suffix: str
    key_field: FieldSpec
    type: KeyType
    value_fields: tuple[FieldSpec, ...]  # the declared fields other than the key field

    def key_for(self, value: object) -> str:
        return f"{self.prefix}{value}{self.suffix}"


def redis_layout(collection: CollectionSpec) -> RedisLayout:
    """Read and check a collection's ``redis`` options; ConnectorError when they are wrong."""
    name = collection.name
    options = collection.options.get("redis")
    if not isinstance(options, Mapping) or not isinstance(options.get("key"), str):
        raise ConnectorError(
            f"collection {name!r} declares no Redis key pattern (fides_meta: redis: key: ...)"
        )
    pattern: str = options["key"]
    placeholders = _PLACEHOLDER.findall(pattern)
    if len(placeholders) != 1:
        raise ConnectorError(
            f"collection {name!r}: the Redis key pattern needs exactly one {{field}} placeholder"
        )
    prefix, _, suffix = _PLACEHOLDER.split(pattern, maxsplit=1)
    if "{" in prefix + suffix or "}" in prefix + suffix:
        raise ConnectorError(f"collection {name!r}: stray brace in the Redis key pattern")
    by_name = {f.name: f for f in collection.fields}
    key_field = by_name.get(placeholders[0])
    if key_field is None:
        raise ConnectorError(
            f"collection {name!r}: the Redis key placeholder {placeholders[0]!r} "
            "is not a declared field"
        )
    kind = options.get("type", "hash")
    if kind not in KEY_TYPES:
        raise ConnectorError(
            f"collection {name!r}: Redis type must be one of {', '.join(KEY_TYPES)}, not {kind!r}"
        )
    value_fields = tuple(f for f in collection.fields if f.name != key_field.name)
    if kind == "string" and len(value_fields) != 1:
        raise ConnectorError(
            f"collection {name!r}: a Redis string key holds one value: declare exactly one "
            "field besides the key field"
        )
    return RedisLayout(prefix, suffix, key_field, kind, value_fields)


def _typed(spec: FieldSpec, text: object) -> object:
    """A hash or string value as its declared data_type says (Redis stores strings)."""
    if not isinstance(text, str):
        return text
    try:
        if spec.data_type == "integer":
            return int(text)
        if spec.data_type == "float":
            return float(text)
    except ValueError:
        return text
    return text


def _stored(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


@connector_register("redis")
class RedisConnector(Connector):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._client: redis_py.Redis | None = None

    def _redis(self) -> redis_py.Redis:
        if self._client is None:
            try:
                self._client = redis_py.Redis.from_url(
                    self._url,
                    decode_responses=True,
                    socket_connect_timeout=CONNECT_TIMEOUT_S,
                    socket_timeout=SOCKET_TIMEOUT_S,
                )
            except ValueError:
                # redis-py's message would repeat the URL, password included.
                raise ConnectorUnavailableError(
                    "a Redis URL looks like redis://[:password@]host:6379/0"
                ) from None
        return self._client

    def _call(self, operation: Callable[[redis_py.Redis], _T]) -> _T:
        """One round trip (a command, a pipeline or a script), with errors made safe."""
        client = self._redis()
        self.statements_executed += 1
        try:
            return operation(client)
        except (redis_py.ConnectionError, redis_py.TimeoutError) as exc:
            # redis-py names host and port (AuthenticationError too), never the password.
            raise ConnectorUnavailableError(f"cannot reach Redis: {exc}") from exc
        except redis_py.RedisError as exc:
            raise ConnectorError(f"Redis error: {exc}") from exc
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConnectorError(f"Redis value is not text or JSON: {exc}") from exc

    def test_connection(self) -> None:
        self._call(lambda client: client.ping())

    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        layout = redis_layout(collection)
        check_columns(collection, list(lookups))
        others = sorted(n for n in lookups if n != layout.key_field.name)
        if others:
            raise ConnectorError(
                f"collection {collection.name!r} is stored under Redis keys: it can be looked up "
                f"by {layout.key_field.name!r} only, not {', '.join(map(repr, others))}"
            )
        wanted: dict[str, object] = {}
        for value in lookups.get(layout.key_field.name, ()):
            if value is not None:
                wanted.setdefault(layout.key_for(value), value)
        if not wanted:
            return []
        keys = list(wanted)
        names = [f.name for f in layout.value_fields]

        def read(client: redis_py.Redis) -> list[Any]:
            pipe = client.pipeline(transaction=False)
            for key in keys:
                if layout.type == "hash":
                    pipe.exists(key)
                    if names:
                        pipe.hmget(key, names)
                else:
                    pipe.get(key)
            return pipe.execute()

        replies = self._call(read)
        rows: list[Row] = []
        step = 2 if layout.type == "hash" and names else 1
        for index, key in enumerate(keys):
            reply = replies[index * step : index * step + step]
            row: Row = {layout.key_field.name: wanted[key]}
            if layout.type == "hash":
                if not reply[0]:
                    continue
                values = reply[1] if names else []
                row.update(
                    {f.name: _typed(f, v) for f, v in zip(layout.value_fields, values, strict=True)}
                )
            elif reply[0] is None:
                continue
            elif layout.type == "string":
                (spec,) = layout.value_fields
                row[spec.name] = _typed(spec, reply[0])
            else:
                document = self._decode(collection, reply[0])
                row.update(record_project(document, layout.value_fields))
            rows.append({f.name: row.get(f.name) for f in collection.fields})
        return rows

    @staticmethod
    def _decode(collection: CollectionSpec, text: str) -> dict[str, Any]:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConnectorError(
                f"collection {collection.name!r}: a Redis value is not JSON: {exc}"
            ) from exc
        if not isinstance(document, dict):
            raise ConnectorError(
                f"collection {collection.name!r}: a Redis value is not a JSON object"
            )
        return document

    def _keys(
        self, collection: CollectionSpec, layout: RedisLayout, primary_keys: Sequence[PrimaryKey]
    ) -> list[str]:
        columns = check_primary_keys(collection, primary_keys)
        if columns != [layout.key_field.name]:
            raise ConnectorError(
                f"collection {collection.name!r}: rows are named by their Redis key field "
                f"{layout.key_field.name!r} only"
            )
        return list(dict.fromkeys(layout.key_for(key[columns[0]]) for key in primary_keys))

    def contact_values(
        self, collection: CollectionSpec, *, field: str, limit: int, after: object | None = None
    ) -> list[object]:
        """Refused: the connector reads the keys it is given and never ``SCAN``s a keyspace
        (a scan of a production Redis blocks it and returns keys of every kind)."""
        raise ConnectorError(
            f"collection {collection.name!r}: a Redis system cannot list its people (keys are "
            "read by their identity, never scanned); find them in another system or import "
            "them as a list"
        )

    def mask(
        self,
        collection: CollectionSpec,
        *,
        primary_keys: Sequence[PrimaryKey],
        updates: Mapping[str, object],
    ) -> int:
        layout = redis_layout(collection)
        check_columns(collection, list(updates))
        if layout.key_field.name in updates:
            raise ConnectorError(
                f"collection {collection.name!r}: the key field {layout.key_field.name!r} "
                "cannot be masked (delete the row instead)"
            )
        if not primary_keys or not updates:
            return 0
        keys = self._keys(collection, layout, primary_keys)
        if layout.type == "hash":
            to_set = [(name, _stored(v)) for name, v in updates.items() if v is not None]
            to_remove = [name for name, v in updates.items() if v is None]
            arguments = [str(len(to_set)), *(x for pair in to_set for x in pair), *to_remove]
            return int(
                self._call(lambda client: client.eval(_HASH_MASK, len(keys), *keys, *arguments))
            )
        if layout.type == "string":
            (value,) = updates.values()
            text = "" if value is None else _stored(value)

            def replace(client: redis_py.Redis) -> int:
                pipe = client.pipeline(transaction=True)
                for key in keys:
                    pipe.set(key, text, xx=True, keepttl=True)
                return sum(1 for done in pipe.execute() if done)

            return self._call(replace)
        return self._call(lambda client: self._mask_json(client, collection, keys, updates))

    def _mask_json(
        self,
        client: redis_py.Redis,
        collection: CollectionSpec,
        keys: list[str],
        updates: Mapping[str, object],
    ) -> int:
        with client.pipeline(transaction=True) as pipe:
            for _attempt in range(WATCH_RETRIES):
                try:
                    pipe.watch(*keys)  # type: ignore[no-untyped-call]
                    current = pipe.mget(keys)
                    pipe.multi()
                    changed = 0
                    for key, text in zip(keys, current, strict=True):
                        if text is None:
                            continue
                        document = self._decode(collection, str(text))
                        document.update(updates)
                        pipe.set(key, json.dumps(document), xx=True, keepttl=True)
                        changed += 1
                    pipe.execute()
                    return changed
                except redis_py.WatchError:
                    continue  # another client changed a key meanwhile: read again
        raise ConnectorError(
            f"collection {collection.name!r}: the Redis keys kept changing; masking gave up"
        )

    def delete(self, collection: CollectionSpec, *, primary_keys: Sequence[PrimaryKey]) -> int:
        layout = redis_layout(collection)
        if not primary_keys:
            return 0
        keys = self._keys(collection, layout, primary_keys)
        return int(self._call(lambda client: client.delete(*keys)))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


__all__ = ["RedisConnector", "RedisLayout", "redis_layout"]
