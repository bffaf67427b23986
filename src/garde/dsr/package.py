"""The access package: what an access or portability request gives the person (GDPR art. 15
and 20), built from the engine's :class:`~garde.dsr.engine.AccessResult`.

Three kinds of files, the same data in each:

- ``data.json``: system name -> dataset fides_key -> collection -> list of rows, each row an
  object of the fields returned (dates, decimals, bytes and UUIDs as strings) — the
  machine-readable copy portability asks for;
- ``<system>/<dataset>/<collection>.csv``: one table per collection, nested values flattened
  into dotted column names, every text cell guarded against spreadsheet formula injection;
- ``index.html``: a self-contained report (inline CSS, no script) in French or English: what
  was found, what could not be returned and why, and what art. 15(1) requires from the
  published register (purposes, categories, recipients, retention, source, rights,
  automated decisions, the right to complain to the CNIL).

Building is pure apart from one read of the register: its art. 15 part is rendered once per
(register version, language, services) and cached, since every package of a day repeats it.
Tables are rendered by string joins of escaped cells, not by a template per row: the package
is built inside the access benchmark's 25 ms.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import re
import threading
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from garde.dsr.engine import AccessResult, Failure, Plan
from garde.dsr.runtime import DataMap
from garde.dsr.spec import CollectionSpec, FieldSpec
from garde.register.models import RegisterVersion
from garde.requests.documents import Section, date_text
from garde.requests.letters import T as LETTER_TEXTS
from garde.requests.letters import access_sections
from garde.requests.models import Request

if TYPE_CHECKING:
    from garde.dsr.connectors.base import Row

LANGUAGES = ("fr", "en")
DATA_FILE = "data.json"
INDEX_FILE = "index.html"
# index.html is for reading: beyond this many rows a collection's table stops and points to
# its CSV file, which (like data.json) always holds every row.
HTML_ROWS_MAX = 500
# OWASP "CSV injection": a spreadsheet evaluates a cell starting with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_PATH_CHARS = re.compile(r"[^A-Za-z0-9._-]+")

TEXTS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Vos données personnelles",
        "intro": "Ce document accompagne la copie des données personnelles vous concernant "
        "que {company} détient dans ses systèmes, établie le {date}.",
        "searched": "Données recherchées à partir de : {identities}.",
        "reference": "Référence de votre demande : {reference}.",
        "files": "Les mêmes données figurent dans le fichier data.json (format JSON, lisible "
        "par une machine, pour les transmettre à un autre service : art. 20 du RGPD) et dans "
        "un fichier CSV par table, rangé par système et par jeu de données.",
        "summary": "Résumé",
        "summary_text": "{rows} enregistrement(s) dans {collections} table(s).",
        "system": "Système",
        "dataset": "Jeu de données",
        "collection": "Table",
        "rows": "Enregistrements",
        "file": "Fichier",
        "missing": "Ce qui n'a pas pu être retourné",
        "missing_none": "Toutes les sources interrogées ont répondu : la copie est complète.",
        "missing_text": "Les tables suivantes n'ont pas pu être lues. Les données qu'elles "
        "contiennent éventuellement ne figurent pas dans cette copie ; nous vous les "
        "communiquerons dès que possible.",
        "reason": "Motif",
        "detail": "Détail technique",
        "kind_error": "erreur lors de la lecture",
        "kind_unavailable": "système indisponible",
        "kind_no_connector": "aucune connexion n'est configurée pour ce système",
        "kind_timeout": "durée de recherche dépassée",
        "not_searched": "Les tables suivantes n'ont pas été interrogées : aucun des "
        "identifiants fournis ne permet d'y retrouver des données vous concernant.",
        "data": "Données trouvées",
        "no_rows": "Aucune donnée vous concernant dans cette table.",
        "truncated": "Seuls les {shown} premiers enregistrements sur {total} sont affichés "
        "ici ; tous figurent dans le fichier {file} et dans data.json.",
        "caption": "{collection} ({system} · {dataset}) : {rows} enregistrement(s)",
        "art15": "Informations sur les traitements (article 15 du RGPD)",
        "scroll": "Tableau {name}, défilable horizontalement",
    },
    "en": {
        "title": "Your personal data",
        "intro": "This document comes with the copy of the personal data about you that "
        "{company} holds in its systems, made on {date}.",
        "searched": "Data searched for from: {identities}.",
        "reference": "Reference of your request: {reference}.",
        "files": "The same data is in the file data.json (JSON, machine-readable, to pass it "
        "on to another service: GDPR art. 20) and in one CSV file per table, filed by system "
        "and dataset.",
        "summary": "Summary",
        "summary_text": "{rows} record(s) in {collections} table(s).",
        "system": "System",
        "dataset": "Dataset",
        "collection": "Table",
        "rows": "Records",
        "file": "File",
        "missing": "What could not be returned",
        "missing_none": "Every source searched answered: the copy is complete.",
        "missing_text": "The following tables could not be read. Any data about you they may "
        "hold is not in this copy; we will send it to you as soon as possible.",
        "reason": "Reason",
        "detail": "Technical detail",
        "kind_error": "error while reading",
        "kind_unavailable": "system unavailable",
        "kind_no_connector": "no connection is configured for this system",
        "kind_timeout": "search time exceeded",
        "not_searched": "The following tables were not searched: none of the identifiers "
        "given leads to data about you in them.",
        "data": "Data found",
        "no_rows": "No data about you in this table.",
        "truncated": "Only the first {shown} of {total} records are shown here; all of them "
        "are in the file {file} and in data.json.",
        "caption": "{collection} ({system} · {dataset}): {rows} record(s)",
        "art15": "Information about the processing (GDPR article 15)",
        "scroll": "Table {name}, scrolls horizontally",
    },
}

STYLE = """
:root{color-scheme:light}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;
background:#fff;margin:0 auto;max-width:72rem;padding:1.5rem}
h1{font-size:1.8rem;margin:0 0 1rem}h2{font-size:1.35rem;margin:2rem 0 .5rem;
border-bottom:2px solid #1f4e79;padding-bottom:.2rem}h3{font-size:1.1rem;margin:1.5rem 0 .4rem}
a{color:#1f4e79}p{margin:.4rem 0}
.scroll{overflow-x:auto;margin:.5rem 0 1rem}
.scroll:focus{outline:3px solid #1f4e79}
table{border-collapse:collapse;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}
th,td{border:1px solid #8a8a8a;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#e8eef5}td{white-space:pre-wrap;word-break:break-word}
td.n{text-align:right}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}
dt{font-weight:600}dd{margin:0}
.note{background:#fff4e5;border-left:4px solid #b35c00;padding:.5rem .8rem}
@media print{body{max-width:none;padding:0}.scroll{overflow:visible}}
""".strip()


# --- values ---------------------------------------------------------------------------------


def json_value(value: object) -> object:
    """A value the JSON encoder does not know, as JSON: dates in ISO 8601, decimals as strings
    (no binary rounding), bytes in base64, UUIDs and anything else as their text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    return str(value)


def json_dumps(data: object) -> bytes:
    # No indent: only then does the json module use its C encoder (several times faster);
    # people read index.html, programs read data.json.
    return json.dumps(data, ensure_ascii=False, default=json_value).encode("utf-8")


def cell_text(value: object) -> str:
    """A value as one table cell (CSV and HTML); nested lists and objects as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset | dict):
        return json.dumps(value, ensure_ascii=False, default=json_value)
    return str(json_value(value))


def csv_safe(text: str) -> str:
    """``text`` prefixed with ``'`` when a spreadsheet would read it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: object) -> str:
    """A value as a CSV cell. Numbers are left as they are ("-5" is a number to a spreadsheet,
    not a formula); every other value's text is guarded (base64 may start with "+")."""
    if isinstance(value, int | float | Decimal):  # bool is an int: "true"/"false" are safe
        return cell_text(value)
    return csv_safe(cell_text(value))


def _flatten(row: Mapping[str, Any], prefix: str, out: dict[str, Any]) -> None:
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            _flatten(value, f"{name}.", out)
        else:
            out[name] = value


def row_flatten(row: Mapping[str, Any]) -> dict[str, Any]:
    """``{"a": {"b": 1}}`` -> ``{"a.b": 1}``; lists stay whole (one cell, as JSON)."""
    out: dict[str, Any] = {}
    _flatten(row, "", out)
    return out


def _leaf_columns(fields: Iterable[FieldSpec]) -> list[str]:
    columns: list[str] = []
    for spec_field in fields:
        if spec_field.fields:
            columns += _leaf_columns(spec_field.fields)
        else:
            columns.append(spec_field.dotted)
    return columns


def path_part(name: str) -> str:
    """A dataset or collection name as one safe path component (no separator, no ``..``)."""
    part = _UNSAFE_PATH_CHARS.sub("_", name).strip(".")
    return part or "_"


# --- the tables ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """One collection's rows, flattened once for the CSV and the HTML report."""

    system: str
    dataset: str
    collection: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]  # flattened values, in ``columns`` order

    @cached_property
    def csv_name(self) -> str:
        return "/".join(
            (path_part(self.system), path_part(self.dataset), f"{path_part(self.collection)}.csv")
        )

    @cached_property
    def anchor(self) -> str:
        return "t-" + "-".join(path_part(p) for p in (self.system, self.dataset, self.collection))


def table_build(
    *, system: str, dataset: str, collection: str, spec: CollectionSpec | None, rows: list[Row]
) -> Table:
    """Columns: the dataset's fields in declared order, then any other key a row holds."""
    flat = [row_flatten(row) for row in rows]
    columns = dict.fromkeys(_leaf_columns(spec.fields) if spec is not None else [])
    for row in flat:
        for name in row:
            if name not in columns:
                columns[name] = None
    names = tuple(columns)
    return Table(
        system=system,
        dataset=dataset,
        collection=collection,
        columns=names,
        rows=tuple(tuple(row.get(name) for name in names) for row in flat),
    )


def table_csv(table: Table) -> bytes:
    """UTF-8 with a byte-order mark, so spreadsheet software reads accents right."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_safe(c) for c in table.columns])
    writer.writerows([csv_cell(value) for value in row] for row in table.rows)
    return buffer.getvalue().encode("utf-8-sig")


# --- the register's part (art. 15(1)) ----------------------------------------------------


_ART15_CACHE: dict[tuple[int | None, str, str], tuple[str, str]] = {}
_ART15_LOCK = threading.Lock()
_ART15_CACHE_MAX = 32


def _section_html(section: Section, level: int) -> str:
    parts = [f"<h{level}>{escape(section.heading)}</h{level}>"]
    parts += [f"<p>{escape(p)}</p>" for p in section.paragraphs if p]
    if section.facts:
        facts = "".join(
            f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in section.facts
        )
        parts.append(f"<dl>{facts}</dl>")
    if section.items:
        parts.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in section.items) + "</ul>")
    parts += [_section_html(sub, min(level + 1, 6)) for sub in section.subsections]
    return "".join(parts)


def _art15_render(version: RegisterVersion | None, language: str, services: str) -> tuple[str, str]:
    """(company name, the art. 15 part as HTML) from ``version`` — the same sections the
    response letter gives (``requests.letters``), so the package and the letter agree."""
    operator: dict[str, Any] = version.snapshot.get("operator", {}) if version else {}
    company = str(operator.get("company_name") or settings.GARDE_OPERATOR_NAME)
    sections, _missing = access_sections(
        Request(services=services),  # unsaved: the letter only reads what it is about
        version,
        language,
        LETTER_TEXTS[language],
        None,
        str(operator.get("dpo_email") or ""),
    )
    body = "".join(_section_html(s, 3) for s in sections)
    heading = escape(TEXTS[language]["art15"])
    html = f'<section aria-labelledby="art15"><h2 id="art15">{heading}</h2>{body}</section>'
    return company, html


def art15_html(language: str, *, services: str = "") -> tuple[str, str]:
    """(company name, art. 15 HTML) from the latest published register, cached per version."""
    latest = RegisterVersion.objects.order_by("-number").values_list("pk", flat=True).first()
    key = (latest, language, services)
    cached = _ART15_CACHE.get(key)
    if cached is not None:
        return cached
    version = RegisterVersion.objects.get(pk=latest) if latest is not None else None
    rendered = _art15_render(version, language, services)
    with _ART15_LOCK:
        if len(_ART15_CACHE) >= _ART15_CACHE_MAX:
            _ART15_CACHE.clear()
        _ART15_CACHE[key] = rendered
    return rendered


def art15_cache_clear() -> None:
    with _ART15_LOCK:
        _ART15_CACHE.clear()


# --- the report ---------------------------------------------------------------------------


def _table_html(table: Table, t: dict[str, str]) -> str:
    caption = t["caption"].format(
        collection=table.collection,
        system=table.system,
        dataset=table.dataset,
        rows=len(table.rows),
    )
    heading = f'<h3 id="{table.anchor}">{escape(table.collection)}</h3>'
    if not table.rows:
        return f"{heading}<p>{escape(t['no_rows'])}</p>"
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in table.columns)
    shown = table.rows[:HTML_ROWS_MAX]
    body = "".join(
        "<tr><td>" + "</td><td>".join(escape(cell_text(value)) for value in row) + "</td></tr>"
        for row in shown
    )
    note = ""
    if len(table.rows) > len(shown):
        note = '<p class="note">{}</p>'.format(
            escape(
                t["truncated"].format(shown=len(shown), total=len(table.rows), file=table.csv_name)
            )
        )
    label = escape(t["scroll"].format(name=table.collection))
    return (
        f'{heading}<div class="scroll" role="region" tabindex="0" aria-label="{label}">'
        f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>{note}"
    )


def _failures_html(
    failures: Sequence[Failure],
    unreachable: Sequence[tuple[str, str, str]],
    system_of: Mapping[str, str],
    t: dict[str, str],
) -> str:
    parts = [f'<section aria-labelledby="missing"><h2 id="missing">{escape(t["missing"])}</h2>']
    if not failures:
        parts.append(f"<p>{escape(t['missing_none'])}</p>")
    else:
        parts.append(f'<p class="note">{escape(t["missing_text"])}</p>')
        head = "".join(
            f'<th scope="col">{escape(t[k])}</th>'
            for k in ("system", "dataset", "collection", "reason", "detail")
        )
        body = "".join(
            "<tr><td>"
            + "</td><td>".join(
                escape(v)
                for v in (
                    system_of.get(f.dataset, "-"),
                    f.dataset,
                    f.collection,
                    t.get(f"kind_{f.kind}", f.kind),
                    f.reason,
                )
            )
            + "</td></tr>"
            for f in failures
        )
        parts.append(
            f'<div class="scroll" role="region" tabindex="0" aria-label="{escape(t["missing"])}">'
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )
    if unreachable:
        parts.append(f"<p>{escape(t['not_searched'])}</p><ul>")
        parts += [
            f"<li>{escape(system)} · {escape(dataset)} · {escape(collection)}</li>"
            for system, dataset, collection in unreachable
        ]
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _summary_html(tables: Sequence[Table], t: dict[str, str]) -> str:
    head = "".join(
        f'<th scope="col">{escape(t[k])}</th>'
        for k in ("system", "dataset", "collection", "rows", "file")
    )
    body = "".join(
        f"<tr><td>{escape(tb.system)}</td><td>{escape(tb.dataset)}</td>"
        f'<td><a href="#{tb.anchor}">{escape(tb.collection)}</a></td>'
        f'<td class="n">{len(tb.rows)}</td><td>{escape(tb.csv_name)}</td></tr>'
        for tb in tables
    )
    total = sum(len(tb.rows) for tb in tables)
    text = t["summary_text"].format(rows=total, collections=len(tables))
    return (
        f'<section aria-labelledby="summary"><h2 id="summary">{escape(t["summary"])}</h2>'
        f"<p>{escape(text)}</p>"
        f'<div class="scroll" role="region" tabindex="0" aria-label="{escape(t["summary"])}">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div></section>"
    )


def index_html(
    *,
    tables: Sequence[Table],
    failures: Sequence[Failure],
    unreachable: Sequence[tuple[str, str, str]],
    system_of: Mapping[str, str],
    identities: Mapping[str, object],
    language: str,
    generated_at: datetime,
    reference: str = "",
    services: str = "",
) -> str:
    """The readable report, self-contained: one HTML file with its style sheet inline."""
    t = TEXTS[language]
    company, art15 = art15_html(language, services=services)
    searched = ", ".join(
        f"{k} : {v}" if language == "fr" else f"{k}: {v}" for k, v in identities.items()
    )
    intro = [
        t["intro"].format(company=company, date=date_text(generated_at, language)),
        t["searched"].format(identities=searched),
    ]
    if reference:
        intro.append(t["reference"].format(reference=reference))
    intro.append(t["files"])
    data = "".join(_table_html(table, t) for table in tables)
    return "".join(
        (
            f'<!DOCTYPE html>\n<html lang="{language}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(t['title'])} · {escape(company)}</title>"
            f"<style>{STYLE}</style></head><body><main>",
            f"<h1>{escape(t['title'])}</h1>",
            "".join(f"<p>{escape(p)}</p>" for p in intro),
            _summary_html(tables, t),
            _failures_html(failures, unreachable, system_of, t),
            f'<section aria-labelledby="data"><h2 id="data">{escape(t["data"])}</h2>',
            data,
            "</section>",
            art15,
            "</main></body></html>\n",
        )
    )


# --- the package --------------------------------------------------------------------------


def package_files(
    *,
    result: AccessResult,
    data_map: DataMap,
    identities: Mapping[str, object],
    language: str = "fr",
    plan: Plan | None = None,
    request: Request | None = None,
    generated_at: datetime | None = None,
) -> dict[str, bytes]:
    """Every file of the package, by its path inside the zip (``data.json`` first)."""
    language = language if language in LANGUAGES else "fr"
    generated_at = generated_at or timezone.now()
    specs = {d.fides_key: d for d in data_map.specs}
    system_of = {key: data_map.system_name(key) for key in specs}
    data: dict[str, dict[str, dict[str, list[Row]]]] = {}
    tables: list[Table] = []
    for dataset, collections in result.data.items():
        system = system_of.get(dataset) or data_map.system_name(dataset)
        spec = specs.get(dataset)
        for collection, rows in collections.items():
            data.setdefault(system, {}).setdefault(dataset, {})[collection] = rows
            tables.append(
                table_build(
                    system=system,
                    dataset=dataset,
                    collection=collection,
                    spec=spec.collection(collection) if spec is not None else None,
                    rows=rows,
                )
            )
    unreachable = (
        [(system_of.get(a.dataset, "-"), a.dataset, a.collection) for a in plan.unreachable]
        if plan is not None
        else []
    )
    files: dict[str, bytes] = {DATA_FILE: json_dumps(data)}
    files.update((table.csv_name, table_csv(table)) for table in tables)
    files[INDEX_FILE] = index_html(
        tables=tables,
        failures=result.failures,
        unreachable=unreachable,
        system_of=system_of,
        identities=identities,
        language=language,
        generated_at=generated_at,
        reference=request.reference if request is not None else "",
        services=request.services if request is not None else "",
    ).encode("utf-8")
    return files


def package_zip(files: Mapping[str, bytes], *, when: datetime | None = None) -> bytes:
    """The files as one zip archive (deflated), every entry dated ``when`` (default now)."""
    stamp = timezone.localtime(when or timezone.now())
    date_time = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=date_time)
            # Level 1: most of the size gain for a fraction of the time (text compresses well).
            zf.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return buffer.getvalue()


def package_build(
    *,
    result: AccessResult,
    data_map: DataMap,
    identities: Mapping[str, object],
    language: str = "fr",
    plan: Plan | None = None,
    request: Request | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """The package as a zip archive (see :func:`package_files`)."""
    generated_at = generated_at or timezone.now()
    files = package_files(
        result=result,
        data_map=data_map,
        identities=identities,
        language=language,
        plan=plan,
        request=request,
        generated_at=generated_at,
    )
    return package_zip(files, when=generated_at)


def package_write_dir(files: Mapping[str, bytes], directory: Path) -> list[Path]:
    """Write the package's files, unzipped, under ``directory`` (created if needed); returns
    the paths written. Names come from :func:`path_part`, so nothing lands outside."""
    root = directory.resolve()
    written: list[Path] = []
    for name, content in files.items():
        target = (root / name).resolve()
        if not target.is_relative_to(root):  # defence in depth: names are already sanitised
            raise ValueError(f"refusing to write outside {root}: {name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        written.append(target)
    return written


__all__ = [
    "DATA_FILE",
    "HTML_ROWS_MAX",
    "INDEX_FILE",
    "Table",
    "art15_cache_clear",
    "art15_html",
    "cell_text",
    "csv_cell",
    "csv_safe",
    "index_html",
    "json_value",
    "package_build",
    "package_files",
    "package_write_dir",
    "package_zip",
    "row_flatten",
    "table_build",
    "table_csv",
]
