"""The columns of a responses export, and its rows, for every format.

`export_table` is the one source: the Qualtrics metadata (Response ID, start, end,
duration, finished), the respondent's identity (left out for an anonymous survey),
the embedded data, then the questions. A column knows its header (CSV and Excel),
its SPSS variable name and label, whether its coded values are numbers, their value
labels, and how to turn a stored answer into a cell as choice text or as a code.

Rows are lists of typed cells (str, int, float, datetime in the owner's zone, or
None for "no answer"); each writer turns them into its own format.
"""

import datetime
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.db import connection

from accounts.selectors import owner_time_zone
from surveys import engine, qtypes
from surveys.exporting.batches import keyset_batches
from surveys.exporting.cells import (
    date_or_none,
    embedded_cell,
    number_or_none,
    rank_of,
    text_or_none,
)
from surveys.models import Answer, Response, Survey
from surveys.response_filters import ResponseFilter
from surveys.results import answer_text, question_catalogue

# SPSS: a name starts with a letter, has at most 64 bytes of letters, digits and
# _ . @ # $, does not end with "." and is none of these words.
_SPSS_RESERVED = {
    "ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH",
}  # fmt: skip
_SPSS_BAD = re.compile(r"[^A-Za-z0-9_.@#$]")


@dataclass
class Column:
    header: str
    name: str
    label: str = ""
    # Coded values are numbers (SPSS numeric variable) rather than text.
    numeric: bool = False
    value_labels: dict = field(default_factory=dict)
    # Stored answer -> cell as people read it / as a code. None: the cell is empty.
    text: Callable | None = None
    code: Callable | None = None
    question_id: int | None = None
    # "datetime" for the start and end dates, "date" for a date question's
    # answers (SPSS DATETIME / DATE variables, Excel date cells; CSV keeps ISO).
    kind: str = ""
    # As choice text the cells are labels (single choice, dropdown, matrix,
    # Finished), so only the coded cells are numbers.
    labelled: bool = False

    def is_numeric(self, *, coded: bool) -> bool:
        """Whether this export's cells in this column are numbers."""
        return self.numeric and (coded or not self.labelled)


@dataclass
class ExportTable:
    columns: list[Column]
    rows: Iterator[list]
    total: int


def spss_names(wanted: list[str]) -> list[str]:
    """Return valid, case-insensitively unique SPSS variable names for `wanted`."""
    names, seen = [], set()
    for raw in wanted:
        name = _SPSS_BAD.sub("_", raw.strip())[:60] or "V"
        if not name[0].isalpha():
            name = "V" + name
        name = name.rstrip(".") or "V"
        if name.upper() in _SPSS_RESERVED:
            name += "_"
        candidate, n = name, 1
        while candidate.upper() in seen:
            n += 1
            candidate = f"{name[:56]}_{n}"
        seen.add(candidate.upper())
        names.append(candidate)
    return names


def _choice_codes(question: dict) -> dict:
    """Return {choice id: code}: 1, 2, 3 ... in the choices' order (as Qualtrics)."""
    return {c["id"]: n for n, c in enumerate(question.get("choices", []), start=1)}


