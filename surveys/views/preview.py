"""The builder's Preview: the draft as a respondent sees it, recording nothing.

Logic and piped text work as on the respondent pages: the answers of the pages
already seen travel in the form (a hidden JSON field: it is the owner's own
preview, nothing is stored), and "Preview as" a contact of the owner's lists
(by address) pipes their data and drives the logic from it.
"""

import json

from django.contrib.auth.decorators import login_required
from django.urls import reverse

from directories.selectors import person_contacts
from surveys import engine, logic, selectors
from surveys.respondent import message_page, render_page
from surveys.services import publishing
from teams.access import Right

CONTACT_KEYS = ("first_name", "last_name", "email", "external_reference")


def preview_contact(survey, email: str) -> dict | None:
    """The contact data of the survey's team's first contact with this address,
    or None (the caller checked the user may VIEW the survey, hence its team)."""
    contact = (
        person_contacts(team_id=survey.team_id, email=email).first() if email else None
    )
    if contact is None:
        return None
    data = {key: getattr(contact, key) for key in CONTACT_KEYS}
    data["embedded_data"] = contact.embedded_data or {}
    return data


def _carried_answers(raw: str) -> dict:
    try:
        loaded = json.loads(raw or "{}")
        return {int(qid): value for qid, value in loaded.items()}
    except (ValueError, TypeError, AttributeError):
        return {}


@login_required
def survey_preview(request, pk):
    """Show the draft as a respondent would; validate pages, record nothing."""
    survey = selectors.survey_get(user=request.user, pk=pk, right=Right.VIEW)
    definition = publishing.survey_definition(survey)
    pages = engine.pages_of(definition)
    data = request.POST if request.method == "POST" else request.GET
    as_email = data.get("as", "").strip()
    contact = preview_contact(survey, as_email)
    facts = logic.facts_of(None, contact, _carried_answers(data.get("answers")))
    index_by_id = logic.question_index(definition)
    path = logic.page_path(definition, facts, index_by_id)
    index = path[0]
    errors = {}
    display = None
    if request.method == "POST":
        try:
            index = min(max(int(data.get("page", "1")) - 1, 0), len(pages) - 1)
        except ValueError:
            index = path[0]
        page = pages[index]
        shown = logic.visible_questions(page, facts, index_by_id)
        parsed = engine.parse_page({"questions": shown}, request.POST)
        facts.answers_replace([q["id"] for q in page["questions"]], parsed.values)
        following, screen_out = logic.next_step(definition, facts, index, index_by_id)
        if request.POST.get("action") == "back":
            path = logic.page_path(definition, facts, index_by_id)
            index = logic.previous_on_path(path, index)
        elif parsed.errors:
            display, errors = parsed.display, parsed.errors
        elif screen_out or following is None:
            return message_page(
                request,
                title=survey.title,
                message=screen_out or survey.thank_you_message,
                preview=True,
                facts=facts,
                index=index_by_id,
            )
        else:
            index = following
    if display is None:
        by_id = {q["id"]: q for q in pages[index]["questions"]}
        display = {
            qid: engine.display_value(by_id[qid], value)
            for qid, value in facts.answers.items()
            if qid in by_id
        }
    request.respondent_hidden_fields = {
        "answers": json.dumps({str(k): v for k, v in facts.answers.items()}),
        "as": as_email,
    }
    request.preview_as = contact
    return render_page(
        request,
        definition=definition,
        page_index=index,
        display=display,
        errors=errors,
        action_url=reverse("surveys:preview", args=[pk]),
        preview=True,
        facts=facts,
    )
