"""Fides dataset YAML: parsing, validation with file and line, export (issue 5, item 2)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fideslang.default_taxonomy import DEFAULT_TAXONOMY

from garde.dsr.datasets import dataset_parse, dataset_to_yaml, spec_from_dict, spec_to_dict
from garde.dsr.errors import DatasetInvalidError, DatasetProblem
from garde.dsr.spec import DatasetSpec, Reference

# /work/shared, next to the repository at /work/main.
FIDES_FIXTURES = Path(__file__).resolve().parents[3] / "shared/fixtures/fides"
EXAMPLE = "postgres_example_test_dataset"
EXTENDED = "postgres_example_test_extended_dataset"
CATEGORIES = frozenset(c.fides_key for c in DEFAULT_TAXONOMY.data_category)


def fixture_text(key: str) -> str:
    path = FIDES_FIXTURES / f"{key}.yml"
    if not path.exists():
        pytest.skip(f"Fides' example datasets are not at {FIDES_FIXTURES}")
    return path.read_text(encoding="utf-8")


def parse(text: str, *, stored: dict[str, DatasetSpec] | None = None) -> list[DatasetSpec]:
    return dataset_parse(text, filename="shop.yml", stored=stored or {}, categories=CATEGORIES)


def problems_of(text: str) -> list[tuple[int, str, str]]:
    with pytest.raises(DatasetInvalidError) as caught:
        parse(text)
    return [(p.line, p.element, p.message) for p in caught.value.problems]


def test_fides_example_dataset_parses_unchanged() -> None:
    # when
    (spec,) = parse(fixture_text(EXAMPLE))
    # then
    assert spec.fides_key == EXAMPLE
    assert spec.name == "Postgres Example Test Dataset"
    assert [c.name for c in spec.collections] == [
        "address",
        "customer",
        "employee",
        "login",
        "orders",
        "order_item",
        "payment_card",
        "product",
        "report",
        "service_request",
        "visit",
    ]
    customer = spec.collection("customer")
    assert customer is not None
    email = customer.field_at("email")
    assert email is not None
    assert (email.identity, email.data_categories, email.data_type) == (
        "email",
        ("user.contact.email",),
        "string",
    )
    customer_id = customer.field_at("id")
    assert customer_id is not None
    assert customer_id.primary_key is True
    address_id = customer.field_at("address_id")
    assert address_id is not None
    assert address_id.references == (Reference(EXAMPLE, "address", "id", "to"),)
    name = customer.field_at("name")
    assert name is not None
    assert (name.data_type, name.length) == ("string", 40)
    login = spec.collection("login")
    assert login is not None
    login_customer = login.field_at("customer_id")
    assert login_customer is not None
    assert login_customer.references == (Reference(EXAMPLE, "customer", "id", "from"),)
    identities = {
        (c.name, f.dotted): f.identity for c in spec.collections for f in c.fields if f.identity
    }
    assert identities == {
        ("customer", "email"): "email",
        ("employee", "email"): "email",
        ("report", "email"): "email",
        ("service_request", "alt_email"): "email",
        ("service_request", "email"): "email",
        ("visit", "email"): "email",
    }


def test_fides_extended_dataset_has_a_custom_identity_root() -> None:
    # when
    (spec,) = parse(fixture_text(EXTENDED))
    # then
    loyalty = spec.collection("loyalty")
    assert loyalty is not None
    loyalty_id = loyalty.field_at("id")
    assert loyalty_id is not None
    assert loyalty_id.identity == "loyalty_id"
    assert [f.name for f in loyalty.fields] == ["id", "name", "points", "tier"]


@pytest.mark.parametrize("key", [EXAMPLE, EXTENDED])
def test_export_then_parse_gives_the_same_spec(key: str) -> None:
    # given
    (spec,) = parse(fixture_text(key))
    # when
    (again,) = parse(dataset_to_yaml(spec))
    # then
    assert again == spec
    assert spec_from_dict(spec_to_dict(spec)) == spec


NESTED = """\
dataset:
  - fides_key: crm
    name: CRM
    data_categories: [user]
    collections:
      - name: contact
        data_categories: [user.contact]
        fides_meta:
          skip_processing: false
          custom_request_field: x
        fields:
          - name: email
            fides_meta:
              identity: email
              read_only: true
          - name: workplace
            fides_meta:
              data_type: object
            fields:
              - name: city
                data_categories: [user.contact.address.city]
              - name: geo
                fields:
                  - name: lat
