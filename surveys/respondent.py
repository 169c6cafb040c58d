"""The answering engine's entry points for respondent-facing views.

Two thin views drive it: the anonymous link /r/<public_key>/ (surveys.views) and the
personal link /s/<token>/ (distributions). Both resolve *which* response is being
answered; everything else (showing a page, validating, saving a page, resuming,
recording Started on the first submit and Finished on the last, refusing a second
finish) happens here, on a `Response`.

CONTRACT (distributions relies on these names and signatures):

    respondent_page(view)            decorator: Referrer-Policy: no-referrer,
                                     Cache-Control: no-store, X-Robots-Tag: noindex
                                     on every response of the view.
    invalid_link(request, *, gone=False) -> HttpResponse
                                     the one neutral page for unknown/revoked (404)
                                     and expired (410) links; same body for all.
    refuse_invalid_link(request, *, gone=False) -> HttpResponse
                                     the answer once a lookup FAILED (unknown,
                                     revoked, expired link; unknown survey key):
                                     counts it for the client's address, returns
                                     invalid_link(), or 429 past the limit.
        Look up first, refuse after: only failures count, so a valid link opens
        whatever its address (a campus NAT) mistyped before. The limit slows a
        scanner; the 256-bit token makes guessing hopeless. A cache that cannot
        answer counts and throttles nothing (logged once).
    run_engine(request, *, survey, response, create_response, action_url,
               contact=None)         -> HttpResponse
        survey:          the Survey (published; closed / invitation-only checks are
                         the caller's, see survey_unavailable()).
        response:        the existing Response, or None if none exists yet.
        create_response: zero-argument callable returning a new (or the concurrently
                         created) Response; called only on a POST, never on GET/HEAD,
                         inside the engine's transaction.
        action_url:      the URL the page's form posts back to.
        contact:         the contact data response_create would copy (below), so
                         piped text and logic know the person before the first
                         submit creates the response; None for anonymous links.
    survey_unavailable(request, *, survey, channel, contact=None)
                                     -> HttpResponse | None
                                     the closed message (closed by hand or by its
                                     closing rules, surveys.closing; piped with the
                                     contact), the "only by invitation" 403 for the
                                     anonymous channel, or None.
    response_create(*, survey, channel, contact=None, resume_key=None,
                    person_key=None) -> Response
        contact: {"first_name", "last_name", "email", "external_reference",
                  "embedded_data"} copied onto the response (personal links).
        person_key: the caller's opaque name for the person (unique per survey).
    person_response_get_or_create(*, survey, person_key, contact) -> (Response, bool)
        the person's response, created if none (True): two links of one person
        submitting at once make one (the constraint response_one_per_person).
        The person's existing response is read with surveys.selectors.person_response.
    already_completed_page(request, *, survey) -> HttpResponse
        the survey's "already completed" text (Survey.already_completed_message).
    register_anonymize_hook(hook)    hook(*, survey_id, responses) runs in the
        transaction that anonymizes finished responses (an anonymous survey's finish,
        or anonymizing those already collected), before their ties are dropped;
        responses: [(id, person_key, finished_at)]. Registered once, in ready().

    respondent_sql(*, survey_id, response_id) -> (columns, joins)
    respondent_row(values) -> (Survey, Response | None)
        read the survey, a response and its answers inside the caller's own query
        (SQL expressions of its row name their ids): one round trip for a page.
        The response comes with .survey and .saved_answers (below).

Optional hooks for an entry view (both used by the anonymous link, neither needed):
    request.respondent_hidden_fields = {name: value}  extra hidden form fields.
    response.saved_answers = {"<question id>": value} answers read with the response,
                                     which saves run_engine a query on a GET.
Also here: throttled_page(request) (the 429 page, surveys.link_limit), message_page()
and render_page() (used by the builder's Preview; surveys.respondent_pages); the
definitions it shows come from surveys.definitions.
"""

import functools
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.utils import timezone

from respondent_ui.language import SWITCH_PARAM, choose_language, speaking
from surveys import closing, engine, logic
from surveys.anonymity import register_anonymize_hook, responses_anonymize
from surveys.definitions import definition_in, published_definition, version_definition
from surveys.link_limit import (  # noqa: F401  (the contract's names, re-exported)
    invalid_link,
    refuse_invalid_link,
    throttled_page,
)
from surveys.lookups import respondent_row, respondent_sql  # noqa: F401  (contract)
from surveys.models import Answer, Response
from surveys.respondent_pages import (  # noqa: F401  (the contract's names)
    INVITATION_ONLY,
    already_completed_page,
    message_page,
    render_page,
    respondent_language,
    survey_unavailable,
)
from surveys.responses import (
    new_resume_key,
    person_response_get_or_create,
    response_create,
)
from surveys.translations import offered_languages, survey_message

