"""Profile → Webhooks: the current team's endpoints, their secret and their
attempt log; managing them is an Editor's (teams.access, EDIT)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from api.models import WebhookEvent
from api.selectors import webhook_attempts, webhook_endpoint_get, webhook_endpoint_list
from api.webhooks.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_enable,
)
from teams.selectors import current_team


class EndpointForm(forms.Form):
    url = forms.URLField(max_length=1000, label=_("URL"), assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )


@login_required
@require_http_methods(["GET", "POST"])
def webhooks_page(request):
    team = current_team(request)
    # The form is the page: a role without EDIT gets a 403, GET or POST.
    endpoints = webhook_endpoint_list(user=request.user, team_id=team.pk)
    form = EndpointForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                endpoint = webhook_endpoint_create(
                    owner=request.user, team=team, **form.cleaned_data
                )
            except ValidationError as error:
                for field, problems in error.message_dict.items():
                    for problem in problems:
                        form.add_error(field, problem)
            else:
                return redirect("api:webhook", pk=endpoint.pk)
        status = 400
    context = {"form": form, "endpoints": endpoints, "team": team}
    return render(request, "api/webhooks.html", context, status=status)


@login_required
def webhook_page(request, pk: int):
    endpoint = webhook_endpoint_get(user=request.user, pk=pk)
    labels = dict(WebhookEvent.choices)
    context = {
        "endpoint": endpoint,
        "event_labels": [labels.get(name, name) for name in endpoint.events],
        "attempts": webhook_attempts(endpoint=endpoint),
    }
    return render(request, "api/webhook.html", context)


@login_required
@require_POST
def webhook_enable(request, pk: int):
    endpoint = webhook_endpoint_get(user=request.user, pk=pk)
    webhook_endpoint_enable(endpoint=endpoint)
    messages.success(request, _("The endpoint is on again."))
    return redirect("api:webhook", pk=pk)


@login_required
@require_POST
def webhook_delete(request, pk: int):
    endpoint = webhook_endpoint_get(user=request.user, pk=pk)
    webhook_endpoint_delete(endpoint=endpoint)
    messages.success(request, _("The endpoint is deleted."))
    return redirect("api:webhooks")
