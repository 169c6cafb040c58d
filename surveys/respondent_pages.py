"""The pages a respondent sees around and from the answering engine: a survey page,
a message (thank-you, closed, screen-out, already completed), the refusals before
the engine. Part of the contract at the top of surveys.respondent, which re-exports
these names.
"""

from django.http import HttpResponse
from django.template.loader import render_to_string

from respondent_ui import texts
from respondent_ui.language import (
    asked_languages,
    choose_language,
    language_menu,
    speaking,
)
from surveys import closing, engine, logic
from surveys.link_limit import invalid_link
from surveys.models import Response, Survey
from surveys.piping import pipe, pipe_views
from surveys.translations import offered_languages, survey_message
from surveys.widgets import render_question

INVITATION_ONLY = texts.INVITATION_ONLY


def _render(request, template, context, status=200) -> HttpResponse:
    with speaking(getattr(request, "respondent_language", None)):
        html = render_to_string(template, context, request=request)
    return HttpResponse(html, status=status)


def respondent_language(request, *, offered, default, preferred=()) -> str:
    """Choose the page's language (respondent_ui.language) and remember it on the
    request for every page this request renders."""
    language = choose_language(
        asked_languages(request, preferred), offered=offered, default=default
    )
    request.respondent_language = language
    return language


# invalid_link, refuse_invalid_link and throttled_page live in surveys.link_limit
# (imported above): they are part of this contract.


def survey_unavailable(
    request, *, survey, channel, contact=None
) -> HttpResponse | None:
    """Return the page that stops a respondent before the engine, or None.

    Also chooses the language of the pages before the engine (the survey's
    languages; contact: its "language" key, the contact list's Language column).
    """
    language = respondent_language(
        request,
        offered=offered_languages(survey),
        default=survey.default_language,
        preferred=[(contact or {}).get("language")],
    )
    if survey.published_version == 0:
        # Never published: nothing to show, and no hint that the link exists.
        return invalid_link(request)
    if survey.state == Survey.State.CLOSED or closing.closed_by_date(survey):
        return message_page(
            request,
            title=survey.title,
            message=survey_message(survey, "closed_message", language),
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
    language = getattr(request, "respondent_language", None)
    return message_page(
        request,
        title=survey.title,
        message=survey_message(survey, "already_completed_message", language),
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
    languages=(),
) -> HttpResponse:
    """Render one page of a definition as a respondent sees it, its display logic
    applied and its texts piped (surveys.logic, surveys.piping) from `facts`.

    languages: the languages the page's menu offers (none: no menu); the page is
    in request.respondent_language, its definition already translated.
    """
    with speaking(getattr(request, "respondent_language", None)):
        return _render_page(
            request,
            definition=definition,
            page_index=page_index,
            display=display,
            errors=errors,
            action_url=action_url,
            preview=preview,
            anonymous=anonymous,
            status=status,
            facts=facts,
            languages=languages,
        )


def _render_page(
    request,
    *,
    definition,
    page_index,
    display,
    errors,
    action_url,
    preview,
    anonymous,
    status,
    facts,
    languages,
) -> HttpResponse:
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
        "language": getattr(request, "respondent_language", ""),
        "language_menu": language_menu(
            languages, getattr(request, "respondent_language", "")
        ),
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
