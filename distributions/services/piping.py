"""Qualtrics piped text in email subjects and bodies.

Owners paste messages written for Qualtrics, so the same syntax works here:

    ${l://SurveyURL}                      the personal link, as a bare URL
    ${l://SurveyLink?d=Take the survey}   the personal link, as a link with that text
    ${l://OptOutLink?d=Unsubscribe}       the opt-out link, as a link with that text
    ${m://FirstName} ${m://LastName} ${m://Email} ${m://ExternalDataReference}
    ${e://Field/NAME}                     the contact's embedded data field NAME

A message is parsed once into segments (cached), then rendered per recipient into
a text part and an HTML part from the same segments: contact values are escaped in
HTML, links become <a> elements, and the subject is forced onto one line so no value
can add a header.
"""

import functools
import html
import re
from dataclasses import dataclass
from urllib.parse import unquote

from django.template.loader import render_to_string

from core.text import multiline, one_line

# `${...}` on one line; the inside is parsed by _parse_placeholder.
PLACEHOLDER = re.compile(r"\$\{([^}\n]*)\}")
CONTACT_FIELDS = {
    "FirstName": "first_name",
    "LastName": "last_name",
    "Email": "email",
    "ExternalDataReference": "external_reference",
}
DEFAULT_SURVEY_LINK_TEXT = "Take the survey"
DEFAULT_OPT_OUT_TEXT = "Click here to unsubscribe"
SURVEY_LINK_HELP = "${l://SurveyURL} or ${l://SurveyLink?d=Take the survey}"
KNOWN_PLACEHOLDERS = (
    "${l://SurveyURL}",
    "${l://SurveyLink?d=...}",
    "${l://OptOutLink?d=...}",
    "${m://FirstName}",
    "${m://LastName}",
    "${m://Email}",
    "${m://ExternalDataReference}",
    "${e://Field/NAME}",
)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class _Piece:
    """A parsed placeholder: kind is survey_url, survey_link, opt_out, contact, field."""

    kind: str
    arg: str = ""


class _Unknown(Exception):
    pass


def _parse_placeholder(inner: str) -> _Piece:
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
            return _Piece("survey_url")
        if name == "SurveyLink":
            return _Piece("survey_link", text or DEFAULT_SURVEY_LINK_TEXT)
        if name == "OptOutLink":
            return _Piece("opt_out", text or DEFAULT_OPT_OUT_TEXT)
        raise _Unknown
    if scheme == "m" and rest in CONTACT_FIELDS:
        return _Piece("contact", CONTACT_FIELDS[rest])
    if scheme == "e" and rest.startswith("Field/") and len(rest) > len("Field/"):
        return _Piece("field", rest[len("Field/") :])
    raise _Unknown


