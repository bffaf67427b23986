"""Audience statistics writes: counting one page view, exempt from consent (CNIL délibération
2020-091 art. 5, LEGAL-RULES R-56/R-57) because it keeps nothing but anonymous aggregates.

What a hit keeps: the site, the normalised page path and the day, as ``count + 1`` on one row.
What it never keeps: the IP address, the user agent, any cookie, any identifier, the referrer,
the time of day. No audit event: an anonymous counter changes no one's data, and an audit row
per page view would be the very per-visit trail the exemption forbids.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from django.db import connections, router
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.consent.errors import ConsentInvalidError
from garde.consent.stats_errors import StatsOriginForbiddenError
from garde.consent.stats_models import STATS_PATH_MAX, PageViewDay
from garde.consent.stats_selectors import (
    stats_origin_normalise,
    stats_site_get,
    stats_site_origins,
)

# Query parameters kept in a counted path, each with the values it may take: pagination and
# language, never free text (a search box) or a campaign tag (one per recipient would make a
# counter per person).
QUERY_ALLOWLIST: dict[str, re.Pattern[str]] = {
    "page": re.compile(r"^[0-9]{1,4}$"),
    "lang": re.compile(r"^[a-z]{2}$"),
}
# Crawlers are not audience. Deliberately short, and "HeadlessChrome" is not in it.
BOT_RE = re.compile(r"bot|crawler|spider", re.IGNORECASE)
# Path segments that look like a person or an object rather than a page: e-mail addresses,
# long numbers, UUIDs and tokens. Best effort: pages should not carry such values at all.
EMAIL_SEGMENT = ":email"
ID_SEGMENT = ":id"
_ID_RE = re.compile(
    r"^(?:[0-9]{6,}"
    r"|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
    r"|(?=[A-Za-z_]*[0-9])(?=[0-9_]*[A-Za-z])[A-Za-z0-9_]{20,})$"
)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


def _segment(segment: str) -> str:
    plain = unquote(segment)
    if "@" in plain:
        return EMAIL_SEGMENT
    return ID_SEGMENT if _ID_RE.match(plain) else segment


def stats_path_normalise(raw: str) -> str:
    """The page path as counted: absolute (``/...``), without fragment, without any query
    parameter outside ``QUERY_ALLOWLIST`` (kept ones sorted), identifier-like segments masked,
    at most ``STATS_PATH_MAX`` characters. 400 (field ``path``) for anything not a path."""
    if not raw.startswith("/") or raw.startswith("//") or _CONTROL_RE.search(raw):
        raise ConsentInvalidError(
            _("Le chemin doit commencer par « / » et ne contenir aucun caractère de contrôle."),
            field="path",
        )
    parts = urlsplit(raw)
    path = "/".join(_segment(segment) for segment in parts.path.split("/"))
    kept: dict[str, str] = {}
    for name, value in parse_qsl(parts.query):
        pattern = QUERY_ALLOWLIST.get(name)
        if pattern is not None and name not in kept and pattern.match(value):
            kept[name] = value
    if kept:
        path = f"{path}?{urlencode(sorted(kept.items()))}"
    return path[:STATS_PATH_MAX]


def stats_is_counted(*, user_agent: str, do_not_track: bool) -> bool:
    """Crawlers (``bot``, ``crawler``, ``spider`` in the user agent) are not counted, nor are
    visitors whose browser asks not to be tracked (``DNT: 1``): the exemption does not require
    the latter, but honouring it costs a few views and keeps the promise simple."""
    return not (do_not_track or BOT_RE.search(user_agent))


def _increment(*, site_id: int, path: str) -> None:
    """``count + 1`` on the (site, path, day) row, created at 1 if missing, in one statement:
    atomic and safe under concurrent hits on SQLite (3.24+) and PostgreSQL alike."""
    using = router.db_for_write(PageViewDay)
    connection = connections[using]
    quote = connection.ops.quote_name
    meta = PageViewDay._meta
    table = quote(meta.db_table)
    site, page, day, count = (
        quote(str(field.column))
        for field in (meta.get_field(name) for name in ("site", "path", "day", "count"))
        if isinstance(field, Field)
    )
    sql = (
        f"INSERT INTO {table} ({site}, {page}, {day}, {count}) VALUES (%s, %s, %s, 1) "  # noqa: S608 - quoted names, values are parameters
        f"ON CONFLICT ({site}, {page}, {day}) DO UPDATE SET {count} = {table}.{count} + 1"
    )
    today = connection.ops.adapt_datefield_value(timezone.localdate())
    with connection.cursor() as cursor:
        cursor.execute(sql, [site_id, path, today])


def stats_hit_record(
    *,
    site_key: str,
    path: str,
    page_origin: str | None,
    user_agent: str = "",
    do_not_track: bool = False,
) -> bool:
    """Count one view of ``path`` on the site ``site_key``, seen from a page at
    ``page_origin`` (the request's ``Origin``, else its ``Referer``'s origin). Returns whether
    it was counted (see ``stats_is_counted``). Refused, with nothing stored: an unknown site
    (404), a malformed path (400), a page that is not on one of the site's origins or that
    gives no origin at all (403). The user agent is only looked at, never kept."""
    site = stats_site_get(site_key=site_key)
    normalised = stats_path_normalise(path)
    origin = stats_origin_normalise(page_origin) if page_origin else None
    if origin is None or origin not in stats_site_origins(site=site):
        raise StatsOriginForbiddenError(
            _("La page ne vient pas d'une origine autorisée pour ce site."), field="origin"
        )
    if not stats_is_counted(user_agent=user_agent, do_not_track=do_not_track):
        return False
    _increment(site_id=site.pk, path=normalised)
    return True
