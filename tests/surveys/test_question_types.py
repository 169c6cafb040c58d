"""Descriptive text, Net Promoter, date, ranking and the text-entry "Other": offered
by the builder, shown and checked on the respondent page, summarised, exported."""

import csv
import datetime
import io

import openpyxl
import pyreadstat
import pytest
from django.test import Client

from surveys import services
from surveys.models import Answer, Response
from surveys.services import publishing
from tests.factories import UserFactory
from tests.surveys.conftest import choice, question

pytestmark = pytest.mark.django_db


def _survey(owner):
    survey = services.survey_create(owner=owner, title="Types")
    page1 = survey.pages.get()
    page2 = services.page_add(survey=survey)

    def add(page, kind, text, **changes):
        item = services.question_add(survey=survey, page=page, kind=kind)
        return services.question_update(question=item, text=text, **changes)

    add(page1, "descriptive", "Thanks for <b>helping</b>.")
    add(
        page1,
        "single_choice",
        "How did you hear of us?",
        choice_labels=["Friend", "Web"],
        other_label="Other (please specify)",
    )
    add(page1, "nps", "How likely are you to recommend us?", required=True)
    add(page2, "date", "When did you arrive?")
    add(page2, "ranking", "Rank these", choice_labels=["Food", "Rooms", "Staff"])
    publishing.survey_publish(survey=survey)
    survey.refresh_from_db()
    return survey


@pytest.fixture
def survey(owner):
    return _survey(owner)


def _names(survey):
    heard = question(survey, "How did you hear of us?")
    nps = question(survey, "How likely are you to recommend us?")
    when = question(survey, "When did you arrive?")
    rank = question(survey, "Rank these")
    return heard, nps, when, rank


def _page1(survey, *, heard="Other (please specify)", other="A poster", nps="9"):
    item, nps_q, _, _ = _names(survey)
    return {
        "page": "1",
        f"q{item['id']}": choice(item, heard),
        f"q{item['id']}_other": other,
        f"q{nps_q['id']}": nps,
    }


def _page2(survey, *, when="2026-03-31", ranks=("2", "3", "1")):
    _, _, when_q, rank = _names(survey)
    data = {"page": "2", f"q{when_q['id']}": when}
    for item, given in zip(rank["choices"], ranks, strict=True):
        data[f"q{rank['id']}_{item['id']}"] = given
    return data


def test_the_builder_offers_the_new_types(owner_client, owner):
    survey = services.survey_create(owner=owner, title="Builder")
    page = survey.pages.get()
    builder = owner_client.get(f"/surveys/{survey.pk}/").content.decode()
    for label in ("Net Promoter (0–10)", "Date", "Ranking", "Descriptive text"):
        assert label in builder
    for kind in ("nps", "date", "ranking", "descriptive", "single_choice"):
        added = owner_client.post(
            f"/surveys/{survey.pk}/pages/{page.pk}/questions/add/", {"kind": kind}
        )
        assert added.status_code == 302
    choice_q = survey.questions.get(kind="single_choice")
    edit = owner_client.get(f"/surveys/{survey.pk}/questions/{choice_q.pk}/")
    assert "“Other” choice with a text box" in edit.content.decode()
    owner_client.post(
        f"/surveys/{survey.pk}/questions/{choice_q.pk}/",
        {"text": "Pick", "choices": "A\nB", "other_label": "Something else"},
    )
    choice_q.refresh_from_db()
    assert [c["label"] for c in choice_q.choices] == ["A", "B", "Something else"]
    assert choice_q.choices[-1]["other"] is True
    other_id = choice_q.choices[-1]["id"]
    # Editing the choices keeps the "Other" choice (and its id) at the end.
    owner_client.post(
        f"/surveys/{survey.pk}/questions/{choice_q.pk}/",
        {"text": "Pick", "choices": "B\nA\nC", "other_label": "Something else"},
    )
    choice_q.refresh_from_db()
    assert [c["label"] for c in choice_q.choices][-1] == "Something else"
    assert choice_q.choices[-1]["id"] == other_id
    same = owner_client.post(
        f"/surveys/{survey.pk}/questions/{choice_q.pk}/",
        {"text": "Pick", "choices": "A\nB", "other_label": "A"},
    )
    assert "must differ from the other choices" in same.content.decode()
    descriptive = survey.questions.get(kind="descriptive")
    form = owner_client.get(f"/surveys/{survey.pk}/questions/{descriptive.pk}/")
    assert "Text shown to respondents" in form.content.decode()
    assert "Require an answer" not in form.content.decode()