@functools.lru_cache(maxsize=256)
def _parse(source: str) -> tuple[tuple, tuple[str, ...]]:
    """Split source into literal strings and _Piece placeholders, plus problems.

    Problems are unknown placeholders and a `${` never closed.
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
            segments.append(_parse_placeholder(match.group(1)))
        except _Unknown:
            problems.append(
                f"Unknown piped text {match.group(0)}. Use one of: "
                + ", ".join(KNOWN_PLACEHOLDERS)
                + "."
            )
        position = match.end()
    tail = source[position:]
    if "${" in tail:
        problems.append(_unclosed(tail))
    segments.append(tail)
    return tuple(s for s in segments if s != ""), tuple(problems)


def _compile(source: str) -> tuple:
    segments, problems = _parse(source)
    if problems:
        raise ValueError("; ".join(problems))
    return segments


def _unclosed(literal: str) -> str:
    start = literal.index("${")
    fragment = literal[start : start + 30].splitlines()[0]
    return f"Piped text {fragment!r} is not closed with }}."


def message_errors(
    *,
    subject: str,
    body: str,
    embedded_fields: list[str],
    require_survey_link: bool = True,
) -> list[str]:
    """Return what is wrong with a message, in words an owner can act on.

    An empty list means it can be sent: every placeholder is known, every
    embedded-data field exists in the list, and (unless require_survey_link is
    False, e.g. a thank-you) the body carries the survey link.
    """
    errors = []
    known_fields = set(embedded_fields)
    has_survey_link = False
    for label, source in (("Subject", subject), ("Message", body)):
        segments, problems = _parse(source)
        errors.extend(f"{label}: {problem}" for problem in problems)
        for piece in segments:
            if not isinstance(piece, _Piece):
                continue
            if piece.kind == "field" and piece.arg not in known_fields:
                available = ", ".join(embedded_fields) or "none"
                errors.append(
                    f"{label}: the embedded data field {piece.arg!r} is not in "
                    f"this list (fields: {available})."
                )
            if label == "Message" and piece.kind in ("survey_url", "survey_link"):
                has_survey_link = True
    if require_survey_link and not has_survey_link:
        errors.append(f"Message: there is no survey link. Insert {SURVEY_LINK_HELP}.")
    return errors


def _value(piece: _Piece, values: dict) -> str:
    # Cleaned again here (core.text): rows stored before the import cleaned them,
    # and snapshots of them, must not put a bare CR into the SMTP data either.
    if piece.kind == "contact":
        raw = values.get(piece.arg)
        return "" if raw is None else one_line(str(raw))
    raw = (values.get("embedded_data") or {}).get(piece.arg)
    return "" if raw is None else multiline(str(raw))


def _text(segments: tuple, values: dict, survey_url: str, opt_out_url: str) -> str:
    out = []
    for segment in segments:
        if isinstance(segment, str):
            out.append(segment)
        elif segment.kind == "survey_url":
            out.append(survey_url)
        elif segment.kind == "survey_link":
            out.append(f"{segment.arg} <{survey_url}>")
        elif segment.kind == "opt_out":
            out.append(f"{segment.arg} <{opt_out_url}>")
        else:
            out.append(_value(segment, values))
    return "".join(out)


def _html(segments: tuple, values: dict, survey_url: str, opt_out_url: str) -> str:
    out = []
    for segment in segments:
        if isinstance(segment, str):
            out.append(html.escape(segment))
        elif segment.kind == "survey_url":
            url = html.escape(survey_url)
            out.append(f'<a href="{url}">{url}</a>')
        elif segment.kind in ("survey_link", "opt_out"):
            url = html.escape(
                survey_url if segment.kind == "survey_link" else opt_out_url
            )
            out.append(f'<a href="{url}">{html.escape(segment.arg)}</a>')
        else:
            out.append(html.escape(_value(segment, values)))
    content = "".join(out).replace("\r\n", "\n").strip()
    paragraphs = re.split(r"\n\s*\n", content)
    return "\n".join(
        "<p>" + paragraph.strip().replace("\n", "<br>\n") + "</p>"
        for paragraph in paragraphs
        if paragraph.strip()
    )


@functools.cache
def _html_frame() -> tuple[str, str]:
    """Return the HTML document around the message, rendered once per process."""
    marker = "\x00CONTENT\x00"
    document = render_to_string("emails/distribution-body.html", {"content": marker})
    before, _, after = document.partition(marker)
    return before, after


def single_line(value: str) -> str:
    """Return value on one line: every line break (CR, LF, U+2028...) becomes a space,
    other control characters go."""
    return one_line(value).strip()


def render_message(
    *,
    subject: str,
    body: str,
    invitation_values: dict,
    survey_url: str,
    opt_out_url: str,
) -> RenderedMessage:
    """Render a message for one recipient: subject, text part and HTML part.

    invitation_values holds first_name, last_name, email, external_reference and
    embedded_data (a dict). Raise ValueError for a message message_errors() refuses.
    """
    subject_segments = _compile(subject)
    body_segments = _compile(body)
    before, after = _html_frame()
    return RenderedMessage(
        subject=single_line(
            _text(subject_segments, invitation_values, survey_url, opt_out_url)
        ),
        text=_text(body_segments, invitation_values, survey_url, opt_out_url),
        html=before
        + _html(body_segments, invitation_values, survey_url, opt_out_url)
        + after,
    )
