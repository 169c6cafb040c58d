"""The survey definition and how one page of it is shown and read back.

A definition is the JSON snapshot Publish stores in SurveyVersion.definition:

    {"title", "introduction", "thank_you_message",
     "pages": [{"questions": [{"id", "kind", "text", "help_text", "required",
                               "choices", "statements", "min_value", "max_value"}]}]}

Nothing here touches the database: the builder's Preview and the respondent pages
share these functions, and only the respondent pages save what they return.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from respondent_ui import texts
from surveys import qtypes

SINGLE_CHOICE = "single_choice"
MULTIPLE_CHOICE = "multiple_choice"
DROPDOWN = "dropdown"
SHORT_TEXT = "short_text"
LONG_TEXT = "long_text"
NUMBER = "number"
EMAIL = "email"
RATING = "rating"
MATRIX = "matrix"

CHOICE_KINDS = {SINGLE_CHOICE, MULTIPLE_CHOICE, DROPDOWN}
# Kinds answered through several inputs: a fieldset + legend names the group.
GROUPED_KINDS = {SINGLE_CHOICE, MULTIPLE_CHOICE, RATING, MATRIX}
TEXT_LIMITS = {SHORT_TEXT: 1000, LONG_TEXT: 20000, EMAIL: 254, NUMBER: 40}

REQUIRED_MESSAGE = texts.REQUIRED
# A number answer has at most this many digits before the decimal point: checked on
# the Decimal's digits and exponent before any arithmetic, since int() of "1e1000000"
# writes out a million digits (issue 14). Doubles hold 15 digits exactly.
NUMBER_MAX_WHOLE_DIGITS = 15


def number_too_large() -> str:
    return texts.number_too_large(NUMBER_MAX_WHOLE_DIGITS)


def pages_of(definition: dict) -> list[dict]:
    """Return the definition's pages; a survey without questions has one empty page."""
    return definition.get("pages") or [{"questions": []}]


def questions_of(definition: dict) -> list[dict]:
    return [q for page in pages_of(definition) for q in page["questions"]]


def field_name(question: dict) -> str:
    return f"q{question['id']}"


def rating_points(question: dict) -> list[int]:
    low = question.get("min_value")
    high = question.get("max_value")
    low = 1 if low is None else low
    high = 5 if high is None else high
    return list(range(low, high + 1)) if high >= low else [low]


def is_answered(question: dict, value) -> bool:
    if question["kind"] in qtypes.NO_ANSWER_KINDS:
        return True
    if value is None or value == "" or value == [] or value == {}:
        return False
    if question["kind"] == MATRIX and question.get("required"):
        return all(s["id"] in value for s in question.get("statements", []))
    return True


@dataclass
class ParsedPage:
    """What a respondent posted for one page.

    `display` keeps the text as typed (so a refused "12x" is shown again),
    `values` the converted answers that passed validation, keyed by question id.
    """

    display: dict = field(default_factory=dict)
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    blank: list = field(default_factory=list)


def parse_page(page: dict, data) -> ParsedPage:
    """Read and validate one page's answers from a QueryDict."""
    parsed = ParsedPage()
    for question in page["questions"]:
        qid = question["id"]
        name = field_name(question)
        kind = question["kind"]
        if kind in qtypes.NO_ANSWER_KINDS:
            continue
        if kind in qtypes.OTHER_KINDS:
            qtypes.parse_other(parsed, question, data, name)
        if kind == MULTIPLE_CHOICE:
            raw = [v for v in data.getlist(name) if v]
        elif kind == MATRIX:
            raw = {}
            for statement in question.get("statements", []):
                picked = data.get(f"{name}_{statement['id']}", "")
                if picked:
                    raw[statement["id"]] = picked
        elif kind in qtypes.KINDS:
            raw = qtypes.read_raw(question, data, name)
        else:
            raw = data.get(name, "").strip()
        parsed.display[qid] = raw
        try:
            value = _convert(question, raw)
        except ValidationError as error:
            parsed.errors[qid] = error.messages[0]
            continue
        if not is_answered(question, value):
            if question.get("required"):
                parsed.errors[qid] = (
                    texts.EVERY_STATEMENT
                    if kind == MATRIX and value
                    else REQUIRED_MESSAGE
                )
                if kind == MATRIX and value:
                    parsed.values[qid] = value
            else:
                parsed.blank.append(qid)
            continue
        parsed.values[qid] = value
    return parsed


