"""A team's contact frequency rule (services.frequency): one small form, for the
team in `?team=` (the Emails page's survey's) or else the one chosen in the
switcher; only its owners (MANAGE) see and change it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from distributions.selectors.frequency import frequency_rule_get
from distributions.services.frequency import frequency_rule_set
from teams import access
from teams.access import Right
from teams.selectors import current_team


class FrequencyRuleForm(forms.Form):
    max_emails = forms.IntegerField(
        label=_("At most this many emails to one address"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Leave empty for no limit."),
    )
    days = forms.IntegerField(
        label=_("In this many days"), min_value=1, max_value=366, required=False
    )
    exempt_follow_ups = forms.BooleanField(
        label=_("Reminders and thank-yous are exempt (neither limited nor counted)"),
        required=False,
        initial=True,
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("max_emails")) != bool(data.get("days")):
            raise forms.ValidationError(
                _("Give both a number of emails and a number of days, or neither.")
            )
        return data


@login_required
@require_http_methods(["GET", "POST"])
def frequency_rule(request):
    asked = request.GET.get("team", "")
    team_id = int(asked) if asked.isdigit() else current_team(request).pk
    access.require(request.user, team_id, Right.MANAGE)
    rule = frequency_rule_get(user=request.user, team_id=team_id)
    if request.method == "POST":
        form = FrequencyRuleForm(request.POST)
        if form.is_valid():
            rule = frequency_rule_set(
                user=request.user, team_id=team_id, **form.cleaned_data
            )
            messages.success(
                request,
                f"Contact frequency rule: {rule.describe()}."
                if rule
                else "No contact frequency rule: every email is sent.",
            )
            return redirect(f"{reverse('distributions:frequency_rule')}?team={team_id}")
    else:
        form = FrequencyRuleForm(
            initial={
                "max_emails": rule.max_emails,
                "days": rule.days,
                "exempt_follow_ups": rule.exempt_follow_ups,
            }
            if rule
            else None
        )
    return render(
        request,
        "distributions/frequency_rule.html",
        {"form": form, "rule": rule},
    )
