"""Comparing two register versions (issue 3, item 4): ``register_diff`` over plain snapshots."""

from __future__ import annotations

import copy
from typing import Any

from garde.register.diff import ActivityDiff, FieldChange, operator_diff, register_diff


def activity(slug: str = "contact-forms", **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "slug": slug,
        "role": "controller",
        "name_fr": "Formulaires de contact",
        "name_en": "Contact forms",
        "purposes_fr": ["Répondre aux demandes de contact"],
        "legal_basis": "legitimate_interest",
        "data_categories": [
            {"name_fr": "Adresse e-mail", "name_en": "Email", "key": "user.contact.email"}
        ],
        "recipients": [
            {
                "name_fr": "Service Marketing",
                "name_en": "Marketing",
                "kind": "staff",
                "country": "FR",
            }
        ],
        "transfers_outside_eu_fr": "",
        "not_stated": [],
        "retention_rules": [
            {
                "key": "contact-forms",
                "description_fr": "Formulaires de contact",
                "description_en": "Contact forms",
                "count": 1,
                "unit": "years",
                "anchor": "last_contact",
                "store": "marketing.contact_requests",
                "data_category": None,
                "legal_reference": "",
                "not_stated": False,
            }
        ],
    }
    row.update(fields)
    return row


def snapshot(*activities: dict[str, Any], **operator: str) -> dict[str, Any]:
    return {
        "operator": {"company_name": "inherent", "dpo_email": "dpd@adista.fr", **operator},
        "activities": list(activities),
    }


def test_identical_snapshots_have_no_difference() -> None:
    # given
    old = snapshot(activity(), activity("newsletter", name_fr="Newsletter"))
    # when
    diffs = register_diff(old, copy.deepcopy(old))
    # then
    assert diffs == []


def test_a_changed_retention_period_is_shown_with_its_old_and_new_value() -> None:
    # given
    old = snapshot(activity())
    new = copy.deepcopy(old)
    new["activities"][0]["retention_rules"][0]["count"] = 3
    # when
    diffs = register_diff(old, new)
    # then
    assert diffs == [
        ActivityDiff(
            slug="contact-forms",
            name="Formulaires de contact",
            role="controller",
            status="changed",
            changes=(
                FieldChange(
                    field="retention_rules.contact-forms.period",
                    old="1 an à compter du dernier contact",
                    new="3 ans à compter du dernier contact",
                ),
            ),
        )
    ]


def test_a_rule_until_an_event_reads_as_such() -> None:
    # given
    old = snapshot(activity())
    new = copy.deepcopy(old)
    rule = new["activities"][0]["retention_rules"][0]
    rule.update(count=None, anchor="unsubscription")
    # when
    (diff,) = register_diff(old, new)
    # then
    assert diff.changes == (
        FieldChange(
            field="retention_rules.contact-forms.period",
            old="1 an à compter du dernier contact",
            new="jusqu'à la désinscription",
        ),
    )


def test_scalar_fields_show_old_and_new_values() -> None:
    # given
    old = snapshot(activity())
    new = snapshot(activity(legal_basis="consent", transfers_outside_eu_fr="États-Unis"))
    # when
    (diff,) = register_diff(old, new)
    # then
    assert diff.changes == (
        FieldChange(field="legal_basis", old="legitimate_interest", new="consent"),
        FieldChange(field="transfers_outside_eu_fr", old="", new="États-Unis"),
    )
    assert (diff.changes[1].old_text, diff.changes[1].new_text) == ("—", "États-Unis")


def test_list_fields_name_the_entries_added_and_removed() -> None:
    # given
    old = snapshot(activity())
    phone = {"name_fr": "Téléphone", "name_en": "Phone", "key": "user.contact.phone_number"}
    new = snapshot(activity(data_categories=[phone], purposes_fr=["Rappeler les prospects"]))
    # when
    (diff,) = register_diff(old, new)
    # then
    assert diff.changes == (
        FieldChange(
            field="purposes_fr",
            old=["Répondre aux demandes de contact"],
            new=["Rappeler les prospects"],
            added=("Rappeler les prospects",),
            removed=("Répondre aux demandes de contact",),
        ),
        FieldChange(
            field="data_categories",
            old=["Adresse e-mail (user.contact.email)"],
            new=["Téléphone (user.contact.phone_number)"],
            added=("Téléphone (user.contact.phone_number)",),
            removed=("Adresse e-mail (user.contact.email)",),
        ),
    )


def test_the_same_entries_in_another_order_are_no_change() -> None:
    # given
    phone = {"name_fr": "Téléphone", "name_en": "Phone", "key": "user.contact.phone_number"}
    email = {"name_fr": "Adresse e-mail", "name_en": "Email", "key": "user.contact.email"}
    old = snapshot(activity(data_categories=[email, phone]))
    new = snapshot(activity(data_categories=[phone, email]))
    # when / then
    assert register_diff(old, new) == []


def test_added_and_removed_activities_and_rules_are_listed_by_slug() -> None:
    # given
    newsletter_rule = {
        **activity()["retention_rules"][0],
        "key": "newsletter",
        "description_fr": "Newsletter",
        "count": None,
        "anchor": "unsubscription",
    }
    old = snapshot(activity(), activity("recruitment", name_fr="Recrutement", retention_rules=[]))
    new = snapshot(
        activity(retention_rules=[newsletter_rule]),
        activity("newsletter", name_fr="Newsletter", retention_rules=[]),
    )
    # when
    diffs = register_diff(old, new)
    # then
    assert [(d.slug, d.status) for d in diffs] == [
        ("contact-forms", "changed"),
        ("newsletter", "added"),
        ("recruitment", "removed"),
    ]
    assert diffs[0].changes == (
        FieldChange(
            field="retention_rules.newsletter",
            old=None,
            new="Newsletter : jusqu'à la désinscription",
        ),
        FieldChange(
            field="retention_rules.contact-forms",
            old="Formulaires de contact : 1 an à compter du dernier contact",
            new=None,
        ),
    )
    assert FieldChange("name_fr", None, "Newsletter") in diffs[1].changes
    assert FieldChange("name_fr", "Recrutement", None) in diffs[2].changes


def test_operator_changes_are_compared_too() -> None:
    # given
    old = snapshot(activity())
    new = snapshot(activity(), dpo_email="dpo@inherent.example")
    # when / then
    assert register_diff(old, new) == []
    assert operator_diff(old, new) == [
        FieldChange("dpo_email", "dpd@adista.fr", "dpo@inherent.example")
    ]
