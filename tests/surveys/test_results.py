"""Results: figures for numbers and scales, filters, text answers, SVG charts."""

from datetime import timedelta

import numpy
import pytest
from django.test import Client
from django.utils import timezone

from surveys import statistics
from surveys.models import Response
from tests.factories import build_survey
from tests.helpers import answer_survey
from tests.surveys.conftest import CAMPUS_ANSWERS, page1_answers, question

pytestmark = pytest.mark.django_db


def test_describe_agrees_with_numpy():
    given = [(1, 3), (4, 1), (10, 2), (7, 5), (2.5, 1)]
    values = [value for value, n in given for _ in range(n)]
    figures = statistics.describe(given)
    assert figures["count"] == len(values)
    assert figures["mean"] == round(numpy.mean(values), 2)
    assert figures["median"] == numpy.median(values)
    assert figures["q1"] == round(numpy.percentile(values, 25), 2)
    assert figures["q3"] == round(numpy.percentile(values, 75), 2)
    assert figures["sd"] == round(numpy.std(values, ddof=1), 2)
    assert (figures["low"], figures["high"]) == (1, 10)
    assert statistics.describe([]) == {"count": 0}


def test_nps_is_promoters_minus_detractors():
    # 6 promoters (9-10), 2 passives, 2 detractors of 10: 60% - 20% = 40.
    score = statistics.nps([(10, 5), (9, 1), (8, 2), (3, 1), (0, 1)])
    assert score["score"] == 40
    assert (score["promoters"], score["passives"], score["detractors"]) == (6, 2, 2)
    assert score["promoters_start"] + score["promoters_x"] == 100
    assert statistics.nps([(7, 4)])["score"] == 0
    assert statistics.nps([])["score"] is None


def test_histogram_of_whole_numbers():
    given = [(value, 1) for value in range(100)]
    assert statistics.histogram(given, bins=5)[0] == ("0 to 19", 20)
    assert statistics.histogram([(3, 2), (5, 1)]) == [("3", 2), ("5", 1)]


def _summary(owner_client, survey, query=""):
    http = owner_client.get(f"/surveys/{survey.pk}/responses/summary/{query}")
    assert http.status_code == 200
    return http


def _figures(http, text):
    return next(s for s in http.context["summaries"] if s["question"]["text"] == text)


@pytest.fixture
def answered(owner):
    survey = build_survey(owner)
    link = f"/r/{survey.public_key}/"
    for courses, note in ((1, "Great library"), (2, "noisy rooms"), (10, "")):
        answer_survey(
            link,
            answers={
                **CAMPUS_ANSWERS,
                "How many courses?": str(courses),
                "Anything else?": note,
            },
        )
    # One in progress, started long ago.
    Client().post(link, {**page1_answers(survey)})
    old = Response.objects.get(finished_at__isnull=True)
    Response.objects.filter(pk=old.pk).update(
        started_at=timezone.now() - timedelta(days=40)
    )
    return survey


def test_number_figures_and_chart(owner_client, answered):
    http = _summary(owner_client, answered)
    courses = _figures(http, "How many courses?")
    # 1, 2, 10 and the in-progress 4.
    assert courses["figures"]["mean"] == 4.25
    assert courses["figures"]["median"] == 3
    assert courses["figures"]["sd"] == round(numpy.std([1, 2, 10, 4], ddof=1), 2)
    text = http.content.decode()
    assert "mean 4.25 · median 3 · lowest 1 · highest 10" in text
    assert '<rect class="summary-bar-fill"' in text
    assert "cdn" not in text.lower()


def test_filters_by_status_and_date(owner_client, answered):
    finished = _figures(
        _summary(owner_client, answered, "?status=finished"), "How many courses?"
    )
    assert finished["answered"] == 3
    assert finished["figures"]["mean"] == round((1 + 2 + 10) / 3, 2)
    started = _figures(
        _summary(owner_client, answered, "?status=in_progress"), "How many courses?"
    )
    assert started["answered"] == 1
    since = (timezone.localdate() - timedelta(days=7)).isoformat()
    recent = _summary(owner_client, answered, f"?since={since}")
    assert _figures(recent, "How many courses?")["answered"] == 3
    old = (timezone.localdate() - timedelta(days=30)).isoformat()
    before = _summary(owner_client, answered, f"?until={old}")
    assert _figures(before, "How many courses?")["answered"] == 1

    listing = owner_client.get(
        f"/surveys/{answered.pk}/responses/?status=in_progress"
    ).content.decode()
    assert "0 finished · 1 in progress (filtered)" in listing
    wrong = owner_client.get(
        f"/surveys/{answered.pk}/responses/summary/?since=2026-05-02&until=2026-05-01"
    ).content.decode()
    assert "The end date must not be before the start date." in wrong


def test_text_answers_are_listed_and_searchable(owner_client, answered, owner):
    summary = _summary(owner_client, answered)
    notes = _figures(summary, "Anything else?")
    assert notes["kind"] == "text"
    assert {a["text"] for a in notes["latest"]} == {"Great library", "noisy rooms"}
    assert "See and search all 2 answers" in summary.content.decode()

    qid = question(answered, "Anything else?")["id"]
    page = owner_client.get(
        f"/surveys/{answered.pk}/responses/text/{qid}/?q=LIBRARY"
    ).content.decode()
    assert "Great library" in page and "noisy rooms" not in page
    assert "1 answer containing" in page
    # Not a text question, or another owner's survey: not found.
    number = question(answered, "How many courses?")["id"]
    assert (
        owner_client.get(f"/surveys/{answered.pk}/responses/text/{number}/").status_code
        == 404
    )
    theirs = build_survey()
    assert (
        owner_client.get(f"/surveys/{theirs.pk}/responses/text/{qid}/").status_code
        == 404
    )
