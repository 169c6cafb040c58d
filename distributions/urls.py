from django.urls import path

from distributions.views import emails

app_name = "distributions"

# Each section belongs to one module of distributions/views/. Respondent-facing URL
# names start with "public_" (the login-required test skips exactly those).
urlpatterns = [
    # --- Emails: compose, rows, history (views/emails.py) ---
    path("surveys/<int:survey_id>/distributions/", emails.email_list, name="emails"),
    # --- Message library (views/messages.py) ---
    # --- Personal links, reminders, thank-yous, link control (views/links.py) ---
    # --- Respondent-facing: /s/<token>/, opt-out (views/public.py) ---
]
