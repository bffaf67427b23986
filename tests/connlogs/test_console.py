"""The console's connection-log pages (issue 6, item 6) and the published key (item 3)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from garde.accounts.models import User
from garde.connlogs.checkpoint import note_verify, verifier_key, verifier_key_parse
from garde.connlogs.export import export_verify
from garde.connlogs.heads import head_sign
from garde.connlogs.models import SignedHead
from garde.core.models import AuditEvent
from garde.core.signing import key_id, public_key, public_key_pem
from tests.conftest import log_in
from tests.connlogs.test_query import NOW, entries_add, event

pytestmark = pytest.mark.django_db(databases=["default", "connlogs"])
SEARCH = reverse("connlogs:search")
EXPORT = reverse("connlogs:export")


@pytest.fixture
def sysadmin(make_user: Callable[..., User]) -> User:
    return make_user("sysadmin", email="admin@inherent.example")


@pytest.fixture
def admin_client(client: Client, sysadmin: User) -> Client:
    return log_in(client, sysadmin)


def audited(action: str = "connlogs.queried") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


@pytest.mark.django_db  # the main database only: the empty page must not read the logs
def test_the_empty_search_page_shows_the_form_and_reads_no_log(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    log_in(client, make_user("sysadmin"))
    # when
    response = client.get(SEARCH)
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_reason">Motif de la consultation' in html
    assert f'formaction="{EXPORT}"' in html
    assert f'href="{SEARCH}"' in html  # the console's navigation links here
    assert "searched" not in response.context
    assert audited() == []


def test_the_navigation_link_is_shown_to_sysadmins_only(
    client: Client, make_user: Callable[..., User]
) -> None:
    # given
    log_in(client, make_user("dpo"))
    # when
    html = client.get(reverse("web:console_home")).content.decode()
    # then
    assert f'href="{SEARCH}"' not in html


def test_a_search_lists_the_rows_with_the_latest_heads_and_is_audited(
    admin_client: Client, sysadmin: User
) -> None:
    # given
    alice, _bob = entries_add(
        event("2025-03-01T08:00:00.5+00:00", account="alice", ip="2001:db8::5"),
        event(account="bob"),
    )
    head_sign(now=NOW)
    # when
    response = admin_client.post(
        SEARCH, {"reason": "Réquisition PJ-3", "ip": "2001:db8::/32", "start": "2025-03-01T00:00"}
    )
    # then
    assert response.status_code == 200
    assert [entry.seq for entry in response.context["rows"]] == [alice]
    assert response.context["total"] == 1
    html = response.content.decode()
    assert "1 entrée trouvée" in html
    assert f'<th scope="row">{alice}</th>' in html
    assert "2025-03-01 08:00:00.500000" in html
    assert "<code>2001:db8::5</code>" in html
    assert [head.size for head in response.context["heads"]] == [2]
    (audit,) = audited()
    assert audit.actor == sysadmin
    assert audit.details == {
        "reason": "Réquisition PJ-3",
        "filter": {
            "account": None,
            "ip": "2001:db8::/32",
            "from": "2025-03-01T00:00:00+00:00",
            "to": None,
        },
        "rows": 1,
        "total": 1,
        "offset": 0,
        "channel": "console",
    }


def test_each_page_of_results_is_a_query_of_its_own(admin_client: Client) -> None:
    # given
    seqs = entries_add(*(event(f"2025-03-01T08:{m:02d}:00+00:00") for m in range(55)))
    # when
    first = admin_client.post(SEARCH, {"reason": "PJ-4", "account": "alice"})
    second = admin_client.post(SEARCH, {"reason": "PJ-4", "account": "alice", "page": "2"})
    # then
    assert [e.seq for e in first.context["rows"]] == seqs[:50]
    assert [e.seq for e in second.context["rows"]] == seqs[50:]
    assert (second.context["pages"].number, second.context["pages"].count) == (2, 2)
    assert 'name="page" value="2"' in first.content.decode()
    assert 'name="page" value="1"' in second.content.decode()
    assert [(a.details["rows"], a.details["offset"]) for a in audited()] == [(50, 0), (5, 50)]


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_search_without_a_reason_is_refused_and_nothing_is_audited(
    reason: str, admin_client: Client
) -> None:
    # given
    entries_add(event())
    # when
    response = admin_client.post(SEARCH, {"reason": reason, "account": "alice"})
    # then
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "Indiquez le motif de la consultation" in html
    assert "rows" not in response.context
    assert audited() == []


def test_an_invalid_network_is_shown_on_its_field(admin_client: Client) -> None:
    # when
    response = admin_client.post(SEARCH, {"reason": "PJ-5", "ip": "10.0.0.0/40"})
    # then
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "ip": ["Adresse IP ou réseau CIDR invalide : 10.0.0.0/40"]
    }
    assert audited() == []


def test_the_export_button_downloads_the_csv_and_its_signed_manifest(
    admin_client: Client, tmp_path: Path
) -> None:
    # given
    entries_add(event(account="alice"), event(account="bob"), event(account="alice"))
    # when
    response = admin_client.post(EXPORT, {"reason": "Réquisition PJ-6", "account": "alice"})
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="connlogs-')
    with zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))) as bundle:  # type: ignore[attr-defined]
        names = sorted(bundle.namelist())
        bundle.extractall(tmp_path)
    assert names[0].endswith(".csv")
    assert names[1] == names[0] + ".manifest.json"
    check = export_verify(tmp_path / names[0])
    assert (check.ok, check.manifest["rows"], check.manifest["reason"]) == (
        True,
        2,
        "Réquisition PJ-6",
    )
    (audit,) = audited("connlogs.exported")
    assert (audit.details["rows"], audit.details["channel"]) == (2, "console")
    assert audit.details["sha256"] == check.manifest["sha256"]


def test_an_export_without_a_reason_is_refused_and_nothing_is_audited(
    admin_client: Client,
) -> None:
    # given
    entries_add(event())
    # when
    response = admin_client.post(EXPORT, {"reason": "", "account": "alice"})
    # then
    assert response.status_code == 400
    assert "Indiquez le motif de la consultation" in response.content.decode()
    assert audited("connlogs.exported") == []


# --- the published key ---


def test_the_key_is_published_as_text_for_note_verifiers_and_as_pem(client: Client) -> None:
    # when
    response = client.get("/.well-known/garde/connlogs-key")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    first, blank, *pem = response.content.decode().split("\n")
    origin = settings.GARDE_CONNLOGS_ORIGIN
    assert first == verifier_key(origin, public_key())
    assert blank == ""
    assert "\n".join(pem) == public_key_pem()


def test_the_published_verifier_key_checks_a_signed_head(client: Client) -> None:
    # given
    entries_add(event())
    head = head_sign(now=NOW)
    # when
    text = client.get("/.well-known/garde/connlogs-key").content.decode()
    # then
    name, key = verifier_key_parse(text.split("\n")[0])
    assert note_verify(head.note, name=name, public_key=key)
    assert SignedHead.objects.count() == 1


def test_the_key_is_published_as_json_too(client: Client) -> None:
    # when
    response = client.get("/.well-known/garde/connlogs-key", {"format": "json"})
    # then
    assert response.status_code == 200
    assert response.json() == {
        "origin": settings.GARDE_CONNLOGS_ORIGIN,
        "verifier_key": verifier_key(settings.GARDE_CONNLOGS_ORIGIN, public_key()),
        "key_id": key_id(),
        "public_key_pem": public_key_pem(),
        "algorithm": "ed25519",
    }


def test_the_key_address_has_no_language_prefix(client: Client) -> None:
    assert reverse("connlogs_public:key") == "/.well-known/garde/connlogs-key"
    assert client.get("/en/.well-known/garde/connlogs-key").status_code == 404
