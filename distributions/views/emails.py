from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from surveys.selectors import survey_get


@login_required
def email_list(request, survey_id: int):
    """Distributions tab → Emails: a row per email distribution of the survey."""
    survey = survey_get(user=request.user, pk=survey_id)
    return render(request, "distributions/email_list.html", {"survey": survey})
