"""Telling the people concerned (art. 34, R-36): a message from a FR/EN template to the people
found, sent one by one by the worker with a status per recipient; the decision and every send
are in the audit trail.

The people come from the data map (:func:`persons_search`: the fulfilment engine lists the
addresses held in the affected stores, ``garde.dsr.people``) or from a CSV list (``email`` and
optional ``name`` columns). The search is audited with its systems, categories and count, never
the addresses.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from garde.breaches.choices import CampaignStatus, PersonsDecision, RecipientStatus, Regime
from garde.breaches.errors import BreachError, BreachStateError
from garde.breaches.models import Breach, PersonCampaign, PersonRecipient
from garde.breaches.services import decision_log
from garde.core.services import audit_record
from garde.dsr.models import Dataset
from garde.dsr.people import PeopleResult, category_covers, people_search
from garde.dsr.runtime import data_map_load
from garde.register.models import DataCategory

if TYPE_CHECKING:
    from garde.accounts.models import User

MAX_RECIPIENTS = 200_000
LANGUAGES = ("fr", "en")


@dataclass(frozen=True)
class Person:
    email: str
    name: str = ""


def persons_from_csv(content: str) -> list[Person]:
    """People of a CSV list with an ``email`` column (``name`` optional), each address once.
    A bad address is refused with its line number; nothing is kept."""
    reader = csv.DictReader(io.StringIO(content))
    columns = {c.strip().lower() for c in reader.fieldnames or []}
    if "email" not in columns:
        raise BreachError(_("La liste doit avoir une colonne « email »."), field="people")
    people: dict[str, Person] = {}
    for line, row in enumerate(reader, start=2):
        values = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        email = values.get("email", "").lower()
        if not email:
            continue
        try:
            validate_email(email)
        except ValidationError as error:
            raise BreachError(
                _("Ligne %(line)s : adresse invalide.") % {"line": line}, field="people"
            ) from error
        people.setdefault(email, Person(email=email, name=values.get("name", "")[:200]))
        if len(people) > MAX_RECIPIENTS:
            raise BreachError(_("Liste trop longue."), field="people")
    if not people:
        raise BreachError(_("La liste est vide."), field="people")
    return list(people.values())


def search_defaults(breach: Breach) -> dict[str, list[Any]]:
    """What the search starts from: the breach's data categories (else those of the processing
    activities it names), and the datasets tied to a system that hold one of them."""
    categories = list(breach.data_categories.all())
    if not categories:
        categories = list(
            DataCategory.objects.filter(activities__in=breach.activities.all()).distinct()
        )
    keys = [c.key for c in categories]
    datasets = [
        dataset
        for dataset in Dataset.objects.filter(system__isnull=False).prefetch_related(
            "data_categories"
        )
        if any(category_covers(k, c.key) for k in keys for c in dataset.data_categories.all())
    ]
    return {"categories": categories, "datasets": datasets}


def search_summary(
    result: PeopleResult, *, datasets: Sequence[Dataset], categories: Sequence[DataCategory]
) -> dict[str, Any]:
    """What the audit trail keeps of a search: where, what, how many — no address."""
    return {
        "systems": sorted({d.system.name for d in datasets if d.system is not None}),
        "datasets": sorted(d.fides_key for d in datasets),
        "categories": sorted(c.key for c in categories),
        "count": len(result.people),
        "scanned": result.scanned,
        "failures": [f"{f.place}: {f.reason}"[:300] for f in result.failures],
        "without_contacts": result.without_contacts,
        "complete": result.complete,
    }


def persons_search(
    *,
    breach: Breach,
    actor: User,
    datasets: Sequence[Dataset],
    categories: Sequence[DataCategory],
    request: HttpRequest | None = None,
) -> PeopleResult:
    """Find the people concerned with the data map: the addresses held in the collections of
    ``datasets`` that ``categories`` affect (``garde.dsr.people``). A system that fails is
    reported in the result, the others' people are kept. The search reads personal data, so
    it is audited (systems, categories, count; never the addresses)."""
    if not datasets or not categories:
        raise BreachError(_("Choisissez au moins un système et une catégorie."), field="datasets")
    result = people_search(
        data_map=data_map_load(d.fides_key for d in datasets),
        categories=[c.key for c in categories],
    )
    audit_record(
        action="breach.persons_searched",
        actor=actor,
        obj=breach,
        request=request,
        details=search_summary(result, datasets=datasets, categories=categories),
    )
    return result


def message_default(breach: Breach, language: str) -> tuple[str, str]:
    """The template's subject and body in ``language``, filled from the register (nature,
    contact, consequences, measures: art. 34(2))."""
    with translation.override(language):
        context = {"breach": breach}
        subject = render_to_string("breaches/mail/person_subject.txt", context).strip()
        body = render_to_string("breaches/mail/person.txt", context).strip()
    return subject, body


@transaction.atomic
def person_campaign_create(
    *,
    breach: Breach,
    actor: User,
    language: str,
    subject: str,
    body: str,
    people: list[Person],
    source: str = "csv",
    search: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> PersonCampaign:
    """Prepare the message to the people concerned. It records the decision to inform them
    when it is not recorded yet; a decision for an exception refuses the campaign. ``search``
    (a :func:`search_summary`) says how the data map found them, for the audit trail."""
    if breach.risk_level != "high" and breach.regime != Regime.TELECOM:
        raise BreachStateError(_("Le message aux personnes suit un risque élevé."), field="people")
    if breach.persons_decision not in ("", PersonsDecision.NOTIFY):
        raise BreachStateError(
            _("La décision enregistrée est une exception : pas de message."), field="people"
        )
    if language not in LANGUAGES:
        raise BreachError(_("Langue inconnue."), field="language")
    if not subject.strip() or not body.strip():
        raise BreachError(_("Ce champ est obligatoire."), field="body")
    campaign = PersonCampaign.objects.create(
        breach=breach,
        language=language,
        subject=subject.strip(),
        body=body.strip(),
        source=source,
        created_by=actor,
    )
    PersonRecipient.objects.bulk_create(
        [PersonRecipient(campaign=campaign, email=p.email, name=p.name) for p in people],
        batch_size=1000,
    )
    if not breach.persons_decision:
        breach.persons_decision = PersonsDecision.NOTIFY
        breach.persons_reason = _("Risque élevé pour les droits et libertés des personnes.")
        breach.save(update_fields=["persons_decision", "persons_reason"])
        decision_log(
            breach=breach,
            actor=actor,
            subject="persons",
            decision=str(PersonsDecision.NOTIFY.label),
            reason=breach.persons_reason,
        )
    audit_record(
        action="breach.persons_campaign_created",
        actor=actor,
        obj=breach,
        request=request,
        details={
            "campaign": campaign.pk,
            "recipients": len(people),
            "source": source,
            **({"search": dict(search)} if search is not None else {}),
        },
    )
    return campaign


@transaction.atomic
def person_campaign_start(
    *, campaign: PersonCampaign, actor: User, request: HttpRequest | None = None
) -> PersonCampaign:
    """Hand the campaign to the worker (after commit)."""
    if campaign.status != CampaignStatus.DRAFT:
        raise BreachStateError(_("Ce message est déjà envoyé ou en cours d'envoi."))
    campaign.status = CampaignStatus.SENDING
    campaign.started_at = timezone.now()
    campaign.save(update_fields=["status", "started_at"])
    audit_record(
        action="breach.persons_campaign_started",
        actor=actor,
        obj=campaign.breach,
        request=request,
        details={"campaign": campaign.pk, "recipients": campaign.recipients.count()},
    )
    from garde.breaches.tasks import person_campaign_send_task

    campaign_id = campaign.pk
    transaction.on_commit(lambda: person_campaign_send_task.enqueue(campaign_id))
    return campaign


def _send_one(campaign: PersonCampaign, recipient: PersonRecipient) -> None:
    greeting = f"{recipient.name},\n\n" if recipient.name else ""
    EmailMessage(
        subject=campaign.subject,
        body=greeting + campaign.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    ).send(fail_silently=False)


def person_campaign_send(*, campaign_id: int) -> dict[str, int]:
    """Send the pending messages one by one; each status and audit event is saved as it goes,
    so a retry sends only what is still pending (idempotent)."""
    campaign = PersonCampaign.objects.select_related("breach").get(pk=campaign_id)
    if campaign.status != CampaignStatus.SENDING:
        return {"sent": 0, "failed": 0}
    counts = {"sent": 0, "failed": 0}
    for recipient in campaign.recipients.filter(status=RecipientStatus.PENDING).order_by("id"):
        try:
            _send_one(campaign, recipient)
        except Exception as error:
            recipient.status = RecipientStatus.FAILED
            recipient.error = str(error)[:300]
        else:
            recipient.status = RecipientStatus.SENT
            recipient.sent_at = timezone.now()
        with transaction.atomic():
            recipient.save(update_fields=["status", "sent_at", "error"])
            audit_record(
                action="breach.person_message_" + recipient.status,
                obj=campaign.breach,
                details={"campaign": campaign.pk, "recipient": recipient.pk},
            )
        counts[str(recipient.status)] += 1
    campaign.status = CampaignStatus.DONE
    campaign.finished_at = timezone.now()
    campaign.save(update_fields=["status", "finished_at"])
    return counts


def campaign_progress(campaign: PersonCampaign) -> dict[str, int]:
    counts = dict.fromkeys(RecipientStatus.values, 0)
    for row in campaign.recipients.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts
