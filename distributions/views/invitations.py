"""A distribution's recipients and each personal link under control: its timeline,
revoke, extend, regenerate, and extending every unfinished link at once.

Every view loads the survey through survey_get(user=..., right=...) and the
distribution through the survey, so another team's ids answer 404 on GET and POST.
The recipients and a link's page show the links themselves: ANALYSE; changing a
link is sending: SEND.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import owner_time_zone
from distributions.forms import ExpiryForm
from distributions.personal_link import personal_link_url
from distributions.selectors.invitations import (
    invitation_get,
    invitation_timeline,
    recipient_search,
)
from distributions.selectors.pages import root_distribution_get
from distributions.services.links import (
    invitation_extend,
    invitation_regenerate,
    invitation_revoke,
    invitations_extend_unfinished,
)
from distributions.status import invitation_status
from distributions.views.shared import RECIPIENTS_PER_PAGE, side_of, tab_context
from surveys.selectors import survey_get
from teams.access import Right


@login_required
@require_GET
def recipients(request, survey_id: int, pk: int):
    """A distribution's recipients, searchable by name or email, paginated."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.ANALYSE)
    distribution = root_distribution_get(user=request.user, survey=survey, pk=pk)
    query = request.GET.get("q", "").strip()[:200]
    page = recipient_search(
        distribution=distribution,
        query=query,
        number=request.GET.get("page"),
        per_page=RECIPIENTS_PER_PAGE,
    )
    now = timezone.now()
    rows = [
        {
            "invitation": invitation,
            "status": invitation_status(invitation, now=now),
            "link": personal_link_url(invitation.token),
        }
        for invitation in page.object_list
    ]
    zone = owner_time_zone(request.user)
    return render(
        request,
        "distributions/recipients.html",
        {
            **tab_context(survey, side_of(distribution)),
            "distribution": distribution,
            "rows": rows,
            "page_obj": page,
            "query": query,
            "extend_form": ExpiryForm(zone=zone, prefix="extend"),
        },
    )


@login_required
@require_GET
def invitation_detail(request, survey_id: int, pk: int, invitation_id: int):
    """One link's timeline, its link to copy, and revoke / extend / regenerate."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.ANALYSE)
    distribution = root_distribution_get(user=request.user, survey=survey, pk=pk)
    invitation = invitation_get(
        user=request.user, distribution=distribution, pk=invitation_id
    )
    return render(
        request,
        "distributions/invitation_detail.html",
        {
            **tab_context(survey, side_of(distribution)),
            "distribution": distribution,
            "invitation": invitation,
            "status": invitation_status(invitation),
            "link": personal_link_url(invitation.token),
            "finished": bool(invitation.response and invitation.response.finished_at),
            "timeline": invitation_timeline(invitation=invitation),
            "extend_form": ExpiryForm(zone=owner_time_zone(request.user)),
        },
    )


def _errors_as_messages(request, form) -> None:
    """Show a refused expiry form's errors above the page it redirects to."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _invitation_action(request, survey_id: int, pk: int, invitation_id: int):
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    distribution = root_distribution_get(user=request.user, survey=survey, pk=pk)
    invitation = invitation_get(
        user=request.user, distribution=distribution, pk=invitation_id
    )
    url = reverse(
        "distributions:invitation_detail",
        kwargs={
            "survey_id": survey.pk,
            "pk": distribution.pk,
            "invitation_id": invitation.pk,
        },
    )
    return invitation, url


@login_required
@require_POST
def invitation_revoke_view(request, survey_id: int, pk: int, invitation_id: int):
    invitation, url = _invitation_action(request, survey_id, pk, invitation_id)
    if invitation_revoke(user=request.user, invitation_id=invitation.pk):
        messages.success(request, f"The link of {invitation.email} is revoked.")
    else:
        messages.info(request, f"The link of {invitation.email} was already revoked.")
    return redirect(url)


@login_required
@require_POST
def invitation_extend_view(request, survey_id: int, pk: int, invitation_id: int):
    invitation, url = _invitation_action(request, survey_id, pk, invitation_id)
    form = ExpiryForm(request.POST, zone=owner_time_zone(request.user))
    if not form.is_valid():
        _errors_as_messages(request, form)
        return redirect(url)
    if invitation_extend(
        user=request.user,
        invitation_id=invitation.pk,
        expires_at=form.cleaned_data["expires_at"],
    ):
        when = timezone.localtime(form.cleaned_data["expires_at"])
        messages.success(
            request,
            _("The link of %(email)s now expires on %(when)s.")
            % {
                "email": invitation.email,
                "when": date_format(when, "SHORT_DATETIME_FORMAT"),
            },
        )
    else:
        messages.error(request, _("A finished survey's link is not extended."))
    return redirect(url)


@login_required
@require_POST
def invitation_regenerate_view(request, survey_id: int, pk: int, invitation_id: int):
    invitation, url = _invitation_action(request, survey_id, pk, invitation_id)
    if invitation_regenerate(user=request.user, invitation_id=invitation.pk):
        messages.success(
            request,
            _("%(email)s has a new link; the old one no longer works.")
            % {"email": invitation.email},
        )
    else:
        messages.error(request, _("A finished survey's link is not regenerated."))
    return redirect(url)


@login_required
@require_POST
def links_extend_all(request, survey_id: int, pk: int):
    """Bulk: move the expiry of every unfinished link of a distribution."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    distribution = root_distribution_get(user=request.user, survey=survey, pk=pk)
    form = ExpiryForm(request.POST, zone=owner_time_zone(request.user), prefix="extend")
    if form.is_valid():
        count = invitations_extend_unfinished(
            user=request.user,
            distribution_id=distribution.pk,
            expires_at=form.cleaned_data["expires_at"],
        )
        when = timezone.localtime(form.cleaned_data["expires_at"])
        messages.success(
            request,
            ngettext(
                "%(count)s unfinished link now expires on %(when)s.",
                "%(count)s unfinished links now expire on %(when)s.",
                count,
            )
            % {"count": count, "when": date_format(when, "SHORT_DATETIME_FORMAT")},
        )
    else:
        _errors_as_messages(request, form)
    return redirect("distributions:recipients", survey_id=survey.pk, pk=distribution.pk)
