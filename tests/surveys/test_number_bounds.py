"""Numbers are bounded before any arithmetic: length and magnitude (issue 14, point 1).

A Decimal keeps "1e1000000" as one digit and an exponent; turning it into an int
writes out a million digits (36 s of CPU). Every number a stranger or an owner posts
is refused with a form error before that can happen.
"""

import time

import pytest
from django.http import QueryDict
from django.urls import reverse

from surveys import engine
from surveys.models import Answer, Question
from tests.surveys.conftest import page1_answers, question

HUGE = ["1e1000000", "-1E999999", "9e15", "1000000000000000", "1" * 10_000]


def _page(**bounds):
    return {"questions": [{"id": 7, "text": "Q", "kind": "number", **bounds}]}


@pytest.mark.parametrize("raw", HUGE)
@pytest.mark.parametrize("bounds", [{}, {"min_value": 0}, {"max_value": 10}])
def test_a_huge_number_is_refused_at_once_whatever_the_bounds(raw, bounds):
    started = time.process_time()
    parsed = engine.parse_page(_page(**bounds), QueryDict(f"q7={raw}"))

    assert time.process_time() - started < 0.05
    assert parsed.values == {}
    assert 7 in parsed.errors


def test_the_largest_numbers_allowed_still_convert_exactly():
    page = _page()
    top = "999999999999999"
    assert engine.parse_page(page, QueryDict(f"q7={top}")).values == {7: int(top)}
    assert engine.parse_page(page, QueryDict(f"q7=-{top}")).values == {7: -int(top)}
    assert engine.parse_page(page, QueryDict("q7=1e3")).values == {7: 1000}
    assert engine.parse_page(page, QueryDict("q7=0e1000000")).values == {7: 0}
    assert engine.parse_page(page, QueryDict("q7=1e-1000000")).values == {7: 0.0}
    refused = engine.parse_page(page, QueryDict("q7=1e15")).errors[7]
    assert refused == engine.number_too_large()


def test_the_respondent_page_shows_the_error_and_keeps_no_number(client, survey, link):
    courses = question(survey, "How many courses?")
    data = page1_answers(survey) | {f"q{courses['id']}": "1e1000000"}

    started = time.process_time()
    answered = client.post(link, data)

    assert time.process_time() - started < 1
    assert answered.status_code == 200
    assert engine.number_too_large() in answered.content.decode()
    assert not Answer.objects.filter(question_id=courses["id"]).exists()


@pytest.mark.parametrize("raw", ["1e1000000", "9" * 10_000, "99999999999"])
def test_an_owner_cannot_set_a_bound_beyond_what_is_stored(owner_client, survey, raw):
    number = Question.objects.get(survey=survey, kind="number")
    url = reverse("surveys:question_edit", args=[survey.pk, number.pk])

    posted = owner_client.post(
        url, {"text": number.text, "min_value": "1", "max_value": raw}
    )

    assert posted.status_code in (200, 400)
    assert "max_value" in posted.context["form"].errors
    number.refresh_from_db()
    assert number.max_value == 10
