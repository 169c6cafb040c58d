"""A NUL byte or undecodable text anywhere in a request is a 400, never a 500.

PostgreSQL refuses NUL in text and jsonb: before core.middleware.RequestTextGuard, a
NUL in a path, a query value, a posted field or a cookie reached a query and ended
in a 500 (issue 14, point 6: three of the places need no login).
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from surveys.models import Answer
from tests.distributions.ui_support import (
    email_distribution,
    published_survey,
)
from tests.factories import build_survey
from tests.helpers import make_list


@pytest.fixture(autouse=True)
def fresh_throttle():
    # Refused links count toward a per-address limit kept in the cache.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def token(owner):
    survey = published_survey(owner, access="invitation")
    distribution = email_distribution(survey, make_list(owner, n=1))
    return distribution.invitations.get().token


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/s/%00/",
        "/r/abc%00def/",
        "/s/%00/opt-out/",
        "/s/preview/%00/",
        "/accounts/password/reset/%00/x%00/",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_nul_in_a_path_is_a_400(client, path, method):
    answered = getattr(client, method)(path)

    assert answered.status_code == 400
    assert b"Bad Request" in answered.content


@pytest.mark.django_db
def test_a_nul_in_an_owner_path_is_a_400(owner_client, owner):
    survey = build_survey(owner)
    answered = owner_client.get(f"/surveys/{survey.pk}/responses/R_%00/")

    assert answered.status_code == 400


@pytest.mark.django_db
def test_a_nul_in_a_query_value_or_name_is_a_400(client, token):
    assert client.get(f"/s/{token}/?page=%00").status_code == 400
    assert client.get(f"/s/{token}/opt-out/?a%00=1").status_code == 400
    assert client.get(f"/s/{token}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("multipart", [False, True])
def test_a_nul_in_a_posted_answer_is_a_400_and_saves_nothing(client, owner, multipart):
    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"
    data = {"page": "1", "action": "next", "q1": "a\x00b"}
    if multipart:
        answered = client.post(link, data)
    else:
        answered = client.post(
            link,
            "page=1&action=next&q1=a%00b",
            content_type="application/x-www-form-urlencoded",
        )

    assert answered.status_code == 400
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_a_nul_posted_to_the_opt_out_or_an_owner_form_is_a_400(
    client, owner_client, token
):
    opt_out = client.post(f"/s/{token}/opt-out/", {"List-Unsubscribe": "One\x00"})
    rename = owner_client.post(reverse("directories:list_create"), {"name": "a\x00b"})

    assert opt_out.status_code == 400
    assert rename.status_code == 400


@pytest.mark.django_db
def test_a_nul_in_a_cookie_is_a_400(owner):
    survey = build_survey(owner)
    # A quoted cookie value may carry octal escapes: "\000" is a NUL.
    for cookie in ('sessionid="\\000abcdefghijkl"', 'canvass_resume="\\000abc"'):
        answered = Client().get(f"/r/{survey.public_key}/", HTTP_COOKIE=cookie)
        assert answered.status_code == 400, cookie


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query", ["page=%ED%A0%80", "page=%FF%FE", "%ED%B2%A9=1", "q=caf%E9"]
)
def test_undecodable_query_text_is_a_400(client, owner, query):
    # Not UTF-8: a lone surrogate's CESU-8 bytes, stray bytes, Latin-1.
    survey = build_survey(owner)

    assert client.get(f"/r/{survey.public_key}/?{query}").status_code == 400


@pytest.mark.django_db
def test_undecodable_path_or_body_is_a_400(client, owner):
    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"

    assert client.get("/s/%ED%A0%80/").status_code == 400
    assert client.get("/r/%FF/").status_code == 400
    posted = client.post(
        link,
        b"page=1&action=next&q1=%ED%A0%80%ED%B2%A9",
        content_type="application/x-www-form-urlencoded",
    )
    assert posted.status_code == 400
    assert not Answer.objects.exists()


@pytest.mark.django_db
def test_utf8_text_of_every_kind_passes(client, owner):
    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"

    assert client.get(f"{link}?q=%E2%80%AEcaf%C3%A9+%F0%9F%98%80").status_code == 200
    posted = client.post(
        link,
        "page=1&action=next&q1=caf%C3%A9+%F0%9F%98%80+%E2%80%8F",
        content_type="application/x-www-form-urlencoded",
    )
    assert posted.status_code in (200, 302)
    # Django refuses a form body in another charset, even one that says so.
    latin = client.post(
        link,
        b"page=1&action=next&q1=caf%E9",
        content_type="application/x-www-form-urlencoded; charset=ISO-8859-1",
    )
    assert latin.status_code == 400


def test_clean_requests_pass_untouched(client, db):
    assert client.get("/accounts/login/?next=/surveys/").status_code == 200
