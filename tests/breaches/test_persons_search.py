"""Finding the people to tell of a breach with the data map (R-36): the DPO searches the
affected stores from the breach page, sees the count and a sample, and confirms; the message
goes to exactly the people found, and the audit trail keeps the search without the addresses."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.breaches.choices import RiskLevel
from garde.breaches.models import Breach, PersonCampaign
from garde.core.models import AuditEvent
from garde.dsr.models import DataSystem
from garde.dsr.services import dataset_import, system_add
from garde.register.defaults import taxonomy_load
from garde.register.models import DataCategory
from tests.conftest import log_in
from tests.dsr.fides_fixture import EXAMPLE_KEY, EXAMPLE_YAML, fides_sqlite_script

IMMEDIATE = "django_tasks.backends.immediate.ImmediateBackend"
# The people whose name the breach exposed, by a hand-written query on the shop's database.
NAMED = "SELECT lower(email) FROM customer UNION SELECT lower(email) FROM employee"


@pytest.fixture
def shop(tmp_path: Path, db: None) -> tuple[DataSystem, Path]:
    """Fides' example dataset, imported unchanged, on a SQLite copy of its database."""
    path = tmp_path / "shop.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.executescript(fides_sqlite_script())
    connection.close()
    taxonomy_load()
    dataset_import(
        text=EXAMPLE_YAML.read_text(encoding="utf-8"), filename=EXAMPLE_YAML.name, actor=None
    )
    system = system_add(
        name="shop", type="sqlite", url=f"sqlite:///{path}", actor=None, datasets=[EXAMPLE_KEY]
    )
    return system, path


def _hand(path: Path, query: str) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return sorted(row[0] for row in connection.execute(query))
    finally:
        connection.close()


def _high_breach_of_names(make_breach: Callable[..., Breach]) -> Breach:
    breach = make_breach(data_categories=[DataCategory.objects.get(key="user.name")])
    breach.risk_level = RiskLevel.HIGH
    breach.save(update_fields=["risk_level"])
    return breach


def _search(client: Client, breach: Breach, **extra: Any) -> Any:
    form = {
        "action": "people_search",
        "people_search-datasets": [
            str(d.pk) for d in DataSystem.objects.get(name="shop").datasets.all()
        ],
        "people_search-categories": [str(DataCategory.objects.get(key="user.name").pk)],
    }
    form.update(extra)
    return client.post(reverse("breaches:console_detail", kwargs={"pk": breach.pk}), form)


def _confirm(client: Client, breach: Breach, fingerprint: str) -> Any:
    return client.post(
        reverse("breaches:console_detail", kwargs={"pk": breach.pk}),
        {
            "action": "people_confirm",
            "people_confirm-datasets": [
                str(d.pk) for d in DataSystem.objects.get(name="shop").datasets.all()
            ],
            "people_confirm-categories": [str(DataCategory.objects.get(key="user.name").pk)],
            "people_confirm-fingerprint": fingerprint,
            "people_confirm-language": "fr",
            "people_confirm-subject": "Violation de vos données",
            "people_confirm-body": "Votre nom a pu être exposé.",
        },
    )


@pytest.mark.django_db(transaction=True)
def test_r_36_message_goes_to_exactly_the_people_the_search_found(
    make_breach: Callable[..., Breach],
    dpo: User,
    client: Client,
    settings: Any,
    smtp_server: list[Message],
    shop: tuple[DataSystem, Path],
) -> None:
    # given: a high-risk breach of names, and the shop's data map
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE}}
    breach = _high_breach_of_names(make_breach)
    expected = _hand(shop[1], NAMED)
    log_in(client, dpo)
    # when: the DPO searches
    preview = _search(client, breach)
    # then: the count and a sample, and nothing sent yet
    assert preview.status_code == 200
    found = preview.context["people_search"]["result"]
    assert found.addresses() == expected
    assert "5 personnes trouvées." in preview.content.decode()
    assert [p.address for p in preview.context["people_search"]["sample"]] == expected
    assert (smtp_server, PersonCampaign.objects.count()) == ([], 0)
    # when: the DPO confirms
    response = _confirm(client, breach, found.fingerprint())
    # then: one message to each person found, through the real SMTP server
    assert response.status_code == 302
    assert sorted(m["X-RcptTo"] for m in smtp_server) == expected
    campaign = PersonCampaign.objects.get()
    assert (campaign.source, campaign.status) == ("search", "done")
    assert sorted(campaign.recipients.values_list("email", flat=True)) == expected
    # and the audit trail has the search and the decision, never an address
    searched = AuditEvent.objects.filter(action="breach.persons_searched").order_by("id")
    assert searched.count() == 2  # shown, then found again on confirmation
    assert searched.first().details == {  # type: ignore[union-attr]
        "systems": ["shop"],
        "datasets": [EXAMPLE_KEY],
        "categories": ["user.name"],
        "count": 5,
        "scanned": ["shop.customer", "shop.employee"],
        "failures": [],
        "without_contacts": [],
        "complete": True,
    }
    created = AuditEvent.objects.get(action="breach.persons_campaign_created")
    assert (created.details["source"], created.details["recipients"]) == ("search", 5)
    assert created.details["search"]["categories"] == ["user.name"]
    events = json.dumps(
        list(
            AuditEvent.objects.filter(action__startswith="breach.persons").values_list(
                "details", flat=True
            )
        )
    )
    assert not any(address in events for address in expected)


