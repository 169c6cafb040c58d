"""The respondent pages' hot reads, in hand-written SQL.

A respondent page is one lookup by a unique key. Through the ORM, building and
running that query cost ~1.6 ms of CPU per page (measured for
bench/bench_respondent.py), more than rendering the page; the same SQL written once
here costs ~0.2 ms. The column lists come from the models, so they follow every
migration; tests/surveys exercise both functions on every respondent request.
"""

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import JSONField

from core.database.prepared import fetchone_prepared
from surveys.models import Response, Survey


def _columns(model, alias: str) -> tuple[list, str]:
    fields = list(model._meta.concrete_fields)
    return fields, ", ".join(f'{alias}."{field.column}"' for field in fields)


_SURVEY_FIELDS, _SURVEY_COLUMNS = _columns(Survey, "s")
_RESPONSE_FIELDS, _RESPONSE_COLUMNS = _columns(Response, "r")

SURVEY_SQL = f"SELECT {_SURVEY_COLUMNS} FROM surveys_survey s WHERE s.public_key = %s"
# The response, its survey and its answers ({"<question id>": value}) at once.
RESUME_SQL = (
    f"SELECT {_SURVEY_COLUMNS}, {_RESPONSE_COLUMNS},"
    " (SELECT jsonb_object_agg(a.question_id, a.value) FROM surveys_answer a"
    "  WHERE a.response_id = r.id)"
    " FROM surveys_response r JOIN surveys_survey s ON s.id = r.survey_id"
    " WHERE r.resume_key = %s AND r.channel = %s AND s.public_key = %s"
)
_JSON = JSONField()


def _build(model, fields, values):
    values = [
        field.from_db_value(value, None, connection)
        if isinstance(field, JSONField)
        else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], values)


def survey_by_public_key(public_key: str) -> Survey | None:
    row = fetchone_prepared(SURVEY_SQL, [public_key])
    return None if row is None else _build(Survey, _SURVEY_FIELDS, row)


def anonymous_response_by_resume_key(public_key: str, resume_key: str):
    """Return the anonymous response with .survey and .saved_answers, or None."""
    row = fetchone_prepared(
        RESUME_SQL, [resume_key, Response.Channel.ANONYMOUS.value, public_key]
    )
    if row is None:
        return None
    split = len(_SURVEY_FIELDS)
    survey = _build(Survey, _SURVEY_FIELDS, row[:split])
    response = _build(Response, _RESPONSE_FIELDS, row[split:-1])
    response.survey = survey
    response.saved_answers = _JSON.from_db_value(row[-1], None, connection) or {}
    return response


# What a respondent page never reads: bookkeeping dates, each a timestamptz to parse
# per page. Left deferred (they load if something reads them).
_UNREAD = {"created_at", "updated_at", "started_at", "last_activity_at"}
_PAGE_SURVEY_FIELDS = [f for f in _SURVEY_FIELDS if f.attname not in _UNREAD]
_PAGE_RESPONSE_FIELDS = [f for f in _RESPONSE_FIELDS if f.attname not in _UNREAD]


def respondent_sql(*, survey_id: str, response_id: str) -> tuple[str, str]:
    """Return (columns, joins) that read a survey, a response and its answers into
    another app's query, for respondent_row() to build (the personal link's lookup).

    survey_id, response_id: SQL expressions of the caller's row (the response's may
    be NULL: no response yet). The aliases s, r and a are taken.
    """
    columns = (
        ", ".join(f's."{f.column}"' for f in _PAGE_SURVEY_FIELDS)
        + ", "
        + ", ".join(f'r."{f.column}"' for f in _PAGE_RESPONSE_FIELDS)
        + ", (SELECT jsonb_object_agg(a.question_id, a.value) FROM surveys_answer a"
        "  WHERE a.response_id = r.id)"
    )
    joins = (
        f" JOIN surveys_survey s ON s.id = {survey_id}"
        f" LEFT JOIN surveys_response r ON r.id = {response_id}"
    )
    return columns, joins


def respondent_row(values) -> tuple[Survey, Response | None]:
    """Build what respondent_sql()'s columns read: the survey, and the response (with
    .survey and .saved_answers, see run_engine) or None."""
    split = len(_PAGE_SURVEY_FIELDS)
    survey = _build(Survey, _PAGE_SURVEY_FIELDS, values[:split])
    if values[split] is None:  # the response's id: no response joined
        return survey, None
    response = _build(Response, _PAGE_RESPONSE_FIELDS, values[split:-1])
    response.survey = survey
    response.saved_answers = _JSON.from_db_value(values[-1], None, connection) or {}
    return survey, response
