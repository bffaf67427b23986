"""Errors of the newsletter, commercial contacts and mailings, with stable codes."""

from __future__ import annotations

from garde.core.errors import GardeError


class NewsletterInvalidError(GardeError):
    code = "newsletter_invalid"
    status = 400


class NewsletterLinkInvalidError(GardeError):
    """A confirmation or unsubscribe link whose signature does not check, or that expired."""

    code = "newsletter_link_invalid"
    status = 404


class ContactSuppressedError(GardeError):
    """The address objected to the operator's marketing: it cannot be registered again."""

    code = "contact_suppressed"
    status = 409


class ContactExistsError(GardeError):
    code = "contact_exists"
    status = 409


class MailingStateError(GardeError):
    """The mailing is not in a state that allows the action (edit a sent mailing, ...)."""

    code = "mailing_state"
    status = 409
