"""Piped text on survey pages: question text, choices, introductions, messages.

The parser is core.piping's, the one emails use; surveys read contact and embedded
data (`${m://...}`, `${e://Field/NAME}`) and earlier answers
(`${q://QID/ChoiceGroup/SelectedChoices}`, `${q://QID/ChoiceTextEntryValue}`).
The result is plain text: every page escapes it where it is written (the
widgets, the templates' autoescape), so a piped value can never add markup. A field
the respondent does not have, and any placeholder the parser refuses, render empty;
the builder lists the refused ones (`piping_problems`).
"""

from core.piping import SURVEY_KINDS, SURVEY_PLACEHOLDERS, Piece, contact_value, parse
from surveys.logic import Facts, answer_texts

PICKER = (
    ("First name", "${m://FirstName}"),
    ("Last name", "${m://LastName}"),
    ("Email", "${m://Email}"),
)


def pipe(source: str, facts: Facts, index: dict) -> str:
    """Return source with its placeholders replaced (plain text, not escaped)."""
    if not source or "${" not in source:
        return source
    segments, _ = parse(source, SURVEY_KINDS, SURVEY_PLACEHOLDERS)
    out = []
    for segment in segments:
        if isinstance(segment, str):
            out.append(segment)
        elif segment.kind in ("contact", "field"):
            out.append(contact_value(segment, facts.contact))
        else:
            qid = int(segment.arg)
            out.append(", ".join(answer_texts(index.get(qid), facts.answers.get(qid))))
    return "".join(out)


def pipe_views(views: list[dict], facts: Facts, index: dict) -> None:
    """Pipe the texts of engine.question_views' dicts in place."""
    for view in views:
        view["text"] = pipe(view["text"], facts, index)
        view["help_text"] = pipe(view["help_text"], facts, index)
        for option in view.get("options", ()):
            option["label"] = pipe(option["label"], facts, index)
        for row in view.get("rows", ()):
            row["label"] = pipe(row["label"], facts, index)
            for option in row.get("options", ()):
                option["label"] = pipe(option["label"], facts, index)


def piped_questions(source: str) -> set[int]:
    """The question ids a text pipes answers from."""
    segments, _ = parse(source, SURVEY_KINDS, SURVEY_PLACEHOLDERS)
    return {
        int(s.arg)
        for s in segments
        if isinstance(s, Piece) and s.kind in ("choices", "text_entry")
    }


def piping_problems(source: str) -> tuple[str, ...]:
    """What the parser refuses in a text, quoting it as typed."""
    if not source or "${" not in source:
        return ()
    return parse(source, SURVEY_KINDS, SURVEY_PLACEHOLDERS)[1]


def picker_entries(*, embedded_fields, questions) -> list[tuple[str, str]]:
    """(label, placeholder) pairs the builder's picker inserts."""
    entries = list(PICKER)
    entries += [
        (f"Field: {name}", f"${{e://Field/{name}}}") for name in embedded_fields
    ]
    for number, question in questions:
        what = (
            "ChoiceGroup/SelectedChoices"
            if question.choices
            else "ChoiceTextEntryValue"
        )
        entries.append((f"Q{number} answer", f"${{q://QID{question.pk}/{what}}}"))
    return entries
