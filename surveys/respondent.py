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
    run_engine(request, *, survey, response, create_response, action_url)
                                     -> HttpResponse
        survey:          the Survey (published; closed / invitation-only checks are
                         the caller's, see survey_unavailable()).
        response:        the existing Response, or None if none exists yet.
        create_response: zero-argument callable returning a new (or the concurrently
                         created) Response; called only on a POST, never on GET/HEAD,
                         inside the engine's transaction.
        action_url:      the URL the page's form posts back to.
    survey_unavailable(request, *, survey, channel) -> HttpResponse | None
                                     the closed message, the "only by invitation"
                                     403 for the anonymous channel, or None.
    response_create(*, survey, channel, contact=None, resume_key=None) -> Response
        contact: {"first_name", "last_name", "email", "external_reference",
                  "embedded_data"} copied onto the response (personal links).

Optional hooks for an entry view (both used by the anonymous link, neither needed):
    request.respondent_hidden_fields = {name: value}  extra hidden form fields.
    response.saved_answers = {"<question id>": value} answers read with the response,
                                     which saves run_engine a query on a GET.
Also here: throttled_page(request) (the 429 page), message_page(), render_page()
(used by the builder's Preview); the definitions it shows come from
surveys.definitions.
"""

import functools
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.loader import render_to_string
from django.utils import timezone

from core.client_address import client_address
from core.tokens import new_token
from surveys import engine
from surveys.definitions import published_definition, version_definition
from surveys.models import Answer, Response, Survey
from surveys.widgets import render_question

logger = logging.getLogger(__name__)

ALREADY_COMPLETED = "You have already completed this survey."
INVITATION_ONLY = (
    "This survey can only be taken by invitation.\n"
    "Open it with the personal link in the email that invited you: each person's "
    "link is their own. Can't find it? Ask whoever sent you the survey."
)


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


def _render(request, template, context, status=200) -> HttpResponse:
    return HttpResponse(
        render_to_string(template, context, request=request), status=status
    )


def invalid_link(request, *, gone=False) -> HttpResponse:
    """Return the one neutral page for unknown, revoked (404) and expired (410) links."""
    return _render(
        request, "surveys/respond/invalid_link.html", {}, status=410 if gone else 404
    )


def _setting(name, default):
    # Defaults match config/settings.py's "surveys" block.
    return getattr(settings, name, default)


def _client_key(request) -> str:
    # The forwarded address only through TRUSTED_PROXIES (core.client_address).
    return "surveys:invalid-link:" + client_address(request)


# Set while the cache fails, so an outage is logged once, not on every bad link.
_cache_failing = False


def _count_invalid_link(request) -> int:
    """Count one failed lookup for this client; return its failures in the window.

    0 when the cache cannot answer: an outage must not turn the neutral page into a 500.
    """
    global _cache_failing
    key = _client_key(request)
    window = _setting("RESPONDENT_INVALID_LINK_WINDOW", 600)
    try:
        # add() starts the window only once; incr() keeps its expiry.
        cache.add(key, 0, timeout=window)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=window)
            count = 1
    except Exception:  # noqa: BLE001  any cache backend's connection error
        if not _cache_failing:
            _cache_failing = True
            logger.warning(
                "The cache is not answering: invalid respondent links are not "
                "counted until it does.",
                exc_info=True,
            )
        return 0
    _cache_failing = False
    return count


def refuse_invalid_link(request, *, gone=False) -> HttpResponse:
    """Count a failed link lookup; return the neutral page, or 429 past the limit.

    Unknown, revoked and expired links take this same path (one lookup, one count,
    one page), so neither the body nor the time tells them apart.
    """
    if _count_invalid_link(request) > _setting("RESPONDENT_INVALID_LINK_LIMIT", 20):
        return throttled_page(request)
    return invalid_link(request, gone=gone)


def throttled_page(request) -> HttpResponse:
    http = _render(request, "surveys/respond/invalid_link.html", {}, status=429)
    http["Retry-After"] = str(_setting("RESPONDENT_INVALID_LINK_WINDOW", 600))
    return http


def survey_unavailable(request, *, survey, channel) -> HttpResponse | None:
    """Return the page that stops a respondent before the engine, or None."""
    if survey.published_version == 0:
        # Never published: nothing to show, and no hint that the link exists.
        return invalid_link(request)
    if survey.state == Survey.State.CLOSED:
        return _render(
            request,
            "surveys/respond/message.html",
            {"title": survey.title, "message": survey.closed_message},
        )
    if channel == Response.Channel.ANONYMOUS and survey.is_invitation_only:
        return _render(
            request,
            "surveys/respond/message.html",
            {"title": survey.title, "message": INVITATION_ONLY},
            status=403,
        )
    return None


def response_create(*, survey, channel, contact=None, resume_key=None) -> Response:
    """Create a response on the survey's published version, copying the contact."""
    version_id, _ = published_definition(survey)
    contact = contact or {}
    return Response.objects.create(
        survey=survey,
        version_id=version_id,
        channel=channel,
        resume_key=resume_key,
        first_name=contact.get("first_name") or "",
        last_name=contact.get("last_name") or "",
        email=contact.get("email") or "",
        external_reference=contact.get("external_reference") or "",
        embedded_data=contact.get("embedded_data") or {},
    )


def new_resume_key() -> str:
    return new_token()


# --- the engine -----------------------------------------------------------------


def render_page(
    request,
    *,
    definition,
    page_index,
    display,
    errors=None,
    action_url,
    preview=False,
    status=200,
) -> HttpResponse:
    """Render one page of a definition as a respondent sees it."""
    pages = engine.pages_of(definition)
    page = pages[page_index]
    errors = errors or {}
    questions = engine.question_views(page, display, errors)
    for question in questions:
        question["html"] = render_question(question)
    context = {
        "title": definition.get("title", ""),
        "introduction": definition.get("introduction", "") if page_index == 0 else "",
        "questions": questions,
        "error_list": [q for q in questions if q["error"]],
        "page_index": page_index,
        "page_number": page_index + 1,
        "page_count": len(pages),
        "percent": round(100 * page_index / len(pages)),
        "is_last": page_index == len(pages) - 1,
        "action_url": action_url,
        "preview": preview,
        # An entry view may ask for extra hidden fields (the anonymous link's
        # resume key) by setting request.respondent_hidden_fields = {name: value}.
        "hidden_fields": getattr(request, "respondent_hidden_fields", {}).items(),
    }
    return _render(request, "surveys/respond/page.html", context, status=status)


def message_page(request, *, title, message, preview=False, status=200):
    return _render(
        request,
        "surveys/respond/message.html",
        {"title": title, "message": message, "preview": preview},
        status=status,
    )


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


def run_engine(request, *, survey, response, create_response, action_url):
    """Show, validate and save the respondent's pages for one response.

    GET/HEAD only read: no Response is created and no timestamp moves (mail
    scanners open links first). Each POST saves its page; the first records
    started_at, the last records finished_at with the last answers, once.
    """
    if request.method in ("GET", "HEAD"):
        return _engine_show(
            request, survey=survey, response=response, action_url=action_url
        )
    if request.method == "POST":
        return _engine_submit(
            request,
            survey=survey,
            response=response,
            create_response=create_response,
            action_url=action_url,
        )
    return HttpResponseNotAllowed(["GET", "HEAD", "POST"])


def _engine_show(request, *, survey, response, action_url):
    if response is None:
        _, definition = published_definition(survey)
        furthest = 0
    else:
        if response.finished_at is not None:
            return message_page(request, title=survey.title, message=ALREADY_COMPLETED)
        definition = version_definition(response.version_id, survey=survey)
        furthest = response.current_page
    pages = engine.pages_of(definition)
    requested = _page_param(request.GET)
    # Back and Forward in the browser may revisit any page up to the furthest
    # reached; resuming without ?page= opens the furthest one.
    index = furthest if requested is None else min(max(requested, 0), furthest)
    index = min(index, len(pages) - 1)
    display = {}
    if response is not None:
        questions = pages[index]["questions"]
        # A caller may read the answers with the response (annotation
        # saved_answers: {"<question id>": value}) to save a query per page.
        if hasattr(response, "saved_answers"):
            saved = {
                int(qid): value for qid, value in (response.saved_answers or {}).items()
            }
        else:
            saved = _answers(response, engine.answer_keys(questions))
        display = engine.display_values(questions, saved)
    return render_page(
        request,
        definition=definition,
        page_index=index,
        display=display,
        action_url=action_url,
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


def _engine_submit(request, *, survey, response, create_response, action_url):
    action = request.POST.get("action", "next")
    with transaction.atomic():
        if response is None:
            response = create_response()
        # The row lock queues double clicks, refreshes and other tabs of the same
        # response behind this submit; whoever comes after a finish sees finished_at.
        response = Response.objects.select_for_update().get(pk=response.pk)
        if response.finished_at is not None:
            return message_page(request, title=survey.title, message=ALREADY_COMPLETED)
        definition = version_definition(response.version_id, survey=survey)
        pages = engine.pages_of(definition)
        index = _page_param(request.POST)
        if index is None:
            index = response.current_page
        index = min(max(index, 0), len(pages) - 1)
        parsed = engine.parse_page(pages[index], request.POST)
        now = timezone.now()
        # Every submit keeps what passed validation, so nothing typed is lost even
        # when the page comes back with errors or the respondent goes Back.
        parsed.blank = [qid for qid in parsed.blank if qid not in parsed.errors]
        _save_answers(response, parsed)
        progress = {
            "started_at": Coalesce(F("started_at"), now),
            "last_activity_at": now,
        }
        if action == "back":
            Response.objects.filter(pk=response.pk).update(**progress)
            return HttpResponseRedirect(_page_url(action_url, max(index - 1, 0)))
        if parsed.errors:
            Response.objects.filter(pk=response.pk).update(**progress)
            return render_page(
                request,
                definition=definition,
                page_index=index,
                display=parsed.display,
                errors=parsed.errors,
                action_url=action_url,
            )
        if index < len(pages) - 1:
            Response.objects.filter(pk=response.pk).update(
                current_page=max(response.current_page, index + 1), **progress
            )
            return HttpResponseRedirect(_page_url(action_url, index + 1))
        missing = engine.first_missing_page(definition, _answers(response))
        if missing is not None:
            Response.objects.filter(pk=response.pk).update(
                current_page=missing, **progress
            )
            return HttpResponseRedirect(_page_url(action_url, missing))
        finished = Response.objects.filter(
            pk=response.pk, finished_at__isnull=True
        ).update(finished_at=now, current_page=index, **progress)
    if not finished:
        return message_page(request, title=survey.title, message=ALREADY_COMPLETED)
    # Options (messages, access) apply at once, unlike questions, which wait for
    # Publish: the thank-you is read from the survey, not the version.
    return message_page(
        request,
        title=definition.get("title", survey.title),
        message=survey.thank_you_message,
    )
