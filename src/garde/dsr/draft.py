"""A dataset drafted from a database's schema, for a person to review before import.

:func:`schema_introspect` reads tables, columns, types, lengths, primary keys and foreign keys
of a SQLite, PostgreSQL or MySQL/MariaDB database (read-only sessions), and keeps a few values
per text column *in memory only*, to guess what they hold. :func:`draft_from_tables` turns that
into a fideslang dataset:

- data categories from column names (e-mail, phone, IP, names, postal address, IBAN, birth
  date, passwords...) and from sampled values (e-mail, E.164 or French phone numbers, IPv4/IPv6,
  IBAN with a valid mod-97 checksum); a value guess wins over a name guess;
- every e-mail column as ``identity: email`` (as Fides' own example datasets do: a person's
  address in any table finds that row);
- foreign keys as references, and columns named ``<table>_id`` without a constraint as guessed
  references (listed in the file's header). The direction follows the path from the identity
  tables: "from" when the referenced table is nearer to the person (its rows give the keys),
  "to" otherwise; a table that has identities of its own is never looked up "to", so a
  person's answer does not pull other people's rows;
- tables that no identity or reference reaches are left out of the dataset (it would not
  import) and written commented out at the end of the file, ready to move in once a reference
  is added.

Sampled values never leave this module: they are not printed, logged, stored or written.
"""

from __future__ import annotations

import ipaddress
import math
import re
import sqlite3
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import yaml
from django.db import transaction
from django.utils import timezone

from garde.core.errors import GardeError
from garde.core.services import audit_record
from garde.dsr.choices import SystemType
from garde.dsr.datasets import dataset_to_yaml, spec_to_dict
from garde.dsr.spec import CollectionSpec, DatasetSpec, Direction, FieldSpec, Reference

if TYPE_CHECKING:
    from garde.accounts.models import User
    from garde.dsr.models import DataSystem

SAMPLE_DEFAULT = 20
CONNECT_TIMEOUT_S = 5
VALUE_SHARE = 0.8  # share of sampled values that must match for a value-based guess

EMAIL = "user.contact.email"
PHONE = "user.contact.phone_number"
IP = "user.device.ip_address"
IBAN = "user.financial.bank_account"


@dataclass(frozen=True)
class Column:
    name: str
    db_type: str
    data_type: str | None  # fideslang: string, integer, float, boolean
    length: int | None
    textual: bool  # sampled to guess its category


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    target: str


@dataclass
class Table:
    """One table as introspected. ``samples`` holds a few non-null values per text column, only
    while the draft is computed."""

    name: str
    columns: list[Column]
    primary_key: list[str] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    samples: dict[str, list[object]] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Draft:
    spec: DatasetSpec
    yaml_text: str
    tables: tuple[str, ...]  # every table found
    left_out: tuple[str, ...]  # not reachable from an identity: commented out in the file
    guessed_references: tuple[str, ...]  # "table.column -> table.column", no FK in the schema


class DraftError(GardeError):
    code = "dsr_draft"


# --- type mapping --------------------------------------------------------------------------

_LENGTH = re.compile(r"\(\s*(\d+)\s*\)")


def column_type(db_type: str, length: int | None = None) -> tuple[str | None, int | None, bool]:
    """(fideslang data_type, length, sampled?) for a database type name."""
    kind = db_type.lower().strip()
    if not kind:  # SQLite column without a declared type: anything, so look at it
        return None, None, True
    if "bool" in kind or kind == "bit":
        return "boolean", None, False
    if "int" in kind or "serial" in kind:
        return "integer", None, False
    if any(t in kind for t in ("numeric", "decimal", "real", "double", "float")):
        return "float", None, False
    if kind in ("inet", "cidr"):
        return "string", None, True
    if kind == "uuid":
        return "string", None, False
    if any(t in kind for t in ("char", "text", "clob", "citext", "enum", "set(")):
        if length is None and ("char" in kind):
            found = _LENGTH.search(kind)
            length = int(found.group(1)) if found else None
        return "string", length if "char" in kind else None, True
    return None, None, False


# --- introspection -------------------------------------------------------------------------


