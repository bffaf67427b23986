from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from garde.accounts.models import Membership, Organisation, User

TEST_PASSWORD = "Quartz-Velours-83-Brume!"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = "client"
    privacy_contact_email = factory.Sequence(lambda n: f"privacy{n}@org.example")


class UserFactory(factory.django.DjangoModelFactory):
    """``UserFactory(roles=["dpo"], roles__organisation=org)``; the password is TEST_PASSWORD."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name", locale="fr_FR")
    phone = "+33 6 12 34 56 78"
    job_title = "Responsable informatique"
    password = factory.django.Password(TEST_PASSWORD)
    password_changed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def roles(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:  # noqa: N805
        for role in extracted or []:
            Membership.objects.create(user=obj, organisation=kwargs["organisation"], role=role)
