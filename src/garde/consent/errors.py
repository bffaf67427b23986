"""Errors of the consent app, with stable codes."""

from __future__ import annotations

from garde.core.errors import GardeError, NotFoundError


class ConsentInvalidError(GardeError):
    code = "invalid"
    status = 400


class ConsentSiteNotFoundError(NotFoundError):
    code = "consent_site_not_found"


class ConsentBodyTooLargeError(GardeError):
    code = "payload_too_large"
    status = 413