__all__ = [
    "already_completed_page",
    "invalid_link",
    "message_page",
    "new_resume_key",
    "person_response_get_or_create",
    "refuse_invalid_link",
    "register_anonymize_hook",
    "render_page",
    "respondent_page",
    "respondent_row",
    "respondent_sql",
    "response_create",
    "run_engine",
    "survey_unavailable",
    "throttled_page",
]


def respondent_page(view):
    """Mark every response of a respondent-facing view private and unindexed."""

    # wraps() also copies markers such as csrf_exempt set on the inner view.
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        http = view(request, *args, **kwargs)
        http["Referrer-Policy"] = "no-referrer"
        http["Cache-Control"] = "no-store"
        http["X-Robots-Tag"] = "noindex"
        return http

    return wrapped


# --- the engine -----------------------------------------------------------------


def _page_param(data, name="page") -> int | None:
    try:
        return int(data.get(name, "")) - 1
    except ValueError:
        return None


def _page_url(action_url: str, page_index: int) -> str:
    return f"{action_url}?{urlencode({'page': page_index + 1})}"


def _answers(response, question_ids=None) -> dict:
    answers = Answer.objects.filter(response=response)
    if question_ids is not None:
        answers = answers.filter(question_id__in=question_ids)
    return dict(answers.values_list("question_id", "value"))


def _in_language(request, *, survey, definition, version_id, response, contact):
    """Choose the page's language among those the version offers and return
    (language, the version's definition in it, the languages offered).

    Most binding first: ?lang= or the form's field, the response's language, the
    contact's Language column, the browser's Accept-Language; else the default.
    """
    if "default_language" in definition:
        offered = offered_languages(definition)
    else:  # published before surveys had languages
        offered = [survey.default_language]
    preferred = [response.language if response else "", (contact or {}).get("language")]
    language = respondent_language(
        request, offered=offered, default=offered[0], preferred=preferred
    )
    translated = definition_in(
        definition, language, survey=survey, version_id=version_id
    )
    return language, translated, offered


def _already_completed(request, survey, response, contact):
    """The already-completed message in the language the person answered in."""
    respondent_language(
        request,
        offered=offered_languages(survey),
        default=survey.default_language,
        preferred=[response.language, (contact or {}).get("language")],
    )
    return already_completed_page(request, survey=survey)


def run_engine(request, *, survey, response, create_response, action_url, contact=None):
    """Show, validate and save the respondent's pages for one response.

    GET/HEAD only read: no Response is created and no timestamp moves (mail
    scanners open links first). Each POST saves its page; the first records
    started_at, the last records finished_at with the last answers, once. Which
    pages and questions are shown follows surveys.logic, from the response's
    version, its contact data and its answers, so a resume walks the same pages.
    """
    kwargs = {"survey": survey, "action_url": action_url, "contact": contact}
    if request.method in ("GET", "HEAD"):
        return _engine_show(request, response=response, **kwargs)
    if request.method == "POST":
        return _engine_submit(
            request, response=response, create_response=create_response, **kwargs
        )
    return HttpResponseNotAllowed(["GET", "HEAD", "POST"])


def _engine_show(request, *, survey, response, action_url, contact):
    answers = {}
    if response is None:
        version_id, definition = published_definition(survey)
        furthest = 0
    else:
        if response.finished_at is not None:
            return _already_completed(request, survey, response, contact)
        version_id = response.version_id
        definition = version_definition(version_id, survey=survey)
        furthest = response.current_page
    language, definition, offered = _in_language(
        request,
        survey=survey,
        definition=definition,
        version_id=version_id,
        response=response,
        contact=contact,
    )
    if response is not None:
        # A caller may read the answers with the response (annotation
        # saved_answers: {"<question id>": value}) to save a query per page.
        if hasattr(response, "saved_answers"):
            answers = {int(q): v for q, v in (response.saved_answers or {}).items()}
        else:
            answers = _answers(response)
    facts = logic.facts_of(response, contact, answers)
    if closing.quota_screen_out(survey, definition, facts):
        return message_page(
            request,
            title=definition.get("title", survey.title),
            message=survey_message(survey, "screen_out_message", language),
        )
    pages = engine.pages_of(definition)
    requested = _page_param(request.GET)
    # Back and Forward in the browser may revisit any page up to the furthest
    # reached; resuming without ?page= opens the furthest one. A page the logic
    # hides gives way to the one before it on the respondent's path.
    index = furthest if requested is None else min(max(requested, 0), furthest)
    path = logic.page_path(definition, facts)
    index = logic.on_path(path, min(index, len(pages) - 1))
    # The page's own answers, with any "Other" text (stored under its own key).
    display = engine.display_values(pages[index]["questions"], answers)
    return render_page(
        request,
        definition=definition,
        page_index=index,
        display=display,
        action_url=action_url,
        anonymous=survey.anonymous_responses,
        facts=facts,
        languages=offered,
    )


