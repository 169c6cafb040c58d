"""Distributions tab → Personal links; reminders and thank-yous; each link's control.

Every view loads the survey through survey_get(user=...) and the distribution
through an owner-scoped selector, so another owner's ids answer 404 on GET and POST.
"""

import secrets

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.selectors import owner_time_zone
from directories.selectors import contact_list_get, contact_list_list
from distributions.forms import MessageFieldsForm
from distributions.models import Distribution, MessageType
from distributions.selectors import (
    invitation_get,
    invitation_status,
    invitation_timeline,
    link_batch_get,
    link_batch_rows,
    links_csv_chunks,
    message_list,
    personal_link,
    recipient_search,
    root_distribution_get,
)
from distributions.services.default_messages import default_message
from distributions.services.links import (
    ExpiryChoice,
    invitation_extend,
    invitation_regenerate,
    invitation_revoke,
    invitations_extend_unfinished,
    link_expiry_compute,
    links_generate,
)
from distributions.services.reminders import AUDIENCES, reminder_schedule
from distributions.views.emails import history_download, tab_context
from distributions.views.polling import POLL_GENERATING, rows_poll
from surveys.selectors import survey_get

RECIPIENTS_PER_PAGE = 25


# --- Forms -----------------------------------------------------------------------


class ExpiryForm(forms.Form):
    """ "Select when the link expires": relative choices or a custom date."""

    expiry = forms.ChoiceField(
        label="Select when the link expires",
        choices=ExpiryChoice.CHOICES,
        initial=ExpiryChoice.DEFAULT,
    )
    expires_on = forms.DateField(
        label="Expiry date",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="The links work until the end of this day, in your time zone.",
    )

    def __init__(self, *args, zone, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone

    def clean(self):
        cleaned = super().clean()
        if "expiry" in cleaned:
            try:
                cleaned["expires_at"] = link_expiry_compute(
                    choice=cleaned["expiry"],
                    zone=self.zone,
                    custom_date=cleaned.get("expires_on"),
                )
            except ValidationError as error:
                self.add_error(
                    "expires_on" if cleaned["expiry"] == "custom" else "expiry", error
                )
        return cleaned


class GenerateLinksForm(ExpiryForm):
    """Generate Links: Select Contacts (a list, whole or sampled) and the expiry."""

    SCOPE_ALL = "all"
    SCOPE_SAMPLE = "sample"

    contact_list = forms.ModelChoiceField(
        label="Select Contacts", queryset=None, empty_label="Choose a list"
    )
    scope = forms.ChoiceField(
        label="Contacts",
        choices=[
            (SCOPE_ALL, "Every contact in the list"),
            (SCOPE_SAMPLE, "A random sample of"),
        ],
        initial=SCOPE_ALL,
        widget=forms.RadioSelect,
    )
    sample_size = forms.IntegerField(
        label="Sample size", required=False, min_value=1, max_value=10_000_000
    )
    request_token = forms.CharField(widget=forms.HiddenInput, required=False)

    field_order = [
        "contact_list",
        "scope",
        "sample_size",
        "expiry",
        "expires_on",
        "request_token",
    ]

    def __init__(self, *args, lists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_list"].queryset = lists
        self.fields["contact_list"].label_from_instance = lambda cl: (
            f"{cl.name} ({cl.contact_count} contact{pluralize(cl.contact_count)})"
        )
        if not self.is_bound:
            self.initial.setdefault("request_token", secrets.token_urlsafe(24))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == self.SCOPE_SAMPLE:
            if not cleaned.get("sample_size"):
                self.add_error("sample_size", "Enter how many contacts to sample.")
        else:
            cleaned["sample_size"] = None
        return cleaned


class ReminderForm(MessageFieldsForm):
    """Schedule Reminder / Schedule Thank You: When, From, Subject, message, who."""

    audience = forms.ChoiceField(label="Send to", widget=forms.RadioSelect)
    request_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, message_type, **kwargs):
        super().__init__(*args, **kwargs)
        self.message_type = message_type
        self.require_survey_link = message_type == MessageType.REMINDER
        choices = AUDIENCES[message_type]
        self.fields["audience"].choices = choices
        self.fields["audience"].initial = choices[0][0]
        if not self.is_bound:
            message = default_message(message_type)
            self.initial.setdefault("subject", message["subject"])
            self.initial.setdefault("body", message["body"])
            self.initial.setdefault("request_token", secrets.token_urlsafe(24))


# --- Personal links page ---------------------------------------------------------


def _rows_context(request, survey) -> dict:
    rows = link_batch_rows(user=request.user, survey=survey)
    generating = any(row.is_generating for row in rows)
    # ?generated=<id>: the batch just made, whose links CSV downloads at once
    # (or, made by the worker, when the polled rows find it ready).
    generated_id = request.GET.get("generated", "")
    generated = next((r for r in rows if str(r.distribution.pk) == generated_id), None)
    return {
        "survey": survey,
        "rows": rows,
        "poll": rows_poll(survey, rows, busy=generating, busy_every=POLL_GENERATING),
        "generated": generated,
        "generated_id": generated.distribution.pk if generated else None,
    }


@login_required
@require_GET
def links_list(request, survey_id: int):
    """Personal links: a row per batch with its counts, and Generate Links."""
    survey = survey_get(user=request.user, pk=survey_id)
    context = {**tab_context(survey, "links"), **_rows_context(request, survey)}
    return render(request, "distributions/links_list.html", context)


@login_required
@require_GET
def links_rows(request, survey_id: int):
    """The rows alone, polled by htmx: progress while generating, live counts."""
    survey = survey_get(user=request.user, pk=survey_id)
    context = {**_rows_context(request, survey), "polled": True}
    return render(request, "distributions/links_rows.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def links_generate_view(request, survey_id: int):
    """Generate Links: Select Contacts, "Select when the link expires", Generate."""
    survey = survey_get(user=request.user, pk=survey_id)
    context = tab_context(survey, "links")
    if context["distributable_problem"]:
        return render(request, "distributions/links_generate.html", context, status=409)
    lists = contact_list_list(user=request.user)
    zone = owner_time_zone(request.user)
    if request.method == "POST":
        form = GenerateLinksForm(request.POST, lists=lists, zone=zone)
        if form.is_valid():
            data = form.cleaned_data
            try:
                batch = links_generate(
                    user=request.user,
                    survey=survey,
                    contact_list=contact_list_get(
                        user=request.user, pk=data["contact_list"].pk
                    ),
                    expires_at=data["expires_at"],
                    sample_size=data["sample_size"],
                    request_token=data.get("request_token") or None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # The page's notice says what was generated and holds the
                # download (the polled rows fill it in when the worker is done).
                url = reverse("distributions:links", kwargs={"survey_id": survey.pk})
                return redirect(f"{url}?generated={batch.pk}")
    else:
        form = GenerateLinksForm(lists=lists, zone=zone)
    return render(
        request,
        "distributions/links_generate.html",
        {**context, "form": form, "zone": zone},
    )


def _csv_response(filename: str, chunks, zone) -> StreamingHttpResponse:
    def lines():
        # Streamed after the middleware returned: activate the owner's zone here.
        with timezone.override(zone):
            yield from chunks

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def links_filename(batch: Distribution, zone, what: str = "links") -> str:
    name = slugify(batch.list_name) or "list"
    created = timezone.localtime(batch.created_at, zone)
    return f"{what}-{name}-{created:%Y-%m-%d}-{batch.pk}.csv"


@login_required
@require_GET
def links_download(request, survey_id: int, pk: int):
    """Download links: the mail-merge CSV of a batch, again at any time."""
    survey = survey_get(user=request.user, pk=survey_id)
    batch = link_batch_get(user=request.user, survey=survey, pk=pk)
    if batch.status == Distribution.Status.GENERATING:
        messages.info(request, "The links are still being generated.")
        return redirect("distributions:links", survey_id=survey.pk)
    zone = owner_time_zone(request.user)
    return _csv_response(
        links_filename(batch, zone), links_csv_chunks(distribution=batch), zone
    )


@login_required
@require_GET
def links_history(request, survey_id: int, pk: int):
    """Download history: the same columns, with each contact's current status."""
    survey = survey_get(user=request.user, pk=survey_id)
    batch = link_batch_get(user=request.user, survey=survey, pk=pk)
    return history_download(batch, owner_time_zone(request.user))


# --- Each link under control -----------------------------------------------------


@login_required
@require_GET
def recipients(request, survey_id: int, pk: int):
    """A distribution's recipients, searchable by name or email, paginated."""
    survey = survey_get(user=request.user, pk=survey_id)
    distribution = root_distribution_get(user=request.user, survey=survey, pk=pk)
    query = request.GET.get("q", "").strip()[:200]
    paginator = Paginator(
        recipient_search(distribution=distribution, query=query), RECIPIENTS_PER_PAGE
    )
    page = paginator.get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {
            "invitation": invitation,
            "status": invitation_status(invitation, now=now),
            "link": personal_link(invitation.token),
        }
        for invitation in page.object_list
    ]
    zone = owner_time_zone(request.user)
    return render(
        request,
        "distributions/recipients.html",
        {
            **tab_context(
                survey,
                "links" if distribution.kind == Distribution.Kind.LINKS else "emails",
            ),
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
    survey = survey_get(user=request.user, pk=survey_id)
    distribution = root_distribution_get(user=request.user, survey=survey, pk=pk)
    invitation = invitation_get(
        user=request.user, distribution=distribution, pk=invitation_id
    )
    return render(
        request,
        "distributions/invitation_detail.html",
        {
            **tab_context(
                survey,
                "links" if distribution.kind == Distribution.Kind.LINKS else "emails",
            ),
            "distribution": distribution,
            "invitation": invitation,
            "status": invitation_status(invitation),
            "link": personal_link(invitation.token),
            "finished": bool(invitation.response and invitation.response.finished_at),
            "timeline": invitation_timeline(invitation=invitation),
            "extend_form": ExpiryForm(zone=owner_time_zone(request.user)),
        },
    )


def _invitation_action(request, survey_id: int, pk: int, invitation_id: int):
    survey = survey_get(user=request.user, pk=survey_id)
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
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(url)
    if invitation_extend(
        user=request.user,
        invitation_id=invitation.pk,
        expires_at=form.cleaned_data["expires_at"],
    ):
        when = timezone.localtime(form.cleaned_data["expires_at"])
        messages.success(
            request,
            f"The link of {invitation.email} now expires on {when:%Y-%m-%d %H:%M}.",
        )
    else:
        messages.error(request, "A finished survey's link is not extended.")
    return redirect(url)


@login_required
@require_POST
def invitation_regenerate_view(request, survey_id: int, pk: int, invitation_id: int):
    invitation, url = _invitation_action(request, survey_id, pk, invitation_id)
    if invitation_regenerate(user=request.user, invitation_id=invitation.pk):
        messages.success(
            request,
            f"{invitation.email} has a new link; the old one no longer works.",
        )
    else:
        messages.error(request, "A finished survey's link is not regenerated.")
    return redirect(url)


@login_required
@require_POST
def links_extend_all(request, survey_id: int, pk: int):
    """Bulk: move the expiry of every unfinished link of a distribution."""
    survey = survey_get(user=request.user, pk=survey_id)
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
            f"{count} unfinished link{'s' if count != 1 else ''} now expire on "
            f"{when:%Y-%m-%d %H:%M}.",
        )
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("distributions:recipients", survey_id=survey.pk, pk=distribution.pk)


# --- Reminders and thank-yous ----------------------------------------------------


def _library(user, message_type: str) -> list[dict]:
    saved = [
        {"name": m.name, "subject": m.subject, "body": m.body}
        for m in message_list(user=user).filter(message_type=message_type)
    ]
    shipped = default_message(message_type)
    return saved + [
        {
            "name": f"{shipped['name']} (default)",
            "subject": shipped["subject"],
            "body": shipped["body"],
        }
    ]


def _schedule(request, survey_id: int, pk: int, message_type: str):
    survey = survey_get(user=request.user, pk=survey_id)
    parent = root_distribution_get(user=request.user, survey=survey, pk=pk)
    side = "links" if parent.kind == Distribution.Kind.LINKS else "emails"
    back = reverse(f"distributions:{side}", kwargs={"survey_id": survey.pk})
    zone = owner_time_zone(request.user)
    embedded = list(parent.contact_list.embedded_fields) if parent.contact_list else []
    form_kwargs = {"zone": zone, "embedded_fields": embedded}
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
                    request_token=data.get("request_token") or None,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                what = (
                    "reminder" if message_type == MessageType.REMINDER else "thank-you"
                )
                if child.send_at <= timezone.now():
                    text = f"Your {what} to {parent.list_name} is being sent."
                else:
                    when = timezone.localtime(child.send_at, zone)
                    text = (
                        f"Your {what} to {parent.list_name} is scheduled for "
                        f"{when:%Y-%m-%d %H:%M} ({zone.key})."
                    )
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
                "Schedule Reminder"
                if message_type == MessageType.REMINDER
                else "Schedule Thank You"
            ),
            "library": _library(request.user, message_type),
            "list_fields": {},
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
