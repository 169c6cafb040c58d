"""Display and skip logic, evaluated on the server from what is known of a respondent.

A rule is JSON kept on the draft (Question.display_logic, .skip_logic,
Page.display_logic) and frozen into each SurveyVersion's definition:

    {"join": "and" | "or",
     "conditions": [{"source": "q:<question id>" | "e:<embedded field>"
                               | "m:<contact attribute>",
                     "op": "is" | "is_not" | "contains" | "gt" | "lt"
                           | "answered" | "not_answered",
                     "value": "Physics"}],
     # skip logic only:
     "to": <page index in the definition> | "end",   (the draft keeps the Page id)
     "message": "Screen-out text shown instead of the thank-you"}

An empty rule ({}) always holds for display logic and never fires for skip logic.
Everything here is a pure function of the definition and `Facts`, so a resumed
response (on its own version) walks the same pages it walked before.

The pages a respondent walks, `page_path`: the first visible page, then after each
page either the target of the first skip rule that fires among its visible
questions, or the next visible page, until the end. Conditions may only look at
earlier pages (surveys.services.rules_problems refuses the rest at publish), so the
path never depends on a page not yet answered.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from surveys import engine

OPS = {
    "is": "is",
    "is_not": "is not",
    "contains": "contains",
    "gt": "is greater than",
    "lt": "is less than",
    "answered": "is answered",
    "not_answered": "is not answered",
}
VALUELESS_OPS = {"answered", "not_answered"}
CONTACT_SOURCES = {
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "external_reference": "External data reference",
}
END = "end"


@dataclass
class Facts:
    """What the server knows of one respondent: their contact data and answers."""

    contact: dict = field(default_factory=dict)
    answers: dict = field(default_factory=dict)  # {question id: stored value}
    # Rules already decided on these facts, by the rule's identity: one page view asks
    # about the same rules several times (the path, the page's questions, "is this the
    # last page"). Emptied by answers_replace, the one way answers change.
    decided: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def embedded(self) -> dict:
        return self.contact.get("embedded_data") or {}

    def answers_replace(self, cleared, values: dict) -> None:
        """Drop the answers of `cleared` question ids, then take `values`."""
        for qid in cleared:
            self.answers.pop(qid, None)
        self.answers.update(values)
        self.decided.clear()


def facts_of(response, contact=None, answers=None) -> Facts:
    """Facts from a Response (or, before it exists, from the contact the caller has)."""
    if response is not None:
        contact = {
            "first_name": response.first_name,
            "last_name": response.last_name,
            "email": response.email,
            "external_reference": response.external_reference,
            "embedded_data": response.embedded_data or {},
        }
    return Facts(contact=dict(contact or {}), answers=dict(answers or {}))


def question_index(definition: dict) -> dict:
    return {q["id"]: q for q in engine.questions_of(definition)}


# --- one answer as text -----------------------------------------------------------


def answer_texts(question: dict | None, value) -> list[str]:
    """The answer as the respondent would read it: choice labels, else the value."""
    if value is None or value == "" or value == [] or value == {}:
        return []
    labels = {c["id"]: c["label"] for c in (question or {}).get("choices", [])}
    if isinstance(value, list):
        return [str(labels.get(v, v)) for v in value]
    if isinstance(value, dict):
        return [str(labels.get(v, v)) for v in value.values()]
    return [str(labels.get(value, value))]


def source_texts(source: str, facts: Facts, index: dict) -> list[str]:
    kind, _, key = source.partition(":")
    if kind == "q":
        try:
            qid = int(key)
        except ValueError:
            return []
        return answer_texts(index.get(qid), facts.answers.get(qid))
    if kind == "e":
        raw = facts.embedded.get(key)
    elif kind == "m" and key in CONTACT_SOURCES:
        raw = facts.contact.get(key)
    else:
        return []
    return [] if raw is None or str(raw) == "" else [str(raw)]


def _number(text: str):
    try:
        number = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _same(a: str, b: str) -> bool:
    left, right = _number(a), _number(b)
    if left is not None and right is not None:
        return left == right
    return a.strip().casefold() == b.strip().casefold()


def condition_holds(condition: dict, facts: Facts, index: dict) -> bool:
    texts = source_texts(condition.get("source", ""), facts, index)
    op = condition.get("op")
    value = str(condition.get("value", ""))
    if op == "answered":
        return bool(texts)
    if op == "not_answered":
        return not texts
    if op == "is":
        return any(_same(text, value) for text in texts)
    if op == "is_not":
        return not any(_same(text, value) for text in texts)
    if op == "contains":
        needle = value.strip().casefold()
        return any(needle in text.casefold() for text in texts)
    if op in ("gt", "lt"):
        limit = _number(value)
        numbers = [n for n in map(_number, texts) if n is not None]
        if limit is None or not numbers:
            return False
        return any(n > limit if op == "gt" else n < limit for n in numbers)
    return False


def rule_holds(rule: dict | None, facts: Facts, index: dict, *, empty=True) -> bool:
    conditions = (rule or {}).get("conditions") or []
    if not conditions:
        return empty
    # Keyed by id() with the rule kept beside its answer: a rule dict that died and
    # left its id to another is never taken for it.
    seen = facts.decided.get(id(rule))
    if seen is not None and seen[0] is rule:
        return seen[1]
    results = (condition_holds(c, facts, index) for c in conditions)
    holds = any(results) if rule.get("join") == "or" else all(results)
    facts.decided[id(rule)] = (rule, holds)
    return holds


# --- pages and questions ----------------------------------------------------------


def visible_questions(page: dict, facts: Facts, index: dict) -> list[dict]:
    return [
        q for q in page["questions"] if rule_holds(q.get("display_logic"), facts, index)
    ]


def page_visible(page: dict, facts: Facts, index: dict) -> bool:
    return rule_holds(page.get("display_logic"), facts, index) and bool(
        visible_questions(page, facts, index) or not page["questions"]
    )


def uses_logic(definition: dict) -> bool:
    return any(
        page.get("display_logic")
        or any(q.get("display_logic") or q.get("skip_logic") for q in page["questions"])
        for page in engine.pages_of(definition)
    )


def next_step(
    definition: dict, facts: Facts, page_index: int, index: dict | None = None
) -> tuple[int | None, str]:
    """After page_index: (the next page's index, "") or (None, screen-out message or
    "" for a plain end)."""
    pages = engine.pages_of(definition)
    index = question_index(definition) if index is None else index
    target = page_index + 1
    for question in visible_questions(pages[page_index], facts, index):
        skip = question.get("skip_logic")
        if skip and rule_holds(skip, facts, index, empty=False):
            if skip.get("to") == END:
                return None, skip.get("message") or ""
            target = max(int(skip["to"]), page_index + 1)
            break
    while target < len(pages) and not page_visible(pages[target], facts, index):
        target += 1
    return (target, "") if target < len(pages) else (None, "")


def first_page(definition: dict, facts: Facts, index: dict) -> int:
    """The first page this respondent sees (page_path's first, without the rest)."""
    pages = engine.pages_of(definition)
    current = 0
    while current < len(pages) - 1 and not page_visible(pages[current], facts, index):
        current += 1
    return current


def page_path(definition: dict, facts: Facts, index: dict | None = None) -> list[int]:
    """The pages this respondent walks, in order (at least one)."""
    index = question_index(definition) if index is None else index
    current = first_page(definition, facts, index)
    path = [current]
    while True:
        current, _ = next_step(definition, facts, current, index)
        if current is None:
            return path
        path.append(current)


def on_path(path: list[int], wanted: int) -> int:
    """The page of the path at or before `wanted` (the first if none)."""
    before = [i for i in path if i <= wanted]
    return before[-1] if before else path[0]


def previous_on_path(path: list[int], page_index: int) -> int:
    before = [i for i in path if i < page_index]
    return before[-1] if before else path[0]


def first_missing_page(definition: dict, facts: Facts) -> int | None:
    """The first page of the path with a visible required question unanswered."""
    pages = engine.pages_of(definition)
    index = question_index(definition)
    for page_index in page_path(definition, facts, index):
        for question in visible_questions(pages[page_index], facts, index):
            if question.get("required") and not engine.is_answered(
                question, facts.answers.get(question["id"])
            ):
                return page_index
    return None


# --- plain words ------------------------------------------------------------------


def source_label(source: str, labels: dict) -> str:
    """labels: {"q:12": "Q3", ...} from the builder; fields and contact data named."""
    kind, _, key = source.partition(":")
    if kind == "q":
        return labels.get(source, f"a deleted question ({key})")
    if kind == "e":
        return key
    return CONTACT_SOURCES.get(key, key)


def rule_words(rule: dict | None, labels: dict, *, verb="Shown if") -> str:
    """e.g. 'Shown if Q2 is Yes and Department is Physics'; '' for no rule."""
    conditions = (rule or {}).get("conditions") or []
    if not conditions:
        return ""
    join = " or " if rule.get("join") == "or" else " and "
    parts = []
    for condition in conditions:
        op = condition.get("op", "")
        words = f"{source_label(condition.get('source', ''), labels)} {OPS.get(op, op)}"
        if op not in VALUELESS_OPS:
            words += f" {condition.get('value', '')}"
        parts.append(words)
    return f"{verb} {join.join(parts)}"


def skip_words(rule: dict | None, labels: dict, page_labels: dict) -> str:
    """e.g. 'If Q1 is No, skip to the end (screen-out: "Sorry")'."""
    text = rule_words(rule, labels, verb="If")
    if not text:
        return ""
    to = rule.get("to")
    where = (
        "the end of the survey" if to == END else page_labels.get(to, "a deleted page")
    )
    text += f", skip to {where}"
    if rule.get("message"):
        text += f' with the screen-out message "{rule["message"]}"'
    return text
