"""The public API lists open offers only; the demo loader adds a couple of open offers once."""

from __future__ import annotations

import pytest
from django.test import Client

from garde.accounts.models import User
from garde.careers import services
from garde.careers.demo import careers_demo
from garde.careers.models import JobOffer

pytestmark = pytest.mark.django_db


def test_the_api_lists_open_offers_without_a_key(client: Client, hr: User) -> None:
    # given
    shown = services.offer_create(actor=hr, title="Technicien", location="Metz", description="R")
    hidden = services.offer_create(actor=hr, title="Comptable", location="Lyon", description="C")
    services.offer_set_open(offer=hidden, actor=hr, is_open=False)
    # when
    response = client.get("/api/v1/careers/offers")
    # then
    assert response.status_code == 200
    assert [(o["id"], o["title"], o["location"]) for o in response.json()] == [
        (shown.pk, "Technicien", "Metz")
    ]


def test_the_demo_adds_two_open_offers_once() -> None:
    # when
    first = careers_demo()
    second = careers_demo()
    # then
    assert JobOffer.objects.filter(is_open=True).count() == 2
    assert first == ["careers: 2 open job offers at /carrieres/ (2 created)"]
    assert second == ["careers: 2 open job offers at /carrieres/ (0 created)"]
