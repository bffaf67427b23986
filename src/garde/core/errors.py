"""One error type for business failures, with stable codes mapped once to HTTP responses."""

from __future__ import annotations


class GardeError(Exception):
    """A refused business action. ``code`` is stable (clients may switch on it); ``field`` names
    the input at fault when there is one."""

    code = "error"
    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "field": self.field}


class NotFoundError(GardeError):
    code = "not_found"
    status = 404


class PermissionDeniedError(GardeError):
    code = "forbidden"
    status = 403


class AuditImmutableError(GardeError):
    code = "audit_immutable"
    status = 409
