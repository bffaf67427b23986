"""Default erasure policies and legal keeps (data only).

Policies: everything personal is set to null unless said otherwise (``user``), which never
breaks a column's type; e-mail addresses get a keyed hash instead, because e-mail columns are
often unique and required (a null or a fixed string would break the constraint, and a keyed hash
cannot be reversed without Garde's key). Financial data is set to null explicitly, so a broader
policy added later for ``user`` never turns card numbers into pseudonyms.

Legal keeps: the records of the rights request itself, connection logs under one year, invoices.
Rows already present (edited by the DPO) are left as they are; reversing removes nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

POLICIES: list[dict[str, str]] = [
    {
        "data_category": "user",
        "strategy": "null",
        "reason_fr": "Par défaut, les données personnelles sont effacées (valeur vidée).",
        "reason_en": "By default, personal data is erased (value set to null).",
    },
    {
        "data_category": "user.contact",
        "strategy": "null",
        "reason_fr": "Les coordonnées sont effacées (valeur vidée).",
        "reason_en": "Contact details are erased (value set to null).",
    },
    {
        "data_category": "user.contact.email",
        "strategy": "hash",
        "reason_fr": (
            "Les adresses e-mail sont remplacées par une empreinte à clé (HMAC-SHA-256) : ces "
            "colonnes sont souvent uniques et obligatoires, et l'empreinte ne peut être "
            "renversée sans la clé de Garde."
        ),
        "reason_en": (
            "E-mail addresses are replaced by a keyed hash (HMAC-SHA-256): such columns are "
            "often unique and required, and the hash cannot be reversed without Garde's key."
        ),
    },
    {
        "data_category": "user.financial",
        "strategy": "null",
        "reason_fr": "Les données financières (cartes, comptes) sont effacées (valeur vidée).",
        "reason_en": "Financial data (cards, accounts) is erased (value set to null).",
    },
]

KEEPS: list[dict[str, str]] = [
    {
        "dataset": "garde_requests",
        "collection": "",
        "reason_fr": (
            "Dossier de la demande d'exercice de droits elle-même : conservé pour prouver que "
            "la demande a été traitée (principe de responsabilité), 5 ans selon la "
            "recommandation de la CNIL."
        ),
        "reason_en": (
            "Records of the rights request itself: kept to prove the request was handled "
            "(accountability), 5 years as the CNIL recommends."
        ),
        "legal_basis": "RGPD art. 5(2) et 24 ; CNIL, durée de 5 ans",
    },
    {
        "dataset": "garde_connlogs",
        "collection": "",
        "reason_fr": (
            "Journaux de connexion de moins d'un an : conservation imposée aux fournisseurs "
            "d'accès et d'hébergement pour les besoins des autorités."
        ),
        "reason_en": (
            "Connection logs under one year old: retention required of access and hosting "
            "providers for the authorities."
        ),
        "legal_basis": "CPCE art. L34-1 et R10-13 ; décret n° 2021-1362 du 20 octobre 2021",
    },
    {
        "dataset": "garde_billing",
        "collection": "",
        "reason_fr": ("Factures et pièces comptables : conservation obligatoire pendant 10 ans."),
        "reason_en": "Invoices and accounting records: retention required for 10 years.",
        "legal_basis": "Code de commerce art. L123-22",
    },
]


def seed(apps: Any, schema_editor: Any) -> None:
    erasure_policy = apps.get_model("dsr", "ErasurePolicy")
    legal_keep = apps.get_model("dsr", "LegalKeep")
    for policy in POLICIES:
        erasure_policy.objects.get_or_create(
            data_category=policy["data_category"],
            defaults={k: v for k, v in policy.items() if k != "data_category"},
        )
    for keep in KEEPS:
        legal_keep.objects.get_or_create(
            dataset=keep["dataset"],
            collection=keep["collection"],
            defaults={k: v for k, v in keep.items() if k not in ("dataset", "collection")},
        )


class Migration(migrations.Migration):
    dependencies = [("dsr", "0002_fulfilment")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
