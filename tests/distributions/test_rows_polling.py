"""How often the Emails and Personal links rows poll: live while responses can arrive."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from distributions.models import Distribution
from tests.distributions.ui_support import links_batch, published_survey, sent_email


@pytest.fixture
def survey(owner):
    return published_survey(owner)


def trigger_of(client, url_name, survey) -> str | None:
    html = client.get(
        reverse(f"distributions:{url_name}", kwargs={"survey_id": survey.pk})
    ).content.decode()
    start = html.find('hx-trigger="')
    if start == -1:
        return None
    return html[start + len('hx-trigger="') :].split('"', 1)[0]


@pytest.mark.parametrize("page", ["emails", "email_rows", "links", "links_rows"])
def test_rows_poll_slowly_after_the_work_is_done(owner_client, owner, survey, page):
    sent_email(owner, survey)
    links_batch(owner, survey)
    assert trigger_of(owner_client, page, survey) == "every 5s"


def test_sending_polls_fast(owner_client, owner, survey):
    sent_email(owner, survey, status=Distribution.Status.SENDING)
    assert trigger_of(owner_client, "emails", survey) == "every 3s"


@pytest.mark.parametrize("page", ["emails", "links"])
def test_a_closed_survey_stops_the_polling(owner_client, owner, survey, page):
    sent_email(owner, survey)
    links_batch(owner, survey)
    survey.state = survey.State.CLOSED
    survey.save()
    assert trigger_of(owner_client, page, survey) is None


@pytest.mark.parametrize("page", ["emails", "links"])
def test_expired_links_stop_the_polling(owner_client, owner, survey, page):
    sent_email(owner, survey, send_at=timezone.now() - timedelta(days=60))
    links_batch(owner, survey, expires_in=-timedelta(days=1))
    assert trigger_of(owner_client, page, survey) is None
    # One distribution whose links still work keeps the page live.
    sent_email(owner, survey)
    links_batch(owner, survey)
    assert trigger_of(owner_client, page, survey) == "every 5s"
