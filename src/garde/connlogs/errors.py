"""Errors of the connection-log store."""

from __future__ import annotations

from garde.core.errors import GardeError


class ConnlogsError(GardeError):
    code = "connlogs_error"


class ConnlogsNotFoundError(ConnlogsError):
    """No entry, segment or signed head matches."""

    code = "connlogs_not_found"
    status = 404


class ConnlogsProofError(ConnlogsError):
    """A proof cannot be produced for the heads or the entry given."""

    code = "connlogs_proof"
