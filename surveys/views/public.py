"""The anonymous link /r/<public_key>/: one browser, one response, resumed by cookie."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from surveys.lookups import anonymous_response_by_resume_key, survey_by_public_key
from surveys.models import Response
from surveys.respondent import (
    new_resume_key,
    refuse_invalid_link,
    respondent_page,
    response_create,
    run_engine,
    survey_unavailable,
)

RESUME_COOKIE = "canvass_resume"
RESUME_FIELD = "resume"
RESUME_KEY_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")
# A declared embedded field's value from the URL travels in the form as "ed:<name>"
# until the first submit records it on the response.
URL_FIELD_PREFIX = "ed:"
URL_FIELD_MAX = 255


def url_embedded_data(survey, request) -> dict:
    """The declared embedded fields given in the link's query (?Department=Physics)
    or carried by the form; others are ignored."""
    found = {}
    for name in survey.embedded_fields or []:
        value = request.GET.get(name) or request.POST.get(URL_FIELD_PREFIX + name)
        if value:
            found[name] = value.strip()[:URL_FIELD_MAX]
    return found


# CSRF: exempt on purpose. The respondent has no login and the form carries no
# ambient authority: the response is named by the survey key in the URL and the
# resume cookie, which is SameSite=Lax (so another site cannot post with it). A CSRF
# token tied to a session or cookie would turn an expired cookie, a server restart or
# a phone that dropped its cookies into a 403 that throws away the typed answers.
@csrf_exempt
@respondent_page
def public_respond(request, public_key):
    # Look up first: only an unknown key counts toward the client's invalid-link
    # limit, so a valid survey link opens whatever its address mistyped before.
    resume_key = request.COOKIES.get(RESUME_COOKIE, "")
    response = None
    posted_key = ""
    if resume_key:
        # One query for a returning browser: its response, the survey, the answers.
        response = anonymous_response_by_resume_key(public_key, resume_key)
    survey = response.survey if response else survey_by_public_key(public_key)
    if survey is None:
        return refuse_invalid_link(request)
    unavailable = survey_unavailable(
        request, survey=survey, channel=Response.Channel.ANONYMOUS
    )
    if unavailable is not None:
        return unavailable
    if response is None and RESUME_KEY_FORMAT.fullmatch(
        request.POST.get(RESUME_FIELD, "")
    ):
        posted_key = request.POST[RESUME_FIELD]
        response = (
            Response.objects.filter(
                survey=survey,
                channel=Response.Channel.ANONYMOUS,
                resume_key=posted_key,
            )
            .order_by()
            .first()
        )
    # The form carries the resume key too: a double-clicked first submit (sent
    # before the cookie arrives) names one response instead of creating two, and a
    # browser that lost its cookie between showing a page and submitting it still
    # saves into its own response. The key is as secret as the cookie; the page is
    # no-store and sends no referrer.
    form_key = response.resume_key if response else posted_key or new_resume_key()
    request.respondent_hidden_fields = {RESUME_FIELD: form_key}
    contact = None
    if response is None:
        url_data = url_embedded_data(survey, request)
        contact = {"embedded_data": url_data} if url_data else None
        for name, value in url_data.items():
            request.respondent_hidden_fields[URL_FIELD_PREFIX + name] = value
    created = []

    def create_response():
        key = form_key
        try:
            # The unique resume_key makes a concurrent twin wait here for the first
            # submit's commit, then find its response.
            with transaction.atomic():
                new = response_create(
                    survey=survey,
                    channel=Response.Channel.ANONYMOUS,
                    resume_key=key,
                    contact=contact,
                )
        except IntegrityError:
            new = Response.objects.get(
                survey=survey, channel=Response.Channel.ANONYMOUS, resume_key=key
            )
        created.append(new)
        return new

    action_url = request.path
    http = run_engine(
        request,
        survey=survey,
        response=response,
        create_response=create_response,
        action_url=action_url,
        contact=contact,
    )
    # Also when the form named the response: the twin of a double click may be the
    # only reply the browser reads.
    if created or (response is not None and posted_key):
        http.set_cookie(
            RESUME_COOKIE,
            (created[0] if created else response).resume_key,
            max_age=getattr(settings, "RESPONDENT_RESUME_COOKIE_AGE", 90 * 24 * 3600),
            path=action_url,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return http


def bench_bare(request):
    """A bare view for bench/bench_respondent.py: the floor a page cannot go under."""
    return HttpResponse("ok", content_type="text/plain")
