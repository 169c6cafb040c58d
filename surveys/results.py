"""Reads of responses for the owner: the question catalogue, summaries, the export.

Answers are keyed by question id and read through the SurveyVersion definitions, so
a question removed from the draft (or changed since) is still exported and shown.
"""

import datetime
import json
from collections import Counter
from collections.abc import Iterator

from django.db import connection
from django.utils import timezone

from accounts.selectors import owner_time_zone
from surveys import engine
from surveys.definitions import version_definition
from surveys.models import Answer, Response, Survey

EXPORT_COLUMNS = [
    "Response ID",
    "Start Date",
    "End Date",
    "Finished",
    "Last Name",
    "First Name",
    "Email",
    "External Data Reference",
]
# An anonymous survey's export: no identity columns, no embedded data, dates only.
ANONYMOUS_EXPORT_COLUMNS = EXPORT_COLUMNS[:4]


def question_catalogue(*, survey: Survey) -> list[dict]:
    """Return every question any published version asked, with its latest wording.

    Order: the newest version's questions as laid out, then questions only older
    versions had (marked "removed"). Choices and statements removed along the way
    are kept after the current ones, so old answers still have a column.
    """
    definitions = survey.versions.order_by("-number").values_list(
        "definition", flat=True
    )
    catalogue: dict[int, dict] = {}
    newest = True
    for definition in definitions:
        for question in engine.questions_of(definition):
            known = catalogue.get(question["id"])
            if known is None:
                catalogue[question["id"]] = {
                    **question,
                    "choices": list(question.get("choices", [])),
                    "statements": list(question.get("statements", [])),
                    "removed": not newest,
                }
                continue
            for key in ("choices", "statements"):
                ids = {item["id"] for item in known[key]}
                known[key].extend(
                    item for item in question.get(key, []) if item["id"] not in ids
                )
        newest = False
    return list(catalogue.values())


def answer_text(question: dict, value) -> str:
    """Return an answer as a person reads it (labels, not ids)."""
    if value is None:
        return ""
    kind = question["kind"]
    labels = {c["id"]: c["label"] for c in question.get("choices", [])}
    if kind in (engine.SINGLE_CHOICE, engine.DROPDOWN):
        return labels.get(value, str(value))
    if kind == engine.MULTIPLE_CHOICE:
        return ", ".join(labels.get(v, str(v)) for v in value)
    if kind == engine.MATRIX:
        return "; ".join(
            f"{s['label']}: {labels.get(value[s['id']], value[s['id']])}"
            for s in question.get("statements", [])
            if s["id"] in value
        )
    return str(value)


def response_answers(*, response: Response, catalogue: list[dict]) -> list[dict]:
    """Return [{"question", "text"}] for the questions the response's version asked."""
    asked = {
        q["id"]
        for q in engine.questions_of(
            version_definition(response.version_id, survey=response.survey)
        )
    }
    answers = dict(response.answers.values_list("question_id", "value"))
    return [
        {"question": q, "text": answer_text(q, answers.get(q["id"]))}
        for q in catalogue
        if q["id"] in asked or q["id"] in answers
    ]


# --- summary ---------------------------------------------------------------------


def _bars(counts: Counter, items: list[tuple[str, str]], total: int) -> list[dict]:
    top = max(counts.values(), default=0)
    return [
        {
            "label": label,
            "count": counts.get(key, 0),
            "percent": round(100 * counts.get(key, 0) / total) if total else 0,
            "width": round(100 * counts.get(key, 0) / top) if top else 0,
        }
        for key, label in items
    ]


GROUPED_SUMMARY_KINDS = {
    engine.SINGLE_CHOICE,
    engine.DROPDOWN,
    engine.MULTIPLE_CHOICE,
    engine.RATING,
    engine.MATRIX,
    engine.NUMBER,
}


def _answer_counts(survey: Survey, catalogue: list[dict]):
    """Return ({question id: answers}, {question id: Counter(value -> count)}).

    PostgreSQL groups the answers, so a survey with 100,000 responses sends back a
    row per distinct answer rather than every answer. Text answers are only counted.
    """
    totals: dict[int, int] = {}
    grouped: dict[int, Counter] = {q["id"]: Counter() for q in catalogue}
    wanted = [q["id"] for q in catalogue if q["kind"] in GROUPED_SUMMARY_KINDS]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.question_id, count(*) FROM surveys_answer a"
            " JOIN surveys_response r ON r.id = a.response_id"
            " WHERE r.survey_id = %s AND r.started_at IS NOT NULL"
            " GROUP BY a.question_id",
            [survey.pk],
        )
        totals = dict(cursor.fetchall())
        if wanted:
            cursor.execute(
                "SELECT a.question_id, a.value::text, count(*) FROM surveys_answer a"
                " JOIN surveys_response r ON r.id = a.response_id"
                " WHERE r.survey_id = %s AND r.started_at IS NOT NULL"
                " AND a.question_id = ANY(%s)"
                " GROUP BY a.question_id, a.value",
                [survey.pk, wanted],
            )
            for question_id, text, count in cursor.fetchall():
                grouped[question_id][text] += count
    return totals, grouped


