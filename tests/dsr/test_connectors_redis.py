"""Redis connector on a real server: key patterns and hash fields declared in the dataset, a
traversal from a SQLite "customer" table into Redis, one pipelined round trip per batch, only
declared hash fields read, exact masking and deletion, a dry run that changes nothing."""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import redis
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from garde.dsr.connectors.base import ConnectorError, ConnectorUnavailableError
from garde.dsr.connectors.redis import RedisConnector, redis_layout
from garde.dsr.connectors.sqlite import SQLiteConnector
from garde.dsr.datasets import dataset_parse
from garde.dsr.engine import (
    ErasureAction,
    access_plan,
    access_run,
    erasure_apply,
    erasure_dry_run,
    primary_keys_of,
)
from garde.dsr.spec import CollectionSpec, DatasetSpec, FieldSpec

EMAIL = "customer-1@example.com"
REDIS_URL = "redis://127.0.0.1:6379/0"

DATASETS_YAML = """\
dataset:
  - fides_key: shop_db
    name: Shop database
    collections:
      - name: customer
        fields:
          - name: id
            data_categories: [user.unique_id]
            fides_meta: {primary_key: true}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email, data_type: string}
          - name: name
            data_categories: [user.name]
  - fides_key: shop_cache
    name: Shop cache
    collections:
      - name: session
        fides_meta:
          redis: {key: "PREFIX:session:{customer_id}", type: hash}
        fields:
          - name: customer_id
            data_categories: [user.unique_id]
            fides_meta:
              primary_key: true
              data_type: integer
              references:
                - {dataset: shop_db, field: customer.id, direction: from}
          - name: ip
            data_categories: [user.device.ip_address]
          - name: user_agent
            data_categories: [user.device]
      - name: preferences
        fides_meta:
          redis: {key: "PREFIX:prefs:{customer_id}", type: json}
        fields:
          - name: customer_id
            data_categories: [user.unique_id]
            fides_meta:
              primary_key: true
              references:
                - {dataset: shop_db, field: customer.id, direction: from}
          - name: language
            data_categories: [user.account.settings]
          - name: address
            fields:
              - name: city
                data_categories: [user.contact.address.city]
      - name: email_token
        fides_meta:
          redis: {key: "PREFIX:verify:{email}", type: string}
        fields:
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email, primary_key: true}
          - name: token
            data_categories: [user.authorization.credentials]
"""


def datasets(prefix: str) -> list[DatasetSpec]:
    """The YAML above, read by Garde's own parser, with this test's key prefix."""
    return dataset_parse(
        DATASETS_YAML.replace("PREFIX", prefix),
        filename="shop.yml",
        stored={},
        categories={c.fides_key for c in DEFAULT_TAXONOMY.data_category},
    )


