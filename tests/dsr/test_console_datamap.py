"""The data map in the DPO console: systems (add, test, never showing the URL back) and
fideslang datasets (import by upload or paste, validation with lines, detail, export), the
same services as ``garde dsr`` (issue 5, items 1 and 2)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager, closing
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from garde.accounts.models import User
from garde.core.models import AuditEvent
from garde.dsr.models import Dataset, DataSystem
from garde.dsr.services import dataset_import, system_add
from garde.register.defaults import taxonomy_load
from tests.conftest import log_in
from tests.dsr.test_datasets import EXAMPLE, MALFORMED, fixture_text

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-pw"
# Port 1 refuses at once: the failing connection test needs no server.
SHOP_URL = f"postgresql://garde:{SECRET}@127.0.0.1:1/shop"

NESTED = """\
dataset:
  - fides_key: crm
    name: CRM
    collections:
      - name: contacts
        fields:
          - name: id
            fides_meta:
              primary_key: true
          - name: email
            data_categories: [user.contact.email]
            fides_meta:
              identity: email
              data_type: string
              length: 254
          - name: workplace
            fides_meta:
              data_type: object
            fields:
              - name: city
                data_categories: [user.contact.address.city]
      - name: notes
        fields:
          - name: contact_id
            fides_meta:
              references:
                - dataset: crm
                  field: contacts.id
                  direction: from
"""

QueryCounter = Callable[[int], AbstractContextManager[object]]


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo", email="dpo@inherent.example")


@pytest.fixture
def dpo_client(client: Client, dpo: User) -> Client:
    return log_in(client, dpo)


@pytest.fixture
def taxonomy(db: None) -> None:
    taxonomy_load()


def _upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="application/x-yaml")


# --- systems ---


def test_a_dpo_adds_a_system_stored_encrypted_and_its_url_is_never_shown(
    dpo_client: Client, dpo: User, taxonomy: None
) -> None:
    # given
    dataset_import(text=fixture_text(EXAMPLE), filename="example.yml", actor=None)
    form_page = dpo_client.get(reverse("dsr_console:system_add"))
    # when
    response = dpo_client.post(
        reverse("dsr_console:system_add"),
        {
            "name": "shop",
            "type": "postgres",
            "url": SHOP_URL,
            "datasets": [EXAMPLE],
            "description": "Boutique en ligne",
        },
    )
    # then
    assert form_page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == reverse("dsr_console:system_detail", args=["shop"])
    system = DataSystem.objects.get()
    assert (system.name, system.type, system.description) == (
        "shop",
        "postgres",
        "Boutique en ligne",
    )
    assert SECRET not in system.url_encrypted
    assert system.url == SHOP_URL
    assert list(system.datasets.values_list("fides_key", flat=True)) == [EXAMPLE]
    event = AuditEvent.objects.get(action="dsr.system_added")
    assert (event.actor, event.details) == (
        dpo,
        {"name": "shop", "type": "postgres", "datasets": [EXAMPLE]},
    )
    pages = [
        dpo_client.get(reverse("dsr_console:system_list")),
        dpo_client.get(reverse("dsr_console:system_detail", args=["shop"])),
        dpo_client.get(reverse("dsr_console:dataset_list")),
        dpo_client.get(reverse("dsr_console:dataset_detail", args=[EXAMPLE])),
    ]
    for page in pages:
        assert page.status_code == 200
        html = page.content.decode()
        assert SECRET not in html
        assert "shop" in html
    assert "postgresql://garde:***@127.0.0.1:1/shop" in pages[0].content.decode()
    assert "postgresql://garde:***@127.0.0.1:1/shop" in pages[1].content.decode()


def test_a_refused_system_is_not_stored_and_its_url_is_not_filled_back(
    dpo_client: Client,
) -> None:
    # when
    response = dpo_client.post(
        reverse("dsr_console:system_add"),
        {"name": "Shop Prod", "type": "postgres", "url": SHOP_URL},
    )
    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert SECRET not in html
    assert 'type="password" name="url"' in html
    assert '<a href="#id_name">' in html  # the error summary leads to the field
    assert 'aria-describedby="id_name_helptext id_name_error"' in html
    assert html.count('id="id_name_error"') == 1
    assert DataSystem.objects.count() == 0
    assert not AuditEvent.objects.filter(action="dsr.system_added").exists()


def test_a_key_value_connection_string_is_refused_before_any_driver_echoes_it(
    dpo_client: Client,
) -> None:
    # when
    response = dpo_client.post(
        reverse("dsr_console:system_add"),
        {"name": "shop", "type": "postgres", "url": f"host=db password={SECRET}"},
    )
    # then
    assert response.status_code == 400
    assert response.context["form"].errors["url"] == [
        "Saisissez une URL de la forme schéma://…, sans espace."
    ]
    assert SECRET not in response.content.decode()
    assert DataSystem.objects.count() == 0


def test_the_internal_type_cannot_be_chosen_and_a_service_refusal_shows_on_its_field(
    dpo_client: Client,
) -> None:
    # given
    system_add(name="shop", type="sqlite", url="sqlite:////tmp/none.db", actor=None)
    # when
    internal = dpo_client.post(
        reverse("dsr_console:system_add"),
        {"name": "garde", "type": "internal", "url": "internal://garde"},
    )
    taken = dpo_client.post(
        reverse("dsr_console:system_add"),
        {"name": "shop", "type": "postgres", "url": SHOP_URL},
    )
    # then
    assert internal.status_code == 400
    assert list(internal.context["form"].errors) == ["type"]
    assert taken.status_code == 400
    assert taken.context["form"].errors["name"] == ["a system named 'shop' already exists"]
    assert SECRET not in taken.content.decode()
    assert list(DataSystem.objects.values_list("name", flat=True)) == ["shop"]


def test_a_non_dpo_staff_member_is_refused_and_nothing_is_added(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    log_in(client, make_user("support"))
    # when
    response = client.post(
        reverse("dsr_console:system_add"),
        {"name": "shop", "type": "postgres", "url": SHOP_URL},
    )
    # then
    assert response.status_code == 403
    assert DataSystem.objects.count() == 0
    assert not AuditEvent.objects.filter(action="dsr.system_added").exists()


def test_the_test_button_records_and_shows_a_successful_result(
    dpo_client: Client, dpo: User, tmp_path: Path
) -> None:
    # given
    database = tmp_path / "shop.db"
    with closing(sqlite3.connect(database)) as connection:
        connection.execute("CREATE TABLE t (id INTEGER)")
    system_add(name="shop", type="sqlite", url=f"sqlite:///{database}", actor=None)
    # when
    response = dpo_client.post(reverse("dsr_console:system_test", args=["shop"]), follow=True)
    # then
    system = DataSystem.objects.get()
    assert (system.last_test_ok, system.last_test_message) == (True, "ok")
    assert system.last_tested_at is not None
    assert response.redirect_chain == [(reverse("dsr_console:system_detail", args=["shop"]), 302)]
    html = response.content.decode()
    assert "Connexion réussie : ok" in html
    assert "réussi" in html
    event = AuditEvent.objects.get(action="dsr.system_tested")
    assert (event.actor, event.details) == (dpo, {"ok": True, "message": "ok"})


def test_a_failed_test_is_recorded_and_shown_without_the_password(dpo_client: Client) -> None:
    # given
    system_add(name="shop", type="postgres", url=SHOP_URL, actor=None)
    # when
    response = dpo_client.post(reverse("dsr_console:system_test", args=["shop"]), follow=True)
    listing = dpo_client.get(reverse("dsr_console:system_list"))
    # then
    system = DataSystem.objects.get()
    assert system.last_test_ok is False
    assert system.last_test_message.startswith("cannot connect to PostgreSQL: connection failed:")
    html = response.content.decode()
    assert "Échec de la connexion : cannot connect to PostgreSQL: connection failed:" in html
    assert SECRET not in html
    assert SECRET not in listing.content.decode()
    assert "échoué" in listing.content.decode()


def test_the_test_button_only_answers_a_post(dpo_client: Client) -> None:
    # given
    system_add(name="shop", type="postgres", url=SHOP_URL, actor=None)
    # when
    response = dpo_client.get(reverse("dsr_console:system_test", args=["shop"]))
    # then
    assert response.status_code == 405
    assert DataSystem.objects.get().last_tested_at is None


# --- datasets ---


def test_the_fides_example_dataset_is_imported_by_upload_and_tied_to_a_system(
    dpo_client: Client, dpo: User
) -> None:
    # given
    system_add(name="shop", type="postgres", url=SHOP_URL, actor=None)
    text = fixture_text(EXAMPLE)
    # when
    response = dpo_client.post(
        reverse("dsr_console:dataset_import"),
        {"file": _upload(f"{EXAMPLE}.yml", text), "text": "", "system": "shop"},
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("dsr_console:dataset_detail", args=[EXAMPLE])
    dataset = Dataset.objects.select_related("system").get()
    assert (dataset.fides_key, dataset.yaml_text, dataset.imported_by) == (EXAMPLE, text, dpo)
    assert dataset.system is not None
    assert dataset.system.name == "shop"
    assert len(dataset.spec["collections"]) == 11
    event = AuditEvent.objects.get(action="dsr.dataset_imported")
    assert event.details["filename"] == f"{EXAMPLE}.yml"
    listing = dpo_client.get(reverse("dsr_console:dataset_list")).content.decode()
    assert f"<code>{EXAMPLE}</code>" in listing
    assert "<td>11</td>" in listing
    assert "Adresse e-mail" in listing


def test_a_dataset_can_be_pasted(dpo_client: Client) -> None:
    # when
    response = dpo_client.post(
        reverse("dsr_console:dataset_import"), {"text": NESTED, "system": ""}
    )
    # then
    assert response.status_code == 302
    dataset = Dataset.objects.get()
    assert (dataset.fides_key, dataset.yaml_text, dataset.system) == ("crm", NESTED, None)


def test_a_malformed_file_lists_each_problem_with_its_line_and_imports_nothing(
    dpo_client: Client,
) -> None:
    # when
    response = dpo_client.post(
        reverse("dsr_console:dataset_import"), {"file": _upload("shop.yml", MALFORMED)}
    )
    # then
    assert response.status_code == 400
    problems = response.context["form"].errors["file"]
    assert len(problems) == 5
    assert problems[0] == (
        "shop.yml:17: collection 'orders' field 'customer_id': "
        "unknown data category 'user.not_a_category'"
    )
    assert all(problem.startswith("shop.yml:") for problem in problems)
    html = response.content.decode()
    for problem in problems:
        assert escape(problem) in html
    assert html.count('<a href="#id_file">') == 5
    assert Dataset.objects.count() == 0
    assert not AuditEvent.objects.filter(action="dsr.dataset_imported").exists()


def test_an_import_needs_a_yaml_file_or_text(dpo_client: Client) -> None:
    # when
    empty = dpo_client.post(reverse("dsr_console:dataset_import"), {"text": "  "})
    wrong_suffix = dpo_client.post(
        reverse("dsr_console:dataset_import"), {"file": _upload("crm.txt", NESTED)}
    )
    both = dpo_client.post(
        reverse("dsr_console:dataset_import"),
        {"file": _upload("crm.yml", NESTED), "text": NESTED},
    )
    # then
    assert empty.context["form"].non_field_errors() == [
        "Choisissez un fichier ou collez le texte YAML."
    ]
    assert wrong_suffix.context["form"].errors["file"] == [
        "Le fichier doit se terminer par .yml ou .yaml."
    ]
    assert both.context["form"].non_field_errors() == [
        "Choisissez un fichier ou collez le texte, pas les deux."
    ]
    assert {empty.status_code, wrong_suffix.status_code, both.status_code} == {400}
    assert Dataset.objects.count() == 0


def test_the_detail_page_shows_nested_fields_categories_identities_keys_and_references(
    dpo_client: Client,
) -> None:
    # given
    dataset_import(text=NESTED, filename="crm.yml", actor=None)
    # when
    response = dpo_client.get(reverse("dsr_console:dataset_detail", args=["crm"]))
    # then
    assert response.status_code == 200
    contacts, notes = response.context["collections"]
    rows = [
        (row.field.dotted, row.depth, row.categories, row.field.identity, row.field.primary_key)
        for row in contacts.fields
    ]
    assert rows == [
        ("id", 0, [], None, True),
        ("email", 0, [("user.contact.email", "Adresse e-mail")], "email", False),
        ("workplace", 0, [], None, False),
        ("workplace.city", 1, [("user.contact.address.city", "Ville")], None, False),
    ]
    (contact_id,) = notes.fields
    assert contact_id.references == [
        ("crm.contacts.id", "depuis (l'autre collection porte la clé de celle-ci)")
    ]
    html = response.content.decode()
    assert "string (254)" in html
    assert '<span class="visually-hidden">workplace.city</span>' in html
    assert "<code>crm.contacts.id</code>" in html


def test_export_gives_back_the_imported_text_as_a_yaml_attachment(dpo_client: Client) -> None:
    # given
    text = fixture_text(EXAMPLE)
    dataset_import(text=text, filename="example.yml", actor=None)
    # when
    response = dpo_client.get(reverse("dsr_console:dataset_export", args=[EXAMPLE]))
    # then
    assert response.status_code == 200
    assert response.content.decode("utf-8") == text
    assert response["Content-Type"] == "text/yaml; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{EXAMPLE}.yml"'


def test_an_unknown_dataset_or_system_is_not_found(dpo_client: Client) -> None:
    assert dpo_client.get(reverse("dsr_console:dataset_detail", args=["nope"])).status_code == 404
    assert dpo_client.get(reverse("dsr_console:dataset_export", args=["nope"])).status_code == 404
    assert dpo_client.get(reverse("dsr_console:system_detail", args=["nope"])).status_code == 404


def test_datasets_are_searched_by_key_or_name(dpo_client: Client) -> None:
    # given
    dataset_import(text=NESTED, filename="crm.yml", actor=None)
    dataset_import(text=fixture_text(EXAMPLE), filename="example.yml", actor=None)
    url = reverse("dsr_console:dataset_list")
    # when
    by_key = dpo_client.get(url, {"q": "postgres_example"})
    by_name = dpo_client.get(url, {"q": "crm"})
    none = dpo_client.get(url, {"q": "zzz"})
    # then
    assert [d.fides_key for d in by_key.context["page"]] == [EXAMPLE]
    assert [d.fides_key for d in by_name.context["page"]] == ["crm"]
    assert none.context["page"].paginator.count == 0
    assert "Aucun jeu de données ne correspond." in none.content.decode()


def test_lists_are_paginated_by_25(dpo_client: Client) -> None:
    # given
    for i in range(26):
        system_add(name=f"s{i:02d}", type="sqlite", url=f"sqlite:////tmp/{i}.db", actor=None)
    # when
    first = dpo_client.get(reverse("dsr_console:system_list"))
    second = dpo_client.get(reverse("dsr_console:system_list"), {"page": 2})
    # then
    assert len(first.context["page"]) == 25
    assert [s.name for s in second.context["page"]] == ["s25"]
    assert 'href="?page=2"' in first.content.decode()


def _systems_with_datasets(numbers: range) -> None:
    for i in numbers:
        key = f"crm{i}"
        dataset_import(text=NESTED.replace("crm", key), filename=f"{key}.yml", actor=None)
        system_add(
            name=f"shop{i}", type="sqlite", url=f"sqlite:////tmp/{i}.db", actor=None, datasets=[key]
        )


# The page's own queries come after the session, the user and their memberships: the systems
# page counts and lists systems, then their datasets; the datasets page counts and lists
# datasets with their system, then their categories.
@pytest.mark.parametrize(
    ("url_name", "queries"),
    [("dsr_console:system_list", 6), ("dsr_console:dataset_list", 6)],
)
def test_data_map_lists_take_the_same_queries_for_one_or_many_rows(
    dpo_client: Client,
    django_assert_num_queries: QueryCounter,
    url_name: str,
    queries: int,
) -> None:
    # given
    _systems_with_datasets(range(1))
    with django_assert_num_queries(queries):
        one = dpo_client.get(reverse(url_name))
    _systems_with_datasets(range(1, 5))
    # when / then
    with django_assert_num_queries(queries):
        five = dpo_client.get(reverse(url_name))
    assert (one.context["page"].paginator.count, five.context["page"].paginator.count) == (1, 5)