@pytest.mark.django_db
def test_r_36_the_search_is_prefilled_from_the_breach(
    make_breach: Callable[..., Breach], dpo: User, client: Client, shop: tuple[DataSystem, Path]
) -> None:
    # given: a breach of names; a second dataset holds no name
    dataset_import(
        text="dataset:\n- fides_key: logs\n  name: logs\n  collections:\n  - name: hit\n"
        "    fields:\n    - name: ip\n      data_categories: [user.device.ip_address]\n"
        "    - name: visitor\n      data_categories: [system.operations]\n"
        "      fides_meta: {identity: email}\n",
        filename="logs.yml",
        actor=None,
    )
    system_add(name="logs", type="sqlite", url="sqlite:////nowhere", actor=None, datasets=["logs"])
    breach = _high_breach_of_names(make_breach)
    log_in(client, dpo)
    # when
    page = client.get(reverse("breaches:console_detail", kwargs={"pk": breach.pk}))
    # then: the breach's categories and the shop's dataset only
    form = page.context["actions"]["people_search"]["form"]
    assert [c.key for c in form.initial["categories"]] == ["user.name"]
    assert [d.fides_key for d in form.initial["datasets"]] == [EXAMPLE_KEY]
    assert "people_confirm" not in page.context["actions"]
    assert "Rechercher les personnes avec la cartographie" in page.content.decode()


@pytest.mark.django_db
def test_r_36_only_the_dpo_searches(
    make_breach: Callable[..., Breach],
    make_user: Callable[..., User],
    client: Client,
    shop: tuple[DataSystem, Path],
) -> None:
    # given: a support agent assigned to the breach
    breach = _high_breach_of_names(make_breach)
    agent = make_user("support", email="agent@inherent.example")
    breach.assignees.add(agent)
    log_in(client, agent)
    # when
    response = _search(client, breach)
    # then
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="breach.persons_searched").exists()


@pytest.mark.django_db
def test_r_36_a_list_changed_since_it_was_shown_is_not_sent(
    make_breach: Callable[..., Breach], dpo: User, client: Client, shop: tuple[DataSystem, Path]
) -> None:
    # given: a search shown to the DPO, then a new customer in the shop
    breach = _high_breach_of_names(make_breach)
    log_in(client, dpo)
    fingerprint = _search(client, breach).context["people_search"]["result"].fingerprint()
    with sqlite3.connect(shop[1]) as connection:
        connection.execute(
            "INSERT INTO customer VALUES (9, 'late@example.org', 'Late', '2021-01-01', 1)"
        )
    connection.close()
    # when
    response = _confirm(client, breach, fingerprint)
    # then
    assert response.status_code == 400
    assert "La liste a changé depuis la recherche" in response.content.decode()
    assert PersonCampaign.objects.count() == 0
    assert not AuditEvent.objects.filter(action="breach.persons_campaign_created").exists()


@pytest.mark.django_db
def test_r_36_a_failing_system_is_shown_and_the_others_people_kept(
    make_breach: Callable[..., Breach], dpo: User, client: Client, shop: tuple[DataSystem, Path]
) -> None:
    # given: a second system, down, whose dataset also holds names
    dataset_import(
        text="dataset:\n- fides_key: crm\n  name: crm\n  collections:\n  - name: contact\n"
        "    fields:\n    - name: email\n      data_categories: [user.contact.email]\n"
        "      fides_meta: {identity: email}\n"
        "    - name: name\n      data_categories: [user.name]\n",
        filename="crm.yml",
        actor=None,
    )
    crm = system_add(
        name="crm", type="sqlite", url="sqlite:////nowhere/crm.db", actor=None, datasets=["crm"]
    )
    breach = _high_breach_of_names(make_breach)
    log_in(client, dpo)
    datasets = [str(d.pk) for d in (*shop[0].datasets.all(), *crm.datasets.all())]
    # when
    response = _search(client, breach, **{"people_search-datasets": datasets})
    # then
    found = response.context["people_search"]["result"]
    assert found.addresses() == _hand(shop[1], NAMED)
    assert [f.place for f in found.failures] == ["crm.contact"]
    assert "Recherche incomplète" in response.content.decode()
    event = AuditEvent.objects.get(action="breach.persons_searched")
    assert event.details["systems"] == ["crm", "shop"]
    assert event.details["complete"] is False
