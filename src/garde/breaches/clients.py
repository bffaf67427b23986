"""Telling client companies (the operator as their processor, art. 33(2), R-35): each client the
register links to the breach's processor activities gets a notice in its portal and an e-mail to
its privacy contact, with the art. 33(3) facts it needs for its own notification; its DPO
acknowledges and may ask questions."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from garde.accounts.models import Organisation, User
from garde.accounts.selectors import user_organisation
from garde.breaches.choices import Nature
from garde.breaches.errors import BreachError, BreachStateError
from garde.breaches.models import Breach, ClientNotice, ClientQuestion
from garde.breaches.selectors import clients_concerned
from garde.breaches.services import decision_log
from garde.core.mail import send_mail_after_commit
from garde.core.roles import Role
from garde.core.services import audit_record

if TYPE_CHECKING:
    from collections.abc import Iterable


def privacy_contacts(organisation: Organisation) -> list[str]:
    """The organisation's privacy contact address, or else its DPOs' addresses."""
    if organisation.privacy_contact_email:
        return [organisation.privacy_contact_email]
    return sorted(
        User.objects.filter(
            memberships__organisation=organisation,
            memberships__role=Role.ORG_DPO,
            is_active=True,
        )
        .values_list("email", flat=True)
        .distinct()
    )


def notice_summary(breach: Breach) -> dict[str, Any]:
    """The facts a controller needs for its own notification (art. 33(3)(a)-(d))."""
    return {
        "reference": breach.reference,
        "aware_at": breach.aware_at.isoformat(),
        "started_at": breach.started_at.isoformat() if breach.started_at else None,
        "ended_at": breach.ended_at.isoformat() if breach.ended_at else None,
        "natures": [str(Nature(n).label) for n in breach.natures],
        "description": breach.description,
        "data_categories": [c.name_fr for c in breach.data_categories.all()],
        "data_detail": breach.data_detail,
        "people_count": breach.people_count,
        "records_count": breach.records_count,
        "consequences": breach.consequences,
        "measures_taken": breach.measures_taken,
        "measures_proposed": breach.measures_proposed,
        "dpo_contact": breach.dpo_contact,
    }


def notice_url(notice: ClientNotice) -> str:
    return settings.BASE_URL + reverse("breaches:portal_detail", kwargs={"pk": notice.pk})


@transaction.atomic
def breach_notify_clients(
    *, breach: Breach, actor: User, request: HttpRequest | None = None
) -> list[ClientNotice]:
    """Notify every concerned client not yet notified; returns the new notices."""
    concerned: Iterable[Organisation] = clients_concerned(breach)
    already = set(breach.client_notices.values_list("organisation_id", flat=True))
    new = [org for org in concerned if org.pk not in already]
    if not new and not already:
        raise BreachError(
            _("Aucun client n'est lié à ces traitements dans le registre."), field="activities"
        )
    summary = notice_summary(breach)
    notices = []
    for organisation in new:
        emails = privacy_contacts(organisation)
        notice = ClientNotice.objects.create(
            breach=breach, organisation=organisation, emails=emails, summary=summary
        )
        notices.append(notice)
        for email in emails:
            send_mail_after_commit(
                to=email,
                template="breaches/mail/client_notice",
                context={"notice": notice, "summary": summary, "link": notice_url(notice)},
            )
        audit_record(
            action="breach.client_notified",
            actor=actor,
            obj=breach,
            organisation=organisation,
            request=request,
            details={"notice": notice.pk, "organisation": organisation.name, "emails": emails},
        )
    if notices:
        breach.clients_notified_at = breach.clients_notified_at or timezone.now()
        breach.save(update_fields=["clients_notified_at"])
        decision_log(
            breach=breach,
            actor=actor,
            subject="clients",
            decision=_("Clients informés : %(names)s.")
            % {"names": ", ".join(n.organisation.name for n in notices)},
        )
    return notices


def _check_participant(notice: ClientNotice, user: User) -> bool:
    """True for a user of the notified client, False for operator staff; others are refused."""
    organisation = user_organisation(user)
    if organisation is not None and organisation.pk == notice.organisation_id:
        return True
    from garde.accounts.selectors import user_is_staff

    if user_is_staff(user):
        return False
    raise BreachStateError(_("Cet avis ne concerne pas votre organisation."))


@transaction.atomic
def client_notice_acknowledge(
    *, notice: ClientNotice, actor: User, request: HttpRequest | None = None
) -> ClientNotice:
    """The client's DPO acknowledges the notice (once)."""
    if not _check_participant(notice, actor):
        raise BreachStateError(_("Seul le client accuse réception."))
    if notice.acknowledged_at is not None:
        return notice
    notice.acknowledged_at = timezone.now()
    notice.acknowledged_by = actor
    notice.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_record(
        action="breach.client_acknowledged",
        actor=actor,
        obj=notice.breach,
        request=request,
        details={"notice": notice.pk},
    )
    return notice


@transaction.atomic
def client_question_add(
    *, notice: ClientNotice, actor: User, body: str, request: HttpRequest | None = None
) -> ClientQuestion:
    """A question from the client, or the operator's answer."""
    if not body.strip():
        raise BreachError(_("Ce champ est obligatoire."), field="body")
    from_client = _check_participant(notice, actor)
    question = ClientQuestion.objects.create(
        notice=notice, author=actor, from_client=from_client, body=body.strip()
    )
    audit_record(
        action="breach.client_question" if from_client else "breach.client_answer",
        actor=actor,
        obj=notice.breach,
        organisation=notice.organisation,
        request=request,
        details={"notice": notice.pk, "question": question.pk},
    )
    return question
