"""Erasure settings: per data category policies and legal keeps, as services (with their audit
events) and as DPO console pages (issue 5, item 6)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

import pytest
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.core.errors import GardeError
from garde.core.models import AuditEvent
from garde.dsr.models import ErasurePolicy, LegalKeep
from garde.dsr.policies import (
    erasure_policy_delete,
    erasure_policy_set,
    legal_keep_delete,
    legal_keep_set,
)
from garde.dsr.services import dataset_import
from garde.register.defaults import taxonomy_load
from tests.conftest import log_in
from tests.dsr.test_console_datamap import NESTED

pytestmark = pytest.mark.django_db

QueryCounter = Callable[[int], AbstractContextManager[object]]


@pytest.fixture(autouse=True)
def taxonomy(db: None) -> None:
    taxonomy_load()


@pytest.fixture
def dpo(make_user: Callable[..., User]) -> User:
    return make_user("dpo", email="dpo@inherent.example")


@pytest.fixture
def dpo_client(client: Client, dpo: User) -> Client:
    return log_in(client, dpo)


@pytest.fixture
def crm(db: None) -> None:
    dataset_import(text=NESTED, filename="crm.yml", actor=None)


def _details(action: str) -> list[dict[str, object]]:
    return [e.details for e in AuditEvent.objects.filter(action=action).order_by("pk")]


def _policies() -> list[tuple[str, str, str]]:
    """Every policy, the defaults of migration 0003 included."""
    return list(ErasurePolicy.objects.values_list("data_category", "strategy", "fixed_value"))


def _keeps() -> list[tuple[str, str, str]]:
    return list(LegalKeep.objects.values_list("dataset", "collection", "reason_fr"))


# --- services ---


def test_a_policy_is_created_then_changed_with_each_state_in_the_audit(dpo: User) -> None:
    # given
    policy = erasure_policy_set(
        actor=dpo, data_category="user.name", strategy="fixed", fixed_value="effacé"
    )
    # when
    changed = erasure_policy_set(
        actor=dpo, data_category="user.name", strategy="hash", policy=policy
    )
    # then
    assert changed.pk == policy.pk
    stored = ErasurePolicy.objects.get(data_category="user.name")
    assert (stored.strategy, stored.fixed_value) == ("hash", "")
    first, second = AuditEvent.objects.filter(action="dsr.erasure_policy_set").order_by("pk")
    assert (first.actor, first.object_id) == (dpo, str(policy.pk))
    assert first.details == {
        "data_category": "user.name",
        "strategy": "fixed",
        "fixed_value": "effacé",
        "reason_fr": "",
        "reason_en": "",
        "created": True,
        "previous": None,
    }
    assert second.details["created"] is False
    assert second.details["previous"] == {
        "data_category": "user.name",
        "strategy": "fixed",
        "fixed_value": "effacé",
        "reason_fr": "",
        "reason_en": "",
    }
    assert (second.details["strategy"], second.details["fixed_value"]) == ("hash", "")


@pytest.mark.parametrize(
    ("arguments", "field", "code"),
    [
        (
            {"data_category": "user.nope", "strategy": "null"},
            "data_category",
            "dsr_policy_category_unknown",
        ),
        ({"data_category": "user.name", "strategy": "shred"}, "strategy", "dsr_policy_strategy"),
        (
            {"data_category": "user.name", "strategy": "fixed"},
            "fixed_value",
            "dsr_policy_fixed_value_required",
        ),
        (
            {"data_category": "user.name", "strategy": "keep", "reason_fr": "  "},
            "reason_fr",
            "dsr_policy_reason_required",
        ),
    ],
)
def test_a_refused_policy_changes_nothing_and_writes_no_audit(
    dpo: User, arguments: dict[str, str], field: str, code: str
) -> None:
    # given
    before = _policies()
    # when
    with pytest.raises(GardeError) as caught:
        erasure_policy_set(actor=dpo, **arguments)
    # then
    assert (caught.value.field, caught.value.code) == (field, code)
    assert _policies() == before
    assert not AuditEvent.objects.filter(action="dsr.erasure_policy_set").exists()


def test_a_category_has_one_policy(dpo: User) -> None:
    # given
    erasure_policy_set(actor=dpo, data_category="user.name", strategy="null")
    other = erasure_policy_set(
        actor=dpo, data_category="user.contact.phone_number", strategy="null"
    )
    # when
    with pytest.raises(GardeError) as on_create:
        erasure_policy_set(actor=dpo, data_category="user.name", strategy="hash")
    with pytest.raises(GardeError) as on_edit:
        erasure_policy_set(actor=dpo, data_category="user.name", strategy="hash", policy=other)
    # then
    assert on_create.value.code == on_edit.value.code == "dsr_policy_exists"
    mine = ErasurePolicy.objects.filter(
        data_category__in=["user.name", "user.contact.phone_number"]
    )
    assert sorted(mine.values_list("data_category", "strategy")) == [
        ("user.contact.phone_number", "null"),
        ("user.name", "null"),
    ]
    assert ErasurePolicy.objects.get(data_category="user.contact.email").strategy == "hash"


def test_deleting_a_policy_is_audited(dpo: User) -> None:
    # given
    policy = erasure_policy_set(
        actor=dpo, data_category="user.name", strategy="keep", reason_fr="Code de commerce"
    )
    policy_id = policy.pk
    # when
    erasure_policy_delete(actor=dpo, policy=policy)
    # then
    assert not ErasurePolicy.objects.filter(data_category="user.name").exists()
    event = AuditEvent.objects.get(action="dsr.erasure_policy_deleted")
    assert (event.object_id, event.details["strategy"], event.details["reason_fr"]) == (
        str(policy_id),
        "keep",
        "Code de commerce",
    )


def test_a_legal_keep_is_created_changed_and_deleted_with_audit(dpo: User, crm: None) -> None:
    # given
    keep = legal_keep_set(
        actor=dpo,
        dataset="crm",
        collection="notes",
        reason_fr="Pièces comptables",
        legal_basis="Code de commerce, art. L123-22",
    )
    # when
    legal_keep_set(actor=dpo, dataset="crm", collection="", reason_fr="Tout le CRM", keep=keep)
    stored = LegalKeep.objects.get(dataset="crm")
    legal_keep_delete(actor=dpo, keep=stored)
    # then
    assert (stored.dataset, stored.collection, stored.reason_fr, stored.legal_basis) == (
        "crm",
        "",
        "Tout le CRM",
        "",
    )
    assert not LegalKeep.objects.filter(dataset="crm").exists()
    created, changed = _details("dsr.legal_keep_set")
    assert created == {
        "dataset": "crm",
        "collection": "notes",
        "reason_fr": "Pièces comptables",
        "reason_en": "",
        "legal_basis": "Code de commerce, art. L123-22",
        "created": True,
        "previous": None,
    }
    assert changed["previous"] == {
        key: created[key]
        for key in ("dataset", "collection", "reason_fr", "reason_en", "legal_basis")
    }
    assert _details("dsr.legal_keep_deleted") == [
        {
            "dataset": "crm",
            "collection": "",
            "reason_fr": "Tout le CRM",
            "reason_en": "",
            "legal_basis": "",
        }
    ]


@pytest.mark.parametrize(
    ("arguments", "field", "code"),
    [
        ({"dataset": "nope", "reason_fr": "x"}, "dataset", "dsr_keep_dataset_unknown"),
        (
            {"dataset": "crm", "collection": "orders", "reason_fr": "x"},
            "collection",
            "dsr_keep_collection_unknown",
        ),
        (
            {"dataset": "crm", "collection": "notes", "reason_fr": " "},
            "reason_fr",
            "dsr_keep_reason_required",
        ),
        (
            {"dataset": "crm", "collection": "contacts", "reason_fr": "again"},
            "collection",
            "dsr_keep_exists",
        ),
    ],
)
def test_a_refused_legal_keep_changes_nothing_and_writes_no_audit(
    dpo: User, crm: None, arguments: dict[str, str], field: str, code: str
) -> None:
    # given
    LegalKeep.objects.create(dataset="crm", collection="contacts", reason_fr="déjà")
    before = _keeps()
    # when
    with pytest.raises(GardeError) as caught:
        legal_keep_set(actor=dpo, **arguments)
    # then
    assert (caught.value.field, caught.value.code) == (field, code)
    assert _keeps() == before
    assert not AuditEvent.objects.filter(action="dsr.legal_keep_set").exists()


# --- console ---


def test_a_dpo_adds_a_policy_from_the_console_and_sees_it_with_the_register_name(
    dpo_client: Client, dpo: User
) -> None:
    # given
    form_page = dpo_client.get(reverse("dsr_console:policy_create"))
    # when
    response = dpo_client.post(
        reverse("dsr_console:policy_create"),
        {"data_category": "user.name", "strategy": "random", "reason_fr": "Pseudonymiser"},
    )
    listing = dpo_client.get(reverse("dsr_console:policy_list"))
    # then
    assert form_page.status_code == 200
    assert '<option value="user.contact.email">Adresse e-mail</option>' in (
        form_page.content.decode()
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("dsr_console:policy_list")
    policy = ErasurePolicy.objects.get(data_category="user.name")
    assert (policy.strategy, policy.reason_fr) == ("random", "Pseudonymiser")
    assert AuditEvent.objects.get(action="dsr.erasure_policy_set").actor == dpo
    html = listing.content.decode()
    assert "Identité (nom, prénom)<br><code>user.name</code>" in html
    assert "Remplacer par un texte aléatoire" in html
    assert "Adresse e-mail<br><code>user.contact.email</code>" in html  # a default policy
    assert "Empreinte à clé (HMAC-SHA-256)" in html
    assert "Vider (valeur nulle)" in html  # the default strategy, named in the introduction


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        (
            {"data_category": "user.name", "strategy": "fixed"},
            "fixed_value",
            "the fixed strategy needs its replacement value",
        ),
        (
            {"data_category": "user.name", "strategy": "keep"},
            "reason_fr",
            "keeping a category needs its legal reason",
        ),
        (
            {"data_category": "user.nope", "strategy": "null"},
            "data_category",
            "'user.nope' is not a data category of the register",
        ),
    ],
)
def test_policy_form_errors_show_on_their_field_and_store_nothing(
    dpo_client: Client, posted: dict[str, str], field: str, message: str
) -> None:
    # given
    before = _policies()
    # when
    response = dpo_client.post(reverse("dsr_console:policy_create"), posted)
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {field: [message]}
    assert f'<a href="#id_{field}">' in response.content.decode()
    assert _policies() == before
    assert not AuditEvent.objects.filter(action="dsr.erasure_policy_set").exists()


def test_a_policy_is_edited_and_deleted_from_the_console(dpo_client: Client, dpo: User) -> None:
    # given
    policy = erasure_policy_set(actor=dpo, data_category="user.name", strategy="null")
    edit_url = reverse("dsr_console:policy_edit", args=[policy.pk])
    # when
    form_page = dpo_client.get(edit_url)
    edited = dpo_client.post(
        edit_url, {"data_category": "user.name", "strategy": "fixed", "fixed_value": "Anonyme"}
    )
    after_edit = (
        ErasurePolicy.objects.filter(pk=policy.pk).values_list("strategy", "fixed_value").get()
    )
    deleted = dpo_client.post(reverse("dsr_console:policy_delete", args=[policy.pk]))
    # then
    assert form_page.context["form"].initial["data_category"] == "user.name"
    assert (edited.status_code, deleted.status_code) == (302, 302)
    assert after_edit == ("fixed", "Anonyme")
    assert not ErasurePolicy.objects.filter(pk=policy.pk).exists()
    assert AuditEvent.objects.filter(action="dsr.erasure_policy_deleted").count() == 1


def test_a_non_dpo_cannot_delete_a_policy(
    client: Client, make_user: Callable[..., User], dpo: User
) -> None:
    # given
    policy = erasure_policy_set(actor=dpo, data_category="user.name", strategy="null")
    log_in(client, make_user("sysadmin"))
    # when
    response = client.post(reverse("dsr_console:policy_delete", args=[policy.pk]))
    # then
    assert response.status_code == 403
    assert ErasurePolicy.objects.filter(pk=policy.pk).exists()
    assert not AuditEvent.objects.filter(action="dsr.erasure_policy_deleted").exists()


def test_a_dpo_adds_edits_and_deletes_a_legal_keep_from_the_console(
    dpo_client: Client, crm: None
) -> None:
    # given
    form_page = dpo_client.get(reverse("dsr_console:keep_create"))
    # when
    created = dpo_client.post(
        reverse("dsr_console:keep_create"),
        {
            "dataset": "crm",
            "collection": "notes",
            "reason_fr": "Pièces comptables",
            "reason_en": "Accounting records",
            "legal_basis": "Code de commerce, art. L123-22",
        },
    )
    keep = LegalKeep.objects.get(dataset="crm")
    listing = dpo_client.get(reverse("dsr_console:keep_list")).content.decode()
    edited = dpo_client.post(
        reverse("dsr_console:keep_edit", args=[keep.pk]),
        {"dataset": "crm", "collection": "", "reason_fr": "Tout le CRM"},
    )
    after_edit = LegalKeep.objects.filter(pk=keep.pk).values_list("collection", "reason_fr").get()
    deleted = dpo_client.post(reverse("dsr_console:keep_delete", args=[keep.pk]))
    # then
    assert [value for value, _label in form_page.context["form"].fields["dataset"].choices] == [
        "",
        "crm",
    ]
    assert (created.status_code, edited.status_code, deleted.status_code) == (302, 302, 302)
    assert "Pièces comptables" in listing
    assert '<span lang="en">Accounting records</span>' in listing
    assert "Code de commerce, art. L123-22" in listing
    assert after_edit == ("", "Tout le CRM")
    assert not LegalKeep.objects.filter(pk=keep.pk).exists()
    assert AuditEvent.objects.filter(action="dsr.legal_keep_set").count() == 2
    assert AuditEvent.objects.filter(action="dsr.legal_keep_deleted").count() == 1


def test_legal_keep_form_errors_show_on_their_field_and_store_nothing(
    dpo_client: Client, crm: None
) -> None:
    # given
    before = _keeps()
    # when
    no_reason = dpo_client.post(
        reverse("dsr_console:keep_create"), {"dataset": "crm", "collection": "notes"}
    )
    not_imported = dpo_client.post(
        reverse("dsr_console:keep_create"), {"dataset": "shop", "reason_fr": "x"}
    )
    no_collection = dpo_client.post(
        reverse("dsr_console:keep_create"),
        {"dataset": "crm", "collection": "orders", "reason_fr": "x"},
    )
    # then
    assert no_reason.status_code == not_imported.status_code == no_collection.status_code == 400
    assert list(no_reason.context["form"].errors) == ["reason_fr"]
    assert list(not_imported.context["form"].errors) == ["dataset"]
    assert no_collection.context["form"].errors == {
        "collection": ["the dataset 'crm' has no collection 'orders'"]
    }
    assert _keeps() == before
    assert not AuditEvent.objects.filter(action="dsr.legal_keep_set").exists()


def test_an_unknown_policy_or_keep_is_not_found(dpo_client: Client) -> None:
    assert dpo_client.get(reverse("dsr_console:policy_edit", args=[999])).status_code == 404
    assert dpo_client.get(reverse("dsr_console:keep_edit", args=[999])).status_code == 404
    assert dpo_client.post(reverse("dsr_console:policy_delete", args=[999])).status_code == 404
    assert dpo_client.post(reverse("dsr_console:keep_delete", args=[999])).status_code == 404


CATEGORIES = ["user.name", "user.contact.phone_number", "user.contact.address", "user.device"]


def test_a_default_keep_naming_a_dataset_not_imported_can_still_be_edited(
    dpo_client: Client,
) -> None:
    # given: migration 0003's keep for invoices, whose dataset file does not exist yet
    keep = LegalKeep.objects.get(dataset="garde_billing")
    listing = dpo_client.get(reverse("dsr_console:keep_list")).content.decode()
    # when
    response = dpo_client.post(
        reverse("dsr_console:keep_edit", args=[keep.pk]),
        {"dataset": "garde_billing", "collection": "", "reason_fr": "Factures : 10 ans."},
    )
    # then
    assert "jeu de données pas encore importé" in listing
    assert response.status_code == 302
    keep.refresh_from_db()
    assert keep.reason_fr == "Factures : 10 ans."
    with pytest.raises(GardeError) as caught:
        legal_keep_set(actor=None, dataset="garde_billing", collection="x", reason_fr="y")
    assert caught.value.code == "dsr_keep_dataset_unknown"


@pytest.mark.parametrize(
    ("url_name", "queries", "model"),
    [("dsr_console:policy_list", 6, ErasurePolicy), ("dsr_console:keep_list", 6, LegalKeep)],
)
def test_erasure_setting_lists_take_the_same_queries_for_one_or_many_rows(
    dpo_client: Client,
    dpo: User,
    crm: None,
    django_assert_num_queries: QueryCounter,
    url_name: str,
    queries: int,
    model: type[ErasurePolicy | LegalKeep],
) -> None:
    # given: the defaults of migration 0003, plus one row, then four
    def add(index: int) -> None:
        erasure_policy_set(actor=dpo, data_category=CATEGORIES[index], strategy="null")
        collection = ("contacts", "notes", "", "")[index]
        if index < 3:
            legal_keep_set(actor=dpo, dataset="crm", collection=collection, reason_fr="loi")

    add(0)
    with django_assert_num_queries(queries):
        one = dpo_client.get(reverse(url_name))
    count_one = model.objects.count()
    for index in (1, 2, 3):
        add(index)
    # when / then
    with django_assert_num_queries(queries):
        many = dpo_client.get(reverse(url_name))
    assert one.context["page"].paginator.count == count_one
    assert many.context["page"].paginator.count == model.objects.count() > count_one
