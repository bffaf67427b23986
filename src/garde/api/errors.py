from garde.core.errors import GardeError


class ApiKeyMissingError(GardeError):
    code = "unauthenticated"
    status = 401


class ApiScopeError(GardeError):
    code = "insufficient_scope"
    status = 403
