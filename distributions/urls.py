from django.urls import path  # noqa: F401

app_name = "distributions"

# Each section belongs to one module of distributions/views/.
urlpatterns = [
    # --- Emails: compose, rows, history (views/emails.py) ---
    # --- Message library (views/messages.py) ---
    # --- Personal links, reminders, thank-yous, link control (views/links.py) ---
    # --- Respondent-facing: /s/<token>/, opt-out (views/public.py) ---
]
