"""The notification clock (R-32, R-38) and phased notification (R-33)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from garde.accounts.models import User
from garde.breaches.choices import NotificationKind, Regime, RiskLevel, ServiceKind
from garde.breaches.decisions import breach_close, breach_decide_authority
from garde.breaches.errors import DelayReasonRequiredError, NotificationRequiredError
from garde.breaches.models import AuthorityNotification, Breach
from garde.breaches.notifications import (
    breach_notification_draft,
    breach_notification_record_sent,
)
from garde.breaches.selectors import breach_clock
from garde.core.models import AuditEvent
from tests.breaches.conftest import PARIS, paris

pytestmark = pytest.mark.django_db


def test_r_32_deadline_is_72_clock_hours_after_awareness_across_the_spring_dst_change(
    make_breach: Callable[..., Breach],
) -> None:
    # given: aware on Saturday 29 March 2025 at 10:00 in Paris (UTC+1); clocks go forward
    # on Sunday 30 March
    breach = make_breach(aware_at=paris(2025, 3, 29, 10, 0))
    # when
    deadline = breach.deadline.astimezone(PARIS)
    # then: 72 elapsed hours end at 11:00 summer time (UTC+2) on Tuesday
    assert deadline == paris(2025, 4, 1, 11, 0)
    assert (deadline.hour, deadline.utcoffset()) == (11, timedelta(hours=2))
    assert breach.deadline - breach.aware_at == timedelta(hours=72)


def test_r_32_deadline_across_the_autumn_dst_change(make_breach: Callable[..., Breach]) -> None:
    # given: aware on Saturday 25 October 2025 at 10:00 (UTC+2); clocks go back on the 26th
    breach = make_breach(aware_at=paris(2025, 10, 25, 10, 0))
    # when
    deadline = breach.deadline.astimezone(PARIS)
    # then
    assert deadline == paris(2025, 10, 28, 9, 0)
    assert deadline.utcoffset() == timedelta(hours=1)


def test_r_32_clock_shows_the_time_left(make_breach: Callable[..., Breach]) -> None:
    # given
    breach = make_breach(aware_at=paris(2025, 3, 29, 10, 0))
    # when
    clock = breach_clock(breach, now=paris(2025, 3, 31, 10, 30))
    # then: 72 h - 47 h 30 (one hour was skipped on the 30th)
    assert (clock.hours_left, clock.minutes_left, clock.overdue) == (24, 30, False)


def test_r_38_internet_access_breach_gets_the_24_hour_clock(
    make_breach: Callable[..., Breach],
) -> None:
    # given / when
    breach = make_breach(aware_at=paris(2025, 3, 29, 10, 0), services=[ServiceKind.INTERNET_ACCESS])
    # then
    assert breach.regime == Regime.TELECOM
    assert breach.deadline.astimezone(PARIS) == paris(2025, 3, 30, 11, 0)


def test_r_38_hosting_breach_stays_under_the_gdpr_72_hours(
    make_breach: Callable[..., Breach],
) -> None:
    breach = make_breach(services=[ServiceKind.HOSTING])
    assert (breach.regime, breach.deadline - breach.aware_at) == (
        Regime.GDPR,
        timedelta(hours=72),
    )


def _draft(
    breach: Breach, dpo: User, kind: str = NotificationKind.INITIAL
) -> AuthorityNotification:
    return breach_notification_draft(breach=breach, actor=dpo, kind=kind)


def test_r_32_late_notification_without_delay_reason_is_refused(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    # given
    breach = make_breach(aware_at=paris(2025, 3, 29, 10, 0))
    draft = _draft(breach, dpo)
    events = AuditEvent.objects.count()
    # when
    with pytest.raises(DelayReasonRequiredError) as refused:
        breach_notification_record_sent(
            notification=draft, actor=dpo, sent_at=paris(2025, 4, 1, 11, 1), cnil_reference="X"
        )
    # then
    assert (refused.value.code, refused.value.field) == ("delay_reason_required", "delay_reason")
    draft.refresh_from_db()
    assert (draft.sent_at, draft.cnil_reference) == (None, "")
    assert AuditEvent.objects.count() == events


def test_r_32_late_notification_with_its_reasons_is_recorded(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    # given
    breach = make_breach(aware_at=paris(2025, 3, 29, 10, 0))
    draft = _draft(breach, dpo)
    # when
    breach_notification_record_sent(
        notification=draft,
        actor=dpo,
        sent_at=paris(2025, 4, 2, 9, 0),
        cnil_reference="CNIL-2025-0042",
        delay_reason="Expertise technique nécessaire pour établir le périmètre.",
    )
    # then
    draft.refresh_from_db()
    assert draft.sent_at == paris(2025, 4, 2, 9, 0)
    assert draft.cnil_reference == "CNIL-2025-0042"
    assert breach_clock(breach).overdue is True
    event = AuditEvent.objects.filter(action="breach.notification_sent").get()
    assert event.details["cnil_reference"] == "CNIL-2025-0042"


def test_r_32_notification_in_time_needs_no_reason(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    breach = make_breach(aware_at=paris(2025, 3, 29, 10, 0))
    sent = breach_notification_record_sent(
        notification=_draft(breach, dpo),
        actor=dpo,
        sent_at=paris(2025, 4, 1, 11, 0),
        cnil_reference="R1",
    )
    assert (sent.sent_at, sent.delay_reason) == (paris(2025, 4, 1, 11, 0), "")


def test_r_33_complements_keep_their_dates(make_breach: Callable[..., Breach], dpo: User) -> None:
    # given: an initial notification sent, then two complements
    breach = make_breach(
        aware_at=paris(2025, 3, 29, 10, 0),
        consequences="Hameçonnage ciblé possible.",
        measures_taken="Sauvegarde retirée, accès révoqués.",
        people_count=1200,
        records_count=1500,
    )
    initial = _draft(breach, dpo)
    breach_notification_record_sent(
        notification=initial, actor=dpo, sent_at=paris(2025, 3, 30, 9, 0), cnil_reference="R1"
    )
    first = _draft(breach, dpo, NotificationKind.COMPLEMENTARY)
    breach_notification_record_sent(
        notification=first, actor=dpo, sent_at=paris(2025, 4, 3, 15, 0), cnil_reference="R1"
    )
    # when: a second complement is drafted and sent later
    second = _draft(breach, dpo, NotificationKind.COMPLEMENTARY)
    breach_notification_record_sent(
        notification=second, actor=dpo, sent_at=paris(2025, 4, 10, 8, 0), cnil_reference="R1"
    )
    # then: each keeps its own dates; nothing sent is changed again
    rows = list(breach.authority_notifications.order_by("pk").values_list("kind", "sent_at"))
    assert rows == [
        (NotificationKind.INITIAL, paris(2025, 3, 30, 9, 0)),
        (NotificationKind.COMPLEMENTARY, paris(2025, 4, 3, 15, 0)),
        (NotificationKind.COMPLEMENTARY, paris(2025, 4, 10, 8, 0)),
    ]
    assert first.pk != second.pk
    with pytest.raises(Exception, match="déjà envoyée"):
        breach_notification_record_sent(
            notification=first, actor=dpo, sent_at=paris(2025, 4, 11, 8, 0), cnil_reference="R2"
        )


def test_r_33_complement_needs_a_sent_initial_notification(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    breach = make_breach(consequences="c", measures_taken="m", people_count=1, records_count=1)
    with pytest.raises(Exception, match="suit une notification initiale"):
        _draft(breach, dpo, NotificationKind.COMPLEMENTARY)
    assert breach.authority_notifications.count() == 0


def test_r_38_telecom_breach_cannot_be_closed_as_no_risk_not_notified(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    # given: an internet-access breach assessed as no risk
    breach = make_breach(services=[ServiceKind.INTERNET_ACCESS])
    breach.risk_level = RiskLevel.NONE
    breach.save(update_fields=["risk_level"])
    # when / then: not notifying is refused, and so is closing
    with pytest.raises(NotificationRequiredError):
        breach_decide_authority(breach=breach, actor=dpo, notify=False, reason="Aucun risque")
    with pytest.raises(NotificationRequiredError):
        breach_close(breach=breach, actor=dpo, reason="Aucun risque, non notifiée")
    breach.refresh_from_db()
    assert (breach.status, breach.notify_authority, breach.closed_at) == ("open", None, None)


def test_r_32_gdpr_breach_closes_unnotified_when_a_risk_is_unlikely(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    # given
    breach = make_breach()
    breach.risk_level = RiskLevel.NONE
    breach.save(update_fields=["risk_level"])
    # when
    breach_decide_authority(breach=breach, actor=dpo, notify=False, reason="Données chiffrées")
    breach_close(breach=breach, actor=dpo, reason="Documentée, non notifiée")
    # then
    breach.refresh_from_db()
    assert (breach.status, breach.notify_authority) == ("closed", False)
    assert list(breach.decisions.values_list("subject", flat=True)) == [
        "record",
        "authority",
        "close",
    ]


def test_r_32_not_notifying_a_risk_is_refused(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    breach = make_breach()
    breach.risk_level = RiskLevel.RISK
    breach.save(update_fields=["risk_level"])
    with pytest.raises(NotificationRequiredError):
        breach_decide_authority(breach=breach, actor=dpo, notify=False, reason="non")
    assert breach.decisions.filter(subject="authority").count() == 0


def test_r_38_telecom_complement_after_three_days_needs_a_delay_reason(
    make_breach: Callable[..., Breach], dpo: User
) -> None:
    # given
    breach = make_breach(
        services=[ServiceKind.TELEPHONY],
        circumstance="hacking",
        started_at=paris(2025, 3, 29, 8, 0),
        data_detail="Relevés d'appels",
        measures_taken="Accès coupé",
        people_count=40,
        consequences="Atteinte à la vie privée",
        measures_proposed="Audit",
    )
    breach_notification_record_sent(
        notification=_draft(breach, dpo),
        actor=dpo,
        sent_at=paris(2025, 3, 30, 8, 0),
        cnil_reference="T1",
    )
    complement = _draft(breach, dpo, NotificationKind.COMPLEMENTARY)
    # when / then
    with pytest.raises(DelayReasonRequiredError):
        breach_notification_record_sent(
            notification=complement,
            actor=dpo,
            sent_at=paris(2025, 4, 2, 8, 1),
            cnil_reference="T1",
        )
    assert breach_clock(breach).complement_deadline == paris(2025, 4, 2, 8, 0)


def test_reminders_go_once_when_the_deadline_nears_and_once_when_it_passes(
    make_breach: Callable[..., Breach],
) -> None:
    from garde.breaches.reminders import breaches_send_reminders

    # given
    breach = make_breach(aware_at=paris(2025, 3, 29, 10, 0))
    # when / then
    assert breaches_send_reminders(now=paris(2025, 3, 30, 12, 0)) == 0
    assert breaches_send_reminders(now=paris(2025, 3, 31, 23, 30)) == 1
    assert breaches_send_reminders(now=paris(2025, 4, 1, 0, 0)) == 0
    assert breaches_send_reminders(now=paris(2025, 4, 1, 11, 1)) == 1
    assert breaches_send_reminders(now=paris(2025, 4, 1, 12, 0)) == 0
    breach.refresh_from_db()
    assert breach.reminder_late_sent_at == paris(2025, 4, 1, 11, 1)
