"""Connection-log API routes: ingest (NDJSON) and the administrators' audited query.

Both take operator keys only: a client organisation's key is refused with 403 even with the
scope. Reading also needs the key's service account to hold the ``sysadmin`` role, and a reason.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from garde.accounts.choices import OrganisationKind
from garde.api.auth import api_key
from garde.api.choices import ApiScope
from garde.api.models import ApiKey
from garde.connlogs.ingest import ingest_lines
from garde.connlogs.models import Entry
from garde.connlogs.queries import LIMIT_MAX, ConnlogsForbiddenError, connlog_query
from garde.core.errors import GardeError

router = Router(tags=["connlogs"])

# Default ceiling of an ingest request body; GARDE_CONNLOGS_API_MAX_BYTES overrides it.
BODY_MAX_BYTES = 16 * 1024 * 1024


class ConnlogsBodyTooLargeError(GardeError):
    code = "payload_too_large"
    status = 413


def body_max_bytes() -> int:
    return int(settings.GARDE_CONNLOGS_API_MAX_BYTES)


def _operator_key(request: HttpRequest) -> ApiKey:
    key: ApiKey = request.api_key  # type: ignore[attr-defined]
    if key.organisation.kind != OrganisationKind.OPERATOR:
        raise ConnlogsForbiddenError(
            _("Les journaux de connexion ne sont accessibles qu'avec une clé de l'opérateur."),
            field="Authorization",
        )
    return key


class RejectOut(Schema):
    line: int
    reason: str


class IngestOut(Schema):
    accepted: int
    rejected: list[RejectOut]
    first_seq: int | None
    last_seq: int | None


def _body_lines(request: HttpRequest) -> list[str]:
    """The body's lines, refused with 413 past the ceiling (before anything is stored) and with
    400 if it is not UTF-8. Read from the stream: ``request.body`` would stop at Django's
    form-data ceiling, far below this one."""
    limit = body_max_bytes()
    too_large = ConnlogsBodyTooLargeError(
        _("Le corps de la requête dépasse %(limit)d octets : envoyez moins de lignes par requête.")
        % {"limit": limit},
        field="body",
    )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    body = request.read(limit + 1)
    if len(body) > limit:
        raise too_large
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise GardeError(
            _("Le corps de la requête doit être du JSON par ligne (NDJSON) en UTF-8."),
            field="body",
            code="invalid_encoding",
        ) from None
    # Only LF (and CRLF) end a line: U+2028 and friends may sit inside JSON strings.
    return [line.removesuffix("\r") for line in text.split("\n")]


@router.post(
    "/connlogs",
    response=IngestOut,
    auth=api_key(ApiScope.CONNLOGS_WRITE),
    summary="Ingest connection events (NDJSON, one JSON object per line)",
    description="Body: one JSON object per line with ts (RFC 3339), service, event and optional "
    "account, ip, port, session; other keys are kept in the raw line. Lines are numbered "
    "from 1. The answer comes after the accepted lines are committed: their count, the "
    "sequence range they were given, and each rejected line with its number and reason (a "
    "bad line never stops the others). A body over the size limit is refused with 413 and "
    "nothing is stored. Operator keys only.",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
        }
    },
)
def ingest_connlogs(request: HttpRequest) -> dict[str, object]:
    key = _operator_key(request)
    report = ingest_lines(fmt="jsonl", lines=_body_lines(request), source=f"api:{key.prefix}")
    return {
        "accepted": report.accepted,
        "rejected": [{"line": line, "reason": reason} for line, reason in report.rejected],
        "first_seq": report.first_seq,
        "last_seq": report.last_seq,
    }


class EntryOut(Schema):
    seq: int
    ts: datetime
    service: str
    event: str
    account: str | None
    ip: str | None
    port: int | None
    session: str | None
    segment_day: str
    leaf_hash: str

    @staticmethod
    def resolve_segment_day(obj: Entry) -> str:
        return obj.segment_day.isoformat()


class QueryOut(Schema):
    total: int
    limit: int
    offset: int
    entries: list[EntryOut]


class ConnlogFilterIn(Schema):
    reason: str = Field("", description="Why the logs are read (required; recorded)")
    account: str = Field("", description="Account identifier, exact")
    ip: str = Field("", description="Address, or network in CIDR notation")
    start: datetime | None = Field(
        None, alias="from", description="At or after (RFC 3339; no offset means UTC)"
    )
    end: datetime | None = Field(None, alias="to", description="Before (RFC 3339)")
    limit: int = Field(100, ge=1, le=LIMIT_MAX)
    offset: int = Field(0, ge=0)


def _utc(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@router.get(
    "/connlogs",
    response=QueryOut,
    auth=api_key(ApiScope.CONNLOGS_READ),
    summary="Query connection events (sysadmin service accounts only, with a reason)",
    description="Entries oldest first. The key needs the scope, an operator organisation and "
    "a service account holding the sysadmin role, else 403; without a reason, 400 naming "
    "the field 'reason'. Every query is recorded in the audit trail with its reason, filter "
    "and row count.",
)
def query_connlogs(request: HttpRequest, filters: Query[ConnlogFilterIn]) -> dict[str, object]:
    key = _operator_key(request)
    if key.service_account is None:
        raise ConnlogsForbiddenError(
            _("Seuls les administrateurs systèmes peuvent consulter les journaux de connexion."),
            field="Authorization",
        )
    try:
        result = connlog_query(
            actor=key.service_account,
            reason=filters.reason,
            account=filters.account,
            ip=filters.ip,
            start=_utc(filters.start),
            end=_utc(filters.end),
            limit=filters.limit,
            offset=filters.offset,
            request=request,
            extra={"channel": "api", "api_key": key.prefix},
        )
    except GardeError as error:
        # The API speaks of its query parameters, not of the service's arguments.
        error.field = {"start": "from", "end": "to"}.get(error.field or "", error.field)
        raise
    return {
        "total": result.total,
        "limit": filters.limit,
        "offset": filters.offset,
        "entries": result.rows,
    }
