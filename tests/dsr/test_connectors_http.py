"""HTTP/JSON API connector against a real local HTTP server (``http.server`` in a thread):
endpoints and pagination declared in the dataset, declared fields only, exact update and delete
requests, credentials sent but never shown, errors reported."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from garde.dsr.connectors.base import ConnectorError, ConnectorUnavailableError
from garde.dsr.connectors.http import HttpConnector, json_path
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
TOKEN = "tok-Hush-42"


def _tickets() -> dict[str, dict[str, Any]]:
    tickets = {
        f"t{n}": {
            "id": f"t{n}",
            "customer_id": 1,
            "email": EMAIL,
            "subject": f"subject {n}",
            "internal_note": "undeclared",
        }
        for n in range(1, 6)
    }
    tickets["t9"] = {"id": "t9", "customer_id": 2, "email": "other@example.com", "subject": "x"}
    return tickets


@dataclass
class FakeApi:
    """A small JSON API: tickets by customer (page numbers), by e-mail (next links, a loose
    search that also returns a stranger), notes by customer, PATCH and DELETE of tickets."""

    tickets: dict[str, dict[str, Any]] = field(default_factory=_tickets)
    notes: dict[int, list[dict[str, Any]]] = field(
        default_factory=lambda: {1: [{"id": "n1", "text": "called back"}]}
    )
    requests: list[tuple[str, str, dict[str, str], Any]] = field(default_factory=list)
    base: str = ""

    def answer(self, method: str, target: str, headers: dict[str, str], body: Any) -> Any:
        self.requests.append((method, target, headers, body))
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = parts.path.removeprefix("/api")
        if headers.get("authorization") != f"Bearer {TOKEN}":
            return 401, {"error": "unauthorised"}
        if path == "/boom":
            return 500, {"error": "boom"}
        if path.startswith("/moved"):
            return 302, None
        segments = path.strip("/").split("/")
        if method == "GET" and segments[0] == "customers" and segments[2] == "tickets":
            mine = [t for t in self.tickets.values() if str(t["customer_id"]) == segments[1]]
            size, page = int(query.get("per_page", 10)), int(query.get("page", 1))
            return 200, {"data": {"items": mine[(page - 1) * size : page * size]}}
        if method == "GET" and segments[0] == "customers" and segments[2] == "notes":
            return 200, self.notes.get(int(segments[1]), [])
        if method == "GET" and path == "/tickets":
            # loose search: the stranger t9 always comes along
            found = [t for t in self.tickets.values() if query["email"] in t["email"]]
            found += [self.tickets["t9"]] if "t9" in self.tickets else []
            cursor = int(query.get("cursor", 0))
            following = f"/api/tickets?email={query['email']}&cursor={cursor + 2}"
            if query.get("elsewhere"):
                following = "http://203.0.113.9/api/tickets"
            more = cursor + 2 < len(found)
            return 200, {
                "results": found[cursor : cursor + 2],
                "links": {"next": following if more else None},
            }
        if method == "GET" and path == "/orders":
            return 200, {"orders": [{"id": int(query.get("offset", 0))}]}  # never ends
        if segments[0] == "tickets" and len(segments) == 2:
            ticket = self.tickets.get(segments[1])
            if ticket is None:
                return 404, None
            if method == "GET":
                return 200, ticket
            if method == "PATCH":
                ticket.update(body)
                return 200, ticket
            if method == "DELETE":
                del self.tickets[segments[1]]
                return 204, None
        return 404, None


@pytest.fixture
def api() -> Iterator[FakeApi]:
    state = FakeApi()

    class Handler(BaseHTTPRequestHandler):
        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, payload = state.answer(self.command, self.path, headers, body)
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "http://203.0.113.9/")
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_PATCH = do_DELETE = do_POST = _serve  # noqa: N815 - http.server's names

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}/api"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def url(api: FakeApi, **extra: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"token": TOKEN, **extra}.items())
    return f"{api.base}?{query}"


def _fields(*names: str, keys: tuple[str, ...] = ()) -> tuple[FieldSpec, ...]:
    return tuple(FieldSpec(name=n, path=(n,), primary_key=n in keys) for n in names)


def tickets_by_customer(**pagination: object) -> CollectionSpec:
    return CollectionSpec(
        name="ticket",
        fields=_fields("id", "customer_id", "subject", keys=("id",)),
        options={
            "http": {
                "read": {
                    "path": "/customers/{customer_id}/tickets",
                    "records": "data.items",
                    "pagination": pagination
                    or {"page": "page", "limit": "per_page", "size": 2, "max_pages": 10},
                },
                "update": {"method": "PATCH", "path": "/tickets/{id}"},
                "delete": {"path": "/tickets/{id}"},
            }
        },
    )


# --- reading -------------------------------------------------------------------------------


def test_http_retrieve_follows_page_numbers_and_keeps_only_declared_fields(api: FakeApi) -> None:
    # when
    connector = HttpConnector(url(api, version="2"))
    rows = connector.retrieve(tickets_by_customer(), lookup_field="customer_id", values=[1, 1])
    # then: pages of 2, 2, 1 records; the undeclared internal_note is not kept
    assert rows == [
        {"id": f"t{n}", "customer_id": 1, "subject": f"subject {n}"} for n in range(1, 6)
    ]
    assert [r[1] for r in api.requests] == [
        "/api/customers/1/tickets?version=2&page=1&per_page=2",
        "/api/customers/1/tickets?version=2&page=2&per_page=2",
        "/api/customers/1/tickets?version=2&page=3&per_page=2",
    ]
    # the token travels in the header only
    assert all(r[2]["authorization"] == f"Bearer {TOKEN}" for r in api.requests)
    assert connector.statements_executed == 3


def test_http_retrieve_follows_next_links_and_drops_records_of_someone_else(
    api: FakeApi,
) -> None:
    # given: a loose search that returns t9 (another person) with every page
    collection = CollectionSpec(
        name="ticket",
        fields=_fields("id", "email", keys=("id",)),
        options={
            "http": {
                "read": {
                    "path": "/tickets",
                    "query": {"email": "{email}"},
                    "records": "results",
                    "pagination": {"next": "links.next"},
                }
            }
        },
    )
    # when
    rows = HttpConnector(url(api)).retrieve(collection, lookup_field="email", values=[EMAIL])
    # then
    assert sorted(r["id"] for r in rows) == ["t1", "t2", "t3", "t4", "t5"]
    assert len(api.requests) == 3


def test_http_more_pages_than_declared_is_an_error_not_a_cut(api: FakeApi) -> None:
    collection = CollectionSpec(
        name="order",
        fields=_fields("id", "customer_id"),
        options={
            "http": {
                "read": {
                    "path": "/orders",
                    "query": {"customer": "{customer_id}"},
                    "records": "orders",
                    "pagination": {"offset": "offset", "limit": "limit", "size": 1, "max_pages": 3},
                }
            }
        },
    )
    with pytest.raises(
        ConnectorError, match=r"GET /orders\?customer=\{customer_id\}: more than 3 pages"
    ):
        HttpConnector(url(api)).retrieve(collection, lookup_field="customer_id", values=[1])
    assert [r[1].split("?")[1] for r in api.requests] == [
        "customer=1&offset=0&limit=1",
        "customer=1&offset=1&limit=1",
        "customer=1&offset=2&limit=1",
    ]


def test_http_next_link_to_another_origin_is_refused(api: FakeApi) -> None:
    collection = CollectionSpec(
        name="ticket",
        fields=_fields("id", "email"),
        options={
            "http": {
                "read": {
                    "path": "/tickets",
                    "query": {"email": "{email}", "elsewhere": "1"},
                    "records": "results",
                    "pagination": {"next": "links.next"},
                }
            }
        },
    )
    with pytest.raises(ConnectorError, match=r"a next-page link leaves http://127\.0\.0\.1"):
        HttpConnector(url(api)).retrieve(collection, lookup_field="email", values=[EMAIL])
    assert len(api.requests) == 1


def test_http_lookup_without_a_read_endpoint_for_the_field_is_refused(api: FakeApi) -> None:
    with pytest.raises(ConnectorError, match="no http read endpoint by 'subject'"):
        HttpConnector(url(api)).retrieve(tickets_by_customer(), lookup_field="subject", values=[1])
    assert api.requests == []


# --- writing -------------------------------------------------------------------------------


def test_http_mask_and_delete_call_the_declared_endpoints_with_the_right_bodies(
    api: FakeApi,
) -> None:
    # given
    connector = HttpConnector(url(api))
    collection = tickets_by_customer()
    before = json.loads(json.dumps(api.tickets))
    # when
    masked = connector.mask(
        collection, primary_keys=[{"id": "t1"}, {"id": "t404"}], updates={"subject": None}
    )
    deleted = connector.delete(collection, primary_keys=[{"id": "t2"}, {"id": "t3"}])
    # then
    assert (masked, deleted) == (1, 2)
    assert [(m, t, b) for m, t, _h, b in api.requests] == [
        ("PATCH", "/api/tickets/t1", {"subject": None}),
        ("PATCH", "/api/tickets/t404", {"subject": None}),
        ("DELETE", "/api/tickets/t2", None),
        ("DELETE", "/api/tickets/t3", None),
    ]
    expected = {k: v for k, v in before.items() if k not in ("t2", "t3")}
    expected["t1"]["subject"] = None
    assert api.tickets == expected


def test_http_write_without_a_declared_endpoint_is_refused(api: FakeApi) -> None:
    collection = CollectionSpec(
        name="ticket",
        fields=_fields("id", "subject", keys=("id",)),
        options={"http": {"read": {"path": "/tickets/{id}"}}},
    )
    with pytest.raises(ConnectorError, match="declares no http delete endpoint"):
        HttpConnector(url(api)).delete(collection, primary_keys=[{"id": "t1"}])
    assert api.requests == []


# --- errors --------------------------------------------------------------------------------


def _read(path: str) -> CollectionSpec:
    return CollectionSpec(
        name="c", fields=_fields("id"), options={"http": {"read": {"path": path}}}
    )


def test_http_errors_are_reported_without_values_or_credentials(api: FakeApi) -> None:
    connector = HttpConnector(url(api))
    with pytest.raises(ConnectorError, match=r"^GET /boom\?x=\{id\}: HTTP 500$") as caught:
        connector.retrieve(
            CollectionSpec(
                name="c",
                fields=_fields("id"),
                options={"http": {"read": {"path": "/boom", "query": {"x": "{id}"}}}},
            ),
            lookup_field="id",
            values=["secret-value"],
        )
    assert not isinstance(caught.value, ConnectorUnavailableError)
    with pytest.raises(ConnectorError, match="HTTP 302 redirect not followed"):
        connector.retrieve(_read("/moved/{id}"), lookup_field="id", values=[1])
    refused = HttpConnector(f"{api.base}?token=wrong-Hush")
    with pytest.raises(ConnectorUnavailableError, match="refused the credentials") as denied:
        refused.test_connection()
    assert "Hush" not in str(denied.value)
    assert "Hush" not in repr(refused)
    # 404 on a read: no records
    assert connector.retrieve(_read("/nothing/{id}"), lookup_field="id", values=[1]) == []


def test_http_unreachable_api_is_unavailable() -> None:
    connector = HttpConnector(f"http://user:Hush-42@127.0.0.1:1/api?token={TOKEN}")
    with pytest.raises(ConnectorUnavailableError, match="cannot reach the HTTP API") as caught:
        connector.test_connection()
    assert "Hush" not in str(caught.value)
    with pytest.raises(ConnectorUnavailableError, match="https://host/base/path"):
        HttpConnector("ftp://x/").test_connection()


def test_http_basic_credentials_and_custom_header(api: FakeApi) -> None:
    connector = HttpConnector(f"{api.base}?token={TOKEN}&auth_header=X-Api-Key&timeout=3")
    with pytest.raises(ConnectorUnavailableError):
        connector.test_connection()  # this API wants a bearer token, not X-Api-Key
    assert api.requests[-1][2]["x-api-key"] == TOKEN
    assert "authorization" not in api.requests[-1][2]


def test_json_path_reads_dotted_paths() -> None:
    document = {"data": {"items": [{"id": 1}]}}
    assert json_path(document, "data.items.0.id") == 1
    assert json_path(document, "") == document
    assert json_path(document, "data.nope") is None


# --- with the engine -------------------------------------------------------------------------

DATASET_YAML = """\
dataset:
  - fides_key: helpdesk
    name: Helpdesk API
    collections:
      - name: ticket
        fides_meta:
          http:
            read:
              - path: /tickets
                query: {email: "{email}"}
                records: results
                pagination: {next: links.next, max_pages: 5}
              - path: "/tickets/{id}"        # by primary key: what a dry run reads
            update: {path: "/tickets/{id}"}
            delete: {path: "/tickets/{id}"}
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta: {primary_key: true}
          - name: email
            data_categories: [user.contact.email]
            fides_meta: {identity: email}
          - name: customer_id
            data_categories: [user.unique_id]
          - name: subject
            data_categories: [user.content]
      - name: note
        fides_meta:
          http:
            read: {path: "/customers/{customer_id}/notes"}
        fields:
          - name: id
            data_categories: [system.operations]
            fides_meta: {primary_key: true}
          - name: customer_id
            data_categories: [user.unique_id]
            fides_meta:
              references:
                - {dataset: helpdesk, field: ticket.customer_id, direction: from}
          - name: text
            data_categories: [user.content]
