"""The pages a respondent sees around and from the answering engine: a survey page,
a message (thank-you, closed, screen-out, already completed), the refusals before
the engine. Part of the contract at the top of surveys.respondent, which re-exports
these names.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string

from surveys import closing, engine, logic
from surveys.link_limit import invalid_link
from surveys.models import Response, Survey
from surveys.piping import pipe, pipe_views
from surveys.widgets import render_question

INVITATION_ONLY = (
    "This survey can only be taken by invitation.\n"
    "Open it with the personal link in the email that invited you: each person's "
    "link is their own. Can't find it? Ask whoever sent you the survey."
)


def _render(request, template, context, status=200) -> HttpResponse:
    return HttpResponse(
        render_to_string(template, context, request=request), status=status
    )


# invalid_link, refuse_invalid_link and throttled_page live in surveys.link_limit
# (imported above): they are part of this contract.


def survey_unavailable(
    request, *, survey, channel, contact=None
) -> HttpResponse | None:
    """Return the page that stops a respondent before the engine, or None."""
    if survey.published_version == 0:
        # Never published: nothing to show, and no hint that the link exists.
        return invalid_link(request)
    if survey.state == Survey.State.CLOSED or closing.closed_by_date(survey):
        return message_page(
            request,
            title=survey.title,
            message=survey.closed_message,
            facts=logic.facts_of(None, contact),
        )
    if channel == Response.Channel.ANONYMOUS and survey.is_invitation_only:
        return _render(
            request,
            "surveys/respond/message.html",
            {"title": survey.title, "message": INVITATION_ONLY},
            status=403,
        )
    return None


def already_completed_page(request, *, survey) -> HttpResponse:
    """Return the page a person who already finished the survey sees."""
    return message_page(
        request, title=survey.title, message=survey.already_completed_message
    )


def render_page(
    request,
    *,
    definition,
    page_index,
    display,
    errors=None,
    action_url,
    preview=False,
    anonymous=False,
    status=200,
    facts=None,
) -> HttpResponse:
    """Render one page of a definition as a respondent sees it, its display logic
    applied and its texts piped (surveys.logic, surveys.piping) from `facts`."""
    pages = engine.pages_of(definition)
    page = pages[page_index]
    errors = errors or {}
    facts = facts or logic.Facts()
    index = logic.question_index(definition)
    shown = {"questions": logic.visible_questions(page, facts, index)}
    questions = engine.question_views(shown, display, errors)
    pipe_views(questions, facts, index)
    for question in questions:
        question["html"] = render_question(question)
    first = page_index == logic.first_page(definition, facts, index)
    texts = [definition.get("introduction", "") if first else ""]
    introduction = "\n\n".join(filter(None, [*texts, page.get("introduction", "")]))
    context = {
        "title": definition.get("title", ""),
        "introduction": pipe(introduction.strip(), facts, index),
        "questions": questions,
        "error_list": [q for q in questions if q["error"]],
        "page_index": page_index,
        "page_number": page_index + 1,
        "page_count": len(pages),
        "percent": round(100 * page_index / len(pages)),
        "is_last": logic.next_step(definition, facts, page_index, index)[0] is None,
        "action_url": action_url,
        "preview": preview,
        "anonymous": anonymous,
        # An entry view may ask for extra hidden fields (the anonymous link's
        # resume key) by setting request.respondent_hidden_fields = {name: value}.
        "hidden_fields": getattr(request, "respondent_hidden_fields", {}).items(),
    }
    return _render(request, "surveys/respond/page.html", context, status=status)


def message_page(
    request, *, title, message, preview=False, status=200, facts=None, index=None
):
    if facts is not None:
        message = pipe(message, facts, index or {})
    return _render(
        request,
        "surveys/respond/message.html",
        {"title": title, "message": message, "preview": preview},
        status=status,
    )