def _convert(question: dict, raw):
    kind = question["kind"]
    if kind in qtypes.KINDS:
        return qtypes.convert(question, raw)
    choice_ids = {c["id"] for c in question.get("choices", [])}
    if kind in (SINGLE_CHOICE, DROPDOWN):
        if raw and raw not in choice_ids:
            raise ValidationError(texts.CHOOSE_ONE)
        return raw
    if kind == MULTIPLE_CHOICE:
        if any(v not in choice_ids for v in raw):
            raise ValidationError(texts.CHOOSE_AMONG)
        # Keep the choices' order, whatever order the browser sent them in.
        return [c["id"] for c in question.get("choices", []) if c["id"] in raw]
    if kind == MATRIX:
        if any(v not in choice_ids for v in raw.values()):
            raise ValidationError(texts.CHOOSE_PER_STATEMENT)
        return raw
    if len(raw) > TEXT_LIMITS.get(kind, 1000):
        raise ValidationError(texts.answer_under(TEXT_LIMITS.get(kind, 1000)))
    if not raw:
        return ""
    if kind == EMAIL:
        try:
            validate_email(raw)
        except ValidationError:
            raise ValidationError(texts.EMAIL_LIKE) from None
        return raw
    if kind == NUMBER:
        return _number(raw, question.get("min_value"), question.get("max_value"))
    if kind == RATING:
        points = rating_points(question)
        try:
            number = int(raw)
        except ValueError:
            raise ValidationError(texts.SCALE_POINT) from None
        if number not in points:
            raise ValidationError(texts.SCALE_POINT)
        return number
    return raw


def _number(raw: str, low, high):
    try:
        number = Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise ValidationError(texts.NUMBER_LIKE) from None
    if not number.is_finite():
        raise ValidationError(texts.NUMBER_LIKE)
    if number.is_zero():
        # "0e1000000" is zero: no arithmetic on its exponent.
        number = Decimal(0)
    elif number.adjusted() >= NUMBER_MAX_WHOLE_DIGITS:
        raise ValidationError(number_too_large())
    if low is not None and high is not None and not low <= number <= high:
        raise ValidationError(texts.number_between(low, high))
    if low is not None and number < low:
        raise ValidationError(texts.number_at_least(low))
    if high is not None and number > high:
        raise ValidationError(texts.number_at_most(high))
    return int(number) if number == number.to_integral_value() else float(number)


def display_value(question: dict, value):
    """Return a stored answer as the form shows it."""
    if question["kind"] in qtypes.KINDS:
        return qtypes.display_value(question, value)
    if value is None:
        return [] if question["kind"] == MULTIPLE_CHOICE else ""
    if question["kind"] in (NUMBER, RATING):
        return str(value)
    return value


def question_views(page: dict, display: dict, errors: dict) -> list[dict]:
    """Return what the page template needs for each question, with values filled."""
    views = []
    for number, question in enumerate(page["questions"], start=1):
        qid = question["id"]
        name = field_name(question)
        kind = question["kind"]
        value = display.get(qid)
        if value is None:
            value = display_value(question, None)
        view = {
            "id": qid,
            "number": number,
            "kind": kind,
            "text": question["text"],
            "help_text": question.get("help_text", ""),
            "required": question.get("required", False),
            "name": name,
            "dom_id": f"question-{qid}",
            "error": errors.get(qid, ""),
            "grouped": kind in GROUPED_KINDS,
            "value": value if isinstance(value, str) else "",
            "min_value": question.get("min_value"),
            "max_value": question.get("max_value"),
        }
        if kind in CHOICE_KINDS:
            picked = set(value) if isinstance(value, list) else {value}
            view["options"] = [
                {
                    "value": c["id"],
                    "label": c["label"],
                    "checked": c["id"] in picked,
                    "dom_id": f"{name}-{c['id']}",
                }
                for c in question.get("choices", [])
            ]
        elif kind == RATING:
            view["options"] = [
                {
                    "value": str(point),
                    "label": str(point),
                    "checked": str(point) == value,
                    "dom_id": f"{name}-{point}",
                }
                for point in rating_points(question)
            ]
        elif kind == MATRIX:
            picked = value if isinstance(value, dict) else {}
            view["rows"] = [
                {
                    "label": s["label"],
                    "name": f"{name}_{s['id']}",
                    "dom_id": f"{name}_{s['id']}",
                    "options": [
                        {
                            "value": c["id"],
                            "label": c["label"],
                            "checked": picked.get(s["id"]) == c["id"],
                            "dom_id": f"{name}_{s['id']}-{c['id']}",
                        }
                        for c in question.get("choices", [])
                    ],
                }
                for s in question.get("statements", [])
            ]
        qtypes.extend_view(view, question, value, display)
        views.append(view)
    return views


def answer_keys(questions: list[dict]) -> list[int]:
    """Return the Answer question_ids a page's answers are stored under."""
    keys = [q["id"] for q in questions]
    keys += [qtypes.other_key(q["id"]) for q in questions if qtypes.other_choice(q)]
    return keys


def display_values(questions: list[dict], saved: dict) -> dict:
    """Return saved answers ({Answer question_id: value}) as the page shows them."""
    by_id = {q["id"]: q for q in questions}
    return {
        key: display_value(by_id[key], value) if key in by_id else value
        for key, value in saved.items()
        if abs(key) in by_id
    }


def first_missing_page(definition: dict, answers: dict) -> int | None:
    """Return the index of the first page with an unanswered required question."""
    for index, page in enumerate(pages_of(definition)):
        for question in page["questions"]:
            if question.get("required") and not is_answered(
                question, answers.get(question["id"])
            ):
                return index
    return None
