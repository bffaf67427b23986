"""Counting a page view: the path as counted (no identifier, no free query text), and the
increment as one atomic upsert that loses no hit under concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.utils import timezone

from garde.consent.errors import ConsentInvalidError
from garde.consent.models import PageViewDay
from garde.consent.services import consent_site_create
from garde.consent.stats_errors import StatsOriginForbiddenError
from garde.consent.stats_services import stats_hit_record, stats_path_normalise
from tests.consent.conftest import demo_config

ORIGIN = "http://garde.test"


@pytest.mark.parametrize(
    ("raw", "counted"),
    [
        ("/", "/"),
        ("/offres/hebergement/", "/offres/hebergement/"),
        ("/a#top", "/a"),
        ("/a?utm_source=mail&utm_content=abc123&q=jean", "/a"),
        ("/a?page=2&lang=en", "/a?lang=en&page=2"),
        ("/a?lang=en&page=2&lang=fr", "/a?lang=en&page=2"),
        ("/a?page=two&lang=english", "/a"),
        ("/unsubscribe/jean.dupont@example.fr/", "/unsubscribe/:email/"),
        ("/u/jean.dupont%40example.fr", "/u/:email"),
        ("/clients/1234567/factures", "/clients/:id/factures"),
        ("/r/0f8fad5b-d9cb-469f-a165-70867728950e", "/r/:id"),
        ("/follow/Xq9aB3dE7fGhJ2kLmN4pQ", "/follow/:id"),
        ("/blog/consent-exempt-audience-statistics", "/blog/consent-exempt-audience-statistics"),
        ("/blog/2026/03", "/blog/2026/03"),
        ("/" + "a" * 400, "/" + "a" * 254),
    ],
)
def test_r_57_the_counted_path_keeps_no_identifier_and_is_capped(raw: str, counted: str) -> None:
    # when
    normalised = stats_path_normalise(raw)
    # then
    assert normalised == counted


@pytest.mark.parametrize("raw", ["", "a/b", "//host/x", "/a\tb", "/a\x7f"])
def test_a_path_that_is_not_a_page_path_is_refused(raw: str) -> None:
    # when
    with pytest.raises(ConsentInvalidError) as refused:
        stats_path_normalise(raw)
    # then
    assert refused.value.field == "path"


@pytest.mark.django_db
def test_r_56_an_unpublished_site_counts_views_too(settings: object) -> None:
    # given: the statistics do not depend on the banner, only on the site and its origins
    settings.BASE_URL = ORIGIN  # type: ignore[attr-defined]
    draft = {**demo_config(), "allowed_origins": ["https://intranet.example.fr"]}
    site = consent_site_create(key="intranet", name="Intranet", draft=draft, actor=None)
    # when
    counted = stats_hit_record(
        site_key="intranet", path="/", page_origin="https://intranet.example.fr"
    )
    with pytest.raises(StatsOriginForbiddenError):
        stats_hit_record(site_key="intranet", path="/", page_origin=ORIGIN)
    # then
    assert counted is True
    assert list(PageViewDay.objects.values_list("site_id", "path", "count")) == [(site.pk, "/", 1)]


@pytest.mark.django_db(transaction=True)
def test_r_57_concurrent_hits_on_one_page_are_all_counted_on_one_row(settings: object) -> None:
    # given
    if connection.vendor != "postgresql":
        pytest.skip("threads need a database server (SQLite serialises writers anyway)")
    settings.BASE_URL = ORIGIN  # type: ignore[attr-defined]
    consent_site_create(key="demo", name="Démo", draft=demo_config(), actor=None)
    threads, per_thread = 8, 25
    barrier = threading.Barrier(threads)
    failures: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            for _ in range(per_thread):
                stats_hit_record(site_key="demo", path="/", page_origin=ORIGIN)
        except BaseException as error:  # reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    # when
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    # then
    assert failures == []
    row = PageViewDay.objects.get()
    assert (row.site.key, row.path, row.day, row.count) == (
        "demo",
        "/",
        timezone.localdate(),
        threads * per_thread,
    )
