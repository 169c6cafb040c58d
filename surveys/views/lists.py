from django.contrib.auth.decorators import login_required
from django.shortcuts import render


@login_required
def survey_list(request):
    return render(request, "surveys/survey_list.html", {"surveys": []})
