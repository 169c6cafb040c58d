"""Reads of responses for the owner: the question catalogue, summaries (the export:
surveys.exporting).

Answers are keyed by question id and read through the SurveyVersion definitions, so
a question removed from the draft (or changed since) is still exported and shown.
"""

import json
from collections import Counter

from django.db import connection
from django.db.models.expressions import RawSQL

from surveys import engine, qtypes, statistics
from surveys.definitions import version_definition
from surveys.models import Answer, Response, Survey
from surveys.response_filters import ResponseFilter


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
            if question["kind"] in qtypes.NO_ANSWER_KINDS:
                continue
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
    if kind == qtypes.RANKING:
        return "; ".join(
            f"{n}. {labels.get(v, str(v))}" for n, v in enumerate(value, start=1)
        )
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
    shown = []
    for q in catalogue:
        if q["id"] not in asked and q["id"] not in answers:
            continue
        text = answer_text(q, answers.get(q["id"]))
        other = answers.get(qtypes.other_key(q["id"]))
        if other:
            text = f"{text} ({other})"
        shown.append({"question": q, "text": text})
    return shown


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
    qtypes.NPS,
    qtypes.DATE,
    qtypes.RANKING,
}
# Answers listed (the newest few on the Summary, all on the text answers page).
TEXT_KINDS = {engine.SHORT_TEXT, engine.LONG_TEXT, engine.EMAIL}
TEXT_PREVIEW = 5


def _answer_counts(survey: Survey, catalogue: list[dict], filters: ResponseFilter):
    """Return ({question id: answers}, {question id: Counter(value -> count)}).

    PostgreSQL groups the answers, so a survey with 100,000 responses sends back a
    row per distinct answer rather than every answer. Text answers are only counted.
    """
    totals: dict[int, int] = {}
    grouped: dict[int, Counter] = {q["id"]: Counter() for q in catalogue}
    wanted = [q["id"] for q in catalogue if q["kind"] in GROUPED_SUMMARY_KINDS]
    where, params = filters.sql("r")
    base = (
        f"FROM {Answer._meta.db_table} a"
        f" JOIN {Response._meta.db_table} r ON r.id = a.response_id"
        f" WHERE r.survey_id = %s AND r.started_at IS NOT NULL{where}"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.question_id, count(*) {base} GROUP BY a.question_id",
            [survey.pk, *params],
        )
        totals = dict(cursor.fetchall())
        if wanted:
            cursor.execute(
                f"SELECT a.question_id, a.value::text, count(*) {base}"
                " AND a.question_id = ANY(%s) GROUP BY a.question_id, a.value",
                [survey.pk, *params, wanted],
            )
            for question_id, text, count in cursor.fetchall():
                grouped[question_id][text] += count
    return totals, grouped


def survey_summary(
    *, survey: Survey, filters: ResponseFilter | None = None
) -> list[dict]:
    """Return one summary per question: bars for choices and scales, figures for
    numbers, the newest answers for text."""
    filters = filters or ResponseFilter()
    catalogue = question_catalogue(survey=survey)
    totals, grouped = _answer_counts(survey, catalogue, filters)
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
                figures=statistics.describe(given),
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
            figures = statistics.describe(given)
            bins = statistics.histogram(given)
            summary.update(
                kind="number",
                low=figures["low"],
                high=figures["high"],
                mean=figures["mean"],
                figures=figures,
                bars=_bars(Counter(dict(bins)), [(b, b) for b, _ in bins], answered),
            )
        elif kind == qtypes.NPS:
            points = [(p, str(p)) for p in qtypes.NPS_POINTS]
            summary.update(
                kind="nps",
                nps=statistics.nps(given),
                bars=_bars(Counter(dict(given)), points, answered),
                figures=statistics.describe(given),
            )
        elif kind == qtypes.DATE and given:
            summary.update(kind="date", **statistics.dates(given, answered))
        elif kind == qtypes.RANKING:
            summary.update(
                kind="ranking",
                items=statistics.ranking(given, question.get("choices", [])),
            )
        elif kind in TEXT_KINDS and answered:
            summary.update(
                kind="text",
                latest=list(
                    text_answers(
                        survey=survey, question_id=question["id"], filters=filters
                    )[:TEXT_PREVIEW]
                ),
            )
        if qtypes.other_choice(question) and answered:
            others = text_answers(
                survey=survey,
                question_id=qtypes.other_key(question["id"]),
                filters=filters,
            )
            summary["other_latest"] = list(others[:TEXT_PREVIEW])
            summary["other_count"] = others.count()
        summaries.append(summary)
    return summaries


def _mean(given: list[tuple]) -> float | None:
    count = sum(n for _, n in given)
    return round(sum(value * n for value, n in given) / count, 2) if count else None


def text_answers(
    *,
    survey: Survey,
    question_id: int,
    filters: ResponseFilter | None = None,
    search: str = "",
):
    """Return a QuerySet of one question's answers as text, newest response first:
    dicts with "text", "response_id" (the R_ ID) and "started_at"."""
    answers = Answer.objects.filter(
        response__survey=survey,
        response__started_at__isnull=False,
        question_id=question_id,
    ).annotate(
        # The JSON string's text, without quotes or escapes.
        text=RawSQL(f"{Answer._meta.db_table}.value #>> '{{}}'", []),
    )
    if filters is not None:
        answers = filters.apply(answers, prefix="response__")
    if search.strip():
        answers = answers.filter(text__icontains=search.strip())
    return answers.order_by("-response__started_at", "-response_id").values(
        "text", "response__public_id", "response__started_at"
    )
