"""Generic HTTP/JSON API connector (standard library only).

System URL: the API's base, ``https://api.example.net/v1``. Credentials, never shown back:

- ``https://user:password@api.example.net/v1`` sends HTTP Basic;
- ``?token=SECRET`` sends ``Authorization: Bearer SECRET``; with ``&auth_header=X-Api-Key`` it
  sends ``X-Api-Key: SECRET`` instead;
- ``?timeout=20`` sets the per-request timeout in seconds (default 15).

These three parameters are the connector's; any other query parameter of the URL is sent with
every request. The credentials go only to the base URL's origin: redirects are not followed
and a ``next`` page link to another origin is refused.

Each collection declares its endpoints in ``fides_meta``::

    - name: ticket
      fides_meta:
        http:
          read:                              # a mapping, or a list of them (one per lookup field)
            method: GET                      # default GET
            path: /customers/{customer_id}/tickets   # {field} placeholders are lookup fields
            query: {status: all}             # query parameters; values may hold {field} too
            records: data.items              # dotted path to the list of records ("" = body)
            pagination:                      # optional; one of next | page | offset
              next: links.next               # path to the next page's URL (absolute or relative)
              # page: page                   # page-number parameter, counting from `start` (1)
              # offset: offset               # first-record parameter (0, 50, 100…)
              # limit: limit                 # page-size parameter, sent with `size`
              # size: 50
              max_pages: 100                 # more pages than this is an error, never a cut
          update: {method: PATCH, path: /tickets/{id}}   # body: the masked fields as JSON
          delete: {method: DELETE, path: /tickets/{id}}  # placeholders: primary key fields
      fields: [...]

A read endpoint has exactly one placeholder field: the collection can be looked up by that
field, one request per value (with ``separator: ","`` in the read endpoint, the values of a
batch are joined into one query parameter and sent in one request). A record whose lookup field
is absent gets the value it was read for; one whose value differs is dropped (a loose search
returns no stranger). Only declared fields are kept. A 404 on a read means no records, on an
update or delete no row changed; 401/403 and unreachable hosts make the system unavailable, any
other HTTP error is reported with the endpoint's pattern (never the filled-in values).
Writes are one request per row: an HTTP API offers no transaction.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

from garde.dsr.connectors.base import (
    Connector,
    ConnectorError,
    ConnectorUnavailableError,
    PrimaryKey,
    Row,
    check_columns,
    check_primary_keys,
    connector_register,
    primary_key_fields,
)
from garde.dsr.spec import CollectionSpec, FieldSpec

DEFAULT_TIMEOUT_S = 15.0
DEFAULT_MAX_PAGES = 100
CONNECTOR_PARAMETERS = ("token", "auth_header", "timeout")
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def record_project(record: Mapping[str, Any], fields: Sequence[FieldSpec]) -> Row:
    """Only the declared fields of a JSON record (absent ones as None), nested ones too."""
    row: Row = {}
    for spec in fields:
        value = record.get(spec.name)
        if spec.fields and isinstance(value, Mapping):
            value = record_project(value, spec.fields)
        elif spec.fields and isinstance(value, list):
            value = [record_project(v, spec.fields) if isinstance(v, Mapping) else v for v in value]
        row[spec.name] = value
    return row


def json_path(document: object, path: str) -> object:
    """The value at a dotted path (``""`` is the document itself); None when absent."""
    value = document
    for part in (p for p in path.split(".") if p):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    records: str = ""
    pagination: Mapping[str, object] = field(default_factory=dict)
    separator: str | None = None
    body_key: str | None = None

    @property
    def placeholders(self) -> list[str]:
        found = _PLACEHOLDER.findall(self.path)
        for value in self.query.values():
            found.extend(_PLACEHOLDER.findall(value))
        return list(dict.fromkeys(found))

    def describe(self) -> str:
        """The endpoint's pattern, placeholders unfilled: safe in a message."""
        query = "&".join(f"{k}={v}" for k, v in self.query.items())
        return f"{self.method} {self.path}" + (f"?{query}" if query else "")


