"""Factories for register rows: small activities with one of each vocabulary entry."""

from __future__ import annotations

from typing import Any

import factory

from garde.register.choices import (
    DataSource,
    LegalBasis,
    PeriodUnit,
    ProcessingRole,
    RecipientKind,
    RetentionAnchor,
)
from garde.register.models import (
    DataCategory,
    DataSubjectCategory,
    ProcessingActivity,
    Recipient,
    RetentionRule,
    SecurityMeasure,
    StorageLocation,
)


class DataCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataCategory
        django_get_or_create = ("key",)

    key = "user.contact.email"
    name_fr = "Adresse e-mail"
    name_en = "Email address"


class DataSubjectCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSubjectCategory
        django_get_or_create = ("key",)

    key = "customer"
    name_fr = "Clients"
    name_en = "Customers"


class RecipientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recipient
        django_get_or_create = ("name_fr",)

    kind = RecipientKind.STAFF
    name_fr = "Service commercial"
    name_en = "Sales department"


class StorageLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StorageLocation
        django_get_or_create = ("name_fr",)

    name_fr = "Datacenters de l'opérateur, en France"
    name_en = "The operator's datacentres, in France"


class SecurityMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityMeasure
        django_get_or_create = ("name_fr",)

    name_fr = "Contrôle d'accès par rôle"
    name_en = "Role-based access control"


class ProcessingActivityFactory(factory.django.DjangoModelFactory):
    """A controller activity with one data subject category, one data category, one recipient,
    one location and one measure. ``client_controllers=[org]`` for processor activities."""

    class Meta:
        model = ProcessingActivity
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"activity-{n}")
    role = ProcessingRole.CONTROLLER
    name_fr = factory.Sequence(lambda n: f"Traitement {n}")
    name_en = factory.Sequence(lambda n: f"Processing {n}")
    purposes_fr = "Gestion de la relation client\nFacturation"
    purposes_en = "Customer relations\nInvoicing"
    legal_basis = LegalBasis.CONTRACT
    sources = factory.LazyFunction(lambda: [DataSource.DIRECT])
    team_fr = "Service commercial"

    @factory.post_generation
    def vocabularies(obj: ProcessingActivity, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        obj.data_subjects.set([DataSubjectCategoryFactory()])
        obj.data_categories.set([DataCategoryFactory()])
        obj.recipients.set([RecipientFactory()])
        obj.storage_locations.set([StorageLocationFactory()])
        obj.security_measures.set([SecurityMeasureFactory()])

    @factory.post_generation
    def client_controllers(
        obj: ProcessingActivity,  # noqa: N805
        create: bool,
        extracted: Any,
        **kwargs: Any,
    ) -> None:
        if extracted:
            obj.client_controllers.set(extracted)


class RetentionRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetentionRule

    activity = factory.SubFactory(ProcessingActivityFactory)
    key = factory.Sequence(lambda n: f"rule-{n}")
    description_fr = "Données des prospects"
    description_en = "Prospect data"
    count = 3
    unit = PeriodUnit.YEARS
    anchor = RetentionAnchor.LAST_CONTACT


def activity_data(activity: ProcessingActivity, **changes: Any) -> dict[str, Any]:
    """Every editable field of ``activity`` as a form would post it, with ``changes`` applied
    (relations as lists of primary keys)."""
    data: dict[str, Any] = {
        "slug": activity.slug,
        "role": activity.role,
        "name_fr": activity.name_fr,
        "name_en": activity.name_en,
        "description_fr": activity.description_fr,
        "description_en": activity.description_en,
        "purposes_fr": activity.purposes_fr,
        "purposes_en": activity.purposes_en,
        "legal_basis": activity.legal_basis,
        "legal_basis_detail_fr": activity.legal_basis_detail_fr,
        "legal_basis_detail_en": activity.legal_basis_detail_en,
        "sources": list(activity.sources),
        "transfers_outside_eu_fr": activity.transfers_outside_eu_fr,
        "transfers_outside_eu_en": activity.transfers_outside_eu_en,
        "team_fr": activity.team_fr,
        "team_en": activity.team_en,
        "notice_section": activity.notice_section,
        "not_stated": list(activity.not_stated),
        **{
            name: [o.pk for o in getattr(activity, name).all()]
            for name in (
                "data_subjects",
                "data_categories",
                "recipients",
                "storage_locations",
                "security_measures",
                "client_controllers",
            )
        },
    }
    data.update(changes)
    return data