def _question_columns(question: dict, number: int) -> list[Column]:
    """Return the column(s) of one question; matrix and multiple choice have several."""
    qid = question["id"]
    text = question["text"]
    kind = question["kind"]
    choices = question.get("choices", [])
    labels = {c["id"]: c["label"] for c in choices}
    codes = _choice_codes(question)
    coded_labels = {codes[c["id"]]: c["label"] for c in choices}
    base = f"Q{number}"
    if kind == engine.MULTIPLE_CHOICE:
        return [
            Column(
                header=f"{text} - {c['label']}",
                name=f"{base}_{n}",
                label=f"{text} - {c['label']}",
                numeric=True,
                value_labels={1: c["label"], 0: "Not selected"},
                text=lambda v, cid=c["id"]: (
                    None if v is None else (1 if cid in v else 0)
                ),
                code=lambda v, cid=c["id"]: (
                    None if v is None else (1 if cid in v else 0)
                ),
                question_id=qid,
            )
            for n, c in enumerate(choices, start=1)
        ]
    if kind == engine.MATRIX:
        return [
            Column(
                header=f"{text} - {s['label']}",
                name=f"{base}_{n}",
                label=f"{text} - {s['label']}",
                numeric=True,
                value_labels=coded_labels,
                labelled=True,
                text=lambda v, sid=s["id"]: (
                    labels.get(v[sid], v[sid])
                    if isinstance(v, dict) and sid in v
                    else None
                ),
                code=lambda v, sid=s["id"]: (
                    codes.get(v[sid]) if isinstance(v, dict) and sid in v else None
                ),
                question_id=qid,
            )
            for n, s in enumerate(question.get("statements", []), start=1)
        ]
    if kind in (engine.SINGLE_CHOICE, engine.DROPDOWN):
        return [
            Column(
                header=text,
                name=base,
                label=text,
                numeric=True,
                value_labels=coded_labels,
                labelled=True,
                text=lambda v: None if v in (None, "") else labels.get(v, str(v)),
                code=lambda v: None if v in (None, "") else codes.get(v),
                question_id=qid,
            )
        ]
    if kind == qtypes.RANKING:
        # Qualtrics' layout: a column per item holding the rank it was given.
        return [
            Column(
                header=f"{text} - {c['label']}",
                name=f"{base}_{n}",
                label=f"{text} - {c['label']}",
                numeric=True,
                text=lambda v, cid=c["id"]: rank_of(v, cid),
                code=lambda v, cid=c["id"]: rank_of(v, cid),
                question_id=qid,
            )
            for n, c in enumerate(choices, start=1)
        ]
    if kind == qtypes.DATE:
        return [
            Column(
                header=text,
                name=base,
                label=text,
                kind="date",
                text=date_or_none,
                code=date_or_none,
                question_id=qid,
            )
        ]
    if kind in (engine.NUMBER, engine.RATING, qtypes.NPS):
        return [
            Column(
                header=text,
                name=base,
                label=text,
                numeric=True,
                text=number_or_none,
                code=number_or_none,
                question_id=qid,
            )
        ]
    return [
        Column(
            header=text,
            name=base,
            label=text,
            text=lambda v, q=question: None if v in (None, "") else answer_text(q, v),
            code=lambda v, q=question: None if v in (None, "") else answer_text(q, v),
            question_id=qid,
        )
    ]


def _other_column(question: dict, number: int) -> Column:
    """The text typed in a choice question's "Other" (Qualtrics' QN_TEXT)."""
    choice = qtypes.other_choice(question)
    header = f"{question['text']} - {choice['label']} - Text"
    return Column(
        header=header,
        name=f"Q{number}_TEXT",
        label=header,
        text=text_or_none,
        code=text_or_none,
        question_id=qtypes.other_key(question["id"]),
    )


def _carries_identity(survey: Survey) -> bool:
    """An anonymous survey's export names nobody, whatever a response still holds."""
    return not survey.anonymous_responses


def _metadata_columns(survey: Survey) -> list[Column]:
    """Qualtrics' metadata, then who answered unless the survey is anonymous."""
    columns = [
        Column("Response ID", "ResponseId", "Response ID"),
        Column("Start Date", "StartDate", "Start Date", kind="datetime"),
        Column("End Date", "EndDate", "End Date", kind="datetime"),
        Column(
            "Duration (in seconds)",
            "Duration",
            "Duration (in seconds)",
            numeric=True,
        ),
        Column(
            "Finished",
            "Finished",
            "Finished",
            numeric=True,
            value_labels={1: "True", 0: "False"},
            labelled=True,
        ),
        # Qualtrics' Q_TerminateFlag, as a yes/no: Finished is True for a response
        # that reached an end of the survey, a screen-out's end included (as in
        # Qualtrics); this tells those apart. docs/architecture.md, "Exports".
        Column(
            "Screened Out",
            "ScreenedOut",
            "Screened Out",
            numeric=True,
            value_labels={1: "True", 0: "False"},
            labelled=True,
        ),
        # Qualtrics' UserLanguage: the language of the last page submitted.
        Column("Language", "UserLanguage", "Language"),
    ]
    if _carries_identity(survey):
        columns += [
            Column("Last Name", "RecipientLastName", "Last Name"),
            Column("First Name", "RecipientFirstName", "First Name"),
            Column("Email", "RecipientEmail", "Email"),
            Column(
                "External Data Reference", "ExternalReference", "External Reference"
            ),
        ]
    return columns


def _embedded_keys(survey: Survey) -> list[str]:
    """Return the survey's declared embedded fields (a column even before any response
    has it), then the other keys found on its responses, first seen first; none for
    an anonymous survey (embedded data may identify)."""
    if not _carries_identity(survey):
        return []
    declared = list(survey.embedded_fields)
    return declared + [key for key in _found_keys(survey) if key not in declared]


def _found_keys(survey: Survey) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT key FROM {Response._meta.db_table} r,"
            " jsonb_object_keys(r.embedded_data) key"
            " WHERE r.survey_id = %s AND r.started_at IS NOT NULL"
            " AND jsonb_typeof(r.embedded_data) = 'object'"
            " GROUP BY key ORDER BY MIN(r.id), key",
            [survey.pk],
        )
        return [row[0] for row in cursor.fetchall()]


