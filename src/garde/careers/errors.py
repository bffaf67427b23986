"""Refused actions of the careers app, with stable codes."""

from __future__ import annotations

from garde.core.errors import GardeError


class CareersError(GardeError):
    code = "careers_error"


class CvRefusedError(CareersError):
    code = "cv_refused"


class OfferClosedError(CareersError):
    code = "offer_closed"
    status = 409


class TransitionError(CareersError):
    code = "invalid_transition"
    status = 409


class AlreadySubmittedError(CareersError):
    """The same form was posted again (a double click, a reload): the first post stands."""

    code = "already_submitted"
    status = 409
