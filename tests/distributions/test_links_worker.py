"""A large list's links are made by a real Celery worker, with progress."""

import pytest
from django.urls import reverse

from distributions.models import Distribution
from tests.distributions.links_support import (
    read_csv,
    streamed,
)
from tests.factories import build_survey
from tests.helpers import make_list, wait_until

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_large_list_is_generated_by_the_worker_then_downloads(
    owner, owner_client, celery_worker_factory, settings
):
    settings.LINKS_SYNC_MAX = 50
    celery_worker_factory(concurrency=1, extra_env={"LINKS_BATCH_SIZE": "100"})
    survey = build_survey(owner)
    the_list = make_list(owner, n=450)

    response = owner_client.post(
        reverse("distributions:links_generate", kwargs={"survey_id": survey.pk}),
        {
            "contact_list": the_list.pk,
            "scope": "all",
            "expiry": "1w",
            "request_token": "large",
        },
    )

    batch = Distribution.objects.get(kind="links")
    assert batch.recipients_total == 450
    page = owner_client.get(response["Location"]).content.decode()
    assert "the CSV downloads when they are ready" in page
    wait_until(
        lambda: Distribution.objects.filter(pk=batch.pk, status="ready").exists(),
        message="links ready",
    )
    rows = owner_client.get(
        reverse("distributions:links_rows", kwargs={"survey_id": survey.pk})
        + f"?generated={batch.pk}"
    ).content.decode()
    assert f'data-auto-download="{batch.pk}"' in rows
    assert 'hx-trigger="every 5s [' in rows
    csv_response = owner_client.get(
        reverse(
            "distributions:links_download",
            kwargs={"survey_id": survey.pk, "pk": batch.pk},
        )
    )
    _, links = read_csv(streamed(csv_response))
    assert len(links) == 450
    assert len({r["Link"] for r in links}) == 450
    assert len({r["Email"] for r in links}) == 450