def export_columns(*, survey: Survey) -> tuple[list[Column], list[str], int]:
    """Return (columns, embedded keys, number of metadata columns)."""
    metadata = _metadata_columns(survey)
    keys = _embedded_keys(survey)
    embedded = [Column(key, key, key) for key in keys]
    questions = []
    for number, question in enumerate(question_catalogue(survey=survey), start=1):
        questions.extend(_question_columns(question, number))
        if qtypes.other_choice(question):
            questions.append(_other_column(question, number))
    columns = metadata + embedded + questions
    for column, name in zip(
        columns, spss_names([c.name for c in columns]), strict=True
    ):
        column.name = name
    return columns, keys, len(metadata)


def export_count(*, survey: Survey, filters: ResponseFilter | None = None) -> int:
    responses = Response.objects.filter(survey=survey, started_at__isnull=False)
    return (filters or ResponseFilter()).apply(responses).count()


def export_table(
    *,
    survey: Survey,
    owner,
    coded: bool = False,
    filters: ResponseFilter | None = None,
    batch_size: int = 1000,
) -> ExportTable:
    """Return the export's columns and typed rows, dates in the owner's zone.

    `filters`: the Responses page's filter (surveys.response_filters), the same SQL
    the Summary counts with; the columns stay the survey's whatever it selects.
    """
    filters = filters or ResponseFilter()
    where, where_params = filters.sql("r")
    columns, keys, n_metadata = export_columns(survey=survey)
    zone = owner_time_zone(owner)
    identity = _carries_identity(survey)
    # (the answers object's key, as JSON has it, and the cell function)
    cells = [
        (str(c.question_id), c.code if coded else c.text)
        for c in columns
        if c.question_id is not None
    ]
    response_table = Response._meta.db_table
    answer_table = Answer._meta.db_table
    # One row per response with its answers folded into one JSON object: one decode
    # per response rather than one per answer. json_object_agg, not jsonb's: it
    # only concatenates the stored values (no re-parse, no key sort), about a third
    # less database time at 100,000 responses; keys are unique (one answer per
    # question), so json.loads reads the same object.
    sql = (
        f"SELECT r.id, r.public_id, r.started_at, r.finished_at, r.screened_out,"
        f" r.language, r.last_name,"
        f" r.first_name, r.email, r.external_reference, r.embedded_data::text,"
        f" (SELECT json_object_agg(a.question_id, a.value) FROM {answer_table} a"
        f"  WHERE a.response_id = r.id)::text"
        f" FROM {response_table} r"
        f" WHERE r.survey_id = %s AND r.started_at IS NOT NULL AND r.id > %s{where}"
        f" ORDER BY r.id LIMIT %s"
    )

    def rows() -> Iterator[list]:
        # Keyset batches (constant memory), the next read while this one is written.
        for batch in keyset_batches(
            sql,
            lambda last_id: [survey.pk, last_id, *where_params, batch_size],
            batch_size=batch_size,
        ):
            for (
                _,
                public_id,
                started,
                finished,
                screened,
                language,
                last_name,
                first_name,
                email,
                reference,
                data_text,
                answers_text,
            ) in batch:
                if identity:
                    started = started.astimezone(zone)
                    finished = finished.astimezone(zone) if finished else None
                    duration = (
                        round((finished - started).total_seconds())
                        if finished
                        else None
                    )
                else:
                    # An anonymous response keeps dates only (midnight UTC): no
                    # time of day to match against the history's finish times.
                    started = started.astimezone(datetime.UTC).date()
                    finished = (
                        finished.astimezone(datetime.UTC).date() if finished else None
                    )
                    duration = None
                row = [
                    public_id,
                    started,
                    finished,
                    duration,
                    (1 if finished else 0)
                    if coded
                    else ("True" if finished else "False"),
                    (1 if screened else 0)
                    if coded
                    else ("True" if screened else "False"),
                    language or None,
                ]
                if identity:
                    row += [last_name, first_name, email, reference]
                if keys:
                    data = json.loads(data_text) if data_text else {}
                    if not isinstance(data, dict):
                        data = {}
                    row += [embedded_cell(data.get(key)) for key in keys]
                get = (json.loads(answers_text) if answers_text else {}).get
                row += [cell(get(key)) for key, cell in cells]
                yield row

    return ExportTable(
        columns=columns,
        rows=rows(),
        total=export_count(survey=survey, filters=filters),
    )
