"""The requester's side of an access package: the page a mailed link opens, and the download.

Opening the link (GET) only shows the package's expiry and a button: link-preview robots that
fetch mailed links must not count as a download. The download itself (POST from the button, or
a GET of ``…/telecharger/``) streams the zip as an attachment and is audited. The token is the
only key, never written to the audit trail; the page sends no referrer so it does not leak."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache

from garde.core.permissions import public
from garde.core.services import client_ip
from garde.dsr.access import (
    PackageExpiredError,
    PackageUnknownError,
    access_package_by_token,
    access_package_download,
    package_expired,
)


def _gone(request: HttpRequest, *, expired: bool) -> HttpResponse:
    response = render(
        request, "dsr/package_gone.html", {"expired": expired}, status=410 if expired else 404
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@public
@never_cache
def package_view(request: HttpRequest, token: str) -> HttpResponse:
    package = access_package_by_token(token)
    if package is None:
        return _gone(request, expired=False)
    if package_expired(package):
        return _gone(request, expired=True)
    response = render(
        request,
        "dsr/package.html",
        {"package": package, "token": token, "expires_at": timezone.localtime(package.expires_at)},
    )
    response["Referrer-Policy"] = "no-referrer"
    return response


@public
@never_cache
def package_download_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        data = access_package_download(token=token, ip=client_ip(request))
    except PackageUnknownError:
        return _gone(request, expired=False)
    except PackageExpiredError:
        return _gone(request, expired=True)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"personal-data-{timezone.localdate().isoformat()}.zip"
    )
    response["Cache-Control"] = "no-store, private"
    response["Referrer-Policy"] = "no-referrer"
    return response
