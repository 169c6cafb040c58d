"""Respondent-facing pages: the personal link /s/<token>/, its opt-out, the preview.

No login, no session needed. Tokens never reach a log line: core.logging redacts
every record of the process (request paths, SQL, tracebacks).
"""

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from distributions.models import Invitation
from distributions.person import person_finished_anonymously
from distributions.selectors.invitations import (
    invitation_by_token,
    invitation_person_response,
)
from distributions.services.compose import preview_page_sample
from distributions.services.email_message import invitation_values
from distributions.services.public import (
    invitation_opt_out,
    invitation_response_get_or_create,
)
from respondent_ui.language import request_language, speaking
from surveys.respondent import (
    already_completed_page,
    invalid_link,
    refuse_invalid_link,
    respondent_page,
    run_engine,
    survey_unavailable,
)
from surveys.selectors import survey_preview_outline


def _usable_invitation(request, token):
    """Return (invitation, None) or (None, the refusal to answer).

    The lookup comes first and only a failed one counts toward the client's
    invalid-link limit (surveys.respondent.refuse_invalid_link): a valid link opens
    even from an address that mistyped many.
    """
    invitation = invitation_by_token(token=token)
    if invitation is None or invitation.revoked_at is not None:
        return None, refuse_invalid_link(request)
    return invitation, None


# CSRF: exempt on purpose. The secret token in the URL is the only authority; no
# cookie or session is involved, so another site cannot forge a submit without the
# token, and a token tied to a cookie would turn a phone that dropped its cookies
# (or the Origin: null that no-referrer pages send) into a 403.
@csrf_exempt
@respondent_page
@require_http_methods(["GET", "HEAD", "POST"])
def public_link(request, token: str):
    """The personal link: resolve the invitation and drive the survey engine."""
    invitation, refusal = _usable_invitation(request, token)
    if refusal:
        return refusal
    survey = invitation.distribution.survey
    # The person's response by any of their links (one indexed lookup when this
    # link has none of its own), or their anonymous finish.
    response = invitation_person_response(invitation=invitation)
    finished_anonymously = response is None and person_finished_anonymously(
        survey=survey, invitation=invitation
    )
    finished = finished_anonymously or (
        response is not None and response.finished_at is not None
    )
    if invitation.expires_at <= timezone.now() and not finished:
        return refuse_invalid_link(request, gone=True)
    # What the response will copy: piped text and logic know the person from the
    # first page on (surveys.respondent's contract); their list's Language column
    # chooses the page's language.
    contact = {**invitation_values(invitation), "language": invitation.language}
    unavailable = survey_unavailable(
        request, survey=survey, channel="invitation", contact=contact
    )
    if unavailable is not None:
        return unavailable
    if survey.state != survey.State.PUBLISHED:
        return refuse_invalid_link(request)
    if finished_anonymously:
        return already_completed_page(request, survey=survey)
    invitation_id = invitation.pk
    return run_engine(
        request,
        survey=survey,
        response=response,
        create_response=lambda: invitation_response_get_or_create(
            invitation_id=invitation_id
        ),
        action_url=request.path,
        contact=contact,
    )


@csrf_exempt  # RFC 8058 one-click unsubscribe: a mail client's POST, no cookie.
@respondent_page
@require_http_methods(["GET", "HEAD", "POST"])
def public_opt_out(request, token: str):
    """Opt out: a GET only asks; the POST (button or one-click) suppresses.

    Expired and revoked links still opt out: the List-Unsubscribe header of every
    email ever sent must keep working.
    """
    invitation = invitation_by_token(token=token)
    if invitation is None:
        return refuse_invalid_link(request)
    # In the contact's language when Canvass has words for it.
    with speaking(request_language(request, [invitation.language])):
        if request.method == "POST":
            invitation_opt_out(invitation=invitation)
            return render(request, "distributions/public_unsubscribed.html", {})
        return render(
            request,
            "distributions/public_opt_out.html",
            {"action_url": request.path, "email": invitation.email},
        )


@respondent_page
@require_http_methods(["GET", "HEAD"])
def public_preview(request, key: str):
    """The preview email's link: the survey as published, recording nothing, piped
    for the person the preview email was (the list's first contact, or the owner)."""
    survey_id, sample = preview_page_sample(key)
    outline = (
        survey_preview_outline(survey_id=survey_id, contact=sample)
        if survey_id
        else None
    )
    if outline is None:
        return invalid_link(request)
    return render(
        request,
        "distributions/public_preview.html",
        {"definition": outline, "pages": outline["pages"], "sample": sample},
    )


def bench_lookup(request, token: str):
    """The limit bench/bench_respondent.py times /s/<token>/ against: the same
    middleware, the token's row by its unique index and a respondent template, and
    nothing else (SURVEYS_BENCH_VIEW adds it)."""
    try:
        row = Invitation.objects.values_list(
            "first_name", "distribution__survey__title"
        ).get(token=token)
    except Invitation.DoesNotExist:
        return invalid_link(request)
    html = render_to_string(
        "surveys/respond/message.html",
        {"title": row[1], "message": f"Hello {row[0]}"},
        request=request,
    )
    return HttpResponse(html)
