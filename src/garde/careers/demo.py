"""Demo data (``garde demo``): a couple of open job offers. Idempotent."""

from __future__ import annotations

from django.db import transaction

from garde.careers.models import JobOffer
from garde.core.services import audit_record

DEMO_OFFERS = (
    {
        "title": "Administrateur systèmes et réseaux (H/F)",
        "location": "Maxéville (54)",
        "description": (
            "Au sein de l'équipe d'exploitation, vous administrez nos plateformes d'hébergement "
            "et nos réseaux, et participez aux astreintes."
        ),
    },
    {
        "title": "Ingénieur cybersécurité (H/F)",
        "location": "Lyon (69)",
        "description": (
            "Vous suivez la sécurité de nos infrastructures, conduisez les analyses de risques "
            "et accompagnez nos clients lors des incidents."
        ),
    },
)


@transaction.atomic
def careers_demo() -> list[str]:
    created = 0
    for fields in DEMO_OFFERS:
        if not JobOffer.objects.filter(title=fields["title"]).exists():
            offer = JobOffer.objects.create(is_open=True, **fields)
            audit_record(action="careers.offer_created", obj=offer, details={"open": True})
            created += 1
    count = JobOffer.objects.filter(is_open=True).count()
    return [f"careers: {count} open job offers at /carrieres/ ({created} created)"]