"""


def test_nested_fields_and_unknown_fides_meta_keys_survive_a_round_trip() -> None:
    # when
    (spec,) = parse(NESTED)
    (again,) = parse(dataset_to_yaml(spec))
    # then
    contact = spec.collection("contact")
    assert contact is not None
    assert contact.options == {"skip_processing": False, "custom_request_field": "x"}
    lat = contact.field_at("workplace.geo.lat")
    assert lat is not None
    assert lat.path == ("workplace", "geo", "lat")
    email = contact.field_at("email")
    assert email is not None
    assert email.options == {"read_only": True}
    again_contact = again.collection("contact")
    assert again_contact is not None
    assert again_contact.options == contact.options
    again_email = again_contact.field_at("email")
    assert again_email is not None
    assert again_email.options == {"read_only": True}
    assert again == spec


MALFORMED = """\
dataset:
  - fides_key: shop
    name: Shop
    collections:
      - name: customer
        fields:
          - name: email
            data_categories: [user.contact.email]
            fides_meta:
              identity: email
          - name: id
            fides_meta:
              primary_key: true
      - name: orders
        fields:
          - name: customer_id
            data_categories: [user.not_a_category]
            fides_meta:
              references:
                - dataset: shop
                  field: customer.id
                  direction: from
                - dataset: shop
                  field: customers.id
          - name: product_id
            fides_meta:
              references:
                - dataset: shop
                  field: customer.uid
                  direction: from
                - dataset: shop
                  field: customer.id
                  direction: sideways
      - name: audit_log
        fields:
          - name: entry
"""


def test_a_malformed_dataset_gets_one_problem_per_issue_with_its_line() -> None:
    # when
    problems = problems_of(MALFORMED)
    # then
    assert problems == [
        (
            17,
            "collection 'orders' field 'customer_id'",
            "unknown data category 'user.not_a_category'",
        ),
        (
            23,
            "collection 'orders' field 'customer_id'",
            "reference to unknown collection 'customers'",
        ),
        (
            28,
            "collection 'orders' field 'product_id'",
            "reference to unknown field 'uid' of collection 'customer'",
        ),
        (
            33,
            "collection 'orders' field 'product_id'",
            "invalid reference direction 'sideways' (expected 'from' or 'to')",
        ),
        (
            34,
            "collection 'audit_log'",
            "not reachable from any identity field through references "
            "(a cycle or island with no identity root)",
        ),
    ]


def test_the_error_message_names_file_line_and_element() -> None:
    # when
    with pytest.raises(DatasetInvalidError) as caught:
        parse(MALFORMED)
    # then
    lines = caught.value.message.splitlines()
    assert len(lines) == 5
    assert lines[1] == (
        "shop.yml:23: collection 'orders' field 'customer_id': "
        "reference to unknown collection 'customers'"
    )
    assert caught.value.code == "dataset_invalid"


def test_a_yaml_syntax_error_is_reported_with_its_line() -> None:
    # given
    text = """\