def _endpoint(collection: CollectionSpec, raw: object, what: str, method: str) -> Endpoint:
    name = collection.name
    if not isinstance(raw, Mapping) or not isinstance(raw.get("path"), str):
        raise ConnectorError(f"collection {name!r}: the http {what} endpoint needs a path")
    query = raw.get("query") or {}
    pagination = raw.get("pagination") or {}
    if not isinstance(query, Mapping) or not isinstance(pagination, Mapping):
        raise ConnectorError(f"collection {name!r}: http {what} query and pagination are mappings")
    endpoint = Endpoint(
        method=str(raw.get("method") or method).upper(),
        path=raw["path"],
        query={str(k): str(v) for k, v in query.items()},
        records=str(raw.get("records") or ""),
        pagination=dict(pagination),
        separator=str(raw["separator"]) if raw.get("separator") else None,
        body_key=str(raw["body_key"]) if raw.get("body_key") else None,
    )
    declared = {f.name for f in collection.fields}
    unknown = [p for p in endpoint.placeholders if p not in declared]
    if unknown:
        raise ConnectorError(
            f"collection {name!r}: http {what} placeholder {unknown[0]!r} is not a declared field"
        )
    return endpoint


def _options(collection: CollectionSpec) -> Mapping[str, object]:
    options = collection.options.get("http")
    if not isinstance(options, Mapping):
        raise ConnectorError(
            f"collection {collection.name!r} declares no HTTP endpoints (fides_meta: http: ...)"
        )
    return options


def read_endpoints(collection: CollectionSpec) -> dict[str, Endpoint]:
    """Lookup field -> the read endpoint that finds records by it."""
    raw = _options(collection).get("read")
    items = raw if isinstance(raw, list) else [raw]
    endpoints: dict[str, Endpoint] = {}
    for item in items:
        endpoint = _endpoint(collection, item, "read", "GET")
        if len(endpoint.placeholders) != 1:
            raise ConnectorError(
                f"collection {collection.name!r}: an http read endpoint needs exactly one "
                "{field} placeholder"
            )
        endpoints[endpoint.placeholders[0]] = endpoint
    return endpoints


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # Following a redirect could carry the credentials elsewhere: report it instead.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True)
class _Target:
    scheme: str
    netloc: str  # host[:port], without credentials
    path: str
    query: tuple[tuple[str, str], ...]
    headers: tuple[tuple[str, str], ...]  # credentials: sent, never shown
    timeout: float

    @property
    def origin(self) -> tuple[str, str]:
        return (self.scheme, self.netloc)

    @property
    def host(self) -> str:
        return f"{self.scheme}://{self.netloc}"


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectorUnavailableError("an HTTP API URL looks like https://host/base/path")
    try:
        port = parts.port
    except ValueError:
        raise ConnectorUnavailableError("the HTTP API URL has an invalid port") from None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    netloc = f"{host}:{port}" if port else host
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    settings = {k: v for k, v in pairs if k in CONNECTOR_PARAMETERS}
    headers: list[tuple[str, str]] = []
    if parts.username is not None or parts.password is not None:
        user = unquote(parts.username or "")
        password = unquote(parts.password or "")
        basic = b64encode(f"{user}:{password}".encode()).decode("ascii")
        headers.append(("Authorization", f"Basic {basic}"))
    if settings.get("token"):
        header = settings.get("auth_header") or "Authorization"
        value = settings["token"] if header != "Authorization" else f"Bearer {settings['token']}"
        headers.append((header, value))
    try:
        timeout = float(settings.get("timeout") or DEFAULT_TIMEOUT_S)
    except ValueError:
        timeout = DEFAULT_TIMEOUT_S
    return _Target(
        scheme=parts.scheme,
        netloc=netloc,
        path=parts.path.rstrip("/"),
        query=tuple((k, v) for k, v in pairs if k not in CONNECTOR_PARAMETERS),
        headers=tuple(headers),
        timeout=timeout,
    )


