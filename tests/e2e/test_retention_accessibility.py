"""Accessibility (axe-core, WCAG 2.1 A/AA) of the DPO's retention pages, with rules, a hold and
a sweep on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from garde.accounts import demo
from garde.accounts.models import User
from garde.retention.choices import HoldBasis
from garde.retention.services import legal_hold_place, retention_sweep
from tests.e2e.test_accessibility import axe_page, log_in, violations
from tests.retention.factories import register_publish, retention_rule

if TYPE_CHECKING:
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

__all__ = ["axe_page"]  # the fixture, imported to be used here


def test_retention_pages_have_no_serious_violation(axe_page: Page, live_server: LiveServer) -> None:
    demo.load()
    register_publish(
        retention_rule(), retention_rule("contact-forms", store="marketing.contact_requests")
    )
    dpo = User.objects.get(email="dpo@inherent.example")
    legal_hold_place(
        actor=dpo, email="x@acme.example", reason="Litige", legal_basis=HoldBasis.LITIGATION
    )
    sweep = retention_sweep(dry_run=True)
    log_in(axe_page, live_server.url, "dpo@inherent.example")
    found = {}
    for path in ["/console/retention/", f"/console/retention/sweeps/{sweep.pk}/"]:
        axe_page.goto(live_server.url + path)
        found[path] = violations(axe_page)
    assert found == {path: [] for path in found}
