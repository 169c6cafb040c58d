"""The personal link's lookup: one narrow query, read as the ORM would read it.

Issue 15: /s/<token>/ built and compiled a five-table select_related and ordered a
unique lookup on every page; its steady-state GET is now one query, no ORDER BY.
"""

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from distributions.models import Invitation
from distributions.selectors.invitations import (
    invitation_by_token,
    invitation_person_response,
)
from distributions.services.public import invitation_response_get_or_create
from surveys.models import Answer, Response, Survey
from tests.distributions.ui_support import (
    QUESTION_ID,
    email_distribution,
    published_survey,
)
from tests.helpers import make_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(owner):
    survey = published_survey(owner, access="invitation")
    the_list = make_list(owner, n=2, embedded_fields=["Cohort"])
    return email_distribution(survey, the_list).invitations.order_by("id").first()


def answered(invitation, value="c1") -> Response:
    """The invitation's response with one saved answer, not finished."""
    response = invitation_response_get_or_create(invitation_id=invitation.pk)
    Answer.objects.create(response=response, question_id=QUESTION_ID, value=value)
    return response


def test_reads_match_the_orm(invitation):
    response = answered(invitation)

    found = invitation_by_token(token=invitation.token)

    expected = Invitation.objects.get(pk=invitation.pk)
    assert model_to_dict(found) == model_to_dict(expected)
    assert found.created_at == expected.created_at
    assert found.expires_at == expected.expires_at
    assert found.embedded_data == {"Cohort": "Cohort-0"}
    assert found.distribution.pk == invitation.distribution_id
    assert found.distribution.owner_id == invitation.distribution.owner_id
    survey = found.distribution.survey
    assert model_to_dict(survey) == model_to_dict(Survey.objects.get(pk=survey.pk))
    assert survey.close_at is None and survey.updated_at is not None
    assert model_to_dict(found.response) == model_to_dict(
        Response.objects.get(pk=response.pk)
    )
    assert found.response.survey is survey
    assert found.response.saved_answers == {str(QUESTION_ID): "c1"}
    assert invitation_person_response(invitation=found) == response


def test_a_link_without_a_response_reads_none_and_finds_the_persons(invitation):
    found = invitation_by_token(token=invitation.token)
    assert found.response_id is None and found.response is None

    # The same person's other link (same address, a later distribution).
    the_list = make_list(invitation.distribution.owner, n=1)
    later = email_distribution(invitation.distribution.survey, the_list)
    other = later.invitations.get()
    assert other.email == invitation.email
    response = answered(other)
    found = invitation_by_token(token=invitation.token)
    assert found.response is None
    assert invitation_person_response(invitation=found) == response


def test_unknown_empty_and_overlong_tokens_find_nothing(invitation):
    assert invitation_by_token(token="nope") is None
    assert invitation_by_token(token="") is None
    assert invitation_by_token(token=invitation.token + "x" * 64) is None
    # Byte-wise: another case is another token.
    assert invitation_by_token(token=invitation.token.swapcase()) is None


def test_fields_read_later_still_load(invitation):
    """invitation.distribution holds only id, survey and owner: the rest loads."""
    found = invitation_by_token(token=invitation.token)
    assert found.distribution.kind == invitation.distribution.kind
    assert found.distribution.owner == invitation.distribution.owner


def test_a_returning_respondents_page_is_one_query_without_order_by(invitation):
    answered(invitation)
    client = Client()
    first = client.get(f"/s/{invitation.token}/")  # reads the definition once
    assert first.status_code == 200

    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"/s/{invitation.token}/")

    assert again.status_code == 200
    assert 'value="c1" checked' in again.content.decode()
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) == 1, sql
    assert "ORDER BY" not in sql[0].upper()


def test_a_first_visit_is_two_queries(invitation):
    """No response yet: the person's response by any link is one more lookup."""
    Client().get(f"/s/{invitation.token}/")
    with CaptureQueriesContext(connection) as queries:
        shown = Client().get(f"/s/{invitation.token}/")
    assert shown.status_code == 200
    sql = [query["sql"] for query in queries.captured_queries]
    assert len(sql) == 2, sql
    assert not any("ORDER BY" in query.upper() for query in sql), sql