def _fill(template: str, values: Mapping[str, str], *, in_path: bool) -> str:
    def substitute(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return quote(value, safe="") if in_path else value

    return _PLACEHOLDER.sub(substitute, template)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass
class _Response:
    status: int
    body: object = None


@connector_register("http")
class HttpConnector(Connector):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._opener = urllib.request.build_opener(_NoRedirect())

    def _endpoint_url(self, target: _Target, endpoint: Endpoint, values: Mapping[str, str]) -> str:
        path = target.path + "/" + _fill(endpoint.path, values, in_path=True).lstrip("/")
        query = [
            *target.query,
            *((k, _fill(v, values, in_path=False)) for k, v in endpoint.query.items()),
        ]
        return urlunsplit((target.scheme, target.netloc, path, urlencode(query), ""))

    def _request(
        self, target: _Target, method: str, url: str, *, what: str, body: object = None
    ) -> _Response:
        data = None if body is None else json.dumps(body, default=str).encode()
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) only
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in target.headers:
            request.add_unredirected_header(name, value)
        self.statements_executed += 1
        try:
            with self._opener.open(request, timeout=target.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, b""
            exc.close()
        except urllib.error.URLError as exc:
            raise ConnectorUnavailableError(
                f"cannot reach the HTTP API at {target.host}: {exc.reason}"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            reason = str(exc) or type(exc).__name__
            raise ConnectorUnavailableError(
                f"cannot reach the HTTP API at {target.host}: {reason}"
            ) from exc
        if status in (401, 403):
            raise ConnectorUnavailableError(
                f"the HTTP API at {target.host} refused the credentials ({what}: HTTP {status})"
            )
        if 300 <= status < 400:
            raise ConnectorError(f"{what}: HTTP {status} redirect not followed")
        if status >= 400 and status != 404:
            raise ConnectorError(f"{what}: HTTP {status}")
        if status == 404 or not raw.strip():
            return _Response(status)
        try:
            return _Response(status, json.loads(raw))
        except ValueError as exc:
            raise ConnectorError(f"{what}: the answer is not JSON") from exc

    def test_connection(self) -> None:
        """The base URL answers (any status but 401, 403 and server errors)."""
        target = _target(self._url)
        url = urlunsplit(
            (target.scheme, target.netloc, target.path or "/", urlencode(target.query), "")
        )
        self._request(target, "GET", url, what="GET /")

    # --- reading ---------------------------------------------------------------------------

    def _pages(self, target: _Target, endpoint: Endpoint, values: Mapping[str, str]) -> list[Any]:
        """Every record of one read, following the declared pagination."""
        pagination = endpoint.pagination
        max_pages = int(str(pagination.get("max_pages", DEFAULT_MAX_PAGES)))
        size = int(str(pagination["size"])) if pagination.get("size") else None
        start = int(str(pagination.get("start", 1)))
        base_url = self._endpoint_url(target, endpoint, values)

        def numbered(page: int, offset: int) -> str:
            extra: list[tuple[str, str]] = []
            if "page" in pagination:
                extra.append((str(pagination["page"]), str(start + page)))
            elif "offset" in pagination:
                extra.append((str(pagination["offset"]), str(offset)))
            if pagination.get("limit") and size:
                extra.append((str(pagination["limit"]), str(size)))
            if not extra:
                return base_url
            return f"{base_url}{'&' if '?' in base_url else '?'}{urlencode(extra)}"

        numbering = "page" in pagination or "offset" in pagination
        url = numbered(0, 0)
        records: list[Any] = []
        for page in range(max_pages):
            response = self._request(target, endpoint.method, url, what=endpoint.describe())
            found = json_path(response.body, endpoint.records)
            batch = (
                [found] if isinstance(found, Mapping) else found if isinstance(found, list) else []
            )
            records.extend(batch)
            following: str | None = None
            if "next" in pagination:
                link = json_path(response.body, str(pagination["next"]))
                if isinstance(link, str) and link:
                    following = urljoin(url, link)
                    parts = urlsplit(following)
                    if (parts.scheme, parts.netloc) != target.origin:
                        raise ConnectorError(
                            f"{endpoint.describe()}: a next-page link leaves {target.host}"
                        )
            elif numbering and batch and (size is None or len(batch) >= size):
                following = numbered(page + 1, len(records))
            if following is None:
                return records
            url = following
        raise ConnectorError(
            f"{endpoint.describe()}: more than {max_pages} pages (max_pages): nothing returned "
            "rather than an incomplete answer"
        )

    def retrieve_many(
        self, collection: CollectionSpec, *, lookups: Mapping[str, Sequence[object]]
    ) -> list[Row]:
        check_columns(collection, list(lookups))
        endpoints = read_endpoints(collection)
        missing = sorted(n for n in lookups if n not in endpoints)
        if missing:
            raise ConnectorError(
                f"collection {collection.name!r} has no http read endpoint by "
                f"{', '.join(map(repr, missing))}"
            )
        target = _target(self._url)
        rows: dict[str, Row] = {}
        keys = primary_key_fields(collection)
        for name, values in lookups.items():
            endpoint = endpoints[name]
            originals: dict[str, object] = {}
            for value in values:
                if value is not None:
                    originals.setdefault(_text(value), value)
            texts = list(originals)
            if endpoint.separator is not None and texts:
                requests = [(endpoint.separator.join(texts), set(texts))]
            else:
                requests = [(t, {t}) for t in texts]
            for sent, accepted in requests:
                for record in self._pages(target, endpoint, {name: sent}):
                    if not isinstance(record, Mapping):
                        continue
                    row = record_project(record, collection.fields)
                    if row.get(name) is None and len(accepted) == 1:
                        row[name] = originals[sent]  # the value it was read for, as given
                    elif _text(row.get(name)) not in accepted:
                        continue  # the API answered more than was asked: not this person's
                    identity = (
                        json.dumps([row.get(k) for k in keys], default=str)
                        if keys
                        else json.dumps(row, sort_keys=True, default=str)
                    )
                    rows.setdefault(identity, row)
        return list(rows.values())

    # --- writing ---------------------------------------------------------------------------

    def _write(
        self,
        collection: CollectionSpec,
        what: str,
        method: str,
        primary_keys: Sequence[PrimaryKey],
        body: object = None,
    ) -> int:
        raw = _options(collection).get(what)
        if raw is None:
            raise ConnectorError(f"collection {collection.name!r} declares no http {what} endpoint")
        endpoint = _endpoint(collection, raw, what, method)
        columns = check_primary_keys(collection, primary_keys)
        if not set(endpoint.placeholders) <= set(columns):
            raise ConnectorError(
                f"collection {collection.name!r}: the http {what} endpoint's placeholders must be "
                f"primary key fields ({', '.join(columns)})"
            )
        if endpoint.body_key is not None and body is not None:
            body = {endpoint.body_key: body}
        target = _target(self._url)
        done = 0
        for key in primary_keys:
            url = self._endpoint_url(target, endpoint, {c: _text(key[c]) for c in columns})
            try:
                response = self._request(
                    target, endpoint.method, url, what=endpoint.describe(), body=body
                )
            except ConnectorError as exc:
                if done:
                    raise type(exc)(f"{exc} (after {done} row(s) already written)") from exc
                raise
            if response.status != 404:
                done += 1
        return done

    def contact_values(
        self, collection: CollectionSpec, *, field: str, limit: int, after: object | None = None
    ) -> list[object]:
        """Refused: a dataset declares endpoints that look records up by a value, none that
        lists every record, and an API offers no ordered, distinct listing to page through."""
        raise ConnectorError(
            f"collection {collection.name!r}: an HTTP API cannot list its people (its endpoints "
            "look records up by a value); find them in another system or import them as a list"
        )

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
        return self._write(collection, "update", "PATCH", primary_keys, dict(updates))

    def delete(self, collection: CollectionSpec, *, primary_keys: Sequence[PrimaryKey]) -> int:
        if not primary_keys:
            return 0
        return self._write(collection, "delete", "DELETE", primary_keys)


__all__ = ["Endpoint", "HttpConnector", "json_path", "read_endpoints", "record_project"]
