"""Fixtures of the consent tests: the demo site, published once."""

from __future__ import annotations

import copy

import pytest

from garde.consent.demo import DEMO_CONFIG
from garde.consent.models import ConsentSite
from garde.consent.services import consent_site_create, consent_site_publish

VISITOR = "vA1b2C3d4E5f6G7h8I9j0K"
OTHER_VISITOR = "zZ9y8X7w6V5u4T3s2R1q0P"


def demo_config() -> dict[str, object]:
    return copy.deepcopy(DEMO_CONFIG)


@pytest.fixture
def site(db: None) -> ConsentSite:
    created = consent_site_create(key="demo", name="Démo", draft=demo_config(), actor=None)
    return consent_site_publish(site=created, actor=None)