dataset:
  - fides_key: shop
    collections:
      - name: customer
        fields:
          - name: email
            data_categories: [user.contact.email
          - name: id
"""
    # when
    with pytest.raises(DatasetInvalidError) as caught:
        parse(text)
    # then
    assert caught.value.problems == [
        DatasetProblem(
            "shop.yml",
            8,
            "",
            "YAML syntax error: expected ',' or ']', but got ':' "
            "(while parsing a flow sequence started at line 7)",
        )
    ]


def test_missing_and_duplicate_keys_and_names_are_all_reported() -> None:
    # given
    text = """\
dataset:
  - name: No key
    collections:
      - name: a
        fields:
          - name: email
            fides_meta:
              identity: email
  - fides_key: shop
    collections:
      - name: customer
        fields:
          - name: email
            fides_meta:
              identity: email
          - name: email
      - name: customer
        fields:
          - name: id
  - fides_key: shop
    collections:
      - name: visit
        fields:
          - name: email
            fides_meta:
              identity: email
"""
    # when
    problems = problems_of(text)
    # then
    assert problems == [
        (2, "dataset #1", "missing fides_key"),
        (16, "collection 'customer' field 'email'", "duplicate field name (first at line 13)"),
        (17, "collection 'customer'", "duplicate collection name (first at line 11)"),
        (20, "dataset 'shop'", "duplicate fides_key (first at line 9)"),
    ]


def test_a_reference_may_point_to_a_stored_dataset_but_not_to_an_unknown_one() -> None:
    # given
    (example,) = parse(fixture_text(EXAMPLE))
    text = """\
dataset:
  - fides_key: tickets
    collections:
      - name: ticket
        fields:
          - name: customer_id
            fides_meta:
              references:
                - dataset: postgres_example_test_dataset
                  field: customer.id
                  direction: from
"""
    # when
    (tickets,) = parse(text, stored={EXAMPLE: example})
    # then
    assert tickets.collections[0].fields[0].references[0].dataset == EXAMPLE
    assert (
        problems_of(text)
        == [
            (
                9,
                "collection 'ticket' field 'customer_id'",
                "reference to unknown dataset 'postgres_example_test_dataset'",
            ),
            (
                4,
                "collection 'ticket'",
                "not reachable from any identity field through references "
                "(a cycle or island with no identity root)",
            ),
        ][::-1]
    )


def test_a_reference_cycle_without_an_identity_reports_each_collection() -> None:
    # given: a and b point at each other, neither is reachable from an identity
    text = """\
dataset:
  - fides_key: shop
    collections:
      - name: customer
        fields:
          - name: email
            fides_meta:
              identity: email
      - name: a
        fields:
          - name: b_id
            fides_meta:
              references:
                - {dataset: shop, field: b.id, direction: to}
          - name: id
      - name: b
        fields:
          - name: a_id
            fides_meta:
              references:
                - {dataset: shop, field: a.id, direction: to}
          - name: id
"""
    # when
    problems = problems_of(text)
    # then
    assert [(line, element) for line, element, _ in problems] == [
        (9, "collection 'a'"),
        (16, "collection 'b'"),
    ]


def test_a_direction_is_followed_only_its_way() -> None:
    # given: orders holds the customer's key, but says the link goes orders -> customer only
    text = """\
dataset:
  - fides_key: shop
    collections:
      - name: customer
        fields:
          - name: email
            fides_meta:
              identity: email
          - name: id
      - name: orders
        fields:
          - name: customer_id
            fides_meta:
              references:
                - {dataset: shop, field: customer.id, direction: to}
"""
    # when
    problems = problems_of(text)
    # then
    assert [(line, element) for line, element, _ in problems] == [(10, "collection 'orders'")]
    # and the other way round it is reachable
    assert parse(text.replace("direction: to", "direction: from"))[0].fides_key == "shop"


@pytest.mark.django_db
def test_categories_are_checked_against_the_register_taxonomy_loaded_on_demand() -> None:
    # given
    from garde.register.models import DataCategory

    assert not DataCategory.objects.exists()
    # when
    with pytest.raises(DatasetInvalidError) as caught:
        dataset_parse(MALFORMED, filename="shop.yml", stored={})
    # then
    assert DataCategory.objects.filter(key="user.contact.email").exists()
    assert "unknown data category 'user.not_a_category'" in caught.value.message
    assert len(caught.value.problems) == 5
