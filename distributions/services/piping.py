"""Qualtrics piped text in email subjects and bodies.

Owners paste messages written for Qualtrics, so the same syntax works here:

    ${l://SurveyURL}                      the personal link, as a bare URL
    ${l://SurveyLink?d=Take the survey}   the personal link, as a link with that text
    ${l://OptOutLink?d=Unsubscribe}       the opt-out link, as a link with that text
    ${m://FirstName} ${m://LastName} ${m://Email} ${m://ExternalDataReference}
    ${e://Field/NAME}                     the contact's embedded data field NAME

A message is parsed once into segments (cached, by the parser survey pages share:
core.piping), then rendered per recipient into
a text part and an HTML part from the same segments: contact values are escaped in
HTML, links become <a> elements, and the subject is forced onto one line so no value
can add a header.
"""

import functools
import html
import re
from dataclasses import dataclass

from django.template.loader import render_to_string

from core.piping import (
    EMAIL_KINDS,
    EMAIL_PLACEHOLDERS,
    Piece,
    contact_value,
    parse,
)
from core.text import one_line

EMBEDDED_FIELD = re.compile(r"\$\{e://Field/([^}\n]+)\}")
SURVEY_LINK_HELP = "${l://SurveyURL} or ${l://SurveyLink?d=Take the survey}"
KNOWN_PLACEHOLDERS = EMAIL_PLACEHOLDERS


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


def _parse(source: str) -> tuple[tuple, tuple[str, ...]]:
    """The shared parser (core.piping), with the kinds an email may use."""
    return parse(source, EMAIL_KINDS, EMAIL_PLACEHOLDERS)


def _compile(source: str) -> tuple:
    segments, problems = _parse(source)
    if problems:
        raise ValueError("; ".join(problems))
    return segments


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
            if not isinstance(piece, Piece):
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


def embedded_field_names(text: str) -> list[str]:
    """Return the ${e://Field/NAME} names a text uses."""
    return EMBEDDED_FIELD.findall(text)


def _value(piece: Piece, values: dict) -> str:
    return contact_value(piece, values)


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