def _sqlite_quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def introspect_sqlite(url: str, *, sample: int) -> list[Table]:
    from urllib.parse import quote

    from garde.dsr.connectors.sqlite import sqlite_path

    path = sqlite_path(url)
    try:
        connection = sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DraftError(f"cannot open the SQLite database: {exc}") from exc
    with closing(connection):
        try:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            tables: list[Table] = []
            for name in names:
                info = connection.execute(f"PRAGMA table_info({_sqlite_quote(name)})").fetchall()
                columns = []
                for _cid, column, declared, _notnull, _default, _pk in info:
                    data_type, length, textual = column_type(declared or "")
                    columns.append(Column(column, declared or "", data_type, length, textual))
                primary_key = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5] > 0]
                table = Table(name, columns, primary_key)
                fk_rows = connection.execute(
                    f"PRAGMA foreign_key_list({_sqlite_quote(name)})"
                ).fetchall()
                parent_keys: dict[str, list[str]] = {}
                for _id, seq, parent, source, target, *_rest in fk_rows:
                    if target is None:  # REFERENCES parent: the parent's primary key
                        if parent not in parent_keys:
                            parent_info = connection.execute(
                                f"PRAGMA table_info({_sqlite_quote(parent)})"
                            ).fetchall()
                            parent_keys[parent] = [
                                r[1] for r in sorted(parent_info, key=lambda r: r[5]) if r[5] > 0
                            ]
                        keys = parent_keys[parent]
                        target = keys[seq] if seq < len(keys) else None
                    if target is not None:
                        table.foreign_keys.append(ForeignKey(source, parent, target))
                for column_info in columns:
                    if column_info.textual and sample:
                        rows = connection.execute(
                            f"SELECT {_sqlite_quote(column_info.name)} "  # noqa: S608 - quoted
                            f"FROM {_sqlite_quote(name)} "
                            f"WHERE {_sqlite_quote(column_info.name)} IS NOT NULL LIMIT ?",
                            (sample,),
                        ).fetchall()
                        table.samples[column_info.name] = [r[0] for r in rows]
                tables.append(table)
        except sqlite3.Error as exc:
            raise DraftError(f"SQLite error: {exc}") from exc
    return tables


_PG_COLUMNS = """
SELECT table_name, column_name, data_type, udt_name, character_maximum_length
FROM information_schema.columns
WHERE table_schema = current_schema()
ORDER BY table_name, ordinal_position
"""
_PG_TABLES = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
ORDER BY table_name
"""
_PG_PRIMARY_KEYS = """
SELECT kcu.table_name, kcu.column_name
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu
  ON kcu.constraint_schema = tc.constraint_schema AND kcu.constraint_name = tc.constraint_name
 AND kcu.table_name = tc.table_name
WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()
ORDER BY kcu.table_name, kcu.ordinal_position
"""
_PG_FOREIGN_KEYS = """
SELECT cl.relname, a.attname, rcl.relname, ra.attname
FROM pg_catalog.pg_constraint co
JOIN pg_catalog.pg_class cl ON cl.oid = co.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace
JOIN pg_catalog.pg_class rcl ON rcl.oid = co.confrelid
JOIN pg_catalog.pg_namespace rn ON rn.oid = rcl.relnamespace
CROSS JOIN LATERAL unnest(co.conkey, co.confkey) WITH ORDINALITY AS k(col, refcol, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = co.conrelid AND a.attnum = k.col
JOIN pg_catalog.pg_attribute ra ON ra.attrelid = co.confrelid AND ra.attnum = k.refcol
WHERE co.contype = 'f' AND n.nspname = current_schema() AND rn.nspname = current_schema()
ORDER BY cl.relname, co.conname, k.ord
"""


def introspect_postgres(url: str, *, sample: int) -> list[Table]:
    """The tables of the connection's current schema (the first of its search path)."""
    import psycopg
    from psycopg import sql

    try:
        connection = psycopg.connect(url, connect_timeout=CONNECT_TIMEOUT_S)
    except psycopg.Error as exc:
        raise DraftError(f"cannot connect to PostgreSQL: {exc}") from exc
    with closing(connection):
        try:
            # Every statement runs in a read-only transaction, rolled back on close.
            connection.read_only = True
            names = [r[0] for r in connection.execute(_PG_TABLES).fetchall()]
            tables = {name: Table(name, []) for name in names}
            for table_name, name, data_type, udt, length in connection.execute(
                _PG_COLUMNS
            ).fetchall():
                if table_name in tables:
                    kind = udt if data_type == "USER-DEFINED" else data_type
                    kind = "inet" if udt in ("inet", "cidr") else kind
                    fides_type, size, textual = column_type(kind, length)
                    tables[table_name].columns.append(Column(name, kind, fides_type, size, textual))
            for table_name, name in connection.execute(_PG_PRIMARY_KEYS).fetchall():
                if table_name in tables:
                    tables[table_name].primary_key.append(name)
            for table_name, name, parent, target in connection.execute(_PG_FOREIGN_KEYS).fetchall():
                if table_name in tables:
                    tables[table_name].foreign_keys.append(ForeignKey(name, parent, target))
            if sample:
                for table in tables.values():
                    for column in table.columns:
                        if column.textual:
                            statement = sql.SQL(
                                "SELECT {c}::text FROM {t} WHERE {c} IS NOT NULL LIMIT %s"
                            ).format(c=sql.Identifier(column.name), t=sql.Identifier(table.name))
                            rows = connection.execute(statement, (sample,)).fetchall()
                            table.samples[column.name] = [r[0] for r in rows]
        except psycopg.Error as exc:
            raise DraftError(f"PostgreSQL error: {exc}") from exc
    return list(tables.values())


def introspect_mysql(url: str, *, sample: int) -> list[Table]:
    """The tables of the URL's database."""
    import pymysql  # type: ignore[import-untyped]

    from garde.dsr.connectors.base import ConnectorError
    from garde.dsr.connectors.mysql import mysql_connect_arguments, mysql_quote

    try:
        arguments = mysql_connect_arguments(url)
    except ConnectorError as exc:
        raise DraftError(str(exc)) from exc
    database = arguments.get("database")
    if not database:
        raise DraftError("the MySQL URL names no database (mysql://user@host/DATABASE)")
    try:
        connection = pymysql.connect(**arguments)
    except pymysql.MySQLError as exc:
        raise DraftError(f"cannot connect to MySQL: {exc}") from exc
    with closing(connection), connection.cursor() as cursor:
        try:
            cursor.execute("SET SESSION TRANSACTION READ ONLY")

            def rows(statement: str, *parameters: object) -> list[tuple[Any, ...]]:
                cursor.execute(statement, parameters)
                return list(cursor.fetchall())

            tables = {
                r[0]: Table(r[0], [])
                for r in rows(
                    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
                    "AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME",
                    database,
                )
            }
            for table_name, name, kind, length in rows(
                "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, CHARACTER_MAXIMUM_LENGTH "
                "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s "
                "ORDER BY TABLE_NAME, ORDINAL_POSITION",
                database,
            ):
                if table_name in tables:
                    fides_type, size, textual = column_type(
                        str(kind), int(length) if length is not None else None
                    )
                    tables[table_name].columns.append(
                        Column(name, str(kind), fides_type, size, textual)
                    )
            for table_name, name in rows(
                "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                "WHERE TABLE_SCHEMA = %s AND CONSTRAINT_NAME = 'PRIMARY' "
                "ORDER BY TABLE_NAME, ORDINAL_POSITION",
                database,
            ):
                if table_name in tables:
                    tables[table_name].primary_key.append(name)
            for table_name, name, parent, target in rows(
                "SELECT TABLE_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME "
                "FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s "
                "AND REFERENCED_TABLE_SCHEMA = %s AND REFERENCED_TABLE_NAME IS NOT NULL "
                "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION",
                database,
                database,
            ):
                if table_name in tables:
                    tables[table_name].foreign_keys.append(ForeignKey(name, parent, target))
            if sample:
                for table in tables.values():
                    for column in table.columns:
                        if column.textual:
                            found = rows(
                                f"SELECT {mysql_quote(column.name)} "  # noqa: S608 - quoted
                                f"FROM {mysql_quote(table.name)} "
                                f"WHERE {mysql_quote(column.name)} IS NOT NULL LIMIT %s",
                                sample,
                            )
                            table.samples[column.name] = [r[0] for r in found]
        except pymysql.MySQLError as exc:
            raise DraftError(f"MySQL error: {exc}") from exc
    return list(tables.values())


INTROSPECTORS: dict[str, Callable[..., list[Table]]] = {
    SystemType.SQLITE: introspect_sqlite,
    SystemType.POSTGRES: introspect_postgres,
    SystemType.MYSQL: introspect_mysql,
}


def schema_introspect(system_type: str, url: str, *, sample: int = SAMPLE_DEFAULT) -> list[Table]:
    """The tables of a database, with up to ``sample`` values per text column (in memory)."""
    if system_type == SystemType.INTERNAL:
        raise DraftError(
            "Garde's own stores are described by the built-in datasets "
            "('garde dsr dataset builtin')",
            code="dsr_draft_unsupported",
        )
    introspect = INTROSPECTORS.get(system_type)
    if introspect is None:
        raise DraftError(
            f"a dataset can be drafted only for {', '.join(sorted(INTROSPECTORS))} systems, "
            f"not {system_type}",
            code="dsr_draft_unsupported",
        )
    return introspect(url, sample=sample)


# --- guessing categories -------------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE_SEPARATORS = re.compile(r"[\s.\-()/]")
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")
_FRENCH_PHONE = re.compile(r"^(0[1-9]\d{8}|0033[1-9]\d{8})$")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")


def iban_valid(text: str) -> bool:
    """An IBAN whose ISO 13616 mod-97 checksum holds (spaces ignored)."""
    compact = re.sub(r"\s", "", text).upper()
    if not _IBAN.match(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def _is_email(text: str) -> bool:
    return bool(_EMAIL.match(text))


def _is_phone(text: str) -> bool:
    compact = _PHONE_SEPARATORS.sub("", text)
    return bool(_E164.match(compact) or _FRENCH_PHONE.match(compact))


def _is_ip(text: str) -> bool:
    if "." not in text and ":" not in text:
        return False
    try:
        ipaddress.ip_interface(text)
    except ValueError:
        return False
    return True


VALUE_DETECTORS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    (EMAIL, _is_email),
    (IBAN, iban_valid),
    (IP, _is_ip),
    (PHONE, _is_phone),
)


def category_from_values(values: Iterable[object]) -> str | None:
    """The category most sampled values show (e-mail, IBAN, IP, phone), or None."""
    texts = [str(v).strip() for v in values if v is not None and not isinstance(v, bool)]
    texts = [t for t in texts if t]
    if not texts:
        return None
    needed = max(1, math.ceil(VALUE_SHARE * len(texts)))
    for category, matches in VALUE_DETECTORS:
        if sum(1 for t in texts if matches(t)) >= needed:
            return category
    return None


def _tokens(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [t for t in re.split(r"[^a-zA-Z0-9]+", spaced.lower()) if t]


PERSON_TABLES = frozenset(
    {
        "user", "users", "customer", "customers", "client", "clients", "person", "persons",
        "people", "member", "members", "employee", "employees", "contact", "contacts",
        "account", "accounts", "patient", "patients", "subscriber", "subscribers", "candidate",
        "candidates", "applicant", "applicants", "profile", "profiles", "utilisateur",
        "utilisateurs", "personne", "personnes", "salarie", "salaries",
    }
)  # fmt: skip
ADDRESS_PARTS = frozenset(
    {"street", "city", "town", "zip", "zipcode", "postcode", "postal", "address", "ville", "rue"}
)

# (category, exact compact names, tokens any of which is enough, substrings of the compact name)
_NAME_RULES: tuple[tuple[str, frozenset[str], frozenset[str], tuple[str, ...]], ...] = (
    (
        "user.authorization.credentials",
        frozenset({"pwd", "passwd", "secret", "apikey", "token"}),
        frozenset({"password", "passwd", "pwd", "passphrase", "secret", "token"}),
        ("password", "motdepasse"),
    ),
    (EMAIL, frozenset({"mail"}), frozenset({"email", "courriel"}), ("email", "courriel")),
    (
        IP,
        frozenset({"ip", "ipaddr", "remoteaddr"}),
        frozenset({"ip", "ipv4", "ipv6"}),
        ("ipaddress",),
    ),
    (
        PHONE,
        frozenset(),
        frozenset({"phone", "tel", "telephone", "mobile", "portable", "gsm", "cell", "msisdn"}),
        ("phone",),
    ),
    ("user.contact.fax_number", frozenset(), frozenset({"fax"}), ()),
    (
        "user.name.first",
        frozenset({"firstname", "givenname", "forename", "prenom", "fname"}),
        frozenset({"prenom"}),
        ("firstname",),
    ),
    (
        "user.name.last",
        frozenset({"lastname", "surname", "familyname", "nom", "lname", "nomdefamille"}),
        frozenset({"surname"}),
        ("lastname", "familyname"),
    ),
    (
        "user.name",
        frozenset({"fullname", "displayname", "nomcomplet", "contactname", "customername"}),
        frozenset(),
        ("fullname",),
    ),
    ("user.account.username", frozenset({"username", "login", "userlogin"}), frozenset(), ()),
    (
        "user.demographic.date_of_birth",
        frozenset({"dob", "naissance", "datenaissance", "datedenaissance", "birthday"}),
        frozenset({"birth", "birthdate", "birthday"}),
        ("birth", "naissance"),
    ),
    (IBAN, frozenset({"rib"}), frozenset({"iban", "rib"}), ("iban", "bankaccount")),
    (
        "user.financial.credit_card",
        frozenset({"ccn", "pan", "cardnumber"}),
        frozenset({"ccn"}),
        ("creditcard", "cardnumber"),
    ),
    (
        "user.government_id.national_identification_number",
        frozenset({"ssn", "nir", "insee", "nationalid"}),
        frozenset({"ssn", "nir"}),
        ("socialsecurity", "nationalid"),
    ),
    ("user.government_id.passport_number", frozenset(), frozenset({"passport"}), ("passport",)),
    (
        "user.contact.address.postal_code",
        frozenset({"zip", "zipcode", "postcode", "postalcode", "codepostal", "cp"}),
        frozenset({"zip", "zipcode", "postcode", "postal"}),
        ("postalcode", "zipcode"),
    ),
    ("user.contact.address.city", frozenset(), frozenset({"city", "town", "ville"}), ()),
    ("user.contact.address.country", frozenset(), frozenset({"country", "pays"}), ()),
    (
        "user.contact.address.street",
        frozenset({"house", "housenumber", "streetnumber"}),
        frozenset({"street", "address", "addr", "adresse", "rue"}),
        ("addressline",),
    ),
    ("user.demographic.gender", frozenset({"sex", "gender", "sexe", "genre"}), frozenset(), ()),
    (
        "user.location.precise",
        frozenset({"lat", "lng", "lon", "latitude", "longitude", "geolocation", "gps"}),
        frozenset({"latitude", "longitude"}),
        (),
    ),
    (
        "user.job_title",
        frozenset({"jobtitle", "fonction", "occupation"}),
        frozenset(),
        ("jobtitle",),
    ),
    ("user.device.cookie_id", frozenset(), frozenset({"cookie"}), ()),
    ("user.device.device_id", frozenset({"deviceid"}), frozenset(), ()),
    ("user.device", frozenset({"useragent"}), frozenset(), ("useragent",)),
)
# Meaningful only in a table about a person or an address.
_CONTEXT_RULES: dict[str, str] = {
    "name": "user.name",
    "nom": "user.name",
    "url": "user.contact.url",
    "website": "user.contact.url",
    "language": "user.demographic.language",
    "locale": "user.demographic.language",
    "state": "user.contact.address.state",
    "region": "user.contact.address.state",
    "province": "user.contact.address.state",
}


def _is_person_table(table: Table) -> bool:
    if set(_tokens(table.name)) & PERSON_TABLES:
        return True
    return any(
        category_from_name(c.name, person_table=False) == EMAIL and "id" not in _tokens(c.name)
        for c in table.columns
    )


def _is_address_table(table: Table) -> bool:
    return sum(1 for c in table.columns if set(_tokens(c.name)) & ADDRESS_PARTS) >= 2


def category_from_name(
    name: str, *, person_table: bool = False, address_table: bool = False
) -> str | None:
    """The category a column's name suggests, or None. Key columns (``…_id``) get none."""
    tokens = _tokens(name)
    if not tokens or tokens[-1] in ("id", "uuid", "key", "fk", "pk"):
        return None
    compact = "".join(tokens)
    for category, exact, any_token, parts in _NAME_RULES:
        if compact in exact or set(tokens) & any_token or any(p in compact for p in parts):
            return category
    context = _CONTEXT_RULES.get(compact)
    if context is not None:
        if context == "user.contact.address.state":
            return context if address_table else None
        return context if person_table else None
    return None


# --- the draft -----------------------------------------------------------------------------


def _guess_category(table: Table, column: Column, person: bool, address: bool) -> str | None:
    if column.db_type.lower() in ("inet", "cidr"):
        return IP
    by_values = category_from_values(table.samples.get(column.name, ()))
    return by_values or category_from_name(column.name, person_table=person, address_table=address)


def _name_reference(table: Table, column: Column, by_name: dict[str, Table]) -> ForeignKey | None:
    """``customer_id`` -> ``customer.id`` (or ``customers``), ``shipping_address_id`` ->
    ``address.id``: the longest suffix of the name that names a table with a one-column key."""
    tokens = _tokens(column.name)
    if len(tokens) < 2 or tokens[-1] != "id":
        return None
    stem = tokens[:-1]
    for start in range(len(stem)):
        base = "_".join(stem[start:])
        for candidate in (base, f"{base}s", f"{base}es", base.removesuffix("s")):
            target = by_name.get(candidate)
            if target is None or target is table or len(target.primary_key) != 1:
                continue
            key = next(c for c in target.columns if c.name == target.primary_key[0])
            if column.data_type and key.data_type and column.data_type != key.data_type:
                continue
            return ForeignKey(column.name, target.name, key.name)
    return None


def _distances(roots: Iterable[str], links: Iterable[tuple[str, str]]) -> dict[str, int]:
    neighbours: dict[str, set[str]] = {}
    for a, b in links:
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    distance = dict.fromkeys(roots, 0)
    queue = deque(sorted(distance))
    while queue:
        here = queue.popleft()
        for there in sorted(neighbours.get(here, ())):
            if there not in distance:
                distance[there] = distance[here] + 1
                queue.append(there)
    return distance


def draft_from_tables(
    tables: Sequence[Table], *, fides_key: str, name: str, source: str = ""
) -> Draft:
    """The dataset proposed for ``tables`` (see the module's docstring), and its YAML."""
    by_name = {t.name.lower(): t for t in tables}
    categories: dict[tuple[str, str], str | None] = {}
    for table in tables:
        person, address = _is_person_table(table), _is_address_table(table)
        for column in table.columns:
            categories[(table.name, column.name)] = _guess_category(table, column, person, address)

    links: list[tuple[Table, ForeignKey, bool]] = []  # (child, key, guessed)
    for table in tables:
        declared = {fk.column for fk in table.foreign_keys}
        links += [(table, fk, False) for fk in table.foreign_keys]
        for column in table.columns:
            if column.name not in declared:
                guess = _name_reference(table, column, by_name)
                if guess is not None:
                    links.append((table, guess, True))

    roots = {
        t.name for t in tables if any(categories[(t.name, c.name)] == EMAIL for c in t.columns)
    }
    distance = _distances(roots, ((child.name, fk.table) for child, fk, _ in links))
    references: dict[tuple[str, str], list[Reference]] = {}
    guessed: list[str] = []
    for child, fk, was_guessed in links:
        if child.name not in distance or fk.table not in distance:
            continue
        direction: Direction = (
            "from" if fk.table in roots or distance[fk.table] < distance[child.name] else "to"
        )
        references.setdefault((child.name, fk.column), []).append(
            Reference(dataset=fides_key, collection=fk.table, field=fk.target, direction=direction)
        )
        if was_guessed:
            guessed.append(f"{child.name}.{fk.column} -> {fk.table}.{fk.target}")

    def collection(table: Table) -> CollectionSpec:
        fields = []
        for column in table.columns:
            category = categories[(table.name, column.name)]
            fields.append(
                FieldSpec(
                    name=column.name,
                    path=(column.name,),
                    data_categories=(category,) if category else (),
                    identity="email" if category == EMAIL else None,
                    primary_key=column.name in table.primary_key,
                    references=tuple(references.get((table.name, column.name), ())),
                    data_type=column.data_type,
                    length=column.length,
                )
            )
        return CollectionSpec(name=table.name, fields=tuple(fields))

    kept = [t for t in tables if t.name in distance and t.columns]
    left_out = [t for t in tables if t not in kept]
    description = (
        "DRAFT — review before import. Proposed by 'garde dsr dataset draft' from the schema"
        + (f" of {source}" if source else "")
        + ": data categories, identities and references are guesses."
    )
    spec = DatasetSpec(
        fides_key=fides_key,
        name=name,
        description=description,
        collections=tuple(collection(t) for t in kept),
    )
    yaml_text = _yaml(spec, left_out=[collection(t) for t in left_out], guessed=guessed)
    return Draft(
        spec=spec,
        yaml_text=yaml_text,
        tables=tuple(t.name for t in tables),
        left_out=tuple(t.name for t in left_out),
        guessed_references=tuple(guessed),
    )


def _yaml(spec: DatasetSpec, *, left_out: list[CollectionSpec], guessed: list[str]) -> str:
    header = [
        "# DRAFT — review before import ('garde dsr dataset import FILE').",
        f"# Drafted {timezone.now():%Y-%m-%d %H:%M %Z} from a database's schema. Check every",
        "# data category (guessed from column names and from a few sampled values, which are",
        "# not written anywhere), every identity (each e-mail column finds a person's rows)",
        "# and every reference.",
    ]
    if guessed:
        header.append("# References guessed from column names (no foreign key in the schema):")
        header += [f"#   {g}" for g in guessed]
    lines = [*header, dataset_to_yaml(spec).rstrip("\n")] if spec.collections else header
    if left_out:
        lines += [
            "#",
            "# Tables left out: no identity column, and no reference leads to them from one.",
            "# Add an identity or a reference, then move them into 'collections' above:",
        ]
        holder = DatasetSpec(fides_key=spec.fides_key, name=spec.name, collections=tuple(left_out))
        block = yaml.safe_dump(
            spec_to_dict(holder)["collections"],
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=False,
        )
        lines += [f"#   {line}" for line in block.rstrip("\n").splitlines()]
    return "\n".join(lines) + "\n"


def dataset_draft(
    *,
    system: DataSystem,
    fides_key: str | None = None,
    sample: int = SAMPLE_DEFAULT,
    actor: User | None = None,
) -> Draft:
    """Introspect ``system`` and propose a dataset for it (nothing is imported). The read of
    the system, which samples personal data in memory, is audited; the values are not."""
    tables = schema_introspect(system.type, system.url, sample=sample)
    key = fides_key or system.name.replace("-", "_")
    draft = draft_from_tables(
        tables, fides_key=key, name=f"{system.name} (draft)", source=f"system {system.name}"
    )
    with transaction.atomic():
        audit_record(
            action="dsr.dataset_drafted",
            actor=actor,
            obj=system,
            details={
                "fides_key": key,
                "tables": len(draft.tables),
                "left_out": list(draft.left_out),
                "sample": sample,
            },
        )
    return draft


__all__ = [
    "SAMPLE_DEFAULT",
    "Column",
    "Draft",
    "DraftError",
    "ForeignKey",
    "Table",
    "category_from_name",
    "category_from_values",
    "dataset_draft",
    "draft_from_tables",
    "iban_valid",
    "schema_introspect",
]