def test_the_respondent_page_shows_each_type(survey):
    page = Client().get(f"/r/{survey.public_key}/").content.decode()
    assert "Thanks for &lt;b&gt;helping&lt;/b&gt;." in page
    heard, nps, _, _ = _names(survey)
    assert f'name="q{heard["id"]}_other"' in page
    for point in range(11):
        assert f'id="q{nps["id"]}-{point}"' in page
    assert "10 = Extremely likely" in page
    link = f"/r/{survey.public_key}/"
    client = Client()
    client.post(link, _page1(survey))
    second = client.get(link + "?page=2").content.decode()
    assert 'type="date"' in second
    assert "Give each item a rank" in second


@pytest.mark.parametrize(
    "page, changes, message",
    [
        (1, {"nps": "11"}, "Choose a number from 0 to 10."),
        (1, {"nps": ""}, "This question requires an answer."),
        (
            1,
            {"other": ""},
            "Type your answer next to “Other (please specify)”, or choose another "
            "option.",
        ),
        (2, {"when": "2026-02-31"}, "Enter a date as year-month-day, like 2026-03-31."),
        (2, {"ranks": ("1", "1", "2")}, "Give each item a different rank from 1 to 3."),
        (2, {"ranks": ("1", "", "")}, "Rank every item, or leave them all blank."),
        (2, {"ranks": ("1", "2", "9")}, "Give each item a different rank from 1 to 3."),
    ],
)
def test_plain_messages_for_each_type(survey, page, changes, message):
    link = f"/r/{survey.public_key}/"
    client = Client()
    if page == 2:
        client.post(link, _page1(survey))
        shown = client.post(link, _page2(survey, **changes))
    else:
        shown = client.post(link, _page1(survey, **changes))
    assert shown.status_code == 200
    assert message in shown.content.decode()


def test_answers_are_stored_and_shown_again(survey):
    link = f"/r/{survey.public_key}/"
    client = Client()
    refused = client.post(link, _page1(survey, nps="12"))
    # The typed "Other" text comes back with the error.
    assert 'value="A poster"' in refused.content.decode()
    client.post(link, _page1(survey))
    # Going back shows the saved "Other" text and rank choices.
    again = client.get(link + "?page=1").content.decode()
    assert 'value="A poster"' in again
    done = client.post(link, _page2(survey, when="31/03/2026"))
    assert "Thank you" in done.content.decode()
    heard, nps, when, rank = _names(survey)
    answers = dict(Answer.objects.values_list("question_id", "value"))
    assert answers[heard["id"]] == choice(heard, "Other (please specify)")
    assert answers[-heard["id"]] == "A poster"
    assert answers[nps["id"]] == 9
    assert answers[when["id"]] == "2026-03-31"
    labels = {c["id"]: c["label"] for c in rank["choices"]}
    assert [labels[i] for i in answers[rank["id"]]] == ["Staff", "Food", "Rooms"]
    # Choosing another option afterwards drops the "Other" text.
    other = Client()
    other.post(link, _page1(survey, other="Changed my mind"))
    response = Response.objects.get(finished_at__isnull=True)
    assert response.answers.filter(question_id=-heard["id"]).exists()
    other.post(link, _page1(survey, heard="Web", other="Changed my mind"))
    assert not response.answers.filter(question_id=-heard["id"]).exists()


@pytest.fixture
def answered(survey):
    link = f"/r/{survey.public_key}/"
    for nps, ranks, other in (
        ("10", ("2", "3", "1"), "A poster"),
        ("9", ("1", "3", "2"), "Radio"),
        ("3", ("2", "3", "1"), ""),
    ):
        client = Client()
        heard = "Friend" if not other else "Other (please specify)"
        client.post(link, _page1(survey, heard=heard, other=other, nps=nps))
        client.post(link, _page2(survey, ranks=ranks))
    return survey


