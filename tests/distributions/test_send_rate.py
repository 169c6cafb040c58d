"""Send rate limits shared by all workers (issue 17 f): two worker processes, one
token bucket in Redis. What arrives at the SMTP server never beats the limit."""

import uuid

import pytest
from django.urls import reverse

from distributions.selectors.pages import email_distribution_rows
from tests.distributions.test_pipeline_reliability import (
    received_per_address,
    start_campaign,
    wait_until_done,
)

pytestmark = [pytest.mark.worker, pytest.mark.slow]

RATE = 20
COUNT = 100
# Arrival times at the sink differ from token times by network and SMTP jitter.
SLACK = 0.3


def test_the_rate_limit_holds_across_two_workers(smtp_server, celery_worker_factory):
    env = {
        "SEND_RATE_PER_SECOND": str(RATE),
        "SEND_RATE_ACCOUNT": f"test-{uuid.uuid4().hex}",
        "DISTRIBUTIONS_BATCH_SIZE": "10",
        "DISTRIBUTIONS_CLAIM_GROUP": "5",
    }
    workers = [
        celery_worker_factory(concurrency=2, extra_env=env, name=name)
        for name in ("alpha", "beta")
    ]
    distribution = start_campaign(COUNT)
    wait_until_done(distribution, timeout=120)

    per_address = received_per_address(smtp_server)
    assert len(per_address) == COUNT and set(per_address.values()) == {1}
    # Both workers sent some.
    assert all("send_batch" in worker.log() for worker in workers)
    times = sorted(m.at for m in smtp_server.received)
    # A bucket of RATE tokens refilled at RATE per second: any k emails in a row
    # span at least (k - RATE) / RATE seconds.
    for i in range(len(times)):
        for j in range(i + RATE, len(times)):
            k = j - i + 1
            assert times[j] - times[i] >= (k - RATE) / RATE - SLACK, (i, j)


def test_the_page_shows_the_expected_finish(db, settings, owner, owner_client):
    from distributions.models import Delivery, Distribution
    from tests.distributions.pipeline_support import (
        email_distribution,
        published_survey,
    )
    from tests.helpers import make_list

    settings.SEND_RATE_PER_SECOND = 10
    survey = published_survey(owner)
    distribution = email_distribution(survey, make_list(owner, n=3))
    from distributions.services.dispatch import _dispatch_one

    _dispatch_one()
    assert (
        Delivery.objects.filter(distribution=distribution, status="queued").count() == 3
    )
    assert Distribution.objects.get(pk=distribution.pk).status == "sending"
    [row] = email_distribution_rows(user=owner, survey=survey)
    assert row.expected_finish is not None
    page = owner_client.get(
        reverse("distributions:emails", kwargs={"survey_id": survey.pk})
    ).content.decode()
    assert "Expected to finish about" in page
    settings.SEND_RATE_PER_SECOND = 0
    [row] = email_distribution_rows(user=owner, survey=survey)
    assert row.expected_finish is None
