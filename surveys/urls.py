from django.conf import settings
from django.urls import path

from surveys.views import lists, public

app_name = "surveys"

# Respondent-facing URL names start with "public_".
urlpatterns = [
    path("surveys/", lists.survey_list, name="list"),
    path("r/<str:public_key>/", public.public_respond, name="public_respond"),
]

if getattr(settings, "SURVEYS_BENCH_VIEW", False):
    urlpatterns.append(path("bench/bare/", public.bench_bare, name="bench_bare"))
