"""The PIA information pack (R-21): its content from the published register, its JSON in the
CNIL PIA tool's export format (docs/pia-export.md), its PDF and page, its generation by the
DPO and its download by the people on the request."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from garde.accounts.models import Organisation, User
from garde.core.deadlines import PARIS
from garde.core.models import AuditEvent
from garde.register.defaults import register_load_default
from garde.register.models import RegisterVersion
from garde.requests import services
from garde.requests.attachments import attachment_open
from garde.requests.choices import Channel, RequesterRelation, RequestKind, Right, Status
from garde.requests.errors import RequestError
from garde.requests.models import Request
from garde.requests.pia import (
    ANSWERED_QUESTIONS,
    MEASURE_PLACEHOLDER,
    pia_pack_build,
    pia_pack_document,
    pia_pack_json,
    pia_pack_pdf,
)
from tests.conftest import log_in

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2026, 3, 15, 10, 30, tzinfo=PARIS)
GENERATED = datetime(2026, 4, 1, 14, 5, 6, 789000, tzinfo=PARIS)

# The tool's question ids (src/assets/files/pia_architecture.json), by section/item:
# 1.1 Vue d'ensemble 111-113; 1.2 Données, processus et supports 121-123;
# 2.1 Proportionnalité et nécessité 211-215; 2.2 Mesures protectrices des droits 221-227.
PIA_TOOL_QUESTIONS = frozenset(
    {111, 112, 113, 121, 122, 123, 211, 212, 213, 214, 215, 221, 222, 223, 224, 225, 226, 227}
)
ISO_JS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")  # Date.prototype.toJSON


@pytest.fixture
def published(db: None) -> RegisterVersion:
    with time_machine.travel(PUBLISHED, tick=False):
        return register_load_default()


@pytest.fixture
def org_admin(make_user: Callable[..., User]) -> User:
    return make_user("org_admin", full_name="Claire Martin", email="claire@acme.example")


@pytest.fixture
def pia_request(org_admin: User) -> Request:
    request, _token = services.request_submit(
        kind=RequestKind.PIA,
        channel=Channel.PORTAL,
        requester=org_admin,
        requester_name=org_admin.full_name,
        requester_email=org_admin.email,
        requester_relation=RequesterRelation.CLIENT_USER,
        description="Informations pour une étude d'impact sur : hébergement",
        services="hébergement",
    )
    return request


def pack_json(request: Request) -> dict[str, Any]:
    with time_machine.travel(GENERATED, tick=False):
        return pia_pack_json(pia_pack_build(request=request))


def import_reads(data: dict[str, Any]) -> dict[str, Any]:
    """What the PIA tool's ``PiaService.importData`` reads from an export, field by field, and
    how (``new Date(...)``, ``parseInt``, ``.forEach``, ``.length``, ``startsWith``): it throws
    or imports garbage when one of these is missing or of another type."""
    assert data["pia"], "wrong pia file"
    pia = data["pia"]
    read = {
        "name": str(pia["name"]),
        "status": int(pia["status"]),
        "created_at": datetime.fromisoformat(pia["created_at"].replace("Z", "+00:00")),
        "author_name": pia["author_name"],
        "evaluator_name": pia["evaluator_name"],
        "validator_name": pia["validator_name"],
    }
    for key in (
        "category",
        "dpo_status",
        "dpo_opinion",
        "concerned_people_opinion",
        "concerned_people_status",
        "concerned_people_searched_opinion",
        "concerned_people_searched_content",
        "rejected_reason",
        "applied_adjustements",
        "dpos_names",
        "people_names",
    ):
        assert key in pia, key
    for answer in data["answers"]:
        datetime.fromisoformat(answer["created_at"].replace("Z", "+00:00"))
        assert {"reference_to", "data"} <= set(answer)
    assert isinstance(data["measures"], list)
    for measure in data["measures"]:
        assert {"id", "title", "content", "placeholder", "created_at"} <= set(measure)
        datetime.fromisoformat(measure["created_at"].replace("Z", "+00:00"))
    for evaluation in data["evaluations"]:
        assert evaluation["reference_to"].startswith(("1.", "2.", "3.", "4."))
    assert isinstance(data["comments"], list)
    return read


# --- the JSON the PIA tool imports ---------------------------------------------------------------


def test_the_json_has_the_export_structure(
    published: RegisterVersion, pia_request: Request
) -> None:
    # when
    data = pack_json(pia_request)
    # then: the five top-level keys of PiaService.exportData, nothing else
    assert list(data) == ["pia", "answers", "measures", "evaluations", "comments"]
    assert (type(data["pia"]), type(data["answers"]), type(data["measures"])) == (dict, list, list)
    assert data["evaluations"] == []
    assert data["comments"] == []
    pia = data["pia"]
    assert pia["id"] == 1
    assert (
        pia["name"] == "Services d'hébergement et d'infrastructure pour les clients — Acme "
        "Industries"
    )
    assert (pia["author_name"], pia["evaluator_name"], pia["validator_name"]) == (
        "Claire Martin",
        "",
        "",
    )
    assert pia["status"] == 0  # "doing"
    assert pia["created_at"] == pia["updated_at"] == "2026-04-01T12:05:06.789Z"
    assert ISO_JS.match(pia["created_at"])
    assert import_reads(json.loads(json.dumps(data)))["status"] == 0


def test_answers_point_to_the_tools_question_ids(
    published: RegisterVersion, pia_request: Request
) -> None:
    answers = pack_json(pia_request)["answers"]
    assert [a["reference_to"] for a in answers] == [111, 112, 121, 122, 123, 215, 226, 227]
    assert set(ANSWERED_QUESTIONS) <= PIA_TOOL_QUESTIONS
    for index, answer in enumerate(answers, start=1):
        assert set(answer) == {"id", "pia_id", "reference_to", "data", "created_at", "updated_at"}
        assert (answer["id"], answer["pia_id"]) == (index, 1)
        assert isinstance(answer["reference_to"], int)
        assert set(answer["data"]) == {"text", "gauge", "list"}
        assert isinstance(answer["data"]["text"], str)
        assert answer["data"]["text"]
        assert (answer["data"]["gauge"], answer["data"]["list"]) == (0, [])
        assert ISO_JS.match(answer["created_at"])


def test_answers_carry_the_register_content(
    published: RegisterVersion, pia_request: Request
) -> None:
    text = {a["reference_to"]: a["data"]["text"] for a in pack_json(pia_request)["answers"]}
    assert "inherent héberge des données" in text[111]
    assert "<li>Héberger les données des clients et acheminer leurs flux" in text[111]
    assert "Responsable du traitement : Acme Industries" in text[112]
    assert "Catégories de données : Données de l'utilisateur" in text[121]
    assert "Données hébergées pour les clients : jusqu'à la fin du contrat" in text[215]
    assert "Datacenters d'inherent, en France (FR)" in text[123]
    assert "Sous-traitants d'inherent pour la fourniture du service concerné" in text[226]
    assert "aucun transfert hors de l'Union européenne" in text[227]


def test_measures_are_the_registers_security_measures(
    published: RegisterVersion, pia_request: Request
) -> None:
    measures = pack_json(pia_request)["measures"]
    assert [m["title"] for m in measures] == [
        "Authentification à deux facteurs du personnel",
        "Contrôle d'accès par rôle",
    ]
    for index, measure in enumerate(measures, start=1):
        assert set(measure) == {
            "id",
            "pia_id",
            "title",
            "content",
            "placeholder",
            "created_at",
            "updated_at",
        }
        assert (measure["id"], measure["pia_id"]) == (index, 1)
        assert measure["placeholder"] == MEASURE_PLACEHOLDER
    assert measures[0]["content"] == (
        "<p>Code TOTP (RFC 6238) exigé du personnel de l'opérateur à chaque connexion.</p>"
    )


def test_the_pack_is_in_the_requests_language(
    published: RegisterVersion, pia_request: Request
) -> None:
    pia_request.language = "en"
    pia_request.save(update_fields=["language"])
    data = pack_json(pia_request)
    assert data["pia"]["name"].startswith("Hosting and infrastructure services for clients")
    assert [m["title"] for m in data["measures"]] == [
        "Two-factor authentication for staff",
        "Role-based access control",
    ]


# --- the pack as a document ---------------------------------------------------------------------


def test_r21_the_pack_describes_the_service_and_is_versioned_and_dated(
    published: RegisterVersion, pia_request: Request
) -> None:
    with time_machine.travel(GENERATED, tick=False):
        pack = pia_pack_build(request=pia_request)
    document = pia_pack_document(pack)
    text = document.text()
    assert pack.register_version == 1
    assert (
        f"Dossier : {pia_request.reference}, registre version 1 publié le 15 mars 2026"
        in document.intro
    )
    assert "Établi le 1 avril 2026" in document.intro
    [service] = [s for s in document.sections if s.subsections]
    assert [s.heading for s in service.subsections] == [
        "Description du traitement",
        "Responsabilités",
        "Catégories de données",
        "Localisation des données",
        "Sous-traitants ultérieurs",
        "Durées de conservation",
        "Mesures de sécurité",
        "Points à confirmer",
    ]
    assert "Datacenters d'inherent, en France (FR)" in text
    assert "Aucune certification n'est enregistrée dans le registre publié." in text
    pdf = pia_pack_pdf(pack)
    pdf_text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Sous-traitants ultérieurs" in pdf_text
    assert pia_request.reference in pdf_text


def test_without_a_published_register_the_pack_says_so(pia_request: Request) -> None:
    pack = pia_pack_build(request=pia_request)
    assert pack.activities == ()
    assert "registre des traitements n'est pas encore publié" in pia_pack_document(pack).text()


# --- generating and attaching -----------------------------------------------------------------


def test_the_dpo_generates_the_pack_and_joins_it_to_the_request(
    client: Client,
    published: RegisterVersion,
    pia_request: Request,
    make_user: Callable[..., User],
) -> None:
    # given
    dpo = make_user("dpo")
    log_in(client, dpo)
    url = reverse("requests:console_detail", kwargs={"pk": pia_request.pk})
    assert re.search(r'value="hosting-services"[^>]*checked', client.get(url).content.decode())
    # when
    response = client.post(url, {"action": "pia", "pia-activities": ["hosting-services"]})
    # then
    assert response.status_code == 302
    files = {a.original_name: a for a in pia_request.attachments.all()}
    ref = pia_request.reference
    assert set(files) == {f"{ref}-pia-v1.pdf", f"{ref}-pia-v1.json"}
    assert files[f"{ref}-pia-v1.json"].content_type == "application/json"
    stored = json.loads(
        attachment_open(attachment=files[f"{ref}-pia-v1.json"], actor=dpo, request_http=None)
    )
    assert list(stored) == ["pia", "answers", "measures", "evaluations", "comments"]
    event = AuditEvent.objects.get(action="requests.pia_pack_attached")
    assert event.details == {"register_version": 1, "activities": ["hosting-services"]}


def test_only_a_pia_request_gets_a_pack(
    published: RegisterVersion, make_user: Callable[..., User], org_admin: User
) -> None:
    request, _token = services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PORTAL,
        requester=org_admin,
        requester_name="C",
        requester_email=org_admin.email,
        requester_relation=RequesterRelation.OPERATOR_DATA,
        description="x",
        rights=[Right.ACCESS],
    )
    events = AuditEvent.objects.count()
    with pytest.raises(RequestError) as refused:
        services.request_pia_pack_attach(request=request, actor=make_user("dpo"))
    assert refused.value.field == "kind"
    assert not request.attachments.exists()
    assert AuditEvent.objects.count() == events


# --- who downloads it -----------------------------------------------------------------------


def pack_url(request: Request, fmt: str = "json") -> str:
    return reverse("requests:pia_pack", kwargs={"pk": request.pk, "format": fmt})


def test_the_participants_download_the_pack_once_answered(
    client: Client,
    published: RegisterVersion,
    pia_request: Request,
    org_admin: User,
    make_user: Callable[..., User],
) -> None:
    # given
    log_in(client, org_admin)
    assert client.get(pack_url(pia_request)).status_code == 404  # not answered yet
    services.request_answer(request=pia_request, actor=make_user("dpo"), body="Voici.")
    # when
    response = client.get(pack_url(pia_request))
    pdf = client.get(pack_url(pia_request, "pdf"))
    page = client.get(pack_url(pia_request, "html"))
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="{pia_request.reference}-pia-v1.json"'
    )
    assert list(json.loads(response.content)) == [
        "pia",
        "answers",
        "measures",
        "evaluations",
        "comments",
    ]
    assert pdf.content.startswith(b"%PDF-")
    assert '<html lang="fr">' in page.content.decode()
    events = AuditEvent.objects.filter(action="requests.pia_pack_downloaded").order_by("id")
    assert [(e.actor, e.details["format"], e.details["register_version"]) for e in events] == [
        (org_admin, "json", 1),
        (org_admin, "pdf", 1),
        (org_admin, "html", 1),
    ]


def test_another_organisation_never_gets_the_pack(
    client: Client,
    published: RegisterVersion,
    pia_request: Request,
    make_user: Callable[..., User],
    other_client_org: Organisation,
) -> None:
    services.request_answer(request=pia_request, actor=make_user("dpo"), body="Voici.")
    for user in (
        make_user("org_admin", organisation=other_client_org),
        make_user("org_dpo", organisation=other_client_org),
        make_user("member"),
    ):
        client.logout()
        log_in(client, user)
        assert client.get(pack_url(pia_request)).status_code == 404


def test_staff_reach_the_pack_through_their_queue(
    client: Client,
    published: RegisterVersion,
    pia_request: Request,
    make_user: Callable[..., User],
) -> None:
    dpo, support = make_user("dpo"), make_user("support")
    log_in(client, dpo)
    assert client.get(pack_url(pia_request)).status_code == 200
    assert client.get(pack_url(pia_request, "exe")).status_code == 404
    client.logout()
    log_in(client, support)
    assert client.get(pack_url(pia_request)).status_code == 404
    services.request_assign(request=pia_request, assignee=support, actor=dpo)
    assert client.get(pack_url(pia_request)).status_code == 200
    assert pia_request.status != Status.ANSWERED
