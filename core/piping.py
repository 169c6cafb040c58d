"""Qualtrics piped text: the one parser, shared by emails and survey pages.

    ${l://SurveyURL}  ${l://SurveyLink?d=Text}  ${l://OptOutLink?d=Text}   (emails)
    ${m://FirstName} ${m://LastName} ${m://Email} ${m://ExternalDataReference}
    ${e://Field/NAME}                          the embedded data field NAME
    ${q://QID/ChoiceGroup/SelectedChoices}     an earlier answer's choice labels
    ${q://QID/ChoiceTextEntryValue}            an earlier answer as typed

Each caller says which kinds its text may use (`EMAIL_KINDS`, `SURVEY_KINDS`); any
other placeholder is a problem named in words. A source is parsed once (cached)
into literal strings and `Piece`s; the caller renders the pieces. QID is the
question's id, written `QID12` as in Qualtrics or plain `12`.
"""

import functools
import re
from dataclasses import dataclass
from urllib.parse import unquote

from core.text import multiline, one_line

# `${...}` on one line.
PLACEHOLDER = re.compile(r"\$\{([^}\n]*)\}")
CONTACT_FIELDS = {
    "FirstName": "first_name",
    "LastName": "last_name",
    "Email": "email",
    "ExternalDataReference": "external_reference",
}
DEFAULT_SURVEY_LINK_TEXT = "Take the survey"
DEFAULT_OPT_OUT_TEXT = "Click here to unsubscribe"
EMAIL_KINDS = frozenset({"survey_url", "survey_link", "opt_out", "contact", "field"})
SURVEY_KINDS = frozenset({"contact", "field", "choices", "text_entry"})
EMAIL_PLACEHOLDERS = (
    "${l://SurveyURL}",
    "${l://SurveyLink?d=...}",
    "${l://OptOutLink?d=...}",
    "${m://FirstName}",
    "${m://LastName}",
    "${m://Email}",
    "${m://ExternalDataReference}",
    "${e://Field/NAME}",
)
SURVEY_PLACEHOLDERS = (
    "${m://FirstName}",
    "${m://LastName}",
    "${m://Email}",
    "${m://ExternalDataReference}",
    "${e://Field/NAME}",
    "${q://QID/ChoiceGroup/SelectedChoices}",
    "${q://QID/ChoiceTextEntryValue}",
)
_QID = re.compile(r"(?:QID)?([0-9]{1,18})")


@dataclass(frozen=True)
class Piece:
    """A parsed placeholder.

    kind: survey_url, survey_link, opt_out (arg: the link text), contact (arg: the
    Response/Invitation attribute), field (arg: the embedded field name), choices or
    text_entry (arg: the question id, as a string).
    """

    kind: str
    arg: str = ""


class _Unknown(Exception):
    pass


def _parse_placeholder(inner: str) -> Piece:
    scheme, sep, rest = inner.partition("://")
    if not sep:
        raise _Unknown
    if scheme == "l":
        name, _, query = rest.partition("?")
        text = ""
        if query:
            key, eq, value = query.partition("=")
            if key != "d" or not eq:
                raise _Unknown
            # Qualtrics writes the text URL-encoded (d=Take%20the%20survey).
            text = unquote(value).strip()
        if name == "SurveyURL" and not query:
            return Piece("survey_url")
        if name == "SurveyLink":
            return Piece("survey_link", text or DEFAULT_SURVEY_LINK_TEXT)
        if name == "OptOutLink":
            return Piece("opt_out", text or DEFAULT_OPT_OUT_TEXT)
        raise _Unknown
    if scheme == "m" and rest in CONTACT_FIELDS:
        return Piece("contact", CONTACT_FIELDS[rest])
    if scheme == "e" and rest.startswith("Field/") and len(rest) > len("Field/"):
        return Piece("field", rest[len("Field/") :])
    if scheme == "q":
        qid, _, what = rest.partition("/")
        match = _QID.fullmatch(qid)
        if match and what == "ChoiceGroup/SelectedChoices":
            return Piece("choices", match.group(1))
        if match and what == "ChoiceTextEntryValue":
            return Piece("text_entry", match.group(1))
    raise _Unknown


@functools.lru_cache(maxsize=1024)
def parse(
    source: str, kinds: frozenset = EMAIL_KINDS, known: tuple = EMAIL_PLACEHOLDERS
) -> tuple[tuple, tuple[str, ...]]:
    """Split source into literal strings and Pieces, plus problems in words.

    Problems are placeholders unknown or of a kind not in `kinds` (left out of the
    segments), and a `${` never closed (kept as literal text).
    """
    segments: list = []
    problems: list[str] = []
    position = 0
    for match in PLACEHOLDER.finditer(source):
        literal = source[position : match.start()]
        if "${" in literal:
            problems.append(_unclosed(literal))
        segments.append(literal)
        try:
            piece = _parse_placeholder(match.group(1))
            if piece.kind not in kinds:
                raise _Unknown
            segments.append(piece)
        except _Unknown:
            problems.append(
                f"Unknown piped text {match.group(0)}. Use one of: "
                + ", ".join(known)
                + "."
            )
        position = match.end()
    tail = source[position:]
    if "${" in tail:
        problems.append(_unclosed(tail))
    segments.append(tail)
    return tuple(s for s in segments if s != ""), tuple(problems)


def _unclosed(literal: str) -> str:
    start = literal.index("${")
    fragment = literal[start : start + 30].splitlines()[0]
    return f"Piped text {fragment!r} is not closed with }}."


def contact_value(piece: Piece, values: dict) -> str:
    """The text of a contact or field piece for one person's values ("" if none).

    values: first_name, last_name, email, external_reference, embedded_data (dict).
    """
    # Cleaned again here (core.text): rows stored before imports cleaned them, and
    # snapshots of them, must not put a bare CR into a page or the SMTP data.
    if piece.kind == "contact":
        raw = values.get(piece.arg)
        return "" if raw is None else one_line(str(raw))
    raw = (values.get("embedded_data") or {}).get(piece.arg)
    return "" if raw is None else multiline(str(raw))
