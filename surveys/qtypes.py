"""The question types added to the engine's nine, and the text-entry "Other" choice.

Kept beside surveys/engine.py rather than in it: the engine calls in here through a
few hooks (parse, convert, the page view, the stored value shown again), so each
type's reading, checking and showing sits in one place.

- descriptive: text shown to respondents; no answer, never required.
- nps: Net Promoter, 0 to 10; the value is the number.
- date: a calendar date; the value is "YYYY-MM-DD".
- ranking: the choices put in order; the value is the choice ids, first = rank 1.
- "Other" on single choice, multiple choice and dropdown: a choice marked
  {"other": true} shows a text box. Its text is stored as an answer of its own
  under the question's id negated (other_key), so the choice answer keeps its
  shape (an id or a list of ids) for everyone who reads it.
"""

from datetime import date

from django.core.exceptions import ValidationError

from respondent_ui import texts

DESCRIPTIVE = "descriptive"
NPS = "nps"
DATE = "date"
RANKING = "ranking"
KINDS = {DESCRIPTIVE, NPS, DATE, RANKING}
# Kinds with no answer: no input, no column, no summary.
NO_ANSWER_KINDS = {DESCRIPTIVE}
OTHER_KINDS = {"single_choice", "multiple_choice", "dropdown"}
OTHER_LIMIT = 1000
NPS_POINTS = list(range(0, 11))
NPS_LOW_LABEL = texts.NPS_LOW
NPS_HIGH_LABEL = texts.NPS_HIGH


def other_key(question_id: int) -> int:
    """The Answer.question_id that holds a question's "Other" text."""
    return -question_id


def other_choice(question: dict) -> dict | None:
    return next((c for c in question.get("choices", []) if c.get("other")), None)


# --- reading a posted page --------------------------------------------------------


def read_raw(question: dict, data, name: str):
    """Return what was posted for a question of one of these kinds, as typed."""
    if question["kind"] == RANKING:
        return {
            c["id"]: data.get(f"{name}_{c['id']}", "").strip()
            for c in question.get("choices", [])
            if data.get(f"{name}_{c['id']}", "").strip()
        }
    return data.get(name, "").strip()


def convert(question: dict, raw):
    """Return the value to store, or raise ValidationError in plain words."""
    kind = question["kind"]
    if kind == NPS:
        if raw == "":
            return ""
        try:
            number = int(raw)
        except ValueError:
            raise ValidationError(texts.NPS_NUMBER) from None
        if number not in NPS_POINTS:
            raise ValidationError(texts.NPS_NUMBER)
        return number
    if kind == DATE:
        if raw == "":
            return ""
        try:
            return date.fromisoformat(_iso(raw)).isoformat()
        except ValueError:
            raise ValidationError(texts.DATE_LIKE) from None
    if kind == RANKING:
        return _ranking(question, raw)
    return raw


def _iso(raw: str) -> str:
    """Accept 2026-03-31 (what date inputs send) and 31/03/2026 as typed."""
    parts = raw.replace(".", "/").split("/")
    if len(parts) == 3 and len(parts[2]) == 4:
        day, month, year = parts
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return raw


def _ranking(question: dict, raw: dict) -> list:
    choices = question.get("choices", [])
    if not raw:
        return []
    size = len(choices)
    message = texts.rank_each(size)
    ranks = {}
    for choice_id, text in raw.items():
        try:
            rank = int(text)
        except ValueError:
            raise ValidationError(message) from None
        if not 1 <= rank <= size:
            raise ValidationError(message)
        ranks[choice_id] = rank
    if len(set(ranks.values())) != len(ranks):
        raise ValidationError(message)
    if len(ranks) != size:
        raise ValidationError(texts.RANK_EVERY)
    return sorted(ranks, key=ranks.get)


def parse_other(parsed, question: dict, data, name: str) -> None:
    """Read the "Other" text box of a choice question into the parsed page."""
    choice = other_choice(question)
    if choice is None:
        return
    key = other_key(question["id"])
    text = data.get(f"{name}_other", "").strip()
    picked = (
        choice["id"] in data.getlist(name)
        if question["kind"] == "multiple_choice"
        else data.get(name, "") == choice["id"]
    )
    parsed.display[key] = text
    if len(text) > OTHER_LIMIT:
        parsed.errors[question["id"]] = texts.answer_under(OTHER_LIMIT)
    elif picked and not text:
        parsed.errors[question["id"]] = texts.other_missing(choice["label"])
    elif picked:
        parsed.values[key] = text
        return
    parsed.blank.append(key)


# --- showing a page ---------------------------------------------------------------


def display_value(question: dict, value):
    if value is None:
        return {} if question["kind"] == RANKING else ""
    if question["kind"] == RANKING:
        return {choice_id: str(n) for n, choice_id in enumerate(value, start=1)}
    return str(value)


def extend_view(view: dict, question: dict, value, display: dict) -> None:
    """Add what the widget of these kinds (and an "Other" box) needs to the view."""
    kind = question["kind"]
    name = view["name"]
    if kind == NPS:
        view["grouped"] = True
        view["low_label"], view["high_label"] = NPS_LOW_LABEL, NPS_HIGH_LABEL
        view["options"] = [
            {
                "value": str(point),
                "label": str(point),
                "checked": str(point) == value,
                "dom_id": f"{name}-{point}",
            }
            for point in NPS_POINTS
        ]
    elif kind == RANKING:
        view["grouped"] = True
        given = value if isinstance(value, dict) else {}
        size = len(question.get("choices", []))
        view["rows"] = [
            {
                "label": c["label"],
                "name": f"{name}_{c['id']}",
                "dom_id": f"{name}_{c['id']}",
                "ranks": [
                    {"value": str(n), "selected": given.get(c["id"]) == str(n)}
                    for n in range(1, size + 1)
                ],
            }
            for c in question.get("choices", [])
        ]
    elif kind == DESCRIPTIVE:
        view["grouped"] = False
        view["required"] = False
    choice = other_choice(question) if kind in OTHER_KINDS else None
    if choice is not None:
        view["other"] = {
            "choice": choice["id"],
            "name": f"{name}_other",
            "dom_id": f"{name}_other",
            "label": texts.other_label(choice["label"]),
            "value": display.get(other_key(question["id"]), ""),
        }
