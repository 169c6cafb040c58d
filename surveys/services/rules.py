"""The draft's rules in words, and what Publish refuses about them.

Display logic, skip logic (surveys.logic) and quotas (surveys.closing) name
questions by id and pages by Page id; the builder says "Q3" and "Page 2" by the
draft's order. Publish refuses, naming the rule, a condition on a deleted question
or on one not asked before the rule applies, a skip that does not go forward, and a
quota without a field.
"""

import re

from surveys import logic
from surveys.piping import piped_questions, piping_problems

CHOICE_ATTRS = ("text", "help_text")


def draft_order(survey) -> tuple[list, dict, dict]:
    """Return ([(page, [questions])], {"q:<id>": "Q<n>"}, {page id: "Page <n>"})."""
    pages = list(survey.pages.order_by("position", "id"))
    by_page = {page.pk: [] for page in pages}
    for question in survey.questions.order_by("position", "id"):
        by_page.setdefault(question.page_id, []).append(question)
    labels, page_labels, order, number = {}, {}, [], 0
    for page_number, page in enumerate(pages, start=1):
        page_labels[page.pk] = f"Page {page_number}"
        for question in by_page[page.pk]:
            number += 1
            labels[f"q:{question.pk}"] = f"Q{number}"
        order.append((page, by_page[page.pk]))
    return order, labels, page_labels


# Why a display condition cannot test a question of its own page: stated in the
# builder and at publish. The page is drawn whole on the server before any of its
# answers arrive, and logic is evaluated only there (no in-page script, as in
# Qualtrics without custom JavaScript); re-drawing the page on submit to reveal a
# question would show it after the respondent pressed Next, which reads as an error.
SAME_PAGE_REASON = (
    "Display logic can only test questions of earlier pages: a page is shown whole, "
    "before its answers are submitted. Put the question on a later page."
)


def _where(order) -> dict:
    """{"q:<id>": (page index, position in the survey)}."""
    found, position = {}, 0
    for page_index, (_, questions) in enumerate(order):
        for question in questions:
            found[f"q:{question.pk}"] = (page_index, position)
            position += 1
    return found


def _condition_problems(name, rule, where, labels, *, before_page, upto=None):
    problems = []
    for condition in (rule or {}).get("conditions") or []:
        source = condition.get("source", "")
        if not source.startswith("q:"):
            if not source.partition(":")[2]:
                problems.append(f"{name}: a condition names no field.")
            continue
        if source not in where:
            problems.append(f"{name}: a condition refers to a deleted question.")
            continue
        page_index, position = where[source]
        later = (
            page_index > before_page or position > upto
            if upto is not None
            else page_index >= before_page
        )
        if upto is None and page_index == before_page:
            problems.append(
                f"{name}: it refers to {labels[source]}, on the same page. "
                f"{SAME_PAGE_REASON}"
            )
        elif later:
            problems.append(
                f"{name}: it refers to {labels[source]}, which is not asked before "
                "this rule applies (use a question on an earlier page)."
            )
    return problems


def rules_problems(survey) -> list[str]:
    """What Publish refuses, each naming its rule; [] when the rules can run."""
    order, labels, page_labels = draft_order(survey)
    where = _where(order)
    page_index_of = {page.pk: i for i, (page, _) in enumerate(order)}
    problems = []
    for page_index, (page, questions) in enumerate(order):
        page_name = f"{page_labels[page.pk]}'s display logic"
        problems += _condition_problems(
            page_name, page.display_logic, where, labels, before_page=page_index
        )
        for question in questions:
            label = labels[f"q:{question.pk}"]
            problems += _condition_problems(
                f"{label}'s display logic ({logic.rule_words(question.display_logic, labels)})",
                question.display_logic,
                where,
                labels,
                before_page=page_index,
            )
            skip = question.skip_logic or {}
            if not skip.get("conditions"):
                continue
            name = (
                f"{label}'s skip logic ({logic.skip_words(skip, labels, page_labels)})"
            )
            problems += _condition_problems(
                name,
                skip,
                where,
                labels,
                before_page=page_index,
                upto=where[f"q:{question.pk}"][1],
            )
            to = skip.get("to")
            if to != logic.END and to not in page_index_of:
                problems.append(f"{name}: it jumps to a deleted page.")
            elif to != logic.END and page_index_of[to] <= page_index:
                problems.append(
                    f"{name}: it jumps backwards; a skip can only go to a later page "
                    "or the end."
                )
    for quota in survey.quotas or []:
        source = quota.get("source", "")
        if not source.partition(":")[2]:
            problems.append("A quota names no field or question.")
        elif source.startswith("q:") and source not in where:
            problems.append("A quota refers to a deleted question.")
    return problems


