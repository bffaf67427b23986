"""Console pages of the connection logs (system administrators only) and the public key.

The search is a POST: the reason and the filters (an address, an account) stay out of URLs,
server logs and browser history. Each page of results is a new query, audited as such; the
export button posts the same form to the export view, which answers with a ZIP holding the CSV
and its signed manifest. The empty search page reads nothing from the connection-log store.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from garde.accounts.models import User
from garde.connlogs.checkpoint import verifier_key
from garde.connlogs.export import connlog_export_write
from garde.connlogs.forms import ConnlogQueryForm
from garde.connlogs.queries import connlog_heads_latest, connlog_query
from garde.core.errors import GardeError
from garde.core.permissions import public, roles_required
from garde.core.roles import Role
from garde.core.signing import key_id, public_key, public_key_pem

PAGE_SIZE = 50
SPOOL_BYTES = 8 * 1024 * 1024  # exports larger than this go to a temporary file


@dataclass(frozen=True)
class Pages:
    number: int
    count: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


def _attach_error(form: ConnlogQueryForm, error: GardeError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _render(request: HttpRequest, context: dict[str, object], *, status: int) -> HttpResponse:
    return render(request, "connlogs/console_search.html", context, status=status)


@roles_required(Role.SYSADMIN)
def search_view(request: HttpRequest) -> HttpResponse:
    form = ConnlogQueryForm(request.POST if request.method == "POST" else None)
    context: dict[str, object] = {"form": form, "section": "connlogs"}
    if request.method != "POST" or not form.is_valid():
        return _render(request, context, status=400 if form.errors else 200)
    number = form.cleaned_data["page"] or 1
    try:
        result = connlog_query(
            actor=request.user,  # type: ignore[arg-type]
            limit=PAGE_SIZE,
            offset=(number - 1) * PAGE_SIZE,
            request=request,
            extra={"channel": "console"},
            **form.filters(),
        )
    except GardeError as error:
        _attach_error(form, error)
        return _render(request, context, status=400)
    context.update(
        {
            "searched": True,
            "rows": result.rows,
            "total": result.total,
            "pages": Pages(number=number, count=max(1, -(-result.total // PAGE_SIZE))),
            "heads": connlog_heads_latest(),
        }
    )
    return _render(request, context, status=200)


@roles_required(Role.SYSADMIN)
@require_POST
def export_view(request: HttpRequest) -> HttpResponseBase:
    form = ConnlogQueryForm(request.POST)
    if not form.is_valid():
        return _render(request, {"form": form, "section": "connlogs"}, status=400)
    actor: User = request.user  # type: ignore[assignment]
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"connlogs-{stamp}.csv"
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as csv_file:
        try:
            manifest = connlog_export_write(
                actor=actor,
                stream=csv_file,
                file_name=name,
                channel="console",
                request=request,
                **form.filters(),
            )
        except GardeError as error:
            _attach_error(form, error)
            return _render(request, {"form": form, "section": "connlogs"}, status=400)
        archive = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - FileResponse closes it
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            csv_file.seek(0)
            with bundle.open(name, "w", force_zip64=True) as member:
                while block := csv_file.read(1 << 20):
                    member.write(block)
            bundle.writestr(
                f"{name}.manifest.json",
                json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            )
    archive.seek(0)
    return FileResponse(
        archive,
        as_attachment=True,
        filename=f"connlogs-{stamp}.zip",
        content_type="application/zip",
    )


@public
@require_GET
def public_key_view(request: HttpRequest) -> HttpResponse:
    """The key that signs the connection-log heads and exports: the signed-note verifier key
    (C2SP), then the PEM public key; ``?format=json`` gives both in JSON."""
    origin = str(settings.GARDE_CONNLOGS_ORIGIN)
    verifier = verifier_key(origin, public_key())
    if request.GET.get("format") == "json":
        body = {
            "origin": origin,
            "verifier_key": verifier,
            "key_id": key_id(),
            "public_key_pem": public_key_pem(),
            "algorithm": "ed25519",
        }
        response = HttpResponse(json.dumps(body, indent=2) + "\n", content_type="application/json")
    else:
        response = HttpResponse(
            f"{verifier}\n\n{public_key_pem()}", content_type="text/plain; charset=utf-8"
        )
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=3600"
    return response
