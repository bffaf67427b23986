"""The consent API: recording a choice (proof of consent), the banner configuration, a
visitor's history, CORS for the operator's other sites, and the public GPC declaration."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from garde.consent.models import ConsentRecord, ConsentSite
from garde.consent.services import consent_site_publish
from garde.core.models import AuditEvent
from tests.consent.conftest import OTHER_VISITOR, VISITOR

URL = "/api/v1/consent"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "site": "demo",
        "version": 1,
        "visitor": VISITOR,
        "choices": {"statistics": True, "preferences": False},
        "method": "preferences",
        "language": "fr",
        **overrides,
    }


def post(client: Client, payload: object, **extra: Any) -> Any:
    data = payload if isinstance(payload, (str, bytes)) else json.dumps(payload)
    return client.post(URL, data=data, content_type="application/json", **extra)


def test_a_choice_is_recorded_with_exactly_the_evidence_fields_and_no_ip(
    client: Client, site: ConsentSite
) -> None:
    # given
    audit_before = AuditEvent.objects.count()
    # when
    response = post(client, body(), REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Mozilla/5.0 Test")
    # then
    assert response.status_code == 201
    record = ConsentRecord.objects.get()
    assert response.json() == {"id": record.id, "recorded_at": record.recorded_at.isoformat()}
    assert response["Access-Control-Allow-Origin"] == "*"
    stored = {field.attname: getattr(record, field.attname) for field in ConsentRecord._meta.fields}
    assert stored == {
        "id": record.id,
        "site_id": site.id,
        "version": 1,
        "visitor": VISITOR,
        "choices": {"statistics": True, "preferences": False},
        "method": "preferences",
        "language": "fr",
        "text_version": site.text_version,
        "recorded_at": record.recorded_at,
    }
    assert "203.0.113.9" not in json.dumps(stored, default=str)
    assert AuditEvent.objects.count() == audit_before


def test_a_purpose_left_out_is_recorded_as_refused(client: Client, site: ConsentSite) -> None:
    # when
    response = post(client, body(choices={"statistics": True}, method="accept_all"))
    # then
    assert response.status_code == 201
    assert ConsentRecord.objects.get().choices == {"statistics": True, "preferences": False}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ("{not json", "body"),
        ("[1, 2]", "body"),
        (body(site=None), "site"),
        ({k: v for k, v in body().items() if k != "visitor"}, "visitor"),
        (body(visitor="short"), "visitor"),
        (body(visitor="x" * 30 + "!"), "visitor"),
        (body(version="1"), "version"),
        (body(version=0), "version"),
        (body(version=2), "version"),
        (body(choices={"statistics": "yes"}), "choices"),
        (body(choices={"marketing": True}), "choices"),
        (body(choices={"necessary": False}), "choices"),
        (body(method="nod"), "method"),
        (body(language="de"), "language"),
        (body(extra="x"), "extra"),
    ],
)
def test_a_malformed_body_is_refused_with_400_naming_the_field_and_nothing_stored(
    client: Client, site: ConsentSite, payload: object, field: str
) -> None:
    # when
    response = post(client, payload)
    # then
    assert response.status_code == 400
    assert response.json()["error"]["field"] == field
    assert response.json()["error"]["code"] == "invalid"
    assert response.json()["error"]["message"]
    assert response["Access-Control-Allow-Origin"] == "*"
    assert ConsentRecord.objects.count() == 0


def test_an_unknown_site_is_refused_with_404_and_nothing_stored(
    client: Client, site: ConsentSite
) -> None:
    # when
    response = post(client, body(site="elsewhere"))
    # then
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "consent_site_not_found"
    assert ConsentRecord.objects.count() == 0


def test_an_unpublished_site_is_refused_with_404(client: Client, site: ConsentSite) -> None:
    # given
    ConsentSite.objects.create(key="draft", name="Brouillon")
    # when
    response = post(client, body(site="draft"))
    # then
    assert response.status_code == 404
    assert ConsentRecord.objects.count() == 0


def test_a_body_over_4_kb_is_refused_with_413_and_nothing_stored(
    client: Client, site: ConsentSite
) -> None:
    # given
    payload = json.dumps(body(padding="x" * 4096))
    # when
    response = post(client, payload)
    # then
    assert len(payload.encode()) > 4096
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert ConsentRecord.objects.count() == 0


def test_a_body_of_exactly_4_kb_is_read(client: Client, site: ConsentSite) -> None:
    # given: padded with spaces up to the limit, still valid JSON
    payload = json.dumps(body())
    payload += " " * (4096 - len(payload.encode()))
    # when
    response = post(client, payload)
    # then
    assert response.status_code == 201


def test_r55_an_older_published_version_is_recorded_with_its_own_text_version(
    client: Client, site: ConsentSite
) -> None:
    # given
    first_text_version = site.text_version
    site.draft["texts"]["fr"]["title"] = "Cookies : à vous de choisir"
    site.save(update_fields=["draft"])
    site = consent_site_publish(site=site, actor=None)
    # when
    old = post(client, body(version=1))
    new = post(client, body(version=2))
    # then
    assert (old.status_code, new.status_code) == (201, 201)
    old_record, new_record = ConsentRecord.objects.order_by("id")
    assert (old_record.version, old_record.text_version) == (1, first_text_version)
    assert (new_record.version, new_record.text_version) == (2, site.text_version)
    assert first_text_version != site.text_version


def test_the_preflight_allows_any_origin(client: Client, site: ConsentSite) -> None:
    # when
    response = client.options(
        URL,
        HTTP_ORIGIN="https://www.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    # then
    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["Access-Control-Allow-Methods"] == "GET, POST, OPTIONS"
    assert "Content-Type" in response["Access-Control-Allow-Headers"]


def test_the_write_needs_no_csrf_token(site: ConsentSite) -> None:
    # given
    client = Client(enforce_csrf_checks=True)
    # when
    response = post(client, body())
    # then
    assert response.status_code == 201


def test_the_config_is_served_in_the_banner_format(
    client: Client, site: ConsentSite, settings: Any
) -> None:
    # given
    settings.BASE_URL = "https://garde.example"
    # when
    response = client.get("/api/v1/consent/config/demo")
    # then
    assert response.status_code == 200
    config = response.json()
    assert {key: config[key] for key in config if key not in {"texts", "purposes"}} == {
        "site": "demo",
        "version": 1,
        "lifetime_days": 182,
        "cookie_name": "garde_consent",
        "cookie_domain": None,
        "api": "https://garde.example/api/v1/consent",
        "policy_url": "https://garde.example/confidentialite/",
    }
    assert config["texts"]["fr"]["accept_all"] == "Tout accepter"
    assert config["texts"]["en"]["refuse_all"] == "Refuse all"
    assert [(p["key"], p["required"]) for p in config["purposes"]] == [
        ("necessary", True),
        ("statistics", False),
        ("preferences", False),
    ]
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response["ETag"].startswith('"v1-')


def test_the_config_answers_304_to_its_etag_and_changes_when_published(
    client: Client, site: ConsentSite
) -> None:
    # given
    etag = client.get("/api/v1/consent/config/demo")["ETag"]
    # when
    unchanged = client.get("/api/v1/consent/config/demo", HTTP_IF_NONE_MATCH=etag)
    consent_site_publish(site=site, actor=None)
    changed = client.get("/api/v1/consent/config/demo", HTTP_IF_NONE_MATCH=etag)
    # then
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    assert unchanged["ETag"] == etag
    assert changed.status_code == 200
    assert changed.json()["version"] == 2
    assert changed["ETag"].startswith('"v2-')


def test_the_config_of_an_unknown_site_is_404(client: Client, site: ConsentSite) -> None:
    # when
    response = client.get("/api/v1/consent/config/nowhere")
    # then
    assert response.status_code == 404
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_history_lists_only_that_visitors_records_on_that_site(
    client: Client, site: ConsentSite, django_assert_num_queries: Any
) -> None:
    # given
    post(client, body(method="accept_all", choices={"statistics": True, "preferences": True}))
    post(client, body(visitor=OTHER_VISITOR))
    post(client, body(method="withdraw", choices={"statistics": False, "preferences": False}))
    # when
    with django_assert_num_queries(2):
        response = client.get(f"/api/v1/consent/history/demo/{VISITOR}")
    # then
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Access-Control-Allow-Origin"] == "*"
    records = response.json()["records"]
    assert [(r["method"], r["choices"]) for r in records] == [
        ("accept_all", {"statistics": True, "preferences": True}),
        ("withdraw", {"statistics": False, "preferences": False}),
    ]
    assert set(records[0]) == {
        "id",
        "version",
        "choices",
        "method",
        "language",
        "text_version",
        "recorded_at",
    }


def test_the_history_refuses_an_ill_formed_visitor_id(client: Client, site: ConsentSite) -> None:
    # when
    response = client.get("/api/v1/consent/history/demo/short")
    # then
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "visitor"


def test_the_history_of_an_unknown_site_is_404(client: Client, site: ConsentSite) -> None:
    # when
    response = client.get(f"/api/v1/consent/history/nowhere/{VISITOR}")
    # then
    assert response.status_code == 404


def test_gpc_json_declares_that_global_privacy_control_is_honoured(client: Client) -> None:
    # when
    response = client.get("/.well-known/gpc.json")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"gpc": True, "lastUpdate": "2026-12-04"}


def test_the_banner_script_is_served_as_javascript_with_a_long_cache(
    client: Client, tmp_path: Any, settings: Any
) -> None:
    # given
    (tmp_path / "consent").mkdir()
    (tmp_path / "consent" / "garde-consent.js").write_text("/* banner */\n")
    settings.STATICFILES_DIRS = [tmp_path]
    # when
    response = client.get("/consent/garde-consent.js")
    again = client.get("/consent/garde-consent.js", HTTP_IF_NONE_MATCH=response["ETag"])
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.content == b"/* banner */\n"
    assert response["Cache-Control"] == "public, max-age=86400"
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert again.status_code == 304


def test_a_write_under_a_version_already_seen_is_one_insert(
    client: Client, site: ConsentSite, django_assert_num_queries: Any
) -> None:
    # given: the first write reads the published version once
    with django_assert_num_queries(2):
        post(client, body())
    # when
    with django_assert_num_queries(1):
        response = post(client, body())
    # then
    assert response.status_code == 201
    assert ConsentRecord.objects.count() == 2
