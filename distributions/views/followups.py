"""Schedule Reminder and Schedule Thank You: follow-ups that reuse a distribution's
links (email distributions and personal-links batches alike)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.selectors import owner_time_zone
from distributions.forms.compose import ReminderForm
from distributions.forms.versions import language_options
from distributions.models import MessageType
from distributions.selectors.messages import message_library
from distributions.selectors.pages import root_distribution_get
from distributions.services.message_versions import survey_default_language
from distributions.services.reminders import reminder_schedule
from distributions.views.shared import side_of, tab_context
from surveys.selectors import survey_get
from teams.access import Right


def _schedule(request, survey_id: int, pk: int, message_type: str):
    survey = survey_get(user=request.user, pk=survey_id, right=Right.SEND)
    parent = root_distribution_get(user=request.user, survey=survey, pk=pk)
    side = side_of(parent)
    back = reverse(f"distributions:{side}", kwargs={"survey_id": survey.pk})
    zone = owner_time_zone(request.user)
    embedded = list(parent.contact_list.embedded_fields) if parent.contact_list else []
    form_kwargs = {
        "zone": zone,
        "embedded_fields": embedded,
        "user": request.user,
        "default_language": survey_default_language(survey),
    }
    if request.method == "POST":
        form = ReminderForm(request.POST, message_type=message_type, **form_kwargs)
        if form.is_valid():
            data = form.cleaned_data
            try:
                child = reminder_schedule(
                    user=request.user,
                    parent=parent,
                    message_type=message_type,
                    audience=data["audience"],
                    send_at=data["send_at"],
                    from_name=data["from_name"],
                    from_email=data["from_email"],
                    reply_to=data["reply_to"],
                    subject=data["subject"],
                    body=data["body"],
                    versions=data["versions"],
                    request_token=data.get("request_token") or None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                reminder = message_type == MessageType.REMINDER
                words = {"list": parent.list_name}
                if child.send_at <= timezone.now():
                    text = (
                        _("Your reminder to %(list)s is being sent.")
                        if reminder
                        else _("Your thank-you to %(list)s is being sent.")
                    ) % words
                else:
                    when = timezone.localtime(child.send_at, zone)
                    words["when"] = date_format(when, "SHORT_DATETIME_FORMAT")
                    words["zone"] = zone.key
                    text = (
                        _(
                            "Your reminder to %(list)s is scheduled for %(when)s (%(zone)s)."
                        )
                        if reminder
                        else _(
                            "Your thank-you to %(list)s is scheduled for %(when)s "
                            "(%(zone)s)."
                        )
                    ) % words
                messages.success(request, text)
                return redirect(back)
    else:
        form = ReminderForm(message_type=message_type, **form_kwargs)
    return render(
        request,
        "distributions/reminder_form.html",
        {
            **tab_context(survey, side),
            "form": form,
            "parent": parent,
            "message_type": message_type,
            "title": (
                _("Schedule Reminder")
                if message_type == MessageType.REMINDER
                else _("Schedule Thank You")
            ),
            "library": message_library(
                user=request.user, team_id=survey.team_id, message_type=message_type
            ),
            "list_fields": {},
            "language_options": language_options(),
            "back": back,
            "zone": zone,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def reminder_new(request, survey_id: int, pk: int):
    """Schedule Reminder: to those not finished / not started / started only."""
    return _schedule(request, survey_id, pk, MessageType.REMINDER)


@login_required
@require_http_methods(["GET", "POST"])
def thank_you_new(request, survey_id: int, pk: int):
    """Schedule Thank You: to those who finished."""
    return _schedule(request, survey_id, pk, MessageType.THANK_YOU)
