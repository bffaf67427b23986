"""Contact and callback submissions disappear one year after submission, nothing earlier, under
the published register's rule (activity ``contact-forms``, store ``marketing.contact_requests``),
with their notes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import time_machine

from garde.accounts.models import User
from garde.marketing.models import ContactNote, ContactRequest
from garde.marketing.services import contact_note_add, contact_request_submit
from garde.register.models import RegisterVersion
from garde.register.selectors import retention_rules_published
from garde.retention.registry import registry
from garde.retention.services import retention_sweep
from tests.marketing.conftest import CALLBACK, CONTACT, PUBLICATION

pytestmark = pytest.mark.django_db

SUBMITTED = PUBLICATION + timedelta(days=10)


def test_r_44_the_register_rule_for_contact_forms_is_one_year_and_has_a_handler(
    published: RegisterVersion,
) -> None:
    # given / when
    (rule,) = [r for r in retention_rules_published() if r.activity_slug == "contact-forms"]
    handler = registry.get(rule.store)
    # then
    assert (rule.store, rule.count, rule.unit, rule.anchor) == (
        "marketing.contact_requests",
        1,
        "years",
        "collection",
    )
    assert handler is not None
    assert handler.supports_anchor("collection")


@pytest.mark.django_db(databases=["default", "connlogs"])
def test_r_44_submissions_disappear_after_one_year_and_not_earlier(
    published: RegisterVersion, make_user: Callable[..., User]
) -> None:
    # given: a contact with a note, submitted on day 0, and a callback 30 days later
    with time_machine.travel(SUBMITTED, tick=False):
        old = contact_request_submit(kind="contact", **CONTACT)
        contact_note_add(contact_request=old, body="Rappelé", actor=make_user("sales"))
    with time_machine.travel(SUBMITTED + timedelta(days=30), tick=False):
        recent = contact_request_submit(kind="callback", **CALLBACK)
    # when: sweeps one day before the first one's year is up, then one day after
    with time_machine.travel(SUBMITTED + timedelta(days=364), tick=False):
        before = retention_sweep()
        kept_before = set(ContactRequest.objects.values_list("pk", flat=True))
    with time_machine.travel(SUBMITTED + timedelta(days=366), tick=False):
        after = retention_sweep()
    # then
    assert kept_before == {old.pk, recent.pk}
    assert set(ContactRequest.objects.values_list("pk", flat=True)) == {recent.pk}
    assert ContactNote.objects.count() == 0
    logs = {log.store: log for log in after.logs.all()}
    assert logs["marketing.contact_requests"].erased_count == 1
    before_logs = {log.store: log for log in before.logs.all()}
    assert before_logs["marketing.contact_requests"].erased_count == 0
    # and the callback goes in its own turn, a year after its own submission
    with time_machine.travel(SUBMITTED + timedelta(days=30 + 366), tick=False):
        retention_sweep()
    assert ContactRequest.objects.count() == 0
