"""The policy's routing of requests and the legal clock they carry (R-01, R-07, R-22)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from garde.accounts.models import Organisation, User
from garde.core.deadlines import PARIS
from garde.core.models import AuditEvent
from garde.requests import services
from garde.requests.choices import Channel, Queue, RequesterRelation, RequestKind, Right, Status
from garde.requests.models import Request
from garde.requests.selectors import (
    request_get_for_participant,
    request_list_for_operator,
    request_list_for_organisation,
)

pytestmark = pytest.mark.django_db


def submit(requester: User | None = None, **overrides: object) -> Request:
    fields: dict[str, object] = {
        "kind": RequestKind.RIGHTS,
        "channel": Channel.PORTAL,
        "requester_name": "Alice Bernard",
        "requester_email": "alice@example.org",
        "requester_relation": RequesterRelation.CLIENT_USER,
        "description": "Copie de mes données",
        "rights": [Right.ACCESS],
        "requester": requester,
    }
    fields.update(overrides)
    request, _token = services.request_submit(**fields)  # type: ignore[arg-type]
    return request


def test_member_about_their_user_data_goes_to_their_organisation(
    make_user: Callable[..., User], client_org: Organisation
) -> None:
    member = make_user("member")
    request = submit(member)
    assert (request.queue, request.organisation) == (Queue.ORGANISATION, client_org)
    assert request.reference == f"DR-{request.received_at:%Y}-{request.pk:06d}"


def test_member_about_operator_data_goes_to_the_operator(make_user: Callable[..., User]) -> None:
    request = submit(make_user("member"), requester_relation=RequesterRelation.OPERATOR_DATA)
    assert request.queue == Queue.OPERATOR


@pytest.mark.parametrize(
    "kind", [RequestKind.ASSISTANCE, RequestKind.PIA, RequestKind.BREACH_REPORT]
)
def test_assistance_pia_and_breach_reports_go_to_the_operator(
    make_user: Callable[..., User], kind: str
) -> None:
    request = submit(make_user("org_admin"), kind=kind, rights=[])
    assert request.queue == Queue.OPERATOR


def test_r22_client_data_subject_goes_to_the_operator_for_forwarding(
    operator: Organisation, client_org: Organisation
) -> None:
    request = submit(
        None,
        channel=Channel.PUBLIC_FORM,
        requester_relation=RequesterRelation.CLIENT_DATA_SUBJECT,
        client_organisation=client_org,
    )
    assert request.queue == Queue.OPERATOR
    assert request.client_organisation == client_org


def test_r01_due_date_runs_from_receipt_in_paris(make_user: Callable[..., User]) -> None:
    received = datetime(2027, 1, 31, 9, 0, tzinfo=PARIS)
    with time_machine.travel(received):
        request = submit(make_user("member"))
    assert request.due_date == date(2027, 3, 1)


def test_r07_staff_entry_uses_the_real_receipt_date(make_user: Callable[..., User]) -> None:
    dpo = make_user("dpo")
    received = timezone.now() - timedelta(days=10)
    request = submit(
        None,
        channel=Channel.POST,
        received_at=received,
        entered_by=dpo,
        requester_relation=RequesterRelation.OPERATOR_DATA,
    )
    assert request.received_at == received
    assert request.due_date == services.rights_request_due(received)
    assert request.created_by == dpo


def test_a_receipt_date_in_the_future_is_refused(make_user: Callable[..., User]) -> None:
    with pytest.raises(services.RequestError) as refused:
        submit(
            None,
            channel=Channel.POST,
            entered_by=make_user("dpo"),
            received_at=timezone.now() + timedelta(days=2),
        )
    assert refused.value.field == "received_at"
    assert not Request.objects.exists()


def test_a_rights_request_needs_a_right(make_user: Callable[..., User]) -> None:
    with pytest.raises(services.RequestError) as refused:
        submit(make_user("member"), rights=[])
    assert refused.value.field == "rights"
    assert not AuditEvent.objects.filter(action="requests.submitted").exists()


def test_public_requests_enter_the_queue_only_once_confirmed(
    make_user: Callable[..., User], operator: Organisation
) -> None:
    dpo = make_user("dpo")
    request, token = services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PUBLIC_FORM,
        requester_name="Zoé Petit",
        requester_email="zoe@example.org",
        requester_relation=RequesterRelation.OPERATOR_DATA,
        description="Effacez mes données",
        rights=[Right.ERASURE],
    )
    assert token is not None
    assert list(request_list_for_operator(user=dpo)) == []
    assert services.request_confirm_email(token="wrong") is None
    confirmed = services.request_confirm_email(token=token)
    assert confirmed == request
    assert list(request_list_for_operator(user=dpo)) == [request]
    assert services.request_by_token(token=token) == request


def test_unconfirmed_public_requests_are_discarded_after_seven_days(
    operator: Organisation,
) -> None:
    services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PUBLIC_FORM,
        requester_name="Zoé Petit",
        requester_email="zoe@example.org",
        requester_relation=RequesterRelation.OPERATOR_DATA,
        description="x",
        rights=[Right.ACCESS],
    )
    assert services.requests_discard_unconfirmed(now=timezone.now() + timedelta(days=6)) == 0
    assert services.requests_discard_unconfirmed(now=timezone.now() + timedelta(days=8)) == 1
    assert not Request.objects.exists()


def test_visibility_rules(make_user: Callable[..., User], other_client_org: Organisation) -> None:
    # given
    alice, bob = make_user("member"), make_user("member")
    admin, outsider_admin = (
        make_user("org_admin"),
        make_user("org_admin", organisation=other_client_org),
    )
    alices = submit(alice)
    to_operator = submit(alice, requester_relation=RequesterRelation.OPERATOR_DATA)
    # then
    assert request_get_for_participant(user=alice, pk=alices.pk) == alices
    assert request_get_for_participant(user=bob, pk=alices.pk) is None
    assert request_get_for_participant(user=admin, pk=alices.pk) == alices
    assert request_get_for_participant(user=outsider_admin, pk=alices.pk) is None
    assert list(request_list_for_organisation(user=admin)) == [alices]
    assert request_get_for_participant(user=admin, pk=to_operator.pk) is None
    assert list(request_list_for_organisation(user=alice)) == []


def test_support_sees_only_assigned_requests(make_user: Callable[..., User]) -> None:
    dpo, support = make_user("dpo"), make_user("support")
    request = submit(make_user("member"), requester_relation=RequesterRelation.OPERATOR_DATA)
    assert list(request_list_for_operator(user=support)) == []
    services.request_assign(request=request, assignee=support, actor=dpo)
    assert list(request_list_for_operator(user=support)) == [request]
    request.refresh_from_db()
    assert request.status == Status.IN_PROGRESS


def test_housekeeping_task_discards_unconfirmed_requests_and_their_files(
    operator: Organisation,
) -> None:
    from garde.requests.tasks import requests_housekeeping_task

    services.request_submit(
        kind=RequestKind.RIGHTS,
        channel=Channel.PUBLIC_FORM,
        requester_name="Zoé Petit",
        requester_email="zoe@example.org",
        requester_relation=RequesterRelation.OPERATOR_DATA,
        description="x",
        rights=[Right.ACCESS],
    )
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        result = requests_housekeeping_task.call()
    assert result == {"discarded": 1, "orphan_files": 0}
    assert not Request.objects.exists()