def _save_answers(response, parsed: engine.ParsedPage) -> None:
    if parsed.values:
        Answer.objects.bulk_create(
            [
                Answer(response=response, question_id=qid, value=value)
                for qid, value in parsed.values.items()
            ],
            update_conflicts=True,
            unique_fields=["response", "question_id"],
            update_fields=["value", "updated_at"],
        )
    if parsed.blank:
        Answer.objects.filter(response=response, question_id__in=parsed.blank).delete()


def _engine_submit(request, *, survey, response, create_response, action_url, contact):
    action = request.POST.get("action", "next")
    with transaction.atomic():
        if response is None:
            response = create_response()
        # The row lock queues double clicks, refreshes and other tabs of the same
        # response behind this submit; whoever comes after a finish sees finished_at.
        response = Response.objects.select_for_update().get(pk=response.pk)
        if response.finished_at is not None:
            return _already_completed(request, survey, response, contact)
        definition = version_definition(response.version_id, survey=survey)
        language, definition, offered = _in_language(
            request,
            survey=survey,
            definition=definition,
            version_id=response.version_id,
            response=response,
            contact=contact,
        )
        switch = request.POST.get(SWITCH_PARAM)
        if switch:
            # The language menu: keep what was typed, then show the page again.
            language = choose_language([switch], offered=offered, default=language)
            request.respondent_language = language
            action = "switch"
        pages = engine.pages_of(definition)
        index = _page_param(request.POST)
        if index is None:
            index = response.current_page
        index = min(max(index, 0), len(pages) - 1)
        facts = logic.facts_of(response, None, _answers(response))
        questions = logic.question_index(definition)
        shown = logic.visible_questions(pages[index], facts, questions)
        with speaking(language):
            parsed = engine.parse_page({"questions": shown}, request.POST)
        now = timezone.now()
        # Every submit keeps what passed validation, so nothing typed is lost even
        # when the page comes back with errors or the respondent goes Back. A hidden
        # question is never required and keeps no answer.
        parsed.blank = [qid for qid in parsed.blank if qid not in parsed.errors]
        shown_ids = {q["id"] for q in shown}
        parsed.blank += [
            q["id"] for q in pages[index]["questions"] if q["id"] not in shown_ids
        ]
        _save_answers(response, parsed)
        facts.answers_replace(parsed.blank, parsed.values)
        progress = {
            "started_at": Coalesce(F("started_at"), now),
            "last_activity_at": now,
            "language": language,
        }
        mine = Response.objects.filter(pk=response.pk)
        if action == "switch":
            mine.update(**progress)
            return HttpResponseRedirect(_page_url(action_url, index))
        if action == "back":
            mine.update(**progress)
            path = logic.page_path(definition, facts, questions)
            back = logic.previous_on_path(path, index)
            return HttpResponseRedirect(_page_url(action_url, back))
        if parsed.errors:
            mine.update(**progress)
            return render_page(
                request,
                definition=definition,
                page_index=index,
                display=parsed.display,
                errors=parsed.errors,
                action_url=action_url,
                anonymous=survey.anonymous_responses,
                facts=facts,
                languages=offered,
            )
        following, screen_out = logic.next_step(definition, facts, index, questions)
        if closing.quota_screen_out(survey, definition, facts):
            screen_out = survey_message(survey, "screen_out_message", language)
        if screen_out:
            screened = mine.filter(finished_at__isnull=True).update(
                finished_at=now, screened_out=True, current_page=index, **progress
            )
            if screened and survey.anonymous_responses:
                responses_anonymize(survey_id=survey.pk, response_ids=[response.pk])
            return message_page(
                request,
                title=definition.get("title", survey.title),
                message=screen_out,
                facts=facts,
                index=questions,
            )
        if following is not None:
            mine.update(current_page=max(response.current_page, following), **progress)
            return HttpResponseRedirect(_page_url(action_url, following))
        missing = logic.first_missing_page(definition, facts)
        if missing is not None:
            mine.update(current_page=missing, **progress)
            return HttpResponseRedirect(_page_url(action_url, missing))
        outcome = closing.finish(
            survey, definition, facts, response.pk, current_page=index, **progress
        )
        if outcome == closing.FINISHED and survey.anonymous_responses:
            # In the finishing transaction: no moment where a finished response
            # still names its person (docs/architecture.md, anonymous responses).
            responses_anonymize(survey_id=survey.pk, response_ids=[response.pk])
    if outcome == closing.ALREADY:
        return already_completed_page(request, survey=survey)
    if outcome in (closing.CLOSED, closing.SCREENED_OUT):
        key = "closed_message" if outcome == closing.CLOSED else "screen_out_message"
        return message_page(
            request,
            title=definition.get("title", survey.title),
            message=survey_message(survey, key, language),
            facts=facts,
        )
    # Options (messages, access) apply at once, unlike questions, which wait for
    # Publish: the thank-you is read from the survey, not the version.
    return message_page(
        request,
        title=definition.get("title", survey.title),
        message=survey_message(survey, "thank_you_message", language),
        facts=facts,
        index=questions,
    )
