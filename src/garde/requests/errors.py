from garde.core.errors import GardeError


class RequestError(GardeError):
    code = "request_error"


class TransitionError(RequestError):
    code = "invalid_transition"
    status = 409


class ExtensionError(RequestError):
    code = "extension_refused"


class RefusalError(RequestError):
    code = "refusal_incomplete"


class AttachmentError(RequestError):
    code = "attachment_refused"
