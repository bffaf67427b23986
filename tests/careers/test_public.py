"""The public careers page and application form (issue 8 point 4): open offers only, an
application with its CV stored encrypted, the short notice, the agreement unticked by default,
and bad input (invalid address, disguised or oversized CV, double post) refused with a clear
message, the other fields kept, nothing stored."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from garde.accounts.models import User
from garde.careers import services
from garde.careers.errors import OfferClosedError
from garde.careers.models import Application, JobOffer
from garde.core.models import AuditEvent
from garde.register.defaults.loading import register_load_default
from tests.careers.conftest import Submit, cv_upload, stored_files
from tests.requests import samples

pytestmark = pytest.mark.django_db


def _form(**fields: Any) -> dict[str, Any]:
    return {
        "full_name": "Camille Martin",
        "email": "camille@example.org",
        "phone": "+33 6 12 34 56 78",
        "position": "Ingénieur réseau",
        "motivation": "Passionnée de réseaux.",
        "submission_key": str(uuid.uuid4()),
        "cv": cv_upload(),
        **fields,
    }


def test_the_careers_page_lists_open_offers_only(client: Client, hr: User) -> None:
    # given
    services.offer_create(actor=hr, title="Technicien", location="Metz", description="Réseaux")
    closed = services.offer_create(actor=hr, title="Comptable", location="Lyon", description="x")
    services.offer_set_open(offer=closed, actor=hr, is_open=False)
    # when
    response = client.get("/carrieres/")
    # then
    assert response.status_code == 200
    assert [o.title for o in response.context["offers"]] == ["Technicien"]
    assert "Comptable" not in response.content.decode()
    assert client.get(reverse("careers:apply", kwargs={"pk": closed.pk})).status_code == 404


def test_the_english_careers_page_is_under_en(client: Client) -> None:
    # when
    with translation.override("en"):
        url = reverse("careers:offers")
    response = client.get(url)
    # then
    assert url == "/en/careers/"
    assert response.status_code == 200


def test_applying_to_an_offer_stores_the_application_and_its_encrypted_cv(
    client: Client,
    offer: JobOffer,
    private_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("careers:apply", kwargs={"pk": offer.pk}), _form(keep_for_other_offers="on")
        )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("careers:sent")
    application = Application.objects.get()
    assert (
        application.offer_id,
        application.full_name,
        application.email,
        application.status,
        application.keep_for_other_offers,
        application.cv_name,
        application.cv_content_type,
        application.cv_size,
    ) == (
        offer.pk,
        "Camille Martin",
        "camille@example.org",
        "received",
        True,
        "cv.pdf",
        "application/pdf",
        len(samples.PDF),
    )
    assert stored_files(private_dir) == [application.cv_storage_name]
    assert samples.PDF not in (private_dir / "careers" / application.cv_storage_name).read_bytes()
    event = AuditEvent.objects.get(action="careers.application_received")
    assert event.details == {
        "offer": offer.pk,
        "keep_for_other_offers": True,
        "cv_content_type": "application/pdf",
        "cv_size": len(samples.PDF),
    }
    assert [m.to for m in mail.outbox] == [["camille@example.org"]]


def test_a_spontaneous_application_has_no_offer(client: Client) -> None:
    # when
    response = client.post(reverse("careers:apply_spontaneous"), _form())
    # then
    assert response.status_code == 302
    assert Application.objects.get().offer is None


def test_r_80_the_form_shows_the_short_notice_and_the_unticked_agreement(
    client: Client, offer: JobOffer
) -> None:
    # given: the default register, published (its "recruitment" activity)
    register_load_default()
    # when
    response = client.get(reverse("careers:apply", kwargs={"pk": offer.pk}))
    # then
    html = response.content.decode()
    assert 'data-activity="recruitment"' in html
    assert "Service Ressources Humaines" in html
    assert "Gérer les candidatures et nos activités de recrutement" in html
    assert "Candidatures, durée maximale : un an à compter de la collecte" in html
    assert (
        "Sans votre accord, une candidature non retenue est effacée trois mois après la fin "
        "du recrutement." in html
    )
    checkbox = response.context["form"]["keep_for_other_offers"]
    assert checkbox.value() is False
    assert 'name="keep_for_other_offers"' in html
    assert 'name="keep_for_other_offers" checked' not in html


def test_r_71_the_form_asks_only_the_policy_fields(client: Client) -> None:
    # when
    form = client.get(reverse("careers:apply_spontaneous")).context["form"]
    # then
    assert list(form.fields) == [
        "full_name",
        "email",
        "phone",
        "position",
        "cv",
        "motivation",
        "keep_for_other_offers",
        "submission_key",
        "website",
    ]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"email": "camille@"}, "email", "Saisissez une adresse de courriel valide."),
        (
            {"cv": cv_upload("cv.pdf", samples.PE)},
            "cv",
            "Le fichier « cv.pdf » est refusé : son contenu est de type « programme exécutable "
            "Windows ». Envoyez votre CV en PDF, DOCX ou ODT.",
        ),
        (
            {"cv": cv_upload("cv.pdf", samples.PDF + b"0" * (5 * 1024 * 1024))},
            "cv",
            "Le fichier « cv.pdf » pèse 5,0\xa0Mio : un CV doit peser au plus 5,0\xa0Mio.",
        ),
    ],
)
def test_bad_input_is_refused_with_a_message_and_the_other_fields_are_kept(
    client: Client,
    offer: JobOffer,
    private_dir: Path,
    fields: dict[str, Any],
    field: str,
    message: str,
) -> None:
    # when
    response = client.post(reverse("careers:apply", kwargs={"pk": offer.pk}), _form(**fields))
    # then
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert 'value="Camille Martin"' in html
    assert "Passionnée de réseaux." in html
    assert Application.objects.count() == 0
    assert stored_files(private_dir) == []
    assert not AuditEvent.objects.filter(action__startswith="careers.application").exists()


def test_a_form_posted_twice_records_one_application_and_says_so(
    client: Client, offer: JobOffer, private_dir: Path
) -> None:
    # given
    key = str(uuid.uuid4())
    url = reverse("careers:apply", kwargs={"pk": offer.pk})
    client.post(url, _form(submission_key=key))
    # when
    response = client.post(url, _form(submission_key=key), follow=True)
    # then
    assert Application.objects.count() == 1
    assert len(stored_files(private_dir)) == 1
    assert [str(m) for m in response.context["messages"]] == [
        "Cette candidature a déjà été reçue : inutile de l'envoyer une seconde fois. "
        "Vérifiez votre messagerie."
    ]


def test_a_robot_filling_the_hidden_field_stores_nothing(client: Client, offer: JobOffer) -> None:
    # when
    response = client.post(
        reverse("careers:apply", kwargs={"pk": offer.pk}), _form(website="http://spam")
    )
    # then
    assert response.status_code == 302
    assert Application.objects.count() == 0


def test_the_withdraw_link_asks_then_erases_the_application_and_its_cv_at_once(
    client: Client,
    submit: Submit,
    offer: JobOffer,
    private_dir: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given
    application = submit(offer=offer)
    url = reverse("careers:withdraw", kwargs={"token": services.withdraw_token(application)})
    # when: following the link only asks
    asked = client.get(url)
    # then
    assert asked.status_code == 200
    assert Application.objects.count() == 1
    # when: confirming erases
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url)
    # then
    assert done.status_code == 302
    assert done["Location"] == reverse("careers:withdrawn")
    assert Application.objects.count() == 0
    assert stored_files(private_dir) == []
    event = AuditEvent.objects.get(action="careers.application_withdrawn")
    assert event.details == {"application": application.pk, "offer": offer.pk}
    assert (event.actor_id, event.source_ip, event.object_id) == (None, None, "")
    assert "camille" not in str(event.details).lower()
    # and the spent link is unknown
    assert client.get(url).status_code == 404


def test_a_forged_withdraw_token_erases_nothing(client: Client, submit: Submit) -> None:
    # given
    application = submit()
    forged = services.withdraw_token(application)[:-2] + "xx"
    # when
    response = client.post(reverse("careers:withdraw", kwargs={"token": forged}))
    # then
    assert response.status_code == 404
    assert Application.objects.count() == 1


def test_an_application_to_a_closed_offer_is_refused(
    submit: Submit, offer: JobOffer, hr: User
) -> None:
    # given
    services.offer_set_open(offer=offer, actor=hr, is_open=False)
    # when
    with pytest.raises(OfferClosedError) as refused:
        submit(offer=offer)
    # then
    assert (refused.value.code, refused.value.field) == ("offer_closed", "offer")
    assert Application.objects.count() == 0