def collection(prefix: str, name: str) -> CollectionSpec:
    found = datasets(prefix)[1].collection(name)
    assert found is not None
    return found


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test's own; every key under it is deleted after."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        if os.environ.get("CI"):
            raise  # CI starts Redis: a missing server there is a failure, not a skip
        pytest.skip(f"Redis unreachable at 127.0.0.1:6379: {exc}")
    name = f"garde-test-{secrets.token_hex(6)}"
    try:
        yield name
    finally:
        keys = list(client.scan_iter(match=f"{name}:*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture
def client() -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    yield connection
    connection.close()


def load_shop(tmp_path: Path, client: redis.Redis, prefix: str) -> Path:
    """Three customers in SQLite; sessions, preferences and a token for two of them in Redis,
    with a hash field and a JSON member the dataset does not declare."""
    path = tmp_path / "shop.sqlite3"
    with closing(sqlite3.connect(path)) as db, db:
        db.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, email TEXT, name TEXT)")
        db.executemany(
            "INSERT INTO customer VALUES (?, ?, ?)",
            [(1, EMAIL, "John"), (2, "customer-2@example.com", "Jill"), (3, "c3@x.y", "Jane")],
        )
    for number, ip in ((1, "10.0.0.1"), (2, "10.0.0.2")):
        client.hset(
            f"{prefix}:session:{number}",
            mapping={"ip": ip, "user_agent": f"Firefox/{number}", "csrf_secret": f"s{number}"},
        )
        client.set(
            f"{prefix}:prefs:{number}",
            f'{{"language": "fr", "address": {{"city": "Lyon", "street": "{number} rue"}}, '
            f'"theme": "dark"}}',
            ex=3600,
        )
    client.set(f"{prefix}:verify:{EMAIL}", "tok-1")
    client.set(f"{prefix}:verify:customer-2@example.com", "tok-2")
    return path


def redis_dump(client: redis.Redis, prefix: str) -> dict[str, Any]:
    """Every key under the prefix: its type and whole value."""
    out: dict[str, Any] = {}
    for key in sorted(client.scan_iter(match=f"{prefix}:*")):
        kind = client.type(key)
        out[key] = (kind, client.hgetall(key) if kind == "hash" else client.get(key))
    return out


class RoundTrips:
    """Every packet redis-py writes to the server (one per command or pipeline)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.packets: list[bytes] = []
        original = redis.connection.AbstractConnection.send_packed_command

        def spy(connection: Any, command: Any, check_health: bool = True) -> None:
            chunks = [command] if isinstance(command, bytes | str) else list(command)
            self.packets.append(
                b"".join(c.encode() if isinstance(c, str) else bytes(c) for c in chunks)
            )
            original(connection, command, check_health)

        monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", spy)


# --- access --------------------------------------------------------------------------------


@pytest.mark.integration
def test_redis_access_follows_a_reference_from_a_sqlite_customer_to_redis_keys(
    tmp_path: Path, client: redis.Redis, prefix: str
) -> None:
    # given
    path = load_shop(tmp_path, client, prefix)
    cache = RedisConnector(REDIS_URL)
    # when
    result = access_run(
        access_plan(datasets(prefix), {"email"}),
        identities={"email": EMAIL},
        connectors={"shop_db": SQLiteConnector(str(path)), "shop_cache": cache},
    )
    cache.close()
    # then: exactly customer 1's keys, declared fields only
    assert result.failures == []
    assert result.data == {
        "shop_db": {"customer": [{"id": 1, "email": EMAIL, "name": "John"}]},
        "shop_cache": {
            "email_token": [{"email": EMAIL, "token": "tok-1"}],
            "session": [{"customer_id": 1, "ip": "10.0.0.1", "user_agent": "Firefox/1"}],
            "preferences": [{"customer_id": 1, "language": "fr", "address": {"city": "Lyon"}}],
        },
    }
    # the same values read by hand
    assert client.hmget(f"{prefix}:session:1", ["ip", "user_agent"]) == ["10.0.0.1", "Firefox/1"]


@pytest.mark.integration
def test_redis_reads_a_batch_in_one_round_trip_and_only_declared_hash_fields(
    client: redis.Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: 50 sessions, and a connection already open
    for number in range(50):
        client.hset(f"{prefix}:session:{number}", mapping={"ip": f"10.0.0.{number}", "x": "s"})
    connector = RedisConnector(REDIS_URL)
    connector.test_connection()
    trips = RoundTrips(monkeypatch)
    # when
    rows = connector.retrieve(
        collection(prefix, "session"), lookup_field="customer_id", values=[*range(60), None]
    )
    connector.close()
    # then: one packet for the whole batch, HMGET of the declared fields, no scan
    assert len(rows) == 50
    assert rows[7] == {"customer_id": 7, "ip": "10.0.0.7", "user_agent": None}
    assert len(trips.packets) == 1
    (packet,) = trips.packets
    assert packet.count(b"HMGET") == 60
    assert b"\r\nx\r\n" not in packet
    assert not any(word in packet for word in (b"SCAN", b"KEYS", b"HGETALL"))


# --- erasure -------------------------------------------------------------------------------


@pytest.mark.integration
def test_redis_dry_run_changes_nothing_and_erasure_changes_exactly_the_targeted_keys(
    tmp_path: Path, client: redis.Redis, prefix: str
) -> None:
    # given: customer 1's data found by an access run
    path = load_shop(tmp_path, client, prefix)
    cache = RedisConnector(REDIS_URL)
    connectors = {"shop_db": SQLiteConnector(str(path)), "shop_cache": cache}
    found = access_run(
        access_plan(datasets(prefix), {"email"}), identities={"email": EMAIL}, connectors=connectors
    ).data["shop_cache"]
    session, prefs, token = (
        collection(prefix, "session"),
        collection(prefix, "preferences"),
        collection(prefix, "email_token"),
    )
    actions = [
        ErasureAction(
            "shop_cache",
            session,
            primary_keys_of(session, found["session"]),
            {"ip": "masked", "user_agent": None},
        ),
        ErasureAction(
            "shop_cache",
            prefs,
            primary_keys_of(prefs, found["preferences"]),
            {"language": None, "address": None},
        ),
        ErasureAction("shop_cache", token, primary_keys_of(token, found["email_token"])),
    ]
    before = redis_dump(client, prefix)
    # when
    changes = erasure_dry_run(actions, connectors=connectors)
    # then
    assert redis_dump(client, prefix) == before
    assert [(c.collection, dict(c.primary_key), c.deleted) for c in changes] == [
        ("session", {"customer_id": 1}, False),
        ("preferences", {"customer_id": 1}, False),
        ("email_token", {"email": EMAIL}, True),
    ]
    assert changes[0].fields == {"ip": ("10.0.0.1", "masked"), "user_agent": ("Firefox/1", None)}
    # when
    applied = erasure_apply(actions, connectors=connectors)
    cache.close()
    # then: only customer 1's keys changed, and in them only the masked fields
    assert [count for _, count in applied] == [1, 1, 1]
    expected = dict(before)
    expected[f"{prefix}:session:1"] = ("hash", {"ip": "masked", "csrf_secret": "s1"})
    expected[f"{prefix}:prefs:1"] = (
        "string",
        '{"language": null, "address": null, "theme": "dark"}',
    )
    del expected[f"{prefix}:verify:{EMAIL}"]
    assert redis_dump(client, prefix) == expected
    assert client.ttl(f"{prefix}:prefs:1") > 3000  # the rewrite kept the expiry


@pytest.mark.integration
def test_redis_mask_and_delete_never_create_keys_and_count_what_existed(
    client: redis.Redis, prefix: str
) -> None:
    client.hset(f"{prefix}:session:1", mapping={"ip": "1.1.1.1"})
    connector = RedisConnector(REDIS_URL)
    session, token = collection(prefix, "session"), collection(prefix, "email_token")
    keys = [{"customer_id": 1}, {"customer_id": 2}]
    assert connector.mask(session, primary_keys=keys, updates={"ip": "x"}) == 1
    assert connector.mask(token, primary_keys=[{"email": "a@b"}], updates={"token": None}) == 0
    assert connector.delete(session, primary_keys=keys) == 1
    assert connector.mask(session, primary_keys=[], updates={"ip": "x"}) == 0
    connector.close()
    assert redis_dump(client, prefix) == {}


@pytest.mark.integration
def test_redis_hash_mask_refuses_a_key_of_another_type_and_writes_nothing(
    client: redis.Redis, prefix: str
) -> None:
    client.hset(f"{prefix}:session:1", mapping={"ip": "1.1.1.1"})
    client.set(f"{prefix}:session:2", "not a hash")
    connector = RedisConnector(REDIS_URL)
    with pytest.raises(ConnectorError, match="is not a hash"):
        connector.mask(
            collection(prefix, "session"),
            primary_keys=[{"customer_id": 1}, {"customer_id": 2}],
            updates={"ip": "x"},
        )
    connector.close()
    assert client.hgetall(f"{prefix}:session:1") == {"ip": "1.1.1.1"}


# --- layout and errors -----------------------------------------------------------------------


def _collection(options: Mapping[str, object], *names: str) -> CollectionSpec:
    return CollectionSpec(
        name="c",
        fields=tuple(FieldSpec(name=n, path=(n,)) for n in names),
        options={"redis": dict(options)},
    )


def test_redis_layout_errors_name_the_problem() -> None:
    cases = [
        ({}, "declares no Redis key pattern"),
        ({"key": "a:{id}:{b}"}, "exactly one {field} placeholder"),
        ({"key": "a:{nope}"}, "placeholder 'nope' is not a declared field"),
        ({"key": "a:{id}", "type": "set"}, "must be one of hash, json, string"),
        ({"key": "a:{id}", "type": "string"}, "declare exactly one field"),
    ]
    for options, message in cases:
        with pytest.raises(ConnectorError, match=message.replace("{", r"\{")):
            redis_layout(_collection(options, "id", "b", "c"))
    layout = redis_layout(_collection({"key": "shop:s:{id}:v1"}, "id", "b"))
    assert (layout.key_for(42), layout.type) == ("shop:s:42:v1", "hash")


def test_redis_lookup_by_a_field_other_than_the_key_is_refused() -> None:
    connector = RedisConnector(REDIS_URL)
    with pytest.raises(ConnectorError, match="looked up by 'id' only, not 'b'"):
        connector.retrieve(_collection({"key": "a:{id}"}, "id", "b"), lookup_field="b", values=[1])
    with pytest.raises(ConnectorError, match="key field 'id' cannot be masked"):
        connector.mask(
            _collection({"key": "a:{id}"}, "id", "b"), primary_keys=[{"id": 1}], updates={"id": 2}
        )
    assert connector.statements_executed == 0


@pytest.mark.integration
def test_redis_unreachable_is_unavailable_without_the_password() -> None:
    connector = RedisConnector("redis://:Hush-42@127.0.0.1:1/0")
    with pytest.raises(ConnectorUnavailableError, match="cannot reach Redis") as caught:
        connector.test_connection()
    assert "Hush-42" not in str(caught.value)
    with pytest.raises(ConnectorUnavailableError, match="redis://") as caught:
        RedisConnector("mysql://u:Hush-42@h/0").test_connection()
    assert "Hush-42" not in str(caught.value)


@pytest.mark.integration
@pytest.mark.django_db
def test_system_test_of_a_redis_system_uses_the_connector(prefix: str) -> None:
    from garde.dsr.services import system_add, system_test

    good = system_add(name="cache", type="redis", url=REDIS_URL, actor=None)
    bad = system_add(name="gone", type="redis", url="redis://:Hush-42@127.0.0.1:1/0", actor=None)
    system_test(system=good)
    system_test(system=bad)
    good.refresh_from_db()
    bad.refresh_from_db()
    assert (good.last_test_ok, good.last_test_message) == (True, "ok")
    assert bad.last_test_ok is False
    assert bad.last_test_message.startswith("cannot reach Redis: ")
    assert "Hush-42" not in bad.last_test_message
