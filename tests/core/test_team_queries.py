"""What teams cost a request (issue 18's speed points): the respondent pages never
touch a team table, and an owner page reads the user's memberships once at most."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.distributions.ui_support import email_distribution, published_survey
from tests.factories import PASSWORD
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


def _team_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "teams_" in q["sql"]]


def test_the_respondent_pages_never_touch_team_tables(owner):
    survey = published_survey(owner, access="anyone")
    invitation = (
        email_distribution(survey, make_list(owner, n=1))
        .invitations.order_by("id")
        .first()
    )
    respondent = Client()
    with CaptureQueriesContext(connection) as queries:
        assert respondent.get(f"/s/{invitation.token}/").status_code == 200
        assert respondent.post(f"/s/{invitation.token}/", {}).status_code in (200, 302)
        assert respondent.get(f"/r/{survey.public_key}/").status_code == 200
        assert respondent.get(f"/s/{invitation.token}/opt-out/").status_code == 200
    assert _team_queries(queries) == []


@pytest.mark.parametrize(
    "path",
    [
        "/surveys/",
        "/surveys/{survey}/",
        "/surveys/{survey}/responses/",
        "/surveys/{survey}/distributions/",
        "/directories/lists/{list}/",
    ],
)
def test_an_owner_page_reads_the_memberships_once(owner, path):
    survey = published_survey(owner)
    the_list = make_list(owner, n=2)
    client = Client()
    assert client.login(username=owner.username, password=PASSWORD)
    url = path.format(survey=survey.pk, list=the_list.pk)
    client.get(url)  # the first visit of a session may make the personal team
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    memberships = [q for q in _team_queries(queries) if "teams_membership" in q]
    assert len(memberships) <= 1, memberships