"""


def helpdesk() -> DatasetSpec:
    (spec,) = dataset_parse(
        DATASET_YAML,
        filename="helpdesk.yml",
        stored={},
        categories={c.fides_key for c in DEFAULT_TAXONOMY.data_category},
    )
    return spec


def test_http_access_dry_run_and_erasure_through_the_engine(api: FakeApi) -> None:
    # given
    spec = helpdesk()
    connectors = {"helpdesk": HttpConnector(url(api))}
    # when
    result = access_run(
        access_plan([spec], {"email"}), identities={"email": EMAIL}, connectors=connectors
    )
    # then: the person's 5 tickets, and the note reached through their customer id
    assert result.failures == []
    assert result.counts() == {"helpdesk": {"ticket": 5, "note": 1}}
    assert result.data["helpdesk"]["note"] == [
        {"id": "n1", "customer_id": 1, "text": "called back"}
    ]
    # given
    ticket = spec.collection("ticket")
    assert ticket is not None
    actions = [
        ErasureAction(
            "helpdesk",
            ticket,
            primary_keys_of(ticket, result.data["helpdesk"]["ticket"][:2]),
            {"subject": "erased"},
        )
    ]
    before = json.loads(json.dumps(api.tickets))
    writes = len([r for r in api.requests if r[0] != "GET"])
    # when
    changes = erasure_dry_run(actions, connectors=connectors)
    # then: the dry run read the two tickets by id, and wrote nothing
    assert api.tickets == before
    assert len([r for r in api.requests if r[0] != "GET"]) == writes
    assert [(dict(c.primary_key), c.fields) for c in changes] == [
        ({"id": "t1"}, {"subject": ("subject 1", "erased")}),
        ({"id": "t2"}, {"subject": ("subject 2", "erased")}),
    ]
    # when
    applied = erasure_apply(actions, connectors=connectors)
    # then
    assert [count for _, count in applied] == [2]
    expected = json.loads(json.dumps(before))
    expected["t1"]["subject"] = expected["t2"]["subject"] = "erased"
    assert api.tickets == expected


# --- connection test of the data map ---------------------------------------------------------


@pytest.mark.django_db
def test_system_test_uses_the_connector_of_each_type_and_shows_no_secret(api: FakeApi) -> None:
    from garde.dsr.services import system_add, system_test

    # given
    good = system_add(name="helpdesk", type="http", url=url(api), actor=None)
    refused = system_add(name="refused", type="http", url=f"{api.base}?token=Hush-42", actor=None)
    gone = system_add(name="gone", type="http", url="http://u:Hush-42@127.0.0.1:1/", actor=None)
    own = system_add(name="garde", type="internal", url="internal://garde", actor=None)
    # when
    for system in (good, refused, gone, own):
        system_test(system=system)
        system.refresh_from_db()
    # then
    assert (good.last_test_ok, good.last_test_message) == (True, "ok")
    assert (refused.last_test_ok, refused.last_test_message) == (
        False,
        f"the HTTP API at http://127.0.0.1:{urlsplit(api.base).port} refused the credentials "
        "(GET /: HTTP 401)",
    )
    assert gone.last_test_ok is False
    assert gone.last_test_message.startswith("cannot reach the HTTP API at http://127.0.0.1:1: ")
    assert "Hush" not in refused.last_test_message + gone.last_test_message
    assert (own.last_test_ok, own.last_test_message) == (True, "ok")
