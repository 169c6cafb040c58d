"""Distributions tab → Emails: the rows, Compose Email, View, Download history, Cancel.

Rights (teams.access, through survey_get): the rows and View need VIEW, Compose
Email (GET too), Cancel and Resend SEND, Download history ANALYSE (audited).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.selectors import owner_time_zone
from directories.selectors import contact_list_list, contact_list_opted_out_count
from distributions.forms.compose import ComposeForm, MessageForm
from distributions.forms.versions import PREFIX, language_options
from distributions.models import Distribution
from distributions.selectors.frequency import frequency_rule_get
from distributions.selectors.invitations import distribution_invitations_page
from distributions.selectors.messages import message_library
from distributions.selectors.pages import (
    email_distribution_get,
    email_distribution_rows,
)
from distributions.services.compose import (
    distribution_cancel_scheduled,
    distribution_schedule,
    message_create,
    preview_email_send,
)
from distributions.services.email_message import invitation_message
from distributions.services.message_versions import (
    message_version,
    survey_default_language,
    version_label,
)
from distributions.services.resend import deliveries_in_doubt_resend, in_doubt_count
from distributions.status import invitation_status
from distributions.views.polling import rows_poll
from distributions.views.shared import (
    RECIPIENTS_PER_PAGE,
    history_download,
    tab_context,
)
from surveys.selectors import survey_get
from teams.access import Right


@login_required
@require_GET
def email_list(request, survey_id: int):
    """Distributions tab → Emails: a row per email distribution of the survey."""
    survey = survey_get(user=request.user, pk=survey_id)
    rows = email_distribution_rows(user=request.user, survey=survey)
    return render(
        request,
        "distributions/email_list.html",
        {
            **tab_context(survey, "emails"),
            "rows": rows,
            "frequency_rule": frequency_rule_get(
                user=request.user, team_id=survey.team_id
            ),
            "poll": rows_poll(
                survey,
                rows,
                busy=any(
                    r.is_active or any(c.is_active for c in r.children) for r in rows
                ),
            ),
        },
    )


@login_required
@require_GET
def email_rows(request, survey_id: int):
    """The rows alone, polled by htmx while anything is scheduled or sending."""
    survey = survey_get(user=request.user, pk=survey_id)
    rows = email_distribution_rows(user=request.user, survey=survey)
    return render(
        request,
        "distributions/email_rows.html",
        {
            "survey": survey,
            "rows": rows,
            "poll": rows_poll(
                survey,
                rows,
                busy=any(
                    r.is_active or any(c.is_active for c in r.children) for r in rows
                ),
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def email_compose(request, survey_id: int):
    """Compose Email: To, From, When, Subject, Load Message, the message, Send."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    context = tab_context(survey, "emails")
    if context["distributable_problem"]:
        return render(request, "distributions/compose.html", context, status=409)
    lists = contact_list_list(user=request.user, team_id=survey.team_id)
    list_stats = {
        contact_list.pk: (
            contact_list.contact_count,
            contact_list_opted_out_count(contact_list=contact_list),
        )
        for contact_list in lists
    }
    zone = owner_time_zone(request.user)
    form_kwargs = {
        "zone": zone,
        "lists": lists,
        "list_stats": list_stats,
        "user": request.user,
        "default_language": survey_default_language(survey),
    }
    action = request.POST.get("action", "send")
    save_errors = None
    if request.method == "POST" and action == "save_message":
        save_form = MessageForm(
            {
                # The language versions' fields too, under their own prefix.
                **{
                    key: value
                    for key, value in request.POST.items()
                    if key.startswith(PREFIX + "-")
                },
                "name": request.POST.get("message_name", ""),
                "message_type": request.POST.get("message_type", "invite"),
                "subject": request.POST.get("subject", ""),
                "body": request.POST.get("body", ""),
            }
        )
        saved = False
        if save_form.is_valid():
            try:
                message_create(
                    user=request.user, team=survey.team, **save_form.cleaned_data
                )
                saved = True
            except ValidationError as error:
                save_errors = error.messages
        else:
            save_errors = [
                f"{save_form.fields[f].label if f in save_form.fields else ''}: {e}".lstrip(
                    ": "
                )
                for f, errors in save_form.errors.items()
                for e in errors
            ]
        if saved:
            messages.success(
                request,
                f"Saved “{save_form.cleaned_data['name']}” in the message library.",
            )
        form = ComposeForm(initial=request.POST.dict(), **form_kwargs)
        # The versions as typed, saved or not.
        form.versions = save_form.versions
    elif request.method == "POST":
        form = ComposeForm(request.POST, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            fields = {
                "from_name": data["from_name"],
                "from_email": data["from_email"],
                "reply_to": data["reply_to"],
                "subject": data["subject"],
                "body": data["body"],
            }
            if action == "preview":
                try:
                    address = preview_email_send(
                        user=request.user,
                        survey=survey,
                        contact_list=data["contact_list"],
                        **fields,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    messages.success(request, f"A preview email was sent to {address}.")
            else:
                try:
                    distribution = distribution_schedule(
                        user=request.user,
                        survey=survey,
                        contact_list=data["contact_list"],
                        send_at=data["send_at"],
                        link_expires_at=data["expires_at"],
                        compose_token=data.get("compose_token") or None,
                        track_opens=data.get("track_opens", False),
                        versions=data["versions"],
                        **fields,
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    when = timezone.localtime(distribution.send_at, zone)
                    words = {"list": distribution.list_name}
                    if distribution.send_at <= timezone.now():
                        text = _("Your email to %(list)s is being sent.") % words
                    else:
                        text = _(
                            "Your email to %(list)s is scheduled for %(when)s (%(zone)s)."
                        ) % {
                            **words,
                            "when": date_format(when, "SHORT_DATETIME_FORMAT"),
                            "zone": zone.key,
                        }
                    messages.success(request, text)
                    return redirect("distributions:emails", survey_id=survey.pk)
    else:
        form = ComposeForm(**form_kwargs)
    list_fields = {str(cl.pk): list(cl.embedded_fields) for cl in lists}
    return render(
        request,
        "distributions/compose.html",
        {
            **context,
            "form": form,
            "save_errors": save_errors,
            "library": message_library(user=request.user, team_id=survey.team_id),
            "list_fields": list_fields,
            "message_types": MessageForm.base_fields["message_type"].choices,
            "language_options": language_options(),
            "zone": zone,
        },
    )


def _render_sent(distribution, invitation):
    """Return (language, the subject and text) of this invitation's email, rendered
    as sent: in the language its delivery recorded (before it is sent: the one it
    will get)."""
    version = message_version(
        distribution, invitation.this_delivery_language or invitation.language
    )
    try:
        rendered = invitation_message(
            distribution=distribution, invitation=invitation, version=version
        )
    except ValueError:
        rendered = {"subject": version.subject, "text": version.body}
    return version.language, rendered


@login_required
@require_GET
def email_detail(request, survey_id: int, pk: int):
    """View: what was sent, as sent: the message and each recipient's rendering."""
    survey = survey_get(user=request.user, pk=survey_id)
    distribution = email_distribution_get(user=request.user, survey=survey, pk=pk)
    page = distribution_invitations_page(
        distribution=distribution,
        number=request.GET.get("page"),
        per_page=RECIPIENTS_PER_PAGE,
    )
    now = timezone.now()
    recipients = []
    for invitation in page.object_list:
        language, rendered = _render_sent(distribution, invitation)
        recipients.append(
            {
                "invitation": invitation,
                "status": invitation_status(invitation, now=now),
                "rendered": rendered,
                "language": language,
            }
        )
    return render(
        request,
        "distributions/email_detail.html",
        {
            **tab_context(survey, "emails"),
            "distribution": distribution,
            "language_versions": [
                {"name": version_label(tag), **version}
                for tag, version in distribution.versions.items()
            ],
            "page_obj": page,
            "recipients": recipients,
        },
    )


@login_required
@require_GET
def email_history(request, survey_id: int, pk: int):
    """Download history: the history CSV, streamed, in the downloader's time zone."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.ANALYSE)
    distribution = email_distribution_get(user=request.user, survey=survey, pk=pk)
    return history_download(distribution, owner_time_zone(request.user), request.user)


@login_required
@require_http_methods(["GET", "POST"])
def email_cancel(request, survey_id: int, pk: int):
    """Cancel a distribution until it starts sending (GET asks, POST cancels)."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    distribution = email_distribution_get(user=request.user, survey=survey, pk=pk)
    if request.method == "POST":
        if distribution_cancel_scheduled(user=request.user, distribution=distribution):
            messages.success(
                request, f"The email to {distribution.list_name} was cancelled."
            )
        else:
            messages.error(
                request,
                f"The email to {distribution.list_name} has already started sending "
                "and can no longer be cancelled.",
            )
        return redirect("distributions:emails", survey_id=survey.pk)
    if distribution.status != Distribution.Status.SCHEDULED:
        messages.error(
            request,
            f"The email to {distribution.list_name} is "
            f"{distribution.get_status_display().lower()} and can no longer be "
            "cancelled.",
        )
        return redirect("distributions:emails", survey_id=survey.pk)
    return render(
        request,
        "distributions/email_cancel.html",
        {**tab_context(survey, "emails"), "distribution": distribution},
    )


@login_required
@require_http_methods(["GET", "POST"])
def email_resend(request, survey_id: int, pk: int):
    """Resend to these N: the emails in doubt after an interruption (GET asks)."""
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    distribution = email_distribution_get(user=request.user, survey=survey, pk=pk)
    if request.method == "POST":
        count = deliveries_in_doubt_resend(user=request.user, distribution=distribution)
        if count:
            messages.success(
                request,
                f"{count} email{'s' if count != 1 else ''} to "
                f"{distribution.list_name} queued again.",
            )
        else:
            messages.info(request, _("No email of this distribution is in doubt."))
        return redirect("distributions:emails", survey_id=survey.pk)
    count = in_doubt_count(distribution=distribution)
    if not count:
        messages.info(request, _("No email of this distribution is in doubt."))
        return redirect("distributions:emails", survey_id=survey.pk)
    return render(
        request,
        "distributions/email_resend.html",
        {**tab_context(survey, "emails"), "distribution": distribution, "count": count},
    )