def survey_summary(*, survey: Survey) -> list[dict]:
    """Return one summary per question: bars for choices and scales, counts for text."""
    catalogue = question_catalogue(survey=survey)
    totals, grouped = _answer_counts(survey, catalogue)
    summaries = []
    for question in catalogue:
        answered = totals.get(question["id"], 0)
        # {answer value: how many gave it}, the values decoded from JSON.
        given = [(json.loads(text), n) for text, n in grouped[question["id"]].items()]
        summary = {"question": question, "answered": answered, "kind": "count"}
        kind = question["kind"]
        choices = [(c["id"], c["label"]) for c in question.get("choices", [])]
        if kind in (engine.SINGLE_CHOICE, engine.DROPDOWN):
            counts = Counter(dict(given))
            summary.update(kind="bars", bars=_bars(counts, choices, answered))
        elif kind == engine.MULTIPLE_CHOICE:
            counts = Counter()
            for picked, n in given:
                for value in picked:
                    counts[value] += n
            summary.update(kind="bars", bars=_bars(counts, choices, answered))
        elif kind == engine.RATING:
            points = [(p, str(p)) for p in engine.rating_points(question)]
            counts = Counter(dict(given))
            summary.update(
                kind="bars",
                bars=_bars(counts, points, answered),
                mean=_mean(given),
            )
        elif kind == engine.MATRIX:
            rows = []
            for statement in question.get("statements", []):
                counts = Counter()
                for value, n in given:
                    if statement["id"] in value:
                        counts[value[statement["id"]]] += n
                rows.append(
                    {
                        "label": statement["label"],
                        "bars": _bars(counts, choices, sum(counts.values())),
                    }
                )
            summary.update(kind="matrix", rows=rows)
        elif kind == engine.NUMBER and given:
            summary.update(
                kind="number",
                low=min(value for value, _ in given),
                high=max(value for value, _ in given),
                mean=_mean(given),
            )
        summaries.append(summary)
    return summaries


def _mean(given: list[tuple]) -> float | None:
    count = sum(n for _, n in given)
    return round(sum(value * n for value, n in given) / count, 2) if count else None


# --- export ----------------------------------------------------------------------


def _embedded_keys(survey: Survey) -> list[str]:
    """Return the embedded-data keys found on the survey's responses, first seen first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT key FROM surveys_response r, jsonb_object_keys(r.embedded_data) key"
            " WHERE r.survey_id = %s AND jsonb_typeof(r.embedded_data) = 'object'"
            " GROUP BY key ORDER BY MIN(r.id), key",
            [survey.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def _question_columns(catalogue: list[dict]) -> list[tuple[int, str, object]]:
    """Return (question id, header, value -> cell) for each question column."""
    columns = []
    for question in catalogue:
        qid = question["id"]
        text = question["text"]
        kind = question["kind"]
        labels = {c["id"]: c["label"] for c in question.get("choices", [])}
        if kind == engine.MULTIPLE_CHOICE:
            for choice in question.get("choices", []):
                columns.append(
                    (
                        qid,
                        f"{text} - {choice['label']}",
                        lambda value, cid=choice["id"]: (
                            "" if value is None else ("1" if cid in value else "0")
                        ),
                    )
                )
        elif kind == engine.MATRIX:
            for statement in question.get("statements", []):
                columns.append(
                    (
                        qid,
                        f"{text} - {statement['label']}",
                        lambda value, sid=statement["id"], labels=labels: (
                            labels.get(value.get(sid), value.get(sid, ""))
                            if isinstance(value, dict)
                            else ""
                        ),
                    )
                )
        else:
            columns.append(
                (
                    qid,
                    text,
                    lambda value, question=question: answer_text(question, value),
                )
            )
    return columns


def export_header_and_rows(*, survey: Survey, owner, batch_size: int = 1000):
    """Return (header, row iterator) for the responses CSV, dates in owner's zone."""
    catalogue = question_catalogue(survey=survey)
    # Declared fields first (a column even before any response has it), then any
    # other contact column the responses carry; none for anonymous responses.
    anonymous = survey.anonymous_responses
    found = [] if anonymous else _embedded_keys(survey)
    keys = (
        []
        if anonymous
        else list(survey.embedded_fields)
        + [k for k in found if k not in survey.embedded_fields]
    )
    columns = _question_columns(catalogue)
    fixed = ANONYMOUS_EXPORT_COLUMNS if anonymous else EXPORT_COLUMNS
    header = fixed + keys + [title for _, title, _ in columns]
    zone = owner_time_zone(owner)

    def when(value):
        if not value:
            return ""
        if anonymous:
            # The date an anonymized response keeps (midnight UTC): no time of
            # day to match against the history's finish times.
            return value.astimezone(datetime.UTC).date().isoformat()
        return timezone.localtime(value, zone).isoformat(timespec="seconds")

    def identity(response) -> list:
        if anonymous:
            return []
        data = (
            response.embedded_data if isinstance(response.embedded_data, dict) else {}
        )
        return [
            response.last_name,
            response.first_name,
            response.email,
            response.external_reference,
            *[data.get(key, "") for key in keys],
        ]

    def rows() -> Iterator[list]:
        last_id = 0
        while True:
            # Keyset batches: constant memory however many responses there are.
            batch = list(
                Response.objects.filter(
                    survey=survey, started_at__isnull=False, pk__gt=last_id
                ).order_by("pk")[:batch_size]
            )
            if not batch:
                return
            last_id = batch[-1].pk
            answers: dict[int, dict] = {r.pk: {} for r in batch}
            for response_id, question_id, value in Answer.objects.filter(
                response_id__in=list(answers)
            ).values_list("response_id", "question_id", "value"):
                answers[response_id][question_id] = value
            for response in batch:
                given = answers[response.pk]
                yield [
                    response.public_id,
                    when(response.started_at),
                    when(response.finished_at),
                    "True" if response.finished_at else "False",
                    *identity(response),
                    *[cell(given.get(qid)) for qid, _, cell in columns],
                ]

    return header, rows()