def test_summary_of_each_type(owner_client, answered):
    http = owner_client.get(f"/surveys/{answered.pk}/responses/summary/")
    by_text = {s["question"]["text"]: s for s in http.context["summaries"]}
    assert "Thanks for <b>helping</b>." not in by_text
    nps = by_text["How likely are you to recommend us?"]
    # 2 promoters, 1 detractor of 3: 67% - 33% = 33.
    assert nps["nps"]["score"] == 33
    ranked = by_text["Rank these"]["items"]
    assert [(i["label"], i["mean"], i["first"]) for i in ranked] == [
        ("Staff", 1.33, 2),
        ("Food", 1.67, 1),
        ("Rooms", 3, 0),
    ]
    dates = by_text["When did you arrive?"]
    assert (dates["earliest"], dates["median"]) == ("2026-03-31", "2026-03-31")
    heard = by_text["How did you hear of us?"]
    assert {a["text"] for a in heard["other_latest"]} == {"A poster", "Radio"}
    text = http.content.decode()
    assert "NPS 33" in text
    assert '<svg class="nps-chart' in text
    qid = heard["question"]["id"]
    others = owner_client.get(
        f"/surveys/{answered.pk}/responses/text/{qid}/other/?q=radio"
    ).content.decode()
    assert "Radio" in others and "A poster" not in others


def test_every_export_carries_the_new_types(
    owner_client, answered, tmp_path, monkeypatch
):
    # One response per SPSS chunk: the spliced file must read as one (sav.py).
    monkeypatch.setattr("surveys.exporting.sav.SAV_CHUNK_ROWS", 1)

    def download(fmt, values):
        http = owner_client.post(
            f"/surveys/{answered.pk}/responses/exports/",
            {"format": fmt, "values": values},
        )
        return b"".join(http.streaming_content)

    rows = list(csv.reader(io.StringIO(download("csv", "text").decode("utf-8-sig"))))
    header, first = rows[0], rows[1]
    assert "Thanks for <b>helping</b>." not in header
    assert first[header.index("How did you hear of us?")] == "Other (please specify)"
    assert (
        first[header.index("How did you hear of us? - Other (please specify) - Text")]
        == "A poster"
    )
    assert first[header.index("How likely are you to recommend us?")] == "10"
    assert first[header.index("When did you arrive?")] == "2026-03-31"
    assert first[header.index("Rank these - Staff")] == "1"
    assert first[header.index("Rank these - Food")] == "2"

    book = openpyxl.load_workbook(io.BytesIO(download("xlsx", "coded")))
    sheet = list(book["Responses"].iter_rows(values_only=True))
    xhead, xfirst = sheet[0], sheet[1]
    assert xfirst[xhead.index("How did you hear of us?")] == 3
    assert xfirst[xhead.index("Rank these - Rooms")] == 3
    assert xfirst[xhead.index("How likely are you to recommend us?")] == 10
    # A date answer is a real date cell, shown as year-month-day.
    arrived = book["Responses"].cell(
        row=2, column=xhead.index("When did you arrive?") + 1
    )
    assert arrived.value == datetime.datetime(2026, 3, 31)
    assert arrived.number_format == "yyyy-mm-dd"

    path = tmp_path / "types.sav"
    path.write_bytes(download("sav", "coded"))
    frame, meta = pyreadstat.read_sav(str(path))
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert (
        labels["Q1_TEXT"] == "How did you hear of us? - Other (please specify) - Text"
    )
    assert meta.variable_value_labels["Q1"][3.0] == "Other (please specify)"
    assert labels["Q4_3"] == "Rank these - Staff"
    assert list(frame["Q1_TEXT"]) == ["A poster", "Radio", ""]
    assert list(frame["Q2"]) == [10.0, 9.0, 3.0]
    assert list(frame["Q4_3"]) == [1.0, 2.0, 1.0]
    # SPSS DATE format, a real date; the CSV above keeps ISO text.
    assert meta.original_variable_types["Q3"] == "DATE11"
    assert frame.iloc[0]["Q3"] == datetime.date(2026, 3, 31)
    assert meta.number_rows == 3 and list(frame["ResponseId"].str[:2]) == ["R_"] * 3


def test_another_owner_cannot_read_other_answers(answered):
    stranger = Client()
    stranger.force_login(UserFactory())
    qid = question(answered, "How did you hear of us?")["id"]
    http = stranger.get(f"/surveys/{answered.pk}/responses/text/{qid}/other/")
    assert http.status_code == 404
