"""Stable error codes of the breach register."""

from garde.core.errors import GardeError


class BreachError(GardeError):
    code = "breach_error"


class DelayReasonRequiredError(BreachError):
    """Art. 33(1): a notification after the deadline gives the reasons for the delay."""

    code = "delay_reason_required"


class NotificationRequiredError(BreachError):
    """R-32 / R-38: a breach is closed unnotified only when a risk is unlikely, never under the
    telecom regime."""

    code = "notification_required"
    status = 409


class BreachStateError(BreachError):
    code = "invalid_state"
    status = 409


class MissingFieldsError(BreachError):
    code = "missing_fields"
