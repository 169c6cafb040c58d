"""The invalid-link limit counts failed lookups only: a valid link always opens.

One address is often many people (a campus NAT, a residence hall): one of them
mistyping links must not lock everyone else out of their survey or their opt-out.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from directories.models import Suppression
from surveys.models import Response
from tests.distributions.ui_support import (
    QUESTION_ID,
    deliver,
    email_distribution,
    published_survey,
)
from tests.factories import build_survey
from tests.helpers import make_list

NAT = "203.0.113.7"
NEIGHBOUR = "198.51.100.4"
LIMIT = 20  # RESPONDENT_INVALID_LINK_LIMIT's default, stated so the test reads alone


@pytest.fixture(autouse=True)
def fresh_counters(settings):
    # Only this file's addresses: clearing the whole cache would flush the Redis
    # database a Celery queue may share (as tests/surveys/conftest.py does).
    settings.RESPONDENT_INVALID_LINK_LIMIT = LIMIT
    keys = [f"surveys:invalid-link:{address}" for address in (NAT, NEIGHBOUR)]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture
def nat():
    return Client(REMOTE_ADDR=NAT)


@pytest.fixture
def invitation(owner):
    survey = published_survey(owner, access="invitation")
    distribution = email_distribution(survey, make_list(owner, n=1))
    invitation = distribution.invitations.get()
    deliver(distribution, invitation)
    return invitation


def bad_token(n: int) -> str:
    return f"mistyped{n:035d}"  # 43 characters, like a real token


def mistype_links(client, count=25) -> list[int]:
    return [client.get(f"/s/{bad_token(n)}/").status_code for n in range(count)]


@pytest.mark.django_db
def test_bad_tokens_past_the_limit_get_429_and_a_valid_link_still_opens(
    nat, invitation
):
    statuses = mistype_links(nat)

    assert statuses == [404] * LIMIT + [429] * (25 - LIMIT)
    opened = nat.get(f"/s/{invitation.token}/")
    assert opened.status_code == 200
    assert "Do you live on campus?" in opened.content.decode()
    # And answering it works too: the submit is the same valid link.
    finished = nat.post(
        f"/s/{invitation.token}/", {"page": "1", f"q{QUESTION_ID}": "c1"}
    )
    assert "Thank you for completing this survey." in finished.content.decode()
    invitation.refresh_from_db()
    assert invitation.response.finished_at is not None
    # Opening valid links does not wipe the count: guessing stays throttled.
    assert nat.get(f"/s/{bad_token(99)}/").status_code == 429


@pytest.mark.django_db
def test_the_limit_is_per_address(nat, invitation):
    mistype_links(nat)

    neighbour = Client(REMOTE_ADDR=NEIGHBOUR)
    assert neighbour.get(f"/s/{bad_token(0)}/").status_code == 404
    assert nat.get(f"/s/{bad_token(0)}/").status_code == 429


@pytest.mark.django_db
def test_the_opt_out_works_after_bad_tokens(nat, invitation):
    mistype_links(nat)
    opt_out = f"/s/{invitation.token}/opt-out/"

    asked = nat.get(opt_out)
    assert asked.status_code == 200
    assert invitation.email in asked.content.decode()
    done = nat.post(opt_out)
    assert done.status_code == 200
    assert Suppression.objects.filter(
        owner=invitation.distribution.owner, email=invitation.email
    ).exists()
    # A mistyped opt-out link from there is still refused.
    assert nat.post(f"/s/{bad_token(1)}/opt-out/").status_code == 429


@pytest.mark.django_db
def test_a_valid_anonymous_link_opens_after_unknown_survey_keys(nat, owner):
    survey = build_survey(owner)
    statuses = [nat.get(f"/r/unknownkey{n:06d}/").status_code for n in range(25)]

    assert statuses == [404] * LIMIT + [429] * (25 - LIMIT)
    opened = nat.get(f"/r/{survey.public_key}/")
    assert opened.status_code == 200
    assert "Do you live on campus?" in opened.content.decode()
    assert not Response.objects.exists()


@pytest.mark.django_db
def test_unknown_revoked_and_expired_links_look_alike_and_all_count(
    settings, nat, owner
):
    settings.RESPONDENT_INVALID_LINK_LIMIT = 3
    survey = published_survey(owner)
    distribution = email_distribution(survey, make_list(owner, n=3))
    revoked, expired, valid = distribution.invitations.order_by("pk")
    revoked.revoked_at = timezone.now()
    revoked.save()
    expired.expires_at = timezone.now() - timedelta(minutes=1)
    expired.save()

    pages = [
        nat.get(f"/s/{bad_token(0)}/"),
        nat.get(f"/s/{revoked.token}/"),
        nat.get(f"/s/{expired.token}/"),
    ]

    assert [page.status_code for page in pages] == [404, 404, 410]
    assert len({page.content for page in pages}) == 1
    # Each of the three counted: the next failure of any kind is past the limit.
    assert nat.get(f"/s/{revoked.token}/").status_code == 429
    assert nat.get(f"/s/{expired.token}/").status_code == 429
    assert nat.get(f"/s/{valid.token}/").status_code == 200


@pytest.mark.django_db
def test_a_cache_that_is_down_never_breaks_a_link(nat, invitation, caplog):
    # Nothing listens on port 1: every cache call fails to connect.
    down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=down):
        assert nat.get(f"/s/{invitation.token}/").status_code == 200
        bad = [nat.get(f"/s/{bad_token(n)}/").status_code for n in range(3)]

    assert bad == [404] * 3
    warnings = [r for r in caplog.records if "cache is not answering" in r.message]
    assert len(warnings) == 1
