"""Errors of the contact and callback forms and their queue, with stable codes."""

from __future__ import annotations

from garde.core.errors import GardeError


class ContactInvalidError(GardeError):
    code = "contact_invalid"
    status = 400


class ContactDuplicateError(GardeError):
    """The same submission arrived again (a double click, a resent form): it is not stored
    twice."""

    code = "contact_duplicate"
    status = 409


class ContactTransitionError(GardeError):
    code = "contact_transition"
    status = 409