def piping_warnings(survey) -> list[str]:
    """Piped text the respondent page cannot fill, quoted as typed (not refusals)."""
    order, labels, page_labels = draft_order(survey)
    where = _where(order)
    warnings = [f"Introduction: {p}" for p in piping_problems(survey.introduction)]
    for message, text in (
        ("Thank-you message", survey.thank_you_message),
        ("Closed message", survey.closed_message),
    ):
        warnings += [f"{message}: {p}" for p in piping_problems(text)]
    for page_index, (page, questions) in enumerate(order):
        warnings += [
            f"{page_labels[page.pk]} introduction: {p}"
            for p in piping_problems(page.introduction)
        ]
        for question in questions:
            label = labels[f"q:{question.pk}"]
            texts = [question.text, question.help_text]
            texts += [c["label"] for c in question.choices + question.statements]
            for text in texts:
                warnings += [f"{label}: {p}" for p in piping_problems(text)]
                for qid in piped_questions(text):
                    source = f"q:{qid}"
                    if source not in where:
                        warnings.append(f"{label}: it pipes a deleted question.")
                    elif where[source][0] >= page_index:
                        warnings.append(
                            f"{label}: it pipes {labels[source]}, which is not "
                            "answered before this page (it shows empty)."
                        )
    return warnings


_PIPED_QID = re.compile(r"(\$\{q://(?:QID)?)([0-9]+)(/)")


def _remap_rule(rule: dict, question_ids: dict, page_ids: dict) -> dict:
    if not rule:
        return rule
    rule = dict(rule)
    conditions = []
    for condition in rule.get("conditions") or []:
        kind, _, key = condition.get("source", "").partition(":")
        if kind == "q" and key.isdigit() and int(key) in question_ids:
            condition = {**condition, "source": f"q:{question_ids[int(key)]}"}
        conditions.append(condition)
    rule["conditions"] = conditions
    if isinstance(rule.get("to"), int) and rule["to"] in page_ids:
        rule["to"] = page_ids[rule["to"]]
    return rule


def _remap_text(text: str, question_ids: dict) -> str:
    if "${q://" not in text:
        return text
    return _PIPED_QID.sub(
        lambda m: (
            m.group(1) + str(question_ids.get(int(m.group(2)), m.group(2))) + m.group(3)
        ),
        text,
    )


def rules_follow_copy(*, survey, question_ids: dict, page_ids: dict) -> None:
    """Point a duplicated survey's rules and piped answers at its own questions."""
    for page in survey.pages.all():
        page.display_logic = _remap_rule(page.display_logic, question_ids, page_ids)
        page.introduction = _remap_text(page.introduction, question_ids)
        page.save(update_fields=["display_logic", "introduction"])
    for question in survey.questions.all():
        question.display_logic = _remap_rule(
            question.display_logic, question_ids, page_ids
        )
        question.skip_logic = _remap_rule(question.skip_logic, question_ids, page_ids)
        question.text = _remap_text(question.text, question_ids)
        question.help_text = _remap_text(question.help_text, question_ids)
        for item in question.choices:
            item["label"] = _remap_text(item["label"], question_ids)
        question.save()
