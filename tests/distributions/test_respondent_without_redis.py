"""Respondent pages need only PostgreSQL: Redis taken away mid-flow changes nothing.

The cache (Redis) only holds the invalid-link throttle, which stops counting
while the cache is down; sessions and messages live in PostgreSQL and cookies,
CSRF in a cookie, and nothing on these pages talks to the broker.
"""

import re

import pytest
from django.test import Client

from surveys.models import Response
from tests.distributions.ui_support import (
    QUESTION_ID,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_on_throwaway_redis(settings, throwaway_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": throwaway_redis.url,
        }
    }
    return throwaway_redis


def test_personal_and_anonymous_links_answer_with_redis_stopped_mid_flow(
    owner, cache_on_throwaway_redis
):
    survey = published_survey(owner, access="anyone")
    distribution = email_distribution(survey, make_list(owner, n=2))
    first, second = distribution.invitations.order_by("id")
    browser = Client(enforce_csrf_checks=True)
    # Redis up: the link opens.
    assert browser.get(f"/s/{first.token}/").status_code == 200
    assert browser.get("/s/" + "x" * 43 + "/").status_code == 404

    cache_on_throwaway_redis.stop()

    # Mid-flow, Redis gone: the same respondent finishes, another starts.
    finished = browser.post(
        f"/s/{first.token}/", {"page": "1", "action": "next", f"q{QUESTION_ID}": "c1"}
    )
    assert finished.status_code == 200
    assert "Thank you for completing this survey." in finished.content.decode()
    other = Client(enforce_csrf_checks=True)
    assert other.get(f"/s/{second.token}/").status_code == 200
    # An unknown link still gets the neutral page (the throttle is off, not a 500).
    for _ in range(3):
        assert other.get("/s/" + "y" * 43 + "/").status_code == 404
    # The anonymous link: the page, its CSRF cookie and a finished response.
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(f"/r/{survey.public_key}/")
    assert page.status_code == 200
    hidden = dict(
        re.findall(
            r'<input type="hidden" name="([^"]+)" value="([^"]*)"',
            page.content.decode(),
        )
    )
    done = anonymous.post(
        f"/r/{survey.public_key}/",
        {**hidden, "page": "1", "action": "next", f"q{QUESTION_ID}": "c2"},
    )
    assert done.status_code == 200, done.content.decode()[:500]
    assert "Thank you for completing this survey." in done.content.decode()
    assert Response.objects.filter(finished_at__isnull=False).count() == 2

    # Back again: nothing to repair.
    cache_on_throwaway_redis.start()
    assert Client().get(f"/s/{second.token}/").status_code == 200
